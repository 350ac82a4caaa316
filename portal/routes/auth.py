"""Signing in and out, signing up (entrepreneurs only), the page language, and the health check
the process runner probes.

Citizens sign in with their real-name identity (OpenID Connect, :mod:`portal.oidc`); staff and
local accounts with a username, a password and, where enabled, a one-time code. Either way the
session is signed in the same way (a new session id, the account's session epoch)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from onestop_common.identity import Role
from onestop_common.settings import OIDC_CALLBACK_PATH
from portal.i18n import pick_lang, translator
from portal.oidc import SignInFailed
from portal.security import LANG_COOKIE
from portal.store import AccountError, NotForRealNameSignIn, check_password
from portal.throttle import retry_after_seconds, sign_in_keys, sign_up_key
from portal.web import (
    HOME_BY_ROLE,
    account_of,
    form_items,
    lang_of,
    portal_of,
    post,
    redirect,
    render,
    safe_next,
    session,
)

log = logging.getLogger(__name__)
# Where a real-name sign-in goes afterwards, kept in the session while the citizen is away.
AFTER_SIGN_IN = "after_sign_in"


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
    # The client's address as the trusted proxies say (see portal.throttle).
    keys = sign_in_keys(username, request.client.host if request.client else "-")
    now = datetime.now(UTC)
    store = portal.store
    until = await run_in_threadpool(store.throttled_until, [k.key for k in keys], now)
    if until is not None:
        response = render(
            request, "login.html", 429, next=target, error="error.throttled", username=username
        )
        response.headers["retry-after"] = str(retry_after_seconds(until, now))
        return response
    account = await run_in_threadpool(store.authenticate, username, password)
    if account is not None and account.totp:
        code = str(form.get("code", ""))[:12]
        kek = portal.settings.kek
        if not await run_in_threadpool(store.second_factor, username, code, kek, now):
            await run_in_threadpool(store.record_throttled, keys, now)
            error = "login.totp_failed" if code.strip() else "login.totp_required"
            return render(request, "login.html", 401, next=target, error=error, username=username)
    if account is None:
        await run_in_threadpool(store.record_throttled, keys, now)
        return render(
            request, "login.html", 401, next=target, error="login.failed", username=username
        )
    # This account from this address is forgiven; what others did elsewhere still counts.
    await run_in_threadpool(store.clear_throttled, [keys[0].key])
    session(request).sign_in(account.username, account.session_epoch)
    return redirect(target or HOME_BY_ROLE.get(account.role, "/"))


async def realname_begin(request: Request) -> Response:
    """Off to the identity provider; Authlib keeps the state, nonce and PKCE verifier."""
    form = await form_items(request)
    try:
        response = await portal_of(request).realname.begin(request)
    except SignInFailed as failure:
        return await realname_refused(request, failure.reason, failure.status)
    request.session[AFTER_SIGN_IN] = safe_next(str(form.get("next", "")), "")
    return response


async def realname_callback(request: Request) -> Response:
    """Back from the identity provider: a verified identity signs its account in."""
    target = safe_next(str(request.session.pop(AFTER_SIGN_IN, "")), "")
    portal = portal_of(request)
    try:
        identity = await portal.realname.finish(request)
        account = await run_in_threadpool(portal.store.sign_in_verified, identity)
    except SignInFailed as failure:
        return await realname_refused(request, failure.reason, failure.status)
    except NotForRealNameSignIn:
        log.warning("%r is linked to a staff or disabled account: not signed in", identity)
        return await realname_refused(request, "oidc.not_applicant", 403)
    log.info("%r signed in as %s", identity, account.username)
    session(request).sign_in(account.username, account.session_epoch)
    return redirect(target or HOME_BY_ROLE.get(account.role, "/"))


async def realname_refused(request: Request, reason: str, status: int) -> Response:
    """Nobody is signed in by a failed attempt: the page says why, in the page's language."""
    await account_of(request)
    return render(
        request, "error.html", status, title_key="oidc.failed", body_key=reason, detail=""
    )


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

    def refused(error: str, status: int = 422) -> Response:
        """The form again with what was typed (never the password) and why it was refused."""
        return render(
            request,
            "signup.html",
            status,
            error=error,
            username=username,
            display_name=display_name,
        )

    if password != str(form.get("password2", ""))[:512]:
        return refused(translator(lang_of(request))("signup.mismatch"))
    store = portal_of(request).store
    signups = sign_up_key(request.client.host if request.client else "-")
    now = datetime.now(UTC)
    until = await run_in_threadpool(store.throttled_until, [signups.key], now)
    if until is not None:
        response = refused(translator(lang_of(request))("error.signup_throttled"), 429)
        response.headers["retry-after"] = str(retry_after_seconds(until, now))
        return response
    try:
        check_password(password)
        account = await run_in_threadpool(
            lambda: store.add_user(
                username,
                password,
                Role.ENTREPRENEUR,
                display_name=display_name,
                self_registered=True,
            )
        )
    except AccountError as error:
        return refused(str(error))
    await run_in_threadpool(store.record_throttled, [signups], now)
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


def routes() -> list[BaseRoute]:
    return [
        Route("/healthz", healthz),
        Route("/", home),
        Route("/login", login_page),
        post("/login", login),
        post("/login/oidc", realname_begin),
        Route(OIDC_CALLBACK_PATH, realname_callback),
        post("/logout", logout),
        Route("/signup", signup_page),
        post("/signup", signup),
        Route("/lang", set_lang),
    ]
