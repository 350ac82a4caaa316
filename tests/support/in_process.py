"""Runs a participant's use cases in the test's own process: its database on a SQLite file,
migrated by the service's own Alembic migrations; a unit of work in one transaction, as
``nameko_kit.Store`` opens it; saga commands built by the saga definition's builders from the
sample form, with the context the orchestrator puts on them; and what a transaction staged in
the outbox, decoded. No broker, no subprocess, no network.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from google.protobuf.message import Message
from sqlalchemy import MetaData, func, select, table
from sqlalchemy.orm import Session, sessionmaker

from onestop.common.v1 import application_pb2, common_pb2
from onestop.registration.v1 import registration_pb2
from onestop.seal.v1 import seal_pb2
from onestop_cli.client import load_form
from onestop_common import messaging as m
from onestop_common.calendar import BusinessCalendar
from onestop_common.clock import SHANGHAI
from onestop_common.db import make_engine, make_session_factory, transaction, upgrade_schema
from onestop_common.identifiers import make_orgcode, make_uscc
from onestop_common.outbox import InboxMixin, OutboxMixin
from onestop_common.participant import UnitOfWork
from onestop_common.protoconv import timestamp
from orchestrator.definition import SagaData, StepDef
from orchestrator.engine.core import action_key
from orchestrator.models import SagaStep
from orchestrator.open_company import OPEN_COMPANY

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "application.json"
# A Thursday morning, a working day; the sample's employees are hired that day.
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)
APPLICANT = "applicant-1"
COMPANY_NAME = "天津宝坻示例科技有限公司"
DIVISION = "120115"


def uscc(org_body: str = "MA07T2K1") -> str:
    """A valid USCC in the registration area, as the registration service would issue it."""
    return make_uscc("9", "1", DIVISION, make_orgcode(org_body))


def sample_form() -> application_pb2.ApplicationForm:
    return load_form(SAMPLE)


# --------------------------------------------------------------------------- the database


@dataclass(frozen=True)
class Staged:
    """One outbox row: where it goes and the message it carries, decoded by its type header."""

    exchange: str
    routing_key: str
    headers: Mapping[str, Any]
    # Its class is known only from the header at run time: Any spares each test a cast.
    message: Any


@dataclass
class ServiceDb:
    """A participant's own database, and units of work on it."""

    participant: str
    sessions: sessionmaker[Session]
    outbox: type[OutboxMixin]
    inbox: type[InboxMixin]

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with transaction(self.sessions) as session:
            yield UnitOfWork(session, self.participant, self.outbox, self.inbox)

    def read(self, statement: Any) -> list[Any]:
        with transaction(self.sessions) as session:
            return list(session.scalars(statement))

    def rows(self, model: Any) -> list[Any]:
        return self.read(select(model))

    def staged(self) -> list[Staged]:
        """Everything staged for publishing, in the order it was staged."""
        rows = self.read(select(self.outbox).order_by(self.outbox.id))
        return [
            Staged(
                row.exchange,
                row.routing_key,
                row.headers,
                m.decode_body(row.headers[m.H_TYPE], row.body),
            )
            for row in rows
        ]

    def results(self, rpc: str) -> list[Staged]:
        """The results of ``rpc`` routed to the orchestrator."""
        key = m.result_routing_key(self.participant, rpc)
        return [s for s in self.staged() if s.routing_key == key]

    def events(self, name: str) -> list[Staged]:
        key = f"{self.participant}.{name}"
        return [s for s in self.staged() if s.routing_key == key]

    def row_counts(self) -> dict[str, int]:
        """Rows per table (the migrations' version table aside): what a use case wrote."""
        metadata = MetaData()
        with transaction(self.sessions) as session:
            metadata.reflect(bind=session.connection())
            return {
                name: session.execute(select(func.count()).select_from(table(name))).scalar_one()
                for name in metadata.tables
                if not name.startswith("alembic_version")
            }


