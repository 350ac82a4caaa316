"""The saga engine: turns submissions, participant results, timers and applicant actions into state
transitions of a persisted case, each in ONE database transaction with its outgoing commands
(outbox) and its audit entries.

The engine does no I/O besides the database: commands and events are staged in the outbox and a
relay publishes them. That keeps it testable with a fake clock and no broker, and makes a crash at
any point harmless: what committed is complete, what did not never happened.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from google.protobuf import field_mask_pb2
from google.protobuf.message import Message
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from onestop.common.v1 import application_pb2, common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2
from onestop_common import contracts
from onestop_common import messaging as m
from onestop_common.calendar import BusinessCalendar, CalendarError, UnknownCalendarYear
from onestop_common.clock import Clock
from onestop_common.db import transaction
from onestop_common.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RuleViolation,
    violation,
)
from onestop_common.identity import Principal, Role
from onestop_common.limits import excerpt
from onestop_common.outbox import remember_result, stage
from onestop_common.protoconv import timestamp, violations_of
from orchestrator import audit
from orchestrator.definition import (
    COMPENSATION_RETRY,
    AnswerPolicy,
    CaseFacts,
    Definitions,
    SagaData,
    SagaDef,
    StepDef,
)
from orchestrator.models import Inbox, Outbox, Saga, SagaStep, Timer

log = logging.getLogger(__name__)

Outcome = common_pb2.Outcome

# Case states (names match onestop.common.v1.CaseState without the prefix).
RUNNING, COMPLETED, COMPENSATING, COMPENSATED, STUCK, FAILED = (
    "running",
    "completed",
    "compensating",
    "compensated",
    "stuck",
    "failed",
)
TERMINAL_CASE_STATES = frozenset({COMPLETED, COMPENSATED, FAILED})
# Shown, never stored: a running case one of whose steps waits for the applicant's correction.
CASE_AWAITING_APPLICANT = "awaiting_applicant"
# Step states.
PENDING, DISPATCHED, ACCEPTED, AWAITING_APPLICANT, DONE = (
    "pending",
    "dispatched",
    "accepted",
    "awaiting_applicant",
    "done",
)
STEP_FAILED, STEP_COMPENSATING, STEP_COMPENSATED, CANCELLED = (
    "failed",
    "compensating",
    "compensated",
    "cancelled",
)
# Sent again and again with no answer (or dead-lettered): escalated, re-sends go on.
STEP_STUCK = "stuck"
# A step that may have (or will have) an effect to undo.
STARTED_STATES = frozenset(
    {DISPATCHED, ACCEPTED, AWAITING_APPLICANT, DONE, STEP_COMPENSATING, STEP_STUCK}
)
RUNNING_CLOCK_STATES = frozenset({DISPATCHED, ACCEPTED, STEP_STUCK})
# A step whose action's result the case is waiting for.
AWAITING_RESULT = frozenset({DISPATCHED, ACCEPTED, AWAITING_APPLICANT, STEP_STUCK})
# A step whose command went out and has not been answered yet.
AWAITING_ANSWER = frozenset({DISPATCHED, STEP_STUCK})

# Timers that send a command again: its answer is overdue, or it (or its result) was dead-lettered.
ANSWER_TIMERS = {
    "answer_due": "no answer in time",
    "answer_lost": "the command or its result was dead-lettered",
}
# How soon a dead-lettered command is sent again, doubling with each unanswered send.
DEAD_LETTER_RESEND = timedelta(seconds=2)
WARN_FRACTION = 0.75
TIMER_CLAIM = timedelta(seconds=60)
MAX_STALE_RETRIES = 5


class CaseNotFound(NotFound):
    pass


@dataclass
class _Tx:
    """One transaction on one case: the rows, the time, and what to tell watchers afterwards."""

    session: Session
    saga: Saga
    definition: SagaDef
    now: datetime
    actor: str

    def step(self, name: str) -> SagaStep:
        for row in self.saga.steps:
            if row.name == name:
                return row
        raise KeyError(name)

    def states(self) -> dict[str, str]:
        return {row.name: row.state for row in self.saga.steps}


@dataclass
class SagaEngine:
    sessions: sessionmaker[Session]
    definitions: Definitions
    clock: Clock
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)
    # Business seconds per wall second: retry backoff is meant in wall time.
    clock_speed: float = 1.0
    instance_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    on_commit: Callable[[Iterable[str]], None] = lambda case_ids: None
    # Sessions for queries (the API): on SQLite they never wait for the write lock.
    read_sessions: sessionmaker[Session] | None = None
    # An operator's override of every step's answer policy (first wait, sends before stuck).
    answer_within: timedelta | None = None
    sends_before_stuck: int | None = None
    # The saga a submission starts unless it names another.
    default_definition: str = "open_company"

    @property
    def readers(self) -> sessionmaker[Session]:
        return self.read_sessions or self.sessions

    # ------------------------------------------------------------------ submissions

    def submit(
        self,
        principal: Principal,
        idempotency_key: str,
        form: application_pb2.ApplicationForm,
        definition: str = "",
        *,
        precheck: dict[str, Any] | None = None,
    ) -> tuple[str, bool]:
        """Starts a case; the same applicant and key return the existing case (created=False).
        ``precheck`` (what the checks before it found) goes into the case's audit."""
        form_bytes = form.SerializeToString(deterministic=True)
        existing = self._find_by_key(principal.applicant_id, idempotency_key)
        if existing is not None:
            return self._same_submission(existing, form_bytes), False
        defn = self.definitions.latest(definition or self.default_definition)
        case_id = new_case_id(self.clock.now())
        try:
            with transaction(self.sessions) as session:
                self._create(
                    session, defn, case_id, principal, idempotency_key, form, form_bytes, precheck
                )
        except IntegrityError:
            # Two identical submissions raced: the other one won, return its case.
            existing = self._find_by_key(principal.applicant_id, idempotency_key)
            if existing is None:
                raise
            return self._same_submission(existing, form_bytes), False
        self.on_commit([case_id])
        return case_id, True

    def find_submission(
        self, principal: Principal, idempotency_key: str, form: application_pb2.ApplicationForm
    ) -> str | None:
        """The case an earlier request with this key created, or None; Conflict when the key
        was used for a different form."""
        existing = self._find_by_key(principal.applicant_id, idempotency_key)
        if existing is None:
            return None
        return self._same_submission(existing, form.SerializeToString(deterministic=True))

    def case_form(self, case_id: str, principal: Principal) -> application_pb2.ApplicationForm:
        with self.readers() as session:
            saga = session.get(Saga, case_id)
            if saga is None:
                shown = excerpt(case_id)
                raise NotFound(f"no case {shown}", message_zh=f"案件 {shown} 不存在")
            self._check_owner(saga, principal)
            return application_pb2.ApplicationForm.FromString(saga.form)

    def _find_by_key(self, applicant: str, key: str) -> tuple[str, bytes] | None:
        with self.readers() as session:
            row = session.execute(
                select(Saga.id, Saga.form).where(
                    Saga.applicant_id == applicant, Saga.idempotency_key == key
                )
            ).first()
            return (row[0], row[1]) if row else None

    @staticmethod
    def _same_submission(existing: tuple[str, bytes], form_bytes: bytes) -> str:
        case_id, stored_form = existing
        if stored_form != form_bytes:
            raise Conflict(
                "this idempotency key was already used for a different application",
                message_zh="该幂等键已用于另一份申请",
            )
        return case_id

    def _create(
        self,
        session: Session,
        defn: SagaDef,
        case_id: str,
        principal: Principal,
        key: str,
        form: application_pb2.ApplicationForm,
        form_bytes: bytes,
        precheck: dict[str, Any] | None = None,
    ) -> None:
        now = self.clock.now()
        due, warn = self._deadline(now, defn.limit)
        saga = Saga(
            id=case_id,
            definition=defn.name,
            definition_version=defn.version,
            applicant_id=principal.applicant_id,
            idempotency_key=key,
            state=RUNNING,
            form=form_bytes,
            company_name=_company_name(form),
            submitted_at=now,
            due_at=due,
            warn_at=warn,
        )
        saga.steps = [
            SagaStep(
                name=s.name, position=i, state=PENDING, limit_workdays=str(s.limit), actor=s.actor
            )
            for i, s in enumerate(defn.steps)
        ]
        session.add(saga)
        session.flush()
        tx = _Tx(session, saga, defn, now, principal.subject)
        audit.append(
            session,
            saga,
            at=now,
            actor=principal.subject,
            action="submitted",
            to_state=RUNNING,
            detail={
                "definition": defn.name,
                "definition_version": defn.version,
                "key": key,
                "due_at": _iso(due),
                "checked_before": precheck or {},
            },
        )
        if due is not None and warn is not None:
            self._schedule(tx, "case_warning", warn)
            self._schedule(tx, "case_breach", due)
        else:
            self._note_unknown_deadline(tx, "")
        self._advance(tx)

    # ------------------------------------------------------------------ participant results

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
        audit.append(
            tx.session,
            tx.saga,
            at=tx.now,
            actor=tx.actor,
            action="result_ignored",
            step=row.name,
            from_state=row.state,
            detail={"outcome": Outcome.Name(outcome)},
        )

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
        audit.append(
            tx.session,
            tx.saga,
            at=tx.now,
            actor=tx.actor,
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
        audit.append(
            tx.session,
            tx.saga,
            at=tx.now,
            actor=tx.actor,
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
            audit.append(
                tx.session,
                tx.saga,
                at=tx.now,
                actor=tx.actor,
                action="result_ignored",
                step=row.name,
                from_state=row.state,
                detail={"rpc": step_def.compensation},
            )
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
        audit.append(
            tx.session,
            tx.saga,
            at=tx.now,
            actor=tx.actor,
            action="compensation_retry_scheduled",
            step=row.name,
            detail={"attempt": row.compensation_attempts, "reason": status.reason},
        )

    def _on_side_result(
        self, tx: _Tx, step_def: StepDef, rpc: str, response: Any, status: common_pb2.StepStatus
    ) -> None:
        row = tx.step(step_def.name)
        if rpc == "ApplyCorrection":
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
        audit.append(
            tx.session,
            tx.saga,
            at=tx.now,
            actor=tx.actor,
            action=action,
            step=tx.definition.commitment_step,
            detail={"material": code, "reason": status.reason},
        )
        if tx.saga.commitment_state in ("open", "supplied") and not materials.get("outstanding"):
            tx.saga.commitment_state = "fulfilled"
            audit.append(
                tx.session,
                tx.saga,
                at=tx.now,
                actor=tx.actor,
                action="commitment_fulfilled",
                step=tx.definition.commitment_step,
            )

    # ------------------------------------------------------------------ calendar imports

    def compute_missing_deadlines(self) -> int:
        """After a year's schedule was imported: every open case (and running step) that has no
        deadline gets one if the calendar now knows its days, with its SLA timers; audited per
        case. Returns how many cases changed."""
        with self.readers() as session:
            ids = list(
                session.scalars(
                    select(Saga.id).where(
                        Saga.state.in_((RUNNING, COMPENSATING, STUCK)),
                        or_(
                            Saga.due_at.is_(None),
                            Saga.id.in_(
                                select(SagaStep.saga_id).where(
                                    SagaStep.started_at.is_not(None), SagaStep.due_at.is_(None)
                                )
                            ),
                        ),
                    )
                )
            )
        changed: set[str] = set()
        for case_id in ids:
            changed |= self._with_retry(partial(self._compute_deadlines, case_id=case_id))
        self.on_commit(changed)
        return len(changed)

    def _compute_deadlines(self, session: Session, case_id: str) -> set[str]:
        saga = self._lock(session, case_id, missing_ok=True)
        if saga is None:
            return set()
        tx = self._tx(session, saga, actor="calendar")
        computed: list[str] = []
        if saga.due_at is None:
            saga.due_at, saga.warn_at = self._deadline(saga.submitted_at, tx.definition.limit)
            if saga.due_at is not None and saga.warn_at is not None:
                self._schedule(tx, "case_warning", saga.warn_at)
                self._schedule(tx, "case_breach", saga.due_at)
                computed.append("case")
        for row in saga.steps:
            if row.started_at is None or row.due_at is not None or row.finished_at is not None:
                continue
            row.due_at, row.warn_at = self._deadline(row.started_at, Decimal(row.limit_workdays))
            if row.due_at is None:
                continue
            computed.append(row.name)
            if row.state in RUNNING_CLOCK_STATES:
                row.clock_generation += 1
                self._schedule_sla(tx, row)
        if not computed:
            return set()
        audit.append(
            session,
            saga,
            at=tx.now,
            actor="calendar",
            action="deadlines_computed",
            detail={
                "for": computed,
                "due_at": _iso(saga.due_at),
                "why": "the official schedule for the missing year was imported",
            },
        )
        self._touch(tx)
        return {case_id}

    # ------------------------------------------------------------------ dead letters

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
        audit.append(
            session,
            saga,
            at=tx.now,
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

    # ------------------------------------------------------------------ applicant actions

    def cancel(self, case_id: str, principal: Principal, reason: str) -> None:
        def work(session: Session) -> set[str]:
            saga = self._lock(session, case_id)
            self._check_owner(saga, principal)
            if saga.state != RUNNING:
                raise Conflict(
                    f"case {case_id} is {saga.state}; only a running case can be cancelled",
                    message_zh=f"案件 {case_id} 状态为 {saga.state}，无法撤回",
                )
            tx = self._tx(session, saga, actor=principal.subject)
            text = reason.strip() or "withdrawn by the applicant"
            audit.append(
                session,
                saga,
                at=tx.now,
                actor=principal.subject,
                action="cancel_requested",
                detail={"reason": text},
            )
            self._fail(tx, f"cancelled: {text}", code="cancelled")
            self._touch(tx)
            return {case_id}

        self.on_commit(self._with_retry(work))

    def correct(
        self,
        case_id: str,
        principal: Principal,
        form: application_pb2.ApplicationForm,
        update_mask: Sequence[str] = (),
    ) -> None:
        """The applicant's correction of what a step refused as correctable.

        Only the fields in ``update_mask`` are taken from ``form`` (all of it when the mask is
        empty). The step that asked runs again with them — the registration officer's request
        goes back to the officer — and completed steps stand. Nothing is revoked: a correction
        that would change what a completed or running step acted on is refused, naming it.
        """

        def work(session: Session) -> set[str]:
            saga = self._lock(session, case_id)
            self._check_owner(saga, principal)
            tx = self._tx(session, saga, actor=principal.subject)
            waiting = [r for r in saga.steps if r.state == AWAITING_APPLICANT]
            if saga.state != RUNNING or not waiting:
                raise Conflict(
                    "no step of this case is waiting for a correction",
                    message_zh="该案件没有等待补正的环节",
                )
            before = self._saga_data(tx)
            corrected = corrected_form(before.form, form, update_mask)
            after = replace(before, form=corrected)
            changed = self._changed_inputs(tx, before, after)
            self._refuse_changes_to_settled_steps(tx, changed, waiting)
            saga.form = corrected.SerializeToString(deterministic=True)
            saga.company_name = _company_name(corrected)
            audit.append(
                session,
                saga,
                at=tx.now,
                actor=principal.subject,
                action="correction_submitted",
                step=waiting[0].name,
                detail={
                    "fields": list(update_mask) or ["(whole form)"],
                    "steps_rerun": [r.name for r in waiting],
                    "inputs_changed": sorted(changed),
                },
            )
            for row in waiting:
                self._rerun_corrected(tx, row, corrected)
            self._touch(tx)
            return {case_id}

        self.on_commit(self._with_retry(work))

    def _changed_inputs(self, tx: _Tx, before: SagaData, after: SagaData) -> set[str]:
        """The steps whose command the correction changes."""
        changed: set[str] = set()
        for step_def in tx.definition.steps:
            if step_def.acted_on(before) != step_def.acted_on(after):
                changed.add(step_def.name)
        return changed

    def _refuse_changes_to_settled_steps(
        self, tx: _Tx, changed: set[str], waiting: Sequence[SagaStep]
    ) -> None:
        waiting_names = {r.name for r in waiting}
        settled = [
            row
            for row in tx.saga.steps
            if row.name in changed and row.name not in waiting_names and row.state != PENDING
        ]
        if not settled:
            return
        names = [tx.definition.get(r.name).description for r in settled]
        records = [
            tx.definition.get(r.name)
            for r in settled
            if r.state == DONE and tx.definition.get(r.name).issues_record
        ]
        if records:
            raise Conflict(
                f"the correction changes details recorded by {records[0].description}, already "
                "issued; correct only the fields named, or apply for a change registration "
                "(变更登记) once the case is complete",
                message_zh=f"补正内容涉及已签发的{records[0].title_zh}记载的事项，不能通过补正修改；"
                "请只修改被指出的内容，或在案件办结后申请变更登记",
            )
        raise Conflict(
            "the correction changes what steps already done or under way acted on ("
            + "; ".join(names)
            + "); correct only the fields named",
            message_zh="补正内容涉及已办理或正在办理的环节，请只修改被指出的内容",
        )

    def _rerun_corrected(
        self, tx: _Tx, row: SagaStep, form: application_pb2.ApplicationForm
    ) -> None:
        step_def = tx.definition.get(row.name)
        if "ApplyCorrection" in tx.definition.side_commands.get(row.name, ()):
            # The officer asked: the corrected form goes back to the officer's task.
            request = contracts.request_type(step_def.participant, "ApplyCorrection")(form=form)
            self._send(
                tx,
                step_def,
                "ApplyCorrection",
                request,
                key=f"{tx.saga.id}:{row.name}:ApplyCorrection:{tx.saga.version}",
            )
            return
        # The participant refused the data itself: its action runs again, as a new action.
        row.corrections += 1
        self._resume_clock(tx, row)
        self._dispatch(tx, step_def)

    def supply_material(
        self,
        case_id: str,
        principal: Principal,
        code: str,
        file_name: str,
        content: bytes,
        content_type: str,
    ) -> None:
        def work(session: Session) -> set[str]:
            saga = self._lock(session, case_id)
            self._check_owner(saga, principal)
            materials = {k: list(v) for k, v in (saga.commitment_materials or {}).items()}
            if saga.commitment_state not in ("open", "supplied"):
                raise Conflict(
                    f"the case has no open commitment (state {saga.commitment_state})",
                    message_zh="该案件没有待履行的承诺",
                )
            if code not in materials.get("outstanding", []):
                raise Conflict(
                    f"material {code!r} is not outstanding for this case",
                    message_zh=f"材料 {code} 不在待补交清单中",
                )
            tx = self._tx(session, saga, actor=principal.subject)
            step_def = tx.definition.get(tx.definition.commitment_step)
            request = contracts.request_type(step_def.participant, "SupplyMaterial")(
                material_code=code,
                file_name=file_name,
                content=content,
                content_type=content_type,
            )
            self._send(
                tx,
                step_def,
                "SupplyMaterial",
                request,
                key=f"{case_id}:{step_def.name}:SupplyMaterial:{code}:{saga.version}",
            )
            if code not in materials.setdefault("supplied", []):
                materials["supplied"].append(code)
            saga.commitment_materials = materials
            saga.commitment_state = "supplied"
            audit.append(
                session,
                saga,
                at=tx.now,
                actor=principal.subject,
                action="material_supplied",
                step=step_def.name,
                detail={"material": code, "file": file_name, "bytes": len(content)},
            )
            self._touch(tx)
            return {case_id}

        self.on_commit(self._with_retry(work))

    # ------------------------------------------------------------------ timers

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
        audit.append(
            tx.session,
            tx.saga,
            at=tx.now,
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
        audit.append(
            tx.session,
            tx.saga,
            at=tx.now,
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
        audit.append(
            tx.session,
            tx.saga,
            at=tx.now,
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
        audit.append(
            tx.session,
            tx.saga,
            at=tx.now,
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

    # ------------------------------------------------------------------ the process

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

    def answer_policy(self, step_def: StepDef) -> AnswerPolicy:
        return step_def.answer.scaled(self.answer_within, self.sends_before_stuck)

    def _send(self, tx: _Tx, step_def: StepDef, rpc: str, request: Any, *, key: str) -> None:
        row = tx.step(step_def.name)
        request.context.CopyFrom(
            common_pb2.CommandContext(
                idempotency_key=key,
                case_id=tx.saga.id,
                step=row.name,
                deadline=self._deadline_message(tx, row),
                applicant_id=tx.saga.applicant_id,
                attempt=max(row.attempts, 1),
            )
        )
        stage(
            tx.session,
            Outbox,
            m.envelope_for(
                request,
                exchange=m.COMMANDS_EXCHANGE,
                routing_key=m.command_routing_key(step_def.participant, rpc),
                method=contracts.method_path(step_def.participant, rpc),
                case_id=tx.saga.id,
                step=row.name,
                attempt=max(row.attempts, 1),
                idempotency_key=key,
            ),
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
        audit.append(
            tx.session,
            tx.saga,
            at=tx.now,
            actor=tx.actor,
            action="compensation_dispatched",
            step=row.name,
            detail={"round": row.compensation_round, "attempt": row.compensation_attempts + 1},
        )

    # ------------------------------------------------------------------ clocks

    def _deadline(self, start: datetime, limit: Decimal) -> tuple[datetime | None, datetime | None]:
        """Due and warning instants, or (None, None) when the calendar does not know the days."""
        try:
            due = self.calendar.add_working_time(start, limit)
            return due, self.calendar.warning_at(start, due, WARN_FRACTION)
        except CalendarError as exc:
            log.warning("no deadline computed: %s", exc)
            return None, None

    def missing_calendar_year(self, start: datetime, limit: Decimal) -> int | None:
        """The year whose official schedule a deadline from ``start`` waits for, if any."""
        try:
            self.calendar.add_working_time(start, limit)
        except UnknownCalendarYear as exc:
            return exc.year
        return None

    def _start_clock(self, tx: _Tx, row: SagaStep, limit: Decimal) -> None:
        row.started_at = tx.now
        row.clock_generation += 1
        row.due_at, row.warn_at = self._deadline(tx.now, limit)
        self._schedule_sla(tx, row)

    def _resume_clock(self, tx: _Tx, row: SagaStep) -> None:
        paused_from = row.paused_at or tx.now
        row.paused_at = None
        row.clock_generation += 1
        if row.due_at is not None:
            try:
                row.due_at = self.calendar.extend(row.due_at, paused_from, tx.now)
                if row.warn_at is not None and row.warn_at > paused_from:
                    row.warn_at = self.calendar.extend(row.warn_at, paused_from, tx.now)
            except CalendarError:
                row.due_at = row.warn_at = None
        self._extend_case_clock(tx, paused_from)
        audit.append(
            tx.session,
            tx.saga,
            at=tx.now,
            actor=tx.actor,
            action="clock_resumed",
            step=row.name,
            detail={
                "paused_from": _iso(paused_from),
                "paused_working_seconds": self._working_seconds(paused_from, tx.now),
                "due_at": _iso(row.due_at),
                "case_due_at": _iso(tx.saga.due_at),
            },
        )
        self._schedule_sla(tx, row)

    def _extend_case_clock(self, tx: _Tx, paused_from: datetime) -> None:
        """The case's own limit pauses with the step that waited for the applicant: its due and
        warning instants move by the working time the applicant took, and new timers are set
        (the old ones find the instants moved and do nothing)."""
        saga = tx.saga
        if saga.due_at is None:
            return
        try:
            saga.due_at = self.calendar.extend(saga.due_at, paused_from, tx.now)
            if saga.warn_at is not None and saga.warn_at > paused_from:
                saga.warn_at = self.calendar.extend(saga.warn_at, paused_from, tx.now)
        except CalendarError:
            return
        if saga.warn_at is not None and not saga.warned:
            self._schedule(tx, "case_warning", saga.warn_at)
        if not saga.breached:
            self._schedule(tx, "case_breach", saga.due_at)

    def _working_seconds(self, start: datetime, end: datetime) -> float | None:
        try:
            return self.calendar.working_time_between(start, end).total_seconds()
        except CalendarError:
            return None

    def _schedule_sla(self, tx: _Tx, row: SagaStep) -> None:
        if row.due_at is None:
            self._note_unknown_deadline(tx, row.name)
            return
        if row.warn_at is not None and not row.warned:
            self._schedule(
                tx, "sla_warning", row.warn_at, step=row.name, generation=row.clock_generation
            )
        if not row.breached:
            self._schedule(
                tx, "sla_breach", row.due_at, step=row.name, generation=row.clock_generation
            )

    def _note_unknown_deadline(self, tx: _Tx, step: str) -> None:
        limit = Decimal(tx.step(step).limit_workdays) if step else tx.definition.limit
        start = tx.step(step).started_at if step else tx.saga.submitted_at
        year = self.missing_calendar_year(start or tx.now, limit)
        audit.append(
            tx.session,
            tx.saga,
            at=tx.now,
            actor="calendar",
            action="deadline_unknown",
            step=step,
            detail={
                "awaiting_calendar_year": year,
                "why": f"deadline unknown until the {year} schedule is imported; "
                "no deadline is guessed",
            },
        )

    def _schedule(
        self, tx: _Tx, kind: str, due: datetime, *, step: str = "", generation: int = 0
    ) -> None:
        tx.session.add(
            Timer(saga_id=tx.saga.id, step=step, kind=kind, due_at=due, generation=generation)
        )

    def _after_wall(self, now: datetime, wall_delay: timedelta) -> datetime:
        return now + wall_delay * self.clock_speed

    def _deadline_message(self, tx: _Tx, row: SagaStep) -> common_pb2.Deadline:
        deadline = common_pb2.Deadline(
            limit_workdays=row.limit_workdays,
            paused=row.paused_at is not None,
            warned=row.warned,
            breached=row.breached,
        )
        if row.started_at:
            deadline.started_at.CopyFrom(timestamp(row.started_at))
        if row.due_at:
            deadline.due_at.CopyFrom(timestamp(row.due_at))
            try:
                remaining = self.calendar.working_time_between(tx.now, row.due_at)
            except UnknownCalendarYear as exc:
                # Now lies past the known days (a late step, a compensation at the year's end):
                # the due date stands, the time left is unknown until the year is imported.
                deadline.awaiting_calendar_year = exc.year
            else:
                deadline.remaining_working_seconds = int(remaining.total_seconds())
                deadline.as_of.CopyFrom(timestamp(tx.now))
        elif row.started_at:
            deadline.awaiting_calendar_year = (
                self.missing_calendar_year(row.started_at, Decimal(row.limit_workdays)) or 0
            )
        if row.warn_at:
            deadline.warn_at.CopyFrom(timestamp(row.warn_at))
        return deadline

    # ------------------------------------------------------------------ bookkeeping

    def _set_step(
        self, tx: _Tx, row: SagaStep, state: str, action: str, detail: dict[str, Any] | None = None
    ) -> None:
        audit.append(
            tx.session,
            tx.saga,
            at=tx.now,
            actor=tx.actor,
            action=action,
            step=row.name,
            from_state=row.state,
            to_state=state,
            detail=detail or "",
        )
        row.state = state

    def _set_case(
        self, tx: _Tx, state: str, action: str, detail: dict[str, Any] | None = None
    ) -> None:
        audit.append(
            tx.session,
            tx.saga,
            at=tx.now,
            actor=tx.actor,
            action=action,
            from_state=tx.saga.state,
            to_state=state,
            detail=detail or "",
        )
        tx.saga.state = state

    def _emit_sla(
        self,
        tx: _Tx,
        step: str,
        breached: bool,
        start: datetime | None,
        due: datetime | None,
        warn: datetime | None,
        limit: str,
    ) -> None:
        deadline = common_pb2.Deadline(limit_workdays=limit, breached=breached, warned=True)
        for field_name, value in (("started_at", start), ("due_at", due), ("warn_at", warn)):
            if value is not None:
                getattr(deadline, field_name).CopyFrom(timestamp(value))
        alert = orchestrator_pb2.SlaAlert(
            case_id=tx.saga.id,
            step=step,
            breached=breached,
            deadline=deadline,
            company_name=tx.saga.company_name,
        )
        kind = "breach" if breached else "warning"
        stage(
            tx.session,
            Outbox,
            m.envelope_for(
                alert,
                exchange=m.EVENTS_EXCHANGE,
                routing_key=f"orchestrator.sla.{kind}",
                case_id=tx.saga.id,
                step=step,
            ),
        )

    def _emit_case_event(self, tx: _Tx, state: str, reason: str) -> None:
        event = orchestrator_pb2.CaseFinished(case_id=tx.saga.id, reason=reason)
        event.finished_at.CopyFrom(timestamp(tx.now))
        stage(
            tx.session,
            Outbox,
            m.envelope_for(
                event,
                exchange=m.EVENTS_EXCHANGE,
                routing_key=f"orchestrator.case.{state}",
                case_id=tx.saga.id,
            ),
        )

    def _touch(self, tx: _Tx) -> None:
        # Always change the case row so its version moves: concurrent writers serialise on it.
        tx.saga.updated_at = tx.now

    def _saga_data(self, tx: _Tx, reason: str = "") -> SagaData:
        results: dict[str, Message] = {}
        for row in tx.saga.steps:
            if row.result_type and row.result:
                results[row.name] = m.decode_body(row.result_type, row.result)
        form = application_pb2.ApplicationForm.FromString(tx.saga.form)
        return SagaData(
            case_id=tx.saga.id,
            applicant_id=tx.saga.applicant_id,
            form=form,
            results=results,
            reason=reason,
            submitted_at=tx.saga.submitted_at,
        )

    def _tx(self, session: Session, saga: Saga, *, actor: str) -> _Tx:
        return _Tx(session, saga, self.definition_of(saga), self.clock.now(), actor)

    def definition_of(self, saga: Saga) -> SagaDef:
        """The definition the case started on (a later version applies to new cases only)."""
        return self.definitions.get(saga.definition, saga.definition_version)

    @staticmethod
    def _lock(session: Session, case_id: str, *, missing_ok: bool = False) -> Any:
        saga = session.scalars(select(Saga).where(Saga.id == case_id).with_for_update()).first()
        if saga is None and not missing_ok:
            raise CaseNotFound(f"no case {case_id}", message_zh=f"案件 {case_id} 不存在")
        return saga

    @staticmethod
    def _check_owner(saga: Saga, principal: Principal) -> None:
        if principal.role in (Role.ADMIN, Role.SYSTEM):
            return
        if principal.owns(saga.applicant_id):
            return
        raise PermissionDenied(
            "only the applicant may act on this case", message_zh="只有申请人本人可以操作该案件"
        )

    def _with_retry(self, work: Callable[[Session], set[str]]) -> set[str]:
        """Runs one transaction, again if another writer changed the case meanwhile."""
        for attempt in range(MAX_STALE_RETRIES):
            try:
                with transaction(self.sessions) as session:
                    return work(session)
            except StaleDataError:
                log.info("concurrent change, retrying (attempt %d)", attempt + 1)
        with transaction(self.sessions) as session:
            return work(session)


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


def action_key(case_id: str, row: SagaStep, step_def: StepDef) -> str:
    """The idempotency key of a step's action: one per run, so re-sends never act twice, and a
    run after a correction (new data) is a new action for the participant."""
    key = f"{case_id}:{row.name}:{step_def.action}"
    return f"{key}:correction-{row.corrections}" if row.corrections else key


def corrected_form(
    current: application_pb2.ApplicationForm,
    correction: application_pb2.ApplicationForm,
    update_mask: Sequence[str],
) -> application_pb2.ApplicationForm:
    """``current`` with the masked fields taken from ``correction`` (lists replaced whole);
    an empty mask takes the whole corrected form."""
    if not update_mask:
        return correction
    mask = field_mask_pb2.FieldMask(paths=list(update_mask))
    if not mask.IsValidForDescriptor(application_pb2.ApplicationForm.DESCRIPTOR):
        bad = [p for p in update_mask if not _valid_path(p)]
        shown = ", ".join(excerpt(p, 60) for p in bad[:5])
        raise InvalidInput.of(
            [
                violation(
                    "update_mask",
                    "unknown_field",
                    f"更正字段不存在：{shown}",
                    f"no such field in the form: {shown}",
                )
            ]
        )
    merged = application_pb2.ApplicationForm()
    merged.CopyFrom(current)
    mask.MergeMessage(correction, merged, replace_message_field=True, replace_repeated_field=True)
    return merged


def _valid_path(path: str) -> bool:
    mask = field_mask_pb2.FieldMask(paths=[path])
    return bool(mask.IsValidForDescriptor(application_pb2.ApplicationForm.DESCRIPTOR))


def new_case_id(now: datetime) -> str:
    return f"OS{now:%Y%m%d}-{uuid.uuid4().hex[:10].upper()}"


def _company_name(form: application_pb2.ApplicationForm) -> str:
    n = form.name
    return f"{n.division}{n.trade_name}{n.industry}{n.organisational_form}"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _summary(step_def: StepDef, response: Message) -> str:
    """The step's one line for the case page; a result without the fields it reads gives none."""
    if step_def.summary is None:
        return ""
    try:
        return step_def.summary(response)
    except AttributeError:
        return ""


def rejection_list(data: bytes) -> list[RuleViolation]:
    if not data:
        return []
    return list(violations_of(common_pb2.Rejections.FromString(data).rejections))
