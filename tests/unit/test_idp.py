"""The local OpenID Connect provider (idp/), in process: its discovery document, the
authorization-code flow with PKCE, ID tokens that verify against its JWKS, and the requests it
refuses. The test identities are the persons the sample application names."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from authlib.oidc.discovery import OpenIDProviderMetadata
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette suggests httpx2; httpx works the same here
    from starlette.testclient import TestClient

from idp import keys
from idp.app import create_app, provider_for
from idp.identities import load_identities
from onestop_cli.demo import SAMPLE
from onestop_common.settings import Settings, load_settings

SUBJECT = "tj-test-0001"  # 张伟, the sample's legal representative


@dataclass
class Flow:
    """One authorization request's secrets, as a client keeps them."""

    verifier: str
    state: str
    nonce: str

    @classmethod
    def new(cls) -> Flow:
        return cls(secrets.token_urlsafe(48), secrets.token_urlsafe(16), secrets.token_urlsafe(16))

    def params(self, settings: Settings, **changes: str) -> dict[str, str]:
        digest = hashlib.sha256(self.verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        params = {
            "response_type": "code",
            "client_id": settings.oidc_client_id,
            "redirect_uri": settings.oidc_redirect_uri,
            "scope": "openid profile",
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        params.update(changes)
        return params


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return load_settings(
        {
            "ONESTOP_DATA_DIR": str(tmp_path_factory.mktemp("idp")),
            "ONESTOP_HTTP_PORT_BASE": "9100",
        }
    )


@pytest.fixture(scope="module")
def client(settings: Settings) -> TestClient:
    provider = provider_for(settings)
    # The provider's own address: Authlib refuses plain HTTP anywhere but on loopback.
    return TestClient(create_app(provider), base_url=provider.issuer, follow_redirects=False)


def choose(client: TestClient, settings: Settings, flow: Flow, subject: str = SUBJECT) -> str:
    """Picks an identity on the provider's page; the code it sends back to the portal."""
    response = client.post("/authorize", params=flow.params(settings), data={"subject": subject})
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(settings.oidc_redirect_uri + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == [flow.state]
    return query["code"][0]


def exchange(client: TestClient, settings: Settings, code: str, verifier: str) -> dict:
    response = client.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": settings.oidc_redirect_uri,
            "code_verifier": verifier,
        },
        auth=(settings.oidc_client_id, settings.oidc_client_secret),
    )
    return {"status": response.status_code, **response.json()}


# ---------------------------------------------------------------------------- discovery, keys


def test_the_discovery_document_is_valid_and_names_the_issuers_endpoints(client, settings) -> None:
    document = client.get("/.well-known/openid-configuration").json()
    OpenIDProviderMetadata(document).validate()
    assert document["issuer"] == settings.oidc_issuer_url
    for name in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
        assert document[name].startswith(settings.oidc_issuer_url + "/")
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]


def test_the_jwks_publishes_the_public_key_only(client) -> None:
    published = client.get("/jwks").json()["keys"]
    assert len(published) == 1 and published[0]["kty"] == "RSA" and published[0]["kid"]
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(published[0])


def test_the_signing_key_is_kept_encrypted_and_survives_a_restart(settings) -> None:
    path = settings.data_dir / keys.KEY_FILE
    first = keys.load_or_create(settings.data_dir, settings.kek)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert b"ENCRYPTED PRIVATE KEY" in path.read_bytes()
    assert keys.load_or_create(settings.data_dir, settings.kek).kid == first.kid
    assert "PRIVATE" not in repr(first) and repr(first) == "SigningKey()"


# ---------------------------------------------------------------------------- the code flow


def test_the_identity_page_lists_the_test_identities_with_masked_id_numbers(
    client, settings
) -> None:
    page = client.get("/authorize", params=Flow.new().params(settings))
    assert page.status_code == 200
    assert page.headers["x-frame-options"] == "DENY"
    for identity in load_identities().values():
        assert identity.name in page.text and identity.masked_id_number in page.text
        assert identity.id_number not in page.text


def test_a_code_and_its_verifier_get_an_id_token_that_verifies_with_the_jwks(
    client, settings
) -> None:
    flow = Flow.new()
    token = exchange(client, settings, choose(client, settings, flow), flow.verifier)
    assert token["status"] == 200 and token["token_type"] == "Bearer"
    key_set = KeySet.import_key_set(client.get("/jwks").json())
    decoded = jwt.decode(token["id_token"], key_set, algorithms=["RS256"])
    assert decoded.header["alg"] == "RS256"
    claims = decoded.claims
    assert claims["iss"] == settings.oidc_issuer_url
    assert claims["aud"] == settings.oidc_client_id
    assert claims["nonce"] == flow.nonce
    assert (claims["sub"], claims["name"], claims["id_number"]) == (
        SUBJECT,
        "张伟",
        "120115198503120033",
    )
    assert claims["exp"] > claims["iat"]
    # The access token reads the same person at the userinfo endpoint.
    info = client.get("/userinfo", headers={"authorization": f"Bearer {token['access_token']}"})
    assert info.json() == {"sub": SUBJECT, "name": "张伟", "id_number": "120115198503120033"}


