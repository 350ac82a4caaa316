"""The saga shape in Celery (imported only when celery is installed): ``chain(step, chord(four
steps, join))``, each task doing nothing. Persistent messages with publisher confirms on the same
RabbitMQ as OneStop, results in an SQLite file through SQLAlchemy — no compensation, no timers, no
audit trail.

``python -m bench.celery_saga BROKER_URL BACKEND_URL`` runs the worker (the comparison starts it as
a child process so that its CPU and memory are counted apart).
"""

from __future__ import annotations

import sys
from typing import Any

from celery import Celery, chain, chord

PARALLEL_STEPS = ("seal", "invoice", "social_insurance", "bank")
WORKER_PROCESSES = 2  # one per core of the benchmark machine
# The database backend has no native chord join: a task polls for the header's results, by
# default once a second, which would put a second on every case.
CHORD_POLL_SECONDS = 0.05

app = Celery("onestop-bench", set_as_current=False)


def configure(broker_url: str, backend_url: str) -> Celery:
    app.conf.update(
        broker_url=broker_url,
        result_backend=backend_url,
        broker_transport_options={"confirm_publish": True},
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_chord_retry_interval=CHORD_POLL_SECONDS,
        worker_prefetch_multiplier=8,
        broker_connection_retry_on_startup=True,
    )
    return app


@app.task(name="bench.step")
def step(name: str) -> str:
    return name


@app.task(name="bench.join")
def join(names: list[str]) -> list[str]:
    return names


def case() -> Any:
    """One case of the saga shape, ready to send."""
    return chain(step.si("license"), chord([step.si(name) for name in PARALLEL_STEPS], join.s()))


def main(argv: list[str]) -> None:
    broker_url, backend_url = argv
    configure(broker_url, backend_url).worker_main(
        [
            "worker",
            "--pool=prefork",
            f"--concurrency={WORKER_PROCESSES}",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
    )


if __name__ == "__main__":
    main(sys.argv[1:])
