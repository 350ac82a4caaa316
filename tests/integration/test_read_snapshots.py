"""Read-only sessions see one snapshot of the database for their whole life.

The watch stream reads a case, its steps and its audit trail in separate statements; if a
commit could land between them, a client would be shown a running case whose steps are all
done, and then wait for an event it had already been given the position of.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, select, update
from sqlalchemy.exc import InternalError

from onestop_common.db import (
    make_engine,
    make_read_session_factory,
    make_session_factory,
    transaction,
)
from tests.support.infra import databases

metadata = MetaData()
counter = Table(
    "counter", metadata, Column("id", Integer, primary_key=True), Column("value", Integer)
)


def test_a_read_session_does_not_see_commits_made_after_its_first_read(database_url: str) -> None:
    engine = make_engine(database_url.format(component="orchestrator"))
    try:
        metadata.create_all(engine)
        writers = make_session_factory(engine)
        readers = make_read_session_factory(engine)
        with transaction(writers) as session:
            session.execute(counter.insert().values(id=1, value=1))

        with readers() as reader:
            before = reader.scalar(select(counter.c.value))
            with transaction(writers) as session:
                session.execute(update(counter).values(value=2))
            during = reader.scalar(select(counter.c.value))
        with readers() as reader:
            after = reader.scalar(select(counter.c.value))

        assert (before, during, after) == (1, 1, 2)
    finally:
        engine.dispose()


def test_a_read_session_cannot_write_on_postgresql(tmp_path: Path) -> None:
    # PostgreSQL whichever backend the suite runs on: SQLite has no read-only transactions.
    with databases(tmp_path, "postgresql") as url:
        engine = make_engine(url.format(component="orchestrator"))
        try:
            metadata.create_all(engine)
            readers = make_read_session_factory(engine)
            with readers() as reader, pytest.raises(InternalError, match="read-only"):
                reader.execute(counter.insert().values(id=2, value=5))
        finally:
            engine.dispose()
