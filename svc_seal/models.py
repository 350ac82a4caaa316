"""The seal service's own database: seal orders, seals (with their encrypted keys, certificates
and police filings), the serial counters behind seal codes, the seal CA's CRLs, the authorised
users and the seal usage register, outbox and inbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from onestop_common.db import UtcDateTime
from onestop_common.outbox import BigId
from onestop_common.participant import participant_tables
from onestop_common.sealed_fields import DataKeyMixin


class Base(DeclarativeBase):
    pass


Outbox, Inbox, Task = participant_tables(Base)


class DataKey(DataKeyMixin, Base):
    """The keys that seal personal data at rest (onestop_common.sealed_fields)."""


class SealOrder(Base):
    """One case's seal set, ordered from one seal maker."""

    __tablename__ = "seal_orders"
    __table_args__ = (Index("ix_seal_orders_case", "case_id"), Index("ix_seal_orders_uscc", "uscc"))

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(40))
    # The entrepreneur who owns the case (CommandContext.applicant_id): may sign with the seals.
    applicant_id: Mapped[str] = mapped_column(String(120))
    uscc: Mapped[str] = mapped_column(String(18))
    company_name: Mapped[str] = mapped_column(String(200))
    legal_representative_name: Mapped[str] = mapped_column(String(100))
    division_code: Mapped[str] = mapped_column(String(6))
    seal_maker_id: Mapped[str] = mapped_column(String(3))
    # ordered → done | rejected | revoked | withdrawn
    state: Mapped[str] = mapped_column(String(20))
    task_id: Mapped[str] = mapped_column(String(40), default="")
    idempotency_key: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")


class SealRecord(Base):
    """One seal: what is engraved on it, and for an electronic seal its key and certificate."""

    __tablename__ = "seals"
    __table_args__ = (
        Index("ix_seals_order", "order_id"),
        Index("ix_seals_case", "case_id"),
        Index("ix_seals_uscc", "uscc"),
    )

    seal_code: Mapped[str] = mapped_column(String(13), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("seal_orders.id"))
    case_id: Mapped[str] = mapped_column(String(40))
    uscc: Mapped[str] = mapped_column(String(18))
    kind: Mapped[str] = mapped_column(String(20))
    physical: Mapped[bool] = mapped_column(Boolean)
    electronic: Mapped[bool] = mapped_column(Boolean)
    width_mm: Mapped[float] = mapped_column(Numeric(5, 1, asdecimal=False))
    height_mm: Mapped[float] = mapped_column(Numeric(5, 1, asdecimal=False))
    text: Mapped[str] = mapped_column(Text)
    # ordered → engraved → active → revoked; ordered | engraved → cancelled
    state: Mapped[str] = mapped_column(String(20))
    impression_pdf: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    engraved_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # Electronic seals: PKCS#8 PEM encrypted with the KEK; it never leaves this service.
    key_algorithm: Mapped[str] = mapped_column(String(20), default="")
    private_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    certificate_pem: Mapped[str] = mapped_column(Text, default="")
    certificate_serial: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    not_before: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    not_after: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # Police filing (公安备案).
    filing_number: Mapped[str | None] = mapped_column(String(40), unique=True, nullable=True)
    filed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    filing_cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # Business time of the revocation, and the wall-clock time written into the CRL.
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    crl_revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    revocation_reason: Mapped[str] = mapped_column(Text, default="")


class SerialCounter(Base):
    """The last serial used per seal-code prefix (4 area digits + 3 seal-maker digits)."""

    __tablename__ = "seal_serials"

    prefix: Mapped[str] = mapped_column(String(7), primary_key=True)
    last_serial: Mapped[int] = mapped_column(Integer)


class IssuedCrl(Base):
    """Every CRL the seal CA issued; the highest number is the current one."""

    __tablename__ = "seal_crls"

    crl_number: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    this_update: Mapped[datetime] = mapped_column(UtcDateTime())
    next_update: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_count: Mapped[int] = mapped_column(Integer)
    der: Mapped[bytes] = mapped_column(LargeBinary)


class AuthorisedSigner(Base):
    """An entrepreneur the owner allowed to sign with some of the company's electronic seals
    (被授权用印人): one row per company and subject, re-granting replaces it."""

    __tablename__ = "seal_signers"
    __table_args__ = (UniqueConstraint("uscc", "subject", name="uq_seal_signers_uscc_subject"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(String(18))
    subject: Mapped[str] = mapped_column(String(120))
    # Seal kind values ("official", "finance", ...) in the usual order.
    kinds: Mapped[list[str]] = mapped_column(JSON)
    # None: until revoked.
    valid_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    granted_by: Mapped[str] = mapped_column(String(120))
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    revoked_by: Mapped[str] = mapped_column(String(120), default="")
    revoke_reason: Mapped[str] = mapped_column(Text, default="")


class SealUsageRecord(Base):
    """The seal usage register (用印登记): one row per PDF sealed, written after the signature
    succeeded; the hashes tie the entry to the document before and after."""

    __tablename__ = "seal_usages"
    __table_args__ = (Index("ix_seal_usages_uscc", "uscc", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    seal_code: Mapped[str] = mapped_column(ForeignKey("seals.seal_code"))
    uscc: Mapped[str] = mapped_column(String(18))
    kind: Mapped[str] = mapped_column(String(20))
    signer: Mapped[str] = mapped_column(String(120))
    # owner | authorised_user | administrator
    capacity: Mapped[str] = mapped_column(String(20))
    certificate_serial: Mapped[str] = mapped_column(String(64))
    input_sha256: Mapped[str] = mapped_column(String(64))
    signed_sha256: Mapped[str] = mapped_column(String(64))
    field_name: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column(UtcDateTime())
