"""The portal's ASGI application: the routes of every area (:mod:`portal.routes`), the error
pages, the templates and the session middleware.

Handlers are thin: read the request, call the platform over gRPC (in a worker thread), render a
template. Every page checks the signed-in account's role; every POST checks the CSRF token.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import jinja2
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from onestop_common.settings import Settings
from portal.backend import Backend, BackendError, Forbidden, Missing, Unavailable
from portal.oidc import RealNameSignIn
from portal.routes import admin, apply, auth, cases, desks, seals, signing, verify
from portal.security import SessionCodec, SessionMiddleware
from portal.store import PortalStore
from portal.web import (
    HERE,
    CsrfFailed,
    LoginRequired,
    NotAllowed,
    Portal,
    account_of,
    redirect,
    render,
)

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
    return [
        *auth.routes(),
        *apply.routes(),
        *cases.routes(),
        *seals.routes(),
        *signing.routes(),
        *desks.routes(),
        *admin.routes(),
        *verify.routes(),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def create_app(
    settings: Settings,
    *,
    store: PortalStore | None = None,
    backend: Backend | None = None,
    secure_cookies: bool = False,
) -> Starlette:
    store = store or PortalStore.open(settings.database_url_for("portal"), kek=settings.kek)
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
    app.state.portal = Portal(settings, store, backend, templates(), RealNameSignIn(settings))
    app.state.secure_cookies = secure_cookies
    app.add_middleware(
        SessionMiddleware,
        codec=SessionCodec(settings.token_secret),
        secure=secure_cookies,
        form_origins=(origin(settings.oidc_issuer_url),),
    )
    if settings.portal_trusted_proxies:
        # Outermost: the client address every route sees is the one the trusted proxies name.
        app.add_middleware(
            ProxyHeadersMiddleware, trusted_hosts=list(settings.portal_trusted_proxies)
        )
    return app
