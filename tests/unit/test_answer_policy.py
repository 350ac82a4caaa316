"""Every command is answered or escalated (the saga engine with a manual clock, no broker): an
unanswered command goes out again under the same idempotency key, the step is stuck after the
policy's sends and recovers with the first answer; a dead-lettered command is sent again soon;
an answer retires the pending re-send."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from onestop_common import messaging as m
from onestop_common.clock import SHANGHAI
from orchestrator import engine as e
from orchestrator.definition import AnswerPolicy
from orchestrator.models import AuditEntry, Timer
from orchestrator.views import displayed_state
from tests.support.saga_harness import Command, Harness, Outcome

START = datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)  # a Tuesday in office hours


def harness(tmp_path: Path) -> Harness:
    h = Harness(f"sqlite:///{tmp_path}/o.db", START)
    h.engine.answer_within = timedelta(seconds=10)
    h.engine.sends_before_stuck = 3
    return h


def license_done(h: Harness) -> list[Command]:
    [command] = h.take_commands()
    h.answer(command)
    return h.take_commands()


def actions(h: Harness, case_id: str) -> list[tuple[str, str]]:
    with h.sessions() as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.saga_id == case_id).order_by(AuditEntry.seq)
        ).all()
        return [(row.action, row.step) for row in rows]


def test_the_policy_doubles_its_wait_up_to_the_longest() -> None:
    policy = AnswerPolicy(answer_within=timedelta(seconds=30), longest_wait=timedelta(minutes=2))
    assert [policy.wait(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [30, 60, 120, 120, 120]
    scaled = policy.scaled(timedelta(seconds=1), 2)
    assert (scaled.answer_within, scaled.sends_before_stuck) == (timedelta(seconds=1), 2)
    assert policy.scaled(None, None) == policy


def test_an_unanswered_command_is_sent_again_with_its_key_then_the_step_is_stuck(
    tmp_path: Path,
) -> None:
    h = harness(tmp_path)
    case_id = h.submit()
    [first] = h.take_commands()
    assert first.step == "license"

    sent = [first]
    for wait in (10, 20, 40):  # the policy's waits: 10 s, doubling
        assert h.advance(timedelta(seconds=wait - 1)) == 0  # not yet
        h.advance(timedelta(seconds=1))
        sent += h.take_commands()
    assert len(sent) == 4
    assert {c.key for c in sent} == {f"{case_id}:license:IssueLicense"}

    saga = h.case(case_id)
    assert saga.state == e.RUNNING  # the engine runs it on; people see it stuck
    assert h.step_states(case_id)["license"] == e.STEP_STUCK
    assert displayed_state(saga) == e.STUCK
    assert [a for a in actions(h, case_id) if a[0] in ("resent", "stuck")] == [
        ("resent", "license"),
        ("resent", "license"),
        ("stuck", "license"),
        ("resent", "license"),
    ]
    assert [ev.routing_key for ev in h.events("orchestrator.case.")] == ["orchestrator.case.stuck"]

    # The first answer, to any of the sends, un-sticks it and the case goes on.
    h.answer(sent[1])
    assert h.step_states(case_id)["license"] == e.DONE
    assert displayed_state(h.case(case_id)) == e.RUNNING
    assert {c.step for c in h.take_commands()} == {"seal", "invoice", "social_insurance"}


def test_an_answer_retires_the_pending_resend(tmp_path: Path) -> None:
    h = harness(tmp_path)
    case_id = h.submit()
    [command] = h.take_commands()
    h.answer(command, Outcome.OUTCOME_ACCEPTED, task_id="REG-1")  # a person will decide
    assert h.advance(timedelta(hours=1)) == 0
    assert h.take_commands() == []
    with h.sessions() as session:
        timer = session.scalars(
            select(Timer).where(Timer.saga_id == case_id, Timer.kind == "answer_due")
        ).one()
        assert timer.outcome == "answered"


def test_a_dead_lettered_command_is_recorded_and_sent_again_within_seconds(tmp_path: Path) -> None:
    h = harness(tmp_path)
    case_id = h.submit()
    [command] = h.take_commands()
    dead = m.Envelope(
        m.DEAD_LETTER_EXCHANGE,
        command.envelope.routing_key,
        command.envelope.body,
        {**command.envelope.headers, m.H_DEAD_REASON: "IssueLicense exceeds the limits"},
        command.envelope.message_id,
    )
    h.engine.handle_dead_letters([dead])
    assert ("dead_lettered", "license") in actions(h, case_id)

    h.advance(timedelta(seconds=2))  # well before the policy's 10 s
    [again] = h.take_commands()
    assert again.key == command.key


def test_a_dead_letter_for_a_step_no_longer_waiting_changes_nothing(tmp_path: Path) -> None:
    h = harness(tmp_path)
    case_id = h.submit()
    [command] = h.take_commands()
    h.answer(command)
    h.take_commands()
    late = m.Envelope(
        m.DEAD_LETTER_EXCHANGE,
        command.envelope.routing_key,
        command.envelope.body,
        dict(command.envelope.headers),
        command.envelope.message_id,
    )
    h.engine.handle_dead_letters([late])
    assert ("dead_lettered", "license") in actions(h, case_id)
    assert h.advance(timedelta(seconds=5)) == 0
    assert h.take_commands() == []
    assert h.step_states(case_id)["license"] == e.DONE


def test_an_unanswered_compensation_is_sent_again_and_escalated(tmp_path: Path) -> None:
    h = harness(tmp_path)
    case_id = h.submit()
    for command in license_done(h):  # seal, invoice, social insurance: one refuses
        outcome = Outcome.OUTCOME_REJECTED if command.step == "seal" else Outcome.OUTCOME_DONE
        h.answer(command, outcome, reason="refused" if command.step == "seal" else "")
    undo = h.take_commands()
    assert len(undo) == 1 and undo[0].rpc == "CancelEmployerRegistration"
    for wait in (10, 20, 40):
        h.advance(timedelta(seconds=wait))
        undo += h.take_commands()
    assert len(undo) == 4
    assert {c.key for c in undo} == {undo[0].key}  # the same round: the same key
    assert h.case(case_id).state == e.STUCK
    h.answer(undo[-1])
    assert h.step_states(case_id)["social_insurance"] == e.STEP_COMPENSATED
