"""The commitment route (告知承诺制) on a real service: a license granted with a missing document
and a due date 60 days after the day of the commitment (not of the grant), the material supplied
and accepted, an overdue commitment revoked onto the credit list (失信惩戒), and a listed
applicant or legal representative kept off the route."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import grpc
import pytest

from onestop.common.v1 import application_pb2, common_pb2
from onestop.registration.v1 import registration_pb2 as pb
from onestop_common.clock import SHANGHAI, SystemClock
from onestop_common.identifiers import citizen_id_check_char
from onestop_common.protoconv import from_timestamp, timestamp
from tests.support.registration import (
    Registration,
    license_deadline,
    new_case,
    registration_service,
    sample_form,
    send_issue_license,
)

Outcome = common_pb2.Outcome
SEEDED_DISHONEST_ID = "120115197001019010"  # data/credit_list.csv (synthetic)


@pytest.fixture(scope="module")
def reg(tmp_path_factory) -> Iterator[Registration]:
    with registration_service(tmp_path_factory.mktemp("registration-commitment")) as running:
        yield running


def committed_form(
    trade_name: str, legal_rep_id: str = "", name: str = "赵六"
) -> application_pb2.ApplicationForm:
    """The sample with a promised domicile proof; optionally run by another person."""
    form = sample_form(trade_name)
    form.commitment.CopyFrom(
        application_pb2.Commitment(
            materials=[
                application_pb2.MissingMaterial(
                    code="domicile_proof", name_zh="住所使用证明", name_en="proof of domicile"
                )
            ],
            commitment_text="本人承诺在60日内补交住所使用证明，逾期未补交的，登记机关可撤销登记。",
            agreed=True,
        )
    )
    if legal_rep_id:
        for person in (
            form.legal_representative,
            form.shareholders[0].person,
            form.officers[0].person,
            form.officers[1].person,
        ):
            person.name, person.id_number = name, legal_rep_id
    return form


def issue_submitted(
    reg: Registration,
    form: application_pb2.ApplicationForm,
    *,
    submitted: datetime | None,
    step_started: datetime | None = None,
    applicant: str,
) -> tuple[str, str]:
    """IssueLicense as the saga sends it for a case submitted at ``submitted`` (None: a command
    without ``submitted_at``), the license step's clock started at ``step_started``."""
    case_id = new_case()
    request = pb.IssueLicenseRequest(form=form)
    if submitted is not None:
        request.submitted_at.CopyFrom(timestamp(submitted))
    deadline = license_deadline(step_started)
    return case_id, send_issue_license(reg.driver, request, case_id, applicant, deadline=deadline)


def last_day(committed: datetime) -> date:
    return committed.astimezone(SHANGHAI).date() + timedelta(days=60)


def end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), SHANGHAI)


def review_task(reg: Registration, task_id: str) -> pb.GetTaskResponse:
    return reg.desk.GetTask(pb.GetTaskRequest(task_id=task_id), metadata=reg.officer())


def approve_on_desk(reg: Registration, key: str) -> pb.IssueLicenseResponse:
    accepted = reg.result(key, outcome=Outcome.OUTCOME_ACCEPTED)
    assert "auto.missing_materials" in accepted.status.reason
    reg.desk.ApproveTask(
        pb.ApproveTaskRequest(task_id=accepted.status.task_id, comment="承诺制，准予登记"),
        metadata=reg.officer(),
    )
    return reg.result(key, outcome=Outcome.OUTCOME_DONE)


