"""The audit trail (过程留痕): every transition of a case appended with a hash of the entry and of
the entry before it, so changing, inserting or deleting a row breaks the chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchestrator.models import AuditEntry, Saga

GENESIS = "0" * 64


def _digest(entry: AuditEntry) -> str:
    payload = {
        "saga_id": entry.saga_id,
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "step": entry.step,
        "from": entry.from_state,
        "to": entry.to_state,
        "detail": entry.detail,
        "prev": entry.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def append(
    session: Session,
    saga: Saga,
    *,
    at: datetime,
    actor: str,
    action: str,
    step: str = "",
    from_state: str = "",
    to_state: str = "",
    detail: dict[str, Any] | str = "",
) -> AuditEntry:
    """Appends one entry. The case row is locked by the caller and carries the chain's head
    (last sequence number and hash), so appending needs no query and cannot race."""
    text = (
        detail
        if isinstance(detail, str)
        else json.dumps(detail, ensure_ascii=False, sort_keys=True)
    )
    entry = AuditEntry(
        saga_id=saga.id,
        seq=saga.audit_seq + 1,
        at=at,
        actor=actor,
        action=action,
        step=step,
        from_state=from_state,
        to_state=to_state,
        detail=text,
        prev_hash=saga.audit_hash or GENESIS,
    )
    entry.hash = _digest(entry)
    saga.audit_seq = entry.seq
    saga.audit_hash = entry.hash
    session.add(entry)
    return entry


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str


def verify(session: Session, saga_id: str) -> tuple[int, list[ChainProblem]]:
    """Re-computes the chain; returns the number of entries and every break found."""
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.saga_id == saga_id).order_by(AuditEntry.seq)
    ).all()
    problems: list[ChainProblem] = []
    expected_prev = GENESIS
    for index, entry in enumerate(entries, start=1):
        if entry.seq != index:
            problems.append(ChainProblem(entry.seq, f"sequence gap: expected {index}"))
        if entry.prev_hash != expected_prev:
            problems.append(ChainProblem(entry.seq, "link to the previous entry is broken"))
        if _digest(entry) != entry.hash:
            problems.append(ChainProblem(entry.seq, "entry content does not match its hash"))
        expected_prev = entry.hash
    return len(entries), problems


def entries_after(session: Session, saga_id: str, seq: int) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.saga_id == saga_id, AuditEntry.seq > seq)
            .order_by(AuditEntry.seq)
        ).all()
    )
