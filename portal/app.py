"""The portal's ASGI application: pages, forms and the live case feed.

Handlers are thin: read the request, call the platform over gRPC (in a worker thread), render a
template. Every page checks the signed-in account's role; every POST checks the CSRF token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, urlsplit

import grpc
import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from onestop.common.v1 import common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop.registration.v1 import registration_pb2, registration_pb2_grpc
from onestop.seal.v1 import seal_pb2, seal_pb2_grpc
from onestop_common.clock import SHANGHAI
from onestop_common.identifiers import normalise_code, validate_citizen_id, validate_uscc
from onestop_common.identity import Role
from onestop_common.protoconv import timestamp
from onestop_common.settings import Settings
from portal import catalogue, charts, formdata
from portal.backend import Backend, BackendError, Forbidden, Missing, Rejected, Unavailable
from portal.desks import ACTIONS, ACTIVE, DESKS, DeskSpec, action_request, list_request, shown
from portal.i18n import MATERIALS, enum_label, pair, pick_lang, translate, translator
from portal.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    LANG_COOKIE,
    LoginThrottle,
    Session,
    SessionCodec,
    SessionMiddleware,
    check_csrf,
    session_of,
)
from portal.store import Account as Account
from portal.store import AccountError, PortalStore, check_password
from portal.views import (
    KIND_ORDER,
    PT_PER_MM,
    TERMINAL,
    case_view,
    deadline_view,
    kind_number,
    seal_view,
    signer_view,
    state_key,
    usable_kinds,
    usage_view,
)

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
MAX_UPLOAD = 10 * 1024 * 1024
KEEPALIVE_SECONDS = 15.0
HOME_BY_ROLE = {
    Role.ENTREPRENEUR: "/cases",
    Role.ADMIN: "/admin",
    **{spec.role: f"/desk/{slug}" for slug, spec in DESKS.items()},
}
APPLICANTS = frozenset({Role.ENTREPRENEUR})
CASE_READERS = frozenset({Role.ENTREPRENEUR, Role.ADMIN})


# ---------------------------------------------------------------------------- plumbing


class LoginRequired(Exception):
    pass


class NotAllowed(Exception):
    pass


class CsrfFailed(Exception):
    pass


@dataclass
class Portal:
    settings: Settings
    store: PortalStore
    backend: Backend
    templates: jinja2.Environment
    throttle: LoginThrottle = field(default_factory=LoginThrottle)


def portal_of(request: Request) -> Portal:
    return request.app.state.portal  # type: ignore[no-any-return]


def lang_of(request: Request) -> str:
    return pick_lang(request.cookies.get(LANG_COOKIE))


def session(request: Request) -> Session:
    return session_of(request.scope)


async def account_of(request: Request) -> Account | None:
    if "onestop.account" in request.scope:
        return request.scope["onestop.account"]  # type: ignore[no-any-return]
    s = session(request)
    account = None
    if s.username:
        found = await run_in_threadpool(portal_of(request).store.get, s.username)
        if found is not None and found.session_epoch == s.epoch:
            account = found
    request.scope["onestop.account"] = account
    return account


async def require(request: Request, roles: Iterable[Role]) -> Account:
    """The signed-in account if its role may open this page (admins may open every page)."""
    account = await account_of(request)
    if account is None:
        raise LoginRequired()
    if account.role not in set(roles) and account.role is not Role.ADMIN:
        raise NotAllowed()
    return account


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = lang_of(request)
    account = request.scope.get("onestop.account")
    s = session(request)
    base = {
        "request": request,
        "lang": lang,
        "t": translator(lang),
        "label": lambda kind, value: enum_label(kind, value, lang),
        "pair": lambda zh, en: pair(zh, en, lang),
        "account": account,
        "csrf": s.csrf,
        "flash": s.pop_flash(),
        "home": HOME_BY_ROLE.get(account.role, "/") if account else "/login",
        "desks": DESKS,
        "path": request.url.path,
        "path_qs": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    base.update(context)
    html = portal_of(request).templates.get_template(name).render(base)
    return HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})


def csrf_protected(
    endpoint: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """Every state-changing request proves it comes from our own page: the session's CSRF
    token in the form (or header), and no foreign Origin."""

    async def wrapper(request: Request) -> Response:
        origin = request.headers.get("origin")
        host = request.headers.get("host", "")
        if origin and origin != "null" and urlsplit(origin).netloc != host:
            raise CsrfFailed()
        form = await request.form(max_files=2, max_fields=4000, max_part_size=1024 * 1024)
        supplied = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER, "")
        if not isinstance(supplied, str) or not check_csrf(session(request), supplied):
            raise CsrfFailed()
        return await endpoint(request)

    wrapper.__name__ = endpoint.__name__
    wrapper.csrf_protected = True  # type: ignore[attr-defined]
    return wrapper


async def call(
    request: Request, account: Account, stub: Any, component: str, method: str, message: Any
) -> Any:
    backend = portal_of(request).backend
    return await run_in_threadpool(backend.call, account, stub, component, method, message)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site (no scheme, no host, no '//'): no open redirects."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


async def form_items(request: Request) -> FormData:
    return await request.form(max_files=2, max_fields=4000, max_part_size=1024 * 1024)


def text_items(form: FormData) -> list[tuple[str, str]]:
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


# ---------------------------------------------------------------------------- errors


async def on_login_required(request: Request, exc: Exception) -> Response:
    path = request.url.path
    if request.method != "GET" or path.startswith("/api/") or path.endswith("/events"):
        return PlainTextResponse("sign in first", status_code=401)
    return redirect(f"/login?next={quote(request.url.path)}")


async def on_forbidden(request: Request, exc: Exception) -> Response:
    await account_of(request)
    return render(
        request,
        "error.html",
        403,
        title_key="error.403.title",
        body_key="error.403.body",
        detail="",
    )


async def on_csrf(request: Request, exc: Exception) -> Response:
    await account_of(request)
    return render(
        request,
        "error.html",
        403,
        title_key="error.403.title",
        body_key="error.csrf.body",
        detail="",
    )


async def on_missing(request: Request, exc: Exception) -> Response:
    await account_of(request)
    detail = exc.message if isinstance(exc, BackendError) else ""
    return render(
        request,
        "error.html",
        404,
        title_key="error.404.title",
        body_key="error.404.body",
        detail=detail,
    )


async def on_unavailable(request: Request, exc: Exception) -> Response:
    await account_of(request)
    return render(
        request, "error.html", 503, title_key="error.title", body_key="error.unavailable", detail=""
    )


async def on_backend(request: Request, exc: Exception) -> Response:
    await account_of(request)
    detail = exc.message if isinstance(exc, BackendError) else ""
    return render(
        request,
        "error.html",
        502,
        title_key="error.title",
        body_key="error.conflict",
        detail=detail,
    )


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


def form_page(
    request: Request,
    account: Account,
    fields: formdata.Fields,
    *,
    problems: list[formdata.Problem] | None = None,
    draft_id: str = "",
    action: str = "/apply",
    idempotency_key: str = "",
    correction_of: str = "",
    status: int = 200,
    notice: str = "",
) -> Response:
    lang = lang_of(request)
    errors: dict[str, list[Any]] = {}
    for problem in problems or []:
        errors.setdefault(problem.anchor, []).append(problem.rejection)
    return render(
        request,
        "form.html",
        status,
        fields=fields,
        errors=errors,
        problems=problems or [],
        dom_id=formdata.dom_id,
        values=lambda name: formdata.values(fields, name),
        rows=lambda group: range(formdata.rows(fields, group)),
        draft_id=draft_id,
        action=action,
        idempotency_key=idempotency_key or uuid.uuid4().hex,
        correction_of=correction_of,
        notice=notice,
        scope_items=catalogue.scope_items(),
        materials=MATERIALS,
        F=formdata,
        id_type_options=_enum_options("id_type", formdata.ID_TYPES, lang),
        enterprise_type_options=_enum_options("enterprise_type", formdata.ENTERPRISE_TYPES, lang),
        contribution_options=_enum_options("contribution_form", formdata.CONTRIBUTION_FORMS, lang),
        officer_role_options=_enum_options("officer_role", formdata.OFFICER_ROLES, lang),
        org_form_options=[(c.value, c.label(lang)) for c in catalogue.organisational_forms()],
        industry_options=[(c.value, c.label(lang)) for c in catalogue.industries()],
        district_options=[(c.value, c.label(lang)) for c in catalogue.districts()],
        bank_options=[(c.value, f"{c.value} {c.label(lang)}") for c in catalogue.banks()],
    )


def _enum_options(kind: str, names: Iterable[str], lang: str) -> list[tuple[str, str]]:
    return [(name, enum_label(kind, name, lang)) for name in names]


async def apply_page(request: Request) -> Response:
    account = await require(request, APPLICANTS)
    draft_id = request.query_params.get("draft", "")
    if draft_id:
        draft = await run_in_threadpool(portal_of(request).store.draft, account.username, draft_id)
        if draft is None:
            raise Missing(grpc.StatusCode.NOT_FOUND, "no such draft")
        return form_page(
            request, account, dict(draft.fields), draft_id=draft.id, notice="form.resumed"
        )
    return form_page(request, account, formdata.defaults())


async def validate(request: Request, account: Account, converted: formdata.Converted) -> list[Any]:
    """The registration service's complete check of the form (every problem at once)."""
    response = await call(
        request,
        account,
        registration_pb2_grpc.RegistrationServiceStub,
        "registration",
        "ValidateApplication",
        registration_pb2.ValidateApplicationRequest(
            form=converted.form, applicant_id=account.username
        ),
    )
    return list(converted.problems) + list(response.rejections)


