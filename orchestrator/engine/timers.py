"""Timers: answers overdue, SLA warnings and breaches, retries, the commitment's due time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from orchestrator.engine.core import (
    EngineCore,
    _iso,
    note,
)
from orchestrator.engine.states import (
    ACCEPTED,
    ANSWER_TIMERS,
    AWAITING_ANSWER,
    AWAITING_APPLICANT,
    COMPLETED,
    DISPATCHED,
    RUNNING,
    RUNNING_CLOCK_STATES,
    STEP_COMPENSATING,
    STEP_STUCK,
    STUCK,
    TIMER_CLAIM,
    _Tx,
)
from orchestrator.models import SagaStep, Timer

log = logging.getLogger(__name__)


class TimersMixin(EngineCore):
    """Timers: answers overdue, SLA warnings and breaches, retries, the commitment's due time."""

    def next_timer_due(self) -> datetime | None:
        with self.readers() as session:
            return session.scalars(
                select(Timer.due_at).where(Timer.fired_at.is_(None)).order_by(Timer.due_at).limit(1)
            ).first()

    def fire_due_timers(self, limit: int = 100) -> int:
        """Fires every timer due by now; each fires once even with several replicas."""
        now = self.clock.now()
        with self.readers() as session:
            due = session.execute(
                select(Timer.id, Timer.saga_id)
                .where(
                    Timer.fired_at.is_(None),
                    Timer.due_at <= now,
                    or_(Timer.claimed_until.is_(None), Timer.claimed_until < now),
                )
                .order_by(Timer.due_at)
                .limit(limit)
            ).all()
        fired = 0
        touched: set[str] = set()
        for timer_id, saga_id in due:
            if self._with_retry(partial(self._fire, timer_id=timer_id)):
                fired += 1
                touched.add(saga_id)
        self.on_commit(touched)
        return fired

    def _fire(self, session: Session, timer_id: int) -> set[str]:
        timer = session.get(Timer, timer_id)
        if timer is None:
            return set()
        saga = self._lock(session, timer.saga_id)
        now = self.clock.now()
        # Claim it: the conditions are re-checked on the latest row, so only one replica wins.
        claimed = session.execute(
            update(Timer)
            .where(
                Timer.id == timer_id,
                Timer.fired_at.is_(None),
                or_(Timer.claimed_until.is_(None), Timer.claimed_until < now),
            )
            .values(claimed_by=self.instance_id, claimed_until=now + TIMER_CLAIM)
            .execution_options(synchronize_session=False)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            return set()
        session.refresh(timer)
        tx = self._tx(session, saga, actor="timer")
        timer.fired_at = tx.now
        timer.outcome = self._on_timer(tx, timer)
        self._touch(tx)
        return {saga.id}

    def _on_timer(self, tx: _Tx, timer: Timer) -> str:
        handlers: dict[str, Callable[[_Tx, Timer], str]] = {
            "sla_warning": self._sla_timer,
            "sla_breach": self._sla_timer,
            "case_warning": self._case_sla_timer,
            "case_breach": self._case_sla_timer,
            "retry": self._retry_timer,
            "compensation_retry": self._compensation_retry_timer,
            "commitment_due": self._commitment_timer,
            "answer_due": self._answer_timer,
            "answer_lost": self._answer_timer,
            "signatures_due": lambda tx, _timer: self._signatures_due(tx),
        }
        return handlers[timer.kind](tx, timer)

    def _answer_timer(self, tx: _Tx, timer: Timer) -> str:
        """No answer to a command in time: send it again (same key), escalating once the policy's
        sends are used up; the re-sends go on, so the case moves as soon as the cause is fixed."""
        row = tx.step(timer.step)
        if row.unanswered == 0 or row.send_seq != timer.generation:
            return "stale"
        step_def = tx.definition.get(row.name)
        policy = self.answer_policy(step_def)
        reason = ANSWER_TIMERS[timer.kind]
        # A task was opened, but the decision's result was lost: ask again for the final answer.
        lost_decision = timer.kind == "answer_lost" and row.state == ACCEPTED
        if tx.saga.state == RUNNING and (row.state in AWAITING_ANSWER or lost_decision):
            if row.unanswered >= policy.sends_before_stuck and row.state != STEP_STUCK:
                detail = {"unanswered_sends": row.unanswered, "why": reason}
                self._set_step(tx, row, STEP_STUCK, "stuck", detail)
                self._emit_case_event(tx, "stuck", f"step {row.name}: {reason}")
            self._send_action(tx, step_def, row)
            self._note_resend(tx, row, reason)
            return "resent"
        if row.state == STEP_COMPENSATING and step_def.compensation:
            if row.unanswered >= policy.sends_before_stuck and tx.saga.state != STUCK:
                self._set_case(
                    tx,
                    STUCK,
                    "escalated",
                    {"step": row.name, "unanswered_sends": row.unanswered, "why": reason},
                )
                self._emit_case_event(tx, "stuck", f"compensation of {row.name}: {reason}")
            self._dispatch_compensation(tx, step_def, row, new_round=False)
            return "compensation_resent"
        return "stale"

    def _note_resend(self, tx: _Tx, row: SagaStep, reason: str) -> None:
        note(
            tx,
            actor="timer",
            action="resent",
            step=row.name,
            detail={"send": row.send_seq, "unanswered": row.unanswered, "why": reason},
        )

    def _sla_timer(self, tx: _Tx, timer: Timer) -> str:
        row = tx.step(timer.step)
        if (
            tx.saga.state != RUNNING
            or row.state not in RUNNING_CLOCK_STATES
            or row.clock_generation != timer.generation
        ):
            return "stale"
        breach = timer.kind == "sla_breach"
        if breach:
            row.breached = True
        else:
            row.warned = True
        kind = "breach" if breach else "warning"
        note(
            tx,
            actor="timer",
            action=f"sla_{kind}",
            step=row.name,
            detail={"due_at": _iso(row.due_at), "actor": row.actor},
        )
        self._emit_sla(
            tx, row.name, breach, row.started_at, row.due_at, row.warn_at, row.limit_workdays
        )
        return kind

    def _case_sla_timer(self, tx: _Tx, timer: Timer) -> str:
        if tx.saga.state != RUNNING:
            return "stale"
        instant = tx.saga.due_at if timer.kind == "case_breach" else tx.saga.warn_at
        if instant is None or timer.due_at < instant:
            return "stale"  # the case's clock was paused meanwhile: a later timer is set
        if any(r.state == AWAITING_APPLICANT for r in tx.saga.steps):
            return "paused"  # resuming moves the instants and sets new timers
        breach = timer.kind == "case_breach"
        if breach:
            tx.saga.breached = True
        else:
            tx.saga.warned = True
        kind = "breach" if breach else "warning"
        note(
            tx,
            actor="timer",
            action=f"case_sla_{kind}",
            detail={"due_at": _iso(tx.saga.due_at)},
        )
        self._emit_sla(
            tx,
            "",
            breach,
            tx.saga.submitted_at,
            tx.saga.due_at,
            tx.saga.warn_at,
            str(tx.definition.limit),
        )
        return kind

    def _retry_timer(self, tx: _Tx, timer: Timer) -> str:
        row = tx.step(timer.step)
        if tx.saga.state != RUNNING or row.state != DISPATCHED or row.attempts != timer.generation:
            return "stale"
        self._dispatch(tx, tx.definition.get(row.name))
        return "redispatched"

    def _compensation_retry_timer(self, tx: _Tx, timer: Timer) -> str:
        row = tx.step(timer.step)
        if row.state != STEP_COMPENSATING or row.compensation_attempts != timer.generation:
            return "stale"
        self._dispatch_compensation(tx, tx.definition.get(row.name), row, new_round=False)
        return "compensation_redispatched"

    def _commitment_timer(self, tx: _Tx, timer: Timer) -> str:
        if tx.saga.commitment_state not in ("open", "supplied"):
            return "stale"
        if tx.saga.state not in (RUNNING, COMPLETED):
            return "stale"
        tx.saga.commitment_state = "overdue"
        note(
            tx,
            actor="timer",
            action="commitment_overdue",
            detail={"outstanding": (tx.saga.commitment_materials or {}).get("outstanding", [])},
        )
        self._fail(
            tx,
            "commitment not fulfilled within 60 days: approval revoked",
            code="commitment_overdue",
        )
        return "revoked"
