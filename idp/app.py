"""The local provider's HTTP face (Starlette): discovery, JWKS, the page where a developer picks
a verified test identity, the token endpoint and userinfo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2
from authlib.oauth2.rfc6749 import OAuth2Error
from starlette.applications import Starlette
from starlette.requests import Request as HttpRequest
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from idp import keys
from idp.identities import Identity, load_identities
from idp.provider import Client, Provider, Request
from onestop_common.settings import Settings

TEMPLATES = Path(__file__).resolve().parent / "templates"
# The provider's pages may not be framed (clickjacking a choice of identity) nor load anything.
PAGE_HEADERS = {
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
}
# The choice that declines: the portal is told access_denied.
DECLINE = "-"


def provider_for(settings: Settings, identities: dict[str, Identity] | None = None) -> Provider:
    """The provider as `onestop up` runs it: the portal is its one client."""
    client = Client(
        settings.oidc_client_id, settings.oidc_client_secret, settings.oidc_redirect_uri
    )
    return Provider(
        issuer=settings.oidc_issuer_url,
        client=client,
        identities=identities if identities is not None else load_identities(),
        key=keys.load_or_create(settings.data_dir, settings.kek),
    )


async def _read(request: HttpRequest, *, params_in_form: bool = False) -> Request:
    """The request as Authlib reads it: the authorization endpoint's parameters are in the
    query (the identity chosen in the form), the token endpoint's in the form body."""
    form = await request.form() if request.method == "POST" else None
    fields = [(k, v) for k, v in form.multi_items() if isinstance(v, str)] if form else []
    query = list(request.query_params.multi_items())
    return Request(
        request.method,
        str(request.url),
        request.headers,  # case-insensitive: Authlib asks for "Authorization"
        fields if params_in_form else query,
        query=query,
        form=fields,
    )


def _respond(status: int, body: Any, headers: list[tuple[str, str]]) -> Response:
    content = json.dumps(body) if isinstance(body, dict) else body
    return Response(content, status_code=status, headers=dict(headers))


def _provider(request: HttpRequest) -> Provider:
    return request.app.state.provider  # type: ignore[no-any-return]


def _page(request: HttpRequest, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = request.app.state.templates.get_template(name).render(context)
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


def _refusal(request: HttpRequest, error: OAuth2Error) -> HTMLResponse:
    """An authorization request we cannot send back to the client (unknown client or redirect
    URI): say so here rather than redirect anywhere."""
    return _page(request, "refused.html", 400, error=error.error, description=error.description)


async def discovery(request: HttpRequest) -> Response:
    return JSONResponse(_provider(request).discovery())


async def jwks(request: HttpRequest) -> Response:
    return JSONResponse(_provider(request).key.jwks())


async def authorize_page(request: HttpRequest) -> Response:
    provider = _provider(request)
    try:
        provider.get_consent_grant(await _read(request))
    except OAuth2Error as error:
        if error.redirect_uri:
            return _respond(*provider.handle_error_response(None, error))
        return _refusal(request, error)
    return _page(
        request,
        "authorize.html",
        action=f"/authorize?{request.url.query}",
        identities=list(provider.identities.values()),
        decline=DECLINE,
    )


async def authorize(request: HttpRequest) -> Response:
    """The developer chose an identity (or declined): a code goes back to the client."""
    provider = _provider(request)
    oauth_request = await _read(request)
    identity = provider.identities.get(oauth_request.form.get("subject", DECLINE))
    try:
        grant = provider.get_consent_grant(oauth_request, end_user=identity)
    except OAuth2Error as error:
        if error.redirect_uri:
            return _respond(*provider.handle_error_response(None, error))
        return _refusal(request, error)
    return _respond(
        *provider.create_authorization_response(oauth_request, grant_user=identity, grant=grant)
    )


async def token(request: HttpRequest) -> Response:
    oauth_request = await _read(request, params_in_form=True)
    return _respond(*_provider(request).create_token_response(oauth_request))


async def userinfo(request: HttpRequest) -> Response:
    scheme, _, access_token = request.headers.get("authorization", "").partition(" ")
    claims = (
        _provider(request).userinfo(access_token.strip()) if scheme.lower() == "bearer" else None
    )
    if claims is None:
        return JSONResponse(
            {"error": "invalid_token"},
            status_code=401,
            headers={"www-authenticate": 'Bearer error="invalid_token"'},
        )
    return JSONResponse(claims, headers={"cache-control": "no-store"})


async def healthz(request: HttpRequest) -> Response:
    return PlainTextResponse("ok")


def create_app(provider: Provider) -> Starlette:
    app = Starlette(
        routes=[
            Route("/.well-known/openid-configuration", discovery),
            Route("/jwks", jwks),
            Route("/authorize", authorize_page, methods=["GET"]),
            Route("/authorize", authorize, methods=["POST"]),
            Route("/token", token, methods=["POST"]),
            Route("/userinfo", userinfo, methods=["GET", "POST"]),
            Route("/healthz", healthz),
        ]
    )
    app.state.provider = provider
    app.state.templates = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return app
