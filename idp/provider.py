"""The authorization server behind the local provider's pages, built from Authlib's pieces: the
authorization-code grant with PKCE (S256 required) and OpenID Connect ID tokens signed RS256.

What it keeps (codes, access tokens, nonces seen) lives in memory: a code is good for one try
within a minute, and a restart only means signing in again.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from authlib.common.security import generate_token
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeGrant,
    AuthorizationServer,
    ClientMixin,
    InvalidRequestError,
    OAuth2Payload,
    OAuth2Request,
    scope_to_list,
)
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import OpenIDCode
from authlib.oidc.core.models import AuthorizationCodeMixin
from joserfc.jwk import RSAKey

from idp.identities import Identity
from idp.keys import ALGORITHM, SigningKey

log = logging.getLogger(__name__)

SCOPES = ("openid", "profile")
# The claim that carries the verified citizen ID number (ONESTOP_OIDC_ID_NUMBER_CLAIM on the
# portal names the one a real provider uses).
ID_NUMBER_CLAIM = "id_number"
CODE_SECONDS = 60
TOKEN_SECONDS = 600
CLIENT_AUTH_METHODS = ("client_secret_basic", "client_secret_post")


@dataclass(frozen=True)
class Client(ClientMixin):  # type: ignore[misc]
    """The one registered client: the portal, sending citizens back to one redirect URI."""

    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_allowed_scope(self, scope: str | None) -> str:
        return " ".join(s for s in scope_to_list(scope or "") or [] if s in SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri == self.redirect_uri

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(client_secret.encode(), self.client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint != "token" or method in CLIENT_AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass(frozen=True)
class Code(AuthorizationCodeMixin):  # type: ignore[misc]
    """An authorization code: who was chosen, for which client, and the PKCE challenge."""

    code: str = field(repr=False)
    client_id: str
    redirect_uri: str
    scope: str
    subject: str
    nonce: str
    code_challenge: str
    code_challenge_method: str
    auth_time: int
    expires_at: float

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time


@dataclass(frozen=True)
class Issued:
    """An access token's grant, for the userinfo endpoint."""

    subject: str
    scope: str
    expires_at: float


