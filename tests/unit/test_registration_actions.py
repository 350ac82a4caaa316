"""The registration service's saga actions run in-process: IssueLicense, ApplyCorrection,
RevokeLicense and CheckApplication called as the service calls them, on the service's own
migrated SQLite database, one unit of work per command.

Signing the license is the one step outside the process (the signing server and its TSA): the
action asks for it by raising ``NeedsSignature`` and takes the result as ``Env.prepared``. The
tests play the service's part (``Service._transact``) with a stand-in for the signed PDF.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import select

import svc_registration
from onestop.common.v1 import application_pb2, common_pb2
from onestop.registration.v1 import registration_pb2 as pb
from onestop_common import desk
from onestop_common import messaging as m
from onestop_common.calendar import BusinessCalendar
from onestop_common.participant import UnitOfWork
from onestop_common.settings import Settings
from svc_registration import actions, domain, store
from svc_registration.actions import Env
from svc_registration.models import Inbox, License, NameHold, Outbox, Task, UsccRecord
from svc_registration.reference import reference
from tests.support.in_process import (
    APPLICANT,
    COMPANY_NAME,
    NOW,
    StepCommands,
    personal_numbers,
    rejected_fields,
    saga_data,
    sample_form,
    with_context,
)
from tests.support.service_db import OpenServiceDb, ServiceDb, ServiceSchema

Outcome = common_pb2.Outcome
T = TypeVar("T")
SIGNED_PDF = b"%PDF-1.7 stand-in for the signing server's PAdES signature"
CASE = "OS20261126-REG0000001"
SCHEMA = ServiceSchema(domain.PARTICIPANT, svc_registration, Outbox, Inbox)
LICENSE = StepCommands("license")


@dataclass
class Registration:
    """The service's database and its Env, with the signing round trip of ``_transact``."""

    db: ServiceDb
    env: Env
    signed: list[domain.LicenseFacts] = field(default_factory=list)

    def run(self, work: Callable[[UnitOfWork, Env], T], *, auto: bool = True) -> T:
        env = self.env if auto else without_automatic_approval(self.env)
        prepared: actions.PreparedLicense | None = None
        for _ in range(4):
            try:
                with self.db.unit_of_work() as uow:
                    return work(uow, replace(env, prepared=prepared))
            except actions.NeedsSignature as need:
                self.signed.append(need.facts)
                prepared = actions.PreparedLicense(need.case_id, need.facts, SIGNED_PDF)
        raise AssertionError("the license was never stable enough to sign")

    def issue(
        self, request: pb.IssueLicenseRequest, *, auto: bool = True
    ) -> pb.IssueLicenseResponse:
        return self.run(lambda uow, env: actions.issue_license(uow, request, env), auto=auto)

    def revoke(self, request: pb.RevokeLicenseRequest) -> pb.RevokeLicenseResponse:
        return self.run(lambda uow, env: actions.revoke_license(uow, request, env))


def without_automatic_approval(env: Env) -> Env:
    """As with ONESTOP_AUTO_APPROVE not naming registration."""
    return replace(env, settings=env.settings.with_overrides(auto_approve=frozenset()))


@pytest.fixture
def reg(tmp_path: Path, open_service_db: OpenServiceDb) -> Registration:
    env = Env(
        settings=Settings(data_dir=tmp_path),
        now=NOW,
        calendar=BusinessCalendar(),
        ref=reference(),
    )
    return Registration(open_service_db(SCHEMA), env)


def flawed(
    mutate: Callable[[application_pb2.ApplicationForm], Any],
) -> application_pb2.ApplicationForm:
    form = sample_form()
    mutate(form)
    return form


def holds(db: ServiceDb, case_id: str) -> set[str]:
    return {h.state for h in db.read(select(NameHold).where(NameHold.case_id == case_id))}


# --------------------------------------------------------------------------- IssueLicense