async def apply(request: Request) -> Response:
    account = await require(request, APPLICANTS)
    form = await form_items(request)
    fields = formdata.from_multidict(text_items(form))
    command = str(form.get("do", "submit"))
    draft_id = str(form.get("draft_id", ""))[:40]
    key = str(form.get("idempotency_key", ""))[:64] or uuid.uuid4().hex
    store = portal_of(request).store
    if command.startswith("add:"):
        group = command.removeprefix("add:")
        if group in formdata.ROWS:
            formdata.add_row(fields, group)
        return form_page(request, account, fields, draft_id=draft_id, idempotency_key=key)
    if command == "draft":
        try:
            draft_id = await run_in_threadpool(
                store.save_draft, account.username, fields, formdata.title(fields), draft_id
            )
        except AccountError as error:
            return form_page(
                request, account, fields, draft_id=draft_id, idempotency_key=key, notice=str(error)
            )
        session(request).flash("form.saved")
        return redirect(f"/apply?draft={draft_id}")
    converted = formdata.to_proto(fields)
    found = await validate(request, account, converted)
    if not found:
        try:
            response = await call(
                request,
                account,
                pb_grpc.OneStopServiceStub,
                "orchestrator",
                "SubmitApplication",
                pb.SubmitApplicationRequest(idempotency_key=key, form=converted.form),
            )
        except Rejected as error:
            found = error.rejections or []
            if not found:
                raise
        else:
            if draft_id:
                await run_in_threadpool(store.delete_draft, account.username, draft_id)
            return redirect(f"/cases/{response.application.case_id}")
    problems = formdata.place(found, fields, converted.row_map)
    return form_page(
        request,
        account,
        fields,
        problems=problems,
        draft_id=draft_id,
        idempotency_key=key,
        status=422,
    )


