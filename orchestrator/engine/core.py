"""The engine's shared core: settings, transactions on a case, state changes, outbox, timers."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from google.protobuf.message import Message
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from onestop.common.v1 import application_pb2, common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2
from onestop_common import contracts
from onestop_common import messaging as m
from onestop_common.calendar import BusinessCalendar
from onestop_common.clock import Clock
from onestop_common.db import transaction
from onestop_common.errors import (
    PermissionDenied,
    RuleViolation,
)
from onestop_common.identity import Principal, Role
from onestop_common.outbox import stage
from onestop_common.protoconv import timestamp, violations_of
from orchestrator import audit
from orchestrator.definition import (
    AnswerPolicy,
    Definitions,
    SagaData,
    SagaDef,
    StepDef,
)
from orchestrator.engine.states import (
    MAX_STALE_RETRIES,
    CaseNotFound,
    _Tx,
)
from orchestrator.models import Outbox, Saga, SagaStep, Timer

log = logging.getLogger(__name__)


@dataclass
class EngineCore:
    """What every part of the engine shares: its settings, one transaction on one case, the
    state changes with their audit entries and events, the outbox and timers. The parts (intake,
    results, timers, flow, clock) are mixins over it; SagaEngine puts them together."""

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
    # Every natural person the form names confirms and signs before the case starts
    # (engine.consent); the secret keys the digests their requests are found by.
    person_signatures: bool = False
    person_key_secret: str = field(default="", repr=False)

    @property
    def readers(self) -> sessionmaker[Session]:
        return self.read_sessions or self.sessions

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

    def _schedule(
        self, tx: _Tx, kind: str, due: datetime, *, step: str = "", generation: int = 0
    ) -> None:
        tx.session.add(
            Timer(saga_id=tx.saga.id, step=step, kind=kind, due_at=due, generation=generation)
        )

    def _after_wall(self, now: datetime, wall_delay: timedelta) -> datetime:
        return now + wall_delay * self.clock_speed

    def _set_step(
        self, tx: _Tx, row: SagaStep, state: str, action: str, detail: dict[str, Any] | None = None
    ) -> None:
        note(
            tx,
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
        note(
            tx,
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
            raise CaseNotFound(case_id)
        return saga

    @staticmethod
    def _check_owner(saga: Saga, principal: Principal) -> None:
        if principal.role in (Role.ADMIN, Role.SYSTEM):
            return
        if principal.owns(saga.applicant_id):
            return
        if principal.is_staff:
            # Staff read every case: hiding it from them would hide nothing.
            raise PermissionDenied(
                "only the applicant may act on this case",
                message_zh="只有申请人本人可以操作该案件",
            )
        raise CaseNotFound(saga.id)

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

    @staticmethod
    def _result_ignored(tx: _Tx, row: SagaStep, detail: dict[str, object]) -> None:
        """A result the case no longer waits for: recorded, nothing else."""
        note(
            tx,
            action="result_ignored",
            step=row.name,
            from_state=row.state,
            detail=detail,
        )

    # The parts' methods the others call (each defined in its own module).

    def _advance(self, tx: _Tx) -> None:
        raise NotImplementedError

    def _compensate_next(self, tx: _Tx) -> None:
        raise NotImplementedError

    def _deadline(self, start: datetime, limit: Decimal) -> tuple[datetime | None, datetime | None]:
        raise NotImplementedError

    def _deadline_message(self, tx: _Tx, row: SagaStep) -> common_pb2.Deadline:
        raise NotImplementedError

    def _dispatch(self, tx: _Tx, step_def: StepDef) -> None:
        raise NotImplementedError

    def _dispatch_compensation(
        self, tx: _Tx, step_def: StepDef, row: SagaStep, *, new_round: bool
    ) -> None:
        raise NotImplementedError

    def _fail(self, tx: _Tx, reason: str, *, code: str) -> None:
        raise NotImplementedError

    def _note_unknown_deadline(self, tx: _Tx, step: str) -> None:
        raise NotImplementedError

    def _start(self, tx: _Tx) -> None:
        raise NotImplementedError

    def _signatures_due(self, tx: _Tx) -> str:
        raise NotImplementedError

    def _request_signatures(
        self, tx: _Tx, form: application_pb2.ApplicationForm, key_secret: str
    ) -> bool:
        raise NotImplementedError

    def _resume_clock(self, tx: _Tx, row: SagaStep, *, case_clock: bool = True) -> None:
        raise NotImplementedError

    def _restart_pause(self, tx: _Tx, row: SagaStep) -> None:
        raise NotImplementedError

    def _extend_case_clock(self, tx: _Tx, paused_from: datetime) -> None:
        raise NotImplementedError

    def _send_action(self, tx: _Tx, step_def: StepDef, row: SagaStep) -> None:
        raise NotImplementedError

    def _start_clock(self, tx: _Tx, row: SagaStep, limit: Decimal) -> None:
        raise NotImplementedError


def note(
    tx: _Tx,
    *,
    action: str,
    step: str = "",
    actor: str = "",
    from_state: str = "",
    to_state: str = "",
    detail: dict[str, Any] | str = "",
) -> None:
    """One entry in the case's audit trail, in this transaction, by its actor unless said."""
    audit.append(
        tx.session,
        tx.saga,
        at=tx.now,
        actor=actor or tx.actor,
        action=action,
        step=step,
        from_state=from_state,
        to_state=to_state,
        detail=detail,
    )


def action_key(case_id: str, row: SagaStep, step_def: StepDef) -> str:
    """The idempotency key of a step's action: one per run, so re-sends never act twice, and a
    run after a correction (new data) is a new action for the participant."""
    key = f"{case_id}:{row.name}:{step_def.action}"
    return f"{key}:correction-{row.corrections}" if row.corrections else key


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
