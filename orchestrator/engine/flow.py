"""The process: the next steps dispatched, commands sent, a failure compensated in reverse order."""

from __future__ import annotations

import logging

from orchestrator.definition import (
    StepDef,
)
from orchestrator.engine.core import (
    EngineCore,
    action_key,
    note,
)
from orchestrator.engine.states import (
    CANCELLED,
    COMPENSATED,
    COMPENSATING,
    COMPLETED,
    DISPATCHED,
    DONE,
    FAILED,
    PENDING,
    STARTED_STATES,
    STEP_COMPENSATING,
    _Tx,
)
from orchestrator.models import SagaStep

log = logging.getLogger(__name__)


class FlowMixin(EngineCore):
    """The process: the next steps dispatched, commands sent, a failure compensated in reverse
    order."""

    def _advance(self, tx: _Tx) -> None:
        states = tx.states()
        done = [n for n, s in states.items() if s == DONE]
        started = [n for n, s in states.items() if s != PENDING]
        for step_def in tx.definition.ready(done, started):
            self._dispatch(tx, step_def)
        if all(s == DONE for s in tx.states().values()):
            tx.saga.finished_at = tx.now
            self._set_case(tx, COMPLETED, "completed")
            self._emit_case_event(tx, COMPLETED, "")

    def _dispatch(self, tx: _Tx, step_def: StepDef) -> None:
        row = tx.step(step_def.name)
        if row.started_at is None:
            self._start_clock(tx, row, step_def.limit)
        elif row.paused_at is not None:  # it waited for a change registration (engine.changes)
            self._resume_clock(tx, row, case_clock=False)
        row.attempts += 1
        row.unanswered = 0
        self._send_action(tx, step_def, row)
        self._set_step(tx, row, DISPATCHED, "dispatched", {"attempt": row.attempts})

    def _send_action(self, tx: _Tx, step_def: StepDef, row: SagaStep) -> None:
        """Sends the step's command — always under the same idempotency key, so a re-send can
        never cause a second effect — and expects an answer in time."""
        request = step_def.command(self._saga_data(tx))
        self._send(
            tx, step_def, step_def.action, request, key=action_key(tx.saga.id, row, step_def)
        )
        self._expect_answer(tx, step_def, row)

    def _expect_answer(self, tx: _Tx, step_def: StepDef, row: SagaStep) -> None:
        row.send_seq += 1
        row.unanswered += 1
        wait = self.answer_policy(step_def).wait(row.unanswered)
        self._schedule(
            tx,
            "answer_due",
            self._after_wall(tx.now, wait),
            step=row.name,
            generation=row.send_seq,
        )

    def _fail(self, tx: _Tx, reason: str, *, code: str) -> None:
        """A permanent failure: undo every started step in reverse order, or fail cleanly."""
        tx.saga.failure_reason = reason
        tx.saga.compensation_reason = code
        for row in tx.saga.steps:
            if row.state == PENDING:
                self._set_step(tx, row, CANCELLED, "cancelled")
        to_undo = [r for r in tx.saga.steps if r.state in STARTED_STATES]
        if not to_undo:
            tx.saga.finished_at = tx.now
            self._set_case(tx, FAILED, "failed", {"reason": reason})
            self._emit_case_event(tx, FAILED, reason)
            return
        self._set_case(tx, COMPENSATING, "compensation_started", {"reason": reason, "code": code})
        for row in to_undo:
            row.clock_generation += 1
            if row.state != DONE:
                # In flight: its compensation also withdraws the open task.
                row.paused_at = None
        self._compensate_next(tx)

    def _compensate_next(self, tx: _Tx) -> None:
        pending = [r.name for r in tx.saga.steps if r.state in STARTED_STATES]
        if any(tx.step(n).state == STEP_COMPENSATING for n in pending):
            return
        order = tx.definition.compensation_order(pending)
        if not order:
            tx.saga.finished_at = tx.now
            self._set_case(tx, COMPENSATED, "compensated", {"reason": tx.saga.failure_reason})
            self._emit_case_event(tx, COMPENSATED, tx.saga.failure_reason)
            return
        step_def = order[0]
        row = tx.step(step_def.name)
        self._set_step(tx, row, STEP_COMPENSATING, "compensating")
        self._dispatch_compensation(tx, step_def, row, new_round=True)

    def _dispatch_compensation(
        self, tx: _Tx, step_def: StepDef, row: SagaStep, *, new_round: bool
    ) -> None:
        assert step_def.compensation and step_def.compensation_command
        if new_round:
            row.compensation_round += 1
        if new_round:
            row.unanswered = 0
        data = self._saga_data(tx, reason=tx.saga.compensation_reason or "failed")
        request = step_def.compensation_command(data)
        self._send(
            tx,
            step_def,
            step_def.compensation,
            request,
            key=f"{tx.saga.id}:{row.name}:{step_def.compensation}:{row.compensation_round}",
        )
        self._expect_answer(tx, step_def, row)
        note(
            tx,
            action="compensation_dispatched",
            step=row.name,
            detail={"round": row.compensation_round, "attempt": row.compensation_attempts + 1},
        )
