"""The invoice service's contract mapping: protobuf requests → domain inputs, rows → protobuf
messages (ID numbers masked), and who may call what."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from onestop.common.v1 import application_pb2, common_pb2
from onestop.invoice.v1 import invoice_pb2
from onestop_common import application_checks
from onestop_common.errors import InvalidInput, PermissionDenied, RuleViolation, violation
from onestop_common.identifiers import mask_id_number
from onestop_common.identity import Principal, Role, require_role
from onestop_common.protoconv import money, timestamp
from svc_invoice import domain, red_letter, store
from svc_invoice.domain import (
    PARTICIPANT,
    InvoiceKind,
    Rule,
    RuleBook,
    TaxpayerState,
    VatStatus,
)
from svc_invoice.models import CreditLineChange, Invoice, RedLetterForm, Taxpayer
from svc_invoice.red_letter import FormState, Party

KINDS = {
    application_pb2.INVOICE_KIND_DIGITAL_ORDINARY: InvoiceKind.DIGITAL_ORDINARY,
    application_pb2.INVOICE_KIND_DIGITAL_SPECIAL: InvoiceKind.DIGITAL_SPECIAL,
}
KIND_MESSAGES = {value: key for key, value in KINDS.items()}
STATUSES = {
    invoice_pb2.VAT_STATUS_SMALL_SCALE: VatStatus.SMALL_SCALE,
    invoice_pb2.VAT_STATUS_GENERAL: VatStatus.GENERAL,
}
STATUS_MESSAGES = {value: key for key, value in STATUSES.items()}
STATES = {
    TaxpayerState.PENDING_APPROVAL: invoice_pb2.TAXPAYER_STATE_PENDING_APPROVAL,
    TaxpayerState.ACTIVE: invoice_pb2.TAXPAYER_STATE_ACTIVE,
    TaxpayerState.REJECTED: invoice_pb2.TAXPAYER_STATE_REJECTED,
    TaxpayerState.CANCELLED: invoice_pb2.TAXPAYER_STATE_CANCELLED,
}
PARTIES = {
    invoice_pb2.RED_LETTER_PARTY_SELLER: Party.SELLER,
    invoice_pb2.RED_LETTER_PARTY_BUYER: Party.BUYER,
}
PARTY_MESSAGES = {value: key for key, value in PARTIES.items()}
FORM_STATES = {
    FormState.PENDING: invoice_pb2.RED_LETTER_FORM_STATE_PENDING,
    FormState.CONFIRMED: invoice_pb2.RED_LETTER_FORM_STATE_CONFIRMED,
    FormState.DECLINED: invoice_pb2.RED_LETTER_FORM_STATE_DECLINED,
    FormState.WITHDRAWN: invoice_pb2.RED_LETTER_FORM_STATE_WITHDRAWN,
    FormState.EXPIRED: invoice_pb2.RED_LETTER_FORM_STATE_EXPIRED,
}
CHANGE_KINDS = {
    "granted": invoice_pb2.CREDIT_LINE_CHANGE_KIND_GRANTED,
    "adjusted": invoice_pb2.CREDIT_LINE_CHANGE_KIND_ADJUSTED,
}
CREDIT_RULES = (
    "einvoice_credit_line",
    "einvoice_credit_line_basis",
    "einvoice_credit_line_adjustment",
    "einvoice_red_letter_restores_credit",
    "einvoice_no_quantity_or_per_invoice_limit",
)
RED_LETTER_RULES = (
    "red_letter_partial",
    "red_letter_direct",
    "red_letter_confirmation_form",
    "red_letter_form_expiry",
    "red_letter_issued_on_confirmation",
)
ID_TYPES = {
    common_pb2.ID_TYPE_UNSPECIFIED: "",
    common_pb2.ID_TYPE_CITIZEN_ID: "citizen_id",
    common_pb2.ID_TYPE_PASSPORT: "passport",
    common_pb2.ID_TYPE_HK_MACAO_PERMIT: "hk_macao_permit",
    common_pb2.ID_TYPE_TAIWAN_PERMIT: "taiwan_permit",
    common_pb2.ID_TYPE_FOREIGN_PERMANENT_RESIDENT: "foreign_permanent_resident",
}

# --------------------------------------------------------------------------- roles

DESK_ROLES = frozenset({Role.TAX_STAFF})
SAGA_ROLES = frozenset({Role.SYSTEM})


def require_desk(principal: Principal) -> Principal:
    return require_role(principal, DESK_ROLES)


def require_owner(principal: Principal, taxpayer: Taxpayer) -> Principal:
    """Invoicing is for the entrepreneur who owns the company's case (or an administrator)."""
    require_role(principal, frozenset({Role.ENTREPRENEUR}))
    if principal.role is Role.ENTREPRENEUR and principal.subject != taxpayer.applicant_id:
        raise PermissionDenied(
            "only the entrepreneur who applied for this company may invoice for it",
            message_zh="只有申请开办该企业的经营者本人可以为其开具发票",
        )
    return principal


