"""The seal service's saga actions run in-process: IssueSeals, RevokeSeals and CheckApplication
called as the service calls them, on the service's own migrated SQLite database.

Electronic seals are certified by the seal CA in this process (``SealPki.certify`` makes a key and
a certificate; only sealing a PDF goes to the signing server), so the automatic path runs for
real on a PKI created in the test's directory.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest
from cryptography import x509
from sqlalchemy import LargeBinary, select, table
from sqlalchemy import column as sa_column

import svc_seal
from onestop.common.v1 import application_pb2, common_pb2
from onestop.seal.v1 import seal_pb2
from onestop_common import desk, sealed_fields
from onestop_common import messaging as m
from onestop_common.pki import PkiStore
from onestop_common.settings import Settings
from svc_seal import actions
from svc_seal.actions import Env
from svc_seal.dependencies import SealPki
from svc_seal.domain import PARTICIPANT, OrderState, SealState
from svc_seal.models import Inbox, IssuedCrl, Outbox, SealOrder, SealRecord, Task
from tests.support.in_process import (
    NOW,
    StepCommands,
    rejected_fields,
    sample_form,
    uscc,
)
from tests.support.service_db import OpenServiceDb, ServiceDb, ServiceSchema

Outcome = common_pb2.Outcome
KEK = b"k" * 32
CASE = "OS20261126-SEAL000001"
USCC = uscc()
SCHEMA = ServiceSchema(PARTICIPANT, svc_seal, Outbox, Inbox)
COMMANDS = StepCommands("seal", USCC)


@dataclass
class Seals:
    db: ServiceDb
    env: Env

    def issue(
        self, request: seal_pb2.IssueSealsRequest, *, auto: bool = True
    ) -> seal_pb2.IssueSealsResponse:
        env = self.env
        if not auto:
            env = replace(env, settings=env.settings.with_overrides(auto_approve=frozenset()))
        with self.db.unit_of_work() as uow:
            return actions.issue_seals(uow, request, env)

    def revoke(self, request: seal_pb2.RevokeSealsRequest) -> seal_pb2.RevokeSealsResponse:
        with self.db.unit_of_work() as uow:
            return actions.revoke_seals(uow, request, self.env)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The platform PKI, created once: the seal actions read its seal CA and never write to it
    (the CRLs they issue go to the service's database)."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("platform"), kek=KEK)
    PkiStore(settings.pki_dir, settings.kek).init(crl_base_url=settings.crl_base_url)
    return settings


@pytest.fixture
def seals(open_service_db: OpenServiceDb, settings: Settings) -> Seals:
    return Seals(open_service_db(SCHEMA), Env(settings=settings, pki=SealPki(settings), now=NOW))


def order(
    case_id: str = CASE,
    form: application_pb2.ApplicationForm | None = None,
    *,
    issued_uscc: str = USCC,
) -> seal_pb2.IssueSealsRequest:
    """IssueSeals as the saga builds it once the license is issued."""
    return StepCommands("seal", issued_uscc).action(case_id, form)


def electronic_only() -> application_pb2.ApplicationForm:
    form = sample_form()
    for seal in form.seals:
        seal.physical = False
    return form


# --------------------------------------------------------------------------- IssueSeals


def test_an_electronic_only_set_is_made_certified_and_filed_at_once(seals: Seals) -> None:
    request = order(form=electronic_only())

    response = seals.issue(request)

    assert response.status.outcome == Outcome.OUTCOME_DONE
    assert response.status.decided_by == actions.AUTO_DECISION
    assert len(response.seals) == 4
    [row] = seals.db.rows(SealOrder)
    assert (row.case_id, row.uscc, row.state) == (CASE, USCC, OrderState.DONE)
    ca = seals.env.pki.ca().certificate
    for seal in seals.db.rows(SealRecord):
        assert seal.state == SealState.ACTIVE and seal.filing_number and seal.private_key
        certificate = x509.load_pem_x509_certificate(seal.certificate_pem.encode())
        assert certificate.issuer == ca.subject
        assert f"{certificate.serial_number:x}" == seal.certificate_serial
    [event] = seals.db.events("SealsIssued")
    assert {s.seal_code for s in event.message.seals} == {s.seal_code for s in response.seals}
    [result] = seals.db.results("IssueSeals")
    assert result.message == response
    assert result.headers[m.H_IDEMPOTENCY] == request.context.idempotency_key


def test_physical_seals_wait_for_the_seal_makers_hands(seals: Seals) -> None:
    response = seals.issue(order())  # the sample orders physical and electronic seals

    assert response.status.outcome == Outcome.OUTCOME_ACCEPTED
    [task] = seals.db.rows(Task)
    assert task.id == response.status.task_id and task.id.startswith(actions.TASK_PREFIX)
    assert (task.state, task.assignee_org, task.step) == (desk.OPEN, "001", "seal")
    records = seals.db.rows(SealRecord)
    assert len(records) == 4
    assert all(r.state == SealState.ORDERED and not r.certificate_pem for r in records)
    assert seals.db.events("SealsIssued") == []
    [result] = seals.db.results("IssueSeals")
    assert result.message.status.task_id == task.id


def test_an_electronic_only_set_waits_too_when_automatic_approval_is_off(seals: Seals) -> None:
    response = seals.issue(order(form=electronic_only()), auto=False)

    assert response.status.outcome == Outcome.OUTCOME_ACCEPTED
    assert len(seals.db.rows(Task)) == 1
    assert all(not r.certificate_pem for r in seals.db.rows(SealRecord))


def test_a_name_seal_that_cannot_be_engraved_is_returned_for_correction(seals: Seals) -> None:
    form = sample_form()
    form.legal_representative.name = "张伟伟伟伟"

    response = seals.issue(order(form=form))

    assert response.status.outcome == Outcome.OUTCOME_CORRECTION_REQUESTED
    assert rejected_fields(response.status) == [
        ("form.legal_representative.name", "name_seal_text")
    ]
    assert seals.db.rows(SealOrder) == [] and seals.db.rows(SealRecord) == []
    assert [r.message.status.outcome for r in seals.db.results("IssueSeals")] == [
        Outcome.OUTCOME_CORRECTION_REQUESTED
    ]


def test_a_license_the_seals_cannot_carry_is_refused_for_good(seals: Seals) -> None:
    response = seals.issue(order(issued_uscc=USCC[:16]))  # two characters short

    assert response.status.outcome == Outcome.OUTCOME_REJECTED
    assert rejected_fields(response.status) == [("uscc", "uscc.length")]
    assert seals.db.rows(SealOrder) == []


def test_the_same_key_again_gets_the_stored_answer_and_one_seal_set(seals: Seals) -> None:
    request = order(form=electronic_only())
    first = seals.issue(request)

    again = seals.issue(request)

    assert again == first
    assert len(seals.db.rows(SealOrder)) == 1 and len(seals.db.rows(SealRecord)) == 4
    assert len(seals.db.events("SealsIssued")) == 1
    assert [r.message for r in seals.db.results("IssueSeals")] == [first, first]


def test_the_same_case_under_a_new_key_gets_the_order_it_has(seals: Seals) -> None:
    first = seals.issue(order())
    retried = COMMANDS.action(CASE, corrections=1)

    again = seals.issue(retried)

    assert again.status.outcome == Outcome.OUTCOME_ACCEPTED
    assert again.status.task_id == first.status.task_id
    assert len(seals.db.rows(SealOrder)) == 1 and len(seals.db.rows(Task)) == 1


# --------------------------------------------------------------------------- RevokeSeals


def test_revoking_revokes_every_certificate_on_a_new_crl(seals: Seals) -> None:
    issued = seals.issue(order(form=electronic_only()))
    reason = "bank refused the account"

    response = seals.revoke(COMMANDS.compensation(CASE, reason))

    assert response.status.outcome == Outcome.OUTCOME_DONE
    assert sorted(response.revoked_seal_codes) == sorted(s.seal_code for s in issued.seals)
    records = seals.db.rows(SealRecord)
    assert {r.state for r in records} == {SealState.REVOKED}
    assert all(r.filing_cancelled_at == NOW for r in records)
    assert [o.state for o in seals.db.rows(SealOrder)] == [OrderState.REVOKED]
    [crl_row] = seals.db.rows(IssuedCrl)
    assert response.crl_number == crl_row.crl_number
    crl = x509.load_der_x509_crl(crl_row.der)
    assert crl.is_signature_valid(seals.env.pki.ca().certificate.public_key())  # type: ignore[arg-type]
    for record in records:
        assert crl.get_revoked_certificate_by_serial_number(int(record.certificate_serial, 16))
    [event] = seals.db.events("SealsRevoked")
    assert event.message.reason == "bank refused the account"

    # A second round finds nothing live: no new CRL, no second event.
    again = seals.revoke(COMMANDS.compensation(CASE, reason, round_=2))
    assert again.crl_number == response.crl_number
    assert len(seals.db.rows(IssuedCrl)) == 1 and len(seals.db.events("SealsRevoked")) == 1
    assert len(seals.db.results("RevokeSeals")) == 2


def test_revoking_an_order_in_the_making_cancels_it_and_withdraws_the_task(
    seals: Seals,
) -> None:
    seals.issue(order())

    response = seals.revoke(COMMANDS.compensation(CASE, "withdrawn"))

    assert response.status.outcome == Outcome.OUTCOME_DONE
    assert {r.state for r in seals.db.rows(SealRecord)} == {SealState.CANCELLED}
    assert [o.state for o in seals.db.rows(SealOrder)] == [OrderState.WITHDRAWN]
    assert [t.state for t in seals.db.rows(Task)] == [desk.CANCELLED]
    assert seals.db.rows(IssuedCrl) == []  # no certificate was issued, none to revoke


def test_an_order_overtaken_by_its_compensation_is_refused(seals: Seals) -> None:
    seals.revoke(COMMANDS.compensation(CASE, "withdrawn"))

    late = seals.issue(order(form=electronic_only()))

    assert late.status.outcome == Outcome.OUTCOME_REJECTED
    assert seals.db.rows(SealOrder) == [] and seals.db.rows(SealRecord) == []


# --------------------------------------------------------------------------- CheckApplication


def test_check_application_runs_the_order_rules_on_the_form_alone() -> None:
    form = sample_form()
    kept = [s for s in form.seals if s.kind != application_pb2.SEAL_KIND_FINANCE]
    del form.seals[:]
    form.seals.extend(kept)

    clean = actions.check_application(application_pb2.CheckApplicationRequest(form=sample_form()))
    flawed = actions.check_application(application_pb2.CheckApplicationRequest(form=form))

    assert clean.participant == PARTICIPANT and list(clean.rejections) == []
    assert [(r.field, r.rule) for r in flawed.rejections] == [("form.seals", "required_seal")]


# --------------------------------------------------------------------------- data at rest


def test_the_seal_command_kept_for_the_seal_maker_is_sealed_at_rest(seals: Seals) -> None:
    # The seal service holds no ID number of its own; the desk's copy of the command (the form's
    # seal part) is sealed as every participant's is.
    request = order()
    seals.issue(request)  # physical seals: a task for the seal maker, holding the command

    def stored_request() -> bytes:
        [raw] = seals.db.read(select(sa_column("request", LargeBinary)).select_from(table("tasks")))
        return bytes(raw)

    assert stored_request().startswith(sealed_fields.MAGIC)
    assert seal_pb2.IssueSealsRequest.FromString(seals.db.rows(Task)[0].request) == request
    # The revision that sealed it opens it on the way down, and seals it on the way up.
    seals.db.migrate("66353197816e", down=True)
    assert seal_pb2.IssueSealsRequest.FromString(stored_request()) == request
    seals.db.migrate("head")
    assert stored_request().startswith(sealed_fields.MAGIC)
    assert seal_pb2.IssueSealsRequest.FromString(seals.db.rows(Task)[0].request) == request
