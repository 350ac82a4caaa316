"""The benchmark commands keep working: each runs with tiny numbers, as a user runs it, and prints
its figures. Nothing here times anything (the figures are printed, never asserted: the machine is
shared and noisy); what is checked is that every case completed and the report has its parts.

``bench compare`` runs OneStop only, plus Temporal pointed at a server binary that is not there:
CI does not install the ``bench`` extra, and the command must then say which engine could not run
and why, and still print the others.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The benches choose their own ports, data directories and RabbitMQ vhosts; a test's ONESTOP_*
# variables must not reach them.
BENCH_ENV = {k: v for k, v in os.environ.items() if not k.startswith("ONESTOP_")}


def bench(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "onestop_cli.main", "bench", *args],
        env={**BENCH_ENV, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def figure(pattern: str, text: str) -> float:
    found = re.search(pattern, text)
    assert found, f"{pattern!r} not in:\n{text}"
    return float(found.group(1))


@pytest.mark.once
def test_bench_full_runs_a_real_case_and_counts_its_signatures():
    out = bench("full", "--cases", "1", "--concurrency", "1").stdout
    assert "1/1 cases completed" in out
    assert figure(r"throughput\s+([\d.]+) cases/s", out) > 0
    for label in ("p50", "p90", "p99"):
        assert figure(rf"latency {label}\s+([\d.]+) s", out) > 0
    for process in ("orchestrator", "registration", "seal", "signer", "bank"):
        assert re.search(rf"^\s+{process}\s+[\d.]+\s+[\d.]+\s+\d+$", out, re.M), process
    # A case signs at least its license, an e-seal and the bundle, each through the signing server.
    assert figure(r"signatures\s+(\d+) \(", out) >= 3
    assert figure(r"the signing servers alone ([\d.]+)/s", out) > 0


@pytest.mark.once
def test_bench_compare_names_an_engine_that_cannot_run_and_prints_the_others(tmp_path):
    missing = tmp_path / "no-temporal-here"
    out = bench(
        "compare",
        "--cases",
        "2",
        "--concurrency",
        "2",
        "--engines",
        "onestop,temporal",
        ONESTOP_TEMPORAL_BIN=str(missing),
    ).stdout
    onestop = next(line for line in out.splitlines() if line.startswith("OneStop "))
    done, throughput, p50, p99, cpu, rss, *ratios = onestop.split()[1:]
    assert int(done) == 2
    assert float(throughput) > 0 and float(cpu) > 0 and float(rss) > 0
    assert float(p50) <= float(p99)
    assert ratios == ["1.00"] * 5  # OneStop against itself
    temporal = next(line for line in out.splitlines() if line.startswith("Temporal (in memory)"))
    assert "could not run:" in temporal
    assert str(missing) in temporal or "temporalio is not installed" in temporal