def test_a_clean_application_is_granted_automatically_once_the_license_is_signed(
    reg: Registration,
) -> None:
    request = LICENSE.action(CASE)

    response = reg.issue(request)

    assert response.status.outcome == Outcome.OUTCOME_DONE
    assert response.status.decided_by.startswith("auto:")
    # One signing round: the facts signed are the facts granted.
    [facts] = reg.signed
    assert response.license.uscc == facts.uscc
    assert response.license.license_number == facts.license_number
    assert response.license.company_name == COMPANY_NAME
    assert response.license.pdf_sha256 == hashlib.sha256(SIGNED_PDF).hexdigest()
    [row] = reg.db.rows(License)
    assert (row.case_id, row.applicant_id, row.status) == (CASE, APPLICANT, "valid")
    assert [(u.uscc, u.state) for u in reg.db.rows(UsccRecord)] == [(facts.uscc, "active")]
    assert holds(reg.db, CASE) == {"registered"}
    # The announcement and the result for the orchestrator, in the same transaction.
    [event] = reg.db.events("LicenseIssued")
    assert event.message.license.uscc == facts.uscc
    [result] = reg.db.results("IssueLicense")
    assert result.exchange == m.EVENTS_EXCHANGE
    assert result.message == response
    assert result.headers[m.H_IDEMPOTENCY] == request.context.idempotency_key
    assert result.headers[m.H_STEP] == "license"
    assert result.headers[m.H_PARTICIPANT] == "registration"


def test_asking_for_a_signature_rolls_back_everything_the_attempt_wrote(
    reg: Registration,
) -> None:
    before = reg.db.row_counts()
    with pytest.raises(actions.NeedsSignature) as need, reg.db.unit_of_work() as uow:
        actions.issue_license(uow, LICENSE.action(CASE), reg.env)

    assert need.value.case_id == CASE
    assert need.value.facts.company_name == COMPANY_NAME
    assert reg.db.row_counts() == before


def test_with_automatic_approval_off_an_officer_task_is_opened_and_nothing_signed(
    reg: Registration,
) -> None:
    request = LICENSE.action(CASE)

    response = reg.issue(request, auto=False)

    assert response.status.outcome == Outcome.OUTCOME_ACCEPTED
    assert "auto.disabled" in response.status.reason
    [task] = reg.db.rows(Task)
    assert task.id == response.status.task_id and task.id.startswith(actions.TASK_PREFIX)
    assert (task.case_id, task.step, task.state) == (CASE, "license", desk.OPEN)
    assert task.due_at is not None and task.due_at > NOW  # the step's limit, from the command
    assert reg.signed == [] and reg.db.rows(License) == []
    assert holds(reg.db, CASE) == {"reserved"}  # the name is kept for the case meanwhile
    assert reg.db.events("LicenseIssued") == []
    [result] = reg.db.results("IssueLicense")
    assert result.message.status.task_id == task.id


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda form: setattr(form.name, "trade_name", "博彩"),
            ("form.name.trade_name", "name.prohibited_word"),
        ),
        (
            lambda form: setattr(form.domicile, "division_code", "120101"),
            ("form.domicile.division_code", "domicile.outside_area"),
        ),
    ],
    ids=["prohibited_word", "domicile_outside_area"],
)
def test_a_form_breaking_a_rule_is_returned_for_correction_naming_the_field(
    reg: Registration, mutate: Callable[[application_pb2.ApplicationForm], Any], expected: Any
) -> None:
    response = reg.issue(LICENSE.action(CASE, flawed(mutate)))

    assert response.status.outcome == Outcome.OUTCOME_CORRECTION_REQUESTED
    assert expected in rejected_fields(response.status)
    [task] = reg.db.rows(Task)
    assert task.state == desk.AWAITING_APPLICANT and task.id == response.status.task_id
    assert reg.signed == [] and reg.db.rows(License) == [] and reg.db.rows(UsccRecord) == []


