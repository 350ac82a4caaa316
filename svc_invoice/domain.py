"""The rules of tax registration and digital e-invoices (数电票): VAT status, the new-taxpayer
package, tax per line (rates, the zero rate, the 5% levy rate, exempt lines), invoice numbers and
the credit line (授信额度 / 发票总额度). Red-letter invoices and their confirmation forms are in
:mod:`svc_invoice.red_letter`.

Pure: no I/O, no clock, no nameko, SQLAlchemy or protobuf. Rule values come in as a
:class:`RuleBook` (loaded from ``svc_invoice/data`` by :mod:`svc_invoice.rulebook`); every rule
keeps its source and how far it was verified, so a caller can say when a rule it applied is
``partial`` or ``unverified`` rather than settled law.

Money rules (all Decimal, never float):
- a line's amount (金额, excluding VAT) = quantity × unit price, rounded to the cent;
- its tax (税额) = amount × rate, rounded to the cent;
- both with ROUND_HALF_UP (0.005 → 0.01), per line; an invoice's totals are the sums of the
  rounded line figures, so what is printed on each line adds up to the totals exactly;
- an exempt line (免税) has rate 0 and tax 0, and is marked exempt: it is not a zero-rated line.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from onestop_common.errors import Conflict, InvalidInput, RuleViolation, violation
from onestop_common.identifiers import mask_id_number, validate_citizen_id, validate_uscc

PARTICIPANT = "invoice"
CENT = Decimal("0.01")
SEQUENCE_DIGITS = 15
MAX_SEQUENCE = 10**SEQUENCE_DIGITS - 1
# Quantities and unit prices: OneStop accepts up to 8 decimal places and values below 10^12.
MAX_PLACES_QUANTITY = 8
MAX_VALUE = Decimal(10) ** 12


class VatStatus(enum.StrEnum):
    SMALL_SCALE = "small_scale"  # 小规模纳税人
    GENERAL = "general"  # 一般纳税人


class InvoiceKind(enum.StrEnum):
    DIGITAL_ORDINARY = "digital_ordinary"  # 数电票（普通发票）
    DIGITAL_SPECIAL = "digital_special"  # 数电票（增值税专用发票）


KIND_NAMES_ZH = {
    InvoiceKind.DIGITAL_ORDINARY: "数电票（普通发票）",
    InvoiceKind.DIGITAL_SPECIAL: "数电票（增值税专用发票）",
}
STATUS_NAMES_ZH = {VatStatus.SMALL_SCALE: "小规模纳税人", VatStatus.GENERAL: "一般纳税人"}


class TaxpayerState(enum.StrEnum):
    PENDING_APPROVAL = "pending_approval"
    ACTIVE = "active"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class Refused(Conflict):
    """The request is well formed but the state refuses it (FAILED_PRECONDITION), naming the
    field and the rule."""

    @classmethod
    def of(cls, violations: Sequence[RuleViolation]) -> Refused:
        first = violations[0]
        return cls(
            f"{first.field}: {first.message_en}",
            message_zh=f"{first.field}：{first.message_zh}",
            violations=violations,
        )


class QuotaExceeded(Refused):
    """The invoice is fine but the month's credit line cannot take it."""


# --------------------------------------------------------------------------- rule data


@dataclass(frozen=True)
class Rule:
    """One row of a rule file: what it says, when it applies, where it comes from."""

    name: str
    value: str
    effective_from: date | None
    effective_to: date | None
    verified: str
    source: str

    def in_force(self, day: date) -> bool:
        if self.effective_from is not None and day < self.effective_from:
            return False
        return self.effective_to is None or day <= self.effective_to

    @property
    def settled(self) -> bool:
        return self.verified == "yes"

    @property
    def caveat_en(self) -> str:
        if self.verified == "yes":
            return ""
        if self.verified == "policy":
            return " (OneStop policy, not a legal rule)"
        return f" (verified: {self.verified} — not settled law, check before relying on it)"

    @property
    def caveat_zh(self) -> str:
        if self.verified == "yes":
            return ""
        if self.verified == "policy":
            return "（OneStop 平台配置，非法定规则）"
        return f"（核实程度：{self.verified}，非确定法规，使用前请核实）"


@dataclass(frozen=True)
class TaxOffice:
    division_code: str
    division_name: str
    name: str
    verified: str
    source: str

    def as_rule(self) -> Rule:
        return Rule(
            name=f"tax_office_{self.division_code}",
            value=self.name,
            effective_from=None,
            effective_to=None,
            verified=self.verified,
            source=self.source,
        )


@dataclass(frozen=True)
class Policy:
    """OneStop's configured limits (data/invoice_policy.csv)."""

    standard_max_amount_per_invoice: Decimal
    standard_monthly_quantity_ordinary: int
    standard_monthly_quantity_special: int
    standard_credit_line: Decimal
    desk_max_amount_per_invoice: Decimal
    desk_max_monthly_quantity: int
    desk_max_credit_line: Decimal
    issuing_channel: str
    max_lines_per_invoice: int
    # First character of a red-letter confirmation form's number (OneStop's numbering).
    form_letter: str
    rule_set_version: str


