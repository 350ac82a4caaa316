"""The comparison's saga shape on Celery: a prefork worker in a child process, the clients (one
thread per concurrent case) in this one. One watcher thread reads the results of all waiting cases
in one query per poll: each client polling the SQLite backend on its own costs more CPU than the
whole worker."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.measure import CpuMeter, EngineResult, Unavailable
from bench.saga import Broker, rabbit_pid
from onestop_common.settings import load_settings

RESULT_POLL_SECONDS = 0.05
CASE_TIMEOUT_SECONDS = 300
STOP_SECONDS = 10


def run(engine: str, cases: int, concurrency: int) -> EngineResult:
    try:
        import celery  # noqa: F401
    except ImportError as error:
        raise Unavailable(f"celery is not installed: pip install -e '.[bench]' ({error})") from None
    from bench import celery_saga

    broker = Broker.create(load_settings().amqp_url)
    with tempfile.TemporaryDirectory(prefix="onestop-bench-celery-") as tmp:
        backend = f"db+sqlite:///{Path(tmp) / 'results.db'}"
        log = (Path(tmp) / "worker.log").open("wb")
        worker = subprocess.Popen(
            [sys.executable, "-m", "bench.celery_saga", broker.url, backend],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            app = celery_saga.configure(broker.url, backend)
            return _measure(engine, app, worker, cases, concurrency)
        finally:
            worker.terminate()
            try:
                worker.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
            log.close()
            broker.drop()


def _measure(
    engine: str, app: Any, worker: subprocess.Popen[bytes], cases: int, concurrency: int
) -> EngineResult:
    watcher = ResultWatcher(app.backend)
    threading.Thread(target=watcher.watch, daemon=True, name="celery-results").start()
    for _ in range(3):  # warm up: the worker connects, the result tables are created
        watcher.one_case()
    roots = {"celery worker": worker.pid, "clients": os.getpid()}
    broker_pid = rabbit_pid()
    if broker_pid:
        roots["rabbitmq"] = broker_pid
    meter = CpuMeter(roots)
    meter.start()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        latencies = list(pool.map(lambda _: watcher.one_case(), range(cases)))
    wall = time.perf_counter() - started
    spent = meter.stop()
    watcher.stop.set()
    return EngineResult.measured(
        engine,
        latencies,
        wall,
        spent,
        peak_rss_bytes=meter.peak_rss(["celery worker", "clients"]),
        note="chain + chord, no compensation",
    )


class ResultWatcher:
    """Wakes each waiting client when its case's last task (the chord's join) has a result."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.waiting: dict[str, threading.Event] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def one_case(self) -> float:
        from bench.celery_saga import case

        done = threading.Event()
        started = time.perf_counter()
        result = case().apply_async()
        with self.lock:
            self.waiting[result.id] = done
        if not done.wait(CASE_TIMEOUT_SECONDS):
            raise RuntimeError(f"Celery case {result.id} did not finish")
        return time.perf_counter() - started

    def watch(self) -> None:
        from celery import states

        task = self.backend.task_cls
        while not self.stop.wait(RESULT_POLL_SECONDS):
            with self.lock:
                ids = list(self.waiting)
            if not ids:
                continue
            session = self.backend.ResultSession()
            try:
                rows = session.query(task.task_id, task.status).filter(task.task_id.in_(ids))
                finished = [task_id for task_id, status in rows if status in states.READY_STATES]
            finally:
                session.close()
            with self.lock:
                for task_id in finished:
                    self.waiting.pop(task_id).set()
