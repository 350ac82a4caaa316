"""Social insurance rules without anything running: the rate table, the contribution base,
first-month contributions (checked against figures computed by hand), and who may be enrolled."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onestop_common.decisions import AUTO, CLERK, REFUSE, route
from onestop_common.identifiers import citizen_id_check_char
from svc_social_insurance.domain import (
    EmployeeInput,
    RateTableError,
    assess_registration,
    contribution_base,
    monthly_contribution,
    parse_rate_table,
    percent,
    registration_number,
)
from svc_social_insurance.reference import rate_table

TODAY = date(2026, 11, 26)
TABLE = rate_table()
D = Decimal


def person_id(birth: str = "19950218", seq: str = "006") -> str:
    first17 = f"120115{birth}{seq}"
    return first17 + citizen_id_check_char(first17)


def worker(
    name: str = "赵强",
    id_number: str | None = None,
    hired: date = TODAY,
    wage: str = "8000.00",
    id_type: str = "citizen_id",
) -> EmployeeInput:
    return EmployeeInput(
        name=name,
        id_type=id_type,
        id_number=person_id() if id_number is None else id_number,
        hire_date=hired.isoformat(),
        monthly_wage=wage,
    )


def assess(
    *employees: EmployeeInput,
    risk_class: int = 1,
    elsewhere: frozenset[str] = frozenset(),
    established: date | None = TODAY - timedelta(days=200),
):  # type: ignore[no-untyped-def]
    return assess_registration(
        employees,
        risk_class=risk_class,
        today=TODAY,
        established=established,
        table=TABLE,
        enrolled_elsewhere=elsewhere,
    )


# --------------------------------------------------------------------------- the configured table


def test_the_configured_table_is_read_with_its_caveats():
    assert (TABLE.base_floor, TABLE.base_ceiling) == (D("5124"), D("25620"))
    assert TABLE.employer == {
        "pension": D("0.16"),
        "medical": D("0.10"),
        "unemployment": D("0.005"),
    }
    assert TABLE.employee["pension"] == D("0.08")
    assert TABLE.employee["work_injury"] == D("0")
    assert [TABLE.work_injury_by_class[c] for c in range(1, 9)] == [
        D(x) for x in ("0.002", "0.004", "0.007", "0.009", "0.011", "0.013", "0.016", "0.019")
    ]
    assert TABLE.verified["work_injury"] == "unverified"
    assert TABLE.verified["medical"] == "partial"
    assert TABLE.unverified and "UNVERIFIED" in TABLE.note and "71号" in TABLE.note
    assert TABLE.version.startswith("tianjin-2025-07-01-")
    # Maternity is merged into medical in the data: no separate line.
    assert [line.insurance for line in TABLE.lines(1)] == [
        "pension",
        "medical",
        "unemployment",
        "work_injury",
    ]


def test_percentages_are_parsed_exactly():
    assert percent("0.5%") == D("0.005")
    assert percent(" 16% ") == D("0.16")
    for bad in ("0.2%-1.9%", "16", "", "abc%", "-1%", "100%"):
        with pytest.raises(RateTableError):
            percent(bad)


def test_a_table_without_every_risk_class_is_refused():
    rows = [
        {
            "insurance": f"{name} x",
            "payer": payer,
            "rate": "1%",
            "base_floor": "1",
            "base_ceiling": "2",
            "effective_from": "2025-01-01",
            "verified": "yes",
        }
        for name in ("pension", "medical", "unemployment")
        for payer in ("employer", "employee")
    ]
    classes = [
        {"risk_class": str(c), "employer_rate": "1%", "verified": "yes"} for c in range(1, 8)
    ]
    with pytest.raises(RateTableError, match="1 to 8"):
        parse_rate_table(rows, classes, fingerprint="0" * 64)
    table = parse_rate_table(
        rows, [*classes, {"risk_class": "8", "employer_rate": "2%"}], fingerprint="ab" * 32
    )
    assert table.version == "tianjin-2025-01-01-abababab"
    assert table.verified["work_injury"] == "unverified"  # a row without a verified value


# --------------------------------------------------------------------------- contributions


def test_first_month_for_a_wage_of_8000_matches_the_hand_computed_table():
    month = monthly_contribution(D("8000.00"), TABLE, risk_class=1)
    # insurance: (employer, employee) = base 8000 x rate
    expected = {
        "pension": (D("1280.00"), D("640.00")),  # 16% / 8%
        "medical": (D("800.00"), D("160.00")),  # 10% / 2%
        "unemployment": (D("40.00"), D("40.00")),  # 0.5% / 0.5%
        "work_injury": (D("16.00"), D("0.00")),  # class 1: 0.2% / none
    }
    assert {x.insurance: (x.employer_amount, x.employee_amount) for x in month.lines} == expected
    assert (month.base, month.base_adjusted) == (D("8000.00"), False)
    assert month.employer_total == D("2136.00")
    assert month.employee_total == D("840.00")


def test_a_wage_below_the_floor_pays_on_the_floor():
    month = monthly_contribution(D("4500.00"), TABLE, risk_class=1)
    assert (month.base, month.base_adjusted) == (D("5124.00"), True)
    expected = {
        "pension": (D("819.84"), D("409.92")),  # 5124 x 16% / 8%
        "medical": (D("512.40"), D("102.48")),  # 5124 x 10% / 2%
        "unemployment": (D("25.62"), D("25.62")),  # 5124 x 0.5%
        "work_injury": (D("10.25"), D("0.00")),  # 5124 x 0.2% = 10.248 -> 10.25
    }
    assert {x.insurance: (x.employer_amount, x.employee_amount) for x in month.lines} == expected
    assert month.employer_total == D("1368.11")
    assert month.employee_total == D("538.02")


def test_a_wage_above_the_ceiling_pays_on_the_ceiling():
    month = monthly_contribution(D("30000.00"), TABLE, risk_class=8)
    assert (month.base, month.base_adjusted) == (D("25620.00"), True)
    work_injury = month.lines[-1]
    assert work_injury.employer_amount == D("486.78")  # 25620 x 1.9%


def test_each_line_is_rounded_half_up_to_the_cent():
    month = monthly_contribution(D("6001.00"), TABLE, risk_class=1)
    unemployment = next(x for x in month.lines if x.insurance == "unemployment")
    # 6001 x 0.5% = 30.005: half up gives 30.01 where banker's rounding would give 30.00.
    assert unemployment.employer_amount == D("30.01")
    assert D("30.005").quantize(D("0.01"), rounding=ROUND_HALF_EVEN) == D("30.00")


@pytest.mark.parametrize(
    ("wage", "base", "adjusted"),
    [
        ("5124", "5124.00", False),
        ("5123.99", "5124.00", True),
        ("25620", "25620.00", False),
        ("25620.01", "25620.00", True),
    ],
)
def test_the_floor_and_ceiling_themselves_are_not_adjustments(wage, base, adjusted):
    assert contribution_base(D(wage), TABLE) == (D(base), adjusted)


@given(st.decimals(min_value=D("0.01"), max_value=D("1000000"), places=2), st.integers(1, 8))
def test_every_figure_is_base_times_rate_in_cents(wage, risk_class):
    month = monthly_contribution(wage, TABLE, risk_class)
    assert TABLE.base_floor <= month.base <= TABLE.base_ceiling
    for line in month.lines:
        assert line.employer_amount.as_tuple().exponent == -2
        assert abs(line.employer_amount - month.base * line.employer_rate) <= D("0.005")
        assert abs(line.employee_amount - month.base * line.employee_rate) <= D("0.005")
    assert month.employer_total == sum(x.employer_amount for x in month.lines)


# --------------------------------------------------------------------------- who can be enrolled


def test_a_clean_registration_is_decided_automatically_when_configured():
    result = assess(worker(), worker("孙丽", person_id("20000505", "007"), wage="4500"))
    assert result.clean and not result.violations
    assert result.employer_total == D("3504.11")
    assert result.employee_total == D("1378.02")
    assert route(result, auto_approve=True) == AUTO
    assert route(result, auto_approve=False) == CLERK


def test_an_invalid_citizen_id_is_refused_naming_the_employee_field():
    bad = person_id()[:-1] + ("0" if person_id()[-1] != "0" else "1")
    result = assess(worker(), worker("孙丽", bad))
    [problem] = result.violations
    assert problem.field == "form.employees[1].person.id_number"
    assert problem.rule == "citizen_id.check_char"
    assert "校验码" in problem.message_zh and "check character" in problem.message_en
    assert route(result, auto_approve=True) == REFUSE


def test_a_person_enrolled_with_another_employer_is_refused():
    taken = person_id("19880808", "004")
    result = assess(worker(), worker("李四", taken), elsewhere=frozenset({taken}))
    [problem] = result.violations
    assert (problem.field, problem.rule) == (
        "form.employees[1].person.id_number",
        "enrolled_elsewhere",
    )
    assert "其他单位参保" in problem.message_zh
    assert "another employer" in problem.message_en


def test_the_same_person_twice_on_the_form_is_refused():
    result = assess(worker(), worker("赵强"))
    [problem] = result.violations
    assert (problem.field, problem.rule) == (
        "form.employees[1].person.id_number",
        "duplicate_employee",
    )


@pytest.mark.parametrize("risk_class", [0, 9, -1])
def test_the_risk_class_must_be_one_to_eight(risk_class):
    [problem] = assess(worker(), risk_class=risk_class).violations
    assert (problem.field, problem.rule) == ("form.work_injury_risk_class", "risk_class_range")


def test_nobody_under_16_is_enrolled():
    child = person_id("20120101", "008")
    [problem] = assess(worker("小明", child)).violations
    assert (problem.field, problem.rule) == (
        "form.employees[0].person.id_number",
        "minimum_working_age",
    )


@pytest.mark.parametrize(
    ("field", "employee", "rule"),
    [
        ("form.employees[0].person.name", worker(name=" "), "required"),
        ("form.employees[0].monthly_wage", worker(wage="0"), "positive_amount"),
        ("form.employees[0].monthly_wage", worker(wage="lots"), "positive_amount"),
        (
            "form.employees[0].person.id_number",
            worker(id_number="", id_type="passport"),
            "required",
        ),
    ],
)
def test_each_missing_or_malformed_value_names_its_field(field, employee, rule):
    [problem] = assess(employee).violations
    assert (problem.field, problem.rule) == (field, rule)


def test_a_bad_hire_date_names_its_field():
    employee = EmployeeInput("赵强", "citizen_id", person_id(), "26/11/2026", "8000")
    [problem] = assess(employee).violations
    assert (problem.field, problem.rule) == ("form.employees[0].hire_date", "date")


def test_enrolment_more_than_30_days_after_hiring_is_flagged_for_the_clerk():
    on_time = assess(worker(hired=TODAY - timedelta(days=30)))
    assert on_time.clean and not on_time.plans[0].late_enrolment
    late = assess(worker(hired=TODAY - timedelta(days=31)))
    assert late.plans[0].late_enrolment
    assert not late.violations and late.review_reasons
    assert route(late, auto_approve=True) == CLERK


def test_employment_counts_from_the_company_s_establishment():
    established = TODAY - timedelta(days=10)
    result = assess(worker(hired=TODAY - timedelta(days=90)), established=established)
    [plan] = result.plans
    assert plan.start_date == established
    assert not plan.late_enrolment


def test_a_foreign_document_goes_to_the_clerk():
    result = assess(worker("John Smith", "E12345678", id_type="passport"))
    assert not result.violations
    assert route(result, auto_approve=True) == CLERK


def test_registration_numbers_have_our_documented_format():
    assert registration_number("120115", 42) == "SI12011500000042"
    assert registration_number("", 1) == "SI12000000000001"
