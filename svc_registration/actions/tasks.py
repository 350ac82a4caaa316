"""The registration officer's desk: list, read, claim and decide tasks (approve, reject, return
for correction), and explain an automatic decision by replaying it."""

from __future__ import annotations

import json
from collections.abc import Sequence

from onestop.common.v1 import common_pb2
from onestop.registration.v1 import registration_pb2 as pb
from onestop_common import desk
from onestop_common.errors import InvalidInput, NotFound, violation
from onestop_common.identity import Principal
from onestop_common.participant import UnitOfWork
from onestop_common.protoconv import timestamp
from svc_registration import domain, grpc_api, store
from svc_registration.actions.assessment import assess_to_decide
from svc_registration.actions.change import approve_change, refuse_change
from svc_registration.actions.env import Env
from svc_registration.actions.granting import grant
from svc_registration.actions.review import submitted_at
from svc_registration.models import Task

Outcome = common_pb2.Outcome


def list_tasks(
    uow: UnitOfWork, principal: Principal, request: pb.ListTasksRequest, env: Env
) -> pb.ListTasksResponse:
    rows, token = desk.list_tasks(uow.session, Task, principal, request.query)
    return pb.ListTasksResponse(
        tasks=[desk.task_message(row, env.calendar, env.now) for row in rows],
        next_page_token=token,
    )


def get_task(uow: UnitOfWork, principal: Principal, task_id: str, env: Env) -> pb.GetTaskResponse:
    task = desk.get_task(uow.session, Task, task_id, principal)
    response = pb.GetTaskResponse(task=desk.task_message(task, env.calendar, env.now))
    if task.kind == store.REVIEW:
        response.form.CopyFrom(pb.IssueLicenseRequest.FromString(task.request).form)
    elif task.kind == store.CHANGE:  # the form as it would be after the change
        response.form.CopyFrom(pb.ChangeLicenseRequest.FromString(task.request).form)
    else:
        row = store.license_for_case(uow.session, task.case_id)
        if row is not None:
            response.form.ParseFromString(row.form)
    reasons = (task.details or {}).get("review_reasons", "")
    response.review_reasons.extend(line for line in reasons.split("\n") if line)
    return response


def claim_task(
    uow: UnitOfWork, principal: Principal, task_id: str, env: Env
) -> pb.ClaimTaskResponse:
    task = store.task_for_update(uow.session, task_id)
    desk.claim(task, principal)
    return pb.ClaimTaskResponse(task=desk.task_message(task, env.calendar, env.now))


def approve_task(
    uow: UnitOfWork, principal: Principal, request: pb.ApproveTaskRequest, env: Env
) -> pb.ApproveTaskResponse:
    task = store.task_for_update(uow.session, request.task_id)
    if task.kind == store.MATERIAL:
        return _accept_material(uow, principal, task, request.comment, env)
    if task.kind == store.CHANGE:
        return approve_change(uow, principal, task, request.comment, env)
    desk.ensure_decidable(task, principal)
    original = pb.IssueLicenseRequest.FromString(task.request)
    ctx = task.command_context
    a = assess_to_decide(uow, original.form, ctx, env)
    # The day of the commitment was recorded when the form came in; a task opened before that
    # was recorded has the submission time in its stored command.
    committed_at = task.commitment_made_at or domain.commitment_made_at(
        a.app.commitment, submitted_at(original, env)
    )
    row, materials = grant(
        uow,
        env,
        ctx,
        a.app,
        original.form,
        decided_by=principal.subject,
        committed_at=committed_at,
    )
    desk.decide(task, principal, desk.DONE, env.now, request.comment)
    message = grpc_api.license_message(row, materials)
    uow.answer_later(
        "IssueLicense",
        ctx,
        pb.IssueLicenseResponse(
            status=desk.step_status(
                Outcome.OUTCOME_DONE,
                decided_by=principal.subject,
                task_id=task.id,
                reason=request.comment,
                now=env.now,
            ),
            license=message,
        ),
    )
    return pb.ApproveTaskResponse(
        task=desk.task_message(task, env.calendar, env.now), license=message
    )


def _accept_material(
    uow: UnitOfWork, principal: Principal, task: Task, comment: str, env: Env
) -> pb.ApproveTaskResponse:
    desk.decide(task, principal, desk.DONE, env.now, comment)
    code = (task.details or {}).get("material_code", "")
    item = store.material(uow.session, task.case_id, code)
    row = store.license_for_case(uow.session, task.case_id)
    if item is None or row is None:
        raise NotFound(f"no committed material {code!r} for case {task.case_id}")
    item.state, item.decided_at, item.decided_by, item.reason = (
        "accepted",
        env.now,
        principal.subject,
        comment,
    )
    materials = store.materials_of(uow.session, task.case_id)
    if all(m.state == "accepted" for m in materials) and row.commitment_state == "open":
        row.commitment_state = "fulfilled"
    uow.answer_later(
        "SupplyMaterial",
        task.command_context,
        pb.SupplyMaterialResponse(
            material_code=code,
            status=desk.step_status(
                Outcome.OUTCOME_DONE, decided_by=principal.subject, task_id=task.id, now=env.now
            ),
        ),
    )
    return pb.ApproveTaskResponse(
        task=desk.task_message(task, env.calendar, env.now),
        license=grpc_api.license_message(row, materials),
    )