@dataclass(frozen=True)
class RuleBook:
    rules: Mapping[str, Rule]
    offices: Mapping[str, TaxOffice]
    policy: Policy

    def rule(self, name: str) -> Rule:
        try:
            return self.rules[name]
        except KeyError as exc:
            raise KeyError(f"rule {name!r} is missing from svc_invoice/data") from exc

    def threshold(self) -> Decimal:
        return leading_decimal(self.rule("small_scale_threshold_annual_sales").value)

    def small_scale_rate(self, day: date) -> tuple[Decimal, Rule]:
        """1% while the reduction is in force (to 2027-12-31 per the data file), else 3%."""
        reduced = self.rule("small_scale_reduced_rate")
        if reduced.in_force(day):
            return percent(reduced.value), reduced
        levy = self.rule("small_scale_levy_rate")
        return percent(levy.value), levy

    def general_rates(self, day: date) -> dict[Decimal, Rule]:
        names = (
            "general_rate_goods",
            "general_rate_transport_construction_realestate",
            "general_rate_modern_services",
        )
        rates = {}
        for name in names:
            rule = self.rule(name)
            if rule.in_force(day):
                rates[percent(rule.value)] = rule
        return rates

    def default_general_rate(self, day: date) -> tuple[Decimal, Rule]:
        rule = self.rule("general_rate_goods")
        return percent(rule.value), rule

    def province_code(self) -> tuple[str, Rule]:
        rule = self.rule("einvoice_province_code_tianjin")
        return rule.value.strip(), rule

    def in_force(self, name: str, day: date) -> Rule | None:
        """The rule if the data has it and it applies on ``day``: rates offered only where the
        rule data has them."""
        rule = self.rules.get(name)
        return rule if rule is not None and rule.in_force(day) else None

    def extra_rates(self, status: VatStatus, day: date) -> dict[Decimal, Rule]:
        """Rates a line may name besides the taxpayer's usual ones: the 5% levy rate (simple
        method, both statuses) and the zero rate (general taxpayers only)."""
        rates = {}
        levy = self.in_force("levy_rate_5", day)
        if levy is not None:
            rates[percent(levy.value)] = levy
        zero = self.in_force("zero_rate", day)
        if zero is not None and status is VatStatus.GENERAL:
            rates[percent(zero.value)] = zero
        return rates

    def credit_counts_tax(self) -> tuple[bool, Rule]:
        """Whether the credit line counts amounts including VAT (einvoice_credit_line_basis)."""
        rule = self.rule("einvoice_credit_line_basis")
        basis = rule.value.strip()
        if basis not in ("excluding_vat", "including_vat"):
            raise ValueError("einvoice_credit_line_basis must be excluding_vat or including_vat")
        return basis == "including_vat", rule


_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%")
_LEADING = re.compile(r"^\s*(\d+(?:\.\d+)?)")


def percent(text: str) -> Decimal:
    """ "13%" → 0.13; "1% (on sales subject to 3%)" → 0.01 (the leading figure)."""
    match = _PERCENT.match(text)
    if match is None:
        raise ValueError(f"not a percentage: {text!r}")
    return Decimal(match.group(1)) / 100


def leading_decimal(text: str) -> Decimal:
    match = _LEADING.match(text)
    if match is None:
        raise ValueError(f"no leading number in {text!r}")
    return Decimal(match.group(1))


# --------------------------------------------------------------------------- parsing input


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        return None
    return value if value.is_finite() else None


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def parse_money(
    text: str,
    field: str,
    found: list[RuleViolation],
    *,
    ceiling: Decimal | None = None,
    allow_zero: bool = False,
) -> Decimal | None:
    """A positive (or, with ``allow_zero``, non-negative) amount of at most two decimals and at
    most ``ceiling``, or a violation."""
    value = _decimal(text)
    if value is None:
        found.append(
            violation(field, "decimal", f"“{text}”不是有效金额", f"'{text}' is not an amount")
        )
        return None
    if value < 0 or (value == 0 and not allow_zero):
        found.append(
            violation(
                field,
                "not_negative" if allow_zero else "positive",
                "金额不能为负数" if allow_zero else "金额必须大于零",
                "the amount may not be negative"
                if allow_zero
                else "the amount must be greater than zero",
            )
        )
        return None
    if _places(value) > 2:
        found.append(
            violation(field, "cents", "金额最多保留两位小数", "at most two decimal places")
        )
        return None
    if ceiling is not None and value > ceiling:
        found.append(
            violation(
                field,
                "maximum",
                f"金额不得超过 {ceiling}",
                f"the amount may not exceed {ceiling}",
            )
        )
        return None
    return value


