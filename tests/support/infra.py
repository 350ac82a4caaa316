"""Real infrastructure for tests: a throwaway RabbitMQ vhost per test, a data directory, and
databases on SQLite (default) or PostgreSQL (ONESTOP_TEST_DB=postgresql)."""

from __future__ import annotations

import atexit
import base64
import fcntl
import json
import os
import socket
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

import psycopg2

from onestop_cli.supervisor import Supervisor
from onestop_common.settings import COMPONENTS, Settings, load_settings

RABBIT_API = os.environ.get("ONESTOP_TEST_RABBIT_API", "http://127.0.0.1:15672/api")
RABBIT_USER, RABBIT_PASSWORD = "guest", "guest"
PG_ADMIN_DSN = os.environ.get("ONESTOP_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def backend() -> str:
    return os.environ.get("ONESTOP_TEST_DB", "sqlite")


def _rabbit(method: str, path: str, body: dict[str, object] | None = None) -> None:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{RABBIT_API}{path}", data=data, method=method)
    token = base64.b64encode(f"{RABBIT_USER}:{RABBIT_PASSWORD}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    request.add_header("content-type", "application/json")
    with urllib.request.urlopen(request, timeout=10):
        pass


def rabbit_api(path: str) -> object:
    request = urllib.request.Request(f"{RABBIT_API}{path}")
    token = base64.b64encode(f"{RABBIT_USER}:{RABBIT_PASSWORD}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@contextmanager
def rabbit_vhost() -> Iterator[str]:
    name = f"test-{uuid.uuid4().hex[:10]}"
    quoted = urllib.parse.quote(name, safe="")
    _rabbit("PUT", f"/vhosts/{quoted}")
    _rabbit(
        "PUT",
        f"/permissions/{quoted}/{RABBIT_USER}",
        {"configure": ".*", "write": ".*", "read": ".*"},
    )
    try:
        yield name
    finally:
        with suppress(urllib.error.URLError):
            _rabbit("DELETE", f"/vhosts/{quoted}")


def queue_stats(vhost: str, queue: str) -> dict[str, object]:
    vq = urllib.parse.quote(vhost, safe="")
    return rabbit_api(f"/queues/{vq}/{urllib.parse.quote(queue, safe='')}")  # type: ignore[return-value]


@contextmanager
def databases(tmp: Path, kind: str | None = None) -> Iterator[str]:
    """A database URL template ({component}) on the chosen backend, empty, as a fresh one is;
    emptied (PostgreSQL) or left behind in ``tmp`` (SQLite) afterwards."""
    if (kind or backend()) != "postgresql":
        yield f"sqlite:///{tmp}/{{component}}.db"
        return
    prefix = _pg_pool.take()
    try:
        yield f"postgresql+psycopg2://postgres@127.0.0.1:5432/{prefix}_{{component}}"
    finally:
        _pg_pool.give_back(prefix)


class _PostgresPool:
    """Sets of PostgreSQL databases (one per component) this process created, handed out again
    once emptied.

    Measured on the CI machine: creating the seven databases of a set took 2-3 s and dropping
    them 8-11 s (PostgreSQL checkpoints at every DROP DATABASE), for every test with a platform
    of its own. Emptying a set instead (its connections ended, its ``public`` schema dropped with
    everything in it and created again) takes a fraction of a second, and the set is then what a
    fresh one is: no tables, sequences, types or data, so the next platform's migrations run from
    nothing as they did on a new database. A set that cannot be emptied is dropped. The sets are
    dropped when the process exits."""

    def __init__(self) -> None:
        self._free: list[str] = []
        self._created: set[str] = set()
        atexit.register(self.drop_all)

    def take(self) -> str:
        if self._free:
            return self._free.pop()
        prefix = f"t_{uuid.uuid4().hex[:8]}"
        with _admin() as cursor:
            self._created.add(prefix)
            for component in COMPONENTS:
                cursor.execute(f'CREATE DATABASE "{prefix}_{component}"')
        return prefix

    def give_back(self, prefix: str) -> None:
        try:
            self._empty(prefix)
        except psycopg2.Error:
            self._drop(prefix)
        else:
            self._free.append(prefix)

    def drop_all(self) -> None:
        for prefix in list(self._created):
            with suppress(psycopg2.Error):
                self._drop(prefix)

    def _empty(self, prefix: str) -> None:
        names = [f"{prefix}_{component}" for component in COMPONENTS]
        with _admin() as cursor:
            # Connections the test left (its own engines, a process it killed) end first.
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = ANY(%s) AND pid <> pg_backend_pid()",
                (names,),
            )
        for name in names:
            connection = psycopg2.connect(PG_ADMIN_DSN, dbname=name)
            try:
                connection.autocommit = True
                with connection.cursor() as cursor:
                    cursor.execute("DROP SCHEMA public CASCADE")
                    cursor.execute("CREATE SCHEMA public")
                    cursor.execute(
                        "SELECT count(*) FROM pg_namespace WHERE nspname NOT IN "
                        "('public', 'information_schema') AND nspname NOT LIKE 'pg\\_%'"
                    )
                    (others,) = cursor.fetchone() or (0,)
            finally:
                connection.close()
            if others:  # a schema of its own: not what a fresh database holds
                raise psycopg2.Error(f"{name} has {others} schema(s) besides public")

    def _drop(self, prefix: str) -> None:
        self._created.discard(prefix)
        with _admin() as cursor:
            for component in COMPONENTS:
                cursor.execute(f'DROP DATABASE IF EXISTS "{prefix}_{component}" WITH (FORCE)')


@contextmanager
def _admin() -> Iterator[psycopg2.extensions.cursor]:
    admin = psycopg2.connect(PG_ADMIN_DSN)
    try:
        admin.autocommit = True
        with admin.cursor() as cursor:
            yield cursor
    finally:
        admin.close()


_pg_pool = _PostgresPool()


def platform_env(
    data_dir: Path, vhost: str, database_url: str, port_base: int, **extra: str
) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ONESTOP_")}
    env.update(
        {
            "ONESTOP_DATA_DIR": str(data_dir),
            "ONESTOP_AMQP_URL": "amqp://guest:guest@127.0.0.1:5672/"
            + urllib.parse.quote(vhost, safe=""),
            "ONESTOP_DATABASE_URL": database_url,
            "ONESTOP_GRPC_PORT_BASE": str(port_base),
            "ONESTOP_HTTP_PORT_BASE": str(port_base + 100),
            "ONESTOP_OUTBOX_POLL_SECONDS": "0.2",
            # One signing server per test platform unless a test asks for more.
            "ONESTOP_SIGNER_REPLICAS": "1",
            # Cases start at once: the persons' confirmation before a case starts has its own
            # tests (test_person_signatures), which turn it on.
            "ONESTOP_PERSON_SIGNATURES": "off",
        }
    )
    env.update(extra)
    return env


def settings_for(env: dict[str, str]) -> Settings:
    return load_settings(env)


def _worker_range() -> tuple[int, int]:
    """Each pytest-xdist worker (and a plain run) gets its own block of ports, so platforms in
    parallel workers can never pick overlapping ports."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker.removeprefix("gw") or 0) % 8
    start = 20000 + index * 5000
    return start, start + 5000


_next_port: list[int] = []
# Blocks this process has claimed: the open lock files keep other test sessions on the same
# machine (a second pytest run, a developer's run next to CI) out of them until we exit.
_claimed_blocks: dict[int, IO[bytes]] = {}
PORT_LOCK_DIR = Path(tempfile.gettempdir()) / "onestop-test-ports"


def free_port_base() -> int:
    """A block of free ports per platform: gRPC base..base+59, HTTP base+100..base+159."""
    low, high = _worker_range()
    if not _next_port:
        _next_port.append(low + (os.getpid() % 10) * 200)
    for _ in range(2 * (high - low) // 200):
        base = _next_port[0]
        _next_port[0] = base + 200 if base + 400 <= high else low
        if not _claim_block(base):
            continue
        if all(_port_free(p) for p in (*range(base, base + 60), *range(base + 100, base + 160))):
            return base
    raise RuntimeError(f"no free block of test ports in {low}..{high} (other test runs?)")


def _claim_block(base: int) -> bool:
    """True if this process holds the block's lock (taking it if no other process has it)."""
    if base in _claimed_blocks:
        return True
    PORT_LOCK_DIR.mkdir(exist_ok=True)
    lock = open(PORT_LOCK_DIR / f"{base}.lock", "wb")  # noqa: SIM115 - held until exit
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        return False
    _claimed_blocks[base] = lock
    return True


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@contextmanager
def signing_server(settings: Settings) -> Iterator[str]:
    """The platform PKI and a signing server (with its timestamp authority) on their usual ports,
    in this process, for tests that run services without the whole platform."""
    from onestop_common.pki import PkiStore
    from signer.server import SigningServer

    store = PkiStore(settings.pki_dir, settings.kek)
    if not store.is_complete():
        store.init(crl_base_url=settings.crl_base_url)
    server = SigningServer(settings)
    server.start()
    try:
        if not server.tsa_ready.wait(10):
            raise RuntimeError("the signing server's timestamp authority did not start")
        yield settings.tsa_url
    finally:
        server.stop(grace=0)


class PlatformFactory:
    def __init__(self, tmp_path: Path, vhost: str, database_url: str) -> None:
        self.tmp_path = tmp_path
        self.vhost = vhost
        self.database_url = database_url
        self.port_base = free_port_base()
        self.supervisors: list[Supervisor] = []

    def env(self, **extra: str) -> dict[str, str]:
        return platform_env(
            self.tmp_path / "data", self.vhost, self.database_url, self.port_base, **extra
        )

    def start(self, components: tuple[str, ...], **extra: str) -> Supervisor:
        env = self.env(**extra)
        supervisor = Supervisor(
            settings_for(env),
            env,
            components=components,
            log_dir=self.tmp_path / "logs",
            restart_on_exit=False,
        )
        self.supervisors.append(supervisor)
        supervisor.start()
        return supervisor

    def stop(self) -> None:
        """Stops what was started (once: a second call finds nothing left to stop)."""
        for supervisor in self.supervisors:
            supervisor.stop()
        self.supervisors.clear()


@contextmanager
def fresh_platform(tmp: Path) -> Iterator[PlatformFactory]:
    """Platform processes on a throwaway vhost and fresh databases under ``tmp``, for a module
    (the ``platform`` fixture is the same for one test); all stopped at the end."""
    with rabbit_vhost() as vhost, databases(tmp) as database_url:
        factory = PlatformFactory(tmp, vhost, database_url)
        try:
            yield factory
        finally:
            factory.stop()


@contextmanager
def services_with_signer(
    tmp: Path, components: tuple[str, ...], **extra: str
) -> Iterator[Supervisor]:
    """``components`` on a throwaway vhost and fresh databases under ``tmp``, the PKI and the
    signing server (with its TSA) started before them, as under `onestop up`; stopped in the
    reverse order at the end."""
    with fresh_platform(tmp) as factory, signing_server(settings_for(factory.env(**extra))):
        try:
            yield factory.start(components, **extra)
        finally:
            factory.stop()