async def delete_draft(request: Request) -> Response:
    account = await require(request, APPLICANTS)
    await run_in_threadpool(
        portal_of(request).store.delete_draft, account.username, request.path_params["draft_id"]
    )
    return redirect("/cases")


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
    listed = await call(
        request,
        account,
        pb_grpc.OneStopServiceStub,
        "orchestrator",
        "ListApplications",
        pb.ListApplicationsRequest(page_size=50),
    )
    drafts = await run_in_threadpool(portal_of(request).store.drafts, account.username)
    lang = lang_of(request)
    return render(
        request,
        "cases.html",
        cases=[case_view(a, lang) for a in listed.applications],
        drafts=drafts,
    )


async def get_case(request: Request, account: Account, case_id: str) -> pb.Application:
    response = await call(
        request,
        account,
        pb_grpc.OneStopServiceStub,
        "orchestrator",
        "GetApplication",
        pb.GetApplicationRequest(case_id=case_id),
    )
    return response.application


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


async def correct_page(request: Request) -> Response:
    account = await require(request, APPLICANTS)
    case_id = request.path_params["case_id"]
    app = await get_case(request, account, case_id)
    fields = formdata.from_proto(app.form)
    problems = formdata.place(
        list(app.rejections) + [r for s in app.steps for r in s.rejections], fields
    )
    return form_page(
        request,
        account,
        fields,
        problems=problems,
        action=f"/cases/{case_id}/correct",
        correction_of=case_id,
    )


