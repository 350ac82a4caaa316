"""Bank rules without anything running: due diligence (each failed check and its exact
rejection), beneficial owners at the 25% line, and the account number's check digit."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onestop_common.decisions import AUTO, CLERK, REFUSE, route
from onestop_common.identifiers import citizen_id_check_char
from svc_bank.domain import (
    AccountApplication,
    LicenseFact,
    PersonInput,
    SealFact,
    ShareholderInput,
    account_number,
    beneficial_owners,
    due_diligence,
    filing_number,
    luhn_check_digit,
    luhn_valid,
    notice_number,
    valid_account_number,
)
from svc_bank.reference import banks, risk_list

TODAY = date(2026, 11, 26)
USCC = "91120115MA05XXXX0Y"  # the service takes the USCC from the license, it does not re-check
D = Decimal


def pid(birth: str, seq: str) -> str:
    first17 = f"120115{birth}{seq}"
    return first17 + citizen_id_check_char(first17)


ZHANG = PersonInput("张伟", "citizen_id", pid("19850312", "003"))
LI = PersonInput("李娜", "citizen_id", pid("19900607", "004"))
LISTED = PersonInput("测试甲", "citizen_id", "120115197001010016")


def application(**changes: object) -> AccountApplication:
    base = AccountApplication(
        uscc=USCC,
        company_name="天津宝坻示例科技有限公司",
        legal_representative=ZHANG,
        shareholders=(
            ShareholderInput(ZHANG, "600000.00"),
            ShareholderInput(LI, "400000.00"),
        ),
        registered_capital="1000000.00",
        bank_code="102",
        branch_name="中国工商银行天津宝坻支行",
        finance_seal_code="1201150000001",
        legal_rep_seal_code="1201150000002",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


VALID = LicenseFact(USCC, "valid", "天津宝坻示例科技有限公司", "张伟")
FINANCE = SealFact("1201150000001", "filed", USCC, "finance", "F-1")
LEGAL_REP = SealFact("1201150000002", "filed", USCC, "legal_rep", "F-2")


def check(app: AccountApplication | None = None, **facts: object):  # type: ignore[no-untyped-def]
    arguments: dict[str, object] = {
        "license": VALID,
        "finance_seal": FINANCE,
        "legal_rep_seal": LEGAL_REP,
        **facts,
    }
    return due_diligence(
        app or application(),
        banks=banks(),
        risk_list=risk_list(),
        today=TODAY,
        **arguments,  # type: ignore[arg-type]
    )


def only_violation(result):  # type: ignore[no-untyped-def]
    assert route(result, auto_approve=True) == REFUSE
    [problem] = result.violations
    assert problem.message_zh and problem.message_en
    return problem.field, problem.rule


# --------------------------------------------------------------------------- due diligence


def test_a_clean_case_passes_every_check_and_may_be_decided_automatically():
    result = check()
    assert result.clean
    assert all(c.passed for c in result.checks)
    assert {c.name for c in result.checks} >= {
        "bank_known",
        "license_valid",
        "license_names_legal_representative",
        "legal_representative_id",
        "legal_representative_risk_list",
        "beneficial_owners",
        "finance_seal_filed",
        "legal_rep_seal_filed",
    }
    assert [(o.name, o.share) for o in result.beneficial_owners] == [
        ("张伟", D("0.6")),
        ("李娜", D("0.4")),
    ]
    assert route(result, auto_approve=True) == AUTO
    assert route(result, auto_approve=False) == CLERK


def test_a_legal_representative_on_the_risk_list_is_refused():
    result = check(
        application(legal_representative=LISTED),
        license=replace(VALID, legal_representative=LISTED.name),
    )
    # The listed person is not a shareholder here: one failed check.
    assert only_violation(result) == ("form.legal_representative.id_number", "risk_list")
    listed = next(c for c in result.checks if c.name == "legal_representative_risk_list")
    assert not listed.passed and result.risk_list_version in listed.detail
    # The applicant is not told why the person is listed.
    assert "fraud" not in result.violations[0].message_en


def test_a_beneficial_owner_on_the_risk_list_is_refused():
    app = application(
        shareholders=(ShareholderInput(ZHANG, "700000"), ShareholderInput(LISTED, "300000"))
    )
    assert only_violation(check(app)) == ("form.shareholders[1].person.id_number", "risk_list")


@pytest.mark.parametrize("status", ["revoked", "unknown"])
def test_a_license_that_is_not_valid_is_refused(status):
    result = check(license=LicenseFact(USCC, status, reason="revoked by the registry"))
    assert only_violation(result) == ("uscc", "license_not_valid")


def test_the_license_must_name_the_same_legal_representative():
    result = check(license=replace(VALID, legal_representative="王五"))
    assert only_violation(result) == ("form.legal_representative.name", "license_mismatch")


def test_an_invalid_legal_representative_id_is_refused_with_the_exact_rule():
    wrong = ZHANG.id_number[:-1] + ("1" if ZHANG.id_number[-1] != "1" else "2")
    result = check(application(legal_representative=replace(ZHANG, id_number=wrong)))
    # Zhang is also the 60% shareholder, whose document is on the form separately (still valid).
    assert only_violation(result) == (
        "form.legal_representative.id_number",
        "citizen_id.check_char",
    )


@pytest.mark.parametrize(
    ("facts", "field", "rule"),
    [
        (
            {"finance_seal": replace(FINANCE, state="unknown")},
            "finance_seal_code",
            "seal_not_filed",
        ),
        (
            {"legal_rep_seal": replace(LEGAL_REP, state="cancelled")},
            "legal_rep_seal_code",
            "seal_not_filed",
        ),
        (
            {"finance_seal": replace(FINANCE, uscc="91120115MA05YYYY0Y")},
            "finance_seal_code",
            "seal_other_company",
        ),
        ({"finance_seal": replace(FINANCE, kind="official")}, "finance_seal_code", "seal_kind"),
    ],
)
def test_both_specimen_seals_must_be_filed_for_this_company(facts, field, rule):
    assert only_violation(check(**facts)) == (field, rule)


def test_a_missing_seal_code_is_refused_without_asking_anyone():
    result = check(application(legal_rep_seal_code=""), legal_rep_seal=None)
    assert only_violation(result) == ("legal_rep_seal_code", "required")


def test_an_unknown_bank_is_refused():
    assert only_violation(check(application(bank_code="999"))) == (
        "form.bank.bank_code",
        "unknown_bank",
    )


def test_a_foreign_legal_representative_goes_to_the_clerk():
    foreign = PersonInput("John Smith", "passport", "E12345678")
    result = check(
        application(legal_representative=foreign),
        license=replace(VALID, legal_representative="John Smith"),
    )
    assert not result.violations
    assert route(result, auto_approve=True) == CLERK


def test_without_a_25_percent_holder_the_legal_representative_is_recorded_for_the_clerk():
    five = tuple(
        ShareholderInput(
            PersonInput(f"股东{i}", "citizen_id", pid("19800101", f"{i:03d}")), "200000"
        )
        for i in range(1, 6)
    )
    result = check(application(shareholders=five))
    assert not result.violations
    [owner] = result.beneficial_owners
    assert owner.by_fallback and owner.name == "张伟"
    assert route(result, auto_approve=True) == CLERK


def test_subscriptions_that_do_not_add_up_go_to_the_clerk():
    app = application(
        shareholders=(ShareholderInput(ZHANG, "600000"), ShareholderInput(LI, "300000"))
    )
    result = check(app)
    assert not result.violations and result.review_reasons
    assert "900000" in result.review_reasons[0]


def test_a_bad_capital_or_subscription_names_its_field():
    assert only_violation(check(application(registered_capital="0"))) == (
        "form.registered_capital",
        "positive_amount",
    )
    app = application(shareholders=(ShareholderInput(ZHANG, "-5"), ShareholderInput(LI, "1000000")))
    assert ("form.shareholders[0].subscribed", "positive_amount") in {
        (v.field, v.rule) for v in check(app).violations
    }


# --------------------------------------------------------------------------- beneficial owners


@pytest.mark.parametrize(
    ("held", "capital", "owner"),
    [
        ("250000.00", "1000000.00", True),  # exactly 25%
        ("249999.99", "1000000.00", False),  # a cent below
        ("1", "4", True),
        ("0.01", "0.04", True),
        ("1", "3", True),  # 33.333...%: no rounding decides
        ("333333.33", "1333333.33", False),  # 24.99999...%, which a float might round to 25%
        ("333333.34", "1333333.33", True),
    ],
)
def test_beneficial_owners_are_those_with_25_percent_or_more_exactly(held, capital, owner):
    rest = D(capital) - D(held)
    holdings = [(ZHANG, D(held)), (LI, rest)] if rest > 0 else [(ZHANG, D(held))]
    owners = beneficial_owners(holdings, D(capital))
    assert ("张伟" in {o.name for o in owners}) is owner


def test_two_lines_of_the_same_person_are_added_up():
    owners = beneficial_owners(
        [(LI, D("150000")), (LI, D("100000")), (ZHANG, D("750000"))], D("1000000")
    )
    assert [(o.name, o.share) for o in owners] == [("张伟", D("0.75")), ("李娜", D("0.25"))]


@given(st.lists(st.integers(1, 10**9), min_size=1, max_size=8))
def test_owners_hold_at_least_a_quarter_and_nobody_else_does(amounts):
    people = [PersonInput(f"p{i}", "citizen_id", f"id{i}") for i in range(len(amounts))]
    capital = D(sum(amounts))
    owners = {
        o.name for o in beneficial_owners(list(zip(people, map(D, amounts), strict=True)), capital)
    }
    for person, amount in zip(people, amounts, strict=True):
        assert (person.name in owners) is (4 * amount >= capital)


# --------------------------------------------------------------------------- numbers


def test_luhn_matches_the_published_example():
    assert luhn_check_digit("7992739871") == "3"
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")


def test_account_numbers_have_our_documented_format_and_check_digit():
    number = account_number("102", "120115", 1)
    assert number == "1020115100000001" + luhn_check_digit("1020115100000001")
    assert len(number) == 17 and valid_account_number(number)
    assert number[:3] == "102" and number[3:7] == "0115" and number[7] == "1"


@given(
    st.sampled_from(sorted(banks())),
    st.integers(1, 10**8 - 1),
    st.integers(0, 15),
    st.integers(0, 9),
)
def test_any_single_digit_error_is_detected(bank_code, serial, position, digit):
    number = account_number(bank_code, "120115", serial)
    if number[position] == str(digit):
        return
    typo = number[:position] + str(digit) + number[position + 1 :]
    assert not valid_account_number(typo)


def test_filing_and_notice_numbers():
    assert filing_number("120115", 7) == "J1201000000701"
    assert notice_number("102", TODAY, 3) == "10220261126000003"
