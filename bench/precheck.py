"""``onestop bench precheck``: how long the whole check of an application takes before a case is
created — the orchestrator's completeness rules and the five participants' CheckApplication,
asked at once — through the public ValidateApplication over gRPC, on a platform of its own.
Prints latency percentiles for the clean sample and for a sample with a flaw for every
participant, one caller and then several at once, and each participant's own share.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc

from onestop.common.v1 import application_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop_cli.client import load_form
from onestop_cli.supervisor import Supervisor
from onestop_common.grpc_options import channel_options
from onestop_common.identity import Role, bearer, issue_token
from onestop_common.settings import SERVICES, SIGNER, load_settings

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "application.json"
BENCH_PORT_BASE = 51450
TARGET_P50_MS = 150.0


def flawed_sample() -> application_pb2.ApplicationForm:
    """The sample with one flaw for each participant (and the form's own completeness)."""
    form = load_form(SAMPLE)
    form.contact.phone = "12345"  # orchestrator: phone format
    form.name.trade_name = "博彩"  # registration: a prohibited word (gambling)
    del form.seals[1]  # seal: the finance seal is missing
    form.invoice.request_general_taxpayer = True
    form.invoice.declares_proper_accounts = False  # invoice: general status needs accounts
    form.employees[0].person.id_number = form.employees[0].person.id_number[:17]  # SI: 17 digits
    form.bank.branch_name = "不存在的支行"  # bank: unknown branch
    return form


def run(*, requests: int, concurrency: int, out: Callable[[str], None]) -> int:
    with tempfile.TemporaryDirectory(prefix="onestop-bench-precheck-") as tmp:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ONESTOP_")},
            "ONESTOP_DATA_DIR": tmp,
            "ONESTOP_GRPC_PORT_BASE": str(BENCH_PORT_BASE),
            "ONESTOP_HTTP_PORT_BASE": str(BENCH_PORT_BASE + 100),
            "ONESTOP_SIGNER_REPLICAS": "1",
            "ONESTOP_LOG_LEVEL": "WARNING",
        }
        settings = load_settings(env)
        components = (SIGNER, "orchestrator", *SERVICES)
        supervisor = Supervisor(settings, env, components=components, log_dir=Path(tmp) / "logs")
        out(f"starting the platform ({', '.join(components)})…")
        supervisor.start()
        try:
            channel = grpc.insecure_channel(
                settings.grpc_target("orchestrator"), options=channel_options()
            )
            stub = pb_grpc.OneStopServiceStub(channel)
            token = issue_token(settings.token_secret, subject="bench", role=Role.ENTREPRENEUR)
            metadata = bearer(token)
            forms = {"clean sample": load_form(SAMPLE), "one flaw per participant": flawed_sample()}
            for label, form in forms.items():
                _warm_up(stub, metadata, form)
                for callers in (1, concurrency):
                    _measure(stub, metadata, form, label, requests, callers, out)
            channel.close()
        finally:
            supervisor.stop()
    return 0


def _warm_up(stub: pb_grpc.OneStopServiceStub, metadata: object, form: object) -> None:
    for _ in range(5):
        stub.ValidateApplication(
            pb.ValidateApplicationRequest(form=form), metadata=metadata, timeout=30
        )


def _measure(
    stub: pb_grpc.OneStopServiceStub,
    metadata: object,
    form: application_pb2.ApplicationForm,
    label: str,
    requests: int,
    callers: int,
    out: Callable[[str], None],
) -> None:
    shares: dict[str, list[float]] = defaultdict(list)
    rejected: set[int] = set()

    def one(_: int) -> float:
        started = time.perf_counter()
        answer = stub.ValidateApplication(
            pb.ValidateApplicationRequest(form=form), metadata=metadata, timeout=30
        )
        elapsed = (time.perf_counter() - started) * 1000
        rejected.add(len(answer.rejections))
        for check in answer.checks:
            if check.participant != "orchestrator":
                shares[check.participant if check.answered else "(unanswered)"].append(
                    check.elapsed_ms
                )
        return elapsed

    wall = time.perf_counter()
    with ThreadPoolExecutor(callers) as pool:
        latencies = sorted(pool.map(one, range(requests)))
    wall = time.perf_counter() - wall
    p50 = statistics.median(latencies)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    verdict = "within" if p50 <= TARGET_P50_MS else "OVER"
    out(
        f"{label}, {callers} caller(s): {requests} checks in {wall:.1f} s "
        f"({requests / wall:.0f}/s); p50 {p50:.1f} ms ({verdict} the {TARGET_P50_MS:.0f} ms "
        f"target), p95 {p95:.1f} ms, max {latencies[-1]:.1f} ms; rejections per answer "
        f"{sorted(rejected)}"
    )
    slowest = sorted(((statistics.median(v), k) for k, v in shares.items()), reverse=True)
    out(
        "  answers in hand after (median ms from the start): "
        + ", ".join(f"{k} {ms:.1f}" for ms, k in slowest)
    )
