"""A correction that changes what the issued license records goes to the registration officer
as a change registration (变更登记): the license is re-issued under the same USCC, never
revoked, and the step that asked runs again with the corrected data once the change is granted.
A refused change leaves everything as it was and gives the correction back to the applicant."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from onestop.common.v1 import application_pb2, common_pb2
from onestop.registration.v1 import registration_pb2
from onestop_common.clock import SHANGHAI
from onestop_common.errors import Conflict
from orchestrator import audit
from orchestrator.views import displayed_state
from tests.support.saga_harness import Command, Harness, Outcome, e, minimal_form

# A Thursday morning, 2026-11-26 09:00.
THURSDAY = datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI)
USCC = "91120116MA05X0YK3J"
CAPITAL_MASK = ["registered_capital", "shareholders"]


def form_with_capital(amount: str) -> application_pb2.ApplicationForm:
    form = minimal_form()
    form.registered_capital.amount, form.registered_capital.currency = amount, "CNY"
    holder = form.shareholders.add()
    holder.person.name = "王芳"
    holder.subscribed.amount, holder.subscribed.currency = amount, "CNY"
    form.bank.branch_name = "天津宝坻支行"
    return form


def license_of(amount: str, version: int = 1) -> registration_pb2.License:
    license_ = registration_pb2.License(uscc=USCC, company_name="天津示例科技有限公司")
    license_.registered_capital.amount = amount
    license_.version = version
    return license_


def capital_questioned() -> common_pb2.Rejection:
    return common_pb2.Rejection(
        field="form.registered_capital",
        rule="capital_differs_from_resolution",
        message_zh="注册资本与股东会决议不一致，请核实",
        message_en="the registered capital differs from the shareholders' resolution",
        participant="bank",
    )


@pytest.fixture
def h(tmp_path):
    return Harness(f"sqlite:///{tmp_path}/orchestrator.db", THURSDAY)


def bank_asks_about_the_capital(h: Harness) -> str:
    """License, seal, tax and social insurance done; the bank returns the case for correction."""
    case_id = h.submit(form_with_capital("100000"))
    [license_cmd] = h.take_commands()
    h.answer(license_cmd, license=license_of("100000"))
    for command in h.take_commands():
        h.answer(command)
    [bank] = h.take_commands()
    assert bank.step == "bank"
    h.answer(bank, Outcome.OUTCOME_CORRECTION_REQUESTED, rejections=[capital_questioned()])
    assert displayed_state(h.case(case_id)) == e.CASE_AWAITING_APPLICANT
    return case_id


def correct_capital(h: Harness, case_id: str) -> Command:
    h.advance(timedelta(hours=1))
    h.engine.correct(case_id, h.applicant, form_with_capital("50000"), CAPITAL_MASK)
    [change] = h.take_commands()
    return change


def actions_of(h: Harness, case_id: str) -> list[str]:
    with h.sessions() as session:
        return [a.action for a in audit.entries_after(session, case_id, 0)]


def test_the_correction_goes_to_the_officer_as_a_change_nothing_is_revoked(h):
    case_id = bank_asks_about_the_capital(h)
    change = correct_capital(h, case_id)

    assert (change.step, change.rpc) == ("license", "ChangeLicense")
    assert change.request.form.registered_capital.amount == "50000"
    assert list(change.request.corrected_fields) == CAPITAL_MASK
    case = h.case(case_id)
    states = h.step_states(case_id)
    assert states["license"] == e.ACCEPTED and states["bank"] == e.PENDING
    assert displayed_state(case) == e.RUNNING
    # Until the change is granted the case's form is the one the license was granted on.
    assert application_pb2.ApplicationForm.FromString(case.form).registered_capital.amount == (
        "100000"
    )
    h.answer(change, Outcome.OUTCOME_ACCEPTED, task_id="CHG-1")
    assert h.take_commands() == []  # the bank waits for the officer
    assert next(r for r in h.case(case_id).steps if r.name == "license").task_id == "CHG-1"


def test_a_granted_change_reissues_the_license_and_the_bank_runs_again(h):
    case_id = bank_asks_about_the_capital(h)
    change = correct_capital(h, case_id)
    h.answer(change, Outcome.OUTCOME_ACCEPTED, task_id="CHG-1")
    h.advance(timedelta(hours=2))  # the officer's time: the case's clock runs
    h.answer(change, Outcome.OUTCOME_DONE, decided_by="officer-1", license=license_of("50000", 2))

    [rerun] = h.take_commands()
    assert (rerun.step, rerun.rpc) == ("bank", "OpenAccount")
    assert rerun.key == f"{case_id}:bank:OpenAccount:correction-1"
    assert rerun.request.registered_capital.amount == "50000"
    assert rerun.request.uscc == USCC
    h.answer(rerun)
    h.run_until_quiet()
    case = h.case(case_id)
    assert case.state == e.COMPLETED and case.pending_form is None
    assert case.uscc == USCC
    license_row = next(r for r in case.steps if r.name == "license")
    result = registration_pb2.IssueLicenseResponse.FromString(license_row.result)
    assert (result.license.version, result.license.registered_capital.amount) == (2, "50000")
    actions = actions_of(h, case_id)
    for expected in ("correction_submitted", "change_requested", "record_changed"):
        assert expected in actions
    assert not [a for a in actions if a.startswith("compensat")]
    with h.sessions() as session:
        resumed = [
            json.loads(a.detail)
            for a in audit.entries_after(session, case_id, 0)
            if a.action == "clock_resumed" and a.step == "bank"
        ]
    # The bank's clock stood still from its question until it ran again: 1 h + 2 h.
    assert [r["paused_working_seconds"] for r in resumed] == [3 * 3600]


def test_a_refused_change_leaves_the_license_and_returns_the_correction(h):
    case_id = bank_asks_about_the_capital(h)
    change = correct_capital(h, case_id)
    h.answer(
        change,
        Outcome.OUTCOME_REJECTED,
        decided_by="officer-1",
        reason="股东会决议未载明减少注册资本",
    )
    case = h.case(case_id)
    assert h.step_states(case_id)["license"] == e.DONE
    assert displayed_state(case) == e.CASE_AWAITING_APPLICANT
    assert case.pending_form is None
    assert application_pb2.ApplicationForm.FromString(case.form).registered_capital.amount == (
        "100000"
    )
    bank = next(r for r in case.steps if r.name == "bank")
    said = common_pb2.Rejections.FromString(bank.rejections).rejections
    assert [r.message_zh for r in said] == ["股东会决议未载明减少注册资本"]
    assert h.take_commands() == []
    # The applicant answers differently: only the bank runs again.
    confirmed = form_with_capital("100000")
    confirmed.bank.branch_name = "天津宝坻支行营业部"
    h.engine.correct(case_id, h.applicant, confirmed, ["bank"])
    [rerun] = h.take_commands()
    assert (rerun.step, rerun.rpc) == ("bank", "OpenAccount")
    assert rerun.key == f"{case_id}:bank:OpenAccount:correction-2"
    assert "change_refused" in actions_of(h, case_id)


def test_a_late_change_answer_after_cancellation_changes_nothing(h):
    case_id = bank_asks_about_the_capital(h)
    change = correct_capital(h, case_id)
    h.engine.cancel(case_id, h.applicant, "changed my mind")
    h.run_until_quiet()
    h.answer(change, Outcome.OUTCOME_DONE, license=license_of("50000", 2))
    case = h.case(case_id)
    assert case.state == e.COMPENSATED
    assert "result_ignored" in actions_of(h, case_id)


def test_a_correction_that_changes_steps_under_way_is_refused_naming_them(h):
    case_id = h.submit(form_with_capital("100000"))
    [license_cmd] = h.take_commands()
    h.answer(license_cmd, license=license_of("100000"))
    commands = {c.step: c for c in h.take_commands()}
    h.answer(commands["seal"], Outcome.OUTCOME_CORRECTION_REQUESTED, rejections=[])
    renamed = form_with_capital("100000")
    renamed.name.trade_name = "别的名字"
    with pytest.raises(Conflict) as refused:
        h.engine.correct(case_id, h.applicant, renamed, ["name"])
    # Tax and social insurance are under way with the name: no change registration can fix that.
    assert "税务登记及发票" in refused.value.message_zh
    assert "社保登记" in refused.value.message_zh
    assert h.take_commands() == []
    assert h.step_states(case_id)["license"] == e.DONE
