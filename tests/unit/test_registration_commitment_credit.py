"""The commitment route's form with a bad value each and the exact rejection it gets, and what the
credit list does: closes the commitment route, blocks automatic approval, bars a judgment
defaulter from office."""

from __future__ import annotations

from dataclasses import replace

import pytest

from svc_registration import domain
from svc_registration.domain import CreditStatus, Material, bars_office
from tests.support.registration_forms import BASE, COMMITTED, Case, check, rejections, v

CASES: list[Case] = [
    (
        "commitment not agreed",
        lambda a: replace(COMMITTED, commitment=replace(COMMITTED.commitment, agreed=False)),
        [
            v(
                "form.commitment.agreed",
                "commitment.not_agreed",
                "使用告知承诺制须勾选同意承诺书",
                "the commitment route needs the applicant's agreement to the written commitment",
            )
        ],
    ),
    (
        "commitment without its text",
        lambda a: replace(COMMITTED, commitment=replace(COMMITTED.commitment, text="")),
        [
            v(
                "form.commitment.commitment_text",
                "commitment.text_required",
                "请填写承诺内容（在 60 日内补交所列材料）",
                "give the text of the commitment (to supply the listed materials within 60 days)",
            )
        ],
    ),
    (
        "committed material with a bad code",
        lambda a: replace(
            COMMITTED,
            commitment=replace(COMMITTED.commitment, materials=(Material("住所", "住所使用证明"),)),
        ),
        [
            v(
                "form.commitment.materials[0].code",
                "commitment.material_code",
                "材料代码应为 2–40 位小写字母、数字或下划线，以字母开头",
                "a material code is 2–40 lowercase letters, digits or underscores, starting "
                "with a letter",
            )
        ],
    ),
    (
        "the same material committed twice",
        lambda a: replace(
            COMMITTED,
            commitment=replace(
                COMMITTED.commitment,
                materials=(Material("lease", "租赁合同"), Material("lease", "租赁合同")),
            ),
        ),
        [
            v(
                "form.commitment.materials[1].code",
                "commitment.material_duplicate",
                "同一材料重复承诺",
                "the same material is listed twice",
            )
        ],
    ),
    (
        "committed material without a name",
        lambda a: replace(
            COMMITTED, commitment=replace(COMMITTED.commitment, materials=(Material("lease", " "),))
        ),
        [
            v(
                "form.commitment.materials[0].name_zh",
                "commitment.material_name_required",
                "请填写所承诺材料的名称",
                "name the promised material",
            )
        ],
    ),
]


test_a_bad_value_gets_exactly_its_rejection = rejections(CASES)


def test_a_listed_applicant_cannot_use_the_commitment_route():
    result = check(COMMITTED, CreditStatus(applicant_listed=True))
    assert list(result.violations) == [
        v(
            "form.commitment",
            "commitment.applicant_credit_listed",
            "申请人在失信名单中，不能适用告知承诺制，请提交全部材料",
            "the applicant is on the bad-credit list and cannot use the commitment route; "
            "submit every material",
        )
    ]


def test_a_listed_legal_representative_closes_the_commitment_route():
    result = check(COMMITTED, CreditStatus(listed_people=frozenset({"legal_representative"})))
    assert list(result.violations) == [
        v(
            "form.legal_representative.id_number",
            "commitment.legal_representative_credit_listed",
            "法定代表人在失信名单中，不能适用告知承诺制，请提交全部材料",
            "the legal representative is on the bad-credit list, so the commitment route is "
            "closed; submit every material",
        )
    ]


def test_a_listed_person_without_a_commitment_is_no_rejection_but_blocks_automatic_approval():
    credit = CreditStatus(listed_people=frozenset({"shareholders[1]"}))
    result = check(BASE, credit)
    assert result.violations == ()
    decision = domain.decide_automatically(domain.auto_inputs(BASE, result, credit))
    assert [r.code for r in decision.reasons] == ["auto.credit"]


@pytest.mark.parametrize("form", [BASE, COMMITTED], ids=["all materials", "commitment"])
def test_a_judgment_defaulter_may_not_be_the_legal_representative(form):
    barred = frozenset({"legal_representative"})
    result = check(form, CreditStatus(listed_people=barred, barred_people=barred))
    assert [(r.field, r.rule) for r in result.violations] == [
        ("form.legal_representative.id_number", "credit.office_barred")
    ]
    assert "第一百七十八条" in result.violations[0].message_zh
    assert "Art. 178(1)(5)" in result.violations[0].message_en


def test_a_judgment_defaulter_may_be_a_shareholder_but_no_officer():
    listed = frozenset({"shareholders[0]", "officers[0].person"})
    result = check(BASE, CreditStatus(listed_people=listed, barred_people=listed))
    assert [(r.field, r.rule) for r in result.violations] == [
        ("form.officers[0].person.id_number", "credit.office_barred")
    ]


def test_which_listings_bar_an_office():
    assert bars_office("失信被执行人（示例数据）/ judgment defaulter (demo data)")
    assert not bars_office("未履行告知承诺（示例数据）/ commitment not fulfilled (demo data)")
    assert not bars_office("被列入严重违法失信名单（示例数据）")
