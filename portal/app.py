"""The portal's ASGI application: pages, forms and the live case feed.

Handlers are thin: read the request, call the platform over gRPC (in a worker thread), render a
template. Every page checks the signed-in account's role; every POST checks the CSRF token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from typing import Any
from urllib.parse import quote

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import (
    JSONResponse,
    PlainTextResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop.registration.v1 import registration_pb2, registration_pb2_grpc
from onestop.seal.v1 import seal_pb2
from onestop_common.identifiers import validate_citizen_id
from onestop_common.identity import Role
from onestop_common.settings import Settings
from portal import charts, formdata
from portal.apply_pages import (
    apply,
    apply_page,
    autosave_api,
    check_section_api,
    correct,
    correct_page,
    delete_draft,
    review_page,
)
from portal.backend import Backend, BackendError, Forbidden, Missing, Rejected, Unavailable
from portal.desks import (
    ACTIONS,
    ACTIVE,
    DESKS,
    DeskSpec,
    UnknownSection,
    action_request,
    list_request,
    shown,
)
from portal.i18n import enum_label, pair, pick_lang, translate, translator
from portal.seals_pages import grant_signer, revoke_signer, seals_index, seals_page, sign_with_seal
from portal.security import (
    LANG_COOKIE,
    SessionCodec,
    SessionMiddleware,
)
from portal.store import Account as Account
from portal.store import AccountError, PortalStore, check_password
from portal.views import (
    TERMINAL,
    case_view,
    deadline_view,
    field_text,
    state_key,
)
from portal.web import (
    APPLICANTS,
    CASE_READERS,
    HERE,
    HOME_BY_ROLE,
    KEEPALIVE_SECONDS,
    MAX_UPLOAD,
    CsrfFailed,
    LoginRequired,
    NotAllowed,
    Portal,
    account_of,
    call,
    csrf_protected,
    form_items,
    get_case,
    lang_of,
    my_cases,
    portal_of,
    redirect,
    render,
    require,
    safe_next,
    session,
    text_items,
)

log = logging.getLogger(__name__)
# How often an open desk page refreshes its queue (new tasks, claims, remaining time).
QUEUE_REFRESH_SECONDS = 5.0

# ---------------------------------------------------------------------------- errors


async def on_login_required(request: Request, exc: Exception) -> Response:
    path = request.url.path
    if request.method != "GET" or path.startswith("/api/") or path.endswith("/events"):
        return PlainTextResponse("sign in first", status_code=401)
    return redirect(f"/login?next={quote(request.url.path)}")


async def error_page(
    request: Request, status: int, title_key: str, body_key: str, detail: str = ""
) -> Response:
    await account_of(request)  # the page header shows who is signed in
    return render(
        request, "error.html", status, title_key=title_key, body_key=body_key, detail=detail
    )


def _detail(exc: Exception) -> str:
    return exc.message if isinstance(exc, BackendError) else ""


async def on_forbidden(request: Request, exc: Exception) -> Response:
    return await error_page(request, 403, "error.403.title", "error.403.body")


async def on_csrf(request: Request, exc: Exception) -> Response:
    return await error_page(request, 403, "error.403.title", "error.csrf.body")


async def on_missing(request: Request, exc: Exception) -> Response:
    return await error_page(request, 404, "error.404.title", "error.404.body", _detail(exc))


async def on_unavailable(request: Request, exc: Exception) -> Response:
    return await error_page(request, 503, "error.title", "error.unavailable")


async def on_backend(request: Request, exc: Exception) -> Response:
    return await error_page(request, 502, "error.title", "error.conflict", _detail(exc))


async def on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return await on_missing(request, exc)
    return PlainTextResponse(str(exc.detail), status_code=exc.status_code)


# ---------------------------------------------------------------------------- sign-in


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


async def home(request: Request) -> Response:
    account = await account_of(request)
    if account is None:
        return redirect("/login")
    return redirect(HOME_BY_ROLE.get(account.role, "/login"))


async def login_page(request: Request) -> Response:
    await account_of(request)
    return render(
        request,
        "login.html",
        next=safe_next(request.query_params.get("next"), ""),
        error="",
        username="",
    )


async def login(request: Request) -> Response:
    form = await form_items(request)
    username = str(form.get("username", "")).strip().lower()[:80]
    password = str(form.get("password", ""))[:512]
    target = safe_next(str(form.get("next", "")), "")
    portal = portal_of(request)
    address = f"ip:{request.client.host if request.client else '-'}"
    if portal.throttle.blocked(f"user:{username}", address):
        return render(
            request, "login.html", 429, next=target, error="error.throttled", username=username
        )
    account = await run_in_threadpool(portal.store.authenticate, username, password)
    if account is None:
        portal.throttle.failed(f"user:{username}", address)
        return render(
            request, "login.html", 401, next=target, error="login.failed", username=username
        )
    portal.throttle.succeeded(f"user:{username}")
    session(request).sign_in(account.username, account.session_epoch)
    return redirect(target or HOME_BY_ROLE.get(account.role, "/"))


async def logout(request: Request) -> Response:
    account = await account_of(request)
    if account is not None:
        await run_in_threadpool(portal_of(request).store.end_sessions, account.username)
    session(request).sign_out()
    return redirect("/login")


async def signup_page(request: Request) -> Response:
    await account_of(request)
    return render(request, "signup.html", error="", username="", display_name="")


async def signup(request: Request) -> Response:
    form = await form_items(request)
    username = str(form.get("username", "")).strip().lower()[:80]
    display_name = str(form.get("display_name", "")).strip()[:120]
    password = str(form.get("password", ""))[:512]
    if password != str(form.get("password2", ""))[:512]:
        return render(
            request,
            "signup.html",
            422,
            error=translator(lang_of(request))("signup.mismatch"),
            username=username,
            display_name=display_name,
        )
    store = portal_of(request).store
    try:
        check_password(password)
        account = await run_in_threadpool(
            lambda: store.add_user(username, password, Role.ENTREPRENEUR, display_name=display_name)
        )
    except AccountError as error:
        return render(
            request,
            "signup.html",
            422,
            error=str(error),
            username=username,
            display_name=display_name,
        )
    session(request).sign_in(account.username, account.session_epoch)
    return redirect("/cases")


async def set_lang(request: Request) -> Response:
    lang = pick_lang(request.query_params.get("to"))
    response = redirect(safe_next(request.query_params.get("next")))
    response.set_cookie(
        LANG_COOKIE,
        lang,
        max_age=365 * 86400,
        samesite="lax",
        httponly=True,
        secure=request.app.state.secure_cookies,
    )
    return response


# ---------------------------------------------------------------------------- the form


async def check_name_api(request: Request) -> Response:
    account = await require(request, APPLICANTS)
    q = request.query_params
    name = registration_pb2.CheckNameRequest()
    for part in ("division", "trade_name", "industry", "organisational_form", "industry_code"):
        setattr(name.name, part, q.get(part, "").strip()[:100])
    try:
        from onestop.common.v1 import application_pb2

        name.enterprise_type = application_pb2.EnterpriseType.Value(
            f"ENTERPRISE_TYPE_{q.get('enterprise_type', '')}"
        )
    except ValueError:
        pass
    try:
        response = await call(
            request,
            account,
            registration_pb2_grpc.RegistrationServiceStub,
            "registration",
            "CheckName",
            name,
        )
    except Rejected as error:
        return JSONResponse(
            {
                "available": False,
                "full_name": "",
                "messages": [_message(r) for r in error.rejections],
            }
        )
    return JSONResponse(
        {
            "available": response.available,
            "full_name": response.full_name,
            "messages": [_message(r) for r in response.rejections],
        }
    )


def _message(rejection: Any) -> dict[str, str]:
    return {
        "field": rejection.field,
        "rule": rejection.rule,
        "zh": rejection.message_zh,
        "en": rejection.message_en,
    }


async def check_id_api(request: Request) -> Response:
    await require(request, APPLICANTS)
    value = request.query_params.get("value", "").strip().upper()[:40]
    today: date = portal_of(request).settings.clock().now().date()
    verdict = validate_citizen_id(value, today=today)
    return JSONResponse({"ok": verdict.ok, "zh": verdict.reason_zh, "en": verdict.reason_en})


# ---------------------------------------------------------------------------- cases


async def cases_page(request: Request) -> Response:
    account = await require(request, APPLICANTS)
    listed = await my_cases(request, account)
    drafts = await run_in_threadpool(portal_of(request).store.drafts, account.username)
    lang = lang_of(request)
    return render(
        request,
        "cases.html",
        cases=[case_view(a, lang) for a in listed.applications],
        drafts=drafts,
    )


async def case_page(request: Request, error: str = "", status: int = 200) -> Response:
    account = await require(request, CASE_READERS)
    app = await get_case(request, account, request.path_params["case_id"])
    view = case_view(app, lang_of(request))
    summary = formdata.from_proto(app.form)
    return render(
        request, "case.html", status, case=view, form=app.form, summary=summary, error=error
    )


def sse(event: str, data: str, event_id: str = "") -> bytes:
    lines = [f"event: {event}"]
    if event_id:
        lines.append(f"id: {event_id}")
    lines += [f"data: {line}" for line in data.splitlines() or [""]]
    return ("\n".join(lines) + "\n\n").encode()


async def case_events(request: Request) -> Response:
    """Server-sent events: the live part of the case page, re-rendered on every change the
    orchestrator's WatchApplication stream reports."""
    account = await require(request, CASE_READERS)
    case_id = request.path_params["case_id"]
    await get_case(request, account, case_id)  # 403/404 before the stream starts
    lang = lang_of(request)
    portal = portal_of(request)
    templates = portal.templates
    csrf = session(request).csrf
    stream = portal.backend.stream(
        account,
        pb_grpc.OneStopServiceStub,
        "orchestrator",
        "WatchApplication",
        pb.WatchApplicationRequest(case_id=case_id),
    )

    def fragment(app: pb.Application) -> str:
        return templates.get_template("_live.html").render(
            case=case_view(app, lang),
            t=translator(lang),
            lang=lang,
            csrf=csrf,
            label=lambda kind, value: enum_label(kind, value, lang),
            pair=lambda zh, en: pair(zh, en, lang),
        )

    async def events() -> AsyncIterator[bytes]:
        yield b"retry: 3000\n\n"
        async for kind, value in pump(stream):
            if kind == "update":
                app = value.application
                yield sse("live", fragment(app), str(value.event.sequence))
                if app.state in TERMINAL:
                    yield sse("end", app.case_id)
                    return
            elif kind == "keepalive":
                yield b": keepalive\n\n"
            elif kind == "error":
                yield sse("failed", str(value))
                return
            else:
                yield sse("end", case_id)
                return

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"cache-control": "no-store", "x-accel-buffering": "no"},
    )


