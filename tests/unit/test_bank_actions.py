"""The bank's saga actions run in-process: OpenAccount, CloseAccount and CheckApplication
(``svc_bank.workflow``) called as the service calls them, on the service's own migrated SQLite
database.

Due diligence needs the license's status and the seals' police filings, which the service asks
the registration and seal services for over AMQP RPC before its transaction
(``lookups.gather``). ``workflow.open_account`` takes those facts as a parameter: the tests make
them from the answers the contracts define (``LookUpLicenseStatusResponse``,
``LookUpSealFilingResponse``), read the way ``lookups`` reads them. The saga runner
(``run_saga_action``) is applied by the transport, ``Service.OpenAccount``; the tests wrap the
workflow the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

import svc_bank
from onestop.bank.v1 import bank_pb2 as pb
from onestop.common.v1 import application_pb2, common_pb2, desk_pb2
from onestop.registration.v1 import registration_pb2
from onestop.seal.v1 import seal_pb2
from onestop_common import desk
from onestop_common import messaging as m
from onestop_common.errors import Conflict
from onestop_common.identity import Principal, Role
from svc_bank import lookups, workflow
from svc_bank.lookups import Facts
from svc_bank.models import CLOSED, OPEN, PENDING, WITHDRAWN, Account, Inbox, Outbox, Task
from tests.support.in_process import (
    COMPANY_NAME,
    NOW,
    StepCommands,
    personal_numbers,
    rejected_fields,
    sample_form,
    seal_result,
    uscc,
)
from tests.support.service_db import OpenServiceDb, ServiceDb, ServiceSchema

Outcome = common_pb2.Outcome
PARTICIPANT = "bank"
CASE = "OS20261126-BANK00001"
OTHER_CASE = "OS20261126-BANK00002"
USCC = uscc()
FINANCE_SEAL, LEGAL_REP_SEAL = "1201001000002", "1201001000004"
SEAL_CODES = {
    application_pb2.SEAL_KIND_FINANCE: FINANCE_SEAL,
    application_pb2.SEAL_KIND_LEGAL_REP: LEGAL_REP_SEAL,
}
SCHEMA = ServiceSchema(PARTICIPANT, svc_bank, Outbox, Inbox)
COMMANDS = StepCommands("bank", USCC, earlier={"seal": seal_result(SEAL_CODES)})


def facts(
    license_status: int = registration_pb2.LICENSE_STATUS_VALID, legal_rep: str = "张伟"
) -> Facts:
    """What the registration and seal services answer about the company, read as the bank does."""
    license_ = registration_pb2.LookUpLicenseStatusResponse(
        license=registration_pb2.GetLicenseStatusResponse(
            uscc=USCC,
            status=license_status,
            company_name=COMPANY_NAME,
            legal_representative=legal_rep,
        )
    )

    def filing(code: str, kind: int) -> seal_pb2.LookUpSealFilingResponse:
        return seal_pb2.LookUpSealFilingResponse(
            filing=seal_pb2.GetSealFilingResponse(
                seal_code=code,
                filing_number=f"GA20261126{code}",
                state=seal_pb2.FILING_STATE_FILED,
                uscc=USCC,
                kind=kind,
            )
        )

    return Facts(
        lookups.license_fact(USCC, license_),
        lookups.seal_fact(FINANCE_SEAL, filing(FINANCE_SEAL, application_pb2.SEAL_KIND_FINANCE)),
        lookups.seal_fact(
            LEGAL_REP_SEAL, filing(LEGAL_REP_SEAL, application_pb2.SEAL_KIND_LEGAL_REP)
        ),
    )


@dataclass
class Bank:
    db: ServiceDb

    def open(
        self, request: pb.OpenAccountRequest, *, auto: bool = True, known: Facts | None = None
    ) -> pb.OpenAccountResponse:
        gathered = known or facts()
        return self.db.run_saga_action(
            workflow.RPC,
            request,
            pb.OpenAccountResponse,
            lambda u: workflow.open_account(u, request, gathered, now=NOW, auto_approve=auto),
            compensated_by=workflow.COMPENSATION,
        )

    def close(self, request: pb.CloseAccountRequest) -> pb.CloseAccountResponse:
        return self.db.run_saga_action(
            workflow.COMPENSATION,
            request,
            pb.CloseAccountResponse,
            lambda u: workflow.close_account(u, request, now=NOW),
        )

    def already_answered(self, request: pb.OpenAccountRequest) -> bool:
        with self.db.unit_of_work() as uow:
            return workflow.already_answered(uow, request)

    def account(self, case_id: str = CASE) -> Account:
        [row] = [a for a in self.db.rows(Account) if a.case_id == case_id]
        return row


@pytest.fixture
def bank(open_service_db: OpenServiceDb) -> Bank:
    return Bank(open_service_db(SCHEMA))


def opening(
    case_id: str = CASE, form: application_pb2.ApplicationForm | None = None
) -> pb.OpenAccountRequest:
    """OpenAccount as the saga builds it once the license and the seals are issued."""
    return COMMANDS.action(case_id, form)


# --------------------------------------------------------------------------- OpenAccount


def test_a_clean_case_opens_and_files_the_basic_account_at_once(bank: Bank) -> None:
    request = opening()
    assert request.finance_seal_code == FINANCE_SEAL  # the saga passed the seal step's codes on
    assert not bank.already_answered(request)

    response = bank.open(request)

    assert response.status.outcome == Outcome.OUTCOME_DONE
    assert response.status.decided_by.startswith("auto:kyc+")
    account = bank.account()
    assert (account.state, account.uscc, account.bank_code) == (OPEN, USCC, "102")
    assert account.account_number and account.filing_number
    assert response.account.account_number == account.account_number
    assert account.specimen_seal_codes == [FINANCE_SEAL, LEGAL_REP_SEAL]
    assert all(check["passed"] for check in account.due_diligence)
    [event] = bank.db.events("AccountOpened")
    assert event.message.account.account_number == account.account_number
    [result] = bank.db.results(workflow.RPC)
    assert result.message == response
    assert result.headers[m.H_IDEMPOTENCY] == request.context.idempotency_key
    assert bank.already_answered(request)  # the service then skips asking the others again


def test_with_automatic_approval_off_the_chosen_banks_clerk_decides(bank: Bank) -> None:
    response = bank.open(opening(), auto=False)

    assert response.status.outcome == Outcome.OUTCOME_ACCEPTED
    [task] = bank.db.rows(Task)
    assert task.id == response.status.task_id
    assert (task.case_id, task.step, task.state, task.assignee_org) == (
        CASE,
        "bank",
        desk.OPEN,
        "102",
    )
    account = bank.account()
    assert account.state == PENDING and account.account_number is None
    assert bank.db.events("AccountOpened") == []


def test_an_id_number_missing_from_the_form_is_returned_for_correction(bank: Bank) -> None:
    form = sample_form()
    form.shareholders[1].person.id_number = ""

    response = bank.open(opening(form=form))

    assert response.status.outcome == Outcome.OUTCOME_CORRECTION_REQUESTED
    assert rejected_fields(response.status) == [
        ("form.shareholders[1].person.id_number", "required")
    ]
    # The checks travel with the refusal for the case page; nothing is written.
    failed = [c.check for c in response.account.due_diligence if not c.passed]
    assert failed == ["beneficial_owner_id[1]"]
    assert bank.db.rows(Account) == [] and bank.db.rows(Task) == []


def test_a_revoked_license_is_refused_for_good(bank: Bank) -> None:
    revoked = facts(license_status=registration_pb2.LICENSE_STATUS_REVOKED)

    response = bank.open(opening(), known=revoked)

    assert response.status.outcome == Outcome.OUTCOME_REJECTED
    assert "uscc" in [field for field, _ in rejected_fields(response.status)]
    assert bank.db.rows(Account) == []


def test_the_same_key_again_gets_the_stored_answer_and_one_account(bank: Bank) -> None:
    request = opening()
    first = bank.open(request)

    again = bank.open(request)

    assert again == first
    assert len(bank.db.rows(Account)) == 1 and len(bank.db.events("AccountOpened")) == 1
    assert [r.message for r in bank.db.results(workflow.RPC)] == [first, first]


def test_a_second_case_for_the_same_company_gets_no_second_basic_account(bank: Bank) -> None:
    bank.open(opening())

    response = bank.open(opening(OTHER_CASE))

    assert response.status.outcome == Outcome.OUTCOME_REJECTED
    assert ("uscc", "one_basic_account") in rejected_fields(response.status)
    assert [a.case_id for a in bank.db.rows(Account)] == [CASE]


# --------------------------------------------------------------------------- CloseAccount


def test_closing_closes_the_account_and_frees_the_companys_one_basic_account(bank: Bank) -> None:
    opened = bank.open(opening())
    reason = "the case was withdrawn"

    response = bank.close(COMMANDS.compensation(CASE, reason))

    assert response.status.outcome == Outcome.OUTCOME_DONE
    assert response.account_number == opened.account.account_number
    account = bank.account()
    assert (account.state, account.reason) == (CLOSED, "the case was withdrawn")
    assert account.closed_at == NOW and account.filing_cancelled_at == NOW
    [event] = bank.db.events("AccountClosed")
    assert event.message.account_number == opened.account.account_number

    # A second round finds nothing open: the same number, no second event.
    again = bank.close(COMMANDS.compensation(CASE, reason, round_=2))
    assert again.account_number == response.account_number
    assert len(bank.db.events("AccountClosed")) == 1
    assert len(bank.db.results(workflow.COMPENSATION)) == 2

    # The company may open its basic account again, in a new case.
    assert bank.open(opening(OTHER_CASE)).status.outcome == Outcome.OUTCOME_DONE


def test_closing_a_pending_account_withdraws_it_and_the_clerks_task(bank: Bank) -> None:
    bank.open(opening(), auto=False)

    response = bank.close(COMMANDS.compensation(CASE, "withdrawn"))

    assert response.status.outcome == Outcome.OUTCOME_DONE and response.account_number == ""
    assert bank.account().state == WITHDRAWN
    assert [t.state for t in bank.db.rows(Task)] == [desk.CANCELLED]


def test_an_opening_overtaken_by_its_compensation_is_refused(bank: Bank) -> None:
    request = opening()
    bank.close(COMMANDS.compensation(CASE, "withdrawn"))
    assert bank.already_answered(request)  # the service would not even gather the facts

    late = bank.open(request)

    assert late.status.outcome == Outcome.OUTCOME_REJECTED
    assert bank.db.rows(Account) == []


# --------------------------------------------------------------------------- CheckApplication


def test_check_application_runs_due_diligence_on_the_form_alone() -> None:
    form = sample_form()
    form.bank.branch_name = "中国工商银行火星支行"

    clean = workflow.check_application(
        application_pb2.CheckApplicationRequest(form=sample_form()), NOW.date()
    )
    flawed = workflow.check_application(
        application_pb2.CheckApplicationRequest(form=form), NOW.date()
    )

    assert clean.participant == PARTICIPANT and list(clean.rejections) == []
    assert [r.field for r in flawed.rejections] == ["form.bank.branch_name"]


# --------------------------------------------------------------------------- data at rest


def test_account_and_id_numbers_are_sealed_at_rest_and_the_bank_reads_them_back(
    bank: Bank,
) -> None:
    request = opening()
    response = bank.open(request)

    number = response.account.account_number
    assert bank.db.stored_as_is([*personal_numbers(request), number]) == []
    assert "accounts.uscc" in bank.db.stored_as_is([USCC])  # what is not sealed is seen
    account = bank.account()
    assert account.account_number == number
    owners = {str(o["id_number"]) for o in account.beneficial_owners}
    assert owners and owners <= personal_numbers(request)
    # The revision that sealed them opens them on the way down, and seals them on the way up.
    bank.db.migrate("b3a471fe91cb", down=True)
    assert "accounts.account_number" in bank.db.stored_as_is([number])
    bank.db.migrate("head")
    assert bank.db.stored_as_is([*personal_numbers(request), number]) == []
    assert bank.account().account_number == number
    # A second account cannot take the same number: its blind index is unique.
    with pytest.raises(IntegrityError, match="account_number_index"), bank.db.unit_of_work() as uow:
        copy = Account(
            case_id=OTHER_CASE,
            uscc=uscc("MA07T2K9"),
            company_name=COMPANY_NAME,
            bank_code="102",
            bank_name="工商银行",
            created_at=NOW,
            state=CLOSED,
        )
        copy.account_number = number
        uow.session.add(copy)


# --------------------------------------------------------------------------- the clerk's desk

CLERK = Principal("clerk.icbc", Role.BANK_CLERK, org="102")


def decide(bank: Bank, action: Any, request: Any) -> Any:
    with bank.db.unit_of_work() as uow:
        return action(uow, CLERK, request, NOW)


def test_the_clerks_approval_opens_the_account_and_answers_the_saga(bank: Bank) -> None:
    accepted = bank.open(opening(), auto=False)
    task_id = accepted.status.task_id

    with bank.db.unit_of_work() as uow:
        [listed] = workflow.CLERKS.list_tasks(uow, CLERK, desk_pb2.TaskQuery(), NOW).tasks
    claimed = decide(bank, workflow.CLERKS.claim_task, task_id)
    approved = decide(bank, workflow.approve_task, desk_pb2.ApproveTaskRequest(task_id=task_id))

    assert listed.task_id == task_id and claimed.task.state == desk_pb2.TASK_STATE_CLAIMED
    assert approved.task.state == desk_pb2.TASK_STATE_DONE
    assert bank.account().state == OPEN and approved.account.account_number
    answer = bank.db.results(workflow.RPC)[-1].message
    assert answer.status.outcome == Outcome.OUTCOME_DONE and answer.status.task_id == task_id
    assert answer.status.decided_by == CLERK.subject
    assert answer.context.case_id == CASE
    with pytest.raises(Conflict, match="already done"):
        decide(bank, workflow.approve_task, desk_pb2.ApproveTaskRequest(task_id=task_id))


def test_a_task_whose_account_no_longer_waits_cannot_be_approved(bank: Bank) -> None:
    task_id = bank.open(opening(), auto=False).status.task_id
    with bank.db.unit_of_work() as uow:
        account = uow.session.get(Account, bank.account().id)
        assert account is not None
        account.state = WITHDRAWN

    with pytest.raises(Conflict, match=f"the account of task {task_id} is no longer waiting"):
        decide(bank, workflow.approve_task, desk_pb2.ApproveTaskRequest(task_id=task_id))


def test_the_clerk_returns_an_application_for_correction_and_frees_the_account(
    bank: Bank,
) -> None:
    task_id = bank.open(opening(), auto=False).status.task_id

    decide(
        bank,
        workflow.reject_task,
        desk_pb2.RejectTaskRequest(
            task_id=task_id,
            reason="支行名称有误",
            correctable=True,
            fields=[common_pb2.Rejection(field="form.bank.branch_name")],
        ),
    )

    assert bank.account().state == WITHDRAWN
    answer = bank.db.results(workflow.RPC)[-1].message
    assert answer.status.outcome == Outcome.OUTCOME_CORRECTION_REQUESTED
    assert answer.status.task_id == task_id
    assert [r.field for r in answer.status.rejections] == ["form.bank.branch_name"]
