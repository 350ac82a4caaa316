"""ApplyCorrection, the saga step: the applicant's corrected form is assessed again and either
granted, returned again, or put back in the officer's queue."""

from __future__ import annotations

import logging

from onestop.common.v1 import common_pb2
from onestop.registration.v1 import registration_pb2 as pb
from onestop_common import desk
from onestop_common.calendar import CalendarError
from onestop_common.participant import UnitOfWork
from svc_registration import domain, grpc_api, store
from svc_registration.actions.assessment import assess, record_assessment
from svc_registration.actions.env import Env, saga_action
from svc_registration.actions.granting import grant
from svc_registration.actions.review import correction_status, task_details, task_summary
from svc_registration.models import Task

log = logging.getLogger(__name__)

Outcome = common_pb2.Outcome


def _correct(
    uow: UnitOfWork, request: pb.ApplyCorrectionRequest, env: Env
) -> pb.ApplyCorrectionResponse:
    ctx = request.context
    task = store.case_task(uow.session, ctx.case_id, states=(desk.AWAITING_APPLICANT,))
    if task is None:
        return pb.ApplyCorrectionResponse(
            status=desk.step_status(
                Outcome.OUTCOME_REJECTED,
                reason="no correction is pending for this case",
                now=env.now,
            )
        )
    issue_ctx = task.command_context
    a = assess(
        uow, request.form, env, case_id=ctx.case_id, applicant_id=issue_ctx.applicant_id, claim=True
    )
    record_assessment(uow, ctx.case_id, a, env)
    original = pb.IssueLicenseRequest.FromString(task.request)
    corrected = pb.IssueLicenseRequest(context=issue_ctx, form=request.form)
    if original.HasField("submitted_at"):
        corrected.submitted_at.CopyFrom(original.submitted_at)
    task.request = corrected.SerializeToString()
    task.company_name = a.app.name.full
    task.summary = task_summary(a)
    # A commitment the case already had keeps its day; one first agreed in this correction was
    # made now (the orchestrator sends the correction when the applicant submits it, and this
    # command's deadline is the original step's, so it cannot say when).
    committed_at = domain.commitment_made_at(
        a.app.commitment, env.now, earlier=task.commitment_made_at
    )
    task.commitment_made_at = committed_at
    if a.validation.violations:
        task.details = task_details(a, env, a.validation.violations, committed_at=committed_at)
        return pb.ApplyCorrectionResponse(status=correction_status(task, a.validation, env))
    task.details = task_details(a, env, committed_at=committed_at)
    _resume(task, env)
    if env.auto_enabled and a.decision.approved:
        decided_by = f"auto:{a.decision.ruleset_version}"
        row, materials = grant(
            uow,
            env,
            issue_ctx,
            a.app,
            request.form,
            decided_by=decided_by,
            committed_at=committed_at,
        )
        task.state, task.decided_at, task.decided_by = desk.DONE, env.now, decided_by
        uow.answer_later(
            "IssueLicense",
            issue_ctx,
            pb.IssueLicenseResponse(
                status=desk.step_status(
                    Outcome.OUTCOME_DONE, decided_by=decided_by, task_id=task.id, now=env.now
                ),
                license=grpc_api.license_message(row, materials),
            ),
        )
    return pb.ApplyCorrectionResponse(
        status=desk.step_status(
            Outcome.OUTCOME_ACCEPTED,
            task_id=task.id,
            reason="the corrected form passed the checks and is back in the officer's queue",
            now=env.now,
        )
    )


def _resume(task: Task, env: Env) -> None:
    """Back in the queue: the legal clock runs again, the deadline later by the pause."""
    paused_from = task.paused_at or env.now
    try:
        if task.due_at is not None:
            task.due_at = env.calendar.extend(task.due_at, paused_from, env.now)
        if task.warn_at is not None and task.warn_at > paused_from:
            task.warn_at = env.calendar.extend(task.warn_at, paused_from, env.now)
    except CalendarError:
        log.warning("task %s: deadline not extended (calendar unknown for these dates)", task.id)
    task.paused_at = None
    task.state = desk.OPEN
    task.claimed_by = ""
    task.decided_at = None
    task.decided_by = ""


apply_correction = saga_action(
    "ApplyCorrection", pb.ApplyCorrectionResponse, _correct, compensated_by="RevokeLicense"
)
