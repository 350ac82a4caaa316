"""``onestop bench full``: real cases through the real services — the license drawn and signed
(PAdES), e-seals issued, every person of the form signing it, the signed bundle — with a member of
staff at every desk (the demo's staff bots) on a fast business clock. Prints cases/s, latency
percentiles, CPU seconds per process and per case, peak memory per process, and the signatures per
second the platform achieved against what the signing servers do alone on this machine, measured
in the same run just before: the limit signing puts on a case rate.
"""

from __future__ import annotations

import os
import random
import re
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from bench import saga, signing
from bench.compare_onestop import applicant_tokens
from bench.measure import PERCENTILES, CpuMeter, free_port_base, peak_rss_bytes, percentile
from onestop.common.v1 import common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop_cli.demo import (
    DEFAULT_SPEED,
    CaseRun,
    StaffBots,
    demo_forms,
    platform_channels,
    run_case,
)
from onestop_cli.supervisor import COMPONENT_ORDER, Supervisor
from onestop_common.identity import bearer
from onestop_common.settings import SIGNER, Settings, load_settings

# The signing servers log each signature at INFO (the rest of the platform logs warnings only):
# the benchmark counts those lines, by the component that asked.
SIGNED_LINE = re.compile(r"signed \d+ bytes for (\S+) in field")
# Signatures timed alone, before the rest of the platform starts: enough for a rate, few enough
# to be quick.
SIGNING_SAMPLE = 12
SIGNING_CALLERS = 4
MIB = 1024 * 1024


def run(*, cases: int, concurrency: int, out: Callable[[str], None] = print) -> int:
    broker = saga.Broker.create(load_settings().amqp_url)
    with tempfile.TemporaryDirectory(prefix="onestop-bench-full-") as tmp:
        env = _platform_env(tmp, broker.url)
        settings = load_settings(env)
        logs = Path(tmp) / "logs"
        signers = Supervisor(
            settings,
            {**env, "ONESTOP_LOG_LEVEL": "INFO"},
            components=(SIGNER,),
            log_dir=logs,
            restart_on_exit=False,
        )
        platform = Supervisor(
            settings,
            env,
            components=[name for name in COMPONENT_ORDER if name != SIGNER],
            log_dir=logs,
            restart_on_exit=False,
        )
        out(f"starting the platform (real services, staff bots, clock ×{DEFAULT_SPEED:g}) …")
        try:
            signers.start()
            # The platform's own signing servers, alone, before anything else runs.
            out(f"signing servers alone ({settings.signer_replicas} replica(s), license B-LT):")
            alone = signing.rate_through(
                settings,
                signing.license_pdf(),
                SIGNING_SAMPLE,
                SIGNING_CALLERS,
                settings.signer_replicas,
                out,
            )
            timed_alone = _signatures(logs)
            platform.start()
            children = {**signers.children, **platform.children}
            roots = {name: child.process.pid for name, child in children.items()}
            broker_pid = saga.rabbit_pid()
            if broker_pid:
                roots["rabbitmq"] = broker_pid
            roots["bench client"] = os.getpid()  # the staff bots and the applicants
            meter = CpuMeter(roots)
            runs, wall = _cases(settings, meter, cases, concurrency)
            signed = _signatures(logs) - timed_alone
            return _report(runs, wall, meter, roots, signed, alone, concurrency, out)
        finally:
            platform.stop()
            signers.stop()
            broker.drop()


def _platform_env(data_dir: str, amqp_url: str) -> dict[str, str]:
    now = datetime.now(UTC).isoformat()
    ports = free_port_base()
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("ONESTOP_")},
        "ONESTOP_DATA_DIR": data_dir,
        "ONESTOP_AMQP_URL": amqp_url,
        "ONESTOP_GRPC_PORT_BASE": str(ports),
        "ONESTOP_HTTP_PORT_BASE": str(ports + 100),
        # Every decision is taken at a desk, as in the demo.
        "ONESTOP_AUTO_APPROVE": "none",
        "ONESTOP_CLOCK_SPEED": str(DEFAULT_SPEED),
        "ONESTOP_CLOCK_START": now,
        "ONESTOP_CLOCK_ORIGIN": now,
        "ONESTOP_LOG_LEVEL": "WARNING",
    }


def _cases(
    settings: Settings, meter: CpuMeter, cases: int, concurrency: int
) -> tuple[list[CaseRun], float]:
    forms = demo_forms(random.Random(), cases)
    applicants = [bearer(token) for token in applicant_tokens(settings.token_secret, concurrency)]
    channels = platform_channels(settings)
    # Several clerks at each desk, so that the staff keep up with the cases at once.
    bots = StaffBots.for_forms(
        settings, channels, forms, lambda _line: None, workers=min(concurrency, 8)
    )
    bots.start()
    stub = pb_grpc.OneStopServiceStub(channels["orchestrator"])

    def one(numbered: tuple[int, object]) -> CaseRun:
        n, form = numbered
        return run_case(
            stub,
            applicants[n % concurrency],
            form,
            None,
            bots.cases.add,
            token_secret=settings.token_secret,
        )

    try:
        meter.start()
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            runs = list(pool.map(one, enumerate(forms)))
        wall = time.perf_counter() - started
        meter.stop()
    finally:
        bots.stop()
        for channel in channels.values():
            channel.close()
    return runs, wall


def _signatures(logs: Path) -> Counter[str]:
    """Signatures the signing servers made, by the component that asked for them."""
    made: Counter[str] = Counter()
    for log in logs.glob(f"{SIGNER}*.log"):
        made.update(m.group(1) for m in SIGNED_LINE.finditer(log.read_text(errors="replace")))
    return made


def _report(
    runs: list[CaseRun],
    wall: float,
    meter: CpuMeter,
    roots: dict[str, int],
    signed: Counter[str],
    alone: float,
    concurrency: int,
    out: Callable[[str], None],
) -> int:
    completed = [
        r for r in runs if r.application and r.application.state == common_pb2.CASE_STATE_COMPLETED
    ]
    latencies = sorted(r.finished - r.submitted for r in runs)
    out(f"\n{len(completed)}/{len(runs)} cases completed, concurrency {concurrency}: {wall:.1f} s")
    out(f"  throughput        {len(runs) / wall:8.2f} cases/s")
    for label, q in PERCENTILES:
        out(f"  latency {label}       {percentile(latencies, q):8.2f} s (submission to completion)")
    out("  CPU by process:        seconds   ms/case   peak RSS MiB")
    for name, seconds in meter.spent.items():
        rss = peak_rss_bytes(roots[name]) / MIB
        out(f"    {name:<22}{seconds:8.2f}{seconds / len(runs) * 1000:10.1f}{rss:15.0f}")
    total = sum(meter.spent.values())
    per_case = total / len(runs) * 1000
    out(f"    {'total':<22}{total:8.2f}{per_case:10.1f}  (on {os.cpu_count()} cores)")
    count = sum(signed.values())
    by_whom = ", ".join(f"{who} {n}" for who, n in sorted(signed.items()))
    out(f"  signatures        {count} ({count / len(runs):.1f} a case: {by_whom})")
    out(
        f"  signatures/s      {count / wall:8.2f} achieved; the signing servers alone "
        f"{alone:.2f}/s (license B-LT) — {count / wall / alone:.0%} of that"
    )
    return 0 if len(completed) == len(runs) else 1
