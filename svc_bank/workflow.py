"""What each entrypoint of the bank service does inside its one transaction: due diligence on the
facts gathered beforehand, the account, the central-bank filing, and the messages they cause.

Decisions:
- A failed check is answered at once with a rejection per failed check; nothing is written. When
  every failed check is the applicant's to fix in the form (a missing or invalid ID number, an
  unknown bank or branch) the answer is CORRECTION_REQUESTED; otherwise (license not valid, a
  person on the risk list, a seal without police filing, a company that already has a basic
  account) it is the final REJECTED.
- A clean case (every check passed, citizen IDs only, a beneficial owner holding >= 25%, the
  subscriptions adding up to the registered capital) opens the account at once when ``bank`` is in
  ``settings.auto_approve``. Otherwise the account is written ``pending`` (which already holds the
  company's one basic account) and a task waits in the chosen bank's queue.
- Due diligence runs when the command arrives; the clerk decides on that record.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime

from onestop.bank.v1 import bank_pb2 as pb
from onestop.common.v1 import application_pb2, common_pb2, desk_pb2
from onestop_common import desk
from onestop_common.clerk_workflow import ClerkWorkflow, still_pending
from onestop_common.decisions import AUTO, route
from onestop_common.errors import RuleViolation, violation
from onestop_common.identifiers import mask_account_number
from onestop_common.identity import Principal
from onestop_common.participant import UnitOfWork
from svc_bank import domain, store
from svc_bank import grpc_api as api
from svc_bank.lookups import Facts
from svc_bank.models import PENDING, Account, Task
from svc_bank.reference import banks, branches, reference_version, risk_list

log = logging.getLogger(__name__)
Outcome = common_pb2.Outcome
RPC = "OpenAccount"
COMPENSATION = "CloseAccount"
# Each bank's clerks see only the tasks of their own bank.
CLERKS = ClerkWorkflow(desk.Queue(Task, org_scoped=True))


def already_answered(uow: UnitOfWork, request: pb.OpenAccountRequest) -> bool:
    """A stored result for this command, or the case's compensation already ran here."""
    context = request.context
    return bool(context.idempotency_key and uow.remembered(context.idempotency_key)) or (
        uow.compensated(context.case_id, context.step, COMPENSATION)
    )


def retry_later(
    uow: UnitOfWork, request: pb.OpenAccountRequest, reason: str, now: datetime
) -> pb.OpenAccountResponse:
    """A transient failure: answered RETRY and deliberately not remembered, so the saga's next
    attempt (same idempotency key) runs due diligence again."""
    log.warning("due diligence postponed: %s", reason, extra={"case_id": request.context.case_id})
    response = pb.OpenAccountResponse(
        context=request.context,
        status=desk.step_status(Outcome.OUTCOME_RETRY, reason=reason, now=now),
    )
    uow.emit_result(RPC, response)
    return response


def open_account(
    uow: UnitOfWork,
    request: pb.OpenAccountRequest,
    facts: Facts,
    *,
    now: datetime,
    auto_approve: bool,
) -> pb.OpenAccountResponse:
    session = uow.session
    application = api.application_of(request)
    result = domain.due_diligence(
        application,
        license=facts.license,
        finance_seal=facts.finance_seal,
        legal_rep_seal=facts.legal_rep_seal,
        banks=banks(),
        branches=branches(),
        risk_list=risk_list(),
        today=now.date(),
    )
    found = list(result.violations)
    if application.uscc and store.live_account(session, application.uscc) is not None:
        found.append(_second_account(application.uscc))
    case = {"case_id": request.context.case_id}
    if found:
        correctable = domain.correctable(found)
        log.info(
            "due diligence %s: %s",
            "sent back for correction" if correctable else "refused",
            [v.rule for v in found],
            extra=case,
        )
        return _refused(found, result, correctable=correctable)
    decision = route(result, auto_approve=auto_approve)
    try:
        account = store.add_account(
            session,
            application=application,
            bank=banks()[application.bank_code],
            division_code=request.domicile.division_code,
            checks=result,
            case_id=request.context.case_id,
            applicant_id=request.context.applicant_id,
            context=request.context.SerializeToString(),
            now=now,
        )
    except store.CompanyHasBasicAccount:
        return _refused([_second_account(application.uscc)], result)
    log.info("due diligence passed, %s", "opening" if decision == AUTO else "clerk", extra=case)
    if decision == AUTO:
        decided_by = f"auto:kyc+{result.risk_list_version}"
        store.open_account(session, account, now, decided_by)
        return _opened(uow, account, decided_by, now)
    task = desk.open_task(
        session,
        Task,
        prefix="BK",
        context=request.context,
        request=request,
        now=now,
        company_name=application.company_name,
        uscc=application.uscc,
        summary=api.task_summary(account),
        assignee_org=account.bank_code,
        details=api.task_details(account),
    )
    return pb.OpenAccountResponse(
        status=desk.step_status(Outcome.OUTCOME_ACCEPTED, task_id=task.id, now=now),
        account=api.account_message(account),
    )