async def pump(stream: Any) -> AsyncIterator[tuple[str, Any]]:
    """Runs a blocking gRPC stream in its own thread and hands its messages to the event loop.
    Leaving the loop (the browser went away) cancels the gRPC call, which ends the thread; a
    worker-pool thread could not be interrupted while it waits for the next message."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

    def put(item: tuple[str, Any]) -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed
            loop.call_soon_threadsafe(queue.put_nowait, item)

    def run() -> None:
        try:
            for message in stream:
                put(("update", message))
            put(("end", None))
        except BackendError as error:
            put(("error", error.message))
        except Exception as error:
            log.warning("watch stream failed: %s", error)
            put(("error", "stream failed"))

    thread = threading.Thread(target=run, name="watch", daemon=True)
    thread.start()
    try:
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
            except TimeoutError:
                yield ("keepalive", None)
                continue
            yield item
            if item[0] != "update":
                return
    finally:
        stream.cancel()


async def cancel_case(request: Request) -> Response:
    account = await require(request, APPLICANTS)
    case_id = request.path_params["case_id"]
    form = await form_items(request)
    reason = str(form.get("reason", "")).strip()[:500] or "申请人撤回 / withdrawn by the applicant"
    try:
        await call(
            request,
            account,
            pb_grpc.OneStopServiceStub,
            "orchestrator",
            "CancelApplication",
            pb.CancelApplicationRequest(case_id=case_id, reason=reason),
        )
    except Rejected as error:
        return await case_page(request, error=error.message, status=422)
    except BackendError as error:
        if isinstance(error, (Forbidden, Missing, Unavailable)):
            raise
        return await case_page(request, error=error.message, status=409)
    return redirect(f"/cases/{case_id}")


async def fulfil_commitment(request: Request) -> Response:
    account = await require(request, APPLICANTS)
    case_id = request.path_params["case_id"]
    form = await form_items(request)
    upload = form.get("file")
    code = str(form.get("material_code", ""))
    lang = lang_of(request)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await case_page(
            request, error=translator(lang)("case.material_file_missing"), status=422
        )
    content = await upload.read(MAX_UPLOAD + 1)
    try:
        await call(
            request,
            account,
            pb_grpc.OneStopServiceStub,
            "orchestrator",
            "FulfillCommitment",
            pb.FulfillCommitmentRequest(
                case_id=case_id,
                material_code=code,
                file_name=(upload.filename or "material")[:200],
                content=content,
                content_type=upload.content_type or "application/octet-stream",
            ),
        )
    except Rejected as error:
        text = (
            "; ".join(pair(r.message_zh, r.message_en, lang) for r in error.rejections)
            or error.message
        )
        return await case_page(request, error=text, status=422)
    except BackendError as error:
        if isinstance(error, (Forbidden, Missing, Unavailable)):
            raise
        return await case_page(request, error=error.message, status=409)
    return redirect(f"/cases/{case_id}")


async def bundle(request: Request) -> Response:
    account = await require(request, APPLICANTS)
    case_id = request.path_params["case_id"]
    found = await run_in_threadpool(portal_of(request).backend.bundle, account, case_id)
    safe_name = "".join(ch for ch in found.file_name if ch.isalnum() or ch in "-_.") or "bundle.pdf"
    return Response(
        found.data,
        media_type="application/pdf",
        headers={
            "content-disposition": f'attachment; filename="{safe_name}"',
            "x-content-sha256": found.sha256,
            "cache-control": "no-store",
        },
    )


# ---------------------------------------------------------------------------- desks


def desk_spec(request: Request) -> DeskSpec:
    spec = DESKS.get(request.path_params["role"])
    if spec is None:
        raise HTTPException(404)
    return spec


async def desk_page(request: Request) -> Response:
    spec = desk_spec(request)
    account = await require(request, {spec.role})
    listed = await call(
        request, account, spec.stub, spec.component, "ListTasks", list_request(spec)
    )
    lang = lang_of(request)
    tasks = [
        {
            "task": task,
            "state": state_key(_task_states(), "TASK_STATE_", task.state),
            "deadline": deadline_view(task.deadline, lang, running=task.state in ACTIVE),
            "summary": shown(task.summary, spec),
        }
        for task in listed.tasks
    ]
    # ?part=queue: only the queue, for the page's periodic refresh (portal.js).
    fragment = request.query_params.get("part") == "queue"
    return render(
        request,
        "_queue.html" if fragment else "desk.html",
        fragment=fragment,
        spec=spec,
        slug=request.path_params["role"],
        tasks=tasks,
        refresh_ms=int(QUEUE_REFRESH_SECONDS * 1000),
    )


def _task_states() -> Any:
    from onestop.common.v1 import desk_pb2

    return desk_pb2.TaskState


async def task_page(
    request: Request, *, problems: list[Any] | None = None, error: str = "", status: int = 200
) -> Response:
    spec = desk_spec(request)
    account = await require(request, {spec.role})
    task_id = request.path_params["task_id"]
    response = await call(
        request,
        account,
        spec.stub,
        spec.component,
        "GetTask",
        spec.messages.GetTaskRequest(task_id=task_id),
    )
    lang = lang_of(request)
    task = response.task
    details = []
    for key, value in sorted(task.details.items()):
        if not value or key == "rejections":
            continue
        try:
            label = translator(lang)(f"detail.{key}")
        except KeyError:
            label = key
        if key == "enterprise_type":
            value = enum_label("enterprise_type", value.upper(), lang)
        details.append((label, shown(value, spec)))
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
        deadline=deadline_view(task.deadline, lang, running=task.state in ACTIVE),
        details=details,
        summary=shown(task.summary, spec),
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
    account = await require(request, {spec.role})
    task_id = request.path_params["task_id"]
    action = request.path_params["action"]
    if action not in ACTIONS or (action not in spec.actions and action != "claim"):
        raise HTTPException(404)
    form = await form_items(request)
    data = {k: v for k, v in text_items(form) if k != "kinds"}
    data["kinds"] = "\n".join(v for k, v in text_items(form) if k == "kinds")
    try:
        method, message = action_request(spec, action, task_id, data)
        if action != "claim":
            current = await call(
                request,
                account,
                spec.stub,
                spec.component,
                "GetTask",
                spec.messages.GetTaskRequest(task_id=task_id),
            )
            if current.task.state == _task_states().Value("TASK_STATE_OPEN"):
                await call(
                    request,
                    account,
                    spec.stub,
                    spec.component,
                    "ClaimTask",
                    spec.messages.ClaimTaskRequest(task_id=task_id),
                )
        await call(request, account, spec.stub, spec.component, method, message)
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


# ---------------------------------------------------------------------------- admin


async def admin_page(request: Request) -> Response:
    account = await require(request, {Role.ADMIN})
    stats = await call(
        request,
        account,
        pb_grpc.OneStopServiceStub,
        "orchestrator",
        "GetStatistics",
        pb.GetStatisticsRequest(),
    )
    recent = await call(
        request,
        account,
        pb_grpc.OneStopServiceStub,
        "orchestrator",
        "ListApplications",
        pb.ListApplicationsRequest(page_size=20),
    )
    lang = lang_of(request)
    t = translator(lang)
    by_state = sorted(stats.cases_by_state.items(), key=lambda item: -item[1])
    state_bars = [
        charts.Bar(
            enum_label("case_state", state.upper(), lang),
            count,
            f"{count} {t('admin.cases')}",
            f"state-{state}",
        )
        for state, count in by_state
    ]
    step_label = lambda name: t(f"step.{name}") if f"step.{name}" in _STEP_KEYS else name  # noqa: E731
    breach_bars = [
        charts.Bar(step_label(s.step), s.in_breach, str(s.in_breach), "breach") for s in stats.steps
    ]
    times = [
        charts.StepTimes(
            step_label(s.step),
            s.median_working_hours,
            s.p95_working_hours,
            float(s.limit_workdays or 0) * 7,
        )
        for s in stats.steps
    ]
    legend = {"median": t("admin.median"), "p95": t("admin.p95"), "limit": t("admin.limit")}
    return render(
        request,
        "admin.html",
        stats=stats,
        by_state=by_state,
        state_chart=charts.bar_chart(
            "by-state", t("admin.by_state"), state_bars, t("admin.no_data")
        ),
        breach_chart=charts.bar_chart(
            "breaches", t("admin.breaches"), breach_bars, t("admin.no_data")
        ),
        times_chart=charts.times_chart("times", t("admin.times"), times, legend),
        times=times,
        recent=[case_view(a, lang) for a in recent.applications],
        step_label=step_label,
    )


_STEP_KEYS = frozenset(
    f"step.{name}" for name in ("license", "seal", "invoice", "social_insurance", "bank", "bundle")
)


# ---------------------------------------------------------------------------- the app


def templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def routes() -> list[BaseRoute]:
    def post(path: str, endpoint: Callable[[Request], Awaitable[Response]]) -> Route:
        return Route(path, csrf_protected(endpoint), methods=["POST"])

    return [
        Route("/healthz", healthz),
        Route("/", home),
        Route("/login", login_page),
        post("/login", login),
        post("/logout", logout),
        Route("/signup", signup_page),
        post("/signup", signup),
        Route("/lang", set_lang),
        Route("/apply", apply_page),
        post("/apply", apply),
        Route("/apply/review", review_page),
        post("/drafts/{draft_id}/delete", delete_draft),
        post("/api/draft", autosave_api),
        post("/api/check-section", check_section_api),
        Route("/api/check-name", check_name_api),
        Route("/api/check-id", check_id_api),
        Route("/cases", cases_page),
        Route("/cases/{case_id}", case_page),
        Route("/cases/{case_id}/events", case_events),
        Route("/cases/{case_id}/bundle", bundle),
        post("/cases/{case_id}/cancel", cancel_case),
        post("/cases/{case_id}/commitment", fulfil_commitment),
        Route("/cases/{case_id}/correct", correct_page),
        post("/cases/{case_id}/correct", correct),
        Route("/seals", seals_index),
        Route("/seals/{uscc}", seals_page),
        post("/seals/{uscc}/signers", grant_signer),
        post("/seals/{uscc}/signers/revoke", revoke_signer),
        post("/seals/{uscc}/sign", sign_with_seal),
        Route("/desk/{role}", desk_page),
        Route("/desk/{role}/tasks/{task_id}", task_page),
        post("/desk/{role}/tasks/{task_id}/{action}", task_action),
        Route("/admin", admin_page),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]


def create_app(
    settings: Settings,
    *,
    store: PortalStore | None = None,
    backend: Backend | None = None,
    secure_cookies: bool = False,
) -> Starlette:
    store = store or PortalStore.open(settings.database_url_for("portal"))
    backend = backend or Backend(settings)
    app = Starlette(
        routes=routes(),
        exception_handlers={
            LoginRequired: on_login_required,
            NotAllowed: on_forbidden,
            Forbidden: on_forbidden,
            CsrfFailed: on_csrf,
            Missing: on_missing,
            Unavailable: on_unavailable,
            BackendError: on_backend,
            HTTPException: on_http,
        },
    )
    app.state.portal = Portal(settings, store, backend, templates())
    app.state.secure_cookies = secure_cookies
    app.add_middleware(
        SessionMiddleware, codec=SessionCodec(settings.token_secret), secure=secure_cookies
    )
    return app