async def correct(request: Request) -> Response:
    account = await require(request, APPLICANTS)
    case_id = request.path_params["case_id"]
    form = await form_items(request)
    fields = formdata.from_multidict(text_items(form))
    action = f"/cases/{case_id}/correct"
    command = str(form.get("do", "submit"))
    if command.startswith("add:"):
        formdata.add_row(fields, command.removeprefix("add:"))
        return form_page(request, account, fields, action=action, correction_of=case_id)
    converted = formdata.to_proto(fields)
    found = await validate(request, account, converted)
    if not found:
        try:
            await call(
                request,
                account,
                pb_grpc.OneStopServiceStub,
                "orchestrator",
                "CorrectApplication",
                pb.CorrectApplicationRequest(case_id=case_id, form=converted.form),
            )
        except Rejected as error:
            found = error.rejections
            if not found:
                raise
        else:
            return redirect(f"/cases/{case_id}")
    problems = formdata.place(found, fields, converted.row_map)
    return form_page(
        request,
        account,
        fields,
        problems=problems,
        action=action,
        correction_of=case_id,
        status=422,
    )


# ---------------------------------------------------------------------------- seals

# The usage register is shown a page at a time, newest first.
USAGES_PAGE = 20
SIGN_DEFAULTS = {"sign.page": "1", "sign.x": "120", "sign.y": "40"}
# Where each form shows a rejection of a field of its request; anything else goes on top of
# the form ("<form>._general").
GRANT_FIELDS = {
    "subject": "subject",
    "kinds": "kinds",
    "valid_until": "valid_until",
    "note": "note",
}
REVOKE_FIELDS = {"subject": "subject", "reason": "reason"}
SIGN_FIELDS = {
    "pdf": "file",
    "seal_code": "seal",
    "kind": "seal",
    "page": "page",
    "x": "x",
    "y": "y",
    "reason": "reason",
    "location": "location",
}
Errors = dict[str, list[common_pb2.Rejection]]


def _rejection(field_name: str, rule: str, zh: str, en: str) -> common_pb2.Rejection:
    return common_pb2.Rejection(field=field_name, rule=rule, message_zh=zh, message_en=en)


def _said(key: str, field_name: str, rule: str) -> common_pb2.Rejection:
    """A problem the portal finds itself, worded in i18n.py."""
    return _rejection(field_name, rule, translate(key, "zh"), translate(key, "en"))


def _as_rejection(error: BackendError) -> common_pb2.Rejection:
    """A platform error without rejections, split into its languages ("English / 中文")."""
    en, separator, zh = error.message.rpartition(" / ")
    if not separator:
        en = zh = error.message
    return _rejection("", error.code.name.lower(), zh, en)


def placed(
    form: str, rejections: Iterable[common_pb2.Rejection], fields: Mapping[str, str]
) -> Errors:
    """Each rejection of a seal request next to the form field it is about."""
    errors: Errors = {}
    for rejection in rejections:
        name = re.sub(r"\[\d+\]$", "", rejection.field)
        errors.setdefault(f"{form}.{fields.get(name, '_general')}", []).append(rejection)
    return errors


def _text(form: FormData, name: str, limit: int) -> str:
    value = form.get(name, "")
    return value.strip()[:limit] if isinstance(value, str) else ""


