"""Each person an application names signs it in the portal after real-name sign-in, over HTTP:
the whole platform with signatures required, the local identity provider as its own process,
the portal (Starlette's TestClient) as each person's browser. The case starts only when the last
person has signed, and completes; a local account without a verified identity is sent to
real-name sign-in and cannot sign."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette suggests httpx2; httpx works the same here
    from starlette.testclient import TestClient

from onestop.common.v1 import common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop_common.settings import IDP, Settings
from portal.app import create_app
from portal.store import PortalStore
from tests.e2e.test_person_signatures import electronic_form, submit
from tests.e2e.test_portal_realname import LI_NA, WANG_FANG, ZHANG_WEI, choose, start
from tests.support.cases import EventRecorder
from tests.support.infra import fresh_platform
from tests.support.participant import credential
from tests.support.portal import PASSWORD, csrf_of, portal_store, sign_in
from tests.support.staff import PLATFORM, THURSDAY_MORNING

# The pages are the same on either database; the engine's side of signing runs on both in
# test_person_signatures.
pytestmark = pytest.mark.db_independent

APPLICANT = "signing-applicant"


@dataclass
class World:
    settings: Settings
    store: PortalStore

    def browser(self) -> TestClient:
        app = create_app(self.settings, store=self.store)
        return TestClient(app, base_url=self.settings.portal_url, follow_redirects=False)

    def password_browser(self, username: str) -> TestClient:
        """A browser signed in with a local account of that name (made if missing)."""
        if self.store.get(username) is None:
            self.store.add_user(username, PASSWORD, "entrepreneur")
        browser = self.browser()
        sign_in(browser, username)
        return browser

    def signed_in(self, identity: tuple[str, str, str]) -> TestClient:
        """A browser signed in through the provider as ``identity`` (subject, name, ID)."""
        browser = self.browser()
        back = choose(start(browser), identity[0])
        assert browser.get(back).status_code in (302, 303)
        return browser


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with fresh_platform(tmp_path_factory.mktemp("portal-signing")) as factory:
        supervisor = factory.start(
            (*PLATFORM, IDP),
            ONESTOP_AUTO_APPROVE="all",
            ONESTOP_PERSON_SIGNATURES="required",
            ONESTOP_CLOCK_START=THURSDAY_MORNING,
        )
        with portal_store(supervisor.settings) as store:
            yield World(supervisor.settings, store)


def as_the_applicant(
    world: World, stub: pb_grpc.OneStopServiceStub, case_id: str
) -> pb.Application:
    """The case as the applicant's own client reads it."""
    answer = stub.GetApplication(
        pb.GetApplicationRequest(case_id=case_id),
        metadata=credential(world.settings, "entrepreneur", APPLICANT),
        timeout=30,
    )
    return answer.application


def sign_in_portal(browser: TestClient, case_id: str) -> None:
    listed = browser.get("/sign")
    assert listed.status_code == 200 and case_id in listed.text
    page = browser.get(f"/sign/{case_id}")
    assert page.status_code == 200
    digest = re.search(r'name="form_sha256" value="([0-9a-f]{64})"', page.text)
    assert digest, "the page offers no signing form"
    pdf = browser.get(f"/sign/{case_id}/application.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    signed = browser.post(
        f"/sign/{case_id}",
        data={"csrf_token": csrf_of(browser, f"/sign/{case_id}"), "form_sha256": digest.group(1)},
    )
    assert signed.status_code == 303, signed.text


def test_each_person_signs_in_the_portal_and_only_then_the_case_runs(world: World) -> None:
    with grpc.insecure_channel(world.settings.grpc_target("orchestrator")) as channel:
        stub = pb_grpc.OneStopServiceStub(channel)
        case_id = submit(world.settings, stub, electronic_form(11)).case_id
        for identity in (ZHANG_WEI, LI_NA):
            sign_in_portal(world.signed_in(identity), case_id)
        waiting = as_the_applicant(world, stub, case_id)
        assert waiting.state == common_pb2.CASE_STATE_AWAITING_SIGNATURES
        assert all(s.state == common_pb2.STEP_STATE_PENDING for s in waiting.steps)
        # The applicant's case page says who has signed and who has not.
        applicant = world.password_browser(APPLICANT)
        page = applicant.get(f"/cases/{case_id}").text
        assert "待各签署人确认签名" in page
        assert re.search(r"王芳 <code>[^<]+</code> — <span class=\"badge sign-waiting\">", page)
        assert re.search(r"李娜 <code>[^<]+</code> — <span class=\"badge sign-signed\">", page)

        last = world.signed_in(WANG_FANG)
        sign_in_portal(last, case_id)
        # Signed: the request is no longer offered for signing.
        assert 'name="form_sha256"' not in last.get(f"/sign/{case_id}").text
        final, _ = EventRecorder(
            stub, world.settings, case_id, applicant=APPLICANT, timeout=180
        ).wait(180)
    assert final.state == common_pb2.CASE_STATE_COMPLETED, final.failure_reason
    assert [s.state for s in final.signatures] == [pb.SIGNATURE_STATE_SIGNED] * 3


def test_declining_needs_a_reason_and_ends_the_application(world: World) -> None:
    with grpc.insecure_channel(world.settings.grpc_target("orchestrator")) as channel:
        stub = pb_grpc.OneStopServiceStub(channel)
        case_id = submit(world.settings, stub, electronic_form(12)).case_id
        browser = world.signed_in(LI_NA)
        no_reason = browser.post(
            f"/sign/{case_id}/decline",
            data={"csrf_token": csrf_of(browser, f"/sign/{case_id}"), "reason": "  "},
        )
        assert no_reason.status_code == 422 and "拒绝理由" in no_reason.text
        waiting = as_the_applicant(world, stub, case_id)
        assert waiting.state == common_pb2.CASE_STATE_AWAITING_SIGNATURES
        declined = browser.post(
            f"/sign/{case_id}/decline",
            data={"csrf_token": csrf_of(browser, f"/sign/{case_id}"), "reason": "我不是股东"},
        )
        assert declined.status_code == 303
        ended = as_the_applicant(world, stub, case_id)
    assert ended.state == common_pb2.CASE_STATE_FAILED
    assert "李娜" in ended.failure_reason and "我不是股东" in ended.failure_reason


def test_a_local_account_is_sent_to_real_name_sign_in(world: World) -> None:
    browser = world.password_browser("local-applicant")
    page = browser.get("/sign")
    assert page.status_code == 200 and "实名认证" in page.text
    assert 'href="/sign/' not in page.text
