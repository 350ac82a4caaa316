"""Citizens' sign-in with OpenID Connect, the one module that knows Authlib: the authorization
code flow with PKCE (S256), state and nonce, against the provider ONESTOP_OIDC_ISSUER names (or
the platform's local test provider when none is set).

Authlib keeps a sign-in's state, nonce and PKCE verifier in the session between the redirect
to the provider and the way back, and on the way back checks the state, exchanges the code,
and verifies the ID token: its signature with the provider's JWKS, its issuer, audience, expiry
and nonce. What comes back here is a :class:`~portal.store.RealNameIdentity`, or
:class:`SignInFailed` naming what went wrong for the error page.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from datetime import date
from types import ModuleType
from typing import Any

from authlib.integrations.starlette_client import OAuth, OAuthError
from authlib.integrations.starlette_client.apps import StarletteOAuth2App
from joserfc.errors import JoseError
from starlette.requests import Request
from starlette.responses import Response

from onestop_common.identifiers import validate_citizen_id
from onestop_common.settings import Settings
from portal.store import RealNameIdentity

log = logging.getLogger(__name__)


def _http_client_module() -> ModuleType:
    """The HTTP library Authlib calls the provider with: httpx2 where installed, else httpx."""
    name = "httpx2" if importlib.util.find_spec("httpx2") else "httpx"
    return importlib.import_module(name)


# The provider did not answer, answered with an HTTP error, or with what is not JSON.
UNANSWERED: tuple[type[Exception], ...] = (_http_client_module().HTTPError, ValueError)

PROVIDER = "realname"
SCOPE = "openid profile"
HTTP_TIMEOUT_SECONDS = 10.0
DISCOVERY_PATH = "/.well-known/openid-configuration"


class SignInFailed(Exception):
    """A real-name sign-in that did not happen; ``reason`` is the error page's message key."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


UNAVAILABLE = ("oidc.unavailable", 502)
STATE = ("oidc.state", 400)
BAD_TOKEN = ("oidc.bad_token", 400)
DECLINED = ("oidc.declined", 400)


class RealNameSignIn:
    def __init__(self, settings: Settings) -> None:
        self.issuer = settings.oidc_issuer_url
        self.redirect_uri = settings.oidc_redirect_uri
        self.id_number_claim = settings.oidc_id_number_claim
        oauth = OAuth()
        self.client: StarletteOAuth2App = oauth.register(
            PROVIDER,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            server_metadata_url=self.issuer.rstrip("/") + DISCOVERY_PATH,
            client_kwargs={
                "scope": SCOPE,
                "code_challenge_method": "S256",
                "timeout": HTTP_TIMEOUT_SECONDS,
            },
        )

    async def begin(self, request: Request) -> Response:
        """The redirect to the provider's sign-in page."""
        try:
            await self._metadata()
            return await self.client.authorize_redirect(request, self.redirect_uri)  # type: ignore[no-any-return]
        except UNANSWERED as error:
            log.warning("the identity provider %s does not answer: %s", self.issuer, error)
            raise SignInFailed(*UNAVAILABLE) from error

    async def finish(self, request: Request) -> RealNameIdentity:
        """The person the provider vouches for, from the callback's code."""
        try:
            await self._metadata()  # this replica may not have read it yet
            token = await self.client.authorize_access_token(request)
        except OAuthError as error:
            raise _refusal(error) from error
        except JoseError as error:
            log.warning("an ID token from %s did not verify: %s", self.issuer, error)
            raise SignInFailed(*BAD_TOKEN) from error
        except UNANSWERED as error:
            log.warning("the identity provider %s does not answer: %s", self.issuer, error)
            raise SignInFailed(*UNAVAILABLE) from error
        return self._identity(token.get("userinfo"))

    async def _metadata(self) -> dict[str, Any]:
        metadata: dict[str, Any] = await self.client.load_server_metadata()
        # OpenID Connect Discovery 4.3: a document naming another issuer is not this provider's.
        if metadata.get("issuer") != self.issuer:
            self.client.server_metadata.clear()  # look again next time
            raise ValueError(
                f"the discovery document names the issuer {metadata.get('issuer')!r}, "
                f"not {self.issuer!r}"
            )
        return metadata

    def _identity(self, claims: dict[str, Any] | None) -> RealNameIdentity:
        """The verified claims as an identity; one without a valid ID number is refused."""
        if not claims:  # no ID token at all
            log.warning("%s answered without an ID token", self.issuer)
            raise SignInFailed(*BAD_TOKEN)
        id_number = str(claims.get(self.id_number_claim) or "")
        subject, name = str(claims.get("sub") or ""), str(claims.get("name") or "")
        verdict = validate_citizen_id(id_number, today=date.today())
        if not subject or not name or not verdict.ok:
            # The verdict's repr masks the number.
            log.warning("an ID token from %s without a usable identity: %r", self.issuer, verdict)
            raise SignInFailed(*BAD_TOKEN)
        return RealNameIdentity(self.issuer, subject, name, id_number)


def _refusal(error: OAuthError) -> SignInFailed:
    if error.error == "mismatching_state":
        log.warning("a sign-in came back with a state this browser did not start")
        return SignInFailed(*STATE)
    if error.error == "access_denied":
        return SignInFailed(*DECLINED)
    log.warning("the identity provider refused a sign-in: %s %s", error.error, error.description)
    return SignInFailed(*BAD_TOKEN)
