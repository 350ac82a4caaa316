"""The invoice service's own database: taxpayers, invoices, the invoice-number sequences, the
credit-line history, red-letter confirmation forms, desk tasks, outbox and inbox.

Money is stored as decimal text (exact on SQLite and PostgreSQL alike) and converted to Decimal
in store.py; invoice and form numbers are unique by constraint. A blue invoice may have several
red-letter invoices (``reverses`` names the blue one); that together they stay within it is
checked under the taxpayer's row lock, which every invoicing transaction takes first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from onestop_common.db import UtcDateTime
from onestop_common.participant import participant_tables
from onestop_common.sealed_fields import DataKeyMixin, SealedText


class Base(DeclarativeBase):
    pass


Outbox, Inbox, Task = participant_tables(Base)


class DataKey(DataKeyMixin, Base):
    """The keys that seal personal data at rest (onestop_common.sealed_fields)."""


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
    # Real-name information (实名信息): ID numbers and phones sealed at rest, shown masked.
    legal_rep_name: Mapped[str] = mapped_column(String(100))
    legal_rep_id_type: Mapped[str] = mapped_column(String(40))
    legal_rep_id_number: Mapped[str] = mapped_column(SealedText())
    legal_rep_phone: Mapped[str] = mapped_column(SealedText(), default="")
    finance_name: Mapped[str] = mapped_column(String(100))
    finance_id_type: Mapped[str] = mapped_column(String(40))
    finance_id_number: Mapped[str] = mapped_column(SealedText())
    finance_phone: Mapped[str] = mapped_column(SealedText(), default="")
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
    # Confirmation forms the cancellation requested for invoices the buyer had booked.
    cancellation_forms: Mapped[list[str]] = mapped_column(JSON, default=list)


class Invoice(Base):
    """A digital e-invoice (数电票), blue or red-letter."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("number", name="uq_invoices_number"),
        UniqueConstraint("taxpayer_id", "idempotency_key", name="uq_invoices_idempotency"),
        Index("ix_invoices_taxpayer_month", "taxpayer_id", "month"),
        Index("ix_invoices_reverses", "reverses"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    number: Mapped[str] = mapped_column(String(20))
    taxpayer_id: Mapped[str] = mapped_column(ForeignKey("taxpayers.taxpayer_id"))
    kind: Mapped[str] = mapped_column(String(40))
    buyer_name: Mapped[str] = mapped_column(String(200))
    buyer_taxpayer_id: Mapped[str] = mapped_column(String(20), default="")
    # [{description, quantity, unit_price, amount, tax_rate, tax}] as decimal text, plus
    # vat_exempt ("1") on exempt lines and reverses_line (the blue line's number) on red ones.
    lines: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    total_amount: Mapped[str] = mapped_column(String(MONEY))
    total_tax: Mapped[str] = mapped_column(String(MONEY))
    total_with_tax: Mapped[str] = mapped_column(String(MONEY))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # "YYYY-MM" in Asia/Shanghai: the quota month.
    month: Mapped[str] = mapped_column(String(7))
    issued_by: Mapped[str] = mapped_column(String(120))
    # On a red-letter invoice: the blue invoice it (partly) reverses.
    reverses: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # On a blue invoice: the red-letter invoice that reversed what was left of it (set once it
    # is fully reversed; partial red-letter invoices are found by ``reverses``).
    reversed_by: Mapped[str | None] = mapped_column(String(20), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    # When the buyer booked the blue invoice (用途确认 / 入账确认), and who recorded it: from
    # then on a red-letter invoice needs a confirmed form.
    booked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    booked_by: Mapped[str] = mapped_column(String(120), default="")
    # On a red-letter invoice issued by confirming a form: the form's number.
    confirmation_number: Mapped[str | None] = mapped_column(String(20), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    request_digest: Mapped[str] = mapped_column(String(64), default="")
    rules: Mapped[list[str]] = mapped_column(JSON, default=list)


class InvoiceSequence(Base):
    """The last sequence number used under one 5-digit prefix (year + province + channel)."""

    __tablename__ = "invoice_sequences"

    prefix: Mapped[str] = mapped_column(String(5), primary_key=True)
    last_value: Mapped[int] = mapped_column(BigInteger)


class CreditLineChange(Base):
    """One change of a taxpayer's credit line (授信额度): granted with the package, or adjusted
    by tax staff. Append-only: the history of who changed it, when, from what to what, why."""

    __tablename__ = "credit_line_changes"
    __table_args__ = (
        UniqueConstraint("taxpayer_id", "idempotency_key", name="uq_credit_line_changes_key"),
        Index("ix_credit_line_changes_taxpayer", "taxpayer_id", "id"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    taxpayer_id: Mapped[str] = mapped_column(ForeignKey("taxpayers.taxpayer_id"))
    # "granted" (with the package) or "adjusted" (by tax staff).
    kind: Mapped[str] = mapped_column(String(20))
    # "" when granted: there was no line before.
    old_value: Mapped[str] = mapped_column(String(MONEY), default="")
    new_value: Mapped[str] = mapped_column(String(MONEY))
    changed_by: Mapped[str] = mapped_column(String(120))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reason: Mapped[str] = mapped_column(Text, default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    request_digest: Mapped[str] = mapped_column(String(64), default="")


class RedLetterForm(Base):
    """A red-letter confirmation form (红字发票信息确认单) for a blue invoice the buyer has booked:
    requested by one party, confirmed (which issues the red-letter invoice), declined or
    withdrawn by the parties, or lapsed after the confirmation period."""

    __tablename__ = "red_letter_forms"
    __table_args__ = (
        UniqueConstraint("number", name="uq_red_letter_forms_number"),
        UniqueConstraint("taxpayer_id", "idempotency_key", name="uq_red_letter_forms_key"),
        Index("ix_red_letter_forms_blue", "taxpayer_id", "blue_number"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    number: Mapped[str] = mapped_column(String(20))
    # The seller: whose invoice it is and who issues the red-letter invoice.
    taxpayer_id: Mapped[str] = mapped_column(ForeignKey("taxpayers.taxpayer_id"))
    buyer_taxpayer_id: Mapped[str] = mapped_column(String(20))
    blue_number: Mapped[str] = mapped_column(String(20))
    # "seller" or "buyer", and the subject who acted for it.
    requested_by: Mapped[str] = mapped_column(String(10))
    requested_by_subject: Mapped[str] = mapped_column(String(120))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # pending, confirmed, declined, withdrawn (expired is read from requested_at, not stored).
    state: Mapped[str] = mapped_column(String(20))
    # The red-letter lines the form reserves, as on Invoice.lines.
    lines: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    total_amount: Mapped[str] = mapped_column(String(MONEY))
    total_tax: Mapped[str] = mapped_column(String(MONEY))
    total_with_tax: Mapped[str] = mapped_column(String(MONEY))
    reason: Mapped[str] = mapped_column(Text, default="")
    answered_by: Mapped[str] = mapped_column(String(10), default="")
    answered_by_subject: Mapped[str] = mapped_column(String(120), default="")
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    answer_reason: Mapped[str] = mapped_column(Text, default="")
    red_number: Mapped[str | None] = mapped_column(String(20), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    request_digest: Mapped[str] = mapped_column(String(64), default="")
