"""Integration partners on the orchestrator's mutual-TLS port: a real orchestrator process, real
sockets, certificates from the platform PKI (issued and revoked with `onestop pki partner`)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import grpc
import pytest

from onestop.common.v1 import common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop_cli.client import load_form
from onestop_common.pki import PkiStore
from onestop_common.settings import Settings
from tests.integration.conftest import PlatformFactory
from tests.support.cases import SAMPLE
from tests.support.participant import credential

# Who a partner is comes from its TLS certificate and the CRL, not from the database server.
pytestmark = pytest.mark.db_independent

ECHO = {"ONESTOP_PARTICIPANTS": "echo"}


@dataclass(frozen=True)
class Partner:
    """What a partner holds: the files `onestop pki partner issue` hands over."""

    partner_id: str
    serial: str
    key: bytes
    certificate_chain: bytes
    trust: bytes


def _onestop(platform: PlatformFactory, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "onestop_cli.main", *args],
        env=platform.env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def issue(platform: PlatformFactory, partner_id: str, org: str = "") -> Partner:
    out_dir = platform.tmp_path / "handover" / partner_id
    args = ["pki", "partner", "issue", partner_id, "-o", str(out_dir)]
    serial = _onestop(platform, *args, *(["--org", org] if org else [])).splitlines()[0]
    return Partner(
        partner_id,
        serial,
        (out_dir / f"{partner_id}.key.pem").read_bytes(),
        (out_dir / f"{partner_id}.cert.pem").read_bytes(),
        (out_dir / "ca.pem").read_bytes(),
    )


@contextmanager
def partner_stub(
    settings: Settings,
    trust: bytes,
    key: bytes | None = None,
    certificate_chain: bytes | None = None,
) -> Iterator[pb_grpc.OneStopServiceStub]:
    credentials = grpc.ssl_channel_credentials(trust, key, certificate_chain)
    with grpc.secure_channel(settings.partner_grpc_target(), credentials) as channel:
        yield pb_grpc.OneStopServiceStub(channel)


@contextmanager
def as_partner(settings: Settings, partner: Partner) -> Iterator[pb_grpc.OneStopServiceStub]:
    with partner_stub(settings, partner.trust, partner.key, partner.certificate_chain) as stub:
        yield stub


def submit(stub: pb_grpc.OneStopServiceStub, key: str) -> pb.Application:
    request = pb.SubmitApplicationRequest(idempotency_key=key, form=load_form(SAMPLE))
    return stub.SubmitApplication(request, timeout=30).application


def start(platform: PlatformFactory) -> Settings:
    settings = platform.start(("orchestrator",), **ECHO).settings
    assert settings.partner_grpc_port() == platform.port_base + 40
    return settings


def test_partner_submits_and_reads_its_case_by_certificate_alone(platform, stub):
    settings = start(platform)
    partner = issue(platform, "acme-bank", "Acme Bank 股份有限公司")
    with as_partner(settings, partner) as partner_api:
        app = submit(partner_api, "acme-1")
        assert app.applicant_id == "partner:acme-bank"
        again = partner_api.GetApplication(
            pb.GetApplicationRequest(case_id=app.case_id), timeout=10
        )
        assert again.application.case_id == app.case_id
        assert again.application.applicant_id == "partner:acme-bank"
        listed = partner_api.ListApplications(pb.ListApplicationsRequest(), timeout=10)
        assert [a.case_id for a in listed.applications] == [app.case_id]
        # The same submission again is the same case (idempotency keys are per applicant).
        assert submit(partner_api, "acme-1").case_id == app.case_id
        # A partner acts on its own cases as an entrepreneur does: here it cancels one.
        spare = submit(partner_api, "acme-2")
        cancelled = partner_api.CancelApplication(
            pb.CancelApplicationRequest(case_id=spare.case_id, reason="客户撤回 / withdrawn"),
            timeout=10,
        ).application
        assert cancelled.state in (
            common_pb2.CASE_STATE_COMPENSATING,
            common_pb2.CASE_STATE_FAILED,
        )
    # On the plain port nothing changed: bearer tokens, and staff see the partner's case.
    seen = stub.GetApplication(
        pb.GetApplicationRequest(case_id=app.case_id),
        metadata=credential(settings, "officer", "li.ming"),
        timeout=10,
    )
    assert seen.application.applicant_id == "partner:acme-bank"
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetApplication(pb.GetApplicationRequest(case_id=app.case_id), timeout=10)
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    # An entrepreneur account that happens to bear the partner's name owns nothing of it (nor
    # learns that it exists).
    namesake = credential(settings, "entrepreneur", "acme-bank")
    with pytest.raises(grpc.RpcError) as refused:
        stub.GetApplication(
            pb.GetApplicationRequest(case_id=app.case_id), metadata=namesake, timeout=10
        )
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as refused:
        stub.CancelApplication(
            pb.CancelApplicationRequest(case_id=app.case_id, reason="not mine"),
            metadata=namesake,
            timeout=10,
        )
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND


def test_handshake_fails_without_a_certificate_or_with_another_pkis(platform, tmp_path):
    settings = start(platform)
    partner = issue(platform, "acme-bank")
    with as_partner(settings, partner) as partner_api:
        submit(partner_api, "works")  # the port is open and the partner gets through
    foreign = PkiStore(tmp_path / "foreign-pki", b"another platform's kek")
    foreign.init()
    impostor = foreign.issue_partner("acme-bank")
    clients = {
        "no certificate": (None, None),
        "another PKI's certificate": (impostor.key_pem(), impostor.certificate_chain_pem()),
    }
    for what, (key, chain) in clients.items():
        with partner_stub(settings, partner.trust, key, chain) as partner_api:
            with pytest.raises(grpc.RpcError) as caught:
                submit(partner_api, f"refused-{what}")
            assert caught.value.code() == grpc.StatusCode.UNAVAILABLE, what


def test_a_revoked_certificate_is_refused_while_another_partners_works(platform):
    settings = start(platform)
    revoked, other = issue(platform, "acme-bank"), issue(platform, "globex")
    with as_partner(settings, revoked) as revoked_api, as_partner(settings, other) as other_api:
        submit(revoked_api, "before")
        submit(other_api, "before")
        out = _onestop(platform, "pki", "partner", "revoke", revoked.serial, "--reason", "key lost")
        assert revoked.serial in out
        # The same connection, already past its handshake: the next call is refused.
        with pytest.raises(grpc.RpcError) as caught:
            revoked_api.ListApplications(pb.ListApplicationsRequest(), timeout=10)
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "revoked" in caught.value.details() and "吊销" in caught.value.details()
        assert submit(other_api, "after").applicant_id == "partner:globex"
    with as_partner(settings, revoked) as fresh:
        with pytest.raises(grpc.RpcError) as caught:
            submit(fresh, "after")
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    listing = _onestop(platform, "pki", "partner", "list")
    assert revoked.serial in listing and "key lost" in listing and other.serial in listing


def test_partners_see_only_their_own_cases_and_no_token_changes_who_they_are(platform):
    settings = start(platform)
    acme, globex = issue(platform, "acme-bank"), issue(platform, "globex")
    with as_partner(settings, acme) as acme_api, as_partner(settings, globex) as globex_api:
        case_id = submit(acme_api, "acme-1").case_id
        with pytest.raises(grpc.RpcError) as caught:
            globex_api.GetApplication(pb.GetApplicationRequest(case_id=case_id), timeout=10)
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND
        listed = globex_api.ListApplications(
            pb.ListApplicationsRequest(applicant_id="acme-bank"), timeout=10
        )
        assert list(listed.applications) == []
        for role, subject in (("officer", "li.ming"), ("admin", "root"), ("partner", "globex")):
            with pytest.raises(grpc.RpcError) as caught:
                acme_api.GetApplication(
                    pb.GetApplicationRequest(case_id=case_id),
                    metadata=credential(settings, role, subject),
                    timeout=10,
                )
            assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED, role
            assert "client certificate" in caught.value.details()
            assert "客户端证书" in caught.value.details()
        # A token naming the partner itself is harmless.
        same = acme_api.GetApplication(
            pb.GetApplicationRequest(case_id=case_id),
            metadata=credential(settings, "partner", "acme-bank"),
            timeout=10,
        )
        assert same.application.applicant_id == "partner:acme-bank"


def test_revocation_ends_an_open_watch_and_a_partner_credential_is_refused_on_the_plain_port(
    platform, stub
):
    settings = start(platform)
    partner = issue(platform, "acme-bank")
    with as_partner(settings, partner) as partner_api:
        case_id = submit(partner_api, "watched").case_id  # no participants: it keeps running
        stream = partner_api.WatchApplication(
            pb.WatchApplicationRequest(case_id=case_id), timeout=60
        )
        assert next(stream).event.kind == pb.PROGRESS_EVENT_KIND_SNAPSHOT
        _onestop(platform, "pki", "partner", "revoke", partner.serial, "--reason", "contract ended")
        with pytest.raises(grpc.RpcError) as caught:
            for _ in stream:
                pass
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "revoked" in caught.value.details() and "吊销" in caught.value.details()
    # Going round the partner port with a partner credential does not work either.
    with pytest.raises(grpc.RpcError) as refused:
        stub.GetApplication(
            pb.GetApplicationRequest(case_id=case_id),
            metadata=credential(settings, "partner", "acme-bank"),
            timeout=10,
        )
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "partner port" in refused.value.details() and "合作方端口" in refused.value.details()