def _officer_rejections(
    reason: str, given: Sequence[common_pb2.Rejection], rule: str
) -> list[common_pb2.Rejection]:
    if not reason.strip() and not given:
        raise InvalidInput.of(
            [
                violation(
                    "reason",
                    "required",
                    "请说明理由或列出需要更正的字段",
                    "give a reason or list the fields to correct",
                )
            ]
        )
    if given:
        return list(given)
    return [common_pb2.Rejection(field="form", rule=rule, message_zh=reason, message_en=reason)]


def reject_task(
    uow: UnitOfWork, principal: Principal, request: pb.RejectTaskRequest, env: Env
) -> pb.RejectTaskResponse:
    task = store.task_for_update(uow.session, request.task_id)
    found = _officer_rejections(request.reason, request.rejections, "officer.rejected")
    reason = request.reason.strip() or "; ".join(r.message_en for r in found)
    if task.kind == store.CHANGE:
        refuse_change(uow, principal, task, reason, found, env, correctable=False)
        return pb.RejectTaskResponse(task=desk.task_message(task, env.calendar, env.now))
    desk.decide(task, principal, desk.REJECTED, env.now, reason)
    status = desk.step_status(
        Outcome.OUTCOME_REJECTED,
        decided_by=principal.subject,
        task_id=task.id,
        reason=reason,
        rejections=found,
        now=env.now,
    )
    if task.kind == store.MATERIAL:
        code = (task.details or {}).get("material_code", "")
        item = store.material(uow.session, task.case_id, code)
        if item is not None:
            item.state, item.decided_at, item.decided_by, item.reason = (
                "refused",
                env.now,
                principal.subject,
                reason,
            )
        uow.answer_later(
            "SupplyMaterial",
            task.command_context,
            pb.SupplyMaterialResponse(material_code=code, status=status),
        )
    else:
        uow.answer_later(
            "IssueLicense", task.command_context, pb.IssueLicenseResponse(status=status)
        )
    return pb.RejectTaskResponse(task=desk.task_message(task, env.calendar, env.now))


def request_correction(
    uow: UnitOfWork, principal: Principal, request: pb.RequestCorrectionRequest, env: Env
) -> pb.RequestCorrectionResponse:
    task = store.task_for_update(uow.session, request.task_id)
    store.require_kind(task, store.REVIEW, store.CHANGE)
    found = _officer_rejections(request.reason, request.rejections, "officer.correction")
    desk.ensure_decidable(task, principal)
    reason = request.reason.strip() or "; ".join(r.message_en for r in found)
    if task.kind == store.CHANGE:
        refuse_change(uow, principal, task, reason, found, env, correctable=True)
        return pb.RequestCorrectionResponse(task=desk.task_message(task, env.calendar, env.now))
    task.state, task.paused_at, task.reason = desk.AWAITING_APPLICANT, env.now, reason
    task.decided_by, task.decided_at = principal.subject, env.now
    details = dict(task.details or {})
    details["rejections"] = json.dumps(
        [{"field": r.field, "rule": r.rule, "zh": r.message_zh, "en": r.message_en} for r in found],
        ensure_ascii=False,
    )
    task.details = details
    uow.answer_later(
        "IssueLicense",
        task.command_context,
        pb.IssueLicenseResponse(
            status=desk.step_status(
                Outcome.OUTCOME_CORRECTION_REQUESTED,
                decided_by=principal.subject,
                task_id=task.id,
                reason=reason,
                rejections=found,
                now=env.now,
            ),
        ),
    )
    return pb.RequestCorrectionResponse(task=desk.task_message(task, env.calendar, env.now))


def explain_decision(
    uow: UnitOfWork, request: pb.ExplainDecisionRequest
) -> pb.ExplainDecisionResponse:
    row = store.latest_decision(uow.session, request.case_id)
    replay = domain.decide_automatically(row.inputs, row.ruleset_version)
    response = pb.ExplainDecisionResponse(
        case_id=row.case_id,
        ruleset_version=row.ruleset_version,
        data_version=row.data_version,
        inputs_json=json.dumps(row.inputs, ensure_ascii=False, sort_keys=True),
        approved=row.approved and row.enabled,
        reasons=[f"{r['code']}: {r['message_en']} / {r['message_zh']}" for r in row.reasons],
        enabled=row.enabled,
        replay_matches=replay.approved == row.approved
        and [r.code for r in replay.reasons] == [r["code"] for r in row.reasons],
    )
    response.decided_at.CopyFrom(timestamp(row.decided_at))
    return response
