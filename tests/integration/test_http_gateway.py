"""The public API (onestop.partner.v1) as JSON over HTTP (issue 16): the gateway process, started
as `onestop up` starts it, transcodes each google.api.http rule to a real gRPC call to a real
orchestrator; errors come back as AIP-193 JSON with the HTTP status google.rpc.Code maps them to;
and schemathesis holds every operation to the OpenAPI document generated from the protos."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gateway.app import OPENAPI_PATH, SERVICE
from gateway.openapi import openapi_document
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop_common.identity import Role, bearer, issue_token
from onestop_common.settings import GATEWAY, SERVICES, Settings
from tests.integration.test_partner_mtls import Partner, _onestop, issue
from tests.support.cases import SAMPLE
from tests.support.infra import PlatformFactory, fresh_platform
from tests.support.participant import credential

# HTTP only: what it tests does not change with the orchestrator's database server.
pytestmark = pytest.mark.db_independent

UNKNOWN_CASE = "OS20250301-0000000000"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlatformFactory]:
    """The orchestrator, the five services as echo participants and the gateway (with the PKI
    `onestop up` makes, so its partner port is open); no signing server, so no bundle is ever
    ready."""
    with fresh_platform(tmp_path_factory.mktemp("gateway")) as factory:
        factory.start(("orchestrator", *SERVICES, GATEWAY), ONESTOP_PARTICIPANTS="echo")
        yield factory


@pytest.fixture(scope="module")
def platform(factory: PlatformFactory) -> Settings:
    return factory.supervisors[0].settings


@pytest.fixture(scope="module")
def base_url(platform: Settings) -> str:
    return f"http://{platform.gateway_host}:{platform.http_port(GATEWAY)}"


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def authorization(settings: Settings, who: str, role: str = "entrepreneur") -> dict[str, str]:
    ((_, value),) = credential(settings, role, who)
    return {"Authorization": value}


def sample_form(trade_name: str) -> dict[str, Any]:
    """The sample form in the partner package's JSON (amounts as Money, dates as Date)."""
    form = json.loads((SAMPLE.parent / "partner-application.json").read_text(encoding="utf-8"))
    form["name"]["trade_name"] = trade_name
    return form


def detail(body: dict[str, Any], kind: str) -> dict[str, Any]:
    (found,) = [d for d in body["error"]["details"] if d["@type"].endswith(f"/google.rpc.{kind}")]
    return found


def test_submit_get_and_list_by_pages(http, base_url, platform):
    me = authorization(platform, "http-ada")
    submitted = []
    for n in range(3):
        response = http.post(
            f"{base_url}/v1/applications",
            json={"idempotencyKey": f"http-{n}", "form": sample_form(f"网关{n}")},
            headers=me,
            timeout=30,
        )
        assert response.status_code == 200, response.text
        application = response.json()["application"]
        assert application["applicantId"] == "http-ada"
        submitted.append(application["caseId"])

    got = http.get(f"{base_url}/v1/applications/{submitted[0]}", headers=me, timeout=10)
    assert got.status_code == 200
    assert got.json()["application"]["caseId"] == submitted[0]

    seen: list[str] = []
    token = ""
    for _ in range(3):
        query: dict[str, Any] = {"page_size": 2, **({"page_token": token} if token else {})}
        page = http.get(f"{base_url}/v1/applications", params=query, headers=me, timeout=10)
        assert page.status_code == 200, page.text
        body = page.json()
        seen += [a["caseId"] for a in body.get("applications", [])]
        token = body.get("nextPageToken", "")
        if not token:
            break
    assert sorted(seen) == sorted(submitted)
    # The AIP-160 filter, and its refusal naming the parameter.
    running = http.get(
        f"{base_url}/v1/applications",
        params={"filter": "state = RUNNING OR state = COMPLETED", "page_size": 50},
        headers=me,
        timeout=10,
    )
    assert {a["caseId"] for a in running.json()["applications"]} == set(submitted)
    bad = http.get(f"{base_url}/v1/applications", params={"filter": "state ="}, headers=me)
    assert bad.status_code == 400
    assert detail(bad.json(), "BadRequest")["fieldViolations"][0]["field"] == "filter"

    # Watch: newline-delimited JSON, the snapshot first.
    with http.get(
        f"{base_url}/v1/applications/{submitted[0]}:watch",
        params={"after_sequence": "0"},
        headers=me,
        stream=True,
        timeout=10,
    ) as watch:
        assert watch.status_code == 200
        assert watch.headers["content-type"].startswith("application/x-ndjson")
        first = json.loads(next(watch.iter_lines()))
        assert first["application"]["caseId"] == submitted[0]


