"""The invoice service's own database: taxpayers, invoices, the invoice-number sequences, desk
tasks, outbox and inbox.

Money is stored as decimal text (exact on SQLite and PostgreSQL alike) and converted to Decimal
in store.py; an invoice number is unique by constraint, and a red-letter invoice reverses at most
one invoice once (unique ``reverses``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from onestop_common.db import UtcDateTime
from onestop_common.desk import TaskMixin
from onestop_common.outbox import InboxMixin, OutboxMixin


class Base(DeclarativeBase):
    pass


class Outbox(OutboxMixin, Base):
    pass


class Inbox(InboxMixin, Base):
    pass


class Task(TaskMixin, Base):
    pass


MONEY = 32


class Taxpayer(Base):
    """One registered taxpayer (taxpayer ID = USCC) and its new-taxpayer package."""

    __tablename__ = "taxpayers"
    __table_args__ = (Index("ix_taxpayers_case", "case_id"),)

    taxpayer_id: Mapped[str] = mapped_column(String(18), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(40))
    # The entrepreneur who owns the case, and so the company's invoicing.
    applicant_id: Mapped[str] = mapped_column(String(120))
    company_name: Mapped[str] = mapped_column(String(200))
    division_code: Mapped[str] = mapped_column(String(6))
    tax_office: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(20))
    vat_status: Mapped[str] = mapped_column(String(20))
    vat_legal_basis: Mapped[str] = mapped_column(Text)
    # Real-name information (实名信息); ID numbers are shown masked.
    legal_rep_name: Mapped[str] = mapped_column(String(100))
    legal_rep_id_type: Mapped[str] = mapped_column(String(40))
    legal_rep_id_number: Mapped[str] = mapped_column(String(40))
    legal_rep_phone: Mapped[str] = mapped_column(String(40), default="")
    finance_name: Mapped[str] = mapped_column(String(100))
    finance_id_type: Mapped[str] = mapped_column(String(40))
    finance_id_number: Mapped[str] = mapped_column(String(40))
    finance_phone: Mapped[str] = mapped_column(String(40), default="")
    declares_proper_accounts: Mapped[bool] = mapped_column(default=False)
    # What the applicant asked for: kinds, max_amount_per_invoice, monthly_quantity,
    # credit_line, expected_annual_sales, request_general_taxpayer.
    requested: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The approved package (empty until approved).
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_amount_per_invoice: Mapped[str] = mapped_column(String(MONEY), default="")
    monthly_quantity: Mapped[int] = mapped_column(Integer, default=0)
    credit_line: Mapped[str] = mapped_column(String(MONEY), default="")
    decided_by: Mapped[str] = mapped_column(String(120), default="")
    task_id: Mapped[str] = mapped_column(String(40), default="")
    # Names of the rules applied at registration (with their verification, see data/).
    rules: Mapped[list[str]] = mapped_column(JSON, default=list)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    # The red-letter invoices the cancellation issued, and the invoices they reverse.
    cancellation_red_letters: Mapped[list[str]] = mapped_column(JSON, default=list)
    cancellation_originals: Mapped[list[str]] = mapped_column(JSON, default=list)


class Invoice(Base):
    """A digital e-invoice (数电票), blue or red-letter."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("number", name="uq_invoices_number"),
        UniqueConstraint("reverses", name="uq_invoices_reverses"),
        UniqueConstraint("taxpayer_id", "idempotency_key", name="uq_invoices_idempotency"),
        Index("ix_invoices_taxpayer_month", "taxpayer_id", "month"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    number: Mapped[str] = mapped_column(String(20))
    taxpayer_id: Mapped[str] = mapped_column(ForeignKey("taxpayers.taxpayer_id"))
    kind: Mapped[str] = mapped_column(String(40))
    buyer_name: Mapped[str] = mapped_column(String(200))
    buyer_taxpayer_id: Mapped[str] = mapped_column(String(20), default="")
    # [{description, quantity, unit_price, amount, tax_rate, tax}] as decimal text.
    lines: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    total_amount: Mapped[str] = mapped_column(String(MONEY))
    total_tax: Mapped[str] = mapped_column(String(MONEY))
    total_with_tax: Mapped[str] = mapped_column(String(MONEY))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # "YYYY-MM" in Asia/Shanghai: the quota month.
    month: Mapped[str] = mapped_column(String(7))
    issued_by: Mapped[str] = mapped_column(String(120))
    reverses: Mapped[str | None] = mapped_column(String(20), nullable=True)
    reversed_by: Mapped[str | None] = mapped_column(String(20), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    request_digest: Mapped[str] = mapped_column(String(64), default="")
    rules: Mapped[list[str]] = mapped_column(JSON, default=list)


class InvoiceSequence(Base):
    """The last sequence number used under one 5-digit prefix (year + province + channel)."""

    __tablename__ = "invoice_sequences"

    prefix: Mapped[str] = mapped_column(String(5), primary_key=True)
    last_value: Mapped[int] = mapped_column(BigInteger)
