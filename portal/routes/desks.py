"""The staff desks' pages (registration officers, seal makers, tax officers, social insurance
officers, bank clerks): a desk's queue, refreshed while it is open, a task, and the task's
actions. What each desk is and sends is in :mod:`portal.desks`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from onestop.seal.v1 import seal_pb2
from onestop_common import permissions
from onestop_common.identifiers import mask_id_number
from onestop_common.identity import Role
from portal import desk_queue as queue
from portal import desk_text, formdata
from portal.backend import BackendError, Forbidden, Missing, Rejected, Unavailable
from portal.desks import (
    ACTIONS,
    ACTIVE,
    DESKS,
    DeskSpec,
    UnknownSection,
    action_request,
    history_request,
    list_request,
    shown,
)
from portal.i18n import translate, translator
from portal.store import Account
from portal.views import field_text, state_key
from portal.web import (
    call,
    form_items,
    lang_of,
    post,
    redirect,
    render,
    require,
    require_to,
    session,
    text_items,
)

# How often an open desk page refreshes its queue (new tasks, claims, remaining time).
QUEUE_REFRESH_SECONDS = 5.0


def desk_spec(request: Request) -> DeskSpec:
    spec = DESKS.get(request.path_params["role"])
    if spec is None:
        raise HTTPException(404)
    return spec


async def desk_page(request: Request) -> Response:
    spec = desk_spec(request)
    account = await require(request, {spec.role})
    lang = lang_of(request)
    slug = request.path_params["role"]
    filters = queue.Filters.of(request.query_params)
    if filters.history:
        listed = await call_desk(request, account, spec, "ListTasks", history_request(spec))
        rows = [queue.history_row(task, lang) for task in listed.tasks]
    else:
        listed = await call_desk(request, account, spec, "ListTasks", list_request(spec))
        now = datetime.now(UTC)
        rows = [
            row
            for row in (queue.task_row(spec, slug, task, lang, now) for task in listed.tasks)
            if filters.keeps(row)
        ]
    # ?part=queue: only the queue, for the page's periodic refresh (portal.js).
    fragment = request.query_params.get("part") == "queue"
    return render(
        request,
        "_queue.html" if fragment else "desk.html",
        fragment=fragment,
        spec=spec,
        slug=slug,
        tasks=rows,
        total=len(listed.tasks),
        filters=filters,
        refresh_url=f"/desk/{slug}?{filters.query(part='queue')}",
        refresh_ms=int(QUEUE_REFRESH_SECONDS * 1000),
    )


async def call_desk(
    request: Request, account: Account, spec: DeskSpec, method: str, message: Any
) -> Any:
    """One call to the desk service of the component that ``spec`` stands for."""
    return await call(request, account, spec.stub, spec.component, method, message)


async def get_task(request: Request, account: Account, spec: DeskSpec, task_id: str) -> Any:
    return await call_desk(
        request, account, spec, "GetTask", spec.messages.GetTaskRequest(task_id=task_id)
    )


def _task_states() -> Any:
    from onestop.common.v1 import desk_pb2

    return desk_pb2.TaskState


async def task_page(
    request: Request,
    *,
    problems: list[Any] | None = None,
    error: str = "",
    status: int = 200,
    field_errors: dict[str, tuple[str, str]] | None = None,
) -> Response:
    spec = desk_spec(request)
    account = await require(request, {spec.role})
    task_id = request.path_params["task_id"]
    response = await get_task(request, account, spec, task_id)
    lang = lang_of(request)
    task = response.task
    slug = request.path_params["role"]
    details = [(name, shown(value, spec)) for name, value in desk_text.details(task.details, lang)]
    # Administrators read every desk; only its clerks decide (the permission table).
    may_decide = permissions.may(account.role, permissions.DESK_DECISIONS[spec.component])
    # The full social security numbers only when a clerk who decides asks for them (?ids=full):
    # they check the person against the social security register; masked otherwise.
    full_ids = spec.sees_ids and may_decide and request.query_params.get("ids") == "full"
    return render(
        request,
        "task.html",
        status,
        spec=spec,
        slug=request.path_params["role"],
        task=task,
        response=response,
        state=state_key(_task_states(), "TASK_STATE_", task.state),
        active=task.state in ACTIVE,
        may_decide=may_decide,
        full_ids=full_ids,
        ssn=lambda number: number if full_ids else mask_id_number(number),
        deadline=queue.deadline(task, lang),
        details=details,
        summary=shown(desk_text.summary(slug, task.details, task.summary, lang), spec),
        people=queue.people(response.form, lang) if spec.role is Role.OFFICER else [],
        review_reasons=desk_text.review_reasons(getattr(response, "review_reasons", []), lang),
        capital=(
            desk_text.capital(
                response.form.registered_capital.amount,
                response.form.registered_capital.currency,
                lang,
            )
            if spec.role is Role.OFFICER
            else ""
        ),
        checks=[
            (c.passed, desk_text.code_label(c.check, lang, ("bank_check",)), shown(c.detail, spec))
            for c in getattr(response, "due_diligence", [])
        ],
        money=lambda amount: desk_text.money(amount, lang),
        day=lambda text: desk_text.date_text(text, lang),
        no_codes=lambda text: desk_text.no_codes(text, lang),
        field_errors=field_errors or {},
        shown=lambda value: shown(value, spec),
        problems=problems or [],
        error=error,
        form_fields=formdata.from_proto(response.form) if spec.role is Role.OFFICER else {},
        return_options=[
            (path, field_text(path, lang) if path else translate("desk.return_whole", lang))
            for path in spec.corrects
        ],
        shown_state=_seal_state,
        vat_default=task.details.get("vat_status", "").upper(),
    )


def _seal_state(number: int) -> str:

    return state_key(seal_pb2.SealState, "SEAL_STATE_", number)


async def task_action(request: Request) -> Response:
    spec = desk_spec(request)
    account = await require_to(request, permissions.DESK_DECISIONS[spec.component])
    task_id = request.path_params["task_id"]
    action = request.path_params["action"]
    if action not in ACTIONS or (action not in spec.actions and action != "claim"):
        raise HTTPException(404)
    form = await form_items(request)
    data = {k: v for k, v in text_items(form) if k != "kinds"}
    data["kinds"] = "\n".join(v for k, v in text_items(form) if k == "kinds")
    if action == "reject" and not data.get("reason", "").strip():
        # Checked before anything is sent: a refusal without a reason claims nothing.
        needed = (
            translate("desk.reject_reason_required", "zh"),
            translate("desk.reject_reason_required", "en"),
        )
        return await task_page(request, status=422, field_errors={"reject-reason": needed})
    try:
        method, message = action_request(spec, action, task_id, data)
        if action != "claim":
            current = await get_task(request, account, spec, task_id)
            if current.task.state == _task_states().Value("TASK_STATE_OPEN"):
                await call_desk(request, account, spec, *action_request(spec, "claim", task_id, {}))
        await call_desk(request, account, spec, method, message)
    except UnknownSection:
        text = translator(lang_of(request))("desk.return_section_unknown")
        return await task_page(request, error=text, status=422)
    except Rejected as error:
        return await task_page(request, problems=error.rejections, error=error.message, status=422)
    except BackendError as error:
        if isinstance(error, (Forbidden, Missing, Unavailable)):
            raise
        return await task_page(request, error=error.message, status=409)
    session(request).flash(f"desk.action_done.{action}")
    return redirect(f"/desk/{request.path_params['role']}/tasks/{task_id}")


def routes() -> list[BaseRoute]:
    return [
        Route("/desk/{role}", desk_page),
        Route("/desk/{role}/tasks/{task_id}", task_page),
        post("/desk/{role}/tasks/{task_id}/{action}", task_action),
    ]