def test_an_id_token_with_another_id_number_written_in_does_not_verify(client, settings) -> None:
    flow = Flow.new()
    token = exchange(client, settings, choose(client, settings, flow), flow.verifier)
    header, payload, signature = token["id_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["id_number"] = "120115199006070041"
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    key_set = KeySet.import_key_set(client.get("/jwks").json())
    with pytest.raises(BadSignatureError):
        jwt.decode(f"{header}.{forged_payload}.{signature}", key_set, algorithms=["RS256"])


def test_a_wrong_verifier_is_refused_and_the_code_is_spent(client, settings) -> None:
    flow = Flow.new()
    code = choose(client, settings, flow)
    refused = exchange(client, settings, code, secrets.token_urlsafe(48))
    assert refused["status"] == 400 and refused["error"] == "invalid_grant"
    assert "id_token" not in refused
    # One try per code: the right verifier after a wrong one is too late.
    assert exchange(client, settings, code, flow.verifier)["error"] == "invalid_grant"


def test_a_code_is_exchanged_once(client, settings) -> None:
    flow = Flow.new()
    code = choose(client, settings, flow)
    assert exchange(client, settings, code, flow.verifier)["status"] == 200
    assert exchange(client, settings, code, flow.verifier)["error"] == "invalid_grant"


def test_the_client_must_prove_its_secret(client, settings) -> None:
    flow = Flow.new()
    response = client.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": choose(client, settings, flow),
            "redirect_uri": settings.oidc_redirect_uri,
            "code_verifier": flow.verifier,
        },
        auth=(settings.oidc_client_id, "not the secret"),
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    "changes",
    [
        {"code_challenge": "", "code_challenge_method": ""},  # no PKCE at all
        {"code_challenge_method": "plain"},  # PKCE without the hash
        {"nonce": ""},  # an ID token nobody can bind to the sign-in that asked for it
    ],
)
def test_requests_without_s256_pkce_or_a_nonce_go_back_refused(client, settings, changes) -> None:
    flow = Flow.new()
    params = {k: v for k, v in flow.params(settings, **changes).items() if v}
    response = client.get("/authorize", params=params)
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["error"] == ["invalid_request"] and "code" not in query


def test_a_nonce_is_accepted_once(client, settings) -> None:
    flow = Flow.new()
    choose(client, settings, flow)
    replay = client.post("/authorize", params=flow.params(settings), data={"subject": SUBJECT})
    assert parse_qs(urlsplit(replay.headers["location"]).query)["error"] == ["invalid_request"]


def test_a_foreign_redirect_uri_is_refused_on_the_providers_own_page(client, settings) -> None:
    params = Flow.new().params(settings, redirect_uri="https://attacker.example/cb")
    for response in (
        client.get("/authorize", params=params),
        client.post("/authorize", params=params, data={"subject": SUBJECT}),
    ):
        assert response.status_code == 400 and "location" not in response.headers
        assert "未在本身份提供方登记" in response.text


def test_declining_tells_the_client_access_denied(client, settings) -> None:
    flow = Flow.new()
    response = client.post("/authorize", params=flow.params(settings), data={"subject": "-"})
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["error"] == ["access_denied"] and query["state"] == [flow.state]


def test_userinfo_needs_a_valid_access_token(client) -> None:
    assert client.get("/userinfo").status_code == 401
    response = client.get("/userinfo", headers={"authorization": "Bearer made-up"})
    assert response.status_code == 401 and "invalid_token" in response.headers["www-authenticate"]


# ---------------------------------------------------------------------------- test identities


def _people(node: object) -> dict[str, str]:
    """ID number → name of every person the form names."""
    found: dict[str, str] = {}
    if isinstance(node, dict):
        if node.get("id_type") == "ID_TYPE_CITIZEN_ID":
            found[node["id_number"]] = node["name"]
        for value in node.values():
            found.update(_people(value))
    elif isinstance(node, list):
        for value in node:
            found.update(_people(value))
    return found


def test_every_person_the_sample_application_names_is_a_test_identity() -> None:
    people = _people(json.loads(Path(SAMPLE).read_text(encoding="utf-8")))
    assert len(people) >= 5
    identities = {i.id_number: i.name for i in load_identities().values()}
    assert people.items() <= identities.items()


def test_an_identity_with_a_bad_check_character_stops_the_provider(tmp_path: Path) -> None:
    bad = tmp_path / "identities.csv"
    bad.write_text("sub,name,id_number,note\nx,张伟,120115198503120034,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2"):
        load_identities(bad)


def test_an_identity_never_shows_its_whole_id_number_in_a_repr() -> None:
    identity = load_identities()[SUBJECT]
    assert identity.id_number not in repr(identity)