def check_quantity(
    value: int, field: str, found: list[RuleViolation], *, ceiling: int
) -> int | None:
    if value <= 0:
        found.append(
            violation(field, "positive", "份数必须大于零", "the quantity must be greater than zero")
        )
        return None
    if value > ceiling:
        found.append(
            violation(
                field,
                "maximum",
                f"每月份数不得超过 {ceiling}",
                f"the monthly quantity may not exceed {ceiling}",
            )
        )
        return None
    return value


# --------------------------------------------------------------------------- registration


@dataclass(frozen=True)
class PersonInfo:
    name: str
    id_type: str  # "citizen_id", "passport", … ("" when not given)
    id_number: str
    phone: str = ""

    @property
    def masked_id(self) -> str:
        return mask_id_number(self.id_number) if self.id_number else ""

    def shown(self) -> str:
        return f"{self.name}（{self.masked_id}）" if self.id_number else self.name


@dataclass(frozen=True)
class RegistrationInput:
    """What the saga's RegisterTaxpayer command carries, as plain values."""

    uscc: str
    company_name: str
    division_code: str
    legal_representative: PersonInfo
    finance_contact: PersonInfo | None
    kinds: tuple[InvoiceKind, ...]
    max_amount_per_invoice: str
    monthly_quantity: int
    expected_annual_sales: str
    request_general_taxpayer: bool
    declares_proper_accounts: bool


@dataclass(frozen=True)
class Package:
    """The new-taxpayer package (新办纳税人套餐): invoice types and the credit line.

    数电票 have no per-invoice maximum and no monthly quantity (rule
    einvoice_no_quantity_or_per_invoice_limit, unverified): the applicant's figures for both are
    kept only as the estimate the initial credit line is derived from (standard_credit_line)."""

    kinds: tuple[InvoiceKind, ...]
    max_amount_per_invoice: Decimal
    monthly_quantity: int
    credit_line: Decimal

    def summary(self) -> str:
        kinds = "、".join(KIND_NAMES_ZH[k] for k in self.kinds)
        return (
            f"{kinds}；授信额度（每月）{self.credit_line}（按单张 {self.max_amount_per_invoice}"
            f" × 每月 {self.monthly_quantity} 份估算）"
        )


@dataclass(frozen=True)
class VatDecision:
    status: VatStatus
    legal_basis: str
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class RegistrationPlan:
    taxpayer_id: str
    company_name: str
    division_code: str
    tax_office: TaxOffice
    vat: VatDecision
    legal_representative: PersonInfo
    finance_contact: PersonInfo
    requested: Package
    declares_proper_accounts: bool
    # Why tax staff must look at it, even when automatic approval is on (empty = standard).
    not_standard: tuple[str, ...] = field(default=())
    expected_annual_sales: Decimal | None = None

    @property
    def standard(self) -> bool:
        return not self.not_standard

    @property
    def rules(self) -> tuple[Rule, ...]:
        return (self.tax_office.as_rule(), *self.vat.rules)


def decide_vat_status(
    request_general: bool, declares_proper_accounts: bool, book: RuleBook, today: date
) -> VatDecision:
    """Small-scale by default; general on request when the applicant declares proper accounts.

    Raises InvalidInput for a general-taxpayer request without the declaration (43号令 Art.3).
    """
    threshold = book.rule("small_scale_threshold_annual_sales")
    mandatory = book.rule("general_taxpayer_registration_required")
    voluntary = book.rule("general_taxpayer_voluntary_registration")
    extra = tuple(r for r in (book.rules.get("vat_law_in_force"),) if r and r.in_force(today))
    law_note = "".join(f"；{r.value}（{r.source.split(';')[0]}）{r.caveat_zh}" for r in extra)
    if request_general:
        if not declares_proper_accounts:
            raise InvalidInput.of(
                [
                    violation(
                        "invoice.declares_proper_accounts",
                        "general_taxpayer_needs_proper_accounts",
                        "登记为一般纳税人须声明会计核算健全、能够提供准确税务资料"
                        "（《增值税一般纳税人登记管理办法》第三条）",
                        "registering as a general VAT taxpayer needs the declaration of sound "
                        "accounts able to give accurate tax data (General Taxpayer Registration "
                        "Measures, Art. 3)",
                    )
                ]
            )
        basis = (
            f"一般纳税人：年应税销售额未超过规定标准、会计核算健全的纳税人可以登记为一般纳税人"
            f"（{voluntary.source.split(';')[0]}）{voluntary.caveat_zh}；规定标准为"
            f"{threshold.value}（{threshold.source.split(';')[0]}）{threshold.caveat_zh}{law_note}"
        )
        return VatDecision(VatStatus.GENERAL, basis, (voluntary, threshold, *extra))
    basis = (
        f"小规模纳税人：{threshold.value}（{threshold.source.split(';')[0]}）{threshold.caveat_zh}；"
        f"超过规定标准的应当登记为一般纳税人（{mandatory.source.split(';')[0]}）"
        f"{mandatory.caveat_zh}{law_note}"
    )
    return VatDecision(VatStatus.SMALL_SCALE, basis, (threshold, mandatory, *extra))


