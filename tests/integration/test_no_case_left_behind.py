"""Every step is answered or escalated: a dead-lettered command is reported to the orchestrator,
which sends it again and shows the step stuck when that keeps failing; a dead-lettered result is
put back by the operator's replay and its case goes on; a silent participant gets the command
again, under the same idempotency key, until it answers."""

from __future__ import annotations

import subprocess
import sys
import time

import pika
from sqlalchemy import create_engine, text

from onestop.common.v1 import common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop_cli.dead_letters import peek
from onestop_common import messaging as m
from onestop_common.settings import SERVICES
from orchestrator.amqp import connect
from tests.support.cases import step_states, submit_sample, watch_for, watch_until
from tests.support.participant import credential

ECHO = {"ONESTOP_PARTICIPANTS": "echo"}
STUCK = common_pb2.CASE_STATE_STUCK


def audit_actions(settings, case_id: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    engine = create_engine(settings.database_url_for("orchestrator"))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT action, step FROM audit_trail WHERE saga_id = :id ORDER BY seq"),
                {"id": case_id},
            ).all()
    finally:
        engine.dispose()
    return [(action, step) for action, step in rows]


def test_a_dead_lettered_command_is_sent_again_shown_stuck_and_the_case_recovers(platform, stub):
    # The bank refuses the first three deliveries of this case's command as unprocessable, so it
    # is dead-lettered three times; after two unanswered sends the step counts as stuck.
    supervisor = platform.start(
        ("orchestrator", *SERVICES),
        **ECHO,
        ONESTOP_SENDS_BEFORE_STUCK="2",
        # Long enough that only the dead-letter reports drive the re-sends here.
        ONESTOP_ANSWER_WITHIN_SECONDS="120",
    )
    settings = supervisor.settings
    applicant = "partner-poison-at-bank-3"
    app = submit_sample(stub, settings, applicant=applicant, key="k-poison")

    stuck = watch_for(
        stub, settings, app.case_id, lambda a: a.state == STUCK, applicant=applicant, timeout=60
    )
    assert step_states(stuck)["bank"] == "stuck"
    final, _ = watch_until(stub, settings, app.case_id, applicant=applicant, timeout=90)

    assert final.state == common_pb2.CASE_STATE_COMPLETED
    actions = audit_actions(settings, app.case_id)
    assert actions.count(("dead_lettered", "bank")) == 3
    assert ("stuck", "bank") in actions
    resent = [a for a in actions if a == ("resent", "bank")]
    assert len(resent) == 3, actions
    # The operator still sees each dead letter, with the reason.
    letters = [d for d in peek(settings.amqp_url) if d.case_id == app.case_id]
    assert len(letters) == 3
    assert all("unprocessable" in d.reason for d in letters)
    assert all(d.routing_key == "bank.OpenAccount" for d in letters)


def test_a_silent_participant_gets_the_command_again_until_it_answers(platform, stub):
    # No bank is running: its command goes unanswered and is sent again every second or two.
    fast = {"ONESTOP_ANSWER_WITHIN_SECONDS": "1", "ONESTOP_SENDS_BEFORE_STUCK": "3"}
    supervisor = platform.start(("orchestrator", *SERVICES[:-1]), **ECHO, **fast)
    settings = supervisor.settings
    app = submit_sample(stub, settings, applicant="erin", key="k-silent")
    stuck = watch_for(
        stub, settings, app.case_id, lambda a: a.state == STUCK, applicant="erin", timeout=60
    )
    bank = next(s for s in stuck.steps if s.name == "bank")
    assert bank.state == common_pb2.STEP_STATE_STUCK

    platform.start(("bank",), **ECHO, **fast)
    final, _ = watch_until(stub, settings, app.case_id, applicant="erin", timeout=60)
    assert final.state == common_pb2.CASE_STATE_COMPLETED
    # The sends went to one idempotency key: one account, however many commands the bank read.
    engine = create_engine(settings.database_url_for("bank"))
    try:
        with engine.connect() as connection:
            keys = connection.execute(
                text("SELECT count(*) FROM inbox WHERE key = :key"),
                {"key": f"{app.case_id}:bank:OpenAccount"},
            ).scalar()
    finally:
        engine.dispose()
    assert keys == 1
    assert audit_actions(settings, app.case_id).count(("resent", "bank")) >= 3


def test_a_dead_lettered_result_replayed_by_the_operator_completes_its_case(platform, stub):
    # Only the replay may bring the result back within this test.
    patient = {"ONESTOP_ANSWER_WITHIN_SECONDS": "600"}
    orchestrator = platform.start(("orchestrator",), **ECHO, **patient)
    settings = orchestrator.settings
    app = submit_sample(stub, settings, applicant="frank", key="k-replay")
    # The orchestrator goes away; the license result then waits in the results queue, where a
    # consumer that keeps failing on it makes the broker dead-letter it at the delivery limit.
    orchestrator.stop()
    platform.start(("registration",), **ECHO, **patient)
    dead_id = refuse_until_dead_lettered(settings.amqp_url, m.RESULTS_QUEUE)
    # The orchestrator's own report of it is taken away too: the operator's replay alone must do.
    purge(settings.amqp_url, m.DEAD_LETTER_REPORTS_QUEUE)

    platform.start(("orchestrator", *SERVICES[1:]), **ECHO, **patient)
    waiting = stub.GetApplication(
        pb.GetApplicationRequest(case_id=app.case_id),
        metadata=credential(settings, "entrepreneur", "frank"),
    ).application
    assert step_states(waiting)["license"] == "dispatched"
    [letter] = [d for d in peek(settings.amqp_url) if d.message_id == dead_id]
    assert letter.reason.startswith("broker:")

    replayed = subprocess.run(
        [sys.executable, "-m", "onestop_cli.main", "dead-letters", "replay", dead_id],
        env=platform.env(**ECHO),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert replayed.returncode == 0, replayed.stderr
    assert "registration.IssueLicense.result" in replayed.stdout

    final, _ = watch_until(stub, settings, app.case_id, applicant="frank", timeout=60)
    assert final.state == common_pb2.CASE_STATE_COMPLETED
    assert not [d for d in peek(settings.amqp_url) if d.message_id == dead_id]


def refuse_until_dead_lettered(amqp_url: str, queue: str, timeout: float = 30.0) -> str:
    """Takes the one message of ``queue`` and refuses it (requeue) until the broker dead-letters
    it; returns its message id."""
    connection = connect(amqp_url)
    try:
        channel = connection.channel()
        message_id = ""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            method, properties, _ = channel.basic_get(queue, auto_ack=False)
            if method is None:
                if message_id:
                    return message_id  # gone from the queue: dead-lettered
                connection.process_data_events(time_limit=0.2)
                continue
            message_id = properties.message_id
            channel.basic_nack(method.delivery_tag, requeue=True)
        raise AssertionError(f"nothing was dead-lettered from {queue} in {timeout} s")
    finally:
        connection.close()


def purge(amqp_url: str, queue: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        connection.channel().queue_purge(queue)
    finally:
        connection.close()
