"""Social insurance rules: the contribution base within the floor/ceiling, first-month
contributions per insurance line, and who on the form can be enrolled (and who needs the clerk,
or must be refused).

Pure: no I/O, no clock, no framework. The rate table is parsed here from rows the caller read.

Rounding: each insurance line is ``base x rate`` rounded to the cent with ROUND_HALF_UP, separately
for the employer's and the employee's share; totals are sums of the rounded lines (what a payment
notice shows). The first month is a full month's contribution (no proration for a mid-month start).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from onestop_common.decimals import parse_decimal
from onestop_common.decisions import Findings
from onestop_common.errors import RuleViolation, violation
from onestop_common.identifiers import parse_citizen_id, validate_citizen_id

CENT = Decimal("0.01")
# 社会保险法 Art. 58: the employer applies for its employees' registration within 30 days of hiring.
ENROLMENT_DAYS = 30
# 劳动法 Art. 15: no employment under 16.
MINIMUM_WORKING_AGE = 16
RISK_CLASSES = range(1, 9)
INSURANCES = ("pension", "medical", "unemployment", "work_injury", "maternity")
_INSURANCE_PREFIXES = {
    "pension": "pension",
    "medical": "medical",
    "unemployment": "unemployment",
    "work injury": "work_injury",
    "maternity": "maternity",
    "contribution base": "base",
}
_VERIFIED_ORDER = {"yes": 2, "partial": 1, "unverified": 0}
CITIZEN_ID = "citizen_id"
# A document type the form names by a number this version does not know: refused, never sent
# to the clerk as some other document (protoconv.UNKNOWN_ID_TYPE).
UNKNOWN_ID_TYPE = "unknown"


class RateTableError(ValueError):
    """The configured rate data cannot be used (a missing or malformed row)."""


# --------------------------------------------------------------------------- the rate table


@dataclass(frozen=True)
class RateLine:
    """The rates of one insurance for one employer, with how far they were checked."""

    insurance: str
    employer_rate: Decimal
    employee_rate: Decimal
    verified: str


@dataclass(frozen=True)
class RateTable:
    version: str
    base_floor: Decimal
    base_ceiling: Decimal
    # insurance -> (employer rate, employee rate); work injury's employer rate comes by class.
    employer: Mapping[str, Decimal]
    employee: Mapping[str, Decimal]
    work_injury_by_class: Mapping[int, Decimal]
    verified: Mapping[str, str]
    note: str

    def lines(self, risk_class: int) -> tuple[RateLine, ...]:
        if risk_class not in self.work_injury_by_class:
            raise RateTableError(f"no work-injury rate for risk class {risk_class}")
        lines = []
        for insurance in INSURANCES:
            if insurance == "work_injury":
                employer = self.work_injury_by_class[risk_class]
            elif insurance in self.employer:
                employer = self.employer[insurance]
            else:
                # Maternity has been merged into medical (no separate row): no line.
                continue
            lines.append(
                RateLine(
                    insurance,
                    employer,
                    self.employee.get(insurance, Decimal(0)),
                    self.verified.get(insurance, "unverified"),
                )
            )
        return tuple(lines)

    @property
    def unverified(self) -> bool:
        return any(v != "yes" for v in self.verified.values())


def percent(text: str) -> Decimal:
    """``"0.5%"`` -> ``Decimal("0.005")``; anything else is a RateTableError."""
    cleaned = text.strip()
    if not cleaned.endswith("%"):
        raise RateTableError(f"rate {text!r} is not a percentage")
    try:
        value = Decimal(cleaned[:-1])
    except InvalidOperation as exc:
        raise RateTableError(f"rate {text!r} is not a single percentage") from exc
    if not value.is_finite() or value < 0 or value >= 100:
        raise RateTableError(f"rate {text!r} is out of range")
    return value / 100


def _weaker(a: str, b: str) -> str:
    return a if _VERIFIED_ORDER.get(a, 0) <= _VERIFIED_ORDER.get(b, 0) else b


def _insurance_of(label: str) -> str:
    for prefix, key in _INSURANCE_PREFIXES.items():
        if label.strip().lower().startswith(prefix):
            return key
    raise RateTableError(f"unknown insurance row {label!r}")


def parse_rate_table(
    rate_rows: Iterable[Mapping[str, str]],
    work_injury_rows: Iterable[Mapping[str, str]],
    *,
    fingerprint: str,
) -> RateTable:
    """Builds the table from the rows of social_insurance_tianjin.csv and work_injury_rates.csv.

    The work-injury employer row of the first file holds a range (classes vary), so its
    rate comes from the class file; every other row must be one percentage.
    """
    employer: dict[str, Decimal] = {}
    employee: dict[str, Decimal] = {}
    verified: dict[str, str] = {}
    floors: set[str] = set()
    ceilings: set[str] = set()
    effective: list[str] = []
    for row in rate_rows:
        insurance = _insurance_of(row["insurance"])
        payer = row["payer"].strip()
        floors.add(row["base_floor"].strip())
        ceilings.add(row["base_ceiling"].strip())
        if row.get("effective_from"):
            effective.append(row["effective_from"].strip())
        status = row.get("verified", "unverified").strip() or "unverified"
        if insurance == "base":
            verified["base"] = status
            continue
        verified[insurance] = _weaker(verified.get(insurance, "yes"), status)
        if insurance == "work_injury" and payer == "employer":
            continue
        target = {"employer": employer, "employee": employee}.get(payer)
        if target is None:
            raise RateTableError(f"row {row['insurance']!r} has payer {payer!r}")
        target[insurance] = percent(row["rate"])
    by_class: dict[int, Decimal] = {}
    for row in work_injury_rows:
        risk_class = int(row["risk_class"])
        by_class[risk_class] = percent(row["employer_rate"])
        status = row.get("verified", "unverified").strip() or "unverified"
        verified["work_injury"] = _weaker(verified.get("work_injury", "yes"), status)
    if set(by_class) != set(RISK_CLASSES):
        raise RateTableError("work-injury rates must cover risk classes 1 to 8")
    for needed in ("pension", "medical", "unemployment"):
        if needed not in employer or needed not in employee:
            raise RateTableError(f"{needed}: both the employer and the employee rate are needed")
    if len(floors) != 1 or len(ceilings) != 1:
        raise RateTableError("every row must name the same base floor and ceiling")
    floor, ceiling = Decimal(floors.pop()), Decimal(ceilings.pop())
    if not 0 < floor <= ceiling:
        raise RateTableError("base floor must be positive and not above the ceiling")
    latest = max(effective) if effective else "undated"
    table = RateTable(
        version=f"tianjin-{latest}-{fingerprint[:8]}",
        base_floor=floor,
        base_ceiling=ceiling,
        employer=employer,
        employee=employee,
        work_injury_by_class=by_class,
        verified=verified,
        note="",
    )
    return replace(table, note=rate_note(table))


def rate_note(table: RateTable) -> str:
    weak = sorted(k for k, v in table.verified.items() if v != "yes")
    if not weak:
        return "rates checked against their cited sources"
    return (
        f"UNVERIFIED rates (not settled law): {', '.join(weak)} are 'partial' or 'unverified' in "
        "the compiled table (base floor/ceiling from a third-party table; work-injury class rates "
        "are the national base rates of 人社部发〔2015〕71号 from memory). Check against the "
        "Tianjin 人社局/医保局 notices before relying on these figures. "
        "费率未经核实，仅供参考，请以天津市人社局、医保局正式通知为准。"
    )


def fingerprint(*contents: bytes) -> str:
    digest = hashlib.sha256()
    for content in contents:
        digest.update(content)
    return digest.hexdigest()


# --------------------------------------------------------------------------- contributions


@dataclass(frozen=True)
class ContributionLine:
    insurance: str
    employer_rate: Decimal
    employee_rate: Decimal
    employer_amount: Decimal
    employee_amount: Decimal
    verified: str


@dataclass(frozen=True)
class MonthlyContribution:
    base: Decimal
    base_adjusted: bool
    lines: tuple[ContributionLine, ...]

    @property
    def employer_total(self) -> Decimal:
        return sum((line.employer_amount for line in self.lines), Decimal("0.00"))

    @property
    def employee_total(self) -> Decimal:
        return sum((line.employee_amount for line in self.lines), Decimal("0.00"))


def to_cent(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def contribution_base(wage: Decimal, table: RateTable) -> tuple[Decimal, bool]:
    """The declared wage clamped to [floor, ceiling]; True when it had to be adjusted."""
    base = min(max(wage, table.base_floor), table.base_ceiling)
    return to_cent(base), base != wage


def monthly_contribution(wage: Decimal, table: RateTable, risk_class: int) -> MonthlyContribution:
    base, adjusted = contribution_base(wage, table)
    lines = tuple(
        ContributionLine(
            insurance=rate.insurance,
            employer_rate=rate.employer_rate,
            employee_rate=rate.employee_rate,
            employer_amount=to_cent(base * rate.employer_rate),
            employee_amount=to_cent(base * rate.employee_rate),
            verified=rate.verified,
        )
        for rate in table.lines(risk_class)
    )
    return MonthlyContribution(base, adjusted, lines)


# --------------------------------------------------------------------------- enrolment


@dataclass(frozen=True)
class EmployeeInput:
    """One employee as the form gives it (strings, unparsed)."""

    name: str
    id_type: str
    id_number: str
    hire_date: str
    monthly_wage: str


@dataclass(frozen=True)
class EnrolmentPlan:
    index: int
    name: str
    id_type: str
    id_number: str
    hire_date: date
    start_date: date
    wage: Decimal
    contribution: MonthlyContribution
    late_enrolment: bool


@dataclass(frozen=True)
class Assessment(Findings):
    plans: tuple[EnrolmentPlan, ...]
    # Broken rules: the registration is refused.
    violations: tuple[RuleViolation, ...]
    # Lawful but not standard: a clerk looks at it (never decided automatically).
    review_reasons: tuple[str, ...]

    @property
    def employer_total(self) -> Decimal:
        return sum((p.contribution.employer_total for p in self.plans), Decimal("0.00"))

    @property
    def employee_total(self) -> Decimal:
        return sum((p.contribution.employee_total for p in self.plans), Decimal("0.00"))


def _field(i: int, name: str) -> str:
    return f"form.employees[{i}].{name}"


def assess_registration(
    employees: Sequence[EmployeeInput],
    *,
    risk_class: int,
    today: date,
    established: date | None,
    table: RateTable,
    enrolled_elsewhere: frozenset[str] = frozenset(),
) -> Assessment:
    """Every rule for one employer registration, in one pass, naming each field that fails.

    ``enrolled_elsewhere`` holds the ID numbers already actively enrolled with another employer.
    """
    found: list[RuleViolation] = []
    reviews: list[str] = []
    if risk_class not in RISK_CLASSES:
        found.append(
            violation(
                "form.work_injury_risk_class",
                "risk_class_range",
                f"工伤保险行业风险类别应为 1–8 类，实际为 {risk_class}",
                f"the work-injury risk class must be 1 to 8, got {risk_class}",
            )
        )
    plans: list[EnrolmentPlan] = []
    seen: set[str] = set()
    for i, employee in enumerate(employees):
        problems = _employee_violations(i, employee, today, seen, enrolled_elsewhere)
        found.extend(problems)
        if employee.id_number:
            seen.add(employee.id_number)
        if problems or risk_class not in RISK_CLASSES:
            continue
        plan = _plan(i, employee, risk_class, today, established, table)
        if employee.id_type != CITIZEN_ID:
            reviews.append(
                f"{employee.name}: {employee.id_type} is not a citizen ID; the clerk checks the "
                "document and assigns the social-security number"
            )
        if plan.late_enrolment:
            reviews.append(
                f"{employee.name}: enrolled more than {ENROLMENT_DAYS} days after hiring "
                f"(employed since {plan.start_date.isoformat()})"
            )
        plans.append(plan)
    return Assessment(tuple(plans), tuple(found), tuple(reviews))


def _employee_violations(
    i: int, employee: EmployeeInput, today: date, seen: set[str], elsewhere: frozenset[str]
) -> list[RuleViolation]:
    found: list[RuleViolation] = []
    if not employee.name.strip():
        found.append(
            violation(_field(i, "person.name"), "required", "职工姓名必填", "the name is required")
        )
    id_field = _field(i, "person.id_number")
    if employee.id_type == CITIZEN_ID:
        verdict = validate_citizen_id(employee.id_number, today=today)
        if not verdict.ok:
            found.append(
                violation(
                    id_field, f"citizen_id.{verdict.rule}", verdict.reason_zh, verdict.reason_en
                )
            )
        elif parse_citizen_id(employee.id_number, today=today).age_on(today) < MINIMUM_WORKING_AGE:
            found.append(
                violation(
                    id_field,
                    "minimum_working_age",
                    "职工未满 16 周岁，不得招用（劳动法第十五条）",
                    "the employee is under 16 and may not be employed (Labour Law Art. 15)",
                )
            )
    elif employee.id_type == UNKNOWN_ID_TYPE:
        found.append(
            violation(
                id_field,
                "id_type.unknown",
                "证件类型无法识别，请选择列出的证件类型",
                "the ID document type is not one listed; choose a listed type",
            )
        )
    elif not employee.id_number.strip():
        found.append(
            violation(id_field, "required", "证件号码必填", "the ID document number is required")
        )
    if employee.id_number and employee.id_number in seen:
        found.append(
            violation(
                id_field,
                "duplicate_employee",
                "同一职工在表中出现多次",
                "the same person appears more than once among the employees",
            )
        )
    elif employee.id_number and employee.id_number in elsewhere:
        found.append(
            violation(
                id_field,
                "enrolled_elsewhere",
                "该职工正在其他单位参保，不能同时在两个单位参保；请原单位先办理减员（停保）",
                "this person is actively enrolled with another employer and cannot be enrolled "
                "with two; the other employer must end that enrolment first",
            )
        )
    try:
        date.fromisoformat(employee.hire_date)
    except ValueError:
        found.append(
            violation(
                _field(i, "hire_date"),
                "date",
                f"入职日期“{employee.hire_date}”不是 YYYY-MM-DD 格式",
                f"the hire date '{employee.hire_date}' is not a YYYY-MM-DD date",
            )
        )
    wage = parse_decimal(employee.monthly_wage)
    if wage is None or wage <= 0:
        found.append(
            violation(
                _field(i, "monthly_wage"),
                "positive_amount",
                "月工资须为大于零的金额",
                "the monthly wage must be an amount greater than zero",
            )
        )
    return found


def _plan(
    i: int,
    employee: EmployeeInput,
    risk_class: int,
    today: date,
    established: date | None,
    table: RateTable,
) -> EnrolmentPlan:
    hired = date.fromisoformat(employee.hire_date)
    wage = parse_decimal(employee.monthly_wage)
    assert wage is not None
    # Nobody can be insured by a company before it exists.
    start = max(hired, established) if established else hired
    return EnrolmentPlan(
        index=i,
        name=employee.name,
        id_type=employee.id_type,
        id_number=employee.id_number,
        hire_date=hired,
        start_date=start,
        wage=wage,
        contribution=monthly_contribution(wage, table, risk_class),
        # Counted from the start of employment with this company (not before it existed).
        late_enrolment=(today - start).days > ENROLMENT_DAYS,
    )


# --------------------------------------------------------------------------- decisions


def registration_number(division_code: str, serial: int) -> str:
    """Our format for the agency's employer number: ``SI`` + 6-digit division + 8-digit serial.

    Since 五证合一 (2016) the USCC is the employer's legal identifier and no separate certificate
    is issued; this number is the agency's internal unit number, recorded next to the USCC.
    """
    division = division_code if len(division_code) == 6 and division_code.isdigit() else "120000"
    return f"SI{division}{serial:08d}"


def agency_for(district: str, division_code: str) -> str:
    """The handling office (from memory, not checked: Tianjin's district branches of the fund
    management centre)."""
    name = district.strip() or ("宝坻区" if division_code == "120115" else "")
    if not name:
        return "天津市社会保险基金管理中心"
    return f"天津市社会保险基金管理中心{name.removesuffix('区')}分中心"
