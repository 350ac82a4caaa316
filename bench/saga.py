"""``onestop bench saga``: cases per second through the whole saga machinery with participants that
do no domain work (echo). Everything else is real: RabbitMQ with persistent messages and publisher
confirms, the outbox and inbox in each process's own SQLite database (synchronous=FULL), timers,
the audit trail. Prints throughput, latency percentiles and CPU seconds per case per process.
With ``--postgresql ADMIN_URL`` every process uses its own throwaway PostgreSQL database instead
of an SQLite file.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from sqlalchemy.engine import URL, make_url

from onestop.common.v1 import common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop_cli.client import load_form
from onestop_cli.supervisor import Supervisor
from onestop_common.identity import Role, bearer, issue_token
from onestop_common.settings import COMPONENTS, Settings, load_settings

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "application.json"
DONE_STATES = (
    common_pb2.CASE_STATE_COMPLETED,
    common_pb2.CASE_STATE_COMPENSATED,
    common_pb2.CASE_STATE_FAILED,
)
MANAGEMENT_API = "http://127.0.0.1:15672/api"
BENCH_PORT_BASE = "51050"


@dataclass
class Broker:
    """A throwaway vhost so the benchmark never mixes with a running platform."""

    url: str
    vhost: str | None

    @classmethod
    def create(cls, base_url: str) -> Broker:
        vhost = f"onestop-bench-{uuid.uuid4().hex[:6]}"
        try:
            _management("PUT", f"/vhosts/{vhost}")
            _management(
                "PUT",
                f"/permissions/{vhost}/guest",
                {"configure": ".*", "write": ".*", "read": ".*"},
            )
        except OSError:
            print("note: RabbitMQ management API not reachable; using the default vhost")
            return cls(base_url, None)
        root = base_url.rsplit("/", 1)[0]
        return cls(f"{root}/{urllib.parse.quote(vhost, safe='')}", vhost)

    def drop(self) -> None:
        if self.vhost:
            with contextlib.suppress(OSError):
                _management("DELETE", f"/vhosts/{self.vhost}")


def _management(method: str, path: str, body: dict[str, str] | None = None) -> None:
    request = urllib.request.Request(
        f"{MANAGEMENT_API}{path}", method=method, data=json.dumps(body).encode() if body else None
    )
    request.add_header("Authorization", "Basic " + base64.b64encode(b"guest:guest").decode())
    request.add_header("content-type", "application/json")
    with urllib.request.urlopen(request, timeout=10):
        pass


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (and its reaped children) from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(value) for value in fields[11:15]) / ticks


def postgres_pids() -> list[int]:
    found = subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True)
    return [int(p) for p in found.stdout.split()]


def _cpu_or_none(pid: int) -> float | None:
    """CPU seconds of a process, None if it has ended (a database backend may close)."""
    try:
        return cpu_seconds(pid)
    except FileNotFoundError:
        return None


def rabbit_pid() -> int | None:
    found = subprocess.run(["pgrep", "-f", "beam.smp"], capture_output=True, text=True)
    pids = [int(p) for p in found.stdout.split()]
    return pids[0] if pids else None


@dataclass
class Databases:
    """Each process's database: SQLite files in the run's directory, or throwaway PostgreSQL
    databases (created on the server ``admin_url`` points at, dropped afterwards)."""

    admin_url: str | None
    prefix: str = field(default_factory=lambda: f"onestop_bench_{uuid.uuid4().hex[:6]}")

    def url(self) -> str | None:
        if not self.admin_url:
            return None  # the default: SQLite files under the data directory
        # The database part is a template ({component}): appended after rendering, which
        # would percent-encode the braces.
        admin = make_url(self.admin_url)
        server = URL.create(
            "postgresql+psycopg2", admin.username, admin.password, admin.host, admin.port
        )
        return f"{server.render_as_string(hide_password=False)}/{self.prefix}_{{component}}"

    def create(self) -> None:
        self._each("CREATE DATABASE {}")

    def drop(self) -> None:
        self._each("DROP DATABASE IF EXISTS {} WITH (FORCE)")

    def _each(self, statement: str) -> None:
        if not self.admin_url:
            return
        import psycopg2

        server = make_url(self.admin_url).set(drivername="postgresql")
        connection = psycopg2.connect(server.render_as_string(hide_password=False))
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                for component in COMPONENTS:
                    cursor.execute(statement.format(f'"{self.prefix}_{component}"'))
        finally:
            connection.close()


def run(
    *,
    cases: int,
    concurrency: int,
    postgresql: str | None = None,
    out: Callable[[str], None] = print,
) -> int:
    base = load_settings()
    broker = Broker.create(base.amqp_url)
    databases = Databases(postgresql)
    with tempfile.TemporaryDirectory(prefix="onestop-bench-") as tmp:
        env = {
            **os.environ,
            "ONESTOP_DATA_DIR": tmp,
            "ONESTOP_AMQP_URL": broker.url,
            "ONESTOP_PARTICIPANTS": "echo",
            "ONESTOP_GRPC_PORT_BASE": BENCH_PORT_BASE,
            "ONESTOP_HTTP_PORT_BASE": str(int(BENCH_PORT_BASE) + 100),
            "ONESTOP_LOG_LEVEL": "WARNING",
        }
        env.pop("ONESTOP_DATABASE_URL", None)
        database_url = databases.url()
        if database_url:
            env["ONESTOP_DATABASE_URL"] = database_url
        settings = load_settings(env)
        supervisor = Supervisor(settings, env, log_dir=Path(tmp) / "logs", restart_on_exit=False)
        where = f"PostgreSQL databases {databases.prefix}_*" if database_url else "SQLite"
        out(f"starting the platform (echo participants, {where}) in {tmp} …")
        try:
            databases.create()
            supervisor.start()
            return _measure(settings, supervisor, cases, concurrency, out)
        finally:
            supervisor.stop()
            broker.drop()
            databases.drop()


def _measure(
    settings: Settings,
    supervisor: Supervisor,
    cases: int,
    concurrency: int,
    out: Callable[[str], None],
) -> int:
    form = load_form(SAMPLE)
    token = issue_token(settings.token_secret, subject="bench", role=Role.ENTREPRENEUR)
    with grpc.insecure_channel(settings.grpc_target("orchestrator")) as channel:
        stub = pb_grpc.OneStopServiceStub(channel)
        single = [_one_case(stub, form, token) for _ in range(5)]
        out(f"single case (idle platform): {statistics.median(single) * 1000:.0f} ms median of 5")
        pids = {name: child.process.pid for name, child in supervisor.children.items()}
        broker_pid = rabbit_pid()
        if broker_pid:
            pids["rabbitmq"] = broker_pid
        # The clients (this process: 50 submitting and watching threads) share the two cores.
        pids["bench client"] = os.getpid()
        if "postgresql" in settings.database_url:
            pids.update({f"postgres {pid}": pid for pid in postgres_pids()})
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            latencies = list(pool.map(lambda _: _one_case(stub, form, token), range(cases)))
        elapsed = time.perf_counter() - started
        after = {name: _cpu_or_none(pid) for name, pid in pids.items()}
    latencies.sort()
    out(f"\n{cases} cases, concurrency {concurrency}: {elapsed:.2f} s wall")
    out(f"  throughput      {cases / elapsed:8.1f} cases/s")
    out(f"  latency p50     {_pct(latencies, 0.50) * 1000:8.0f} ms (submission to completion)")
    out(f"  latency p99     {_pct(latencies, 0.99) * 1000:8.0f} ms")
    out(f"  latency max     {latencies[-1] * 1000:8.0f} ms")
    out("  CPU seconds per case, by process:")
    total = database = 0.0
    for name in pids:
        ended = after[name]
        per_case = ((ended if ended is not None else before[name]) - before[name]) / cases
        total += per_case
        if name.startswith("postgres "):
            database += per_case  # one line for the server's backends
        else:
            out(f"    {name:<17} {per_case * 1000:7.2f} ms")
    if database:
        out(f"    {'postgresql':<17} {database * 1000:7.2f} ms  (server backends)")
    out(f"    {'total':<17} {total * 1000:7.2f} ms  (on {os.cpu_count()} cores)")
    return 0


def _one_case(stub: pb_grpc.OneStopServiceStub, form: object, token: str) -> float:
    metadata = bearer(token)
    started = time.perf_counter()
    response = stub.SubmitApplication(
        pb.SubmitApplicationRequest(idempotency_key=uuid.uuid4().hex, form=form),  # type: ignore[arg-type]
        metadata=metadata,
        timeout=60,
    )
    case_id = response.application.case_id
    for update in stub.WatchApplication(
        pb.WatchApplicationRequest(case_id=case_id), metadata=metadata, timeout=120
    ):
        if update.application.state in DONE_STATES:
            if update.application.state != common_pb2.CASE_STATE_COMPLETED:
                raise RuntimeError(f"case {case_id} ended {update.application.state}")
            return time.perf_counter() - started
    raise RuntimeError(f"case {case_id} did not complete")


def _pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))]


if __name__ == "__main__":
    sys.exit(
        run(
            cases=int(sys.argv[1]) if len(sys.argv) > 1 else 200,
            concurrency=int(sys.argv[2]) if len(sys.argv) > 2 else 50,
        )
    )
