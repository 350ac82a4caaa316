"""The saga on the real broker and databases, with echo participants (services that do no domain
work): failures, compensation, duplicates, crashes, cancellation and bad input."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import uuid
from typing import Any

import grpc
import pika
import pytest
from grpc_status import rpc_status
from sqlalchemy import create_engine, text

from onestop.common.v1 import common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop_cli.client import CaseQuery, list_cases
from onestop_cli.main import main as cli_main
from onestop_common import messaging as m
from onestop_common.protoconv import from_timestamp, rejections_from_status
from onestop_common.settings import SERVICES
from orchestrator.amqp import connect
from tests.support.cases import (
    EventRecorder,
    step_states,
    submit_sample,
    watch_for,
    watch_until,
)
from tests.support.participant import CommandDriver, credential

PLATFORM = ("orchestrator", *SERVICES)
ECHO = {"ONESTOP_PARTICIPANTS": "echo"}
# More open watch streams than the 32 server threads the orchestrator once had.
WATCHERS = 40
UNDO_ORDER = ["bank", "social_insurance", "invoice", "seal", "license"]
STEP_PARTICIPANTS = {
    "license": "registration",
    "seal": "seal",
    "invoice": "invoice",
    "social_insurance": "social_insurance",
    "bank": "bank",
}


def test_happy_path_through_participants_answering_over_rabbitmq(platform, stub):
    supervisor = platform.start(PLATFORM, **ECHO)
    app = submit_sample(stub, supervisor.settings, applicant="alice", key="k-1")
    final, events = watch_until(stub, supervisor.settings, app.case_id, applicant="alice")
    assert final.state == common_pb2.CASE_STATE_COMPLETED
    assert set(step_states(final).values()) == {"done"}
    done = [e.step for e in events if e.step_state == common_pb2.STEP_STATE_DONE]
    assert done[0] == "license"
    assert done.index("bank") > done.index("seal")


def test_a_failure_at_each_step_compensates_the_completed_steps_in_reverse(platform, stub):
    supervisor = platform.start(PLATFORM, **ECHO)
    settings = supervisor.settings
    for failing, participant in STEP_PARTICIPANTS.items():
        applicant = f"applicant-fail-at-{participant}"
        app = submit_sample(stub, settings, applicant=applicant, key=f"k-{failing}")
        final, events = watch_until(stub, settings, app.case_id, applicant=applicant)
        states = step_states(final)
        assert states[failing] == "failed"
        started = {s for s, state in states.items() if state not in ("cancelled", "failed")}
        assert {states[s] for s in started} <= {"compensated"}, states
        compensated = [e.step for e in events if e.step_state == common_pb2.STEP_STATE_COMPENSATED]
        # A step in flight when the case failed (the bank, here) may finish after its
        # compensation overtook it and is then compensated once more (a second round); the
        # first compensation of each step follows the reverse order exactly.
        assert list(dict.fromkeys(compensated)) == [s for s in UNDO_ORDER if s in started], (
            failing,
            compensated,
        )
        if failing == "seal":
            assert states["bank"] == "cancelled"  # never started
        if failing == "license":
            assert final.state == common_pb2.CASE_STATE_FAILED
        else:
            assert final.state == common_pb2.CASE_STATE_COMPENSATED
            assert failing in final.failure_reason


def test_cancellation_by_the_applicant_compensates(platform, stub):
    # The bank is not running: the case waits at the bank step until it is cancelled.
    supervisor = platform.start(PLATFORM[:-1], **ECHO)
    settings = supervisor.settings
    app = submit_sample(stub, settings, applicant="carol", key="k-cancel")
    watch_until(
        stub,
        settings,
        app.case_id,
        applicant="carol",
        states=[common_pb2.CASE_STATE_RUNNING],
        timeout=5,
    )
    _wait_for_step(stub, settings, app.case_id, "carol", "bank", common_pb2.STEP_STATE_DISPATCHED)
    recorder = EventRecorder(stub, settings, app.case_id, applicant="carol")
    response = stub.CancelApplication(
        pb.CancelApplicationRequest(case_id=app.case_id, reason="found a better office"),
        metadata=credential(settings, "entrepreneur", "carol"),
    )
    assert response.application.state == common_pb2.CASE_STATE_COMPENSATING
    platform.start(("bank",), **ECHO)
    final, events = recorder.wait()
    assert final.state == common_pb2.CASE_STATE_COMPENSATED
    assert "found a better office" in final.failure_reason
    states = step_states(final)
    assert states.pop("bundle") == "cancelled"
    assert set(states.values()) == {"compensated"}
    undone = [e.step for e in events if e.step_state == common_pb2.STEP_STATE_COMPENSATED]
    # A bank that opened the account after its compensation overtook the command is compensated
    # once more (a second round); the first compensation of each step follows the reverse order.
    assert list(dict.fromkeys(undone)) == UNDO_ORDER


def test_another_applicant_cannot_read_or_cancel_the_case_nor_learn_that_it_exists(platform, stub):
    supervisor = platform.start(PLATFORM, **ECHO)
    settings = supervisor.settings
    app = submit_sample(stub, settings, applicant="dave", key="k-own")
    for call, request in (
        (stub.GetApplication, pb.GetApplicationRequest(case_id=app.case_id)),
        (stub.CancelApplication, pb.CancelApplicationRequest(case_id=app.case_id)),
    ):
        with pytest.raises(grpc.RpcError) as error:
            call(request, metadata=credential(settings, "entrepreneur", "mallory"))
        # Answered as an unknown id would be.
        assert error.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as error:
        stub.GetApplication(pb.GetApplicationRequest(case_id=app.case_id))
    assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_repeated_submission_returns_the_same_case(platform, stub):
    supervisor = platform.start(("orchestrator",))
    settings = supervisor.settings
    first = submit_sample(stub, settings, applicant="erin", key="same-key")
    again = submit_sample(stub, settings, applicant="erin", key="same-key")
    assert again.case_id == first.case_id
    listed = stub.ListApplications(
        pb.ListApplicationsRequest(), metadata=credential(settings, "entrepreneur", "erin")
    )
    assert [a.case_id for a in listed.applications] == [first.case_id]
    with pytest.raises(grpc.RpcError) as error:
        submit_sample(stub, settings, applicant="erin", key="same-key", trade_name="别的")
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_malformed_request_gets_invalid_argument_with_rejections(platform, stub):
    supervisor = platform.start(("orchestrator",))
    settings = supervisor.settings
    request = pb.SubmitApplicationRequest(idempotency_key="bad")
    request.form.registered_capital.amount = "1,000,000"
    with pytest.raises(grpc.RpcError) as error:
        stub.SubmitApplication(request, metadata=credential(settings, "entrepreneur", "frank"))
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    rejections = rejections_from_status(rpc_status.from_call(error.value))
    by_field = {r.field: r for r in rejections}
    assert by_field["form.registered_capital"].rule == "decimal"
    assert by_field["form.name.trade_name"].rule == "required"
    assert (
        by_field["form.name.trade_name"].message_zh and by_field["form.name.trade_name"].message_en
    )
    listed = stub.ListApplications(
        pb.ListApplicationsRequest(), metadata=credential(settings, "entrepreneur", "frank")
    )
    assert listed.total == 0  # nothing half-written


def test_malformed_message_is_dead_lettered_and_does_not_block_its_queue(platform, stub):
    supervisor = platform.start(PLATFORM, **ECHO)
    settings = supervisor.settings
    driver = CommandDriver(settings)
    try:
        driver.send_raw(
            "bank.OpenAccount",
            b"\xff\xfe not protobuf",
            {
                m.H_TYPE: "onestop.bank.v1.OpenAccountRequest",
                m.H_METHOD: "/onestop.bank.v1.BankService/OpenAccount",
            },
        )
        driver.send_raw("seal.NoSuchRpc", b"", {m.H_TYPE: "onestop.seal.v1.IssueSealsRequest"})
        app = submit_sample(stub, settings, applicant="gina", key="k-after-garbage")
        final, _ = watch_until(stub, settings, app.case_id, applicant="gina")
        assert final.state == common_pb2.CASE_STATE_COMPLETED
        dead = _drain(settings, m.DEAD_LETTER_QUEUE, expected=2)
        reasons = {d.headers[m.H_DEAD_QUEUE]: d.headers[m.H_DEAD_REASON] for d in dead}
        assert "not a valid onestop.bank.v1.OpenAccountRequest" in reasons["onestop.bank.commands"]
        assert "no command 'NoSuchRpc'" in reasons["onestop.seal.commands"]
    finally:
        driver.close()


def test_every_message_delivered_twice_has_no_duplicate_effect(platform, stub):
    supervisor = platform.start(PLATFORM, **ECHO)
    settings = supervisor.settings
    duplicator = Duplicator(settings.amqp_url)
    duplicator.start()
    duplicator.ready.wait(10)
    try:
        cases = [
            submit_sample(stub, settings, applicant="hal", key=f"dup-{i}").case_id for i in range(3)
        ]
        for case_id in cases:
            final, _ = watch_until(stub, settings, case_id, applicant="hal")
            assert final.state == common_pb2.CASE_STATE_COMPLETED
            assert all(step.attempts == 1 for step in final.steps)
    finally:
        duplicator.stop()
    assert duplicator.copies > 3 * 10  # every command and every result went twice
    for service in SERVICES:
        engine = create_engine(settings.database_url_for(service))
        with engine.connect() as connection:
            handled = connection.execute(text("SELECT key FROM inbox")).scalars().all()
            results = connection.execute(
                text("SELECT count(*) FROM outbox WHERE routing_key LIKE '%.result'")
            ).scalar()
        engine.dispose()
        assert len(handled) == len(cases) == len(set(handled))
        # a duplicate command is answered again from the inbox, never handled twice
        assert len(cases) <= results <= 2 * len(cases)


def test_orchestrator_killed_mid_case_completes_after_restart(platform, stub):
    supervisor = platform.start(PLATFORM[:-1], **ECHO)  # the bank is down: the case must wait
    settings = supervisor.settings
    app = submit_sample(stub, settings, applicant="ivan", key="k-crash")
    _wait_for_step(stub, settings, app.case_id, "ivan", "bank", common_pb2.STEP_STATE_DISPATCHED)
    supervisor.kill("orchestrator")  # SIGKILL
    platform.start(("bank",), **ECHO)
    supervisor.restart("orchestrator")
    final, _ = watch_until(stub, settings, app.case_id, applicant="ivan")
    assert final.state == common_pb2.CASE_STATE_COMPLETED


def test_service_killed_mid_case_completes_after_restart(platform, stub):
    supervisor = platform.start(PLATFORM, **ECHO)
    settings = supervisor.settings
    supervisor.kill("seal")
    cases = [
        submit_sample(stub, settings, applicant="judy", key=f"svc-crash-{i}").case_id
        for i in range(5)
    ]
    for case_id in cases:
        _wait_for_step(stub, settings, case_id, "judy", "seal", common_pb2.STEP_STATE_DISPATCHED)
    supervisor.restart("seal")
    for case_id in cases:
        final, _ = watch_until(stub, settings, case_id, applicant="judy")
        assert final.state == common_pb2.CASE_STATE_COMPLETED


def audit_verify(env: dict[str, str], case_id: str) -> subprocess.CompletedProcess[str]:
    """`onestop audit verify` of the case, as an operator runs it."""
    return subprocess.run(
        [sys.executable, "-m", "onestop_cli.main", "audit", "verify", case_id],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_edited_audit_row_is_detected_by_audit_verify(platform, stub):
    supervisor = platform.start(PLATFORM, **ECHO)
    settings = supervisor.settings
    app = submit_sample(stub, settings, applicant="kim", key="k-audit")
    watch_until(stub, settings, app.case_id, applicant="kim")
    env = platform.env()
    ok = audit_verify(env, app.case_id)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "intact" in ok.stdout
    engine = create_engine(settings.database_url_for("orchestrator"))
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE audit_trail SET actor = 'forger' WHERE saga_id = :c AND seq = 2"),
            {"c": app.case_id},
        )
    engine.dispose()
    broken = audit_verify(env, app.case_id)
    assert broken.returncode == 1
    assert "entry 2: entry content does not match its hash" in broken.stdout


# ---------------------------------------------------------------------------- helpers


def _wait_for_step(stub, settings, case_id, applicant, step, state):
    watch_for(
        stub,
        settings,
        case_id,
        lambda app: any(s.name == step and s.state == state for s in app.steps),
        applicant=applicant,
        timeout=30,
    )


def _drain(settings, queue, expected):
    connection = connect(settings.amqp_url)
    channel = connection.channel()
    found = []
    try:
        for method, properties, body in channel.consume(queue, inactivity_timeout=10):
            if method is None:
                break
            channel.basic_ack(method.delivery_tag)
            found.append(
                m.Envelope(
                    method.exchange,
                    method.routing_key,
                    body,
                    dict(properties.headers or {}),
                    properties.message_id,
                )
            )
            if len(found) >= expected:
                break
    finally:
        connection.close()
    return found


class Duplicator(threading.Thread):
    """Outside the system: taps every command and result and publishes each one again."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.ready = threading.Event()
        self._stopping = threading.Event()
        self.copies = 0

    def stop(self) -> None:
        self._stopping.set()
        self.join(10)

    def run(self) -> None:
        connection = connect(self.url)
        channel = connection.channel()
        tap = f"test.tap.{uuid.uuid4().hex[:6]}"
        channel.queue_declare(queue=tap, exclusive=True, auto_delete=True)
        channel.queue_bind(queue=tap, exchange=m.COMMANDS_EXCHANGE, routing_key="#")
        channel.queue_bind(queue=tap, exchange=m.EVENTS_EXCHANGE, routing_key="*.*.result")
        self.ready.set()
        for method, properties, body in channel.consume(tap, inactivity_timeout=0.2, auto_ack=True):
            if self._stopping.is_set():
                break
            if method is None or (properties.headers or {}).get("x-test-copy"):
                continue
            headers = {**(properties.headers or {}), "x-test-copy": 1}
            channel.basic_publish(
                method.exchange,
                method.routing_key,
                body,
                pika.BasicProperties(
                    headers=headers,
                    message_id=properties.message_id,
                    content_type=properties.content_type,
                    delivery_mode=2,
                ),
            )
            self.copies += 1
        connection.close()


