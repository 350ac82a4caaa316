"""Database engines, sessions and migrations shared by every component (SQLite or PostgreSQL).

Each component owns its database and its Alembic migrations; this module only knows how to open
an engine the same way everywhere and how to bring a schema up to date.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import URL, DateTime, Dialect, Engine, TypeDecorator, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from onestop_common import sealed_fields
from onestop_common.clock import SHANGHAI

_migration_lock = threading.Lock()
READ_ONLY = "onestop_read_only"


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes on every backend: stored as UTC, read back in Asia/Shanghai.

    SQLite has no time zone type and would hand back naive values; a naive value written by
    mistake is refused instead of being taken as local time.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: every OneStop time is timezone-aware")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(SHANGHAI)


def is_sqlite(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, *, kek: bytes = b"", pool_size: int = 10) -> Engine:
    """An engine tuned for our use: SQLite in WAL mode with immediate write transactions.

    ``kek``: the store holds sealed personal data (``sealed_fields``); its key ring, unwrapped
    with the KEK, is loaded by ``upgrade_schema``.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed)
    else:
        engine = create_engine(parsed, pool_size=pool_size, max_overflow=10, pool_pre_ping=True)
    if kek:
        sealed_fields.attach(engine, sealed_fields.FieldKeys(kek))
    return engine


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    in_memory = database in ("", ":memory:")
    if not in_memory:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    pooling: dict[str, Any] = (
        {"poolclass": StaticPool} if in_memory else {"pool_size": 20, "max_overflow": 80}
    )
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **pooling)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed transaction survives a power cut, not only a process crash.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: a deferred transaction that later upgrades
        # to a writer can fail with SQLITE_BUSY without the busy timeout ever applying.
        # Read-only sessions (see make_read_session_factory) begin deferred: in WAL mode
        # readers neither wait for writers nor block them.
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_session_factory(engine: Engine, *, autoflush: bool = True) -> sessionmaker[Session]:
    """Sessions for units of work. ``autoflush=False`` writes everything at commit in bulk
    (fewer statements) for callers that never query what they added in the same transaction."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=autoflush)


def make_read_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for queries only, each one consistent snapshot of the database.

    A view is read in several statements (a case row, then its steps, then its audit trail);
    under PostgreSQL's default READ COMMITTED each statement may see a later commit, and a
    reader could pair a running case with its finished steps. REPEATABLE READ (read-only,
    so it never fails to serialise) gives the whole session one snapshot. SQLite's deferred
    transaction in WAL mode is a snapshot from its first read already, and never takes the
    write lock.
    """
    options: dict[str, Any] = {READ_ONLY: True}
    if not is_sqlite(engine.url):
        options.update(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    return sessionmaker(bind=engine.execution_options(**options), expire_on_commit=False)


@contextlib.contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def upgrade_schema(
    engine: Engine, migrations_dir: Path, version_table: str, revision: str = "head"
) -> None:
    """Applies the component's Alembic migrations up to ``revision`` (idempotent), then loads the
    store's key ring if the engine has one; a test of a migration stops at the revision before
    it."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.attributes["version_table"] = version_table
    with _migration_lock, engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        sealed_fields.load_attached(connection)


def run_migration_env(metadata: Any) -> None:
    """Body of every component's migrations/env.py: run against the connection we were given."""
    from alembic import context

    config = context.config
    connection = config.attributes.get("connection")
    version_table = config.attributes.get("version_table", "alembic_version")
    if connection is None:
        url = config.get_main_option("sqlalchemy.url")
        if not url:
            raise RuntimeError("migrations need a connection or sqlalchemy.url")
        with make_engine(url).begin() as new_connection:
            _configure_and_run(context, new_connection, metadata, version_table)
        return
    _configure_and_run(context, connection, metadata, version_table)


def _configure_and_run(context: Any, connection: Any, metadata: Any, version_table: str) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=version_table,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        user_module_prefix="onestop_common.db.",
    )
    with context.begin_transaction():
        context.run_migrations()