def special_needs_general(
    kinds: Iterable[InvoiceKind], status: VatStatus, field: str
) -> list[RuleViolation]:
    """OneStop grants special VAT invoices only to general taxpayers (see data/README.md)."""
    if InvoiceKind.DIGITAL_SPECIAL in kinds and status is not VatStatus.GENERAL:
        return [
            violation(
                field,
                "special_invoice_needs_general_taxpayer",
                "增值税专用发票（数电票）只核定给一般纳税人：请申请登记为一般纳税人，"
                "或只申请普通发票",
                "special VAT invoices are approved for general taxpayers only: ask to register "
                "as a general taxpayer, or ask for ordinary invoices only",
            )
        ]
    return []


def standard_quantity(kinds: Iterable[InvoiceKind], policy: Policy) -> int:
    if InvoiceKind.DIGITAL_SPECIAL in set(kinds):
        return policy.standard_monthly_quantity_special
    return policy.standard_monthly_quantity_ordinary


def standard_credit_line(max_amount: Decimal, quantity: int, policy: Policy) -> Decimal:
    """The initial credit line granted at registration: what the applicant's expected invoices
    (largest amount × invoices a month) could reach in a month, capped by OneStop's policy
    (standard_credit_line). The STA's own model for a new taxpayer's first line was not found."""
    return min(max_amount * quantity, policy.standard_credit_line).quantize(CENT)


def plan_registration(
    inp: RegistrationInput, book: RuleBook, today: date, *, licensed: bool = True
) -> RegistrationPlan:
    """Checks a RegisterTaxpayer command and works out what to register; InvalidInput lists
    every problem at once.

    ``licensed`` False: the application is checked before the license exists (CheckApplication),
    so the USCC rule, the only one that needs the issued license, is skipped."""
    policy = book.policy
    found: list[RuleViolation] = []
    verdict = validate_uscc(inp.uscc)
    if licensed and not verdict.ok:
        found.append(violation("uscc", verdict.rule, verdict.reason_zh, verdict.reason_en))
    if not inp.company_name.strip():
        found.append(
            violation("company_name", "required", "企业名称必填", "the company name is required")
        )
    office = book.offices.get(inp.division_code)
    if office is None:
        found.append(
            violation(
                "division_code",
                "competent_tax_office",
                f"行政区划 {inp.division_code or '（空）'} 没有配置主管税务机关（仅限天津市各区）",
                f"no competent tax office is configured for division "
                f"{inp.division_code or '(empty)'} (Tianjin districts only)",
            )
        )
    found += _person_violations(inp.legal_representative, "legal_representative", today)
    finance = inp.finance_contact
    if finance is not None:
        found += _person_violations(finance, "invoice.finance_contact", today)
    kinds = inp.kinds or (InvoiceKind.DIGITAL_ORDINARY,)
    max_amount = (
        parse_money(
            inp.max_amount_per_invoice,
            "invoice.max_amount_per_invoice",
            found,
            ceiling=policy.desk_max_amount_per_invoice,
        )
        if inp.max_amount_per_invoice.strip()
        else policy.standard_max_amount_per_invoice
    )
    quantity = (
        check_quantity(
            inp.monthly_quantity,
            "invoice.monthly_quantity",
            found,
            ceiling=policy.desk_max_monthly_quantity,
        )
        if inp.monthly_quantity
        else standard_quantity(kinds, policy)
    )
    sales = (
        parse_money(inp.expected_annual_sales, "invoice.expected_annual_sales", found)
        if inp.expected_annual_sales.strip()
        else None
    )
    try:
        vat = decide_vat_status(
            inp.request_general_taxpayer, inp.declares_proper_accounts, book, today
        )
    except InvalidInput as exc:
        found += exc.violations
        vat = None
    if vat is not None:
        found += special_needs_general(kinds, vat.status, "invoice.kinds")
    if found:
        raise InvalidInput.of(found)
    assert office is not None and vat is not None and max_amount is not None and quantity
    requested = Package(
        kinds=tuple(dict.fromkeys(kinds)),
        max_amount_per_invoice=max_amount,
        monthly_quantity=quantity,
        credit_line=standard_credit_line(max_amount, quantity, policy),
    )
    return RegistrationPlan(
        taxpayer_id=inp.uscc,
        company_name=inp.company_name.strip(),
        division_code=inp.division_code,
        tax_office=office,
        vat=vat,
        legal_representative=inp.legal_representative,
        finance_contact=finance or inp.legal_representative,
        requested=requested,
        declares_proper_accounts=inp.declares_proper_accounts,
        not_standard=_not_standard(requested, vat.status, sales, book),
        expected_annual_sales=sales,
    )


