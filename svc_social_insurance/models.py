"""The social insurance service's own database: employer registrations, enrolments, outbox, inbox
and the clerk's tasks.

A person may be actively enrolled with one employer only: a partial unique index on the ID number
(its blind index: the number itself is sealed at rest) over enrolments that are ``pending``
(reserved while the clerk decides) or ``active`` enforces it in the database, so two cases racing
for the same person cannot both win.

Amounts are stored as decimal strings ("8000.00"): exact on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from onestop_common.db import UtcDateTime
from onestop_common.participant import participant_tables
from onestop_common.sealed_fields import (
    BlindIndex,
    DataKeyMixin,
    SealedBytes,
    SealedText,
    index_follows,
)
from onestop_common.serials import CounterMixin

# Employer states.
PENDING, REGISTERED, REJECTED, CANCELLED = "pending", "registered", "rejected", "cancelled"
# Enrolment states (pending and active hold the person).
ACTIVE = "active"
HOLDING = (PENDING, ACTIVE)
_HOLDING_SQL = text("state IN ('pending', 'active')")
_LIVE_EMPLOYER_SQL = text("state IN ('pending', 'registered')")


class Base(DeclarativeBase):
    pass


Outbox, Inbox, Task = participant_tables(Base)


class DataKey(DataKeyMixin, Base):
    """The keys that seal personal data at rest (onestop_common.sealed_fields)."""


class Counter(CounterMixin, Base):
    """Serial numbers (registration numbers), one row per series, bumped under a row lock."""


class Employer(Base):
    __tablename__ = "employers"
    __table_args__ = (
        # One live registration per company.
        Index(
            "uq_employers_live_uscc",
            "uscc",
            unique=True,
            sqlite_where=_LIVE_EMPLOYER_SQL,
            postgresql_where=_LIVE_EMPLOYER_SQL,
        ),
        Index("ix_employers_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    registration_number: Mapped[str] = mapped_column(String(20), unique=True)
    case_id: Mapped[str] = mapped_column(String(40))
    applicant_id: Mapped[str] = mapped_column(String(120), default="")
    uscc: Mapped[str] = mapped_column(String(18))
    company_name: Mapped[str] = mapped_column(String(200))
    division_code: Mapped[str] = mapped_column(String(6), default="")
    agency: Mapped[str] = mapped_column(String(200), default="")
    work_injury_risk_class: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default=PENDING)
    rate_table_version: Mapped[str] = mapped_column(String(60))
    rate_table_note: Mapped[str] = mapped_column(Text, default="")
    employer_total: Mapped[str] = mapped_column(String(24))
    employee_total: Mapped[str] = mapped_column(String(24))
    review_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    registered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    decided_by: Mapped[str] = mapped_column(String(120), default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    # The saga command, kept so the clerk's decision can answer it later; sealed, as it carries
    # the form.
    context: Mapped[bytes] = mapped_column(SealedBytes(), default=b"")

    enrolments: Mapped[list[Enrolment]] = relationship(
        back_populates="employer", order_by="Enrolment.position"
    )


class Enrolment(Base):
    __tablename__ = "enrolments"
    __table_args__ = (
        Index(
            "uq_enrolments_person_holding",
            "id_number_index",
            unique=True,
            sqlite_where=_HOLDING_SQL,
            postgresql_where=_HOLDING_SQL,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    id_type: Mapped[str] = mapped_column(String(40))
    # The citizen ID number is the social-security number.
    id_number: Mapped[str] = mapped_column(SealedText())
    id_number_index: Mapped[str] = mapped_column(BlindIndex())
    hire_date: Mapped[date] = mapped_column(Date)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    monthly_wage: Mapped[str] = mapped_column(String(24))
    contribution_base: Mapped[str] = mapped_column(String(24))
    base_adjusted: Mapped[bool] = mapped_column(default=False)
    late_enrolment: Mapped[bool] = mapped_column(default=False)
    # [{insurance, employer_rate, employee_rate, employer_amount, employee_amount, verified}],
    # decimals as strings.
    contributions: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    employer_total: Mapped[str] = mapped_column(String(24))
    employee_total: Mapped[str] = mapped_column(String(24))
    state: Mapped[str] = mapped_column(String(20), default=PENDING)

    employer: Mapped[Employer] = relationship(back_populates="enrolments")


index_follows(Enrolment.id_number, "id_number_index")