def company_uscc(request: Request) -> str:
    """The USCC in the path, checked before the seal service is asked about it."""
    value = str(request.path_params["uscc"])
    verdict = validate_uscc(value)
    if not verdict.ok:
        raise Missing(
            grpc.StatusCode.NOT_FOUND, pair(verdict.reason_zh, verdict.reason_en, lang_of(request))
        )
    return value


async def seals_index(request: Request) -> Response:
    """The companies whose seals the user may use: their own (from their cases), and any other
    by its USCC (authorised users)."""
    account = await require(request, APPLICANTS)
    errors: Errors = {}
    typed = request.query_params.get("uscc")
    if typed is not None:
        value = normalise_code(typed[:60])
        verdict = validate_uscc(value)
        if verdict.ok:
            return redirect(f"/seals/{value}")
        errors["uscc"] = [
            _said("seals.uscc_required", "uscc", "required")
            if not value
            else _rejection("uscc", verdict.rule, verdict.reason_zh, verdict.reason_en)
        ]
    listed = await call(
        request,
        account,
        pb_grpc.OneStopServiceStub,
        "orchestrator",
        "ListApplications",
        pb.ListApplicationsRequest(page_size=50),
    )
    lang = lang_of(request)
    cases = [case_view(a, lang) for a in listed.applications]
    return render(
        request,
        "seals_index.html",
        422 if errors else 200,
        companies=[c for c in cases if c.seals_ready],
        errors=errors,
        fields={"uscc": (typed or "")[:60]},
        dom_id=formdata.dom_id,
    )


async def _seal_call(request: Request, account: Account, method: str, message: Any) -> Any:
    return await call(request, account, seal_pb2_grpc.SealServiceStub, "seal", method, message)


