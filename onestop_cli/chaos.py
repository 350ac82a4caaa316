"""``onestop chaos``: real cases in parallel through the real platform while it is hurt, then an
account of what became of every case.

It starts a private RabbitMQ node and the whole platform (signing servers, orchestrator, the five
services) on fresh databases with automatic approval, plays the seal maker (engraving always needs
one), submits every case at the same moment, and meanwhile kills random processes with SIGKILL
(restarting them), blocks the orchestrator's database and restarts the broker. Then it waits until
every case is final and counts: states, bundles that verify offline, each service's effects in its
own database (exactly one license, seal set, taxpayer, social insurance employer and account per
completed case; nothing left live for an undone one), the dead-letter queue, the audit chains and
processes that died on their own. Exit code 0 only if everything holds.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import grpc
from sqlalchemy import create_engine, text

from onestop.common.v1 import application_pb2, common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop_cli.broker_node import BrokerNode
from onestop_cli.demo import StaffBots, demo_forms, platform_channels
from onestop_cli.person_signing import awaits_signatures, sign_as_persons
from onestop_cli.supervisor import COMPONENT_ORDER, Supervisor
from onestop_common.identity import Role, bearer, issue_token
from onestop_common.settings import GATEWAY, IDP, SERVICES, SIGNER, Settings, load_settings

FINAL = frozenset(
    {
        common_pb2.CASE_STATE_COMPLETED,
        common_pb2.CASE_STATE_COMPENSATED,
        common_pb2.CASE_STATE_FAILED,
    }
)
RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})
VICTIMS = (*SERVICES, "orchestrator", SIGNER)
APPLICANT = "chaos-applicant"
PROGRESS_SECONDS = 5.0
# Clerks per desk: engraving seals for many cases at once is the staff's bottleneck, not ours.
BOT_CLERKS = 4
# Each service's effect: table, and the states that count as live (an effect in force).
EFFECTS = {
    "registration": ("licenses", "status", frozenset({"valid"})),
    "seal": ("seal_orders", "state", frozenset({"done", "ordered"})),
    "invoice": ("taxpayers", "state", frozenset({"active", "pending_approval"})),
    "social_insurance": ("employers", "state", frozenset({"registered", "pending"})),
    "bank": ("accounts", "state", frozenset({"open", "pending"})),
}
# What a completed case must hold in force, per service.
COMPLETED_STATES = {
    "registration": "valid",
    "seal": "done",
    "invoice": "active",
    "social_insurance": "registered",
    "bank": "open",
}
ORCHESTRATOR_TABLES = ("sagas", "saga_steps", "timers", "outbox", "inbox", "audit_trail")


@dataclass(frozen=True)
class ChaosPlan:
    cases: int = 50
    # Seconds between two SIGKILLs of a random process (0: none).
    kill_every: float = 0.0
    # Seconds the orchestrator's database is held locked once (0: never).
    block_database: float = 0.0
    restart_broker: bool = False
    # Seconds to wait for every case to become final.
    timeout: float = 600.0
    seed: int | None = None
    postgresql: str | None = None
    verify_bundles: bool = True
    # gRPC ports from here (HTTP from here + 100): clear of a platform already running.
    port_base: int = 51050


@dataclass
class Tally:
    """What happened, for the closing table."""

    kills: list[str] = field(default_factory=list)
    broker_restarts: int = 0
    database_blocks: int = 0
    unexpected_exits: list[str] = field(default_factory=list)
    fault_errors: list[str] = field(default_factory=list)
    recover_seconds: list[float] = field(default_factory=list)
    # ERROR and CRITICAL lines in the processes' logs, as "process: line".
    log_errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ChaosResult:
    """The figures of one run; ``passed`` only if every check held."""

    passed: bool
    cases: int
    final: int
    completed: int
    bundles_verified: int
    effects_exact: dict[str, int]
    effect_problems: int
    dead_letters: int
    audit_broken: int
    kills: int
    broker_restarts: int
    database_blocks: int
    unexpected_exits: int
    log_errors: int


def run_chaos(plan: ChaosPlan, out: Callable[[str], None] = print) -> ChaosResult | None:
    """Runs the experiment; None if the platform could not even start."""
    rng = random.Random(plan.seed)
    base = Path(tempfile.mkdtemp(prefix="onestop-chaos-"))
    # Its own directory: the node runs as the rabbitmq user, who cannot enter ``base`` (0700).
    broker = BrokerNode(Path(tempfile.mkdtemp(prefix="onestop-chaos-rabbitmq-")))
    databases = _databases(plan.postgresql)
    out(f"chaos run in {base}: {plan.cases} cases, {_faults_text(plan)}")
    broker.start()
    out(f"private RabbitMQ node {broker.name} on port {broker.port}")
    env = _platform_env(base, broker.url, databases.url(), plan.port_base)
    settings = load_settings(env)
    supervisor = Supervisor(
        settings,
        env,
        # No portal (partners and staff use gRPC), so no identity provider either; no HTTP
        # gateway (the cases go over gRPC).
        components=tuple(c for c in COMPONENT_ORDER if c not in ("portal", IDP, GATEWAY)),
        log_dir=base / "logs",
        restart_on_exit=False,
        report=lambda line: out(f"  {line}"),
    )
    result = None
    try:
        databases.create()
        supervisor.start()
        result = _experiment(plan, settings, supervisor, broker, rng, out)
    finally:
        supervisor.stop()
        broker.stop()
        databases.drop()
        shutil.rmtree(broker.directory, ignore_errors=True)
        if result is not None and result.passed:
            shutil.rmtree(base, ignore_errors=True)
        else:
            out(f"logs and databases kept in {base}")
    return result


def _experiment(
    plan: ChaosPlan,
    settings: Settings,
    supervisor: Supervisor,
    broker: BrokerNode,
    rng: random.Random,
    out: Callable[[str], None],
) -> ChaosResult:
    tally = Tally()
    forms = demo_forms(rng, plan.cases)
    metadata = bearer(issue_token(settings.token_secret, subject=APPLICANT, role=Role.ENTREPRENEUR))
    channels = platform_channels(settings)
    bots = StaffBots.for_forms(settings, channels, forms, lambda line: None, workers=BOT_CLERKS)
    case_ids = bots.cases
    stub = pb_grpc.OneStopServiceStub(channels["orchestrator"])
    faults = Faults(plan, settings, supervisor, broker, rng, tally, out)
    started = time.monotonic()
    bots.start()
    try:
        submitted = _submit_all(stub, metadata, forms, settings.token_secret)
        case_ids.update(submitted)
        out(f"submitted {len(submitted)} cases in {time.monotonic() - started:.1f} s")
        faults.start()
        states = _wait_final(stub, metadata, submitted, plan.timeout, faults, started, out)
        faults.stop()
        wall = time.monotonic() - started
        bundles = _verify_bundles(stub, metadata, settings, states) if plan.verify_bundles else {}
    finally:
        faults.stop()
        bots.stop()
        for channel in channels.values():
            channel.close()
    effects = _effects(settings, states)
    dead = _dead_letters(settings)
    audit_broken = _audit(settings)
    tally.unexpected_exits += faults.unexpected_exits()
    tally.log_errors = _log_errors(supervisor.log_dir)
    return _report(plan, states, bundles, effects, dead, audit_broken, tally, wall, out)


# ---------------------------------------------------------------------------- submitting


def _submit_all(
    stub: pb_grpc.OneStopServiceStub,
    metadata: Any,
    forms: list[application_pb2.ApplicationForm],
    token_secret: str,
) -> list[str]:
    """Every form at the same moment, each retried with its key as a partner would; then every
    person each form names signs it, as they do after real-name sign-in (the case starts only
    when the last has signed)."""
    barrier = threading.Barrier(len(forms))

    def submit(form: application_pb2.ApplicationForm) -> str:
        key = uuid.uuid4().hex
        barrier.wait()
        request = pb.SubmitApplicationRequest(idempotency_key=key, form=form)
        response = _retrying(
            lambda: stub.SubmitApplication(
                request, metadata=metadata, timeout=30, wait_for_ready=True
            )
        )
        case_id = str(response.application.case_id)
        if awaits_signatures(response.application):
            # Signing skips the persons who already signed, so a retry after a fault goes on
            # from where it stopped.
            _retrying(lambda: sign_as_persons(stub, token_secret, case_id, form))
        return case_id

    with ThreadPoolExecutor(max_workers=len(forms)) as pool:
        return list(pool.map(submit, forms))


def _retrying(call: Callable[[], Any], attempts: int = 60) -> Any:
    for attempt in range(attempts):
        try:
            return call()
        except grpc.RpcError as error:
            if error.code() not in RETRYABLE or attempt == attempts - 1:  # type: ignore[attr-defined]
                raise
            time.sleep(1.0)
    raise AssertionError("unreachable")


def _wait_final(
    stub: pb_grpc.OneStopServiceStub,
    metadata: Any,
    case_ids: list[str],
    timeout: float,
    faults: Faults,
    started: float,
    out: Callable[[str], None],
) -> dict[str, pb.Application]:
    latest: dict[str, pb.Application] = {}
    deadline = time.monotonic() + timeout
    last_report = 0.0
    while True:
        for case_id in case_ids:
            if case_id in latest and latest[case_id].state in FINAL:
                continue
            try:
                latest[case_id] = stub.GetApplication(
                    pb.GetApplicationRequest(case_id=case_id),
                    metadata=metadata,
                    timeout=10,
                    wait_for_ready=True,
                ).application
            except grpc.RpcError as error:
                if error.code() not in RETRYABLE:  # type: ignore[attr-defined]
                    raise
        done = all(case_id in latest and latest[case_id].state in FINAL for case_id in case_ids)
        now = time.monotonic()
        if done or now > deadline or now - last_report >= PROGRESS_SECONDS:
            counts = Counter(_state(app.state) for app in latest.values())
            out(f"  t={now - started:5.0f} s  {_counts_text(counts)}  | {faults.summary()}")
            last_report = now
        if done or now > deadline:
            return latest
        time.sleep(1.0)


# ---------------------------------------------------------------------------- faults


class Faults(threading.Thread):
    """Kills, a database block and a broker restart, spread over the run, never overlapping."""

    def __init__(
        self,
        plan: ChaosPlan,
        settings: Settings,
        supervisor: Supervisor,
        broker: BrokerNode,
        rng: random.Random,
        tally: Tally,
        out: Callable[[str], None],
    ) -> None:
        super().__init__(name="chaos-faults", daemon=True)
        self.plan = plan
        self.settings = settings
        self.supervisor = supervisor
        self.broker = broker
        self.rng = rng
        self.tally = tally
        self.out = out
        self._halt = threading.Event()
        self._blocker: threading.Thread | None = None
        self._killed_pids: set[int] = set()

    def stop(self) -> None:
        self._halt.set()
        if self.is_alive():
            self.join(120)

    def summary(self) -> str:
        t = self.tally
        return (
            f"kills {len(t.kills)}, db blocks {t.database_blocks}, "
            f"broker restarts {t.broker_restarts}, unexpected exits {len(self.unexpected_exits())}"
        )

    def unexpected_exits(self) -> list[str]:
        return [
            f"{name} (pid {child.process.pid}, code {child.process.returncode})"
            for name, child in self.supervisor.children.items()
            if child.process.poll() is not None and child.process.pid not in self._killed_pids
        ]

    def run(self) -> None:
        plan = self.plan
        # The database is blocked on a thread of its own, so kills go on meanwhile (the
        # processes' retries and the block overlap, as in life); the broker restart pauses the
        # kills, as a process restarted without a broker could not start at all.
        once: list[tuple[float, Callable[[], None]]] = []
        if plan.block_database:
            once.append((8.0, self._block_database_meanwhile))
        if plan.restart_broker:
            once.append((20.0, self._restart_broker))
        started = time.monotonic()
        next_kill = started + min(plan.kill_every, 3.0)
        while not self._halt.wait(0.2):
            now = time.monotonic()
            if once and now - started >= once[0][0]:
                self._safely(once.pop(0)[1])
                continue
            if plan.kill_every and now >= next_kill:
                self._safely(self._kill_one)
                next_kill = time.monotonic() + plan.kill_every
        if self._blocker is not None:
            self._blocker.join()

    def _block_database_meanwhile(self) -> None:
        self._blocker = threading.Thread(
            target=self._safely, args=(self._block_database,), name="chaos-db-block", daemon=True
        )
        self._blocker.start()

    def _safely(self, fault: Callable[[], None]) -> None:
        try:
            fault()
        except Exception as error:  # a fault that fails is reported, the run goes on
            self.tally.fault_errors.append(f"{fault.__name__}: {error}")
            self.out(f"  fault failed: {fault.__name__}: {error}")

    def _kill_one(self) -> None:
        name = self.rng.choice([n for n in self.supervisor.children if _component(n) in VICTIMS])
        child = self.supervisor.children[name]
        self._killed_pids.add(child.process.pid)
        self.supervisor.kill(name)
        self.tally.kills.append(name)
        began = time.monotonic()
        self.supervisor.restart(name)
        self.tally.recover_seconds.append(time.monotonic() - began)

    def _restart_broker(self) -> None:
        self.out("  stopping RabbitMQ")
        self.broker.stop()
        self._halt.wait(5.0)
        began = time.monotonic()
        self.broker.start()
        self.tally.broker_restarts += 1
        self.tally.recover_seconds.append(time.monotonic() - began)
        self.out(f"  RabbitMQ back after {time.monotonic() - began:.1f} s")

    def _block_database(self) -> None:
        seconds = self.plan.block_database
        self.out(f"  blocking the orchestrator's database for {seconds:.0f} s")
        with _database_blocked(self.settings.database_url_for("orchestrator")):
            self._halt.wait(seconds)
        self.tally.database_blocks += 1


@contextmanager
def _database_blocked(url: str) -> Iterator[None]:
    """Holds the write lock (SQLite) or exclusive table locks (PostgreSQL) on a database."""
    if url.startswith("sqlite"):
        lite = sqlite3.connect(url.split("///", 1)[1], timeout=30, isolation_level=None)
        lite.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            lite.execute("ROLLBACK")
            lite.close()
        return
    engine = create_engine(url)
    with engine.connect() as connection:
        transaction = connection.begin()
        connection.execute(
            text(f"LOCK TABLE {', '.join(ORCHESTRATOR_TABLES)} IN ACCESS EXCLUSIVE MODE")
        )
        try:
            yield
        finally:
            transaction.rollback()
    engine.dispose()


# ---------------------------------------------------------------------------- the account


def _verify_bundles(
    stub: pb_grpc.OneStopServiceStub,
    metadata: Any,
    settings: Settings,
    states: dict[str, pb.Application],
) -> dict[str, bool]:
    from onestop_cli.demo import download_bundle
    from onestop_cli.verify import verify_bundle
    from onestop_common.pki import PkiStore

    root = PkiStore(settings.pki_dir, settings.kek).root_certificate()
    verdicts = {}
    for case_id, app in states.items():
        if app.state == common_pb2.CASE_STATE_COMPLETED:
            pdf = _retrying(partial(download_bundle, stub, metadata, case_id, wait_for_ready=True))
            verdicts[case_id] = verify_bundle(pdf, trust_root=root).ok
    return verdicts


@dataclass
class EffectCount:
    """One service's effects against the cases' outcomes."""

    exact: int = 0
    problems: list[str] = field(default_factory=list)


def _effects(settings: Settings, states: dict[str, pb.Application]) -> dict[str, EffectCount]:
    counts = {}
    for service, (table, column, live) in EFFECTS.items():
        engine = create_engine(settings.database_url_for(service))
        with engine.connect() as connection:
            rows = connection.execute(text(f"SELECT case_id, {column} FROM {table}")).all()
        engine.dispose()
        by_case: dict[str, list[str]] = {}
        for case_id, state in rows:
            by_case.setdefault(case_id, []).append(state)
        count = EffectCount()
        for case_id, app in states.items():
            found = by_case.get(case_id, [])
            in_force = [s for s in found if s in live]
            if app.state == common_pb2.CASE_STATE_COMPLETED:
                if found == [COMPLETED_STATES[service]]:
                    count.exact += 1
                else:
                    count.problems.append(f"{case_id}: {found}")
            elif app.state in FINAL:
                if in_force:
                    count.problems.append(f"{case_id} ({_state(app.state)}): live {in_force}")
                else:
                    count.exact += 1
        counts[service] = count
    return counts


def _dead_letters(settings: Settings) -> list[Any]:
    from onestop_cli.dead_letters import peek

    return peek(settings.amqp_url, limit=1000)


def _audit(settings: Settings) -> list[str]:
    from sqlalchemy import select

    from onestop_common.db import make_engine, make_session_factory
    from onestop_common.sealed_fields import load_keys
    from orchestrator import audit
    from orchestrator.models import Saga

    engine = make_engine(settings.database_url_for("orchestrator"), kek=settings.kek)
    load_keys(engine)
    sessions = make_session_factory(engine)
    broken = []
    with sessions() as session:
        for case_id in session.scalars(select(Saga.id)):
            count, problems = audit.verify(session, case_id)
            if count == 0 or problems:
                broken.append(case_id)
    engine.dispose()
    return broken


# Two signatures at once on one eventlet hub: the failure this experiment first found.
CLASH = "asyncio.run() cannot be called from a running event loop"


def _log_errors(log_dir: Path | None) -> list[str]:
    found = []
    for path in sorted(log_dir.glob("*.log")) if log_dir else ():
        for line in path.read_text(errors="replace").splitlines():
            if " ERROR " in line or " CRITICAL " in line or CLASH in line:
                found.append(f"{path.stem}: {line[:200]}")
    return found


def _report(
    plan: ChaosPlan,
    states: dict[str, pb.Application],
    bundles: dict[str, bool],
    effects: dict[str, EffectCount],
    dead: list[Any],
    audit_broken: list[str],
    tally: Tally,
    wall: float,
    out: Callable[[str], None],
) -> ChaosResult:
    counts = Counter(_state(app.state) for app in states.values())
    final = sum(1 for app in states.values() if app.state in FINAL)
    rows = [
        ("cases submitted", str(plan.cases), ""),
        ("cases final", f"{final}/{plan.cases}", _counts_text(counts)),
        (
            "bundles verified",
            f"{sum(bundles.values())}/{counts.get('completed', 0)}",
            "" if plan.verify_bundles else "skipped",
        ),
    ]
    for service, count in effects.items():
        rows.append((f"effects: {service}", f"{count.exact}/{final} exact", _first(count.problems)))
    rows += [
        ("dead letters", str(len(dead)), _dead_text(dead)),
        ("audit chains broken", str(len(audit_broken)), _first(audit_broken)),
        ("processes killed (SIGKILL)", str(len(tally.kills)), _kill_text(tally.kills)),
        ("orchestrator database blocked", str(tally.database_blocks), f"{plan.block_database:g} s"),
        ("broker restarts", str(tally.broker_restarts), ""),
        (
            "processes died on their own",
            str(len(tally.unexpected_exits)),
            _first(tally.unexpected_exits),
        ),
        ("faults that failed", str(len(tally.fault_errors)), _first(tally.fault_errors)),
        ("error lines in the logs", str(len(tally.log_errors)), _first(tally.log_errors)),
        (
            "time to recover (max)",
            f"{max(tally.recover_seconds, default=0):.1f} s",
            "restart or broker back",
        ),
        ("wall time", f"{wall:.1f} s", ""),
    ]
    width = max(len(r[0]) for r in rows)
    out("")
    for label, value, note in rows:
        out(f"  {label:<{width}}  {value:>14}  {note}")
    problems = [
        final != plan.cases,
        plan.verify_bundles and not all(bundles.values()),
        plan.verify_bundles and len(bundles) != counts.get("completed", 0),
        any(count.problems for count in effects.values()),
        bool(dead),
        bool(audit_broken),
        bool(tally.unexpected_exits),
        bool(tally.fault_errors),
        any(CLASH in line for line in tally.log_errors),
        # Without faults nothing may go wrong at all; with them, errors are expected and logged.
        not _faulty(plan) and bool(tally.log_errors),
    ]
    verdict = not any(problems)
    out("\nPASS: every case final, effects exact, nothing lost" if verdict else "\nFAIL")
    return ChaosResult(
        passed=verdict,
        cases=plan.cases,
        final=final,
        completed=counts.get("completed", 0),
        bundles_verified=sum(bundles.values()),
        effects_exact={service: count.exact for service, count in effects.items()},
        effect_problems=sum(len(count.problems) for count in effects.values()),
        dead_letters=len(dead),
        audit_broken=len(audit_broken),
        kills=len(tally.kills),
        broker_restarts=tally.broker_restarts,
        database_blocks=tally.database_blocks,
        unexpected_exits=len(tally.unexpected_exits),
        log_errors=len(tally.log_errors),
    )


# ---------------------------------------------------------------------------- helpers


def _platform_env(
    base: Path, amqp_url: str, database_url: str | None, port_base: int
) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ONESTOP_")}
    env.update(
        {
            "ONESTOP_DATA_DIR": str(base / "data"),
            "ONESTOP_AMQP_URL": amqp_url,
            "ONESTOP_AUTO_APPROVE": "all",
            "ONESTOP_LOG_LEVEL": "INFO",
            "ONESTOP_GRPC_PORT_BASE": str(port_base),
            "ONESTOP_HTTP_PORT_BASE": str(port_base + 100),
        }
    )
    if database_url:
        env["ONESTOP_DATABASE_URL"] = database_url
    return env


def _databases(admin_url: str | None) -> Any:
    from bench.saga import Databases

    return Databases(admin_url)


def _component(child_name: str) -> str:
    from onestop_cli.supervisor import component_of

    return component_of(child_name)


def _state(state: int) -> str:
    return common_pb2.CaseState.Name(state).removeprefix("CASE_STATE_").lower()


def _counts_text(counts: Counter[str]) -> str:
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))


def _first(items: list[str]) -> str:
    if not items:
        return ""
    more = f" (+{len(items) - 1} more)" if len(items) > 1 else ""
    return f"{items[0][:80]}{more}"


def _kill_text(kills: list[str]) -> str:
    return ", ".join(f"{name}×{n}" for name, n in sorted(Counter(kills).items()))


def _dead_text(dead: list[Any]) -> str:
    return _first([f"{d.routing_key}: {d.reason}" for d in dead])


def _faulty(plan: ChaosPlan) -> bool:
    return bool(plan.kill_every or plan.block_database or plan.restart_broker)


def _faults_text(plan: ChaosPlan) -> str:
    parts = []
    if plan.kill_every:
        parts.append(f"a random process killed every {plan.kill_every:g} s")
    if plan.block_database:
        parts.append(f"the orchestrator's database blocked {plan.block_database:g} s")
    if plan.restart_broker:
        parts.append("RabbitMQ restarted once")
    return "; ".join(parts) or "no faults"


def main_chaos(args: Any) -> int:
    plan = ChaosPlan(
        cases=args.cases,
        kill_every=args.kill_every,
        block_database=args.block_database,
        restart_broker=args.restart_broker,
        timeout=args.timeout,
        seed=args.seed,
        postgresql=args.postgresql,
        verify_bundles=not args.no_verify,
        port_base=args.port_base,
    )
    result = run_chaos(plan, out=lambda line: print(line, flush=True, file=sys.stdout))
    return 0 if result is not None and result.passed else 1