# The parts of RegisterTaxpayer the applicant filled in, named as in the form; the USCC, the
# company name and the division come from the issued license.
APPLICANT_FIELDS = ("legal_representative", "invoice")
# Where the form holds what the step's command names outside those parts.
FORM_PATHS = {"company_name": "form.name", "division_code": "form.domicile.division_code"}


def _applicant_field(field_: str) -> bool:
    return any(field_ == p or field_.startswith((f"{p}.", f"{p}[")) for p in APPLICANT_FIELDS)


def form_path(field_: str) -> str:
    """The path into the application form of a field named by these rules."""
    if _applicant_field(field_):
        return f"form.{field_}"
    return FORM_PATHS.get(field_, field_)


def correctable(problems: Iterable[RuleViolation]) -> bool:
    """Whether the applicant can fix every problem by correcting the form; a problem with what
    the license gave (USCC, name, division) or with the command itself is final."""
    return all(_applicant_field(p.field) for p in problems)


def _person_violations(person: PersonInfo, field: str, today: date) -> list[RuleViolation]:
    found = []
    if not person.name.strip():
        found.append(
            violation(f"{field}.name", "required", "姓名必填（实名信息）", "the name is required")
        )
    if not person.id_number:
        found.append(
            violation(
                f"{field}.id_number",
                "required",
                "证件号码必填（实名信息）",
                "the ID number is required (real-name information)",
            )
        )
    elif person.id_type in ("", "citizen_id"):
        verdict = validate_citizen_id(person.id_number, today=today)
        if not verdict.ok:
            found.append(
                violation(f"{field}.id_number", verdict.rule, verdict.reason_zh, verdict.reason_en)
            )
    return found


def _not_standard(
    requested: Package, status: VatStatus, sales: Decimal | None, book: RuleBook
) -> tuple[str, ...]:
    policy = book.policy
    reasons = []
    if requested.max_amount_per_invoice > policy.standard_max_amount_per_invoice:
        reasons.append(
            f"单张最高开票限额 {requested.max_amount_per_invoice} 超过标准 "
            f"{policy.standard_max_amount_per_invoice} / max per invoice above the standard limit"
        )
    quantity = standard_quantity(requested.kinds, policy)
    if requested.monthly_quantity > quantity:
        reasons.append(
            f"每月 {requested.monthly_quantity} 份超过标准 {quantity} 份 / "
            "monthly quantity above the standard limit"
        )
    if sales is not None and status is VatStatus.SMALL_SCALE and sales > book.threshold():
        reasons.append(
            f"预计年销售额 {sales} 超过小规模纳税人标准 {book.threshold()}，请核定纳税人身份 / "
            "expected annual sales above the small-scale threshold: decide the VAT status"
        )
    return tuple(reasons)


# --------------------------------------------------------------------------- desk approval


@dataclass(frozen=True)
class ApprovalInput:
    """What tax staff set when approving; empty values take the applicant's request."""

    kinds: tuple[InvoiceKind, ...]
    max_amount_per_invoice: str
    monthly_quantity: int
    credit_line: str
    vat_status: VatStatus | None


def approve_package(
    approval: ApprovalInput,
    requested: Package,
    registered_status: VatStatus,
    declares_proper_accounts: bool,
    book: RuleBook,
) -> tuple[Package, VatStatus]:
    """The package tax staff approve, checked against the desk maximums; InvalidInput lists
    every problem."""
    policy = book.policy
    found: list[RuleViolation] = []
    kinds = tuple(dict.fromkeys(approval.kinds)) or requested.kinds
    status = approval.vat_status or registered_status
    if status is VatStatus.GENERAL and not declares_proper_accounts:
        found.append(
            violation(
                "vat_status",
                "general_taxpayer_needs_proper_accounts",
                "申请人未声明会计核算健全，不能登记为一般纳税人",
                "the applicant did not declare sound accounts: general taxpayer status "
                "cannot be granted",
            )
        )
    found += special_needs_general(kinds, status, "kinds")
    max_amount = (
        parse_money(
            approval.max_amount_per_invoice,
            "max_amount_per_invoice",
            found,
            ceiling=policy.desk_max_amount_per_invoice,
        )
        if approval.max_amount_per_invoice.strip()
        else requested.max_amount_per_invoice
    )
    quantity = (
        check_quantity(
            approval.monthly_quantity,
            "monthly_quantity",
            found,
            ceiling=policy.desk_max_monthly_quantity,
        )
        if approval.monthly_quantity
        else requested.monthly_quantity
    )
    credit: Decimal | None
    if approval.credit_line.strip():
        credit = parse_money(
            approval.credit_line, "credit_line", found, ceiling=policy.desk_max_credit_line
        )
    elif max_amount is not None and quantity:
        credit = standard_credit_line(max_amount, quantity, policy)
    else:
        credit = None
    if found:
        raise InvalidInput.of(found)
    assert max_amount is not None and quantity and credit is not None
    return Package(kinds, max_amount, quantity, credit), status


