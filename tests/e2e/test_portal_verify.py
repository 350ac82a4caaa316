"""The public verification page against the real platform (the session's, shared with the
other portal tests): a license is issued, its case withdrawn so the license is revoked, and the
page its QR code opens reports it revoked, in a browser that never signed in."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from onestop.common.v1 import common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop.registration.v1 import registration_pb2 as reg_pb
from onestop.registration.v1 import registration_pb2_grpc as reg_grpc
from onestop_common.verification import PLACEHOLDER_BASE, parse_verification_url
from tests.e2e.conftest import Platform
from tests.e2e.pages import fresh_form
from tests.support.cases import watch_for, watch_until
from tests.support.participant import credential
from tests.support.staff import Staff

# The public page over a live platform: run once (SQLite). License status and revocation on
# PostgreSQL are covered by the registration service's integration tests.
pytestmark = pytest.mark.once


def _license_done(app: pb.Application) -> bool:
    return any(s.name == "license" and s.state == common_pb2.STEP_STATE_DONE for s in app.steps)


def test_a_revoked_license_is_reported_revoked_on_the_page_its_qr_code_opens(
    platform: Platform, new_page: Any
) -> None:
    settings, applicant = platform.settings, f"verify-{uuid.uuid4().hex[:6]}"
    me = credential(settings, "entrepreneur", subject=applicant)
    with Staff(settings, steps=["license"]) as staff:
        stub = pb_grpc.OneStopServiceStub(staff.channels["orchestrator"])
        case_id = stub.SubmitApplication(
            pb.SubmitApplicationRequest(idempotency_key=uuid.uuid4().hex, form=fresh_form()),
            metadata=me,
            timeout=30,
        ).application.case_id
        staff.cases.add(case_id)
        watch_for(stub, settings, case_id, _license_done, applicant=applicant, timeout=90)
        registry = reg_grpc.RegistrationServiceStub(staff.channels["registration"])
        license_ = registry.GetLicense(
            reg_pb.GetLicenseRequest(case_id=case_id), metadata=me, timeout=30
        ).license
        # What the license's QR code carries (license_pdf draws qr_payload): the public page,
        # on the reserved name since this platform has no public address configured.
        url = license_.qr_payload
        assert url.startswith(f"{PLACEHOLDER_BASE}/verify/") and "127.0.0.1" not in url
        target = parse_verification_url(url)
        assert target is not None
        assert (target.uscc, target.license_number, target.version) == (
            license_.uscc,
            license_.license_number,
            1,
        )
        stub.CancelApplication(
            pb.CancelApplicationRequest(case_id=case_id, reason="changed our plans"),
            metadata=me,
            timeout=30,
        )
        final, _ = watch_until(stub, settings, case_id, applicant=applicant, timeout=90)
    assert final.state == common_pb2.CASE_STATE_COMPENSATED

    page = new_page()
    parts = urlsplit(url)
    page.goto(f"{platform.url}{parts.path}?{parts.query}")
    status = page.locator("#license-status")
    expect(status).to_have_attribute("data-state", "revoked")
    expect(status).to_contain_text("已吊销")
    expect(page.locator("#company-name")).to_have_text(license_.company_name)
    expect(page.locator("#revocation-category")).to_contain_text("企业开办未完成")
    body = page.locator("main").inner_text()
    assert license_.legal_representative not in body and "changed our plans" not in body
    assert f"{license_.legal_representative[0]}*" in body
