"""The revisions that seal personal data at rest convert the rows already there, on SQLite and on
PostgreSQL (ONESTOP_TEST_DB): every participant's desk tasks (a command and JSON details naming
people), inbox and outbox, and the portal's drafts (JSON, which PostgreSQL stores as ``json``
until the revision makes it text). Their downgrades give the plaintext back."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from onestop_common.db import UtcDateTime, make_engine
from portal.models import Draft
from tests.support.infra import databases
from tests.support.service_db import TEST_KEK

ID_NUMBER, PHONE = "120115198503120033", "13800000001"
COMMAND = b"\x0a\x12" + ID_NUMBER.encode() + b"\x22\x0b" + PHONE.encode()
# Each participant's revision before the one that seals.
BEFORE_SEALING = {
    "registration": ("svc_registration", "8a079eec1bce"),
    "seal": ("svc_seal", "66353197816e"),
    "invoice": ("svc_invoice", "27f491a41406"),
    "social_insurance": ("svc_social_insurance", "1b787d0a8552"),
    "bank": ("svc_bank", "b3a471fe91cb"),
}
AT = datetime(2026, 12, 1, tzinfo=UTC)


def config(package: str, component: str) -> Config:
    migrations = Path(importlib.import_module(package).__file__ or "").parent / "migrations"
    result = Config()
    result.set_main_option("script_location", str(migrations))
    result.attributes["version_table"] = f"alembic_version_{component}"
    return result


def migrate(engine: Engine, alembic: Config, revision: str, *, down: bool = False) -> None:
    with engine.begin() as connection:
        alembic.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(alembic, revision)


def stored(engine: Engine, statement: str) -> list[str]:
    """Every value the statement selects, as text — what is at rest (bytes decoded as Latin-1,
    a PostgreSQL ``json`` value as its text)."""
    with engine.connect() as connection:
        return [_as_text(value) for value in connection.execute(sa.text(statement)).scalars()]


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("latin-1")
    return json.dumps(value, ensure_ascii=False)


@pytest.fixture(scope="module")
def module_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One set of databases for the module (each test uses another component's): making them
    on PostgreSQL is what takes the time."""
    with databases(tmp_path_factory.mktemp("databases")) as url:
        yield url


@pytest.fixture
def engine_for(module_databases: str) -> Iterator[Callable[[str], Engine]]:
    """A component's database on the test's backend, made with the tests' KEK."""
    engines: list[Engine] = []

    def make(component: str) -> Engine:
        engines.append(make_engine(module_databases.format(component=component), kek=TEST_KEK))
        return engines[-1]

    yield make
    for engine in engines:
        engine.dispose()


def add_participant_rows(engine: Engine) -> None:
    at = sa.bindparam("at", type_=UtcDateTime())
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO tasks (id, case_id, step, kind, state, company_name, uscc, summary, "
                "assignee_org, claimed_by, created_at, limit_workdays, decided_by, reason, "
                "context, request_type, request, details) VALUES ('T-1', 'C-1', 'step', "
                "'review', 'open', '', '', '', '', '', :at, '1', '', '', :context, 'x', "
                ":request, :details)"
            ).bindparams(at),
            {
                "at": AT,
                "context": b"",
                "request": COMMAND,
                "details": f'{{"beneficial_owners": "张伟 {ID_NUMBER}"}}',
            },
        )
        connection.execute(
            sa.text(
                "INSERT INTO inbox (key, handled_at, result_type, result) "
                "VALUES ('C-1:step:Do', :at, 'x', :result)"
            ).bindparams(at),
            {"at": AT, "result": COMMAND},
        )
        connection.execute(
            sa.text(
                "INSERT INTO outbox (message_id, created_at, exchange, routing_key, headers, "
                "body) VALUES ('m1', :at, 'x', 'y', '{}', :body)"
            ).bindparams(at),
            {"at": AT, "body": COMMAND},
        )


@pytest.mark.parametrize("component", sorted(BEFORE_SEALING))
def test_a_participants_rows_are_sealed_by_the_upgrade_and_opened_by_the_downgrade(
    component: str, engine_for: Callable[[str], Engine]
) -> None:
    package, before = BEFORE_SEALING[component]
    engine = engine_for(component)
    alembic = config(package, component)
    migrate(engine, alembic, before)
    add_participant_rows(engine)
    at_rest = "SELECT request FROM tasks UNION ALL SELECT result FROM inbox"

    migrate(engine, alembic, "head")
    values = [*stored(engine, at_rest), *stored(engine, "SELECT details FROM tasks")]
    values += stored(engine, "SELECT body FROM outbox")
    assert not [v for v in values if ID_NUMBER in v or PHONE in v]
    models = importlib.import_module(f"{package}.models")
    with Session(engine) as session:
        [task] = session.query(models.Task).all()
        assert (task.request, task.details) == (COMMAND, {"beneficial_owners": f"张伟 {ID_NUMBER}"})
        [message] = session.query(models.Outbox).all()
        assert message.body == COMMAND

    migrate(engine, alembic, before, down=True)
    assert ID_NUMBER in stored(engine, "SELECT details FROM tasks")[0]
    assert stored(engine, at_rest) == [COMMAND.decode("latin-1")] * 2


def test_the_portals_drafts_are_sealed_by_the_upgrade(engine_for: Callable[[str], Engine]) -> None:
    engine = engine_for("portal")
    alembic = config("portal", "portal")
    migrate(engine, alembic, "5c1e0a7d2b94")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO drafts (id, owner, title, fields, created_at, updated_at) "
                "VALUES ('d1', 'alice', 't', :fields, :at, :at)"
            ).bindparams(sa.bindparam("at", type_=UtcDateTime())),
            {"fields": f'{{"legal_rep.id_number": "{ID_NUMBER}"}}', "at": AT},
        )

    migrate(engine, alembic, "head")
    assert ID_NUMBER not in stored(engine, "SELECT fields FROM drafts")[0]
    with Session(engine) as session:
        draft = session.get(Draft, "d1")
        assert draft is not None and draft.fields == {"legal_rep.id_number": ID_NUMBER}

    migrate(engine, alembic, "5c1e0a7d2b94", down=True)
    assert ID_NUMBER in stored(engine, "SELECT fields FROM drafts")[0]