async def seals_page(
    request: Request,
    *,
    errors: Errors | None = None,
    values: Mapping[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """One company's seals. The seal service decides who sees what: its owner (or an
    administrator) every authorised user, the seals and the register; an authorised user only
    its own grant; anyone else nothing (its refusal is the usual 403 page)."""
    account = await require(request, APPLICANTS)
    uscc = company_uscc(request)
    token = request.query_params.get("usages", "").strip()[:40]
    listed = await _seal_call(
        request,
        account,
        "ListSigners",
        seal_pb2.ListSignersRequest(uscc=uscc, include_revoked=True),
    )
    lang = lang_of(request)
    signers = [signer_view(s, lang) for s in listed.signers]
    # The seal service says in which capacity we asked: an authorised user sees only its own
    # grant and the sign form, so the owner's lists are not even asked for.
    owner = listed.caller_capacity != seal_pb2.SIGNER_CAPACITY_AUTHORISED_USER
    mine = None if owner else next((s for s in signers if s.subject == account.username), None)
    context: dict[str, Any] = {
        "uscc": uscc,
        "owner": owner,
        "company_name": "",
        "seals": [],
        "grantable": [],
        "signers": signers,
        "revoke_choices": [(s.subject, s.subject) for s in signers if s.active],
        "mine": mine,
        "usages": [],
        "token": token,
        "next_token": "",
        "usage_error": "",
    }
    if owner:
        answers: tuple[Any, ...] = await asyncio.gather(
            _seal_call(
                request,
                account,
                "ListSeals",
                seal_pb2.ListSealsRequest(uscc=uscc, include_impressions=True),
            ),
            _seal_call(
                request,
                account,
                "ListSealUsages",
                seal_pb2.ListSealUsagesRequest(uscc=uscc, page_size=USAGES_PAGE, page_token=token),
            ),
            return_exceptions=True,
        )
        seals, usages = answers
        if isinstance(seals, BaseException):
            raise seals
        if isinstance(usages, Rejected):
            # A page token that is not (or no longer) the service's: say so, show the rest.
            context["usage_error"] = usages.message
        elif isinstance(usages, BaseException):
            raise usages
        else:
            context["usages"] = [usage_view(u, lang) for u in usages.usages]
            context["next_token"] = usages.next_page_token
        views = await run_in_threadpool(lambda: [seal_view(s, lang) for s in seals.seals])
        context["company_name"] = next((s.company_name for s in seals.seals), "")
        context["seals"] = views
        context["grantable"] = usable_kinds(views)
        choices = [
            (s.code, f"{enum_label('seal_kind', s.kind, lang)} · {s.code}")
            for s in views
            if s.usable
        ]
    else:
        kinds = mine.kinds if mine is not None and mine.active else ()
        choices = [(kind, enum_label("seal_kind", kind, lang)) for kind in kinds]
    shown: dict[str, Any] = dict(SIGN_DEFAULTS)
    if choices:
        shown["sign.seal"] = choices[0][0]
    shown.update(values or {})
    found = errors or {}
    return render(
        request,
        "seals.html",
        status,
        **context,
        sign_choices=choices,
        fields=shown,
        errors=found,
        problems=[(anchor, r) for anchor, items in found.items() for r in items],
        dom_id=formdata.dom_id,
    )


async def grant_signer(request: Request) -> Response:
    account = await require(request, APPLICANTS)
    uscc = company_uscc(request)
    form = await form_items(request)
    kinds = [v.strip()[:40] for v in form.getlist("grant.kinds") if isinstance(v, str)][:10]
    values: dict[str, Any] = {
        "grant.subject": _text(form, "grant.subject", 200),
        "grant.kinds": kinds,
        "grant.valid_until": _text(form, "grant.valid_until", 40),
        "grant.note": _text(form, "grant.note", 600),
    }
    message = seal_pb2.AuthoriseSignerRequest(
        uscc=uscc,
        subject=values["grant.subject"],
        kinds=[kind_number(kind) for kind in kinds],
        note=values["grant.note"],
    )
    if values["grant.valid_until"]:
        try:
            day = date.fromisoformat(values["grant.valid_until"])
        except ValueError:
            problem = _said("seals.date_format", "valid_until", "date_format")
            return await seals_page(
                request, errors={"grant.valid_until": [problem]}, values=values, status=422
            )
        # The whole of that day, in the zone the company's documents are dated in.
        end = datetime.combine(day, time(23, 59, 59), SHANGHAI)
        message.valid_until.CopyFrom(timestamp(end))
    try:
        await _seal_call(request, account, "AuthoriseSigner", message)
    except Rejected as error:
        found = placed("grant", error.rejections or [_as_rejection(error)], GRANT_FIELDS)
        return await seals_page(request, errors=found, values=values, status=422)
    except BackendError as error:
        if isinstance(error, (Forbidden, Missing, Unavailable)):
            raise
        found = {"grant._general": [_as_rejection(error)]}
        return await seals_page(request, errors=found, values=values, status=409)
    session(request).flash("seals.done.granted")
    return redirect(f"/seals/{uscc}#signers")


async def revoke_signer(request: Request) -> Response:
    account = await require(request, APPLICANTS)
    uscc = company_uscc(request)
    form = await form_items(request)
    values = {
        "revoke.subject": _text(form, "revoke.subject", 200),
        "revoke.reason": _text(form, "revoke.reason", 600),
    }
    message = seal_pb2.RevokeSignerRequest(
        uscc=uscc, subject=values["revoke.subject"], reason=values["revoke.reason"]
    )
    try:
        await _seal_call(request, account, "RevokeSigner", message)
    except Rejected as error:
        found = placed("revoke", error.rejections or [_as_rejection(error)], REVOKE_FIELDS)
        return await seals_page(request, errors=found, values=values, status=422)
    except Missing as error:
        # Not an authorised user of this company (an unknown company fails the page itself).
        found = {"revoke.subject": [_as_rejection(error)]}
        return await seals_page(request, errors=found, values=values, status=422)
    except BackendError as error:
        if isinstance(error, (Forbidden, Unavailable)):
            raise
        found = {"revoke._general": [_as_rejection(error)]}
        return await seals_page(request, errors=found, values=values, status=409)
    session(request).flash("seals.done.revoked")
    return redirect(f"/seals/{uscc}#signers")


def _page_number(text: str) -> int | None:
    if not text.isdigit() or len(text) > 6:
        return None
    number = int(text)
    return number if number >= 1 else None


def _millimetres(text: str) -> float | None:
    try:
        value = float(text.replace("，", ".").replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def sealed_file_name(uploaded: str) -> tuple[str, str]:
    """The download's name: the upload's own name with "-sealed" (an ASCII fallback and the
    UTF-8 original, RFC 6266)."""
    stem = PurePosixPath(uploaded.replace("\\", "/")).name[:120]
    if stem.lower().endswith(".pdf"):
        stem = stem[:-4]
    plain = "".join(ch for ch in stem if ch.isascii() and (ch.isalnum() or ch in "-_.")).strip(".")
    return f"{plain or 'document'}-sealed.pdf", f"{stem or 'document'}-sealed.pdf"


async def sign_with_seal(request: Request) -> Response:
    account = await require(request, APPLICANTS)
    uscc = company_uscc(request)
    form = await form_items(request)
    values = {
        f"sign.{name}": _text(form, f"sign.{name}", 500)
        for name in ("seal", "page", "x", "y", "reason", "location")
    }
    errors: Errors = {}
    upload = form.get("sign.file")
    content, file_name = b"", ""
    if isinstance(upload, UploadFile) and upload.filename:
        content, file_name = await upload.read(MAX_UPLOAD + 1), upload.filename
    if not content:
        errors["sign.file"] = [_said("seals.file_missing", "pdf", "required")]
    elif len(content) > MAX_UPLOAD:
        errors["sign.file"] = [_said("seals.file_too_large", "pdf", "max_size")]
    page = _page_number(values["sign.page"])
    if page is None:
        errors["sign.page"] = [_said("seals.page_number", "page", "whole_number")]
    x, y = _millimetres(values["sign.x"]), _millimetres(values["sign.y"])
    for name, number in (("x", x), ("y", y)):
        if number is None:
            errors[f"sign.{name}"] = [_said("seals.mm_number", name, "number")]
    if errors or page is None or x is None or y is None:
        return await seals_page(request, errors=errors, values=values, status=422)
    chosen = values["sign.seal"]
    message = seal_pb2.SignPdfRequest(
        uscc=uscc,
        # An owner picks a seal by its code; an authorised user by its kind.
        seal_code="" if chosen in KIND_ORDER else chosen,
        kind=kind_number(chosen) if chosen in KIND_ORDER else 0,
        pdf=content,
        page=page - 1,
        x=x * PT_PER_MM,
        y=y * PT_PER_MM,
        reason=values["sign.reason"],
        location=values["sign.location"],
    )
    try:
        signed = await _seal_call(request, account, "SignPdf", message)
    except Rejected as error:
        found = placed("sign", error.rejections or [_as_rejection(error)], SIGN_FIELDS)
        return await seals_page(request, errors=found, values=values, status=422)
    except Forbidden as error:
        # A refusal that names its rule (revoked, expired, a kind not granted) is shown on the
        # form; a plain one (not the company's user at all) is the usual 403 page.
        if not error.rejections:
            raise
        found = placed("sign", error.rejections, SIGN_FIELDS)
        return await seals_page(request, errors=found, values=values, status=403)
    except BackendError as error:
        if isinstance(error, (Missing, Unavailable)):
            raise
        found = {"sign._general": [_as_rejection(error)]}
        return await seals_page(request, errors=found, values=values, status=409)
    plain, original = sealed_file_name(file_name)
    disposition = f'attachment; filename="{plain}"'
    if original != plain:
        disposition += f"; filename*=UTF-8''{quote(original)}"
    return Response(
        signed.signed_pdf,
        media_type="application/pdf",
        headers={
            "content-disposition": disposition,
            "x-seal-code": signed.seal_code,
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
    return render(request, "desk.html", spec=spec, slug=request.path_params["role"], tasks=tasks)


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
        shown_state=_seal_state,
        vat_default=task.details.get("vat_status", "").upper(),
    )


def _seal_state(number: int) -> str:
    from onestop.seal.v1 import seal_pb2

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
        post("/drafts/{draft_id}/delete", delete_draft),
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
