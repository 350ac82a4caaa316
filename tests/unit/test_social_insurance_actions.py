"""The social insurance service's saga actions run in-process: RegisterEmployer,
CancelEmployerRegistration and CheckApplication (``svc_social_insurance.workflow``) called as the
service calls them, on the service's own migrated SQLite database.

The saga runner (``run_saga_action``) is applied by the transport, ``Service.RegisterEmployer``;
the tests wrap the workflow the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

import svc_social_insurance
from onestop.common.v1 import application_pb2, common_pb2, desk_pb2
from onestop.social_insurance.v1 import social_insurance_pb2 as pb
from onestop_common import desk
from onestop_common import messaging as m
from onestop_common.errors import Conflict
from onestop_common.identity import Principal, Role
from svc_social_insurance import store, workflow
from svc_social_insurance.models import (
    ACTIVE,
    CANCELLED,
    PENDING,
    REGISTERED,
    Employer,
    Enrolment,
    Inbox,
    Outbox,
    Task,
)
from tests.support.in_process import (
    NOW,
    StepCommands,
    personal_numbers,
    rejected_fields,
    sample_form,
    uscc,
)
from tests.support.service_db import OpenServiceDb, ServiceDb, ServiceSchema

Outcome = common_pb2.Outcome
PARTICIPANT = workflow.PARTICIPANT
CASE = "OS20261126-SI00000001"
OTHER_CASE = "OS20261126-SI00000002"
USCC = uscc("MA07T2K1")
OTHER_USCC = uscc("MA07T2K2")
CANCEL = "CancelEmployerRegistration"
EMPLOYEE_IDS = ["form.employees[0].person.id_number", "form.employees[1].person.id_number"]
SCHEMA = ServiceSchema(PARTICIPANT, svc_social_insurance, Outbox, Inbox)
COMMANDS = StepCommands(PARTICIPANT, USCC)


@dataclass
class SocialInsurance:
    db: ServiceDb

    def register(
        self, request: pb.RegisterEmployerRequest, *, auto: bool = True
    ) -> pb.RegisterEmployerResponse:
        return self.db.run_saga_action(
            workflow.RPC,
            request,
            pb.RegisterEmployerResponse,
            lambda u: workflow.register_employer(u, request, now=NOW, auto_approve=auto),
            compensated_by=CANCEL,
        )

    def cancel(
        self, request: pb.CancelEmployerRegistrationRequest
    ) -> pb.CancelEmployerRegistrationResponse:
        return self.db.run_saga_action(
            CANCEL,
            request,
            pb.CancelEmployerRegistrationResponse,
            lambda u: workflow.cancel_registration(u, request, now=NOW),
        )

    def employer(self, case_id: str = CASE) -> Employer:
        [row] = [e for e in self.db.rows(Employer) if e.case_id == case_id]
        return row

    def enrolment_states(self) -> list[str]:
        return [e.state for e in self.db.rows(Enrolment)]


@pytest.fixture
def si(open_service_db: OpenServiceDb) -> SocialInsurance:
    return SocialInsurance(open_service_db(SCHEMA))


def registration(
    case_id: str = CASE,
    form: application_pb2.ApplicationForm | None = None,
    *,
    company: str = USCC,
    corrections: int = 0,
) -> pb.RegisterEmployerRequest:
    """RegisterEmployer as the saga builds it once the license is issued."""
    return StepCommands(PARTICIPANT, company).action(case_id, form, corrections=corrections)


# --------------------------------------------------------------------------- RegisterEmployer


def test_a_clean_registration_enrols_everyone_at_once(si: SocialInsurance) -> None:
    request = registration()

    response = si.register(request)

    assert response.status.outcome == Outcome.OUTCOME_DONE
    assert response.status.decided_by.startswith("auto:")
    employer = si.employer()
    assert response.employer.registration_number == employer.registration_number
    assert employer.registration_number.startswith("SI120115")
    assert (employer.state, employer.uscc) == (REGISTERED, USCC)
    assert si.enrolment_states() == [ACTIVE, ACTIVE]
    # Enrolment starts on the hire date the form gives, the day of establishment.
    assert [e.start_date for e in si.db.rows(Enrolment)] == [NOW.date(), NOW.date()]
    [event] = si.db.events("EmployerRegistered")
    assert event.message.employer.registration_number == employer.registration_number
    [result] = si.db.results(workflow.RPC)
    assert result.message == response
    assert result.headers[m.H_IDEMPOTENCY] == request.context.idempotency_key


def test_with_automatic_approval_off_a_clerk_decides_and_the_people_are_reserved(
    si: SocialInsurance,
) -> None:
    response = si.register(registration(), auto=False)

    assert response.status.outcome == Outcome.OUTCOME_ACCEPTED
    [task] = si.db.rows(Task)
    assert task.id == response.status.task_id
    assert (task.case_id, task.step, task.state) == (CASE, "social_insurance", desk.OPEN)
    assert si.employer().state == PENDING and si.enrolment_states() == [PENDING, PENDING]
    assert si.db.events("EmployerRegistered") == []

    # While the clerk decides, no other company can enrol them.
    other = si.register(registration(OTHER_CASE, company=OTHER_USCC))
    assert other.status.outcome == Outcome.OUTCOME_CORRECTION_REQUESTED
    assert [field for field, _ in rejected_fields(other.status)] == EMPLOYEE_IDS


def test_a_risk_class_out_of_range_is_returned_for_correction_holding_nothing(
    si: SocialInsurance,
) -> None:
    form = sample_form()
    form.work_injury_risk_class = 9

    response = si.register(registration(form=form))

    assert response.status.outcome == Outcome.OUTCOME_CORRECTION_REQUESTED
    assert rejected_fields(response.status) == [("form.work_injury_risk_class", "risk_class_range")]
    assert si.db.rows(Employer) == [] and si.db.rows(Enrolment) == []

    # The corrected form runs the action again under a new key, and nothing stands in its way.
    corrected = si.register(registration(corrections=1))
    assert corrected.status.outcome == Outcome.OUTCOME_DONE
    assert si.employer().state == REGISTERED


def test_a_command_without_a_usc_code_is_refused_for_good(si: SocialInsurance) -> None:
    response = si.register(registration(company=""))

    assert response.status.outcome == Outcome.OUTCOME_REJECTED
    assert rejected_fields(response.status) == [("uscc", "required")]
    assert si.db.rows(Employer) == []


def test_the_same_key_again_gets_the_stored_answer_and_one_registration(
    si: SocialInsurance,
) -> None:
    request = registration()
    first = si.register(request)

    again = si.register(request)

    assert again == first
    assert len(si.db.rows(Employer)) == 1 and len(si.db.rows(Enrolment)) == 2
    assert len(si.db.events("EmployerRegistered")) == 1
    assert [r.message for r in si.db.results(workflow.RPC)] == [first, first]


def test_the_same_case_under_a_new_key_gets_the_registration_it_has(si: SocialInsurance) -> None:
    first = si.register(registration())

    again = si.register(registration(corrections=1))

    assert again.status.outcome == Outcome.OUTCOME_DONE
    assert again.employer.registration_number == first.employer.registration_number
    assert len(si.db.rows(Employer)) == 1 and len(si.db.events("EmployerRegistered")) == 1


# --------------------------------------------------------------------------- the compensation


def test_cancelling_ends_every_enrolment_and_frees_the_people(si: SocialInsurance) -> None:
    registered = si.register(registration())
    reason = "bank refused the account"

    response = si.cancel(COMMANDS.compensation(CASE, reason))

    assert response.status.outcome == Outcome.OUTCOME_DONE
    assert response.registration_number == registered.employer.registration_number
    assert response.enrolments_cancelled == 2
    employer = si.employer()
    assert (employer.state, employer.reason) == (CANCELLED, "bank refused the account")
    assert si.enrolment_states() == [CANCELLED, CANCELLED]
    assert all(e.end_date == NOW.date() for e in si.db.rows(Enrolment))
    [event] = si.db.events("EmployerRegistrationCancelled")
    assert event.message.registration_number == employer.registration_number

    # A second round finds nothing live.
    again = si.cancel(COMMANDS.compensation(CASE, reason, round_=2))
    assert again.registration_number == response.registration_number
    assert again.enrolments_cancelled == 0
    assert len(si.db.events("EmployerRegistrationCancelled")) == 1

    # The people are free: another company may enrol them.
    other = si.register(registration(OTHER_CASE, company=OTHER_USCC))
    assert other.status.outcome == Outcome.OUTCOME_DONE


def test_cancelling_a_pending_registration_withdraws_the_clerks_task(si: SocialInsurance) -> None:
    si.register(registration(), auto=False)

    si.cancel(COMMANDS.compensation(CASE, "withdrawn"))

    assert [t.state for t in si.db.rows(Task)] == [desk.CANCELLED]
    assert si.employer().state == CANCELLED and si.enrolment_states() == [CANCELLED, CANCELLED]


def test_a_registration_overtaken_by_its_compensation_is_refused(si: SocialInsurance) -> None:
    si.cancel(COMMANDS.compensation(CASE, "withdrawn"))

    late = si.register(registration())

    assert late.status.outcome == Outcome.OUTCOME_REJECTED
    assert si.db.rows(Employer) == []


# --------------------------------------------------------------------------- CheckApplication


def test_check_application_sees_people_enrolled_elsewhere_and_writes_nothing(
    si: SocialInsurance,
) -> None:
    def check(case_id: str = "") -> application_pb2.CheckApplicationResponse:
        request = application_pb2.CheckApplicationRequest(
            form=sample_form(), case_id=case_id, applicant_id="someone-else"
        )
        with si.db.unit_of_work() as uow:
            return workflow.check_application(uow, None, request, now=NOW)

    assert list(check().rejections) == []
    si.register(registration())
    before = si.db.row_counts()

    taken = check()
    own_case = check(CASE)  # a correction of the registering case: its own people are its own

    assert taken.participant == PARTICIPANT and taken.rule_set
    assert [r.field for r in taken.rejections] == EMPLOYEE_IDS
    assert list(own_case.rejections) == []
    assert si.db.row_counts() == before


# --------------------------------------------------------------------------- data at rest


def test_id_numbers_are_sealed_at_rest_and_the_service_reads_them_back(
    si: SocialInsurance,
) -> None:
    request = registration()
    si.register(request, auto=False)  # the clerk's task keeps the command too

    numbers = personal_numbers(request)
    assert si.db.stored_as_is(numbers) == []
    employees = {e.person.id_number for e in request.employees}
    assert {e.id_number for e in si.db.rows(Enrolment)} == employees
    [task] = si.db.rows(Task)
    assert personal_numbers(pb.RegisterEmployerRequest.FromString(task.request)) == numbers
    # Found by the blind index: the people are held, another case cannot enrol them.
    with si.db.unit_of_work() as uow:
        assert store.enrolled_elsewhere(uow.session, employees, except_case=OTHER_CASE) == (
            employees
        )
    # The revision that sealed them opens them on the way down, and seals them on the way up.
    si.db.migrate("1b787d0a8552", down=True)
    assert "enrolments.id_number" in si.db.stored_as_is(employees)
    si.db.migrate("head")
    assert si.db.stored_as_is(numbers) == []
    assert {e.id_number for e in si.db.rows(Enrolment)} == employees
    with si.db.unit_of_work() as uow:
        assert store.enrolled_elsewhere(uow.session, employees) == employees


# --------------------------------------------------------------------------- the clerk's desk

CLERK = Principal("clerk.si", Role.SI_CLERK)


def decide(si: SocialInsurance, action: Any, request: Any) -> Any:
    with si.db.unit_of_work() as uow:
        return action(uow, CLERK, request, NOW)


def test_the_clerks_approval_registers_the_employer_and_answers_the_saga(
    si: SocialInsurance,
) -> None:
    task_id = si.register(registration(), auto=False).status.task_id

    with si.db.unit_of_work() as uow:
        [listed] = workflow.CLERKS.list_tasks(uow, CLERK, desk_pb2.TaskQuery(), NOW).tasks
    read = decide(si, workflow.get_task, task_id)
    approved = decide(si, workflow.approve_task, desk_pb2.ApproveTaskRequest(task_id=task_id))

    assert listed.task_id == task_id and read.employer.uscc == USCC
    assert approved.task.state == desk_pb2.TASK_STATE_DONE
    assert si.employer().state != PENDING
    answer = si.db.results(workflow.RPC)[-1].message
    assert answer.status.outcome == Outcome.OUTCOME_DONE and answer.status.task_id == task_id
    assert answer.status.decided_by == CLERK.subject and answer.context.case_id == CASE
    with pytest.raises(Conflict, match="already done"):
        decide(si, workflow.approve_task, desk_pb2.ApproveTaskRequest(task_id=task_id))


def test_a_task_whose_registration_no_longer_waits_cannot_be_approved(
    si: SocialInsurance,
) -> None:
    task_id = si.register(registration(), auto=False).status.task_id
    with si.db.unit_of_work() as uow:
        employer = uow.session.get(Employer, si.employer().id)
        assert employer is not None
        employer.state = CANCELLED

    with pytest.raises(Conflict, match=f"the registration of task {task_id} is no longer waiting"):
        decide(si, workflow.approve_task, desk_pb2.ApproveTaskRequest(task_id=task_id))


@pytest.mark.parametrize("correctable", [False, True])
def test_the_clerks_refusal_withdraws_the_registration(
    si: SocialInsurance, correctable: bool
) -> None:
    task_id = si.register(registration(), auto=False).status.task_id
    field = common_pb2.Rejection(field="form.employees[0].hire_date")

    decide(
        si,
        workflow.reject_task,
        desk_pb2.RejectTaskRequest(
            task_id=task_id,
            reason="入职日期有误",
            correctable=correctable,
            fields=[field] if correctable else [],
        ),
    )

    answer = si.db.results(workflow.RPC)[-1].message
    expected = Outcome.OUTCOME_CORRECTION_REQUESTED if correctable else Outcome.OUTCOME_REJECTED
    assert answer.status.outcome == expected and answer.status.task_id == task_id
    assert si.employer().state != PENDING
    [task] = si.db.rows(Task)
    assert task.state == desk.REJECTED
    assert ("correction_requested" in task.details) is correctable
    assert len(answer.status.rejections) == 1
