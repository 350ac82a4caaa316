"""A staff desk open in the browser keeps its queue current: a case submitted meanwhile shows up
as a new task without anyone reloading the page."""

from __future__ import annotations

import uuid
from typing import Any

import grpc
from playwright.sync_api import expect

from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from tests.e2e.conftest import Platform
from tests.e2e.pages import fresh_form, signed_in_page
from tests.support.participant import credential

# The page refreshes its queue every few seconds (portal.routes.desks.QUEUE_REFRESH_SECONDS).
APPEAR_TIMEOUT = 60_000


def test_a_case_submitted_meanwhile_appears_on_the_open_officer_desk(
    platform: Platform, new_page: Any
) -> None:
    officer = platform.user("officer")
    page = signed_in_page(new_page, officer, "/desk/officer")
    # A mark in the page's own memory: gone if the page were reloaded.
    page.evaluate("window.__sameDocument = true")

    applicant = f"live-desk-{uuid.uuid4().hex[:6]}"
    form = fresh_form()
    with grpc.insecure_channel(platform.settings.grpc_target("orchestrator")) as channel:
        case_id = (
            pb_grpc.OneStopServiceStub(channel)
            .SubmitApplication(
                pb.SubmitApplicationRequest(idempotency_key=applicant, form=form),
                metadata=credential(platform.settings, "entrepreneur", applicant),
                timeout=60,
            )
            .application.case_id
        )

    row = page.locator(f'tr.task-row[data-case="{case_id}"]')
    expect(row).to_be_visible(timeout=APPEAR_TIMEOUT)
    assert page.evaluate("window.__sameDocument") is True
    expect(row).to_contain_text(form.name.trade_name)