def test_bad_input_is_400_with_field_violations_in_the_callers_language(http, base_url, platform):
    form = sample_form("网关坏")
    form["legal_representative"]["name"] = ""
    form["contact"]["phone"] = "12"
    response = http.post(
        f"{base_url}/v1/applications",
        json={"idempotencyKey": "http-bad", "form": form},
        headers={**authorization(platform, "http-bob"), "Accept-Language": "en-GB,en;q=0.9"},
        timeout=30,
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT")
    violations = {v["field"]: v for v in detail(response.json(), "BadRequest")["fieldViolations"]}
    assert set(violations) == {"form.legal_representative.name", "form.contact.phone"}
    assert violations["form.contact.phone"]["reason"] == "PHONE_FORMAT"
    assert detail(response.json(), "LocalizedMessage")["locale"] == "en"


def test_a_field_the_contract_does_not_know_is_400(http, base_url, platform):
    response = http.post(
        f"{base_url}/v1/applications",
        json={"idempotencyKey": "http-x", "formm": {}},
        headers=authorization(platform, "http-bob"),
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert "formm" in response.json()["error"]["message"]
    unknown_query = http.get(
        f"{base_url}/v1/applications",
        params={"colour": "red"},
        headers=authorization(platform, "b"),
    )
    assert unknown_query.status_code == 400
    assert detail(unknown_query.json(), "BadRequest")["fieldViolations"][0]["field"] == "colour"


def test_unknown_case_is_404_and_no_credential_401(http, base_url, platform):
    unknown = http.get(
        f"{base_url}/v1/applications/{UNKNOWN_CASE}",
        headers=authorization(platform, "c"),
        timeout=10,
    )
    assert unknown.status_code == 404
    assert unknown.json()["error"]["status"] == "NOT_FOUND"
    assert detail(unknown.json(), "ErrorInfo")["reason"] == "CASE_NOT_FOUND"

    anonymous = http.get(f"{base_url}/v1/applications", timeout=10)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["status"] == "UNAUTHENTICATED"


def test_a_bundle_not_ready_is_400_failed_precondition(http, base_url, platform):
    me = authorization(platform, "http-dora")
    created = http.post(
        f"{base_url}/v1/applications",
        json={"idempotencyKey": "http-bundle", "form": sample_form("网关包")},
        headers=me,
        timeout=30,
    )
    case_id = created.json()["application"]["caseId"]
    bundle = http.get(f"{base_url}/v1/applications/{case_id}/bundle", headers=me, timeout=10)
    assert bundle.status_code == 400
    assert bundle.json()["error"]["status"] == "FAILED_PRECONDITION"


def test_the_served_document_is_the_generated_one_and_docs_copy_is_current(http, base_url):
    served = http.get(f"{base_url}{OPENAPI_PATH}", timeout=10).json()
    generated = openapi_document(SERVICE)
    assert served == generated
    committed = json.loads((REPO / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert committed == generated, "docs/openapi.json is stale: run scripts/gen_openapi.py"


def partner_session(factory: PlatformFactory, partner: Partner) -> requests.Session:
    """A session holding the files `onestop pki partner issue` hands over."""
    folder = factory.tmp_path / "handover" / partner.partner_id
    session = requests.Session()
    session.cert = (
        str(folder / f"{partner.partner_id}.cert.pem"),
        str(folder / f"{partner.partner_id}.key.pem"),
    )
    session.verify = str(folder / "ca.pem")
    # REQUESTS_CA_BUNDLE (set on CI machines) would otherwise replace the platform's CA.
    session.trust_env = False
    return session


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_partners_use_their_client_certificate_until_it_is_revoked(factory, platform, http):
    partner_url = f"https://127.0.0.1:{platform.gateway_partner_listen_port()}"
    acme = issue(factory, "gw-acme")
    with partner_session(factory, acme) as acme_http:
        created = acme_http.post(
            f"{partner_url}/v1/applications",
            json={"idempotencyKey": "acme-1", "form": sample_form("网关伙伴")},
            # The certificate decides who is calling: a header naming someone else is not read.
            headers=authorization(platform, "mallory"),
            timeout=30,
        )
        assert created.status_code == 200, created.text
        assert created.json()["application"]["applicantId"] == "partner:gw-acme"
        mine = acme_http.get(f"{partner_url}/v1/applications", timeout=10).json()
        assert [a["applicantId"] for a in mine["applications"]] == ["partner:gw-acme"]

        _onestop(factory, "pki", "partner", "revoke", acme.serial, "--reason", "key lost")
        refused = acme_http.get(f"{partner_url}/v1/applications", timeout=10)
        assert refused.status_code == 401
        assert "revoked" in refused.json()["error"]["message"]

    # No certificate, no TLS session on that port (TLS 1.3 says so after the handshake).
    with pytest.raises((requests.exceptions.SSLError, requests.exceptions.ConnectionError)):
        http.get(f"{partner_url}/v1/applications", verify=False, timeout=10)
    # A partner credential on the plain port is refused ...
    as_partner = {
        "Authorization": bearer(
            issue_token(platform.token_secret, subject="gw-acme", role=Role.PARTNER)
        )[0][1]
    }
    assert (
        http.get(f"{_base(platform)}/v1/applications", headers=as_partner, timeout=10).status_code
        == 401
    )
    # ... and the orchestrator checks the revocation list again for the gateway's credential.
    with (
        grpc.insecure_channel(platform.grpc_target("orchestrator")) as channel,
        pytest.raises(grpc.RpcError) as caught,
    ):
        pb_grpc.OneStopServiceStub(channel).ListApplications(
            pb.ListApplicationsRequest(),
            metadata=bearer(
                issue_token(
                    platform.token_secret,
                    subject="gw-acme",
                    role=Role.PARTNER,
                    certificate_serial=int(acme.serial, 16),
                )
            ),
            timeout=10,
        )
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "revoked" in caught.value.details()


def _base(settings: Settings) -> str:
    return f"http://{settings.gateway_host}:{settings.http_port(GATEWAY)}"


# The fuzzing phase only (max_examples per operation): the coverage phase's boundary cases for
# every field of the one form cost more time than CI has for this module.
schema = schemathesis.openapi.from_dict(
    openapi_document(SERVICE),
    config=SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}}),
)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_answers_as_its_schema_says(case, base_url, platform, http):
    """Generated requests (with a valid credential) never get a 5xx, and every answer conforms
    to the document: status, content type and body."""
    case.call_and_validate(
        base_url=base_url,
        session=http,
        headers=authorization(platform, "schemathesis"),
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
        timeout=30,
    )
