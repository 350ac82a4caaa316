"""The registration service's own database: licenses and their PDFs, the USCC register, name
holds, committed materials, the bad-credit list, automatic decisions, outbox, inbox and desk.

Uniqueness that matters legally is a database constraint, not a check in code: one license per
case, one row per USCC and per organisation code (rows are never deleted, so a retired code is
never issued again), one holder per name key.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, deferred, mapped_column

from onestop_common.db import UtcDateTime
from onestop_common.desk import TaskMixin
from onestop_common.outbox import InboxMixin, OutboxMixin
from onestop_common.sealed_fields import (
    BlindIndex,
    DataKeyMixin,
    SealedBytes,
    SealedText,
    index_follows,
)

_ID = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    pass


class Outbox(OutboxMixin, Base):
    pass


class Inbox(InboxMixin, Base):
    pass


class DataKey(DataKeyMixin, Base):
    """The keys that seal ID numbers and forms at rest (onestop_common.sealed_fields)."""


class Task(TaskMixin, Base):
    # A review task's commitment (告知承诺制): when the applicant made it, i.e. the submission that
    # first carried the agreed commitment. The 60 days run from this day, not from the decision.
    commitment_made_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class UsccRecord(Base):
    """Every USCC ever assigned here; a retired one keeps its row, so it is never reused."""

    __tablename__ = "uscc_register"

    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    org_code: Mapped[str] = mapped_column(String(9), unique=True)
    case_id: Mapped[str] = mapped_column(String(40), index=True)
    state: Mapped[str] = mapped_column(String(20), default="active")  # active | retired
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class License(Base):
    __tablename__ = "licenses"

    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(40), unique=True)
    applicant_id: Mapped[str] = mapped_column(String(120), index=True)
    license_number: Mapped[str] = mapped_column(String(40), unique=True)
    company_name: Mapped[str] = mapped_column(String(200))
    enterprise_type: Mapped[str] = mapped_column(String(40))
    legal_representative: Mapped[str] = mapped_column(String(120))
    legal_rep_id_type: Mapped[str] = mapped_column(String(40))
    legal_rep_id_number: Mapped[str] = mapped_column(SealedText())
    registered_capital: Mapped[str] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    date_of_establishment: Mapped[date] = mapped_column(Date())
    operating_term_years: Mapped[int] = mapped_column(Integer, default=0)
    operating_term: Mapped[str] = mapped_column(String(80))
    domicile: Mapped[str] = mapped_column(Text)
    division_code: Mapped[str] = mapped_column(String(6))
    business_scope: Mapped[str] = mapped_column(Text)
    registration_authority: Mapped[str] = mapped_column(String(120))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    decided_by: Mapped[str] = mapped_column(String(120))
    qr_payload: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="valid")  # valid | revoked
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    revocation_reason: Mapped[str] = mapped_column(Text, default="")
    commitment_state: Mapped[str] = mapped_column(String(20), default="none")
    # When the applicant made the commitment (the day the 60 days run from) and when they end.
    committed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    commitment_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # The ApplicationForm (protobuf bytes, sealed: it names people) the license was granted on.
    form: Mapped[bytes] = deferred(mapped_column(SealedBytes()))
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    # 1 as first issued; a change registration re-issues the license as the next version (the
    # versions before it are in license_changes).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class LicenseChangeRow(Base):
    """One change registration (变更登记) of a license: the items changed, who decided, and the
    version it replaced — its form and signed PDF kept, so every version stays verifiable."""

    __tablename__ = "license_changes"
    __table_args__ = (UniqueConstraint("uscc", "version", name="uq_license_change_version"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    case_id: Mapped[str] = mapped_column(String(40), index=True)
    # The version this change created.
    version: Mapped[int] = mapped_column(Integer)
    changes: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    decided_by: Mapped[str] = mapped_column(String(120))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime())
    task_id: Mapped[str] = mapped_column(String(40), default="")
    previous_form: Mapped[bytes] = deferred(mapped_column(SealedBytes()))
    previous_pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    previous_pdf_sha256: Mapped[str] = mapped_column(String(64))


class NameHold(Base):
    """A name's claim on one key in a registration area (see ``domain.name_hold_keys``).

    reserved (2 months, while the case is decided) → registered → deregistered (held a year
    after revocation); a lapsed or released hold may be taken over by a new case.
    """

    __tablename__ = "name_holds"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(40), index=True)
    applicant_id: Mapped[str] = mapped_column(String(120))
    full_name: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20))
    held_from: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declaration


class CommittedMaterialRow(Base):
    __tablename__ = "committed_materials"
    __table_args__ = (UniqueConstraint("case_id", "code", name="uq_committed_case_code"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(40), index=True)
    uscc: Mapped[str] = mapped_column(String(18), default="")
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    # outstanding | supplied | accepted | refused | overdue | cancelled
    state: Mapped[str] = mapped_column(String(20), default="outstanding")
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    supplied_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    file_name: Mapped[str] = mapped_column(String(200), default="")
    content_type: Mapped[str] = mapped_column(String(100), default="")
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, default=b""))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    decided_by: Mapped[str] = mapped_column(String(120), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    task_id: Mapped[str] = mapped_column(String(40), default="")


class CreditEntryRow(Base):
    """One entry of the bad-credit list (失信名单): a person by ID number, or a platform account.

    The subject is sealed; it is looked up, and kept unique, by its blind index.
    """

    __tablename__ = "credit_entries"
    __table_args__ = (
        UniqueConstraint(
            "subject_kind", "subject_index", "origin", name="uq_credit_subject_origin"
        ),
        Index("ix_credit_subject", "subject_kind", "subject_index"),
    )

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    subject_kind: Mapped[str] = mapped_column(String(20))  # account | id_number
    subject_id: Mapped[str] = mapped_column(SealedText())
    subject_index: Mapped[str] = mapped_column(BlindIndex())
    person_name: Mapped[str] = mapped_column(String(120), default="")
    reason: Mapped[str] = mapped_column(Text)
    # seed | case:<case id> | admin:<subject>
    origin: Mapped[str] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(Text, default="")
    verified: Mapped[str] = mapped_column(String(20), default="")
    listed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    removed_by: Mapped[str] = mapped_column(String(120), default="")
    removal_reason: Mapped[str] = mapped_column(Text, default="")


class AutoDecisionRow(Base):
    """One automatic-approval decision: the rule-set version, the facts it read, the result."""

    __tablename__ = "auto_decisions"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(40), index=True)
    ruleset_version: Mapped[str] = mapped_column(String(60))
    data_version: Mapped[str] = mapped_column(Text)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(Boolean)
    approved: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ReferenceSeed(Base):
    """Which version of a seed file was last applied to its table."""

    __tablename__ = "reference_seeds"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    version: Mapped[str] = mapped_column(String(120))
    applied_at: Mapped[datetime] = mapped_column(UtcDateTime())


index_follows(CreditEntryRow.subject_id, "subject_index")
