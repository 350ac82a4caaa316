"""SupplyMaterial, the saga step: a material promised under the commitment route arrives and
waits for an officer's review."""

from __future__ import annotations

from onestop.common.v1 import common_pb2
from onestop.registration.v1 import registration_pb2 as pb
from onestop_common import desk
from onestop_common.participant import UnitOfWork
from svc_registration import domain, store
from svc_registration.actions.env import Env, saga_action
from svc_registration.actions.review import commitment_details
from svc_registration.models import Task

Outcome = common_pb2.Outcome
MATERIAL_TASK_PREFIX = "MAT"


def _material_answer(code: str, outcome: int, env: Env, **kw: str) -> pb.SupplyMaterialResponse:
    return pb.SupplyMaterialResponse(
        material_code=code, status=desk.step_status(outcome, now=env.now, **kw)
    )


def _supply(
    uow: UnitOfWork, request: pb.SupplyMaterialRequest, env: Env
) -> pb.SupplyMaterialResponse:
    ctx, code, session = request.context, request.material_code, uow.session
    row = store.license_for_case(session, ctx.case_id)
    item = store.material(session, ctx.case_id, code)
    if row is None or item is None:
        return _material_answer(
            code,
            Outcome.OUTCOME_REJECTED,
            env,
            reason=f"{code!r} is not a material this case committed to supply",
        )
    if item.state == "accepted":
        return _material_answer(code, Outcome.OUTCOME_DONE, env, reason="already accepted")
    if row.status != "valid" or item.state in ("overdue", "cancelled"):
        return _material_answer(
            code, Outcome.OUTCOME_REJECTED, env, reason=f"the commitment is {item.state}"
        )
    if not request.content:
        return _material_answer(code, Outcome.OUTCOME_REJECTED, env, reason="the file is empty")
    item.state, item.supplied_at = "supplied", env.now
    item.file_name, item.content_type = request.file_name, request.content_type
    item.content, item.reason = request.content, ""
    task = store.material_task(session, ctx.case_id, code)
    if task is None:
        stored = pb.SupplyMaterialRequest()
        stored.CopyFrom(request)
        stored.ClearField("content")  # the file lives in committed_materials
        task = desk.open_task(  # type: ignore[assignment]
            session,
            Task,
            prefix=MATERIAL_TASK_PREFIX,
            context=ctx,
            request=stored,
            now=env.now,
            company_name=row.company_name,
            uscc=row.uscc,
            kind=store.MATERIAL,
            summary=f"补交承诺材料：{item.name_zh}（{code}），文件 {request.file_name}",
            details={
                "material_code": code,
                "material_name": item.name_zh,
                "file_name": request.file_name,
                "content_type": request.content_type,
                "bytes": str(len(request.content)),
                **(
                    commitment_details(domain.commitment_terms(row.committed_at))
                    if row.committed_at is not None
                    else {}
                ),
            },
        )
        assert task is not None
        # The review has no statutory limit of its own: the commitment's due date is the one.
        task.started_at, task.due_at, task.warn_at = env.now, row.commitment_due_at, None
        task.limit_workdays = ""
    else:
        task.context = ctx.SerializeToString()
    session.flush()
    item.task_id = task.id
    return _material_answer(code, Outcome.OUTCOME_ACCEPTED, env, task_id=task.id)


supply_material = saga_action(
    "SupplyMaterial", pb.SupplyMaterialResponse, _supply, compensated_by="RevokeLicense"
)