def test_a_corrected_form_is_granted_as_the_answer_to_the_original_issue_command(
    reg: Registration,
) -> None:
    issue = LICENSE.action(CASE, flawed(lambda form: setattr(form.name, "trade_name", "博彩")))
    asked = reg.issue(issue)
    corrected = with_context(
        pb.ApplyCorrectionRequest(form=sample_form()),
        saga_data(CASE),
        "license",
        f"{CASE}:license:ApplyCorrection:2",
    )

    response = reg.run(lambda uow, env: actions.apply_correction(uow, corrected, env))

    # The correction is taken on the task the refusal paused ...
    assert response.status.outcome == Outcome.OUTCOME_ACCEPTED
    [task] = reg.db.rows(Task)
    assert task.id == response.status.task_id == asked.status.task_id
    assert task.state == desk.DONE and task.decided_by.startswith("auto:")
    # ... and the step's result is the license, under the IssueLicense command's own key.
    [row] = reg.db.rows(License)
    assert row.company_name == COMPANY_NAME
    outcomes = [
        (r.message.status.outcome, r.message.context.idempotency_key, r.message.license.uscc)
        for r in reg.db.results("IssueLicense")
    ]
    key = f"{CASE}:license:IssueLicense"
    assert outcomes == [
        (Outcome.OUTCOME_CORRECTION_REQUESTED, key, ""),
        (Outcome.OUTCOME_DONE, key, row.uscc),
    ]
    assert len(reg.db.events("LicenseIssued")) == 1
    # A redelivered IssueLicense now gets that final answer, not the old correction request.
    redelivered = reg.issue(issue)
    assert redelivered.status.outcome == Outcome.OUTCOME_DONE
    assert redelivered.license.uscc == row.uscc
    assert len(reg.db.rows(License)) == 1


def test_the_same_key_again_gets_the_stored_answer_and_no_second_license(
    reg: Registration,
) -> None:
    request = LICENSE.action(CASE)
    first = reg.issue(request)

    again = reg.issue(request)

    assert again == first
    assert len(reg.signed) == 1  # the repeat asked for no signature
    assert len(reg.db.rows(License)) == 1 and len(reg.db.rows(UsccRecord)) == 1
    assert len(reg.db.events("LicenseIssued")) == 1
    # The stored answer is sent again: the first result may have been lost.
    assert [r.message for r in reg.db.results("IssueLicense")] == [first, first]
    assert [i.key for i in reg.db.rows(Inbox)] == [request.context.idempotency_key]


def test_the_same_case_under_a_new_key_gets_the_license_it_has(reg: Registration) -> None:
    first = reg.issue(LICENSE.action(CASE))

    again = reg.issue(LICENSE.action(CASE, corrections=1))

    assert again.status.outcome == Outcome.OUTCOME_DONE
    assert again.license == first.license
    assert len(reg.db.rows(License)) == 1 and len(reg.db.events("LicenseIssued")) == 1


# --------------------------------------------------------------------------- RevokeLicense


def test_revoking_undoes_the_grant_and_running_it_again_changes_nothing(
    reg: Registration,
) -> None:
    issued = reg.issue(LICENSE.action(CASE))
    reason = "bank refused the account"

    response = reg.revoke(LICENSE.compensation(CASE, reason))

    assert response.status.outcome == Outcome.OUTCOME_DONE
    assert response.uscc == issued.license.uscc
    [row] = reg.db.rows(License)
    assert (row.status, row.revocation_reason) == ("revoked", "bank refused the account")
    assert [u.state for u in reg.db.rows(UsccRecord)] == ["retired"]  # never issued again
    assert holds(reg.db, CASE) == {"deregistered"}
    [event] = reg.db.events("LicenseRevoked")
    assert event.message.uscc == issued.license.uscc
    [result] = reg.db.results("RevokeLicense")
    assert result.message == response

    # A second compensation round (a new key) finds the license revoked already.
    again = reg.revoke(LICENSE.compensation(CASE, reason, round_=2))
    assert again.status.outcome == Outcome.OUTCOME_DONE and again.uscc == response.uscc
    assert len(reg.db.events("LicenseRevoked")) == 1
    assert len(reg.db.results("RevokeLicense")) == 2