def test_a_license_is_granted_with_a_missing_document_then_the_document_is_accepted(reg):
    # Submitted three days ago, granted now: the 60 days run from the submission.
    submitted = SystemClock().now().replace(microsecond=0) - timedelta(days=3)
    case_id, key = issue_submitted(
        reg, committed_form("承诺履行"), submitted=submitted, applicant="alice"
    )
    accepted = reg.result(key, outcome=Outcome.OUTCOME_ACCEPTED)
    shown = review_task(reg, accepted.status.task_id).task.details
    assert shown["commitment_made_at"] == submitted.isoformat()
    assert shown["commitment_last_day"] == last_day(submitted).isoformat()
    lic = approve_on_desk(reg, key).license
    assert [m.code for m in lic.committed_materials] == ["domicile_proof"]
    assert lic.commitment_state == "open"
    assert from_timestamp(lic.committed_at) == submitted
    assert lic.commitment_last_day == last_day(submitted).isoformat()
    assert from_timestamp(lic.commitment_due_at) == end_of(last_day(submitted))
    granted = from_timestamp(lic.issued_at)
    assert granted is not None and granted - submitted >= timedelta(days=3)
    assert lic.commitment_last_day != last_day(granted).isoformat()

    supply = reg.send(
        "SupplyMaterial",
        pb.SupplyMaterialRequest(
            material_code="domicile_proof",
            file_name="lease.pdf",
            content=b"%PDF-1.7 lease contract",
            content_type="application/pdf",
        ),
        case_id=case_id,
        key=f"{case_id}:license:SupplyMaterial:domicile_proof:1",
        applicant="alice",
    )
    opened = reg.result(supply, outcome=Outcome.OUTCOME_ACCEPTED)
    assert opened.material_code == "domicile_proof"
    tasks = reg.desk.ListTasks(pb.ListTasksRequest(), metadata=reg.officer()).tasks
    (review,) = [t for t in tasks if t.task_id == opened.status.task_id]
    assert review.details["material_code"] == "domicile_proof" and review.uscc == lic.uscc
    assert review.deadline.due_at == lic.commitment_due_at
    assert review.details["commitment_made_at"] == submitted.isoformat()
    assert review.details["commitment_last_day"] == lic.commitment_last_day

    reg.desk.ApproveTask(pb.ApproveTaskRequest(task_id=review.task_id), metadata=reg.officer())
    accepted = reg.result(supply, outcome=Outcome.OUTCOME_DONE)
    assert accepted.material_code == "domicile_proof"
    now = reg.service.GetLicense(
        pb.GetLicenseRequest(case_id=case_id), metadata=reg.as_role("entrepreneur", "alice")
    ).license
    assert now.commitment_state == "fulfilled" and not now.committed_materials
    assert [(i.code, i.state) for i in now.commitment_items] == [("domicile_proof", "accepted")]


def test_an_overdue_commitment_is_revoked_and_both_people_are_recorded_as_dishonest(reg):
    person = "12011519790315001"
    rep_id = person + citizen_id_check_char(person)
    case_id, key = reg.issue(committed_form("逾期承诺", rep_id), applicant="dave")
    uscc = approve_on_desk(reg, key).license.uscc

    revoke = reg.revoke(case_id, "commitment_overdue", applicant="dave")
    assert reg.result(revoke, outcome=Outcome.OUTCOME_DONE).uscc == uscc
    status = reg.service.GetLicenseStatus(pb.GetLicenseStatusRequest(uscc=uscc))
    assert (status.status, status.revocation_reason) == (
        pb.LICENSE_STATUS_REVOKED,
        "commitment_overdue",
    )
    revoked = reg.service.GetLicense(pb.GetLicenseRequest(uscc=uscc), metadata=reg.officer())
    assert revoked.license.commitment_state == "overdue"
    assert [i.state for i in revoked.license.commitment_items] == ["overdue"]

    listed = reg.service.ListCreditEntries(pb.ListCreditEntriesRequest(), metadata=reg.officer())
    mine = [e for e in listed.entries if e.origin == f"case:{case_id}"]
    assert sorted((e.subject_kind, e.subject_id) for e in mine) == [
        (pb.CREDIT_SUBJECT_KIND_ACCOUNT, "dave"),
        (pb.CREDIT_SUBJECT_KIND_ID_NUMBER, rep_id),
    ]
    assert all("60" in e.reason for e in mine)
    assert listed.seed_version.startswith("credit_list.csv@")

    # The same revocation again (a new compensation round) records nobody twice.
    again = reg.revoke(case_id, "commitment_overdue", round_=2, applicant="dave")
    reg.result(again, outcome=Outcome.OUTCOME_DONE)
    relisted = reg.service.ListCreditEntries(pb.ListCreditEntriesRequest(), metadata=reg.officer())
    assert len([e for e in relisted.entries if e.origin == f"case:{case_id}"]) == 2

    # Next time, neither the applicant nor that legal representative may use the route.
    _, retry = reg.issue(committed_form("再次承诺", rep_id), applicant="dave")
    refused = reg.result(retry)
    assert refused.status.outcome == Outcome.OUTCOME_CORRECTION_REQUESTED
    assert [(r.field, r.rule) for r in refused.status.rejections] == [
        ("form.commitment", "commitment.applicant_credit_listed"),
        ("form.legal_representative.id_number", "commitment.legal_representative_credit_listed"),
    ]


