"""Who may open what, in a real browser against the real platform: an applicant sees only their
own cases, a staff member only their own desk, and a form posted without its CSRF token is
refused."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from tests.e2e.conftest import Platform
from tests.e2e.pages import fresh_form, signed_in_page
from tests.support.participant import channel_to, credential

# Who may open what is the permission gate and the session, not the database server.
pytestmark = pytest.mark.db_independent


def _submit_as(platform: Platform, username: str) -> str:
    with channel_to(platform.settings, "orchestrator") as channel:
        response = pb_grpc.OneStopServiceStub(channel).SubmitApplication(
            pb.SubmitApplicationRequest(idempotency_key=uuid.uuid4().hex, form=fresh_form()),
            metadata=credential(platform.settings, "entrepreneur", subject=username),
            timeout=30,
        )
    return response.application.case_id  # type: ignore[no-any-return]


def test_an_entrepreneur_cannot_open_another_entrepreneurs_case(
    platform: Platform, new_page: Any
) -> None:
    owner = platform.user("entrepreneur")
    case_id = _submit_as(platform, owner.username)
    other = platform.user("entrepreneur")
    page = signed_in_page(new_page, other)

    # Not found, as an unknown case would be: whether another's case exists is not shown.
    for path in (f"/cases/{case_id}", f"/cases/{case_id}/events", f"/cases/{case_id}/bundle"):
        response = page.goto(path)
        assert response is not None and response.status == 404, path
        expect(page.locator("h1")).to_have_text("未找到")
    page.goto("/cases")
    expect(page.locator(f'a[href="/cases/{case_id}"]')).to_have_count(0)

    mine = signed_in_page(new_page, owner)
    response = mine.goto(f"/cases/{case_id}")
    assert response is not None and response.status == 200
    expect(mine.locator('li.step[data-step="license"]')).to_be_visible()


def test_a_seal_maker_cannot_open_the_officer_desk(
    platform: Platform, new_page: Any, screenshots: Path
) -> None:
    sealer = platform.user("seal_maker")
    page = signed_in_page(new_page, sealer)
    expect(page).to_have_url(f"{platform.url}/desk/seal_maker")
    for path in ("/desk/officer", "/desk/bank_clerk", "/admin", "/apply"):
        response = page.goto(path)
        assert response is not None and response.status == 403, path
        expect(page.locator("h1")).to_have_text("无权访问")
    page.screenshot(path=str(screenshots / "forbidden.png"))


def test_a_form_posted_without_its_csrf_token_is_refused(platform: Platform, new_page: Any) -> None:
    applicant = platform.user("entrepreneur")
    page = signed_in_page(new_page, applicant, "/apply")
    page.locator('[name="name.trade_name"]').fill("无令牌")
    page.evaluate("document.querySelector('#application-form input[name=csrf_token]').remove()")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="保存草稿").click()
    response = navigation.value
    assert response is not None and response.status == 403
    expect(page.locator("main")).to_contain_text("安全令牌")
    # The same request from the page's own session, without the token: refused too.
    refused = page.request.post("/apply", form={"do": "draft", "name.trade_name": "无令牌"})
    assert refused.status == 403
    page.goto("/cases")
    expect(page.locator("ul.drafts")).to_have_count(0)


def test_the_admin_dashboard_draws_backlog_cases_by_state_and_step_times(
    platform: Platform, new_page: Any, screenshots: Path
) -> None:
    _submit_as(platform, platform.user("entrepreneur").username)
    admin = platform.user("admin")
    page = signed_in_page(new_page, admin)
    expect(page).to_have_url(f"{platform.url}/admin")
    expect(page.locator("svg.chart").first).to_be_visible()
    expect(page.locator("#by-state-t")).to_have_text("案件状态分布")
    expect(page.locator("svg.chart line.limit").first).to_be_attached()
    # The backlog of every desk, read from the five services over gRPC: a row each, none
    # unavailable, and its chart over the last days.
    expect(page.locator("#backlog-now tbody tr")).to_have_count(5)
    expect(page.locator("#backlog-now td[colspan]")).to_have_count(0)
    expect(page.locator("#backlog-days-t")).to_be_attached()
    page.screenshot(path=str(screenshots / "admin-dashboard-start.png"), full_page=True)


def test_the_portal_fits_a_phone_screen(
    platform: Platform, new_page: Any, screenshots: Path
) -> None:
    applicant = platform.user("entrepreneur")
    page = signed_in_page(new_page, applicant, "/apply", width=390, height=844)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the form is {overflow}px wider than the phone"
    page.screenshot(path=str(screenshots / "form-phone.png"))
    # Keyboard: the skip link is the first stop and leads to the main content.
    page.keyboard.press("Tab")
    expect(page.locator("a.skip")).to_be_focused()
