"""The portal's own tables: accounts (with their argon2 password hashes, or the real-name
identity they sign in with), saved drafts (sealed at rest, with the keys that seal them) and the
sign-in throttle every replica shares."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from onestop_common.db import UtcDateTime
from onestop_common.sealed_fields import DataKeyMixin, SealedJSON, SealedText

TS = UtcDateTime()


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("username_skeleton", name="uq_users_username_skeleton"),
        UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_users_oidc_identity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    # portal.usernames.skeleton: one account per look-alike family of names.
    username_skeleton: Mapped[str] = mapped_column(String(80))
    # argon2id, encoded with its parameters ("$argon2id$v=19$m=…"); empty for a citizen who
    # signs in through the real-name identity provider only.
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    # A seal maker's id, a bank's code; empty for single-queue authorities and applicants.
    org: Mapped[str] = mapped_column(String(40), default="")
    display_name: Mapped[str] = mapped_column(String(120), default="")
    # Bumped on sign-out and password change: every cookie issued before is void.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # A second factor (portal.totp): the secret, encrypted with a key from the KEK; empty: none.
    totp_secret: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # The time step of the last one-time code accepted: no code counts twice.
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The real-name identity (OpenID Connect) this account is: the provider and its subject;
    # both empty (NULL) for local accounts, which no provider vouches for.
    oidc_issuer: Mapped[str | None] = mapped_column(String(300), nullable=True)
    oidc_subject: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # What the provider verified at the last sign-in: the name and the citizen ID number.
    verified_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    # Sealed at rest like every ID number; accounts are found by the provider's subject.
    person_id: Mapped[str] = mapped_column(SealedText(), default="")
    created_at: Mapped[datetime] = mapped_column(TS)
    last_login_at: Mapped[datetime | None] = mapped_column(TS, nullable=True)


class Draft(Base):
    """A form saved half-way: the fields exactly as typed (strings), resumed later. Sealed at
    rest: they hold ID numbers and phones (onestop_common.sealed_fields)."""

    __tablename__ = "drafts"
    __table_args__ = (Index("ix_drafts_owner", "owner", "updated_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200), default="")
    fields: Mapped[dict[str, str]] = mapped_column(SealedJSON())
    created_at: Mapped[datetime] = mapped_column(TS)
    updated_at: Mapped[datetime] = mapped_column(TS)


class SignInThrottle(Base):
    """Recent sign-in failures under one key (an account from an address, an address, an
    account) and until when sign-in under it waits (see ``portal.throttle``)."""

    __tablename__ = "sign_in_throttle"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(TS)
    blocked_until: Mapped[datetime | None] = mapped_column(TS, nullable=True)


class DataKey(DataKeyMixin, Base):
    """The keys that seal drafts at rest."""
