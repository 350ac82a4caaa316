"""A participant's own database in the test's process: a SQLite file migrated by the service's own
Alembic migrations (once, then copied for each test); a unit of work in one transaction, as
``nameko_kit.Store`` opens it; what a transaction staged in the outbox, decoded. The unit tests
open it with the ``open_service_db`` fixture (tests/unit/conftest.py)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from google.protobuf.message import Message
from sqlalchemy import MetaData, func, select, table, text
from sqlalchemy.orm import Session, sessionmaker

from onestop_common import messaging as m
from onestop_common.db import make_engine, make_session_factory, transaction, upgrade_schema
from onestop_common.outbox import InboxMixin, OutboxMixin
from onestop_common.participant import UnitOfWork, run_saga_action

R = TypeVar("R", bound=Message)
# The tests' key-encryption key: their databases seal personal data as the services' do.
TEST_KEK = b"onestop test key-encryption key"


@dataclass(frozen=True)
class Staged:
    """One outbox row: where it goes and the message it carries, decoded by its type header."""

    exchange: str
    routing_key: str
    headers: Mapping[str, Any]
    # Its class is known only from the header at run time: Any spares each test a cast.
    message: Any


@dataclass(frozen=True)
class ServiceSchema:
    """A participant's database as its service makes it: migrated by the Alembic migrations
    beside the service's package, with the service's outbox and inbox tables."""

    participant: str
    service: ModuleType
    outbox: type[OutboxMixin]
    inbox: type[InboxMixin]

    @property
    def migrations(self) -> Path:
        assert self.service.__file__ is not None
        return Path(self.service.__file__).parent / "migrations"


@dataclass
class ServiceDb:
    """A participant's own database, and units of work on it."""

    participant: str
    sessions: sessionmaker[Session]
    outbox: type[OutboxMixin]
    inbox: type[InboxMixin]
    migrations: Path | None = None

    def migrate(self, revision: str, *, down: bool = False) -> None:
        """Brings the schema to ``revision`` with the service's own migrations, downwards too."""
        assert self.migrations is not None, "made without its migrations"
        config = Config()
        config.set_main_option("script_location", str(self.migrations))
        config.attributes["version_table"] = f"alembic_version_{self.participant}"
        engine = self.sessions.kw["bind"]
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            (command.downgrade if down else command.upgrade)(config, revision)

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with transaction(self.sessions) as session:
            yield UnitOfWork(session, self.participant, self.outbox, self.inbox)

    def run_saga_action(
        self,
        rpc: str,
        request: Message,
        response_type: type[R],
        action: Callable[[UnitOfWork], R],
        *,
        compensated_by: str = "",
    ) -> R:
        """``action`` as a service's transport runs a saga command: in one unit of work, under
        the saga runner (the answer stored under the idempotency key, the compensation that
        overtook the action)."""
        with self.unit_of_work() as uow:
            response = run_saga_action(
                uow, rpc, request, response_type, action, compensated_by=compensated_by
            )
            assert isinstance(response, response_type)
            return response

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

    def stored_as_is(self, values: Iterable[str]) -> list[str]:
        """Where any of ``values`` is stored in plaintext: every table read with plain SQL (no
        column types, so nothing is unsealed), each "table.column" holding one of them."""
        wanted = [v for v in values if v]
        found = []
        metadata = MetaData()
        with transaction(self.sessions) as session:
            metadata.reflect(bind=session.connection())
            for name in metadata.tables:
                result = session.execute(text(f'SELECT * FROM "{name}"'))
                columns = list(result.keys())
                for row in result:
                    found += [
                        f"{name}.{column}"
                        for column, value in zip(columns, row, strict=True)
                        if _holds(value, wanted)
                    ]
        return sorted(set(found))

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


def _holds(value: object, wanted: Iterable[str]) -> bool:
    if isinstance(value, bytes | memoryview):
        raw = bytes(value)
        return any(w.encode() in raw for w in wanted)
    return isinstance(value, str) and any(w in value for w in wanted)


def migrated(directory: Path, schema: ServiceSchema) -> Path:
    """A database file brought to head by the participant's own migrations, to be copied for each
    test: migrating takes a tenth of a second or more, a copy a millisecond."""
    path = directory / f"{schema.participant}.db"
    engine = make_engine(f"sqlite:///{path}", kek=TEST_KEK)
    try:
        upgrade_schema(engine, schema.migrations, f"alembic_version_{schema.participant}")
    finally:
        engine.dispose()
    # The last connection closed checkpoints the write-ahead log into the file: nothing is left
    # beside it that a copy of the file alone would miss.
    assert not path.with_name(f"{path.name}-wal").exists(), "the template's WAL was not merged"
    return path


@contextmanager
def service_db(
    directory: Path, schema: ServiceSchema, *, template: Path | None = None
) -> Iterator[ServiceDb]:
    """The participant's database in ``directory`` (a copy of ``template`` if given), migrated as
    the service migrates it at start (``nameko_kit.Store.setup``; a no-op on the copy)."""
    path = directory / f"{schema.participant}.db"
    if template is not None:
        shutil.copyfile(template, path)
    engine = make_engine(f"sqlite:///{path}", kek=TEST_KEK)
    upgrade_schema(engine, schema.migrations, f"alembic_version_{schema.participant}")
    try:
        yield ServiceDb(
            schema.participant,
            make_session_factory(engine),
            schema.outbox,
            schema.inbox,
            schema.migrations,
        )
    finally:
        engine.dispose()


# The unit tests' fixture (tests/unit/conftest.py): a participant's database for the test.
OpenServiceDb = Callable[[ServiceSchema], ServiceDb]


class MigratedTemplates:
    """Each participant's database migrated once, in ``directory``, to be copied for each test."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._made: dict[ServiceSchema, Path] = {}

    def of(self, schema: ServiceSchema) -> Path:
        if schema not in self._made:
            self._made[schema] = migrated(self._directory, schema)
        return self._made[schema]