def require_reader(principal: Principal, taxpayer: Taxpayer) -> Principal:
    if principal.role in (Role.TAX_STAFF, Role.ADMIN, Role.SYSTEM):
        return principal
    return require_owner(principal, taxpayer)


def require_party(
    principal: Principal, acting_as: Party, seller: Taxpayer, buyer: Taxpayer | None
) -> Principal:
    """A red-letter form is requested and answered by the seller's or the buyer's entrepreneur,
    each for its own OneStop taxpayer: a form is a declaration of one party to the other, so
    nobody else (not an administrator either) answers for a party."""
    require_role(principal, frozenset({Role.ENTREPRENEUR}))
    owner = seller if acting_as is Party.SELLER else buyer
    if principal.role is not Role.ENTREPRENEUR or owner is None:
        raise PermissionDenied(
            f"only the {acting_as.value}'s own entrepreneur may act for the {acting_as.value}"
            + ("" if owner is not None else " (the buyer is not a OneStop taxpayer)"),
            message_zh=f"只有{red_letter.PARTY_NAMES_ZH[acting_as]}的经营者本人可以办理"
            + ("" if owner is not None else "（购买方不是 OneStop 纳税人）"),
        )
    if principal.subject != owner.applicant_id:
        raise PermissionDenied(
            f"you do not act for the {acting_as.value} ({owner.taxpayer_id})",
            message_zh=f"您不是{red_letter.PARTY_NAMES_ZH[acting_as]}（{owner.taxpayer_id}）的经营者",
        )
    return principal


def require_booker(principal: Principal, buyer: Taxpayer | None) -> Principal:
    """Booking is recorded by the buyer's entrepreneur, or by tax staff and the platform
    (recording what the buyer did on the national platform)."""
    if principal.role in (Role.TAX_STAFF, Role.ADMIN, Role.SYSTEM):
        return principal
    require_role(principal, frozenset({Role.ENTREPRENEUR}))
    if buyer is None or principal.subject != buyer.applicant_id:
        raise PermissionDenied(
            "only the buyer's entrepreneur (or tax staff) may record that the buyer booked it",
            message_zh="只有购买方的经营者本人（或税务人员）可以登记入账确认",
        )
    return principal


def require_form_reader(
    principal: Principal, seller: Taxpayer, buyer: Taxpayer | None
) -> Principal:
    if principal.role in (Role.TAX_STAFF, Role.ADMIN, Role.SYSTEM):
        return principal
    require_role(principal, frozenset({Role.ENTREPRENEUR}))
    owners = {seller.applicant_id, buyer.applicant_id if buyer is not None else ""}
    if principal.subject not in owners:
        raise PermissionDenied(
            "only the seller's or the buyer's entrepreneur may read this form",
            message_zh="只有销售方或购买方的经营者本人可以查看该确认单",
        )
    return principal


# --------------------------------------------------------------------------- requests


def person(message: common_pb2.Person) -> domain.PersonInfo:
    return domain.PersonInfo(
        name=message.name.strip(),
        id_type=ID_TYPES.get(message.id_type, "other"),
        id_number=message.id_number.strip(),
        phone=message.phone.strip(),
    )


