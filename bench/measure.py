"""What every benchmark reads off the machine: CPU seconds and peak memory of processes (from
/proc, so that no extra package is needed), latency percentiles, and a run's result as one record
that the comparison passes between processes as JSON."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

PERCENTILES = (("p50", 0.50), ("p90", 0.90), ("p99", 0.99))
# Benchmark platforms take their ports above the tests' blocks (20000-59999) and above Linux's
# ephemeral range (to 60999), so that neither a test run nor an outgoing connection holds one.
BENCH_PORTS = range(61000, 65000, 200)


def percentile(sorted_values: list[float], q: float) -> float:
    """The value below which a fraction ``q`` of the (sorted) values lie."""
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def free_port_base() -> int:
    """A port base for a platform: gRPC base..base+59 and HTTP base+100..base+159 all free."""
    for base in BENCH_PORTS:
        if all(_port_free(p) for p in (*range(base, base + 60), *range(base + 100, base + 160))):
            return base
    raise RuntimeError(f"no free block of ports in {BENCH_PORTS.start}..{BENCH_PORTS.stop}")


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def process_tree(pid: int, apart: frozenset[int] = frozenset()) -> list[int]:
    """``pid`` and its descendants (a Celery worker's pool processes, a server's helpers), less
    the processes in ``apart`` and theirs (measured on their own)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # ended while we looked
        children.setdefault(parent, []).append(int(entry.name))
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(child for child in children.get(current, []) if child not in apart)
    return found


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process and its reaped children; None once it has ended."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def peak_rss_bytes(pid: int) -> int:
    """The most resident memory a process has held (VmHWM); 0 once it has ended."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


@dataclass
class CpuMeter:
    """CPU seconds each named group of processes spends between ``start`` and ``stop``; a group
    is a process and everything it has started (``process_tree``) at the start, less the other
    groups (the benchmark's own process starts the platform it measures)."""

    roots: Mapping[str, int]
    _pids: dict[str, list[int]] = field(default_factory=dict)
    _before: dict[int, float] = field(default_factory=dict)
    spent: dict[str, float] = field(default_factory=dict)

    def start(self) -> None:
        roots = frozenset(self.roots.values())
        self._pids = {name: process_tree(pid, roots - {pid}) for name, pid in self.roots.items()}
        self._before = {
            pid: cpu_seconds(pid) or 0.0 for pids in self._pids.values() for pid in pids
        }

    def stop(self) -> dict[str, float]:
        for name, pids in self._pids.items():
            # A process that ended since the start counts nothing (its CPU is no longer readable).
            ended = [(cpu_seconds(pid), self._before[pid]) for pid in pids]
            self.spent[name] = sum(after - before for after, before in ended if after is not None)
        return self.spent

    def peak_rss(self, names: list[str] | None = None) -> int:
        """Peak RSS summed over the groups named (all by default): each process's own peak."""
        chosen = names if names is not None else list(self._pids)
        return sum(peak_rss_bytes(pid) for name in chosen for pid in self._pids.get(name, []))


class Unavailable(Exception):
    """An engine cannot run on this machine; the message says why and what to install."""


@dataclass
class EngineResult:
    """One engine's run of the comparison's saga shape, or why it could not run."""

    engine: str
    cases: int = 0
    completed: int = 0
    wall_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    peak_rss_bytes: int = 0
    unavailable: str = ""
    note: str = ""

    @classmethod
    def measured(
        cls, engine: str, latencies: list[float], wall: float, spent: dict[str, float], **more: Any
    ) -> EngineResult:
        """The result of ``len(latencies)`` cases, all completed, in ``wall`` seconds."""
        count = len(latencies)
        return cls(engine, count, count, wall, sorted(latencies), spent, **more)

    @property
    def throughput(self) -> float:
        return self.completed / self.wall_seconds if self.wall_seconds else 0.0

    def latency(self, q: float) -> float:
        return percentile(sorted(self.latencies), q) if self.latencies else 0.0

    @property
    def cpu_per_case(self) -> float:
        return sum(self.cpu_seconds.values()) / self.completed if self.completed else 0.0

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> EngineResult:
        return cls(**json.loads(text))
