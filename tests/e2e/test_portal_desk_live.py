"""Staff desks on the running platform: a desk open in the browser keeps its queue current (a case
submitted meanwhile shows up without anyone reloading the page); over plain HTTP, a rejection
without a reason leaves the task to any officer, search by case id, and one's own decisions."""

from __future__ import annotations

import re
import uuid
from contextlib import closing
from typing import Any

import grpc
import pytest
from playwright.sync_api import expect

from onestop.common.v1 import desk_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop.registration.v1 import registration_pb2, registration_pb2_grpc
from tests.e2e.conftest import Platform
from tests.e2e.pages import csrf_token, fresh_form, http_session, signed_in_page
from tests.support.cases import watch_for
from tests.support.participant import credential

# Desk pages over a live platform: run once (SQLite). The desk queue's PostgreSQL paths (claims,
# decisions, search) are covered by tests/integration/test_registration_desk.py.
pytestmark = pytest.mark.once

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


# ---------------------------------------------------------------------------- over plain HTTP


def _case_at_the_officer(platform: Platform) -> tuple[str, str]:
    """A fresh case submitted and waiting at the officer's desk: (case id, task id)."""
    applicant = f"desk-http-{uuid.uuid4().hex[:6]}"
    settings = platform.settings
    with grpc.insecure_channel(settings.grpc_target("orchestrator")) as channel:
        stub = pb_grpc.OneStopServiceStub(channel)
        case_id = stub.SubmitApplication(
            pb.SubmitApplicationRequest(idempotency_key=applicant, form=fresh_form()),
            metadata=credential(settings, "entrepreneur", applicant),
            timeout=60,
        ).application.case_id
        waiting = watch_for(
            stub,
            settings,
            case_id,
            lambda app: any(s.name == "license" and s.task_id for s in app.steps),
            applicant=applicant,
            timeout=60,
        )
    (task_id,) = [s.task_id for s in waiting.steps if s.name == "license"]
    return case_id, task_id


def _task_in_the_service(platform: Platform, task_id: str) -> desk_pb2.DeskTask:
    """The task as the registration service holds it (asked as an officer)."""
    with grpc.insecure_channel(platform.settings.grpc_target("registration")) as channel:
        return (
            registration_pb2_grpc.RegistrationDeskStub(channel)
            .GetTask(
                registration_pb2.GetTaskRequest(task_id=task_id),
                metadata=credential(platform.settings, "officer", "officer-e2e"),
                timeout=30,
            )
            .task
        )


def test_a_rejection_without_a_reason_leaves_the_task_for_any_officer(platform: Platform) -> None:
    case_id, task_id = _case_at_the_officer(platform)
    first, second = platform.user("officer"), platform.user("officer")
    path = f"/desk/officer/tasks/{task_id}"
    with closing(http_session(platform, first)) as olga:
        refused = olga.post(f"{path}/reject", data={"csrf_token": csrf_token(olga, path)})
        assert refused.status_code == 422
        assert "请填写不予通过的理由" in refused.text
    task = _task_in_the_service(platform, task_id)
    assert (task.case_id, task.state, task.claimed_by) == (case_id, desk_pb2.TASK_STATE_OPEN, "")

    with closing(http_session(platform, second)) as other:
        claimed = other.post(f"{path}/claim", data={"csrf_token": csrf_token(other, path)})
        assert claimed.status_code == 303, claimed.text[:500]
    task = _task_in_the_service(platform, task_id)
    assert (task.state, task.claimed_by) == (desk_pb2.TASK_STATE_CLAIMED, second.username)


def test_an_officer_finds_a_case_by_its_id_and_sees_their_own_decisions(
    platform: Platform,
) -> None:
    case_id, task_id = _case_at_the_officer(platform)
    deciding, other = platform.user("officer"), platform.user("officer")
    path = f"/desk/officer/tasks/{task_id}"
    with (
        closing(http_session(platform, deciding)) as olga,
        closing(http_session(platform, other)) as oscar,
    ):
        # The search is by case id, in any letter case; the found row is the only one shown.
        found = olga.get("/desk/officer", params={"q": case_id.lower()}).text
        assert re.findall(r'<tr class="task-row[^>]*data-case="([^"]+)"', found) == [case_id]
        missing = olga.get("/desk/officer", params={"q": "OS-NO-SUCH-CASE"}).text
        assert f'data-case="{case_id}"' not in missing

        reason = "经营场所证明与登记地址不符"
        decided = olga.post(
            f"{path}/reject", data={"csrf_token": csrf_token(olga, path), "reason": reason}
        )
        assert decided.status_code == 303, decided.text[:500]
        task = _task_in_the_service(platform, task_id)
        assert (task.state, task.decided_by) == (desk_pb2.TASK_STATE_REJECTED, deciding.username)

        history = olga.get("/desk/officer", params={"view": "history"}).text
        assert f'data-case="{case_id}"' in history and reason in history
        assert (
            f'data-case="{case_id}"'
            not in oscar.get("/desk/officer", params={"view": "history"}).text
        )
        # Decided, it has left the open queue.
        assert f'data-case="{case_id}"' not in olga.get("/desk/officer").text