def test_a_legal_representative_on_the_seeded_list_cannot_use_the_route(reg):
    form = committed_form("名单在册", SEEDED_DISHONEST_ID, "测试失信甲")
    _, key = reg.issue(form, applicant="erin")
    result = reg.result(key)
    assert result.status.outcome == Outcome.OUTCOME_CORRECTION_REQUESTED
    assert [r.rule for r in result.status.rejections] == [
        "commitment.legal_representative_credit_listed"
    ]
    # Without the commitment the same person may apply (the name moves to the new case), and an
    # officer decides.
    form.ClearField("commitment")
    _, plain = reg.issue(form, applicant="erin")
    waiting = reg.result(plain, outcome=Outcome.OUTCOME_ACCEPTED)
    assert "auto.credit" in waiting.status.reason


def test_an_administrator_keeps_the_credit_list(reg):
    with pytest.raises(grpc.RpcError) as denied:
        reg.service.ListCreditEntries(
            pb.ListCreditEntriesRequest(), metadata=reg.as_role("entrepreneur", "frank")
        )
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.RpcError) as officer_may_not_add:
        reg.service.AddCreditEntry(
            pb.AddCreditEntryRequest(
                subject_kind=pb.CREDIT_SUBJECT_KIND_ACCOUNT, subject_id="frank", reason="x"
            ),
            metadata=reg.officer(),
        )
    assert officer_may_not_add.value.code() == grpc.StatusCode.PERMISSION_DENIED
    admin = reg.as_role("admin", "admin-1")
    with pytest.raises(grpc.RpcError) as bad_id:
        reg.service.AddCreditEntry(
            pb.AddCreditEntryRequest(
                subject_kind=pb.CREDIT_SUBJECT_KIND_ID_NUMBER,
                subject_id="120115197001019011",
                reason="court list",
            ),
            metadata=admin,
        )
    assert bad_id.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    added = reg.service.AddCreditEntry(
        pb.AddCreditEntryRequest(
            subject_kind=pb.CREDIT_SUBJECT_KIND_ACCOUNT,
            subject_id="frank",
            reason="法院失信被执行人名单",
            source="court notice 2026-11",
        ),
        metadata=admin,
    ).entry
    assert added.origin == "admin:admin-1"
    _, key = reg.issue(committed_form("管理名单"), applicant="frank")
    assert [r.rule for r in reg.result(key).status.rejections] == [
        "commitment.applicant_credit_listed"
    ]
    removed = reg.service.RemoveCreditEntry(
        pb.RemoveCreditEntryRequest(entry_id=added.entry_id, reason="已履行"), metadata=admin
    ).entry
    assert removed.HasField("removed_at")
    active = reg.service.ListCreditEntries(pb.ListCreditEntriesRequest(), metadata=admin).entries
    assert "frank" not in [e.subject_id for e in active]


def test_without_submitted_at_the_commitment_runs_from_the_license_steps_start(reg):
    # An orchestrator that does not set submitted_at yet: the license step's clock starts at
    # the submission, and the command carries it.
    started = SystemClock().now().replace(microsecond=0) - timedelta(days=2)
    _, key = issue_submitted(
        reg, committed_form("步骤起算"), submitted=None, step_started=started, applicant="gina"
    )
    lic = approve_on_desk(reg, key).license
    assert from_timestamp(lic.committed_at) == started
    assert from_timestamp(lic.commitment_due_at) == end_of(last_day(started))


def test_a_commitment_first_agreed_in_a_correction_runs_from_the_correction(reg):
    submitted = SystemClock().now().replace(microsecond=0) - timedelta(days=3)
    wrong = sample_form("补正承诺")
    wrong.domicile.division_code = "120116"  # outside the registration area
    case_id, key = issue_submitted(reg, wrong, submitted=submitted, applicant="hana")
    asked = reg.result(key, outcome=Outcome.OUTCOME_CORRECTION_REQUESTED)
    assert "commitment_made_at" not in review_task(reg, asked.status.task_id).task.details

    before = SystemClock().now()
    correction = reg.correct(case_id, committed_form("补正承诺"), applicant="hana")
    back = reg.result(correction, outcome=Outcome.OUTCOME_ACCEPTED)
    made = datetime.fromisoformat(
        review_task(reg, back.status.task_id).task.details["commitment_made_at"]
    )
    assert made >= before - timedelta(seconds=1)

    reg.desk.ApproveTask(pb.ApproveTaskRequest(task_id=back.status.task_id), metadata=reg.officer())
    lic = reg.result(key, outcome=Outcome.OUTCOME_DONE).license
    assert from_timestamp(lic.committed_at) == made
    assert lic.commitment_last_day == last_day(made).isoformat()