def test_cli_submits_lists_shows_and_watches_a_case(platform, stub, capsys):
    supervisor = platform.start(PLATFORM, **ECHO)
    env = platform.env()

    def onestop(*args: str, **options: Any) -> subprocess.CompletedProcess[str]:
        streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **options}
        return subprocess.run(
            [sys.executable, "-m", "onestop_cli.main", *args],
            env=env,
            text=True,
            timeout=120,
            **streams,
        )

    submitted = onestop("submit", "samples/application.json", "--subject", "nina")
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr
    case_id = submitted.stdout.split("case ")[1].split()[0]
    watched = onestop("watch", case_id, "--subject", "nina")
    assert watched.returncode == 0, watched.stderr
    final_header = [line for line in watched.stdout.splitlines() if line.startswith("case ")][-1]
    assert final_header.endswith("completed") or " completed " in final_header
    status = onestop("status", case_id, "--subject", "nina")
    assert status.returncode == 0
    lines = status.stdout.splitlines()
    assert lines[0].startswith(f"case {case_id}") and "completed" in lines[0]
    assert any(line.split()[:2] == ["bank", "done"] for line in lines[2:])

    def in_process(*args: str) -> tuple[int, str, str]:
        """``onestop ARGS`` as main() in this process (each start of a process costs seconds)."""
        with pytest.MonkeyPatch.context() as patch:
            for key in [k for k in os.environ if k.startswith("ONESTOP_")]:
                patch.delenv(key)
            for key, value in env.items():
                if key.startswith("ONESTOP_"):
                    patch.setenv(key, value)
            capsys.readouterr()
            code = cli_main(list(args))
            captured = capsys.readouterr()
        return code, captured.out, captured.err

    code, _out, err = in_process("status", case_id, "--subject", "oscar")
    assert code == 1 and "NOT_FOUND" in err
    assert "--role entrepreneur --subject APPLICANT" in err
    assert "Leave out --role and --subject to act as the case's applicant" in err

    # The operator, naming nobody, acts as the case's applicant; `| head -1` left early.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        piped = onestop("status", case_id, stdout=write_end)
    finally:
        os.close(write_end)
    assert piped.returncode in (0, 141), piped.stderr
    assert "Traceback" not in piped.stderr and "BrokenPipeError" not in piped.stderr
    code, out, err = in_process("status", case_id)
    assert code == 0 and out.startswith(f"case {case_id}"), err
    # Echo participants make no bundle: the applicant is told it is not ready (not that the
    # case is unknown or not theirs).
    code, _out, err = in_process("bundle", case_id, "-o", os.devnull)
    assert code == 1 and "FAILED_PRECONDITION" in err, err

    # The operator sees every case; the table names it, its company and state in words.
    code, out, err = in_process("cases")
    assert code == 0, err
    row = next(line for line in out.splitlines() if line.startswith(case_id))
    assert "completed" in row and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", row), row
    as_json = json.loads(in_process("cases", "--json", "--state", "completed")[1])
    assert [c["case_id"] for c in as_json["cases"]] == [case_id]
    assert as_json["cases"][0]["submitted_at"].endswith("+08:00")
    assert json.loads(in_process("cases", "--json", "--state", "running")[1])["cases"] == []
    theirs = in_process("cases", "--json", "--role", "entrepreneur", "--subject", "oscar")
    assert json.loads(theirs[1])["cases"] == []

    # Page after page with the platform's page tokens, newest first, none twice; and since.
    settings = supervisor.settings
    later = [
        submit_sample(stub, settings, applicant="nina", key=f"cli-{n}", trade_name=name).case_id
        for n, name in enumerate(("博远启", "恒星禾"))
    ]
    admin = credential(settings, "admin", "operator")
    paged, total = list_cases(stub, admin, CaseQuery(limit=10), page_size=1)
    assert total == 3 and [a.case_id for a in paged] == [*reversed(later), case_id]
    first = from_timestamp(paged[0].submitted_at)
    recent, _ = list_cases(stub, admin, CaseQuery(since=first, limit=10), page_size=1)
    assert [a.case_id for a in recent] == [paged[0].case_id]


