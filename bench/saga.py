"""``onestop bench saga``: cases per second through the whole saga machinery with participants that
do no domain work (echo). Everything else is real: RabbitMQ with persistent messages and publisher
confirms, the outbox and inbox in each process's own SQLite database (synchronous=FULL), timers,
the audit trail. Prints throughput, latency percentiles and CPU seconds per case per process.
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
from dataclasses import dataclass
from pathlib import Path

import grpc

from onestop.common.v1 import common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop_cli.client import load_form
from onestop_cli.supervisor import Supervisor
from onestop_common.identity import Role, bearer, issue_token
from onestop_common.settings import Settings, load_settings

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


def rabbit_pid() -> int | None:
    found = subprocess.run(["pgrep", "-f", "beam.smp"], capture_output=True, text=True)
    pids = [int(p) for p in found.stdout.split()]
    return pids[0] if pids else None


def run(*, cases: int, concurrency: int, out: Callable[[str], None] = print) -> int:
    base = load_settings()
    broker = Broker.create(base.amqp_url)
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
        settings = load_settings(env)
        supervisor = Supervisor(settings, env, log_dir=Path(tmp) / "logs", restart_on_exit=False)
        out(f"starting the platform (echo participants) in {tmp} …")
        try:
            supervisor.start()
            return _measure(settings, supervisor, cases, concurrency, out)
        finally:
            supervisor.stop()
            broker.drop()


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
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            latencies = list(pool.map(lambda _: _one_case(stub, form, token), range(cases)))
        elapsed = time.perf_counter() - started
        after = {name: cpu_seconds(pid) for name, pid in pids.items()}
    latencies.sort()
    out(f"\n{cases} cases, concurrency {concurrency}: {elapsed:.2f} s wall")
    out(f"  throughput      {cases / elapsed:8.1f} cases/s")
    out(f"  latency p50     {_pct(latencies, 0.50) * 1000:8.0f} ms (submission to completion)")
    out(f"  latency p99     {_pct(latencies, 0.99) * 1000:8.0f} ms")
    out(f"  latency max     {latencies[-1] * 1000:8.0f} ms")
    out("  CPU seconds per case, by process:")
    total = 0.0
    for name in pids:
        per_case = (after[name] - before[name]) / cases
        total += per_case
        out(f"    {name:<17} {per_case * 1000:7.2f} ms")
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