def decoded_kinds(
    values: Iterable[int], field: str
) -> tuple[tuple[InvoiceKind, ...], list[RuleViolation]]:
    """The known kinds, and a violation for each unknown one."""
    found = []
    result = []
    for i, value in enumerate(values):
        kind = KINDS.get(value)
        if kind is None:
            found.append(
                violation(
                    f"{field}[{i}]",
                    "invoice_kind",
                    "票种无效：只能是数电票普通发票或增值税专用发票",
                    "unknown invoice kind: digital ordinary or digital special only",
                )
            )
        else:
            result.append(kind)
    return tuple(result), found


def kinds(values: Iterable[int], field: str) -> tuple[InvoiceKind, ...]:
    result, found = decoded_kinds(values, field)
    if found:
        raise InvalidInput.of(found)
    return result


def registration_input(
    request: invoice_pb2.RegisterTaxpayerRequest,
) -> tuple[domain.RegistrationInput, list[RuleViolation]]:
    """The command as plain values, and the unknown invoice kinds it names (left out)."""
    return _registration_input(
        uscc=request.uscc,
        company_name=request.company_name,
        division_code=request.division_code or request.domicile.division_code,
        legal_representative=request.legal_representative,
        needs=request.invoice,
    )


def form_registration_input(
    form: application_pb2.ApplicationForm,
) -> tuple[domain.RegistrationInput, list[RuleViolation]]:
    """What RegisterTaxpayer will carry for this form (orchestrator/open_company.py
    register_taxpayer), before the license exists: no USCC yet, the company name composed from
    the form's parts as the saga does when the license has none, the domicile's division."""
    name = form.name
    return _registration_input(
        uscc="",
        company_name=f"{name.division}{name.trade_name}{name.industry}{name.organisational_form}",
        division_code=form.domicile.division_code,
        legal_representative=form.legal_representative,
        needs=form.invoice,
    )


def _registration_input(
    *,
    uscc: str,
    company_name: str,
    division_code: str,
    legal_representative: common_pb2.Person,
    needs: application_pb2.InvoiceNeeds,
) -> tuple[domain.RegistrationInput, list[RuleViolation]]:
    finance = needs.finance_contact
    # A finance contact with anything of its own filled in is checked whole (a name without an
    # ID number, an ID number without a name); none at all: the legal representative acts.
    given = any(text.strip() for text in (finance.name, finance.id_number, finance.phone))
    asked, unknown = decoded_kinds(needs.kinds, "invoice.kinds")
    return domain.RegistrationInput(
        uscc=uscc,
        company_name=company_name,
        division_code=division_code,
        legal_representative=person(legal_representative),
        finance_contact=person(finance) if given else None,
        kinds=asked,
        max_amount_per_invoice=needs.max_amount_per_invoice.amount,
        monthly_quantity=needs.monthly_quantity,
        expected_annual_sales=needs.expected_annual_sales.amount,
        request_general_taxpayer=needs.request_general_taxpayer,
        declares_proper_accounts=needs.declares_proper_accounts,
    ), unknown


def approval_input(request: invoice_pb2.ApproveTaskRequest) -> domain.ApprovalInput:
    return domain.ApprovalInput(
        kinds=kinds(request.kinds, "kinds"),
        max_amount_per_invoice=request.max_amount_per_invoice.amount,
        monthly_quantity=request.monthly_quantity,
        credit_line=request.credit_line.amount,
        vat_status=STATUSES.get(request.vat_status),
    )


def line_inputs(lines: Sequence[invoice_pb2.InvoiceLine]) -> list[domain.LineInput]:
    return [
        domain.LineInput(
            line.description, line.quantity, line.unit_price, line.tax_rate, line.vat_exempt
        )
        for line in lines
    ]


def red_request(lines: Sequence[invoice_pb2.RedLetterLine], amount: str) -> red_letter.RedRequest:
    return red_letter.RedRequest(
        tuple(red_letter.RedLineInput(line.line_number, line.amount) for line in lines), amount
    )


def party(value: int) -> Party | None:
    return PARTIES.get(value)


def invoice_kind(value: int) -> InvoiceKind:
    kind = KINDS.get(value)
    if kind is None:
        raise InvalidInput.of(
            [
                violation(
                    "kind",
                    "required",
                    "请选择票种（数电票普通发票或增值税专用发票）",
                    "choose the invoice kind (digital ordinary or digital special)",
                )
            ]
        )
    return kind


