"""The seal maker's desk: its queue, accepting an order, marking physical seals engraved,
completing the order (the seals are made and the saga answered), rejecting it or returning it
to the applicant for correction."""

from __future__ import annotations

import logging

from onestop.common.v1 import common_pb2, desk_pb2
from onestop.seal.v1 import seal_pb2
from onestop_common import desk
from onestop_common.errors import Conflict, InvalidInput, NotFound, violation
from onestop_common.identity import Principal
from onestop_common.participant import UnitOfWork
from svc_seal import domain, grpc_api
from svc_seal import store as db
from svc_seal.actions.env import Env
from svc_seal.actions.saga import ISSUE, done_response, make_seals, seal_maker_name
from svc_seal.domain import OrderState, SealState
from svc_seal.models import SealOrder, Task

log = logging.getLogger(__name__)

Outcome = common_pb2.Outcome
# Each seal maker sees only the orders placed with it.
QUEUE = desk.Queue(Task, org_scoped=True)


def _task_for(
    uow: UnitOfWork, principal: Principal, task_id: str, *, for_update: bool = False
) -> tuple[desk.TaskMixin, SealOrder]:
    task = QUEUE.task(uow.session, principal, task_id, for_update=for_update)
    order = db.order_by_task(uow.session, task.id, for_update=for_update)
    if order is None:
        raise NotFound(
            f"task {task_id} has no seal order", message_zh=f"任务 {task_id} 没有印章订单"
        )
    return task, order


def list_tasks(
    uow: UnitOfWork, principal: Principal, request: desk_pb2.ListTasksRequest, env: Env
) -> desk_pb2.ListTasksResponse:
    return QUEUE.page(uow.session, principal, request.query, env.calendar, env.now)


def get_task(
    uow: UnitOfWork, principal: Principal, task_id: str, env: Env
) -> seal_pb2.GetTaskResponse:
    task, order = _task_for(uow, principal, task_id)
    return seal_pb2.GetTaskResponse(
        task=desk.task_message(task, env.calendar, env.now),
        seals=[grpc_api.seal_message(s, order) for s in db.seals_of_order(uow.session, order.id)],
    )


def claim_task(
    uow: UnitOfWork, principal: Principal, task_id: str, env: Env
) -> desk_pb2.ClaimTaskResponse:
    task, order = _task_for(uow, principal, task_id, for_update=True)
    desk.claim(task, principal)
    log.info("case %s: seal order %s accepted by %s", task.case_id, order.id, principal.subject)
    return desk_pb2.ClaimTaskResponse(task=desk.task_message(task, env.calendar, env.now))


def mark_engraved(
    uow: UnitOfWork, principal: Principal, request: seal_pb2.MarkEngravedRequest, env: Env
) -> seal_pb2.MarkEngravedResponse:
    task, order = _task_for(uow, principal, request.task_id, for_update=True)
    desk.ensure_decidable(task, principal)
    seals = db.seals_of_order(uow.session, order.id)
    chosen, problems = domain.engrave_selection(
        [db.facts(s) for s in seals], list(request.seal_codes)
    )
    if problems:
        raise InvalidInput.of(problems)
    for seal in seals:
        if seal.seal_code in chosen:
            seal.state = SealState.ENGRAVED
            seal.engraved_at = env.now
    log.info("case %s: engraved %s", task.case_id, ", ".join(chosen) or "nothing new")
    return seal_pb2.MarkEngravedResponse(
        task=desk.task_message(task, env.calendar, env.now),
        seals=[grpc_api.seal_message(s, order, impression=False) for s in seals],
    )


def complete_task(
    uow: UnitOfWork, principal: Principal, task_id: str, env: Env
) -> seal_pb2.CompleteTaskResponse:
    task, order = _task_for(uow, principal, task_id, for_update=True)
    desk.ensure_decidable(task, principal)
    missing = domain.not_engraved(db.facts(s) for s in db.seals_of_order(uow.session, order.id))
    if missing:
        raise Conflict(
            f"physical seals {', '.join(missing)} are not engraved yet; mark them engraved first",
            message_zh=f"实物印章 {'、'.join(missing)} 尚未刻制完成，请先标记为已刻制",
        )
    seals = make_seals(uow, order, env)
    desk.decide(task, principal, desk.DONE, env.now)
    uow.answer_saga(
        ISSUE, task, done_response(order, seals, env, decided_by=principal.subject, task_id=task.id)
    )
    log.info("case %s: seal order %s completed by %s", task.case_id, order.id, principal.subject)
    return seal_pb2.CompleteTaskResponse(
        task=desk.task_message(task, env.calendar, env.now),
        seals=[grpc_api.seal_message(s, order) for s in seals],
    )


def reject_task(
    uow: UnitOfWork, principal: Principal, request: desk_pb2.RejectTaskRequest, env: Env
) -> desk_pb2.RejectTaskResponse:
    reason = request.reason.strip()
    if not reason:
        raise InvalidInput.of(
            [
                violation(
                    "reason",
                    "required",
                    "拒绝订单须说明理由",
                    "say why the order is rejected",
                )
            ]
        )
    if request.correctable:
        return _return_for_correction(uow, principal, request, reason, env)
    task, order = _task_for(uow, principal, request.task_id, for_update=True)
    desk.decide(task, principal, desk.REJECTED, env.now, reason)
    for seal in db.seals_of_order(uow.session, order.id):
        seal.state = SealState.CANCELLED
    order.state = OrderState.REJECTED
    order.reason = reason
    refusal = violation(
        "seals", "seal_maker_rejected", f"刻章企业拒绝了订单：{reason}", f"the seal maker: {reason}"
    )
    uow.answer_saga(
        ISSUE,
        task,
        seal_pb2.IssueSealsResponse(
            status=desk.step_status(
                Outcome.OUTCOME_REJECTED,
                decided_by=principal.subject,
                reason=reason,
                task_id=task.id,
                now=env.now,
                rejections=grpc_api.DESK.rejections([refusal]),
            ),
            seal_maker_id=order.seal_maker_id,
            seal_maker_name=seal_maker_name(order.seal_maker_id),
        ),
    )
    log.info("case %s: seal order %s rejected by %s", task.case_id, order.id, principal.subject)
    return desk_pb2.RejectTaskResponse(task=desk.task_message(task, env.calendar, env.now))


def _return_for_correction(
    uow: UnitOfWork,
    principal: Principal,
    request: desk_pb2.RejectTaskRequest,
    reason: str,
    env: Env,
) -> desk_pb2.RejectTaskResponse:
    """The seal maker sends the order back for the applicant to correct the named fields: the
    task is closed and the order withdrawn (its seals were never made), so nothing of it stays
    live; the corrected order comes as a fresh IssueSeals for the same case."""
    fields = grpc_api.DESK.correction_fields(request.fields, reason)
    task, order = _task_for(uow, principal, request.task_id, for_update=True)
    desk.decide(task, principal, desk.REJECTED, env.now, reason)
    for seal in db.seals_of_order(uow.session, order.id):
        seal.state = SealState.CANCELLED
    order.state = OrderState.WITHDRAWN
    order.reason = f"returned for correction: {reason}"
    uow.answer_saga(
        ISSUE,
        task,
        seal_pb2.IssueSealsResponse(
            status=desk.correction_requested(task, principal, fields, reason, env.now),
            seal_maker_id=order.seal_maker_id,
            seal_maker_name=seal_maker_name(order.seal_maker_id),
        ),
    )
    return desk_pb2.RejectTaskResponse(task=desk.task_message(task, env.calendar, env.now))
