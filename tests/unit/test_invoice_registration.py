"""Tax registration rules, without a broker or database: the new-taxpayer package and what
goes to tax staff, the package they approve, and the VAT status with its legal basis."""

from __future__ import annotations

from datetime import date

import pytest

from onestop_common.errors import InvalidInput
from svc_invoice import domain
from svc_invoice.domain import Package, PersonInfo, RegistrationInput, VatStatus
from tests.support.invoice_rules import BOOK, ORDINARY, SPECIAL, TODAY, USCC, D, rules_of

# --------------------------------------------------------------------------- registration

LEGAL_REP = PersonInfo("张伟", "citizen_id", "120115198503120033", "13800000001")
FINANCE = PersonInfo("李娜", "citizen_id", "120115199006070041")


def registration(**changes: object) -> RegistrationInput:
    values: dict[str, object] = dict(
        uscc=USCC,
        company_name="天津宝坻示例科技有限公司",
        division_code="120115",
        legal_representative=LEGAL_REP,
        finance_contact=FINANCE,
        kinds=(ORDINARY,),
        max_amount_per_invoice="100000.00",
        monthly_quantity=50,
        expected_annual_sales="2000000.00",
        request_general_taxpayer=False,
        declares_proper_accounts=True,
    )
    values.update(changes)
    return RegistrationInput(**values)  # type: ignore[arg-type]


def test_sample_registration_is_small_scale_standard_in_baodi() -> None:
    plan = domain.plan_registration(registration(), BOOK, TODAY)
    assert plan.taxpayer_id == USCC
    assert plan.tax_office.name == "国家税务总局天津市宝坻区税务局"
    assert plan.tax_office.verified == "partial"
    assert plan.vat.status is VatStatus.SMALL_SCALE
    assert "财税〔2018〕33号" in plan.vat.legal_basis
    assert "partial" in plan.vat.legal_basis  # the threshold row is not settled law
    assert plan.standard
    assert plan.requested == Package((ORDINARY,), D("100000.00"), 50, D("1000000.00"))
    assert domain.automatic_package(plan) == plan.requested
    assert plan.finance_contact.masked_id == "120***********0041"


def test_general_taxpayer_on_request_with_proper_accounts() -> None:
    plan = domain.plan_registration(
        registration(request_general_taxpayer=True, kinds=(ORDINARY, SPECIAL), monthly_quantity=25),
        BOOK,
        TODAY,
    )
    assert plan.vat.status is VatStatus.GENERAL
    assert "第43号" in plan.vat.legal_basis
    assert [r.name for r in plan.vat.rules][:2] == [
        "general_taxpayer_voluntary_registration",
        "small_scale_threshold_annual_sales",
    ]
    assert plan.standard  # 25 a month is the standard quantity with special invoices


def test_defaults_fill_a_package_the_form_left_empty() -> None:
    plan = domain.plan_registration(
        registration(kinds=(), max_amount_per_invoice="", monthly_quantity=0, finance_contact=None),
        BOOK,
        TODAY,
    )
    assert plan.requested == Package((ORDINARY,), D("100000.00"), 50, D("1000000.00"))
    assert plan.finance_contact == LEGAL_REP


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        (
            {"request_general_taxpayer": True, "declares_proper_accounts": False},
            "invoice.declares_proper_accounts",
            "general_taxpayer_needs_proper_accounts",
        ),
        ({"kinds": (SPECIAL,)}, "invoice.kinds", "special_invoice_needs_general_taxpayer"),
        ({"uscc": "91120115MA05XY1277"}, "uscc", "check_char"),
        ({"company_name": " "}, "company_name", "required"),
        ({"division_code": "110105"}, "division_code", "competent_tax_office"),
        (
            {"legal_representative": PersonInfo("张伟", "citizen_id", "120115198503120034")},
            "legal_representative.id_number",
            "check_char",
        ),
        (
            {"legal_representative": PersonInfo("", "citizen_id", "120115198503120033")},
            "legal_representative.name",
            "required",
        ),
        (
            {"finance_contact": PersonInfo("李娜", "citizen_id", "")},
            "invoice.finance_contact.id_number",
            "required",
        ),
        ({"max_amount_per_invoice": "0"}, "invoice.max_amount_per_invoice", "positive"),
        ({"max_amount_per_invoice": "100.001"}, "invoice.max_amount_per_invoice", "cents"),
        ({"max_amount_per_invoice": "lots"}, "invoice.max_amount_per_invoice", "decimal"),
        ({"max_amount_per_invoice": "100000000.01"}, "invoice.max_amount_per_invoice", "maximum"),
        ({"monthly_quantity": -3}, "invoice.monthly_quantity", "positive"),
        ({"monthly_quantity": 10001}, "invoice.monthly_quantity", "maximum"),
        ({"expected_annual_sales": "-1"}, "invoice.expected_annual_sales", "positive"),
    ],
)
def test_bad_registration_is_rejected_naming_field_and_rule(
    changes: dict[str, object], field: str, rule: str
) -> None:
    with pytest.raises(InvalidInput) as exc:
        domain.plan_registration(registration(**changes), BOOK, TODAY)
    found = rules_of(exc)
    assert (field, rule) in found, found
    assert len(found) == 1, found


