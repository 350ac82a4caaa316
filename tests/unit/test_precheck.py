"""The merged pre-check list: whose field each rejection is about, each said once, and the
form's own completeness rules."""

from __future__ import annotations

from dataclasses import replace

import pytest

from onestop.common.v1 import application_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop_cli.client import load_form
from onestop_common.errors import RuleViolation, violation
from onestop_common.protoconv import rejections
from orchestrator.intake import form_violations
from orchestrator.precheck import (
    MAX_REJECTIONS,
    _in_sections,
    _unique,
    answer_within_contract,
    name_subject,
    subject_of,
    within_contract,
)
from tests.support.cases import SAMPLE


@pytest.fixture
def form() -> application_pb2.ApplicationForm:
    return load_form(SAMPLE)


def test_the_sample_is_complete(form):
    assert form_violations(form) == []


@pytest.mark.parametrize(
    ("path", "zh", "en"),
    [
        ("form.shareholders[0].person.id_number", "股东 1（{s0}）", "shareholder 1 ({s0})"),
        ("form.employees[1].person.id_number", "职工 2（{e1}）", "employee 2 ({e1})"),
        ("form.employees[1].monthly_wage.amount", "职工 2（{e1}）", "employee 2 ({e1})"),
        ("form.legal_representative.id_number", "法定代表人 {lr}", "legal representative {lr}"),
        ("form.contact.phone", "联系人 {c}", "contact person {c}"),
        ("form.seals[1].kind", "第 2 枚印章（财务专用章）", "seal 2 (finance seal)"),
        ("form.business_scope[0].code", "经营范围第 1 项", "business scope item 1"),
        ("form.name.trade_name", "", ""),
        ("form.seals", "", ""),
    ],
)
def test_each_rejection_names_the_person_or_row(form, path, zh, en):
    names = {
        "s0": form.shareholders[0].person.name,
        "e1": form.employees[1].person.name,
        "lr": form.legal_representative.name,
        "c": form.contact.person.name,
    }
    assert form.seals[1].kind == application_pb2.SEAL_KIND_FINANCE
    assert subject_of(path, form) == (zh.format(**names), en.format(**names))


def test_a_row_beyond_the_list_is_still_named_by_its_number(form):
    assert subject_of("form.employees[99].hire_date", form) == ("职工 100", "employee 100")


def test_a_long_name_is_cut_short(form):
    form.employees[0].person.name = "很" * 60
    zh, _ = subject_of("form.employees[0].person.name", form)
    assert len(zh) < 40 and zh.endswith("…）")


def test_the_same_refusal_from_two_participants_is_said_once():
    id_rule = violation("form.legal_representative.id_number", "checksum", "校验码错误", "bad")
    other = violation("form.legal_representative.id_number", "age", "未满十八周岁", "under 18")
    same_rule = replace(id_rule, message_zh="证件号码校验码不正确", participant="bank")
    assert _unique([id_rule, other, id_rule, same_rule]) == [id_rule, other]


def test_a_field_the_form_lacks_is_not_refused_again_by_each_participant():
    missing = replace(
        violation("form.registered_capital", "required", "此项必填", "required"),
        participant="orchestrator",
    )
    again = replace(
        violation("form.registered_capital.amount", "capital_positive", "注册资本须大于零", "> 0"),
        participant="registration",
    )
    elsewhere = replace(
        violation("form.name.trade_name", "too_short", "字号过短", "too short"),
        participant="registration",
    )
    assert _unique([missing, again, elsewhere]) == [missing, elsewhere]


def test_sections_filter_by_path_prefix():
    employee = violation("form.employees[0].hire_date", "date", "日期", "date")
    seals = violation("form.seals", "seal_set", "印章", "seals")
    assert _in_sections(employee, ["form.employees"])
    assert not _in_sections(seals, ["form.employees"])
    assert _in_sections(seals, [])
    assert not _in_sections(employee, ["form.employee"])  # a prefix of a name is not a section


def test_name_subject_keeps_the_rule_and_adds_the_subject(form):
    named = name_subject(violation("form.employees[0].hire_date", "date", "日期", "d"), form)
    assert named.rule == "date" and named.subject_en.startswith("employee 1")


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        (lambda f: f.contact.person.ClearField("name"), "form.contact.person.name", "required"),
        (lambda f: f.contact.ClearField("phone"), "form.contact.phone", "required"),
        (lambda f: setattr(f.contact, "phone", "1380000"), "form.contact.phone", "phone_format"),
        (lambda f: f.bank.ClearField("branch_name"), "form.bank.branch_name", "required"),
        (lambda f: f.bank.ClearField("bank_code"), "form.bank.bank_code", "required"),
        (lambda f: f.domicile.ClearField("detail"), "form.domicile.detail", "required"),
    ],
)
def test_required_contact_and_bank_fields(form, change, field, rule):
    change(form)
    found = form_violations(form)
    assert [(v.field, v.rule) for v in found] == [(field, rule)]
    assert found[0].message_zh and found[0].message_en


@pytest.mark.parametrize("phone", ["13800000002", "022-12345678", "02212345678", "0311-1234567"])
def test_phone_numbers_in_use_pass(form, phone):
    form.contact.phone = phone
    assert form_violations(form) == []


def test_more_rejections_than_the_contract_holds_end_with_one_that_counts_the_rest():
    found = [
        RuleViolation(
            field=f"form.employees[{i}].id_number",
            rule="check_char",
            message_zh="校验位错误",
            message_en="wrong check character",
        )
        for i in range(MAX_REJECTIONS + 7)
    ]
    kept = within_contract(found)
    assert len(kept) == MAX_REJECTIONS == 500
    assert kept[:-1] == found[: MAX_REJECTIONS - 1]
    last = kept[-1]
    assert (last.field, last.rule) == ("form", "more_rejections")
    assert "8 more problems not listed" in last.message_en
    assert "另有 8 处问题未列出" in last.message_zh
    assert within_contract(found[:MAX_REJECTIONS]) == found[:MAX_REJECTIONS]


def test_an_answer_keeps_to_the_contract_and_a_small_one_is_unchanged():
    one = RuleViolation(
        field="form.name.trade_name",
        rule="prohibited",
        message_zh="禁用字词",
        message_en="prohibited word",
    )
    big = pb.ValidateApplicationResponse(
        passed=False, rejections=rejections([one] * (MAX_REJECTIONS + 1))
    )
    answer = answer_within_contract(big)
    assert len(answer.rejections) == MAX_REJECTIONS and not answer.passed
    assert answer.rejections[-1].rule == "more_rejections"
    assert (
        len(big.rejections) == MAX_REJECTIONS + 1
    )  # the whole list stays for a refused submission
    small = pb.ValidateApplicationResponse(passed=False, rejections=rejections([one]))
    assert answer_within_contract(small) is small
