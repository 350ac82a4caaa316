"""ChangeLicense in-process: a correction that changes what the issued license records is a
change registration (变更登记). The changed form is checked like an application, an officer
reviews the changed items, and the license is re-issued under the same USCC and number as the
next version, its first version kept; a refusal leaves the license as it was."""

# The registration action tests' fixture is used by name (reg): F811 is pytest's way.
# ruff: noqa: F811

from __future__ import annotations

import hashlib

from onestop.common.v1 import application_pb2, common_pb2
from onestop.registration.v1 import registration_pb2 as pb
from onestop_common import desk
from onestop_common.identity import Principal, Role
from svc_registration import actions
from svc_registration.models import License, LicenseChangeRow, Task
from tests.support.in_process import NOW, action, saga_data, sample_form, with_context
from tests.unit.test_registration_actions import (  # noqa: F401 - fixtures, used by name
    CASE,
    SIGNED_PDF,
    Registration,
    reg,
)

Outcome = common_pb2.Outcome
OFFICER = Principal(subject="officer-1", role=Role.OFFICER)
CHANGE_KEY = f"{CASE}:license:ChangeLicense:7"


def halved_capital() -> application_pb2.ApplicationForm:
    """The sample's capital and both subscriptions halved (1,000,000 → 500,000 yuan)."""
    form = sample_form()
    form.registered_capital.amount = "500000.00"
    for holder in form.shareholders:
        holder.subscribed.amount = f"{float(holder.subscribed.amount) / 2:.2f}"
    return form


def change_request(form: application_pb2.ApplicationForm) -> pb.ChangeLicenseRequest:
    request = pb.ChangeLicenseRequest(form=form)
    request.corrected_fields.extend(["registered_capital", "shareholders"])
    return with_context(request, saga_data(CASE, form), "license", CHANGE_KEY)  # type: ignore[no-any-return]


def licensed_and_change_asked(reg: Registration) -> tuple[License, pb.ChangeLicenseResponse]:
    assert reg.issue(action("license", saga_data(CASE))).status.outcome == Outcome.OUTCOME_DONE
    [first] = reg.db.rows(License)
    request = change_request(halved_capital())
    return first, reg.run(lambda uow, env: actions.change_license(uow, request, env))


def decide(reg: Registration, task_id: str, approve: bool = True) -> None:
    reg.run(lambda uow, env: actions.claim_task(uow, OFFICER, task_id, env))
    if approve:
        request = pb.ApproveTaskRequest(task_id=task_id, comment="股东会决议已核")
        reg.run(lambda uow, env: actions.approve_task(uow, OFFICER, request, env))
    else:
        refusal = pb.RejectTaskRequest(task_id=task_id, reason="股东会决议未载明减少注册资本")
        reg.run(lambda uow, env: actions.reject_task(uow, OFFICER, refusal, env))


def test_a_change_opens_an_officer_task_naming_the_changed_items(reg: Registration) -> None:
    first, response = licensed_and_change_asked(reg)

    assert response.status.outcome == Outcome.OUTCOME_ACCEPTED
    assert [c.item for c in response.changes] == ["registered_capital", "shareholders"]
    capital = response.changes[0]
    assert (capital.before, capital.after) == ("1000000.00 CNY", "500000.00 CNY")
    # ID numbers are masked in what the change says of people.
    assert "120115198503120033" not in response.changes[1].before
    [task] = [t for t in reg.db.rows(Task) if t.kind == "change"]
    assert task.id == response.status.task_id and task.id.startswith(actions.CHANGE_TASK_PREFIX)
    assert task.state == desk.OPEN and "注册资本" in task.summary
    assert task.due_at is not None and task.due_at > NOW  # its own review time, from now
    # Nothing is re-issued before the officer decides.
    [row] = reg.db.rows(License)
    assert (row.version, row.registered_capital, row.pdf_sha256) == (
        1,
        "1000000.00",
        first.pdf_sha256,
    )


def test_an_approved_change_reissues_the_license_under_the_same_uscc(reg: Registration) -> None:
    first, opened = licensed_and_change_asked(reg)
    signed_before = len(reg.signed)

    decide(reg, opened.status.task_id)

    [row] = reg.db.rows(License)
    assert (row.uscc, row.license_number, row.status) == (first.uscc, first.license_number, "valid")
    assert (row.version, row.registered_capital) == (2, "500000.00")
    # The new version's QR code opens the verification page naming it, so a scan of the old
    # one can be told apart.
    assert row.qr_payload.endswith(f"/verify/{row.uscc}/{row.license_number}?v=2")
    assert row.date_of_establishment == first.date_of_establishment
    assert row.changed_at is not None
    # A new signed PDF for the new facts; the first version is kept with its own.
    [facts] = reg.signed[signed_before:]
    assert (facts.uscc, str(facts.registered_capital)) == (first.uscc, "500000.00")
    assert row.pdf_sha256 == hashlib.sha256(SIGNED_PDF).hexdigest()
    [kept] = reg.db.rows(LicenseChangeRow)
    assert (kept.version, kept.previous_pdf_sha256) == (2, first.pdf_sha256)
    assert kept.decided_by == OFFICER.subject
    assert [c["item"] for c in kept.changes] == ["registered_capital", "shareholders"]
    # The saga hears the final answer under the change command's key; the change is announced.
    answers = [
        (r.message.status.outcome, r.message.context.idempotency_key, r.message.license.version)
        for r in reg.db.results("ChangeLicense")
    ]
    assert answers == [
        (Outcome.OUTCOME_ACCEPTED, CHANGE_KEY, 1),
        (Outcome.OUTCOME_DONE, CHANGE_KEY, 2),
    ]
    [event] = reg.db.events("LicenseChanged")
    assert event.message.license.uscc == first.uscc
    assert reg.db.events("LicenseRevoked") == []


def test_a_refused_change_leaves_the_license_as_it_was(reg: Registration) -> None:
    _, opened = licensed_and_change_asked(reg)

    decide(reg, opened.status.task_id, approve=False)

    [row] = reg.db.rows(License)
    assert (row.version, row.registered_capital, row.status) == (1, "1000000.00", "valid")
    assert reg.db.rows(LicenseChangeRow) == []
    final = reg.db.results("ChangeLicense")[-1].message
    assert final.status.outcome == Outcome.OUTCOME_REJECTED
    assert final.status.reason == "股东会决议未载明减少注册资本"


def test_a_changed_form_breaking_a_rule_is_returned_at_once(reg: Registration) -> None:
    reg.issue(action("license", saga_data(CASE)))
    broken = halved_capital()
    broken.registered_capital.amount = "-5"

    response = reg.run(lambda uow, env: actions.change_license(uow, change_request(broken), env))

    assert response.status.outcome == Outcome.OUTCOME_CORRECTION_REQUESTED
    assert any(r.field.startswith("form.registered_capital") for r in response.status.rejections)
    assert [t for t in reg.db.rows(Task) if t.kind == "change"] == []


def test_revoking_withdraws_an_open_change(reg: Registration) -> None:
    _, opened = licensed_and_change_asked(reg)
    revoke = with_context(
        pb.RevokeLicenseRequest(reason="cancelled"),
        saga_data(CASE),
        "license",
        f"{CASE}:license:RevokeLicense:1",
    )

    reg.revoke(revoke)

    [task] = [t for t in reg.db.rows(Task) if t.id == opened.status.task_id]
    assert task.state == desk.CANCELLED