def migrated(directory: Path, participant: str, migrations: Path) -> Path:
    """A database file brought to head by the participant's own migrations, to be copied for each
    test: migrating takes a tenth of a second or more, a copy a millisecond."""
    path = directory / f"{participant}.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade_schema(engine, migrations, f"alembic_version_{participant}")
    finally:
        engine.dispose()
    # The last connection closed checkpoints the write-ahead log into the file: nothing is left
    # beside it that a copy of the file alone would miss.
    assert not path.with_name(f"{path.name}-wal").exists(), "the template's WAL was not merged"
    return path


@contextmanager
def service_db(
    directory: Path,
    participant: str,
    migrations: Path,
    outbox: type[OutboxMixin],
    inbox: type[InboxMixin],
    *,
    template: Path | None = None,
) -> Iterator[ServiceDb]:
    """The participant's database in ``directory`` (a copy of ``template`` if given), migrated as
    the service migrates it at start (``nameko_kit.Store.setup``; a no-op on the copy)."""
    path = directory / f"{participant}.db"
    if template is not None:
        shutil.copyfile(template, path)
    engine = make_engine(f"sqlite:///{path}")
    upgrade_schema(engine, migrations, f"alembic_version_{participant}")
    try:
        yield ServiceDb(participant, make_session_factory(engine), outbox, inbox)
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- saga commands


def license_result(issued_uscc: str) -> registration_pb2.IssueLicenseResponse:
    """What the license step answered, as far as the later steps' commands read it."""
    return registration_pb2.IssueLicenseResponse(
        license=registration_pb2.License(
            uscc=issued_uscc,
            company_name=COMPANY_NAME,
            division_code=DIVISION,
            date_of_establishment=NOW.date().isoformat(),
        )
    )


def seal_result(codes: Mapping[int, str]) -> seal_pb2.IssueSealsResponse:
    """What the seal step answered: a seal code per kind (application_pb2.SealKind)."""
    return seal_pb2.IssueSealsResponse(
        seals=[seal_pb2.Seal(kind=kind, seal_code=code) for kind, code in codes.items()]
    )


def saga_data(
    case_id: str,
    form: application_pb2.ApplicationForm | None = None,
    *,
    results: Mapping[str, Message] | None = None,
    reason: str = "",
) -> SagaData:
    return SagaData(
        case_id=case_id,
        applicant_id=APPLICANT,
        form=form if form is not None else sample_form(),
        results=dict(results or {}),
        reason=reason,
        submitted_at=NOW,
    )


def deadline(step_def: StepDef, now: datetime = NOW) -> common_pb2.Deadline:
    """The step's legal limit on the business calendar, started now (as the engine's clock)."""
    calendar = BusinessCalendar()
    due = calendar.add_working_time(now, step_def.limit)
    message = common_pb2.Deadline(limit_workdays=str(step_def.limit))
    message.started_at.CopyFrom(timestamp(now))
    message.due_at.CopyFrom(timestamp(due))
    message.warn_at.CopyFrom(timestamp(calendar.warning_at(now, due)))
    return message


def with_context(request: Any, data: SagaData, step: str, key: str) -> Any:
    """``request`` as the engine sends it for the case's ``step`` (``EngineCore._send``)."""
    step_def = OPEN_COMPANY.get(step)
    request.context.CopyFrom(
        common_pb2.CommandContext(
            idempotency_key=key,
            case_id=data.case_id,
            step=step_def.name,
            deadline=deadline(step_def),
            applicant_id=data.applicant_id,
            attempt=1,
        )
    )
    return request


def action(step: str, data: SagaData, *, corrections: int = 0) -> Any:
    """The step's action command under the engine's idempotency key (``action_key``)."""
    step_def = OPEN_COMPANY.get(step)
    key = action_key(data.case_id, SagaStep(name=step, corrections=corrections), step_def)
    return with_context(step_def.command(data), data, step, key)


def compensation(step: str, data: SagaData, *, round_: int = 1) -> Any:
    """The step's compensation command under the key the engine gives each compensation round."""
    step_def = OPEN_COMPANY.get(step)
    assert step_def.compensation and step_def.compensation_command
    key = f"{data.case_id}:{step}:{step_def.compensation}:{round_}"
    return with_context(step_def.compensation_command(data), data, step, key)


def rejected_fields(status: common_pb2.StepStatus) -> list[tuple[str, str]]:
    return [(r.field, r.rule) for r in status.rejections]
