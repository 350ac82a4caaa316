"""A Given/Expect harness for the saga engine: a real database, a manual clock and participants
played by the test, with no broker. Commands are read from the orchestrator's outbox and answered
with result envelopes built exactly as a service builds them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from onestop.common.v1 import application_pb2, common_pb2
from onestop_common import contracts
from onestop_common import messaging as m
from onestop_common.clock import ManualClock
from onestop_common.db import make_engine, make_session_factory, transaction, upgrade_schema
from onestop_common.identity import Principal, Role
from onestop_common.outbox import utcnow
from orchestrator import engine as e
from orchestrator.engine import SagaEngine
from orchestrator.models import Outbox, Saga
from orchestrator.open_company import DEFINITIONS
from tests.support.service_db import TEST_KEK

MIGRATIONS = Path(__file__).resolve().parents[2] / "orchestrator" / "migrations"
Outcome = common_pb2.Outcome


def minimal_form(trade_name: str = "示例") -> application_pb2.ApplicationForm:
    form = application_pb2.ApplicationForm()
    form.name.division = "天津"
    form.name.trade_name = trade_name
    form.name.industry = "科技"
    form.name.organisational_form = "有限公司"
    form.legal_representative.name = "张三"
    return form


@dataclass
class Command:
    participant: str
    rpc: str
    step: str
    request: Any
    envelope: m.Envelope

    @property
    def key(self) -> str:
        return str(self.request.context.idempotency_key)


@dataclass
class Harness:
    db_url: str
    start: datetime
    applicant: Principal = field(
        default_factory=lambda: Principal(subject="applicant-1", role=Role.ENTREPRENEUR)
    )
    kek: bytes = TEST_KEK

    def __post_init__(self) -> None:
        self.db = db = make_engine(self.db_url, kek=self.kek)
        upgrade_schema(db, MIGRATIONS, "alembic_version_orchestrator")
        self.sessions = make_session_factory(db, autoflush=False)
        self.clock = ManualClock(self.start)
        self.engine = SagaEngine(self.sessions, DEFINITIONS, self.clock)

    # Given / When
    def submit(self, form: application_pb2.ApplicationForm | None = None, key: str = "k1") -> str:
        case_id, _ = self.engine.submit(self.applicant, key, form or minimal_form())
        return case_id

    def take_commands(self) -> list[Command]:
        """Every command the engine has staged since the last call (marks them published)."""
        with transaction(self.sessions) as session:
            rows = session.scalars(
                select(Outbox)
                .where(Outbox.published_at.is_(None), Outbox.exchange == m.COMMANDS_EXCHANGE)
                .order_by(Outbox.id)
            ).all()
            commands = []
            for row in rows:
                row.published_at = utcnow()
                participant, rpc = row.routing_key.split(".")
                request = m.decode_body(row.headers[m.H_TYPE], row.body)
                envelope = m.Envelope(
                    row.exchange, row.routing_key, row.body, row.headers, row.message_id
                )
                commands.append(Command(participant, rpc, row.headers[m.H_STEP], request, envelope))
            return commands

    def events(self, routing_prefix: str) -> list[m.Envelope]:
        with transaction(self.sessions) as session:
            rows = session.scalars(
                select(Outbox).where(Outbox.exchange == m.EVENTS_EXCHANGE).order_by(Outbox.id)
            ).all()
            return [
                m.Envelope(r.exchange, r.routing_key, r.body, r.headers, r.message_id)
                for r in rows
                if r.routing_key.startswith(routing_prefix)
            ]

    def result_for(self, command: Command, outcome: int, **fields: Any) -> m.Envelope:
        response: Any = contracts.response_type(command.participant, command.rpc)()
        response.context.CopyFrom(command.request.context)
        response.status.outcome = outcome
        for name, value in fields.items():
            if name in ("reason", "task_id", "decided_by"):
                setattr(response.status, name, value)
            elif name == "rejections":
                response.status.rejections.extend(value)
            else:
                target = getattr(response, name)
                target.CopyFrom(value) if hasattr(target, "CopyFrom") else setattr(
                    response, name, value
                )
        return m.envelope_for(
            response,
            exchange=m.EVENTS_EXCHANGE,
            routing_key=m.result_routing_key(command.participant, command.rpc),
            case_id=command.request.context.case_id,
            step=command.step,
        )

    def answer(
        self, command: Command, outcome: int = Outcome.OUTCOME_DONE, **fields: Any
    ) -> m.Envelope:
        envelope = self.result_for(command, outcome, **fields)
        self.engine.handle_results([envelope])
        return envelope

    def past_license(
        self, form: application_pb2.ApplicationForm | None = None
    ) -> tuple[str, list[Command]]:
        """A new case whose license step is done: its id and the commands the engine sent next
        (the steps that wait only for the license)."""
        case_id = self.submit(form)
        [license_cmd] = self.take_commands()
        self.answer(license_cmd)
        return case_id, self.take_commands()

    def run_until_quiet(self, reject_step: str = "", **kwargs: Any) -> list[Command]:
        """Answers every command DONE (or REJECTED at reject_step) until none is left."""
        seen: list[Command] = []
        while commands := self.take_commands():
            for command in commands:
                seen.append(command)
                outcome = (
                    Outcome.OUTCOME_REJECTED
                    if command.step == reject_step
                    and command.rpc == DEFINITIONS["open_company"].get(command.step).action
                    else Outcome.OUTCOME_DONE
                )
                self.answer(
                    command,
                    outcome,
                    reason="injected" if outcome == Outcome.OUTCOME_REJECTED else "",
                )
        return seen

    def advance(self, delta: timedelta) -> int:
        self.clock.advance(delta)
        return self.engine.fire_due_timers()

    def set_time(self, when: datetime) -> int:
        self.clock.set(when)
        return self.engine.fire_due_timers()

    # Expect
    def case(self, case_id: str) -> Saga:
        with transaction(self.sessions) as session:
            saga = session.get(Saga, case_id)
            assert saga is not None
            _ = saga.steps
            session.expunge_all()
            return saga

    def step_states(self, case_id: str) -> dict[str, str]:
        return {row.name: row.state for row in self.case(case_id).steps}


__all__ = ["Command", "Harness", "Outcome", "e", "minimal_form"]