def _second_account(uscc: str) -> RuleViolation:
    return violation(
        "uscc",
        "one_basic_account",
        "该单位已开立基本存款账户，一个单位只能开立一个基本存款账户",
        "the company already has a basic deposit account; a company may have only one",
    )


def _refused(
    found: Sequence[RuleViolation], result: domain.DueDiligence, *, correctable: bool = False
) -> pb.OpenAccountResponse:
    status = desk.step_status(
        Outcome.OUTCOME_CORRECTION_REQUESTED if correctable else Outcome.OUTCOME_REJECTED,
        decided_by=f"auto:kyc+{result.risk_list_version}",
        reason=("due diligence needs a correction: " if correctable else "due diligence failed: ")
        + "; ".join(f"{v.field}: {v.message_en}" for v in found),
        rejections=api.DESK.rejections(found),
    )
    response = pb.OpenAccountResponse(status=status)
    # The checks travel with the refusal so the case page can show what failed (no ID numbers).
    response.account.due_diligence.extend(
        pb.DueDiligenceCheck(check=c.name, passed=c.passed, detail=_public_detail(c))
        for c in result.checks
    )
    response.account.risk_list_version = result.risk_list_version
    return response


def check_application(
    request: application_pb2.CheckApplicationRequest, today: date
) -> application_pb2.CheckApplicationResponse:
    """CheckApplication: the form through the due diligence OpenAccount runs (the bank and the
    branch in the reference data, the legal representative's and the beneficial owners' IDs, the
    risk list, the registered capital and subscriptions) plus the contact person the bank calls,
    with nothing read or written but the reference data. Skipped, because they need what the
    saga issues first: the license's status and legal representative, the seals' police filings,
    and "one basic account per company" (by USCC)."""
    result = domain.due_diligence(
        api.form_application(request.form),
        license=None,
        finance_seal=None,
        legal_rep_seal=None,
        banks=banks(),
        branches=branches(),
        risk_list=risk_list(),
        today=today,
        issued=False,
    )
    return application_pb2.CheckApplicationResponse(
        rejections=api.DESK.rejections(result.violations),
        participant=api.PARTICIPANT,
        rule_set=reference_version()[:64],
    )


def _public_detail(check: domain.Check) -> str:
    # The risk list's reason for a listing stays inside the bank.
    return "listed" if "risk_list" in check.name and not check.passed else check.detail


def _opened(
    uow: UnitOfWork, account: Account, decided_by: str, now: datetime
) -> pb.OpenAccountResponse:
    message = api.account_message(account)
    uow.emit_event(
        pb.AccountOpened(case_id=account.case_id, account=message),
        "AccountOpened",
        case_id=account.case_id,
    )
    return pb.OpenAccountResponse(
        status=desk.step_status(Outcome.OUTCOME_DONE, decided_by=decided_by, now=now),
        account=message,
    )