def test_revoking_withdraws_the_officers_open_task(reg: Registration) -> None:
    reg.issue(LICENSE.action(CASE), auto=False)

    response = reg.revoke(LICENSE.compensation(CASE, "withdrawn"))

    assert response.status.outcome == Outcome.OUTCOME_DONE and response.uscc == ""
    [task] = reg.db.rows(Task)
    assert task.state == desk.CANCELLED
    assert holds(reg.db, CASE) == {"released"}  # the name is free for anyone again
    assert reg.db.events("LicenseRevoked") == []


def test_an_issue_command_overtaken_by_its_compensation_is_refused(reg: Registration) -> None:
    reg.revoke(LICENSE.compensation(CASE, "withdrawn"))

    late = reg.issue(LICENSE.action(CASE))

    assert late.status.outcome == Outcome.OUTCOME_REJECTED
    assert "withdrawn" in late.status.reason
    assert reg.signed == [] and reg.db.rows(License) == [] and reg.db.rows(Task) == []
    assert holds(reg.db, CASE) == set()


# --------------------------------------------------------------------------- CheckApplication


def test_check_application_finds_what_issue_would_and_writes_nothing(reg: Registration) -> None:
    # Another case holds the name (waiting for its officer).
    reg.issue(LICENSE.action(CASE), auto=False)
    before = reg.db.row_counts()

    def check(form: application_pb2.ApplicationForm) -> application_pb2.CheckApplicationResponse:
        request = application_pb2.CheckApplicationRequest(form=form, applicant_id="someone-else")
        return reg.run(lambda uow, env: actions.check_application(uow, None, request, env))

    taken = check(sample_form())
    renamed = check(flawed(lambda form: setattr(form.name, "trade_name", "宝坻新例")))

    assert taken.participant == "registration" and taken.rule_set
    assert [r.field for r in taken.rejections] == ["form.name.trade_name"]
    assert list(renamed.rejections) == []
    assert reg.db.row_counts() == before


# --------------------------------------------------------------------------- data at rest


def test_id_numbers_and_the_form_are_sealed_at_rest_and_read_back(reg: Registration) -> None:
    request = LICENSE.action(CASE)
    reg.issue(request)
    listed = request.form.shareholders[1].person.id_number
    with reg.db.unit_of_work() as uow:
        store.add_credit(
            uow.session,
            kind="id_number",
            subject_id=listed,
            person_name="李娜",
            reason="judgment defaulter",
            origin="admin:test",
            source="",
            now=NOW,
        )

    assert reg.db.stored_as_is(personal_numbers(request)) == []
    [license_] = reg.db.rows(License)
    assert license_.legal_rep_id_number == request.form.legal_representative.id_number
    assert (
        application_pb2.ApplicationForm.FromString(reg.db.read(select(License.form))[0])
        == request.form
    )
    # The credit list finds the person by the blind index of the ID number.
    with reg.db.unit_of_work() as uow:
        people = {"shareholders[1]": domain.Person("李娜", domain.IdType.CITIZEN_ID, listed)}
        assert store.credit_status(uow.session, APPLICANT, people, NOW).listed_people == {
            "shareholders[1]"
        }
    # The revision that sealed them opens them on the way down, and seals them on the way up.
    reg.db.migrate("8a079eec1bce", down=True)
    assert "credit_entries.subject_id" in reg.db.stored_as_is([listed])
    reg.db.migrate("head")
    assert reg.db.stored_as_is(personal_numbers(request)) == []
    with reg.db.unit_of_work() as uow:
        listed_now = store.credit_status(uow.session, APPLICANT, people, NOW).listed_people
        assert listed_now == {"shareholders[1]"}
