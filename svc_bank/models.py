"""The bank service's own database: basic deposit accounts, serial counters, outbox, inbox and the
bank clerks' tasks.

One basic deposit account per company (人民币银行结算账户管理办法: 一个单位只能开立一个
基本存款账户): a partial unique index on the USCC over accounts that are ``pending`` (due diligence
passed, the clerk deciding) or ``open`` enforces it in the database. Amounts are decimal
strings, exact on every backend.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from onestop_common.db import UtcDateTime
from onestop_common.participant import participant_tables
from onestop_common.sealed_fields import (
    BlindIndex,
    DataKeyMixin,
    SealedBytes,
    SealedJSON,
    SealedText,
    index_follows,
)
from onestop_common.serials import CounterMixin

PENDING, OPEN, REJECTED, CLOSED, WITHDRAWN = "pending", "open", "rejected", "closed", "withdrawn"
LIVE = (PENDING, OPEN)
_LIVE_SQL = text("state IN ('pending', 'open')")


class Base(DeclarativeBase):
    pass


Outbox, Inbox, Task = participant_tables(Base)


class DataKey(DataKeyMixin, Base):
    """The keys that seal personal data at rest (onestop_common.sealed_fields)."""


class Counter(CounterMixin, Base):
    """Serial numbers (account numbers per bank, filings, notices), bumped under a row lock."""


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        Index(
            "uq_accounts_one_basic_per_company",
            "uscc",
            unique=True,
            sqlite_where=_LIVE_SQL,
            postgresql_where=_LIVE_SQL,
        ),
        Index("ix_accounts_case", "case_id"),
        UniqueConstraint("account_number_index", name="uq_accounts_account_number_index"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(40))
    applicant_id: Mapped[str] = mapped_column(String(120), default="")
    uscc: Mapped[str] = mapped_column(String(18))
    company_name: Mapped[str] = mapped_column(String(200))
    bank_code: Mapped[str] = mapped_column(String(3))
    bank_name: Mapped[str] = mapped_column(String(100))
    branch_name: Mapped[str] = mapped_column(String(200), default="")
    division_code: Mapped[str] = mapped_column(String(6), default="")
    account_type: Mapped[str] = mapped_column(String(20), default="basic")
    state: Mapped[str] = mapped_column(String(20), default=PENDING)
    # Numbers are given when the account opens (automatically or by the clerk). The account
    # number is sealed at rest; its blind index keeps it unique.
    account_number: Mapped[str | None] = mapped_column(SealedText(), nullable=True)
    account_number_index: Mapped[str | None] = mapped_column(BlindIndex(), nullable=True)
    filing_number: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)
    notice_number: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)
    balance: Mapped[str] = mapped_column(String(24), default="0.00")
    opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    filed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    filing_cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # [{check, passed, detail}] and [{name, id_type, id_number, share, by_fallback}] (sealed).
    due_diligence: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    beneficial_owners: Mapped[list[dict[str, object]]] = mapped_column(SealedJSON(), default=list)
    specimen_seal_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    risk_list_version: Mapped[str] = mapped_column(String(60), default="")
    review_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    decided_by: Mapped[str] = mapped_column(String(120), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The saga command, kept for the clerk's decision; sealed, as it carries the form.
    context: Mapped[bytes] = mapped_column(SealedBytes(), default=b"")


index_follows(Account.account_number, "account_number_index")
