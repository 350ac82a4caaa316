"""Sessions, CSRF and response hardening.

The session lives in one signed cookie (itsdangerous, HMAC-SHA256 with a key derived from the
platform's token secret): HttpOnly, SameSite=Lax, Secure when configured. It holds a random
session id, the CSRF token of the session and, once signed in, the username and the account's
session epoch; the account itself (role, organisation) is read from the database on every
request, so a cookie never grants more than the account has now. Signing out bumps the epoch,
which voids every cookie issued before.

Every POST must carry the session's CSRF token (form field ``csrf_token`` or header
``X-CSRF-Token``); :func:`check_csrf` compares in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "onestop_session"
LANG_COOKIE = "lang"
SESSION_MAX_AGE = 12 * 3600
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SCOPE_KEY = "onestop.session"


def content_security_policy(form_origins: tuple[str, ...] = ()) -> str:
    """Our own scripts and styles only; forms go to this site, and on to ``form_origins``: the
    real-name sign-in form is answered with a redirect to the identity provider, which browsers
    hold to form-action too."""
    form_action = " ".join(("'self'", *form_origins))
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self'; form-action {form_action}; frame-ancestors 'none'; "
        "base-uri 'none'; object-src 'none'"
    )


# The production profile (Secure cookies, a TLS proxy in front): a year, subdomains included.
HSTS = "max-age=31536000; includeSubDomains"
SECURITY_HEADERS = (
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "same-origin"),
    ("cross-origin-opener-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=()"),
)


def derive_key(token_secret: str, purpose: str) -> bytes:
    """A key for one purpose from the platform secret: the portal never signs with the secret
    that signs gRPC credentials."""
    return hmac.new(token_secret.encode(), f"onestop-portal:{purpose}".encode(), "sha256").digest()


@dataclass
class Session:
    data: dict[str, Any]
    modified: bool = False

    @classmethod
    def fresh(cls) -> Session:
        return cls({"sid": secrets.token_urlsafe(16), "csrf": secrets.token_urlsafe(32)}, True)

    @property
    def csrf(self) -> str:
        return str(self.data.get("csrf", ""))

    @property
    def username(self) -> str:
        return str(self.data.get("u") or "")

    @property
    def epoch(self) -> int:
        return int(self.data.get("e") or 0)

    def sign_in(self, username: str, epoch: int) -> None:
        """A new session id and CSRF token at sign-in: nothing from before carries over."""
        self.data = {
            "sid": secrets.token_urlsafe(16),
            "csrf": secrets.token_urlsafe(32),
            "u": username,
            "e": epoch,
        }
        self.modified = True

    def sign_out(self) -> None:
        self.data = Session.fresh().data
        self.modified = True

    def flash(self, message: str) -> None:
        self.data["flash"] = message
        self.modified = True

    def pop_flash(self) -> str:
        message = str(self.data.pop("flash", "") or "")
        if message:
            self.modified = True
        return message


class SessionItems(MutableMapping[str, Any]):
    """The session as the dict Starlette's ``request.session`` is, for a library that keeps its
    own state there: Authlib keeps a real-name sign-in's state, nonce and PKCE verifier until
    the provider sends the citizen back. Signing in starts a new session, which drops them."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def __getitem__(self, key: str) -> Any:
        return self._session.data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._session.data[key] = value
        self._session.modified = True

    def __delitem__(self, key: str) -> None:
        del self._session.data[key]
        self._session.modified = True

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._session.data))

    def __len__(self) -> int:
        return len(self._session.data)


class SessionCodec:
    def __init__(self, token_secret: str) -> None:
        self._serializer = URLSafeTimedSerializer(
            derive_key(token_secret, "session"),
            salt="session",
            signer_kwargs={"digest_method": hashlib.sha256},
        )

    def dumps(self, data: dict[str, Any]) -> str:
        return self._serializer.dumps(data)

    def loads(self, text: str) -> dict[str, Any] | None:
        try:
            data = self._serializer.loads(text, max_age=SESSION_MAX_AGE)
        except BadSignature:
            return None
        return data if isinstance(data, dict) and data.get("csrf") else None


def read_cookies(scope: Scope) -> dict[str, str]:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:
                return {}
            return {name: morsel.value for name, morsel in jar.items()}
    return {}


class SessionMiddleware:
    """Loads the signed session cookie into the scope, writes it back when it changed, and
    adds the security headers to every response."""

    def __init__(
        self,
        app: ASGIApp,
        codec: SessionCodec,
        *,
        secure: bool,
        form_origins: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.codec = codec
        self.secure = secure
        self.headers = (
            ("content-security-policy", content_security_policy(form_origins)),
            *SECURITY_HEADERS,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = read_cookies(scope).get(SESSION_COOKIE)
        data = self.codec.loads(raw) if raw else None
        session = Session(data) if data is not None else Session.fresh()
        scope[SCOPE_KEY] = session
        scope["session"] = SessionItems(session)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers:
                    if name not in headers:
                        headers[name] = value
                if self.secure:  # served over TLS: browsers must not come back over plain HTTP
                    headers.setdefault("strict-transport-security", HSTS)
                if session.modified:
                    headers.append("set-cookie", self.cookie(session))
            await send(message)

        await self.app(scope, receive, send_wrapper)

    def cookie(self, session: Session) -> str:
        parts = [
            f"{SESSION_COOKIE}={self.codec.dumps(session.data)}",
            "Path=/",
            f"Max-Age={SESSION_MAX_AGE}",
            "HttpOnly",
            "SameSite=Lax",
        ]
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts)


def session_of(scope: MutableMapping[str, Any]) -> Session:
    session = scope.get(SCOPE_KEY)
    if not isinstance(session, Session):
        raise RuntimeError("SessionMiddleware is not installed")
    return session


def check_csrf(session: Session, supplied: str) -> bool:
    expected = session.csrf
    return bool(expected and supplied) and hmac.compare_digest(expected, supplied)
