"""Business time on the fast clock across holidays, and two orchestrator replicas on one
PostgreSQL database: every step dispatched once, every timer fired once."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

import grpc
from sqlalchemy import create_engine, text

from onestop.common.v1 import common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2_grpc
from onestop_common import messaging as m
from onestop_common.clock import SHANGHAI
from onestop_common.protoconv import from_timestamp
from onestop_common.settings import SERVICES
from tests.integration.conftest import PlatformFactory
from tests.support.cases import submit_sample, watch_until
from tests.support.infra import databases
from tests.support.participant import CommandDriver

ECHO = {"ONESTOP_PARTICIPANTS": "echo"}


def fast_clock(start: datetime, speed: int) -> dict[str, str]:
    origin = datetime.now(SHANGHAI)
    return {
        "ONESTOP_CLOCK_SPEED": str(speed),
        "ONESTOP_CLOCK_START": start.isoformat(),
        "ONESTOP_CLOCK_ORIGIN": origin.isoformat(),
    }


def test_sla_warning_and_breach_on_the_fast_clock_across_a_holiday(platform, stub):
    # Business time starts Wednesday 2026-09-30 16:00, an hour before the National Day holiday
    # (Oct 1-7 off, Saturday Oct 10 worked), and runs 50 000 times faster than the wall clock:
    # the case is submitted during the holiday, so every clock starts Thursday Oct 8 09:00.
    clock = fast_clock(datetime(2026, 9, 30, 16, 0, tzinfo=SHANGHAI), speed=50_000)
    components = ("orchestrator", *(s for s in SERVICES if s != "seal"))  # the seal maker is away
    supervisor = platform.start(components, **ECHO, **clock)
    settings = supervisor.settings
    driver = CommandDriver(settings)
    try:
        app = submit_sample(stub, settings, applicant="lena", key="k-sla")
        submitted = from_timestamp(app.submitted_at)
        assert (
            datetime(2026, 10, 1, tzinfo=SHANGHAI)
            <= submitted
            < datetime(2026, 10, 8, 9, tzinfo=SHANGHAI)
        ), f"startup took too long: submitted {submitted}"
        # 3 working days = 21 office hours: Thu Oct 8, Fri Oct 9 and the worked Saturday.
        assert from_timestamp(app.deadline.due_at) == datetime(2026, 10, 10, 17, 0, tzinfo=SHANGHAI)
        warning = driver.events("orchestrator.sla.warning", timeout=30)[0]
        breach = driver.events("orchestrator.sla.breach", timeout=30)[0]
        assert warning.step == breach.step == "seal"
        seal = _step(stub, settings, app.case_id, "lena", "seal")
        # 0.5 working day = 3.5 office hours: 09:00-12:00, then 13:00-13:30.
        assert from_timestamp(seal.deadline.due_at) == datetime(
            2026, 10, 8, 13, 30, tzinfo=SHANGHAI
        )
        assert seal.deadline.breached and seal.deadline.warned
        both = driver.events("orchestrator.sla.breach", timeout=40, count=2)
        assert [e.step for e in both] == ["seal", ""]  # the step first, then the whole case
    finally:
        driver.close()


def test_two_orchestrator_replicas_dispatch_each_step_once(tmp_path: Path, vhost: str):
    with databases(tmp_path, "postgresql") as database_url:
        platform = PlatformFactory(tmp_path, vhost, database_url)
        clock = fast_clock(datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI), speed=20_000)
        try:
            first = platform.start(("orchestrator", *SERVICES[:-1]), **ECHO, **clock)
            second_env_base = platform.port_base + 50
            platform.port_base, base = second_env_base, platform.port_base
            second = platform.start(("orchestrator",), **ECHO, **clock)
            platform.port_base = base
            settings = first.settings
            driver = CommandDriver(settings)
            try:
                cases = _submit_many(first.settings, second.settings, count=50)
                # The bank is down: every case waits there while both replicas fire SLA timers;
                # each case breaches twice (the bank step, then the whole case).
                breaches = driver.events("orchestrator.sla.breach", timeout=60, count=100)
                assert {(e.case_id, e.step) for e in breaches} == {
                    (c, s) for c in cases for s in ("bank", "")
                }
            finally:
                driver.close()
            platform.start(("bank",), **ECHO, **clock)
            with grpc.insecure_channel(settings.grpc_target("orchestrator")) as channel:
                stub = orchestrator_pb2_grpc.OneStopServiceStub(channel)
                for case_id in cases:
                    try:
                        final, _ = watch_until(stub, settings, case_id, applicant="mia", timeout=90)
                    except TimeoutError as error:
                        raise AssertionError(f"{error}\n{_diagnose(settings, vhost)}") from error
                    assert final.state == common_pb2.CASE_STATE_COMPLETED
            engine = create_engine(settings.database_url_for("orchestrator"))
            with engine.connect() as connection:
                commands = connection.execute(
                    text("SELECT headers, routing_key FROM outbox WHERE exchange = :x"),
                    {"x": m.COMMANDS_EXCHANGE},
                ).all()
                alerts = connection.execute(
                    text(
                        "SELECT headers, routing_key FROM outbox WHERE routing_key LIKE "
                        "'orchestrator.sla.%'"
                    )
                ).all()
                # A command left unanswered a while (the bank's, here) is sent again on purpose;
                # each re-send is in the audit trail once.
                resent = Counter(
                    (case_id, step)
                    for case_id, step in connection.execute(
                        text("SELECT saga_id, step FROM audit_trail WHERE action = 'resent'")
                    )
                )
            engine.dispose()
            dispatched = Counter((h[m.H_CASE], h[m.H_STEP]) for h, _ in commands)
            assert len(dispatched) == 50 * 6  # five services and the bundle
            assert all(n == 1 + resent[key] for key, n in dispatched.items())
            fired = Counter((h[m.H_CASE], h[m.H_STEP], rk) for h, rk in alerts)
            assert fired and set(fired.values()) == {1}
        finally:
            platform.stop()


def _submit_many(a, b, count):
    cases = []
    with (
        grpc.insecure_channel(a.grpc_target("orchestrator")) as one,
        grpc.insecure_channel(b.grpc_target("orchestrator")) as two,
    ):
        stubs = [orchestrator_pb2_grpc.OneStopServiceStub(c) for c in (one, two)]
        for i in range(count):
            settings = (a, b)[i % 2]
            app = submit_sample(stubs[i % 2], settings, applicant="mia", key=f"rep-{i}")
            cases.append(app.case_id)
    return cases


def _step(stub, settings, case_id, applicant, name):
    from onestop.orchestrator.v1 import orchestrator_pb2 as pb
    from tests.support.participant import credential

    app = stub.GetApplication(
        pb.GetApplicationRequest(case_id=case_id),
        metadata=credential(settings, "entrepreneur", applicant),
    ).application
    return next(s for s in app.steps if s.name == name)


def _diagnose(settings, vhost: str) -> str:
    """What a stuck case is waiting for: queues, unpublished outbox rows, bundle answers."""
    from tests.support.infra import queue_stats

    lines = []
    for queue in ("onestop.orchestrator.commands", "onestop.orchestrator.results"):
        stats = queue_stats(vhost, queue)
        lines.append(
            f"{queue}: {stats.get('messages')} messages, "
            f"{stats.get('messages_unacknowledged')} unacked, "
            f"{stats.get('consumers')} consumers"
        )
    engine = create_engine(settings.database_url_for("orchestrator"))
    with engine.connect() as connection:
        pending = connection.execute(
            text(
                "SELECT routing_key, claimed_by, claimed_until FROM outbox "
                "WHERE published_at IS NULL"
            )
        ).all()
        answered = connection.execute(
            text("SELECT count(*) FROM inbox WHERE key LIKE '%:bundle:BuildBundle'")
        ).scalar()
    engine.dispose()
    lines.append(f"unpublished outbox rows: {pending[:10]} ({len(pending)})")
    lines.append(f"bundle commands answered: {answered}")
    return "\n".join(lines)
