"""The saga store: cases, their steps, durable timers, the hash-chained audit trail, and the
orchestrator's outbox and inbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from onestop_common.db import UtcDateTime
from onestop_common.outbox import BigId, InboxMixin, OutboxMixin, utcnow
from onestop_common.sealed_fields import DataKeyMixin, SealedBytes

TS = UtcDateTime()


class Base(DeclarativeBase):
    pass


class Saga(Base):
    __tablename__ = "sagas"
    __table_args__ = (
        UniqueConstraint("applicant_id", "idempotency_key", name="uq_saga_idempotency"),
        Index("ix_sagas_state", "state"),
        Index("ix_sagas_applicant", "applicant_id", "submitted_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    definition: Mapped[str] = mapped_column(String(60))
    # The version of the definition the case started on, and finishes on.
    definition_version: Mapped[int] = mapped_column(Integer, default=1)
    applicant_id: Mapped[str] = mapped_column(String(120))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20))
    # Optimistic concurrency: every change bumps it; a stale writer retries.
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    # The application form (protobuf bytes), sealed at rest: it names people by ID number and
    # phone (onestop_common.sealed_fields).
    form: Mapped[bytes] = mapped_column(SealedBytes())
    # A correction waiting for a change registration (变更登记) of a step's record: it becomes
    # ``form`` when the change is granted and is dropped when it is refused.
    pending_form: Mapped[bytes | None] = mapped_column(SealedBytes(), nullable=True)
    company_name: Mapped[str] = mapped_column(String(200), default="")
    uscc: Mapped[str] = mapped_column(String(18), default="")
    submitted_at: Mapped[datetime] = mapped_column(TS)
    due_at: Mapped[datetime | None] = mapped_column(TS, nullable=True)
    warn_at: Mapped[datetime | None] = mapped_column(TS, nullable=True)
    warned: Mapped[bool] = mapped_column(Boolean, default=False)
    breached: Mapped[bool] = mapped_column(Boolean, default=False)
    finished_at: Mapped[datetime | None] = mapped_column(TS, nullable=True)
    failure_reason: Mapped[str] = mapped_column(Text, default="")
    # Serialized onestop.common.v1.Rejections.
    rejections: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    compensation_reason: Mapped[str] = mapped_column(String(60), default="")
    commitment_state: Mapped[str] = mapped_column(String(20), default="none")
    commitment_due_at: Mapped[datetime | None] = mapped_column(TS, nullable=True)
    # Materials: {"outstanding": [code...], "supplied": [code...]}.
    commitment_materials: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    # Deferred: loaded only when asked for, not with every change to the case.
    bundle: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    bundle_sha256: Mapped[str] = mapped_column(String(64), default="")

    updated_at: Mapped[datetime] = mapped_column(TS, default=utcnow)
    # Head of the audit chain: the last entry's sequence number and hash.
    audit_seq: Mapped[int] = mapped_column(Integer, default=0)
    audit_hash: Mapped[str] = mapped_column(String(64), default="")

    steps: Mapped[list[SagaStep]] = relationship(
        back_populates="saga", order_by="SagaStep.position", lazy="selectin"
    )
    # The application PDF the persons the form names sign, with their signatures so far; None
    # when the platform asked for none.
    application_pdf: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    # While the case awaits signatures: unsigned by then, it ends.
    signatures_due_at: Mapped[datetime | None] = mapped_column(TS, nullable=True)
    signatures: Mapped[list[PersonSignature]] = relationship(
        order_by="PersonSignature.position", lazy="selectin"
    )


class PersonSignature(Base):
    """One natural person the case's form names, and their confirmation of it."""

    __tablename__ = "person_signatures"
    __table_args__ = (Index("ix_person_signatures_person", "person_digest", "state"),)

    saga_id: Mapped[str] = mapped_column(ForeignKey("sagas.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    masked_id_number: Mapped[str] = mapped_column(String(32))
    # orchestrator.signatures.person_digest of the ID number: how the person is found.
    person_digest: Mapped[str] = mapped_column(String(64))
    roles: Mapped[list[str]] = mapped_column(JSON)
    # "waiting", "signed", "declined".
    state: Mapped[str] = mapped_column(String(20))
    signed_at: Mapped[datetime | None] = mapped_column(TS, nullable=True)
    certificate_serial: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(Text, default="")


class SagaStep(Base):
    __tablename__ = "saga_steps"

    saga_id: Mapped[str] = mapped_column(ForeignKey("sagas.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    compensation_attempts: Mapped[int] = mapped_column(Integer, default=0)
    # A compensation round gets its own idempotency key: a step that completes after it was
    # compensated (a late result) is compensated again in a new round.
    compensation_round: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped whenever the step's clock changes (dispatch, pause, resume, finish) so that
    # timers scheduled for an older clock are recognised as stale when they fire.
    clock_generation: Mapped[int] = mapped_column(Integer, default=0)
    # Every send of the step's action or compensation command is numbered; a timer scheduled
    # for send N re-sends it if no answer came since (unanswered: sends since the last answer).
    send_seq: Mapped[int] = mapped_column(Integer, default=0)
    unanswered: Mapped[int] = mapped_column(Integer, default=0)
    # Times the step's action was sent again after the applicant corrected what it refused;
    # each such run has its own idempotency key (the participant must act on the new data).
    corrections: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(TS, nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(TS, nullable=True)
    warn_at: Mapped[datetime | None] = mapped_column(TS, nullable=True)
    paused_at: Mapped[datetime | None] = mapped_column(TS, nullable=True)
    warned: Mapped[bool] = mapped_column(Boolean, default=False)
    breached: Mapped[bool] = mapped_column(Boolean, default=False)
    finished_at: Mapped[datetime | None] = mapped_column(TS, nullable=True)
    # Decimal string ("1.5"): exact on every database.
    limit_workdays: Mapped[str] = mapped_column(String(10))
    actor: Mapped[str] = mapped_column(String(40), default="")
    task_id: Mapped[str] = mapped_column(String(80), default="")
    result_type: Mapped[str] = mapped_column(String(200), default="")
    # Sealed at rest: the bank's result carries the account number.
    result: Mapped[bytes] = mapped_column(SealedBytes(), default=b"")
    rejections: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    summary: Mapped[str] = mapped_column(Text, default="")

    saga: Mapped[Saga] = relationship(back_populates="steps")


class Timer(Base):
    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_due", "fired_at", "due_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    saga_id: Mapped[str] = mapped_column(ForeignKey("sagas.id"), index=True)
    step: Mapped[str] = mapped_column(String(40), default="")
    kind: Mapped[str] = mapped_column(String(30))
    # Business time (Asia/Shanghai) at which the timer fires.
    due_at: Mapped[datetime] = mapped_column(TS)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(40), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(TS, nullable=True)
    fired_at: Mapped[datetime | None] = mapped_column(TS, nullable=True)
    outcome: Mapped[str] = mapped_column(String(40), default="")


class AuditEntry(Base):
    """过程留痕: one row per transition, chained by hash so an edited row is detected."""

    __tablename__ = "audit_trail"
    __table_args__ = (UniqueConstraint("saga_id", "seq", name="uq_audit_seq"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    saga_id: Mapped[str] = mapped_column(String(40), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(TS)
    recorded_at: Mapped[datetime] = mapped_column(TS, default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60))
    step: Mapped[str] = mapped_column(String(40), default="")
    from_state: Mapped[str] = mapped_column(String(30), default="")
    to_state: Mapped[str] = mapped_column(String(30), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class CalendarImport(Base):
    """An operator's import of a year's official holiday schedule. Append-only and hash-chained
    (each row's hash covers the previous one), so the calendar's history is tamper-evident; the
    latest import of a year is the schedule in force."""

    __tablename__ = "calendar_imports"
    __table_args__ = (Index("ix_calendar_imports_year", "year"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer)
    # The canonical schedule (calendar_schedule.YearSchedule.to_json) and its SHA-256.
    schedule: Mapped[dict[str, object]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    notice_number: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(TS, default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(120))
    # Days where it disagrees with the installed library, as reported at import.
    differences: Mapped[list[object]] = mapped_column(JSON, default=list)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Outbox(OutboxMixin, Base):
    pass


class DataKey(DataKeyMixin, Base):
    """The keys that seal forms and results at rest (onestop_common.sealed_fields)."""


class Inbox(InboxMixin, Base):
    pass
