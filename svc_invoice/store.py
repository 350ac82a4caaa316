"""Reads and writes of the invoice service's tables: functions taking a session, converting
between rows (decimal text) and domain values (Decimal)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from onestop_common.errors import NotFound
from onestop_common.serials import take_numbers
from svc_invoice import domain
from svc_invoice.domain import InvoiceKind, Line, Package, Rule, TaxpayerState, VatStatus
from svc_invoice.models import CreditLineChange, Invoice, InvoiceSequence, RedLetterForm, Taxpayer


def _money(text: str) -> Decimal:
    return Decimal(text) if text else Decimal("0.00")


# --------------------------------------------------------------------------- taxpayers


def get_taxpayer(session: Session, taxpayer_id: str, *, for_update: bool = False) -> Taxpayer:
    found = find_taxpayer(session, taxpayer_id, for_update=for_update)
    if found is None:
        raise NotFound(f"no taxpayer {taxpayer_id}", message_zh=f"纳税人 {taxpayer_id} 不存在")
    return found


def find_taxpayer(
    session: Session, taxpayer_id: str, *, for_update: bool = False
) -> Taxpayer | None:
    statement = select(Taxpayer).where(Taxpayer.taxpayer_id == taxpayer_id)
    if for_update:
        statement = statement.with_for_update()
    return session.scalars(statement).first()


def taxpayer_for_case(
    session: Session, case_id: str, *, for_update: bool = False
) -> Taxpayer | None:
    statement = (
        select(Taxpayer).where(Taxpayer.case_id == case_id).order_by(Taxpayer.registered_at.desc())
    )
    if for_update:
        statement = statement.with_for_update()
    return session.scalars(statement).first()


def add_taxpayer(
    session: Session,
    plan: domain.RegistrationPlan,
    *,
    case_id: str,
    applicant_id: str,
    now: datetime,
) -> Taxpayer:
    requested = plan.requested
    row = Taxpayer(
        taxpayer_id=plan.taxpayer_id,
        case_id=case_id,
        applicant_id=applicant_id,
        company_name=plan.company_name,
        division_code=plan.division_code,
        tax_office=plan.tax_office.name,
        state=TaxpayerState.PENDING_APPROVAL.value,
        vat_status=plan.vat.status.value,
        vat_legal_basis=plan.vat.legal_basis,
        legal_rep_name=plan.legal_representative.name,
        legal_rep_id_type=plan.legal_representative.id_type,
        legal_rep_id_number=plan.legal_representative.id_number,
        legal_rep_phone=plan.legal_representative.phone,
        finance_name=plan.finance_contact.name,
        finance_id_type=plan.finance_contact.id_type,
        finance_id_number=plan.finance_contact.id_number,
        finance_phone=plan.finance_contact.phone,
        declares_proper_accounts=plan.declares_proper_accounts,
        requested={
            "kinds": [k.value for k in requested.kinds],
            "max_amount_per_invoice": format(requested.max_amount_per_invoice, "f"),
            "monthly_quantity": requested.monthly_quantity,
            "credit_line": format(requested.credit_line, "f"),
            "expected_annual_sales": (
                format(plan.expected_annual_sales, "f") if plan.expected_annual_sales else ""
            ),
            "not_standard": list(plan.not_standard),
        },
        kinds=[],
        max_amount_per_invoice="",
        monthly_quantity=0,
        credit_line="",
        rules=[rule.name for rule in plan.vat.rules],
        registered_at=now,
        cancellation_red_letters=[],
        cancellation_originals=[],
    )
    session.add(row)
    session.flush()
    return row


def requested_package(row: Taxpayer) -> Package:
    asked = row.requested
    return Package(
        kinds=tuple(InvoiceKind(k) for k in asked["kinds"]),
        max_amount_per_invoice=Decimal(asked["max_amount_per_invoice"]),
        monthly_quantity=int(asked["monthly_quantity"]),
        credit_line=Decimal(asked["credit_line"]),
    )


def approved_package(row: Taxpayer) -> Package | None:
    if not row.kinds:
        return None
    return Package(
        kinds=tuple(InvoiceKind(k) for k in row.kinds),
        max_amount_per_invoice=Decimal(row.max_amount_per_invoice),
        monthly_quantity=row.monthly_quantity,
        credit_line=Decimal(row.credit_line),
    )


def activate(
    session: Session,
    row: Taxpayer,
    package: Package,
    status: VatStatus,
    legal_basis: str,
    rules: Sequence[Rule],
    *,
    decided_by: str,
    now: datetime,
) -> None:
    """The package approved: the taxpayer may invoice, and its credit line is granted (the
    first entry of the line's history)."""
    add_credit_change(
        session,
        row.taxpayer_id,
        kind="granted",
        old=None,
        new=package.credit_line,
        by=decided_by,
        at=now,
        reason="新办纳税人套餐核定 / granted with the new-taxpayer package",
    )
    row.state = TaxpayerState.ACTIVE.value
    row.kinds = [k.value for k in package.kinds]
    row.max_amount_per_invoice = format(package.max_amount_per_invoice, "f")
    row.monthly_quantity = package.monthly_quantity
    row.credit_line = format(package.credit_line, "f")
    row.vat_status = status.value
    row.vat_legal_basis = legal_basis
    row.rules = [rule.name for rule in rules]
    row.decided_by = decided_by
    row.approved_at = now


def state_of(row: Taxpayer) -> TaxpayerState:
    return TaxpayerState(row.state)


def status_of(row: Taxpayer) -> VatStatus:
    return VatStatus(row.vat_status)


# --------------------------------------------------------------------------- credit line


def credit_line(row: Taxpayer) -> Decimal | None:
    return Decimal(row.credit_line) if row.credit_line else None


def add_credit_change(
    session: Session,
    taxpayer_id: str,
    *,
    kind: str,
    old: Decimal | None,
    new: Decimal,
    by: str,
    at: datetime,
    reason: str,
    idempotency_key: str = "",
    request_digest: str = "",
) -> CreditLineChange:
    change = CreditLineChange(
        taxpayer_id=taxpayer_id,
        kind=kind,
        old_value=format(old, "f") if old is not None else "",
        new_value=format(new, "f"),
        changed_by=by,
        changed_at=at,
        reason=reason,
        idempotency_key=idempotency_key or None,
        request_digest=request_digest,
    )
    session.add(change)
    session.flush()
    return change


def credit_history(session: Session, taxpayer_id: str) -> Sequence[CreditLineChange]:
    return session.scalars(
        select(CreditLineChange)
        .where(CreditLineChange.taxpayer_id == taxpayer_id)
        .order_by(CreditLineChange.id)
    ).all()


def credit_change_by_key(session: Session, taxpayer_id: str, key: str) -> CreditLineChange | None:
    if not key:
        return None
    return session.scalars(
        select(CreditLineChange).where(
            CreditLineChange.taxpayer_id == taxpayer_id, CreditLineChange.idempotency_key == key
        )
    ).first()


def usage(session: Session, taxpayer_id: str, month: str, *, with_tax: bool) -> domain.Usage:
    """The month's invoicing against the credit line: blue invoices count, red-letter invoices
    (negative figures) count back, each in the month it was issued."""
    column = Invoice.total_with_tax if with_tax else Invoice.total_amount
    rows = session.execute(
        select(column, Invoice.reverses).where(
            Invoice.taxpayer_id == taxpayer_id, Invoice.month == month
        )
    ).all()
    blue = sum(1 for _, reverses in rows if reverses is None)
    return domain.Usage(month, blue, sum((_money(a) for a, _ in rows), Decimal("0.00")))


# --------------------------------------------------------------------------- invoices


def next_number(session: Session, prefix: str) -> str:
    """Allocates the next sequence number under the prefix (row-locked on PostgreSQL; SQLite
    transactions are already serial)."""
    return domain.invoice_number(
        prefix, take_numbers(session, InvoiceSequence, "prefix", "last_value", prefix)
    )


def digest(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def invoice_by_key(session: Session, taxpayer_id: str, key: str) -> Invoice | None:
    if not key:
        return None
    return session.scalars(
        select(Invoice).where(Invoice.taxpayer_id == taxpayer_id, Invoice.idempotency_key == key)
    ).first()


def get_invoice(session: Session, taxpayer_id: str, number: str) -> Invoice:
    row = session.scalars(
        select(Invoice).where(Invoice.taxpayer_id == taxpayer_id, Invoice.number == number)
    ).first()
    if row is None:
        raise NotFound(
            f"taxpayer {taxpayer_id} has no invoice {number}",
            message_zh=f"纳税人 {taxpayer_id} 没有发票 {number}",
        )
    return row


def invoices_of(session: Session, taxpayer_id: str) -> Sequence[Invoice]:
    return session.scalars(
        select(Invoice).where(Invoice.taxpayer_id == taxpayer_id).order_by(Invoice.id)
    ).all()


def red_letters_of(session: Session, taxpayer_id: str, blue_number: str) -> Sequence[Invoice]:
    return session.scalars(
        select(Invoice)
        .where(Invoice.taxpayer_id == taxpayer_id, Invoice.reverses == blue_number)
        .order_by(Invoice.id)
    ).all()


def unreversed_blue_invoices(session: Session, taxpayer_id: str) -> Sequence[Invoice]:
    """Blue invoices not yet fully reversed (some may be partly reversed)."""
    return session.scalars(
        select(Invoice)
        .where(
            Invoice.taxpayer_id == taxpayer_id,
            Invoice.reverses.is_(None),
            Invoice.reversed_by.is_(None),
        )
        .order_by(Invoice.id)
    ).all()


def line_dict(line: Line) -> dict[str, str]:
    item = {
        "description": line.description,
        "quantity": format(line.quantity, "f"),
        "unit_price": format(line.unit_price, "f"),
        "amount": format(line.amount, "f"),
        "tax_rate": format(line.tax_rate, "f"),
        "tax": format(line.tax, "f"),
    }
    if line.vat_exempt:
        item["vat_exempt"] = "1"
    if line.reverses_line:
        item["reverses_line"] = str(line.reverses_line)
    return item


def parse_lines(items: Sequence[dict[str, str]]) -> tuple[Line, ...]:
    return tuple(
        Line(
            item["description"],
            Decimal(item["quantity"]),
            Decimal(item["unit_price"]),
            Decimal(item["amount"]),
            Decimal(item["tax_rate"]),
            Decimal(item["tax"]),
            item.get("vat_exempt") == "1",
            int(item.get("reverses_line", "0")),
        )
        for item in items
    )


def lines_of(row: Invoice | RedLetterForm) -> tuple[Line, ...]:
    return parse_lines(row.lines)


def add_invoice(
    session: Session,
    *,
    number: str,
    taxpayer_id: str,
    kind: InvoiceKind,
    buyer_name: str,
    buyer_taxpayer_id: str,
    lines: Sequence[Line],
    issued_at: datetime,
    issued_by: str,
    rules: Sequence[Rule],
    reverses: str | None = None,
    reason: str = "",
    idempotency_key: str = "",
    request_digest: str = "",
    confirmation_number: str | None = None,
) -> Invoice:
    total = domain.totals(lines)
    row = Invoice(
        number=number,
        taxpayer_id=taxpayer_id,
        kind=kind.value,
        buyer_name=buyer_name,
        buyer_taxpayer_id=buyer_taxpayer_id,
        lines=[line_dict(line) for line in lines],
        total_amount=format(total.amount, "f"),
        total_tax=format(total.tax, "f"),
        total_with_tax=format(total.with_tax, "f"),
        issued_at=issued_at,
        month=issued_at.strftime("%Y-%m"),
        issued_by=issued_by,
        reverses=reverses,
        reason=reason,
        idempotency_key=idempotency_key or None,
        request_digest=request_digest,
        rules=[rule.name for rule in rules],
        confirmation_number=confirmation_number,
    )
    session.add(row)
    session.flush()
    return row


# --------------------------------------------------------------------------- confirmation forms


def get_form(
    session: Session, taxpayer_id: str, number: str, *, for_update: bool = False
) -> RedLetterForm:
    statement = select(RedLetterForm).where(
        RedLetterForm.taxpayer_id == taxpayer_id, RedLetterForm.number == number
    )
    if for_update:
        statement = statement.with_for_update()
    row = session.scalars(statement).first()
    if row is None:
        raise NotFound(
            f"taxpayer {taxpayer_id} has no red-letter confirmation form {number}",
            message_zh=f"纳税人 {taxpayer_id} 没有红字发票信息确认单 {number}",
        )
    return row


def form_by_key(session: Session, taxpayer_id: str, key: str) -> RedLetterForm | None:
    if not key:
        return None
    return session.scalars(
        select(RedLetterForm).where(
            RedLetterForm.taxpayer_id == taxpayer_id, RedLetterForm.idempotency_key == key
        )
    ).first()


def forms_of_blue(session: Session, taxpayer_id: str, blue_number: str) -> Sequence[RedLetterForm]:
    return session.scalars(
        select(RedLetterForm)
        .where(RedLetterForm.taxpayer_id == taxpayer_id, RedLetterForm.blue_number == blue_number)
        .order_by(RedLetterForm.id)
    ).all()


def forms_of(session: Session, taxpayer_id: str) -> Sequence[RedLetterForm]:
    return session.scalars(
        select(RedLetterForm)
        .where(RedLetterForm.taxpayer_id == taxpayer_id)
        .order_by(RedLetterForm.id)
    ).all()


def add_form(
    session: Session,
    *,
    number: str,
    blue: Invoice,
    requested_by: str,
    requested_by_subject: str,
    requested_at: datetime,
    lines: Sequence[Line],
    reason: str,
    idempotency_key: str = "",
    request_digest: str = "",
) -> RedLetterForm:
    total = domain.totals(lines)
    row = RedLetterForm(
        number=number,
        taxpayer_id=blue.taxpayer_id,
        buyer_taxpayer_id=blue.buyer_taxpayer_id,
        blue_number=blue.number,
        requested_by=requested_by,
        requested_by_subject=requested_by_subject,
        requested_at=requested_at,
        state="pending",
        lines=[line_dict(line) for line in lines],
        total_amount=format(total.amount, "f"),
        total_tax=format(total.tax, "f"),
        total_with_tax=format(total.with_tax, "f"),
        reason=reason,
        idempotency_key=idempotency_key or None,
        request_digest=request_digest,
    )
    session.add(row)
    session.flush()
    return row
