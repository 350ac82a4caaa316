"""The company start-up saga driven step by step on a fake clock, without a broker."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from onestop.bank.v1 import bank_pb2
from onestop_common.clock import SHANGHAI
from onestop_common.protoconv import from_timestamp
from orchestrator import audit
from orchestrator.models import Inbox, Outbox
from orchestrator.open_company import LEGAL_STEPS, OPEN_COMPANY
from orchestrator.process import MIGRATIONS
from tests.support.in_process import personal_numbers, sample_form
from tests.support.saga_harness import Harness, Outcome, e, minimal_form
from tests.support.service_db import ServiceDb

# A Thursday morning, 2026-11-26 09:00.
THURSDAY = datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI)
ALL_STEPS = ["license", "seal", "invoice", "social_insurance", "bank"]
ACCOUNT_NUMBER = "10201201150000000042"


@pytest.fixture
def h(tmp_path):
    return Harness(f"sqlite:///{tmp_path}/orchestrator.db", THURSDAY)


def test_definition_reads_like_the_process():
    assert OPEN_COMPANY.step_names == (*ALL_STEPS, "bundle")
    assert OPEN_COMPANY.get("bank").after == ("license", "seal")
    assert set(OPEN_COMPANY.get("bundle").after) == set(ALL_STEPS)
    # 1.5 + 0.5 + 1 on the critical path fills the 3-day limit exactly.
    assert OPEN_COMPANY.critical_path(LEGAL_STEPS) == OPEN_COMPANY.limit == 3


def test_happy_path_dispatches_in_dependency_order_and_completes(h):
    case_id = h.submit()
    first = h.take_commands()
    assert [(c.participant, c.rpc) for c in first] == [("registration", "IssueLicense")]
    h.answer(first[0])
    second = h.take_commands()
    assert sorted(c.step for c in second) == ["invoice", "seal", "social_insurance"]
    for command in second:
        if command.step != "seal":
            h.answer(command)
    assert h.take_commands() == []  # the bank waits for the seals
    h.answer(next(c for c in second if c.step == "seal"))
    third = h.take_commands()
    assert [c.step for c in third] == ["bank"]
    h.answer(third[0])
    assert h.case(case_id).state == e.RUNNING
    [bundle] = h.take_commands()
    assert (bundle.participant, bundle.rpc) == ("orchestrator", "BuildBundle")
    h.answer(bundle)
    case = h.case(case_id)
    assert case.state == e.COMPLETED
    assert all(state == e.DONE for state in h.step_states(case_id).values())
    assert h.events("orchestrator.case.completed")


def test_commands_carry_context_and_deadline(h):
    case_id = h.submit()
    [command] = h.take_commands()
    context = command.request.context
    assert context.case_id == case_id
    assert context.idempotency_key == f"{case_id}:license:IssueLicense"
    assert context.deadline.limit_workdays == "1.5"
    # 10.5 office hours from Thursday 09:00: Thursday 7 h, then Friday 09:00-12:00 and 13:00-13:30.
    assert from_timestamp(context.deadline.due_at) == datetime(
        2026, 11, 27, 13, 30, tzinfo=SHANGHAI
    )
    assert context.deadline.remaining_working_seconds == int(10.5 * 3600)


def test_same_idempotency_key_returns_same_case(h):
    first = h.submit(key="abc")
    again = h.submit(key="abc")
    assert first == again
    assert len(h.take_commands()) == 1


@pytest.mark.parametrize("failing", ALL_STEPS)
def test_rejection_compensates_exactly_the_completed_steps_in_reverse(h, failing):
    case_id = h.submit()
    commands = h.run_until_quiet(reject_step=failing)
    compensations = [c.step for c in commands if c.rpc == OPEN_COMPANY.get(c.step).compensation]
    expected = {
        "license": [],
        "seal": ["social_insurance", "invoice", "license"],
        "invoice": ["bank", "social_insurance", "seal", "license"],
        "social_insurance": ["bank", "invoice", "seal", "license"],
        "bank": ["social_insurance", "invoice", "seal", "license"],
    }[failing]
    assert compensations == expected
    case = h.case(case_id)
    assert case.state == (e.FAILED if failing == "license" else e.COMPENSATED)
    assert failing in case.failure_reason
    assert h.step_states(case_id)[failing] == e.STEP_FAILED


def test_duplicate_results_have_no_second_effect(h):
    case_id = h.submit()
    [license_cmd] = h.take_commands()
    result = h.result_for(license_cmd, Outcome.OUTCOME_DONE)
    h.engine.handle_results([result])
    h.engine.handle_results([result])  # redelivered by the broker
    second = h.take_commands()
    assert len(second) == 3
    # A re-sent (new message id) DONE for a finished step is ignored too.
    h.answer(license_cmd)
    assert h.take_commands() == []
    assert h.step_states(case_id)["license"] == e.DONE


def test_cancellation_undoes_started_steps_including_open_tasks(h):
    case_id, second = h.past_license()
    seal = next(c for c in second if c.step == "seal")
    h.answer(seal, Outcome.OUTCOME_ACCEPTED, task_id="T-1")  # waits for the seal maker
    h.engine.cancel(case_id, h.applicant, "changed my mind")
    undo = h.take_commands()
    # one compensation at a time, last step first
    assert [(c.step, c.rpc) for c in undo] == [("social_insurance", "CancelEmployerRegistration")]
    h.answer(undo[0])
    assert [(c.step, c.rpc) for c in h.run_until_quiet()] == [
        ("invoice", "CancelTaxRegistration"),
        ("seal", "RevokeSeals"),
        ("license", "RevokeLicense"),
    ]
    case = h.case(case_id)
    assert case.state == e.COMPENSATED
    assert "changed my mind" in case.failure_reason
    assert h.step_states(case_id)["bank"] == e.CANCELLED
    assert h.step_states(case_id)["bundle"] == e.CANCELLED
    assert h.step_states(case_id)["seal"] == e.STEP_COMPENSATED


def test_late_done_after_compensation_is_undone_again(h):
    case_id, second = h.past_license()
    invoice = next(c for c in second if c.step == "invoice")
    h.engine.cancel(case_id, h.applicant, "")
    h.run_until_quiet()
    assert h.case(case_id).state == e.COMPENSATED
    h.answer(invoice)  # the tax office finished after all
    [again] = h.take_commands()
    assert again.rpc == "CancelTaxRegistration"
    assert again.key.endswith(":2")
    h.answer(again)
    assert h.case(case_id).state == e.COMPENSATED


def test_transient_failures_are_retried_with_backoff(h):
    h.submit()
    [command] = h.take_commands()
    h.answer(command, Outcome.OUTCOME_RETRY, reason="database busy")
    assert h.take_commands() == []
    h.advance(timedelta(seconds=1))
    assert h.take_commands() == []
    h.advance(timedelta(seconds=2))
    [retry] = h.take_commands()
    assert retry.request.context.attempt == 2
    assert retry.key == command.key


def test_failing_compensation_escalates_to_stuck_and_keeps_retrying(h):
    case_id, second = h.past_license()
    for command in second:
        if command.step == "seal":
            h.answer(command, Outcome.OUTCOME_REJECTED, reason="no seal maker")
    # compensate: social_insurance (in flight), invoice (in flight), then license
    for _ in range(2):
        [undo] = h.take_commands()
        h.answer(undo)
    [revoke] = h.take_commands()
    assert revoke.rpc == "RevokeLicense"
    for _ in range(8):
        h.answer(revoke, Outcome.OUTCOME_RETRY, reason="registry offline")
        h.advance(timedelta(hours=1))
        [revoke] = h.take_commands()
    assert h.case(case_id).state == e.STUCK
    assert h.events("orchestrator.case.stuck")
    h.answer(revoke)
    assert h.case(case_id).state == e.COMPENSATED


def test_correction_pauses_the_step_clock_and_resumes_with_the_remaining_time(h):
    case_id = h.submit()
    [command] = h.take_commands()
    h.answer(command, Outcome.OUTCOME_ACCEPTED, task_id="T-9")
    due_before = h.case(case_id).steps[0].due_at
    h.advance(timedelta(hours=2))  # the officer looks at it for 2 office hours
    h.answer(command, Outcome.OUTCOME_CORRECTION_REQUESTED, reason="ID number wrong")
    assert h.step_states(case_id)["license"] == e.AWAITING_APPLICANT
    h.advance(timedelta(days=1))  # the applicant takes a day (Friday)
    h.engine.correct(case_id, h.applicant, minimal_form("示例二"))
    [resubmit] = h.take_commands()
    assert resubmit.rpc == "ApplyCorrection"
    h.answer(resubmit, Outcome.OUTCOME_ACCEPTED, task_id="T-9")
    step = h.case(case_id).steps[0]
    assert step.state == e.ACCEPTED
    # Paused Thursday 11:00 → resumed Friday 11:00: exactly 7 office hours added.
    assert h.engine.calendar.working_time_between(due_before, step.due_at) == timedelta(hours=7)


def test_sla_warning_and_breach_across_weekend_and_holiday(tmp_path):
    # Wednesday 2026-09-30 14:00, before National Day (Oct 1-7 off, Sat Oct 10 worked).
    start = datetime(2026, 9, 30, 14, 0, tzinfo=SHANGHAI)
    h = Harness(f"sqlite:///{tmp_path}/o.db", start)
    case_id = h.submit()
    [command] = h.take_commands()
    h.answer(command, Outcome.OUTCOME_ACCEPTED, task_id="T-1")
    step = h.case(case_id).steps[0]
    # 10.5 h: Wed 3 h, then Thu Oct 8 (7 h), Fri Oct 9 09:00-09:30... → Fri Oct 9 09:30.
    assert step.due_at == datetime(2026, 10, 9, 9, 30, tzinfo=SHANGHAI)
    assert h.set_time(datetime(2026, 10, 7, 23, 0, tzinfo=SHANGHAI)) == 0  # holiday: no time used
    h.set_time(datetime(2026, 10, 8, 17, 0, tzinfo=SHANGHAI))
    assert h.case(case_id).steps[0].warned
    assert not h.case(case_id).steps[0].breached
    h.set_time(datetime(2026, 10, 9, 9, 30, tzinfo=SHANGHAI))
    assert h.case(case_id).steps[0].breached
    assert [ev.routing_key for ev in h.events("orchestrator.sla")] == [
        "orchestrator.sla.warning",
        "orchestrator.sla.breach",
    ]


def test_adjusted_working_saturday_counts(tmp_path):
    # Friday 2026-10-09 14:00; Saturday Oct 10 is an adjusted working day.
    h = Harness(f"sqlite:///{tmp_path}/o.db", datetime(2026, 10, 9, 14, 0, tzinfo=SHANGHAI))
    case_id = h.submit()
    [command] = h.take_commands()
    h.answer(command, Outcome.OUTCOME_ACCEPTED, task_id="T-1")
    # Friday 3 h + Saturday 7 h = 10 h, then Monday 09:00-09:30.
    assert h.case(case_id).steps[0].due_at == datetime(2026, 10, 12, 9, 30, tzinfo=SHANGHAI)


def test_timer_fires_once_even_when_asked_twice(h):
    h.submit()
    [command] = h.take_commands()
    h.answer(command, Outcome.OUTCOME_ACCEPTED, task_id="T-1")
    h.clock.advance(timedelta(days=7))
    first = h.engine.fire_due_timers()
    second = h.engine.fire_due_timers()
    assert first >= 2 and second == 0
    assert len(h.events("orchestrator.sla.breach")) == 2  # the step and the case


def test_audit_chain_detects_an_edited_row(h):
    case_id = h.submit()
    h.run_until_quiet()
    from onestop_common.db import transaction
    from orchestrator.models import AuditEntry

    with transaction(h.sessions) as session:
        count, problems = audit.verify(session, case_id)
        assert count > 10 and problems == []
        entry = session.query(AuditEntry).filter_by(saga_id=case_id, seq=3).one()
        entry.actor = "someone-else"
    with transaction(h.sessions) as session:
        _, problems = audit.verify(session, case_id)
    assert [p.seq for p in problems] == [3]


def test_the_form_and_the_results_are_sealed_at_rest(h):
    form = sample_form()
    case_id, after_license = h.past_license(form)
    for command in after_license:
        h.answer(command)
    [bank] = h.take_commands()
    h.answer(bank, account=bank_pb2.Account(account_number=ACCOUNT_NUMBER))

    orchestrator_db = ServiceDb("orchestrator", h.sessions, Outbox, Inbox, MIGRATIONS)
    assert orchestrator_db.stored_as_is([*personal_numbers(form), ACCOUNT_NUMBER]) == []
    assert h.engine.case_form(case_id, h.applicant) == form
    [step] = [s for s in h.case(case_id).steps if s.name == "bank"]
    assert bank_pb2.OpenAccountResponse.FromString(step.result).account.account_number == (
        ACCOUNT_NUMBER
    )
    # The revision that sealed them opens them on the way down, and seals them on the way up.
    orchestrator_db.migrate("6e3b9c1f4a70", down=True)
    assert "sagas.form" in orchestrator_db.stored_as_is([ACCOUNT_NUMBER, *personal_numbers(form)])
    orchestrator_db.migrate("head")
    assert orchestrator_db.stored_as_is([*personal_numbers(form), ACCOUNT_NUMBER]) == []
    assert h.engine.case_form(case_id, h.applicant) == form