def test_every_registration_problem_is_listed_at_once() -> None:
    with pytest.raises(InvalidInput) as exc:
        domain.plan_registration(
            registration(uscc="X", division_code="", kinds=(SPECIAL,)), BOOK, TODAY
        )
    assert {field for field, _ in rules_of(exc)} == {"uscc", "division_code", "invoice.kinds"}


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"max_amount_per_invoice": "100000.01"}, "max per invoice"),
        ({"monthly_quantity": 51}, "monthly quantity"),
        ({"expected_annual_sales": "5000000.01"}, "small-scale threshold"),
        (
            {"request_general_taxpayer": True, "kinds": (SPECIAL,), "monthly_quantity": 26},
            "monthly quantity",
        ),
    ],
)
def test_beyond_the_standard_limits_goes_to_tax_staff(changes: dict[str, object], why: str) -> None:
    plan = domain.plan_registration(registration(**changes), BOOK, TODAY)
    assert not plan.standard
    assert domain.automatic_package(plan) is None
    assert any(why in reason for reason in plan.not_standard)


def test_sales_at_the_threshold_are_still_standard() -> None:
    plan = domain.plan_registration(registration(expected_annual_sales="5000000.00"), BOOK, TODAY)
    assert plan.standard


# --------------------------------------------------------------------------- desk approval

REQUESTED = Package((ORDINARY,), D("100000.00"), 50, D("1000000.00"))


def approval(**changes: object) -> domain.ApprovalInput:
    values: dict[str, object] = dict(
        kinds=(), max_amount_per_invoice="", monthly_quantity=0, credit_line="", vat_status=None
    )
    values.update(changes)
    return domain.ApprovalInput(**values)  # type: ignore[arg-type]


def test_approval_defaults_to_the_request_and_sets_amounts() -> None:
    package, status = domain.approve_package(
        approval(), REQUESTED, VatStatus.SMALL_SCALE, True, BOOK
    )
    assert (package, status) == (REQUESTED, VatStatus.SMALL_SCALE)
    package, status = domain.approve_package(
        approval(
            kinds=(ORDINARY, SPECIAL),
            max_amount_per_invoice="1000000.00",
            monthly_quantity=200,
            credit_line="5000000.00",
            vat_status=VatStatus.GENERAL,
        ),
        REQUESTED,
        VatStatus.SMALL_SCALE,
        True,
        BOOK,
    )
    assert package == Package((ORDINARY, SPECIAL), D("1000000.00"), 200, D("5000000.00"))
    assert status is VatStatus.GENERAL


@pytest.mark.parametrize(
    ("changes", "proper", "field", "rule"),
    [
        (
            {"vat_status": VatStatus.GENERAL},
            False,
            "vat_status",
            "general_taxpayer_needs_proper_accounts",
        ),
        ({"kinds": (SPECIAL,)}, True, "kinds", "special_invoice_needs_general_taxpayer"),
        ({"max_amount_per_invoice": "-5"}, True, "max_amount_per_invoice", "positive"),
        ({"max_amount_per_invoice": "0.001"}, True, "max_amount_per_invoice", "cents"),
        ({"max_amount_per_invoice": "1e9"}, True, "max_amount_per_invoice", "maximum"),
        ({"monthly_quantity": 10001}, True, "monthly_quantity", "maximum"),
        ({"monthly_quantity": -1}, True, "monthly_quantity", "positive"),
        ({"credit_line": "0"}, True, "credit_line", "positive"),
        ({"credit_line": "1000000000.01"}, True, "credit_line", "maximum"),
        ({"credit_line": "一百万"}, True, "credit_line", "decimal"),
    ],
)
def test_bad_approval_amounts_are_rejected(
    changes: dict[str, object], proper: bool, field: str, rule: str
) -> None:
    with pytest.raises(InvalidInput) as exc:
        domain.approve_package(approval(**changes), REQUESTED, VatStatus.SMALL_SCALE, proper, BOOK)
    assert rules_of(exc) == {(field, rule)}


# --------------------------------------------------------------------------- VAT status


def test_vat_status_default_and_general_with_legal_basis() -> None:
    small = domain.decide_vat_status(False, False, BOOK, TODAY)
    assert small.status is VatStatus.SMALL_SCALE
    assert {r.name for r in small.rules} >= {
        "small_scale_threshold_annual_sales",
        "general_taxpayer_registration_required",
    }
    general = domain.decide_vat_status(True, True, BOOK, TODAY)
    assert general.status is VatStatus.GENERAL
    assert "会计核算健全" in general.legal_basis or "第43号" in general.legal_basis
    # The VAT Law (in force from 2026-01-01) is unverified and says so where it is cited.
    assert "vat_law_in_force" in {r.name for r in general.rules}
    assert "unverified" in general.legal_basis
    before = domain.decide_vat_status(True, True, BOOK, date(2025, 12, 31))
    assert "vat_law_in_force" not in {r.name for r in before.rules}


def test_special_invoices_need_general_status() -> None:
    assert domain.special_needs_general([ORDINARY], VatStatus.SMALL_SCALE, "k") == []
    assert domain.special_needs_general([SPECIAL], VatStatus.GENERAL, "k") == []
    (problem,) = domain.special_needs_general([SPECIAL], VatStatus.SMALL_SCALE, "k")
    assert (problem.field, problem.rule) == ("k", "special_invoice_needs_general_taxpayer")
