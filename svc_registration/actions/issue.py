"""IssueLicense, the saga step: approve automatically, open an officer's review, or return the
form for correction; a repeated case gets the same license."""

from __future__ import annotations

from collections.abc import Sequence

from onestop.common.v1 import common_pb2
from onestop.registration.v1 import registration_pb2 as pb
from onestop_common import desk
from onestop_common.participant import UnitOfWork
from svc_registration import domain, grpc_api, store
from svc_registration.actions.assessment import assess, record_assessment, review_reasons
from svc_registration.actions.env import Env, saga_action
from svc_registration.actions.granting import grant
from svc_registration.actions.review import (
    correction_status,
    open_review,
    pending_status,
    submitted_at,
)
from svc_registration.models import CommittedMaterialRow, License

Outcome = common_pb2.Outcome


def _issue(uow: UnitOfWork, request: pb.IssueLicenseRequest, env: Env) -> pb.IssueLicenseResponse:
    ctx = request.context
    session = uow.session
    existing = store.license_for_case(session, ctx.case_id)
    if existing is not None:  # the same case sent again under a new key: same license
        return _done(existing, store.materials_of(session, ctx.case_id), existing.decided_by, env)
    pending = store.open_review_or_awaiting(session, ctx.case_id)
    if pending is not None:
        return pb.IssueLicenseResponse(status=pending_status(pending, env))
    a = assess(
        uow, request.form, env, case_id=ctx.case_id, applicant_id=ctx.applicant_id, claim=True
    )
    record_assessment(uow, ctx.case_id, a, env)
    if a.validation.violations:
        task = open_review(uow, request, a, env, awaiting=True)
        return pb.IssueLicenseResponse(status=correction_status(task, a.validation, env))
    if env.auto_enabled and a.decision.approved:
        decided_by = f"auto:{a.decision.ruleset_version}"
        committed_at = domain.commitment_made_at(a.app.commitment, submitted_at(request, env))
        row, materials = grant(
            uow, env, ctx, a.app, request.form, decided_by=decided_by, committed_at=committed_at
        )
        return _done(row, materials, decided_by, env)
    task = open_review(uow, request, a, env, awaiting=False)
    return pb.IssueLicenseResponse(
        status=desk.step_status(
            Outcome.OUTCOME_ACCEPTED,
            task_id=task.id,
            reason="waiting for a registration officer: " + "; ".join(review_reasons(a, env)),
            now=env.now,
        )
    )


def _done(
    row: License, materials: Sequence[CommittedMaterialRow], decided_by: str, env: Env
) -> pb.IssueLicenseResponse:
    return pb.IssueLicenseResponse(
        status=desk.step_status(Outcome.OUTCOME_DONE, decided_by=decided_by, now=env.now),
        license=grpc_api.license_message(row, materials),
    )


issue_license = saga_action(
    "IssueLicense", pb.IssueLicenseResponse, _issue, compensated_by="RevokeLicense"
)