def test_many_open_watch_streams_do_not_starve_other_calls(platform, stub):
    """Each WatchApplication stream holds a server thread while its case runs: a portal full of
    open case pages must still leave room for submissions and reads."""
    supervisor = platform.start(("orchestrator", "registration"), **ECHO)
    settings = supervisor.settings
    # No seal service: the case waits at the seal step, and its watchers stay open.
    case_id = submit_sample(stub, settings, applicant="walter", key="watched").case_id
    _wait_for_step(stub, settings, case_id, "walter", "seal", common_pb2.STEP_STATE_DISPATCHED)
    # Officers at their screens (one caller may hold only so many streams: test_watch_limits).
    watchers = [
        stub.WatchApplication(
            pb.WatchApplicationRequest(case_id=case_id),
            metadata=credential(settings, "officer", f"watcher-{n}"),
            timeout=60,
        )
        for n in range(WATCHERS)
    ]
    try:
        for watcher in watchers:
            next(watcher)  # each stream is open and has sent its snapshot
        other = submit_sample(stub, settings, applicant="xena", key="while-watched")
        read = stub.GetApplication(
            pb.GetApplicationRequest(case_id=other.case_id),
            metadata=credential(settings, "entrepreneur", "xena"),
            timeout=10,
        )
        assert read.application.case_id == other.case_id
    finally:
        for watcher in watchers:
            watcher.cancel()