def masked_needs(needs: application_pb2.InvoiceNeeds) -> application_pb2.InvoiceNeeds:
    shown = application_pb2.InvoiceNeeds()
    shown.CopyFrom(needs)
    if shown.finance_contact.id_number:
        shown.finance_contact.id_number = mask_id_number(shown.finance_contact.id_number)
    return shown


# --------------------------------------------------------------------------- messages


def rule_message(rule: Rule) -> invoice_pb2.RuleReference:
    return invoice_pb2.RuleReference(
        rule=rule.name, value=rule.value, verified=rule.verified, source=rule.source
    )


def _rules(book: RuleBook, names: Iterable[str]) -> list[invoice_pb2.RuleReference]:
    return [rule_message(book.rules[name]) for name in names if name in book.rules]


def current_rate(status: VatStatus, day: date, book: RuleBook) -> tuple[str, Rule]:
    if status is VatStatus.SMALL_SCALE:
        rate, rule = book.small_scale_rate(day)
    else:
        rate, rule = book.default_general_rate(day)
    return format(rate, "f"), rule


def quota_message(
    row: Taxpayer, book: RuleBook, usage: domain.Usage | None
) -> invoice_pb2.InvoiceQuota:
    package = store.approved_package(row)
    if package is None:
        return invoice_pb2.InvoiceQuota()
    with_tax, _ = book.credit_counts_tax()
    quota = invoice_pb2.InvoiceQuota(
        kinds=[KIND_MESSAGES[k] for k in package.kinds],
        max_amount_per_invoice=money(package.max_amount_per_invoice),
        monthly_quantity=package.monthly_quantity,
        credit_line=money(package.credit_line),
        credit_line_basis="including_vat" if with_tax else "excluding_vat",
    )
    if usage is not None:
        quota.month = usage.month
        quota.credit_used.CopyFrom(money(usage.amount))
        quota.quantity_used = usage.quantity
        quota.credit_remaining.CopyFrom(money(domain.remaining_credit(package.credit_line, usage)))
    return quota


def taxpayer_message(
    row: Taxpayer, book: RuleBook, today: date, usage: domain.Usage | None = None
) -> invoice_pb2.Taxpayer:
    status = store.status_of(row)
    rate, rate_rule = current_rate(status, today, book)
    office = book.offices.get(row.division_code)
    message = invoice_pb2.Taxpayer(
        taxpayer_id=row.taxpayer_id,
        company_name=row.company_name,
        tax_office=row.tax_office,
        vat_status=STATUS_MESSAGES[status],
        vat_status_legal_basis=row.vat_legal_basis,
        vat_rate=rate,
        quota=quota_message(row, book, usage),
        legal_representative_name=row.legal_rep_name,
        legal_representative_id_masked=mask_id_number(row.legal_rep_id_number),
        finance_contact_name=row.finance_name,
        finance_contact_id_masked=mask_id_number(row.finance_id_number),
        cancelled=row.state == TaxpayerState.CANCELLED.value,
        state=STATES[store.state_of(row)],
        division_code=row.division_code,
    )
    message.registered_at.CopyFrom(timestamp(row.registered_at))
    if row.cancelled_at is not None:
        message.cancelled_at.CopyFrom(timestamp(row.cancelled_at))
    if office is not None:
        message.rules.append(rule_message(office.as_rule()))
    message.rules.extend(_rules(book, row.rules))
    message.rules.append(rule_message(rate_rule))
    if row.credit_line:
        message.rules.extend(_rules(book, CREDIT_RULES))
    return message


def _line_messages(items: Sequence[dict[str, str]]) -> list[invoice_pb2.InvoiceLine]:
    return [
        invoice_pb2.InvoiceLine(
            description=line.description,
            quantity=format(line.quantity, "f"),
            unit_price=format(line.unit_price, "f"),
            amount=format(line.amount, "f"),
            tax_rate=format(line.tax_rate, "f"),
            tax=format(line.tax, "f"),
            vat_exempt=line.vat_exempt,
            reverses_line=line.reverses_line,
        )
        for line in store.parse_lines(items)
    ]


