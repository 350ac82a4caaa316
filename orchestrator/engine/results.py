"""Participants' answers: a step done, accepted, waiting for the applicant, refused, retried;
compensations; dead letters."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from google.protobuf.message import Message
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from onestop.common.v1 import common_pb2
from onestop_common import contracts
from onestop_common import messaging as m
from onestop_common.outbox import remember_result
from orchestrator.definition import (
    COMPENSATION_RETRY,
    CaseFacts,
    StepDef,
)
from orchestrator.engine.changes import ChangeMixin
from orchestrator.engine.core import (
    _iso,
    _summary,
    note,
)
from orchestrator.engine.states import (
    ACCEPTED,
    ANSWER_TIMERS,
    AWAITING_ANSWER,
    AWAITING_APPLICANT,
    AWAITING_RESULT,
    CANCELLED,
    COMPENSATED,
    COMPENSATING,
    DEAD_LETTER_RESEND,
    DONE,
    FAILED,
    RUNNING,
    STEP_COMPENSATED,
    STEP_COMPENSATING,
    STEP_FAILED,
    STUCK,
    Outcome,
    _Tx,
)
from orchestrator.models import Inbox, SagaStep, Timer

log = logging.getLogger(__name__)


class ResultsMixin(ChangeMixin):
    """Participants' answers: a step done, accepted, waiting for the applicant, refused, retried;
    compensations; dead letters."""

    def handle_results(self, envelopes: Sequence[m.Envelope]) -> None:
        """Applies a batch of results in one transaction. Any error rolls the whole batch back and
        is raised: the consumer holds the batch through transient failures and applies the
        messages one by one to isolate a bad one."""
        if not envelopes:
            return
        touched = self._with_retry(lambda s: self._apply_results(s, envelopes))
        self.on_commit(touched)

    def _apply_results(self, session: Session, envelopes: Sequence[m.Envelope]) -> set[str]:
        touched: set[str] = set()
        ids = [envelope.message_id for envelope in envelopes]
        seen = set(session.scalars(select(Inbox.key).where(Inbox.key.in_(ids))))
        # Grouped by case, a stable lock order keeps two replicas' batches from deadlocking each
        # other; the sort is stable, so each case's results keep their arrival order.
        for envelope in sorted(envelopes, key=lambda e: e.case_id):
            if envelope.message_id in seen:
                continue  # redelivered: already applied
            seen.add(envelope.message_id)
            remember_result(session, Inbox, envelope.message_id, envelope.proto_type, b"")
            if self._apply_result(session, envelope):
                touched.add(envelope.case_id)
        return touched

    def _apply_result(self, session: Session, envelope: m.Envelope) -> bool:
        saga = self._lock(session, envelope.case_id, missing_ok=True)
        if saga is None:
            log.info("result for unknown case %s ignored", envelope.case_id)
            return False
        participant, rpc = m.result_origin(envelope)
        tx = self._tx(session, saga, actor=participant)
        try:
            step_def = tx.definition.get(envelope.step)
        except KeyError as error:
            raise m.MalformedMessage(f"result for unknown step {envelope.step!r}") from error
        response = m.decode_body(envelope.proto_type, envelope.body)
        try:
            expected = contracts.response_type(participant, rpc).DESCRIPTOR
        except KeyError as error:
            raise m.MalformedMessage(f"result of unknown RPC {participant}.{rpc}") from error
        if response.DESCRIPTOR is not expected:
            raise m.MalformedMessage(f"{rpc} result has type {envelope.proto_type}")
        status: common_pb2.StepStatus = getattr(response, "status")  # noqa: B009
        self._answered(tx, step_def, rpc)
        if rpc == step_def.action:
            self._on_action_result(tx, step_def, response, status)
        elif rpc == step_def.compensation:
            self._on_compensation_result(tx, step_def, status)
        elif rpc in tx.definition.side_commands.get(step_def.name, ()):
            self._on_side_result(tx, step_def, rpc, response, status)
        else:
            raise m.MalformedMessage(f"step {step_def.name} has no RPC {rpc}")
        self._touch(tx)
        return True

    @staticmethod
    def _answered(tx: _Tx, step_def: StepDef, rpc: str) -> None:
        """The participant answered the command the step waits on: no re-send is due, and the
        re-send timers still pending are retired (so the timer table shows only real work)."""
        row = tx.step(step_def.name)
        waiting_for = step_def.compensation if row.state == STEP_COMPENSATING else step_def.action
        if rpc != waiting_for or row.unanswered == 0:
            return
        row.unanswered = 0
        tx.session.execute(
            update(Timer)
            .where(
                Timer.saga_id == tx.saga.id,
                Timer.step == row.name,
                Timer.kind.in_(tuple(ANSWER_TIMERS)),
                Timer.fired_at.is_(None),
            )
            .values(fired_at=tx.now, outcome="answered")
            .execution_options(synchronize_session=False)
        )

    def _on_action_result(
        self, tx: _Tx, step_def: StepDef, response: Message, status: common_pb2.StepStatus
    ) -> None:
        row = tx.step(step_def.name)
        outcome = status.outcome
        if tx.saga.state != RUNNING or row.state not in AWAITING_RESULT:
            self._late_action_result(tx, step_def, row, outcome)
            return
        if outcome == Outcome.OUTCOME_DONE:
            self._step_done(tx, step_def, row, response, status)
        elif outcome == Outcome.OUTCOME_ACCEPTED:
            self._step_accepted(tx, row, status)
        elif outcome == Outcome.OUTCOME_CORRECTION_REQUESTED:
            self._step_awaiting_applicant(tx, row, status)
        elif outcome == Outcome.OUTCOME_REJECTED:
            self._step_rejected(tx, row, status)
        elif outcome == Outcome.OUTCOME_RETRY:
            self._step_retry(tx, step_def, row, status)
        else:
            raise m.MalformedMessage(f"result without an outcome for step {step_def.name}")

    def _late_action_result(self, tx: _Tx, step_def: StepDef, row: SagaStep, outcome: int) -> None:
        """A result for a step the case no longer waits for (duplicate, or after a failure)."""
        undoing = tx.saga.state in (COMPENSATING, STUCK, COMPENSATED, FAILED)
        if (
            outcome == Outcome.OUTCOME_DONE
            and undoing
            and row.state in (STEP_COMPENSATED, CANCELLED, STEP_FAILED)
            and step_def.compensation
        ):
            # The participant finished after we decided to undo: undo that effect too.
            self._set_step(tx, row, STEP_COMPENSATING, "late_result_compensated")
            if tx.saga.state in (COMPENSATED, FAILED):
                self._set_case(tx, COMPENSATING, "late_result_compensated")
            self._dispatch_compensation(tx, step_def, row, new_round=True)
            return
        self._result_ignored(tx, row, {"outcome": Outcome.Name(outcome)})

    def _step_done(
        self,
        tx: _Tx,
        step_def: StepDef,
        row: SagaStep,
        response: Message,
        status: common_pb2.StepStatus,
    ) -> None:
        row.result = response.SerializeToString()
        row.result_type = response.DESCRIPTOR.full_name
        row.finished_at = tx.now
        row.paused_at = None
        row.clock_generation += 1
        row.summary = _summary(step_def, response)
        row.actor = status.decided_by or row.actor
        self._set_step(
            tx, row, DONE, "done", {"decided_by": status.decided_by, "summary": row.summary}
        )
        if step_def.case_facts is not None:
            self._learn(tx, step_def, step_def.case_facts(response, self._saga_data(tx)))
        self._advance(tx)

    def _learn(self, tx: _Tx, step_def: StepDef, facts: CaseFacts) -> None:
        """What a finished step tells the case: the identifier and name it is known by, and a
        commitment it opened, undone when its due time passes unfulfilled."""
        tx.saga.uscc = facts.identifier or tx.saga.uscc
        tx.saga.company_name = facts.company_name or tx.saga.company_name
        materials = list(facts.commitment_materials)
        if not materials:
            return
        due = facts.commitment_due
        tx.saga.commitment_state = "open"
        tx.saga.commitment_due_at = due
        tx.saga.commitment_materials = {"outstanding": materials, "supplied": [], "accepted": []}
        if due is not None:
            self._schedule(tx, "commitment_due", due)
        else:
            log.error("case %s: a commitment without a due date; no timer set", tx.saga.id)
        note(
            tx,
            action="commitment_opened",
            step=step_def.name,
            detail={"materials": materials, "due_at": _iso(due)},
        )

    def _step_accepted(self, tx: _Tx, row: SagaStep, status: common_pb2.StepStatus) -> None:
        row.task_id = status.task_id or row.task_id
        if row.state == AWAITING_APPLICANT:
            self._resume_clock(tx, row)
        self._set_step(tx, row, ACCEPTED, "task_opened", {"task_id": row.task_id})

    def _step_awaiting_applicant(
        self, tx: _Tx, row: SagaStep, status: common_pb2.StepStatus
    ) -> None:
        row.rejections = common_pb2.Rejections(rejections=status.rejections).SerializeToString()
        row.task_id = status.task_id or row.task_id
        if row.paused_at is None:
            row.paused_at = tx.now
            row.clock_generation += 1
        self._set_step(
            tx,
            row,
            AWAITING_APPLICANT,
            "correction_requested",
            {"reason": status.reason, "rules": [r.rule for r in status.rejections]},
        )

    def _step_rejected(self, tx: _Tx, row: SagaStep, status: common_pb2.StepStatus) -> None:
        row.rejections = common_pb2.Rejections(rejections=status.rejections).SerializeToString()
        row.finished_at = tx.now
        row.clock_generation += 1
        row.actor = status.decided_by or row.actor
        reason = status.reason or "; ".join(r.message_en for r in status.rejections) or "rejected"
        self._set_step(
            tx, row, STEP_FAILED, "rejected", {"reason": reason, "decided_by": status.decided_by}
        )
        tx.saga.rejections = row.rejections
        self._fail(tx, f"{row.name} rejected: {reason}", code="rejected")

    def _step_retry(
        self, tx: _Tx, step_def: StepDef, row: SagaStep, status: common_pb2.StepStatus
    ) -> None:
        if step_def.retry.exhausted(row.attempts):
            row.finished_at = tx.now
            self._set_step(tx, row, STEP_FAILED, "retries_exhausted", {"reason": status.reason})
            self._fail(
                tx,
                f"{row.name} failed after {row.attempts} attempts: {status.reason}",
                code="retries_exhausted",
            )
            return
        delay = step_def.retry.delay(row.attempts)
        self._schedule(
            tx, "retry", self._after_wall(tx.now, delay), step=row.name, generation=row.attempts
        )
        note(
            tx,
            action="retry_scheduled",
            step=row.name,
            detail={
                "attempt": row.attempts,
                "reason": status.reason,
                "delay_s": delay.total_seconds(),
            },
        )

    def _on_compensation_result(
        self, tx: _Tx, step_def: StepDef, status: common_pb2.StepStatus
    ) -> None:
        row = tx.step(step_def.name)
        if row.state != STEP_COMPENSATING:
            self._result_ignored(tx, row, {"rpc": step_def.compensation})
            return
        if status.outcome == Outcome.OUTCOME_DONE:
            row.finished_at = tx.now
            self._set_step(tx, row, STEP_COMPENSATED, "compensated")
            self._compensate_next(tx)
            return
        row.compensation_attempts += 1
        if row.compensation_attempts >= COMPENSATION_RETRY.max_attempts and tx.saga.state != STUCK:
            self._set_case(
                tx,
                STUCK,
                "escalated",
                {"step": row.name, "attempts": row.compensation_attempts, "reason": status.reason},
            )
            self._emit_case_event(tx, "stuck", f"compensation of {row.name} keeps failing")
        delay = COMPENSATION_RETRY.delay(row.compensation_attempts)
        self._schedule(
            tx,
            "compensation_retry",
            self._after_wall(tx.now, delay),
            step=row.name,
            generation=row.compensation_attempts,
        )
        note(
            tx,
            action="compensation_retry_scheduled",
            step=row.name,
            detail={"attempt": row.compensation_attempts, "reason": status.reason},
        )

    def _on_side_result(
        self, tx: _Tx, step_def: StepDef, rpc: str, response: Any, status: common_pb2.StepStatus
    ) -> None:
        row = tx.step(step_def.name)
        if rpc == step_def.change_command:
            self._on_change_result(tx, step_def, response, status)
        elif rpc == "ApplyCorrection":
            if row.state != AWAITING_APPLICANT or tx.saga.state != RUNNING:
                return
            if status.outcome == Outcome.OUTCOME_ACCEPTED:
                self._step_accepted(tx, row, status)
            elif status.outcome == Outcome.OUTCOME_CORRECTION_REQUESTED:
                self._step_awaiting_applicant(tx, row, status)
            elif status.outcome == Outcome.OUTCOME_REJECTED:
                self._step_rejected(tx, row, status)
        elif rpc == "SupplyMaterial":
            self._material_result(tx, response.material_code, status)

    def _material_result(self, tx: _Tx, code: str, status: common_pb2.StepStatus) -> None:
        materials = {k: list(v) for k, v in (tx.saga.commitment_materials or {}).items()}
        if status.outcome == Outcome.OUTCOME_DONE:
            if code in materials.get("outstanding", []):
                materials["outstanding"].remove(code)
            materials.setdefault("accepted", []).append(code)
            action = "material_accepted"
        elif status.outcome == Outcome.OUTCOME_REJECTED:
            if code in materials.get("supplied", []):
                materials["supplied"].remove(code)
            action = "material_refused"
        else:
            return
        tx.saga.commitment_materials = materials
        note(
            tx,
            action=action,
            step=tx.definition.commitment_step,
            detail={"material": code, "reason": status.reason},
        )
        if tx.saga.commitment_state in ("open", "supplied") and not materials.get("outstanding"):
            tx.saga.commitment_state = "fulfilled"
            note(
                tx,
                action="commitment_fulfilled",
                step=tx.definition.commitment_step,
            )

    def handle_dead_letters(self, envelopes: Sequence[m.Envelope]) -> None:
        """Dead letters, as the broker copies them to the orchestrator: each is recorded in its
        case's audit trail, and a command (or result) the case still waits on is sent again soon;
        the step's answer policy escalates it to *stuck* if that keeps failing."""
        touched = self._with_retry(lambda s: self._apply_dead_letters(s, envelopes))
        self.on_commit(touched)

    def _apply_dead_letters(self, session: Session, envelopes: Sequence[m.Envelope]) -> set[str]:
        touched: set[str] = set()
        for envelope in sorted(envelopes, key=lambda e: e.case_id):
            if self._apply_dead_letter(session, envelope):
                touched.add(envelope.case_id)
        return touched

    def _apply_dead_letter(self, session: Session, envelope: m.Envelope) -> bool:
        if not envelope.case_id or not envelope.step:
            return False
        saga = self._lock(session, envelope.case_id, missing_ok=True)
        if saga is None:
            return False
        tx = self._tx(session, saga, actor="broker")
        try:
            step_def = tx.definition.get(envelope.step)
            row = tx.step(envelope.step)
        except KeyError:
            return False
        rpc = _dead_letter_rpc(envelope)
        note(
            tx,
            actor="broker",
            action="dead_lettered",
            step=row.name,
            detail={
                "rpc": rpc,
                "kind": "result" if m.is_result(envelope) else "command",
                "reason": dead_letter_reason(envelope)[:300],
            },
        )
        if self._awaits(tx, step_def, row, rpc):
            row.unanswered = max(row.unanswered, 1)
            wait = min(
                DEAD_LETTER_RESEND * 2 ** (row.unanswered - 1),
                self.answer_policy(step_def).longest_wait,
            )
            self._schedule(
                tx,
                "answer_lost",
                self._after_wall(tx.now, wait),
                step=row.name,
                generation=row.send_seq,
            )
        self._touch(tx)
        return True

    @staticmethod
    def _awaits(tx: _Tx, step_def: StepDef, row: SagaStep, rpc: str) -> bool:
        """Does the case still wait on this RPC of the step (its command or final result)?"""
        if rpc == step_def.action:
            return tx.saga.state == RUNNING and row.state in (*AWAITING_ANSWER, ACCEPTED)
        return rpc == step_def.compensation and row.state == STEP_COMPENSATING


def _dead_letter_rpc(envelope: m.Envelope) -> str:
    if envelope.method:
        return envelope.method.rsplit("/", 1)[-1]
    parts = envelope.routing_key.split(".")
    return parts[1] if len(parts) >= 2 else ""


def dead_letter_reason(envelope: m.Envelope) -> str:
    """Why a message was dead-lettered: our consumers say so, the broker (a delivery limit
    reached, say) in x-death."""
    reason = str(envelope.headers.get(m.H_DEAD_REASON, ""))
    if reason:
        return reason
    deaths = envelope.headers.get("x-death") or []
    if deaths:
        first = deaths[0]
        why = first.get("reason", b"")
        return f"broker: {why.decode() if isinstance(why, bytes) else why}"
    return "unknown"