def close_account(
    uow: UnitOfWork, request: pb.CloseAccountRequest, *, now: datetime
) -> pb.CloseAccountResponse:
    """Compensation: the case's account closed and its filing cancelled (or, still pending,
    withdrawn), its tasks withdrawn. Running it again finds nothing live and answers DONE."""
    session = uow.session
    case_id = request.context.case_id
    reason = request.reason or "case compensated"
    CLERKS.withdraw_case(uow, case_id, reason, now)
    number = ""
    for account in store.live_accounts_for_case(session, case_id):
        store.close(account, now, reason)
        number = account.account_number or ""
        uow.emit_event(
            pb.AccountClosed(case_id=case_id, account_number=number, reason=reason),
            "AccountClosed",
            case_id=case_id,
        )
    shown = mask_account_number(number) if number else "nothing open"
    log.info("account closed: %s", shown, extra={"case_id": case_id})
    if not number:
        previous = store.account_for_case(session, case_id)
        number = (previous.account_number or "") if previous is not None else ""
    return pb.CloseAccountResponse(
        status=desk.compensated(reason, now),
        account_number=number,
    )


# --------------------------------------------------------------------------- the clerk's desk


def get_task(
    uow: UnitOfWork, principal: Principal, task_id: str, now: datetime
) -> pb.GetTaskResponse:
    task = CLERKS.task(uow, principal, task_id)
    response = pb.GetTaskResponse(task=CLERKS.task_message(task, now))
    account = store.account_for_case(uow.session, task.case_id)
    if account is not None:
        response.account.CopyFrom(api.account_message(account))
        response.due_diligence.extend(api.checks_message(account))
    return response


def _pending_account(uow: UnitOfWork, task: desk.TaskMixin) -> Account:
    account = store.account_for_case(uow.session, task.case_id, for_update=True)
    return still_pending(account, task, pending=PENDING, what_en="the account", what_zh="开户申请")


def approve_task(
    uow: UnitOfWork, principal: Principal, request: desk_pb2.ApproveTaskRequest, now: datetime
) -> pb.ApproveTaskResponse:
    task = CLERKS.decided(uow, principal, request.task_id, desk.DONE, now, request.comment)
    account = _pending_account(uow, task)
    store.open_account(uow.session, account, now, principal.subject)
    uow.answer_saga(RPC, task, _opened(uow, account, principal.subject, now))
    return pb.ApproveTaskResponse(
        task=CLERKS.task_message(task, now), account=api.account_message(account)
    )


def reject_task(
    uow: UnitOfWork, principal: Principal, request: desk_pb2.RejectTaskRequest, now: datetime
) -> desk_pb2.RejectTaskResponse:
    reason = desk.required_reason(request.reason)
    if request.correctable:
        return _return_for_correction(uow, principal, request, reason, now)
    task = CLERKS.decided(uow, principal, request.task_id, desk.REJECTED, now, reason)
    account = _pending_account(uow, task)
    store.reject(account, principal.subject, reason)
    result = pb.OpenAccountResponse(
        status=desk.step_status(
            Outcome.OUTCOME_REJECTED,
            decided_by=principal.subject,
            reason=reason,
            now=now,
            rejections=api.clerk_rejection(reason),
        )
    )
    uow.answer_saga(RPC, task, result)
    return desk_pb2.RejectTaskResponse(task=CLERKS.task_message(task, now))


def _return_for_correction(
    uow: UnitOfWork,
    principal: Principal,
    request: desk_pb2.RejectTaskRequest,
    reason: str,
    now: datetime,
) -> desk_pb2.RejectTaskResponse:
    """The clerk sends the application back for the applicant to correct the named fields: the
    task is closed and the pending account withdrawn (no number was given, nothing filed), so
    the company's one basic account is free again for the corrected OpenAccount of the case."""
    fields = api.DESK.correction_fields(request.fields, reason)
    task = CLERKS.decided(uow, principal, request.task_id, desk.REJECTED, now, reason)
    account = _pending_account(uow, task)
    store.withdraw(account, principal.subject, f"returned for correction: {reason}")
    status = desk.correction_requested(task, principal, fields, reason, now)
    uow.answer_saga(RPC, task, pb.OpenAccountResponse(status=status))
    return desk_pb2.RejectTaskResponse(task=CLERKS.task_message(task, now))
