"""The portal's plumbing shared by its pages: the app state, who is signed in and what they may
open, rendering, CSRF, calling the platform."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route

from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop_common import permissions
from onestop_common.identity import Role
from onestop_common.permissions import Action
from onestop_common.settings import Settings
from portal.backend import Backend
from portal.desks import DESKS
from portal.i18n import enum_label, pair, pick_lang, translator
from portal.oidc import RealNameSignIn
from portal.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    LANG_COOKIE,
    Session,
    check_csrf,
    session_of,
)
from portal.store import Account, PortalStore
from portal.views import rejection_place, rejection_text

HERE = Path(__file__).resolve().parent
MAX_UPLOAD = 10 * 1024 * 1024
# How many of an entrepreneur's cases the pages list.
MY_CASES_PAGE = 50
KEEPALIVE_SECONDS = 15.0
HOME_BY_ROLE = {
    Role.ENTREPRENEUR: "/cases",
    Role.ADMIN: "/admin",
    **{spec.role: f"/desk/{slug}" for slug, spec in DESKS.items()},
}
APPLICANTS = frozenset({Role.ENTREPRENEUR})
CASE_READERS = frozenset({Role.ENTREPRENEUR, Role.ADMIN})


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
    realname: RealNameSignIn


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


async def require_to(request: Request, action: Action) -> Account:
    """The signed-in account if the permission table lets its role do ``action`` — the same
    table every gRPC server applies, so administrators, who may open every page to read it,
    cannot act on one (submit, decide, sign)."""
    account = await account_of(request)
    if account is None:
        raise LoginRequired()
    if not permissions.may(account.role, action):
        raise NotAllowed()
    return account


def render(
    request: Request, name: str, status: int = 200, *, fragment: bool = False, **context: Any
) -> HTMLResponse:
    """A page (or, with ``fragment``, a piece of one that a script refreshes in place: it leaves
    the session's flash message for the next full page)."""
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
        "flash": None if fragment else s.pop_flash(),
        "home": HOME_BY_ROLE.get(account.role, "/") if account else "/login",
        "desks": DESKS,
        "path": request.url.path,
        "path_qs": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        # Form macros (_macros.html): every input shown, marked required only when the page
        # says so, errors in the page's language, no section checks unless the page has them.
        "say": lambda rejection: rejection_text(rejection, lang),
        "where": lambda rejection: rejection_place(rejection, lang),
        "shown": lambda name: True,
        "is_required": lambda name: False,
        "focus": "",
        "checking": False,
        "bilingual_errors": False,
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


def post(path: str, endpoint: Callable[[Request], Awaitable[Response]]) -> Route:
    """A POST route whose endpoint runs only for a request :func:`csrf_protected` lets through."""
    return Route(path, csrf_protected(endpoint), methods=["POST"])


async def call(
    request: Request, account: Account, stub: Any, component: str, method: str, message: Any
) -> Any:
    backend = portal_of(request).backend
    return await run_in_threadpool(backend.call, account, stub, component, method, message)


async def call_orchestrator(request: Request, account: Account, method: str, message: Any) -> Any:
    """One call to the orchestrator's OneStopService, the service most pages talk to."""
    return await call(request, account, pb_grpc.OneStopServiceStub, "orchestrator", method, message)


async def my_cases(request: Request, account: Account) -> Any:
    """The signed-in entrepreneur's cases, newest first (the orchestrator keeps them to theirs)."""
    return await call_orchestrator(
        request, account, "ListApplications", pb.ListApplicationsRequest(page_size=MY_CASES_PAGE)
    )


async def get_case(request: Request, account: Account, case_id: str) -> pb.Application:
    response = await call_orchestrator(
        request, account, "GetApplication", pb.GetApplicationRequest(case_id=case_id)
    )
    return response.application  # type: ignore[no-any-return]


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def pdf_response(data: bytes, disposition: str, extra_headers: Mapping[str, str] = {}) -> Response:
    """A PDF no cache keeps; ``disposition`` says whether the browser shows it or saves it, and
    under which name."""
    return Response(
        data,
        media_type="application/pdf",
        headers={"content-disposition": disposition, "cache-control": "no-store", **extra_headers},
    )


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site (no scheme, no host, no '//'): no open redirects."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


async def form_items(request: Request) -> FormData:
    return await request.form(max_files=2, max_fields=4000, max_part_size=1024 * 1024)


def text_items(form: FormData) -> list[tuple[str, str]]:
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
