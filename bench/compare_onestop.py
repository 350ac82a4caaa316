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
from bench.measure import CpuMeter, EngineResult, free_port_base
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop_cli.client import load_form
from onestop_cli.supervisor import Supervisor
from onestop_common.identity import Role, issue_token
from onestop_common.settings import SERVICES, load_settings

# The processes a case passes through, the only ones started (the signing servers, the portal and
# the gateway would idle: no person signs in the saga shape).
CASE_PATH = ("orchestrator", *SERVICES)
WARM_UP_CASES = 3


def run(engine: str, cases: int, concurrency: int) -> EngineResult:
    broker = saga.Broker.create(load_settings().amqp_url)
    ports = free_port_base()
    with tempfile.TemporaryDirectory(prefix="onestop-bench-compare-") as tmp:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ONESTOP_")},
            "ONESTOP_DATA_DIR": tmp,
            "ONESTOP_AMQP_URL": broker.url,
            "ONESTOP_PARTICIPANTS": "echo",
            # The saga shape alone: no persons signing the application before it starts.
            "ONESTOP_PERSON_SIGNATURES": "off",
            "ONESTOP_GRPC_PORT_BASE": str(ports),
            "ONESTOP_HTTP_PORT_BASE": str(ports + 100),
            "ONESTOP_LOG_LEVEL": "WARNING",
        }
        settings = load_settings(env)
        supervisor = Supervisor(
            settings, env, components=CASE_PATH, log_dir=Path(tmp) / "logs", restart_on_exit=False
        )
        try:
            supervisor.start()
            roots = {name: child.process.pid for name, child in supervisor.children.items()}
            broker_pid = saga.rabbit_pid()
            if broker_pid:
                roots["rabbitmq"] = broker_pid
            roots["clients"] = os.getpid()
            meter = CpuMeter(roots)
            target = settings.grpc_target("orchestrator")
            tokens = applicant_tokens(settings.token_secret, concurrency)
            result = _measure(engine, target, tokens, meter, cases, concurrency)
            result.peak_rss_bytes = meter.peak_rss([*CASE_PATH, "clients"])
            return result
        finally:
            supervisor.stop()
            broker.drop()


def applicant_tokens(secret: str, count: int) -> list[str]:
    """A credential for each concurrent client: the orchestrator holds one caller to 20 watch
    streams at once, so 50 clients under one name would be refused (RESOURCE_EXHAUSTED)."""
    return [issue_token(secret, subject=f"bench-{n}", role=Role.ENTREPRENEUR) for n in range(count)]


def _measure(
    engine: str, target: str, tokens: list[str], meter: CpuMeter, cases: int, concurrency: int
) -> EngineResult:
    form = load_form(saga.SAMPLE)
    with grpc.insecure_channel(target) as channel:
        stub = pb_grpc.OneStopServiceStub(channel)
        for _ in range(WARM_UP_CASES):
            saga._one_case(stub, form, tokens[0])
        meter.start()
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            latencies = list(
                pool.map(
                    lambda n: saga._one_case(stub, form, tokens[n % concurrency]), range(cases)
                )
            )
        wall = time.perf_counter() - started
        spent = meter.stop()
    return EngineResult.measured(
        engine, latencies, wall, spent, note="with compensation, timers, audit trail"
    )
