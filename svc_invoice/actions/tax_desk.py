"""Tax staff's desk: approving or rejecting a new-taxpayer package (or returning it to the
applicant for correction), which answers the saga, and adjusting a taxpayer's credit line."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from onestop.common.v1 import common_pb2, desk_pb2
from onestop.invoice.v1 import invoice_pb2
from onestop_common import desk
from onestop_common.errors import Conflict, InvalidInput, violation
from onestop_common.identity import Principal
from onestop_common.participant import UnitOfWork
from svc_invoice import domain, grpc_api, store
from svc_invoice.actions.env import Env
from svc_invoice.actions.saga import REGISTER, registered, rejected
from svc_invoice.actions.shared import key_reused, month_usage, request_fingerprint
from svc_invoice.domain import Refused, TaxpayerState, VatStatus
from svc_invoice.models import Task, Taxpayer

log = logging.getLogger(__name__)

Outcome = common_pb2.Outcome
# Tax staff work one queue for the whole service.
QUEUE = desk.Queue(Task)


def list_tasks(
    uow: UnitOfWork, principal: Principal, request: desk_pb2.ListTasksRequest, env: Env
) -> desk_pb2.ListTasksResponse:
    return QUEUE.page(uow.session, principal, request.query, env.calendar, env.now)


def claim_task(
    uow: UnitOfWork, principal: Principal, request: desk_pb2.ClaimTaskRequest, env: Env
) -> desk_pb2.ClaimTaskResponse:
    return QUEUE.claimed(uow.session, principal, request.task_id, env.calendar, env.now)


def approve_task(
    uow: UnitOfWork, principal: Principal, request: invoice_pb2.ApproveTaskRequest, env: Env
) -> invoice_pb2.ApproveTaskResponse:
    session = uow.session
    task = QUEUE.task(session, principal, request.task_id, for_update=True)
    row = _task_taxpayer(session, task)
    approval = grpc_api.approval_input(request)
    package, status = domain.approve_package(
        approval,
        store.requested_package(row),
        store.status_of(row),
        row.declares_proper_accounts,
        env.book,
    )
    desk.decide(task, principal, desk.DONE, env.now, reason=request.comment)
    vat = domain.decide_vat_status(
        status is VatStatus.GENERAL, row.declares_proper_accounts, env.book, env.now.date()
    )
    basis = vat.legal_basis
    if status is not store.status_of(row):
        basis += f"（税务人员 {principal.subject} 核定 / decided by tax staff）"
    store.activate(
        session, row, package, status, basis, vat.rules, decided_by=principal.subject, now=env.now
    )
    result = registered(uow, row, env, decided_by=principal.subject, task_id=task.id)
    uow.answer_saga(REGISTER, task, result)
    log.info("task %s approved by %s", task.id, principal.subject, extra={"case_id": task.case_id})
    return invoice_pb2.ApproveTaskResponse(
        task=desk.task_message(task, env.calendar, env.now), taxpayer=result.taxpayer
    )


def reject_task(
    uow: UnitOfWork, principal: Principal, request: desk_pb2.RejectTaskRequest, env: Env
) -> desk_pb2.RejectTaskResponse:
    problems = domain.reason_violations(request.reason)
    if problems:
        raise InvalidInput.of(problems)
    session = uow.session
    reason = request.reason.strip()
    if request.correctable:
        return _return_for_correction(uow, principal, request, reason, env)
    task = QUEUE.task(session, principal, request.task_id, for_update=True)
    row = _task_taxpayer(session, task)
    desk.decide(task, principal, desk.REJECTED, env.now, reason=reason)
    row.state = TaxpayerState.REJECTED.value
    row.decided_by = principal.subject
    result = rejected(
        [
            violation(
                "invoice",
                "rejected_by_tax_staff",
                f"税务人员不予核定：{reason}",
                f"tax staff refused the new-taxpayer package: {reason}",
            )
        ],
        env,
        decided_by=principal.subject,
        reason=reason,
    )
    uow.answer_saga(REGISTER, task, result)
    log.info("task %s rejected by %s", task.id, principal.subject, extra={"case_id": task.case_id})
    return desk_pb2.RejectTaskResponse(task=desk.task_message(task, env.calendar, env.now))


def _return_for_correction(
    uow: UnitOfWork,
    principal: Principal,
    request: desk_pb2.RejectTaskRequest,
    reason: str,
    env: Env,
) -> desk_pb2.RejectTaskResponse:
    """Tax staff send the registration back for the applicant to correct the named fields: the
    task is closed and the pending registration withdrawn (it was never active: no invoices, no
    credit line), so the corrected RegisterTaxpayer for the same case registers afresh. The
    task keeps what was asked and why it went back."""
    fields = grpc_api.DESK.correction_fields(request.fields, reason)
    session = uow.session
    task = QUEUE.task(session, principal, request.task_id, for_update=True)
    row = _task_taxpayer(session, task)
    desk.decide(task, principal, desk.REJECTED, env.now, reason=reason)
    if store.state_of(row) is not TaxpayerState.PENDING_APPROVAL:
        raise Conflict(
            f"the registration of task {task.id} is {row.state}, not pending",
            message_zh=f"任务 {task.id} 对应的税务登记状态为 {row.state}，不是待核定",
        )
    session.delete(row)
    status = desk.correction_requested(task, principal, fields, reason, env.now)
    uow.answer_saga(REGISTER, task, invoice_pb2.RegisterTaxpayerResponse(status=status))
    return desk_pb2.RejectTaskResponse(task=desk.task_message(task, env.calendar, env.now))


def _task_taxpayer(session: Session, task: desk.TaskMixin) -> Taxpayer:
    row = store.find_taxpayer(session, task.uscc, for_update=True)
    if row is None or row.case_id != task.case_id:
        raise Conflict(
            f"task {task.id} has no pending registration",
            message_zh=f"任务 {task.id} 没有待核定的税务登记",
        )
    return row


def get_task(
    uow: UnitOfWork, principal: Principal, request: desk_pb2.GetTaskRequest, env: Env
) -> invoice_pb2.GetTaskResponse:
    task = QUEUE.task(uow.session, principal, request.task_id)
    response = invoice_pb2.GetTaskResponse(task=desk.task_message(task, env.calendar, env.now))
    row = store.find_taxpayer(uow.session, task.uscc)
    if row is not None and row.case_id == task.case_id:
        response.taxpayer.CopyFrom(grpc_api.taxpayer_message(row, env.book, env.now.date()))
    if task.request:
        command = invoice_pb2.RegisterTaxpayerRequest.FromString(task.request)
        response.requested.CopyFrom(grpc_api.masked_needs(command.invoice))
    return response


# --------------------------------------------------------------------------- credit line


def adjust_credit_line(
    uow: UnitOfWork,
    principal: Principal,
    request: invoice_pb2.AdjustCreditLineRequest,
    env: Env,
) -> invoice_pb2.AdjustCreditLineResponse:
    """Tax staff set a taxpayer's credit line, with a reason; the change joins the history."""
    session = uow.session
    row = store.get_taxpayer(session, request.taxpayer_id, for_update=True)
    fingerprint = request_fingerprint(request)
    change = store.credit_change_by_key(session, row.taxpayer_id, request.idempotency_key)
    if change is not None and change.request_digest != fingerprint:
        raise key_reused(request.idempotency_key)
    if change is None:
        if store.state_of(row) is not TaxpayerState.ACTIVE:
            raise Refused.of(
                [
                    violation(
                        "taxpayer_id",
                        "taxpayer_active",
                        f"纳税人 {row.taxpayer_id} 的税务登记状态为 {row.state}，"
                        "没有可调整的授信额度",
                        f"taxpayer {row.taxpayer_id} is {row.state}: there is no credit line to "
                        "adjust",
                    )
                ]
            )
        old = store.credit_line(row)
        new = domain.check_credit_adjustment(
            request.credit_line.amount,
            request.credit_line.currency,
            request.reason,
            old,
            env.book.policy,
        )
        change = store.add_credit_change(
            session,
            row.taxpayer_id,
            kind="adjusted",
            old=old,
            new=new,
            by=principal.subject,
            at=env.now,
            reason=request.reason.strip(),
            idempotency_key=request.idempotency_key,
            request_digest=fingerprint,
        )
        row.credit_line = format(new, "f")
        log.info(
            "credit line of %s adjusted %s → %s by %s",
            row.taxpayer_id,
            old,
            new,
            principal.subject,
            extra={"case_id": row.case_id},
        )
    return invoice_pb2.AdjustCreditLineResponse(
        taxpayer=grpc_api.taxpayer_message(
            row, env.book, env.now.date(), month_usage(session, row, env)
        ),
        change=grpc_api.change_message(change),
        credit_line_history=[
            grpc_api.change_message(item) for item in store.credit_history(session, row.taxpayer_id)
        ],
    )
