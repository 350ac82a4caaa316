"""``onestop bench compare``: the same saga shape — one step, then four at once, each doing
nothing — on OneStop (``bench saga``'s platform), then on Temporal's development server (in memory,
then on its SQLite file) and on Celery (chain + chord, SQLite results), one after the other on this
machine, printed as one table with each figure's ratio to OneStop's.

Each engine runs in a child process of its own (``python -m bench.compare ENGINE``), so that its
CPU and peak memory are its own and an engine that cannot run (the ``bench`` extra not installed,
no server binary) is named with the reason while the others still run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable
from typing import NamedTuple

from bench.measure import EngineResult, Unavailable

MIB = 1024 * 1024


class Engine(NamedTuple):
    label: str
    module: str


ENGINES = {
    "onestop": Engine("OneStop", "bench.compare_onestop"),
    "temporal": Engine("Temporal (in memory)", "bench.compare_temporal"),
    "temporal-sqlite": Engine("Temporal (SQLite file)", "bench.compare_temporal"),
    "celery": Engine("Celery (chain+chord)", "bench.compare_celery"),
}
BASELINE = "onestop"


def run(
    *, cases: int, concurrency: int, engines: tuple[str, ...], out: Callable[[str], None] = print
) -> int:
    unknown = [name for name in engines if name not in ENGINES]
    if unknown:
        out(f"unknown engine(s) {', '.join(unknown)}; choose from {', '.join(ENGINES)}")
        return 2
    results = []
    for name in engines:
        out(f"running {ENGINES[name].label}: {cases} cases, concurrency {concurrency} …")
        results.append(_run_child(name, cases, concurrency))
    out("")
    for line in table(results, cases, concurrency):
        out(line)
    ran = [r for r in results if not r.unavailable]
    return 0 if ran and all(r.completed == r.cases for r in ran) else 1


def _run_child(name: str, cases: int, concurrency: int) -> EngineResult:
    child = subprocess.run(
        [sys.executable, "-m", "bench.compare", name, str(cases), str(concurrency)],
        capture_output=True,
        text=True,
    )
    last = child.stdout.strip().splitlines()[-1:] or [""]
    if child.returncode == 0 and last[0].startswith("{"):
        return EngineResult.from_json(last[0])
    return EngineResult(name, unavailable=f"failed (exit {child.returncode}): {_cause(child)}")


def _cause(child: subprocess.CompletedProcess[str]) -> str:
    """The line of a child's output that names the error (a traceback's last exception line)."""
    lines = [line.strip() for line in (child.stderr or child.stdout).splitlines() if line.strip()]
    named = [line for line in lines if "Error" in line or "Exception" in line or "status" in line]
    return (named or lines or ["no output"])[-1]


def table(results: list[EngineResult], cases: int, concurrency: int) -> list[str]:
    """One row per engine: its figures, then OneStop's figure divided by its (throughput: above 1
    is OneStop faster; latency, CPU, memory: below 1 is OneStop lower)."""
    base = next((r for r in results if r.engine == BASELINE and not r.unavailable), None)
    lines = [
        f"saga shape: one step, then four in parallel, null work; {cases} cases, "
        f"concurrency {concurrency}",
        f"{'engine':<24}{'done':>6}{'cases/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms/case':>13}"
        f"{'peak RSS MiB':>14}   OneStop ÷ engine: cases/s  p50  p99  CPU  RSS",
    ]
    for result in results:
        label = ENGINES[result.engine].label if result.engine in ENGINES else result.engine
        if result.unavailable:
            lines.append(f"{label:<24}could not run: {result.unavailable}")
            continue
        figures = _figures(result)
        ratios = ""
        if base is not None:
            ratios = "  ".join(
                f"{_ratio(mine, theirs):>4}"
                for mine, theirs in zip(_figures(base), figures, strict=True)
            )
        lines.append(
            f"{label:<24}{result.completed:>6}{figures[0]:>9.1f}{figures[1]:>9.0f}"
            f"{figures[2]:>9.0f}{figures[3]:>13.1f}{figures[4]:>14.0f}"
            f"                     {ratios}"
        )
    lines.append(
        "CPU: the engine's processes, RabbitMQ where it is the broker, and the clients; "
        "peak RSS: the engine's processes and the clients (RabbitMQ is shared)"
    )
    notes = [f"{ENGINES[r.engine].label}: {r.note}" for r in results if r.note]
    if notes:
        lines.append("; ".join(notes))
    return lines


def _figures(result: EngineResult) -> tuple[float, float, float, float, float]:
    return (
        result.throughput,
        result.latency(0.50) * 1000,
        result.latency(0.99) * 1000,
        result.cpu_per_case * 1000,
        result.peak_rss_bytes / MIB,
    )


def _ratio(mine: float, theirs: float) -> str:
    return f"{mine / theirs:.2f}" if theirs else "–"


def _main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compare")
    parser.add_argument("engine", choices=list(ENGINES))
    parser.add_argument("cases", type=int)
    parser.add_argument("concurrency", type=int)
    args = parser.parse_args(argv)
    import importlib

    module = importlib.import_module(ENGINES[args.engine].module)
    try:
        result: EngineResult = module.run(args.engine, args.cases, args.concurrency)
    except Unavailable as reason:
        result = EngineResult(args.engine, unavailable=str(reason))
    print(result.to_json())
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
