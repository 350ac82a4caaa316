"""A refusal the applicant can fix pauses the case and asks for a correction; the correction
re-runs only the step that asked, and nothing issued is undone."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from onestop.common.v1 import application_pb2, common_pb2
from onestop_common.clock import SHANGHAI
from onestop_common.errors import Conflict, InvalidInput
from orchestrator import audit
from orchestrator.engine import corrected_form
from orchestrator.open_company import OPEN_COMPANY
from orchestrator.views import StateAtEvent, displayed_state, failure_reason_zh
from tests.support.saga_harness import Command, Harness, Outcome, e, minimal_form

# A Thursday morning, 2026-11-26 09:00.
THURSDAY = datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI)
SealKind = application_pb2.SealKind


def form_with_seals(*kinds: int) -> application_pb2.ApplicationForm:
    form = minimal_form()
    for kind in kinds:
        form.seals.add(kind=kind, physical=True, electronic=True)
    return form


def answer_finance_seal_missing(
    h: Harness,
    command: Command,
    outcome: int = Outcome.OUTCOME_CORRECTION_REQUESTED,
    reason: str = "",
) -> None:
    """The seal maker answers ``command``: the seal set lacks the finance seal (a refusal the
    applicant can correct, unless ``outcome`` says otherwise)."""
    missing = common_pb2.Rejection(
        field="form.seals",
        rule="seal_set",
        message_zh="印章中缺少财务专用章",
        message_en="the seal set lacks the finance seal",
        participant="seal",
    )
    h.answer(command, outcome, reason=reason, rejections=[missing])


@pytest.fixture
def h(tmp_path):
    return Harness(f"sqlite:///{tmp_path}/orchestrator.db", THURSDAY)


def license_done_then(h: Harness, step: str) -> tuple[str, dict[str, Command]]:
    """Submits, completes the license, and returns the three commands that follow it."""
    case_id = h.submit(form_with_seals(SealKind.SEAL_KIND_OFFICIAL))
    [license_cmd] = h.take_commands()
    h.answer(license_cmd)
    commands = {c.step: c for c in h.take_commands()}
    assert step in commands
    return case_id, commands


def test_correctable_refusal_waits_for_the_applicant_and_the_case_shows_it(h):
    case_id, commands = license_done_then(h, "seal")
    h.advance(timedelta(hours=1))
    answer_finance_seal_missing(h, commands["seal"], reason="the seal set lacks the finance seal")
    case = h.case(case_id)
    assert case.state == e.RUNNING
    assert displayed_state(case) == e.CASE_AWAITING_APPLICANT
    seal = next(r for r in case.steps if r.name == "seal")
    assert seal.state == e.AWAITING_APPLICANT and seal.paused_at is not None
    # Nothing is undone: no compensation was sent, the license stands.
    sent = h.take_commands()
    assert not [c for c in sent if c.rpc.startswith(("Revoke", "Cancel", "Close"))]
    assert h.step_states(case_id)["license"] == e.DONE


def test_correction_reruns_only_the_step_that_asked_and_the_case_completes(h):
    case_id, commands = license_done_then(h, "seal")
    for step in ("invoice", "social_insurance"):
        h.answer(commands[step])
    answer_finance_seal_missing(h, commands["seal"])
    due_before = h.case(case_id).due_at
    h.advance(timedelta(days=1))  # the applicant takes a working day (Friday)
    fixed = form_with_seals(SealKind.SEAL_KIND_OFFICIAL, SealKind.SEAL_KIND_FINANCE)
    h.engine.correct(case_id, h.applicant, fixed, ["seals"])

    [rerun] = h.take_commands()
    assert (rerun.step, rerun.rpc) == ("seal", "IssueSeals")
    assert rerun.key == f"{case_id}:seal:IssueSeals:correction-1"
    assert [s.kind for s in rerun.request.seals] == [
        SealKind.SEAL_KIND_OFFICIAL,
        SealKind.SEAL_KIND_FINANCE,
    ]
    h.answer(rerun)
    commands_after = h.run_until_quiet()
    assert [c.step for c in commands_after] == ["bank", "bundle"]
    case = h.case(case_id)
    assert case.state == e.COMPLETED
    # The case's own limit paused with the step: moved by the working day the applicant took.
    assert h.engine.calendar.working_time_between(due_before, case.due_at) == timedelta(hours=7)
    with h.sessions() as session:
        actions = [a.action for a in audit.entries_after(session, case_id, 0)]
        resumed = [
            a.detail
            for a in audit.entries_after(session, case_id, 0)
            if a.action == "clock_resumed"
        ]
    assert "correction_requested" in actions and "correction_submitted" in actions
    assert "compensation_dispatched" not in actions
    assert resumed and json.loads(resumed[0])["paused_working_seconds"] == 7 * 3600


def test_a_correction_without_a_waiting_step_is_refused(h):
    case_id = h.submit()
    with pytest.raises(Conflict):
        h.engine.correct(case_id, h.applicant, minimal_form(), ["seals"])


def test_the_mask_takes_only_the_named_fields_and_lists_whole():
    current = form_with_seals(SealKind.SEAL_KIND_OFFICIAL, SealKind.SEAL_KIND_INVOICE)
    correction = form_with_seals(SealKind.SEAL_KIND_FINANCE)
    correction.name.trade_name = "不该被采用"
    merged = corrected_form(current, correction, ["seals"])
    assert [s.kind for s in merged.seals] == [SealKind.SEAL_KIND_FINANCE]
    assert merged.name.trade_name == current.name.trade_name
    assert corrected_form(current, correction, []) == correction


def test_an_unknown_mask_path_is_refused_naming_it():
    with pytest.raises(InvalidInput) as refused:
        corrected_form(minimal_form(), minimal_form(), ["seals", "no_such_field"])
    [v] = refused.value.violations
    assert v.field == "update_mask" and "no_such_field" in v.message_en
    assert "no_such_field" in v.message_zh


def test_a_final_refusal_is_told_in_chinese_from_the_refusals_own_words(h):
    case_id, commands = license_done_then(h, "seal")
    answer_finance_seal_missing(
        h, commands["seal"], Outcome.OUTCOME_REJECTED, reason="the seal maker refused"
    )
    h.run_until_quiet()
    case = h.case(case_id)
    assert case.state == e.COMPENSATED
    assert failure_reason_zh(case, OPEN_COMPANY) == "印章刻制环节不予办理：印章中缺少财务专用章"
    assert "rejected" in case.failure_reason  # the operators' text stays as it was


def test_a_withdrawal_is_told_in_chinese_with_the_applicants_own_words(h):
    case_id = h.submit()
    h.engine.cancel(case_id, h.applicant, "改用线下办理")
    assert failure_reason_zh(h.case(case_id), OPEN_COMPANY) == "申请人已撤回申请：改用线下办理"


def test_the_audit_trail_alone_tells_the_state_after_each_event(h):
    # What a replayed Watch event says: the case's state then, not now.
    case_id, commands = license_done_then(h, "seal")
    answer_finance_seal_missing(h, commands["seal"], reason="the seal set lacks the finance seal")
    with h.sessions() as session:
        entries = audit.entries_after(session, case_id, 0)
    states = StateAtEvent()
    seen = [states.after(entry) for entry in entries]
    assert seen[0] == e.RUNNING
    assert seen[-1] == displayed_state(h.case(case_id)) == e.CASE_AWAITING_APPLICANT