def invoice_message(
    row: Invoice, book: RuleBook, reds: Sequence[Invoice] = ()
) -> invoice_pb2.Invoice:
    """An invoice; for a blue one, ``reds`` are its red-letter invoices (what they reversed and
    what is left are shown)."""
    message = invoice_pb2.Invoice(
        number=row.number,
        kind=KIND_MESSAGES[InvoiceKind(row.kind)],
        seller_taxpayer_id=row.taxpayer_id,
        buyer_name=row.buyer_name,
        buyer_taxpayer_id=row.buyer_taxpayer_id,
        total_amount=money(Decimal(row.total_amount)),
        total_tax=money(Decimal(row.total_tax)),
        total_with_tax=money(Decimal(row.total_with_tax)),
        reverses=row.reverses or "",
        reversed_by=row.reversed_by or "",
        reason=row.reason,
        confirmation_number=row.confirmation_number or "",
    )
    message.issued_at.CopyFrom(timestamp(row.issued_at))
    message.lines.extend(_line_messages(row.lines))
    message.rules.extend(_rules(book, row.rules))
    if row.reverses is None:
        blue_lines = store.lines_of(row)
        red_lines = [line for red in reds for line in store.lines_of(red)]
        left, left_tax = red_letter.left_to_reverse(blue_lines, red_lines)
        message.red_letter_numbers.extend(red.number for red in reds)
        message.reversed_amount.CopyFrom(money(domain.negative(domain.totals(red_lines).amount)))
        message.left_amount.CopyFrom(money(left))
        message.left_with_tax.CopyFrom(money(left + left_tax))
        if row.booked_at is not None:
            message.booked_at.CopyFrom(timestamp(row.booked_at))
    return message


def form_message(row: RedLetterForm, book: RuleBook, now: datetime) -> invoice_pb2.RedLetterForm:
    expiry, _ = red_letter.form_expiry(book)
    state = red_letter.current_state(FormState(row.state), row.requested_at, now, book)
    message = invoice_pb2.RedLetterForm(
        number=row.number,
        seller_taxpayer_id=row.taxpayer_id,
        buyer_taxpayer_id=row.buyer_taxpayer_id,
        blue_invoice_number=row.blue_number,
        requested_by=PARTY_MESSAGES[Party(row.requested_by)],
        state=FORM_STATES[state],
        total_amount=money(Decimal(row.total_amount)),
        total_tax=money(Decimal(row.total_tax)),
        total_with_tax=money(Decimal(row.total_with_tax)),
        reason=row.reason,
        answer_reason=row.answer_reason,
        red_letter_invoice_number=row.red_number or "",
    )
    message.requested_at.CopyFrom(timestamp(row.requested_at))
    message.expires_at.CopyFrom(timestamp(row.requested_at + expiry))
    message.lines.extend(_line_messages(row.lines))
    if row.answered_by:
        message.answered_by = PARTY_MESSAGES[Party(row.answered_by)]
    if row.answered_at is not None:
        message.answered_at.CopyFrom(timestamp(row.answered_at))
    message.rules.extend(_rules(book, RED_LETTER_RULES))
    return message


def change_message(row: CreditLineChange) -> invoice_pb2.CreditLineChange:
    message = invoice_pb2.CreditLineChange(
        taxpayer_id=row.taxpayer_id,
        kind=CHANGE_KINDS.get(row.kind, invoice_pb2.CREDIT_LINE_CHANGE_KIND_UNSPECIFIED),
        new_credit_line=money(Decimal(row.new_value)),
        changed_by=row.changed_by,
        reason=row.reason,
    )
    if row.old_value:
        message.old_credit_line.CopyFrom(money(Decimal(row.old_value)))
    message.changed_at.CopyFrom(timestamp(row.changed_at))
    return message


# The check of an application and the desk's return for correction, as every participant does them.
DESK = application_checks.Desk(
    participant=PARTICIPANT,
    staff_zh="税务人员",
    staff_en="tax staff",
    default_rule="tax_staff_correction",
    example_field="form.invoice.finance_contact",
)
