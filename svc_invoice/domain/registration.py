"""Tax registration: checking a RegisterTaxpayer command, the VAT status (small-scale or
general) with its legal basis, the new-taxpayer package and its initial credit line, whether
tax staff must look at it, and the package they approve at the desk."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from onestop_common.errors import InvalidInput, RuleViolation, violation
from onestop_common.identifiers import mask_id_number, validate_citizen_id, validate_uscc
from svc_invoice.domain.amounts import check_quantity, parse_money
from svc_invoice.domain.rule_data import Policy, Rule, RuleBook, TaxOffice
from svc_invoice.domain.terms import CENT, KIND_NAMES_ZH, InvoiceKind, VatStatus


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
