"""The whole registration form checked at once: the sample passes every rule, each enterprise type
passes when well formed, every problem is reported at once; and the rules of the form as a
whole (enterprise type, operating term)."""

from __future__ import annotations

from dataclasses import replace

from svc_registration import domain
from svc_registration.domain import Address, CompanyName, CreditStatus, EnterpriseType, ScopeChoice
from tests.support.registration_forms import (
    BASE,
    LI,
    PARTNERSHIP,
    SOLE,
    ZHANG,
    Case,
    check,
    holder,
    rejections,
    v,
)


def test_the_sample_application_passes_every_rule_and_qualifies_for_automatic_approval():
    result = check(BASE)
    assert result.violations == ()
    assert result.flags == ()
    assert result.industry_section == "I"
    decision = domain.decide_automatically(domain.auto_inputs(BASE, result, CreditStatus()))
    assert decision.approved and decision.reasons == ()


CASES: list[Case] = [
    (
        "enterprise type missing",
        lambda a: replace(a, enterprise_type=EnterpriseType.UNSPECIFIED),
        [
            v(
                "form.enterprise_type",
                "enterprise_type.required",
                "请选择企业类型（有限责任公司、一人有限责任公司、个人独资企业或普通合伙企业）",
                "choose the enterprise type (LLC, one-person LLC, sole proprietorship or general "
                "partnership)",
            )
        ],
    ),
    (
        "negative operating term",
        lambda a: replace(a, operating_term_years=-1),
        [
            v(
                "form.operating_term_years",
                "operating_term.negative",
                "营业期限不能为负数（0 表示长期）",
                "the operating term cannot be negative (0 means no fixed term)",
            )
        ],
    ),
]


test_a_bad_value_gets_exactly_its_rejection = rejections(CASES)


def test_the_other_enterprise_types_pass_when_well_formed():
    assert check(SOLE).violations == ()
    assert check(PARTNERSHIP).violations == ()
    one = replace(
        BASE,
        enterprise_type=EnterpriseType.ONE_PERSON_LLC,
        shareholders=(holder(ZHANG, "1000000.00"),),
    )
    assert check(one).violations == ()


def test_every_problem_is_reported_at_once():
    bad = replace(
        BASE,
        name=CompanyName("北京", "美国", "餐饮", "工作室", "I"),
        capital_amount="abc",
        scope=(ScopeChoice("", "炒股"),),
        domicile=Address("110101", detail=""),
        shareholders=(
            BASE.shareholders[0],
            replace(BASE.shareholders[1], person=replace(LI, id_number="120115199006070042")),
        ),
    )
    fields = [x.field for x in check(bad).violations]
    assert fields == [
        "form.name.division",
        "form.name.industry",
        "form.name.organisational_form",
        "form.name.trade_name",
        "form.registered_capital.amount",
        "form.shareholders[1].person.id_number",
        "form.business_scope[0].name_zh",
        "form.domicile.division_code",
        "form.domicile.detail",
    ]
