"""The comparison's saga shape on OneStop: ``onestop bench saga``'s platform (the orchestrator and
five echo participants, each with its SQLite database, on a throwaway RabbitMQ vhost) and its
clients, measured the way the other engines are."""

from __future__ import annotations

import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc

from bench import saga
from bench.measure import CpuMeter, EngineResult
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop_cli.client import load_form
from onestop_cli.supervisor import Supervisor
from onestop_common.identity import Role, issue_token
from onestop_common.settings import SERVICES, load_settings

# The processes a case passes through (the platform's other processes idle in the saga, so their
# memory is not counted).
CASE_PATH = ("orchestrator", *SERVICES)
WARM_UP_CASES = 3


def run(engine: str, cases: int, concurrency: int) -> EngineResult:
    broker = saga.Broker.create(load_settings().amqp_url)
    with tempfile.TemporaryDirectory(prefix="onestop-bench-compare-") as tmp:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ONESTOP_")},
            "ONESTOP_DATA_DIR": tmp,
            "ONESTOP_AMQP_URL": broker.url,
            "ONESTOP_PARTICIPANTS": "echo",
            # The saga shape alone: no persons signing the application before it starts.
            "ONESTOP_PERSON_SIGNATURES": "off",
            "ONESTOP_GRPC_PORT_BASE": saga.BENCH_PORT_BASE,
            "ONESTOP_HTTP_PORT_BASE": str(int(saga.BENCH_PORT_BASE) + 100),
            "ONESTOP_LOG_LEVEL": "WARNING",
        }
        settings = load_settings(env)
        supervisor = Supervisor(settings, env, log_dir=Path(tmp) / "logs", restart_on_exit=False)
        try:
            supervisor.start()
            roots = {name: child.process.pid for name, child in supervisor.children.items()}
            broker_pid = saga.rabbit_pid()
            if broker_pid:
                roots["rabbitmq"] = broker_pid
            roots["clients"] = os.getpid()
            meter = CpuMeter(roots)
            target = settings.grpc_target("orchestrator")
            token = issue_token(settings.token_secret, subject="bench", role=Role.ENTREPRENEUR)
            result = _measure(engine, target, token, meter, cases, concurrency)
            result.peak_rss_bytes = meter.peak_rss([*CASE_PATH, "clients"])
            return result
        finally:
            supervisor.stop()
            broker.drop()


def _measure(
    engine: str, target: str, token: str, meter: CpuMeter, cases: int, concurrency: int
) -> EngineResult:
    form = load_form(saga.SAMPLE)
    with grpc.insecure_channel(target) as channel:
        stub = pb_grpc.OneStopServiceStub(channel)
        for _ in range(WARM_UP_CASES):
            saga._one_case(stub, form, token)
        meter.start()
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            latencies = list(pool.map(lambda _: saga._one_case(stub, form, token), range(cases)))
        wall = time.perf_counter() - started
        spent = meter.stop()
    return EngineResult.measured(
        engine, latencies, wall, spent, note="with compensation, timers, audit trail"
    )