def automatic_package(plan: RegistrationPlan) -> Package | None:
    """Within the standard limits the requested package is approved as asked."""
    return plan.requested if plan.standard else None


# --------------------------------------------------------------------------- tax per line


@dataclass(frozen=True)
class LineInput:
    description: str
    quantity: str
    unit_price: str
    tax_rate: str = ""
    vat_exempt: bool = False


@dataclass(frozen=True)
class Line:
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    tax_rate: Decimal
    tax: Decimal
    # 免税: rate and tax 0, printed as exempt (not the zero rate).
    vat_exempt: bool = False
    # On a red-letter line: the number (1-based, 序号) of the blue invoice's line it reverses.
    reverses_line: int = 0

    def negated(self, line_number: int = 0) -> Line:
        """The red-letter line reversing all of this one: the same figures with the sign turned,
        nothing recomputed."""
        return Line(
            self.description,
            negative(self.quantity),
            self.unit_price,
            negative(self.amount),
            self.tax_rate,
            negative(self.tax),
            self.vat_exempt,
            line_number,
        )


def negative(value: Decimal) -> Decimal:
    """The value with its sign turned; zero stays "0.00", never "-0.00"."""
    return Decimal(0) - value


def round_cent(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def compute_line(
    description: str,
    quantity: Decimal,
    unit_price: Decimal,
    rate: Decimal,
    *,
    vat_exempt: bool = False,
) -> Line:
    amount = round_cent(quantity * unit_price)
    tax = Decimal("0.00") if vat_exempt else round_cent(amount * rate)
    return Line(description, quantity, unit_price, amount, rate, tax, vat_exempt)


@dataclass(frozen=True)
class Totals:
    amount: Decimal
    tax: Decimal

    @property
    def with_tax(self) -> Decimal:
        return self.amount + self.tax


def totals(lines: Iterable[Line]) -> Totals:
    items = list(lines)
    return Totals(
        sum((line.amount for line in items), Decimal("0.00")),
        sum((line.tax for line in items), Decimal("0.00")),
    )


def line_rate(
    status: VatStatus,
    requested: str,
    day: date,
    book: RuleBook,
    field: str,
    *,
    vat_exempt: bool = False,
) -> tuple[Decimal | None, Rule | None, list[RuleViolation]]:
    """The rate for one line and the rule behind it.

    Small-scale: the levy rate in force (1% or 3%), or 5% (levy_rate_5). General: 13% by
    default, or 9%, 6%, 5% (simple method) or 0 (zero_rate) named per line. Either may mark a
    line exempt (vat_exempt) instead of naming a rate. Rates come only from rows the rule data
    has and that are in force on ``day``."""
    if vat_exempt:
        exempt = book.in_force("vat_exempt", day)
        if exempt is None:
            return None, None, [_no_exemption(field)]
        if requested.strip():
            return (
                None,
                None,
                [
                    violation(
                        field,
                        "exempt_line_has_no_rate",
                        "免税项目不填税率（税率栏显示“免税”）",
                        "an exempt line takes no tax rate (it is printed as exempt)",
                    )
                ],
            )
        return Decimal("0"), exempt, []
    extra = book.extra_rates(status, day)
    if status is VatStatus.SMALL_SCALE:
        rate, rule = book.small_scale_rate(day)
        if not requested.strip():
            return rate, rule, []
        asked = _decimal(requested)
        if asked is not None and asked == rate:
            return rate, rule, []
        if asked is not None and asked in extra:
            return asked, extra[asked], []
        allowed = "、".join(format(r, "f") for r in sorted({rate, *extra}, reverse=True))
        return (
            None,
            None,
            [
                violation(
                    field,
                    "small_scale_rate",
                    f"小规模纳税人按征收率 {allowed} 开票，不能指定税率 {requested}",
                    f"a small-scale taxpayer invoices at the levy rate {allowed}; "
                    f"{requested} cannot be chosen",
                )
            ],
        )
    if not requested.strip():
        rate, rule = book.default_general_rate(day)
        return rate, rule, []
    allowed_rates = {**book.general_rates(day), **extra}
    asked = _decimal(requested)
    if asked is None or asked not in allowed_rates:
        names = "、".join(format(r, "f") for r in sorted(allowed_rates, reverse=True))
        return (
            None,
            None,
            [
                violation(
                    field,
                    "general_rate",
                    f"税率“{requested}”无效，一般纳税人可用税率为 {names}（小数形式）",
                    f"'{requested}' is not a general-taxpayer rate; use one of {names} "
                    "(as a fraction)",
                )
            ],
        )
    return asked, allowed_rates[asked], []


def _no_exemption(field: str) -> RuleViolation:
    return violation(
        field.rsplit(".", 1)[0] + ".vat_exempt",
        "vat_exempt",
        "规则数据中没有适用的免税规定",
        "the rule data has no VAT exemption in force",
    )


def exempt_violations(kind: InvoiceKind, lines: Sequence[Line]) -> list[RuleViolation]:
    """Exempt lines cannot go on a special VAT invoice (vat_exempt_no_special_invoice)."""
    if kind is not InvoiceKind.DIGITAL_SPECIAL:
        return []
    return [
        violation(
            f"lines[{i}].vat_exempt",
            "vat_exempt_no_special_invoice",
            "销售免税项目不得开具增值税专用发票，请开具普通发票",
            "an exempt sale cannot go on a special VAT invoice: issue an ordinary invoice",
        )
        for i, line in enumerate(lines)
        if line.vat_exempt
    ]


def price_lines(
    lines: Sequence[LineInput], status: VatStatus, day: date, book: RuleBook
) -> tuple[tuple[Line, ...], tuple[Rule, ...]]:
    """Checks and prices the lines; InvalidInput names every bad line field."""
    found: list[RuleViolation] = []
    if not lines:
        found.append(
            violation("lines", "required", "发票至少需要一行项目", "an invoice needs a line")
        )
    if len(lines) > book.policy.max_lines_per_invoice:
        found.append(
            violation(
                "lines",
                "maximum",
                f"每张发票最多 {book.policy.max_lines_per_invoice} 行",
                f"at most {book.policy.max_lines_per_invoice} lines per invoice",
            )
        )
    priced: list[Line] = []
    rules: dict[str, Rule] = {}
    for i, item in enumerate(lines):
        where = f"lines[{i}]"
        if not item.description.strip():
            found.append(
                violation(
                    f"{where}.description",
                    "required",
                    "项目名称必填",
                    "the description is required",
                )
            )
        quantity = _positive(item.quantity, f"{where}.quantity", found)
        price = _positive(item.unit_price, f"{where}.unit_price", found)
        rate, rule, problems = line_rate(
            status, item.tax_rate, day, book, f"{where}.tax_rate", vat_exempt=item.vat_exempt
        )
        found += problems
        if quantity is None or price is None or rate is None or rule is None:
            continue
        line = compute_line(
            item.description.strip(), quantity, price, rate, vat_exempt=item.vat_exempt
        )
        if line.amount <= 0:
            found.append(
                violation(
                    f"{where}.unit_price",
                    "amount_rounds_to_zero",
                    "数量×单价四舍五入到分后为零",
                    "quantity × unit price rounds to zero cents",
                )
            )
            continue
        priced.append(line)
        rules[rule.name] = rule
    if found:
        raise InvalidInput.of(found)
    return tuple(priced), tuple(rules.values())


def _positive(text: str, field: str, found: list[RuleViolation]) -> Decimal | None:
    value = _decimal(text)
    if value is None:
        found.append(
            violation(field, "decimal", f"“{text}”不是有效数值", f"'{text}' is not a number")
        )
        return None
    if value <= 0:
        found.append(violation(field, "positive", "必须大于零", "must be greater than zero"))
        return None
    if _places(value) > MAX_PLACES_QUANTITY or value >= MAX_VALUE:
        found.append(
            violation(
                field,
                "precision",
                f"最多 {MAX_PLACES_QUANTITY} 位小数且小于 10^12",
                f"at most {MAX_PLACES_QUANTITY} decimal places and below 10^12",
            )
        )
        return None
    return value


# --------------------------------------------------------------------------- credit line
#
# 数电票 are limited by one credit line per taxpayer (发票总额度, einvoice_credit_line, unverified):
# the most it may invoice in a calendar month (Asia/Shanghai), counted excluding VAT
# (einvoice_credit_line_basis). Blue invoices use it; red-letter invoices count negative in the
# month they are issued and so give it back (einvoice_red_letter_restores_credit). There is no
# monthly quantity and no per-invoice maximum (einvoice_no_quantity_or_per_invoice_limit). Tax
# staff adjust the line (einvoice_credit_line_adjustment); every change is kept with who, when,
# old → new and why.


@dataclass(frozen=True)
class Usage:
    """A month's invoicing against the credit line: how many blue invoices were issued, and the
    net amount counted (blue minus red-letter, on the credit line's basis)."""

    month: str
    quantity: int
    amount: Decimal


def counted(total: Totals, with_tax: bool) -> Decimal:
    """What one invoice counts against the credit line."""
    return total.with_tax if with_tax else total.amount


def remaining_credit(credit_line: Decimal, usage: Usage) -> Decimal:
    """What is left of the month's line; more than the line itself when the month's red-letter
    invoices outweigh its blue ones (they reverse earlier months' invoices)."""
    return max(credit_line - usage.amount, Decimal("0.00"))


def check_kind(package: Package, kind: InvoiceKind) -> None:
    """The invoice kinds the package grants (special invoices only for general taxpayers is
    OneStop's policy, see data/README.md)."""
    if kind not in package.kinds:
        raise InvalidInput.of(
            [
                violation(
                    "kind",
                    "invoice_kind_approved",
                    f"未核定该票种：{KIND_NAMES_ZH[kind]}",
                    f"this invoice kind ({kind.value}) is not approved for the taxpayer",
                )
            ]
        )


def check_credit(credit_line: Decimal, usage: Usage, total: Totals, book: RuleBook) -> None:
    """A blue invoice beyond what is left of the month's credit line is refused."""
    with_tax, basis = book.credit_counts_tax()
    amount = counted(total, with_tax)
    left = remaining_credit(credit_line, usage)
    if amount <= left:
        return
    line_rule = book.rule("einvoice_credit_line")
    what_zh = "价税合计" if with_tax else "不含税金额"
    what_en = "total including VAT" if with_tax else "amount excluding VAT"
    raise QuotaExceeded.of(
        [
            violation(
                "quota.credit_line",
                "credit_line",
                f"{what_zh} {amount} 超过本月（{usage.month}）剩余授信额度 {left}"
                f"（授信额度 {credit_line}，已用 {usage.amount}）；可由税务人员调整授信额度"
                f"{line_rule.caveat_zh}{basis.caveat_zh}",
                f"the {what_en} {amount} exceeds this month's ({usage.month}) remaining credit "
                f"line {left} (line {credit_line}, used {usage.amount}); tax staff may adjust "
                f"the line{line_rule.caveat_en}{basis.caveat_en}",
            )
        ]
    )


def check_credit_adjustment(
    new_line: str, currency: str, reason: str, current: Decimal | None, policy: Policy
) -> Decimal:
    """Tax staff's new credit line: an amount in CNY cents from 0 (invoicing stopped, e.g. after
    a risk finding) up to the desk maximum, different from the current line, with a reason."""
    found: list[RuleViolation] = []
    value = parse_money(
        new_line, "credit_line.amount", found, ceiling=policy.desk_max_credit_line, allow_zero=True
    )
    if currency not in ("", "CNY"):
        found.append(
            violation(
                "credit_line.currency",
                "currency",
                f"授信额度以人民币计，币种不能是 {currency}",
                f"the credit line is in CNY, not {currency}",
            )
        )
    found += reason_violations(reason)
    if value is not None and current is not None and value == current:
        found.append(
            violation(
                "credit_line.amount",
                "unchanged",
                f"新授信额度与现额度 {current} 相同",
                f"the new credit line equals the current line {current}",
            )
        )
    if found:
        raise InvalidInput.of(found)
    assert value is not None
    return value.quantize(CENT)


# --------------------------------------------------------------------------- buyers


def buyer_violations(kind: InvoiceKind, name: str, taxpayer_id: str) -> list[RuleViolation]:
    found = []
    if not name.strip():
        found.append(
            violation("buyer_name", "required", "购买方名称必填", "the buyer's name is required")
        )
    if kind is InvoiceKind.DIGITAL_SPECIAL and not taxpayer_id:
        found.append(
            violation(
                "buyer_taxpayer_id",
                "required_for_special",
                "增值税专用发票须填写购买方纳税人识别号",
                "a special VAT invoice needs the buyer's taxpayer ID",
            )
        )
    elif taxpayer_id:
        verdict = validate_uscc(taxpayer_id)
        if not verdict.ok:
            found.append(
                violation("buyer_taxpayer_id", verdict.rule, verdict.reason_zh, verdict.reason_en)
            )
    return found


# --------------------------------------------------------------------------- numbers


_NUMBER = re.compile(r"^\d{20}$")


def number_prefix(year: int, province_code: str, channel: str) -> str:
    """The first five digits: 2-digit year + 2-digit provincial bureau code + 1-digit channel."""
    if not (len(province_code) == 2 and province_code.isdigit()):
        raise ValueError(f"province code must be 2 digits, got {province_code!r}")
    if not (len(channel) == 1 and channel.isdigit()):
        raise ValueError(f"issuing channel must be 1 digit, got {channel!r}")
    return f"{year % 100:02d}{province_code}{channel}"


def invoice_number(prefix: str, sequence: int) -> str:
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"invoice sequence {sequence} outside 1..{MAX_SEQUENCE}")
    return f"{prefix}{sequence:0{SEQUENCE_DIGITS}d}"


@dataclass(frozen=True)
class NumberParts:
    year: str
    province_code: str
    channel: str
    sequence: int


def parse_invoice_number(number: str) -> NumberParts:
    if not _NUMBER.match(number):
        raise InvalidInput.of(
            [
                violation(
                    "invoice_number",
                    "format",
                    "数电票号码应为 20 位数字",
                    "a digital e-invoice number is 20 digits",
                )
            ]
        )
    return NumberParts(number[:2], number[2:4], number[4], int(number[5:]))


# --------------------------------------------------------------------------- reasons


def reason_violations(reason: str, field: str = "reason") -> list[RuleViolation]:
    if reason.strip():
        return []
    return [violation(field, "required", "请说明原因", "give the reason")]
