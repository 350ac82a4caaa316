"""Transactional outbox and idempotency inbox, shared by the orchestrator and every service.

A state change and the messages it causes are written in ONE database transaction (outbox rows).
A relay then claims unpublished rows, publishes them with publisher confirms and marks them sent;
a crash between publish and mark only republishes (consumers are idempotent), it never loses.
The inbox keeps the result of every command handled under its idempotency key, so a duplicate
command gets the stored result instead of a second effect.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Integer,
    String,
    and_,
    delete,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from onestop_common.db import UtcDateTime, transaction
from onestop_common.messaging import Envelope
from onestop_common.sealed_fields import SealedBytes

# SQLite only auto-increments an INTEGER PRIMARY KEY, PostgreSQL wants a BIGINT.
BigId = BigInteger().with_variant(Integer, "sqlite")

CLAIM_SECONDS = 30


def utcnow() -> datetime:
    return datetime.now(UTC)


class OutboxMixin:
    """Columns of a component's outbox table; mix into the component's declarative base."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    exchange: Mapped[str] = mapped_column(String(100))
    routing_key: Mapped[str] = mapped_column(String(200))
    headers: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Sealed at rest (sealed_fields): commands carry the form, results and events an account
    # number; the rows stay after they are published.
    body: Mapped[bytes] = mapped_column(SealedBytes())
    claimed_by: Mapped[str | None] = mapped_column(String(40), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True, index=True)


class InboxMixin:
    """One row per handled command: its idempotency key and the result it produced."""

    __tablename__ = "inbox"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    handled_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    result_type: Mapped[str] = mapped_column(String(200))
    # Sealed at rest: a result may carry an account number or a person (sealed_fields).
    result: Mapped[bytes] = mapped_column(SealedBytes())


def stage(session: Session, model: type[OutboxMixin], envelope: Envelope) -> None:
    """Adds a message to the current transaction: it is published only if that commits."""
    session.add(
        cast(Any, model)(
            message_id=envelope.message_id,
            exchange=envelope.exchange,
            routing_key=envelope.routing_key,
            headers=dict(envelope.headers),
            body=envelope.body,
        )
    )


def envelope_of(row: OutboxMixin) -> Envelope:
    return Envelope(
        exchange=row.exchange,
        routing_key=row.routing_key,
        body=row.body,
        headers=row.headers,
        message_id=row.message_id,
    )


@dataclass
class OutboxRelay:
    """Moves committed outbox rows to the broker. Safe with several relays on one database."""

    sessions: sessionmaker[Session]
    model: type[OutboxMixin]
    batch_size: int = 200
    relay_id: str = ""

    def __post_init__(self) -> None:
        self.relay_id = self.relay_id or uuid.uuid4().hex

    def relay_once(self, publish: Callable[[Sequence[Envelope]], None]) -> int:
        """Claims a batch, publishes it (``publish`` returns once confirmed), marks it sent.

        If publishing fails the claim is given up at once, so the next attempt (this relay's,
        after reconnecting, or another's) need not wait for it to expire."""
        rows = self._claim()
        if not rows:
            return 0
        ids = [row.id for row in rows]
        try:
            publish([envelope_of(row) for row in rows])
        except BaseException:
            self._release(ids)
            raise
        self._mark_published(ids)
        return len(rows)

    def pending_count(self) -> int:
        with transaction(self.sessions) as session:
            return len(session.scalars(self._unpublished_ids(10_000)).all())

    def purge_published(self, older_than: timedelta) -> int:
        cutoff = utcnow() - older_than
        with transaction(self.sessions) as session:
            result = session.execute(delete(self.model).where(self.model.published_at < cutoff))
            return int(getattr(result, "rowcount", 0) or 0)

    def _unpublished_ids(self, limit: int) -> Any:
        now = utcnow()
        claimable = or_(self.model.claimed_until.is_(None), self.model.claimed_until < now)
        return (
            select(self.model.id)
            .where(and_(self.model.published_at.is_(None), claimable))
            .order_by(self.model.id)
            .limit(limit)
        )

    def _claim(self) -> list[OutboxMixin]:
        now = utcnow()
        model = self.model
        with transaction(self.sessions) as session:
            # SKIP LOCKED (PostgreSQL): relays side by side take different rows instead of
            # queueing on the same first ones. SQLite has one writer anyway and ignores it.
            ids = session.scalars(
                self._unpublished_ids(self.batch_size).with_for_update(skip_locked=True)
            ).all()
            if not ids:
                return []
            # The claim conditions are repeated in the UPDATE itself: PostgreSQL re-checks them
            # on the latest row version, so two relays never claim the same row.
            session.execute(
                update(model)
                .where(
                    model.id.in_(ids),
                    model.published_at.is_(None),
                    or_(model.claimed_until.is_(None), model.claimed_until < now),
                )
                .values(
                    claimed_by=self.relay_id,
                    claimed_until=now + timedelta(seconds=CLAIM_SECONDS),
                )
                .execution_options(synchronize_session=False)
            )
            rows = session.scalars(
                select(model)
                .where(model.id.in_(ids), model.claimed_by == self.relay_id)
                .order_by(model.id)
            ).all()
            return list(rows)

    def _release(self, ids: Iterable[int]) -> None:
        try:
            with transaction(self.sessions) as session:
                session.execute(
                    update(self.model)
                    .where(
                        self.model.id.in_(list(ids)),
                        self.model.claimed_by == self.relay_id,
                        self.model.published_at.is_(None),
                    )
                    .values(claimed_by=None, claimed_until=None)
                    .execution_options(synchronize_session=False)
                )
        except Exception:  # the database may be what failed; the claim then simply expires
            return

    def _mark_published(self, ids: Iterable[int]) -> None:
        with transaction(self.sessions) as session:
            session.execute(
                update(self.model)
                .where(self.model.id.in_(list(ids)))
                .values(published_at=utcnow(), claimed_until=None)
                .execution_options(synchronize_session=False)
            )


def remembered_result(session: Session, model: type[InboxMixin], key: str) -> InboxMixin | None:
    return session.get(model, key)


def remember_result(
    session: Session, model: type[InboxMixin], key: str, result_type: str, result: bytes
) -> None:
    session.add(cast(Any, model)(key=key, result_type=result_type, result=result))