class Payload(OAuth2Payload):  # type: ignore[misc]
    """Request parameters with every value kept, so repeated parameters are refused."""

    def __init__(self, items: Sequence[tuple[str, str]]) -> None:
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in items:
            self._datalist[key].append(value)
        self._data = {key: values[0] for key, values in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class Request(OAuth2Request):  # type: ignore[misc]
    """An HTTP request as Authlib reads it (Starlette's is async; this one is read already)."""

    def __init__(
        self,
        method: str,
        uri: str,
        headers: Mapping[str, str],
        params: Sequence[tuple[str, str]],
        *,
        query: Sequence[tuple[str, str]] = (),
        form: Sequence[tuple[str, str]] = (),
    ) -> None:
        """``params``: the OAuth parameters (the authorization request's query, the token
        request's form body)."""
        super().__init__(method, uri, headers=headers)
        self.payload = Payload(params)
        self._query = dict(query)
        self._form = dict(form)

    @property
    def args(self) -> dict[str, str]:
        return self._query

    @property
    def form(self) -> dict[str, str]:
        return self._form


class S256Challenge(CodeChallenge):  # type: ignore[misc]
    """PKCE for every client, confidential ones too, and only with S256 (RFC 9700 2.1.1)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # noqa: RUF012 - Authlib's class attribute

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
            raise InvalidRequestError(
                "PKCE is required: send code_challenge with code_challenge_method=S256",
                redirect_uri=redirect_uri,
            )
        super().validate_code_challenge(grant, redirect_uri)


class IdTokens(OpenIDCode):  # type: ignore[misc]
    """ID tokens: RS256 with the provider's key; sub, name and the verified ID number."""

    def __init__(self, provider: Provider) -> None:
        super().__init__(require_nonce=True)
        self.provider = provider

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return self.provider.nonce_seen(nonce)

    def resolve_client_private_key(self, client: Client) -> RSAKey:
        return self.provider.key.key

    def get_client_algorithm(self, client: Client) -> str:
        return ALGORITHM

    def get_encode_header(self, client: Client) -> dict[str, str]:
        return {"alg": ALGORITHM, "kid": self.provider.key.kid, "typ": "JWT"}

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        now = int(self.provider.clock())
        return {"iss": self.provider.issuer, "aud": client.client_id, "iat": now, "exp": now + 600}

    def generate_user_info(self, user: Identity, scope: str) -> dict[str, str]:
        return claims_of(user)


class CodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = list(CLIENT_AUTH_METHODS)  # noqa: RUF012 - Authlib's attribute

    @property
    def provider(self) -> Provider:
        return self.server  # type: ignore[no-any-return]

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        self.provider.keep_code(code, request)

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        return self.provider.take_code(code, client)

    def delete_authorization_code(self, authorization_code: Code) -> None:
        """Taken already when it was looked up: a code is good for one try."""

    def authenticate_user(self, authorization_code: Code) -> Identity | None:
        return self.provider.identities.get(authorization_code.subject)


def claims_of(identity: Identity) -> dict[str, str]:
    return {"sub": identity.subject, "name": identity.name, ID_NUMBER_CLAIM: identity.id_number}


class Provider(AuthorizationServer):  # type: ignore[misc]
    def __init__(
        self,
        *,
        issuer: str,
        client: Client,
        identities: Mapping[str, Identity],
        key: SigningKey,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(scopes_supported=list(SCOPES))
        self.issuer = issuer
        self.client = client
        self.identities = dict(identities)
        self.key = key
        self.clock = clock
        self._codes: dict[str, Code] = {}
        self._tokens: dict[str, Issued] = {}
        self._nonces: dict[str, float] = {}
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                lambda **_: generate_token(42), expires_generator=lambda *_: TOKEN_SECONDS
            ),
        )
        self.register_grant(CodeGrant, [S256Challenge(required=True), IdTokens(self)])

    # Authlib's framework hooks: our requests are built already; responses are plain triples.

    def query_client(self, client_id: str) -> Client | None:
        return self.client if client_id == self.client.client_id else None

    def create_oauth2_request(self, request: Request) -> Request:
        return request

    def handle_response(
        self, status: int, body: Any, headers: Sequence[tuple[str, str]]
    ) -> tuple[int, Any, list[tuple[str, str]]]:
        return status, body, list(headers)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        expires_at = self.clock() + TOKEN_SECONDS
        self._tokens[token["access_token"]] = Issued(
            request.user.subject, token["scope"], expires_at
        )

    # What the provider remembers.

    def keep_code(self, code: str, request: OAuth2Request) -> None:
        self._forget_expired()
        data = request.payload.data
        now = self.clock()
        self._codes[code] = Code(
            code=code,
            client_id=request.client.client_id,
            redirect_uri=request.payload.redirect_uri or request.client.redirect_uri,
            scope=request.scope,
            subject=request.user.subject,
            nonce=data.get("nonce", ""),
            code_challenge=data.get("code_challenge", ""),
            code_challenge_method=data.get("code_challenge_method", ""),
            auth_time=int(now),
            expires_at=now + CODE_SECONDS,
        )
        if data.get("nonce"):
            self._nonces[data["nonce"]] = now + CODE_SECONDS
        log.info("code issued for %r", request.user)

    def take_code(self, code: str, client: Client) -> Code | None:
        found = self._codes.pop(code, None)
        if found is None or found.client_id != client.client_id or found.expires_at < self.clock():
            return None
        return found

    def nonce_seen(self, nonce: str) -> bool:
        self._forget_expired()
        return nonce in self._nonces

    def userinfo(self, access_token: str) -> dict[str, str] | None:
        issued = self._tokens.get(access_token)
        if issued is None or issued.expires_at < self.clock() or "openid" not in issued.scope:
            return None
        identity = self.identities.get(issued.subject)
        return claims_of(identity) if identity else None

    def _forget_expired(self) -> None:
        now = self.clock()
        for store in (self._codes, self._tokens):
            for key in [k for k, v in store.items() if v.expires_at < now]:
                del store[key]
        for nonce in [n for n, until in self._nonces.items() if until < now]:
            del self._nonces[nonce]

    def discovery(self) -> dict[str, Any]:
        """The OpenID Provider metadata (OpenID Connect Discovery 1.0, section 3)."""
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [ALGORITHM],
            "scopes_supported": list(SCOPES),
            "token_endpoint_auth_methods_supported": list(CLIENT_AUTH_METHODS),
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "name", ID_NUMBER_CLAIM, "iss", "aud", "nonce"],
        }
