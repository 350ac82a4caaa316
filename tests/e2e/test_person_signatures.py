"""Every person an application names confirms and signs it before anything starts (全程电子化),
through the real platform: the orchestrator files the case as awaiting signatures, the signing
server certifies a key for each person's one signature, and the bundle carries the signed
application, which `onestop verify` checks person by person.

The persons are played as the portal plays them after real-name sign-in: a credential carrying
the verified ID number (``Principal.person_id``)."""

from __future__ import annotations

import random
from collections.abc import Iterator

import grpc
import pytest

from onestop.common.v1 import application_pb2, common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop_cli.demo import demo_form, download_bundle
from onestop_cli.person_signing import person_credential
from onestop_cli.verify import verify_bundle
from onestop_common.pki import PkiStore
from onestop_common.settings import Settings
from onestop_common.signing import list_attachments, validate_pdf
from orchestrator.bundle import APPLICATION_NAME
from orchestrator.signatures import NamedPerson, persons_to_sign
from tests.support.cases import EventRecorder
from tests.support.participant import credential
from tests.support.staff import whole_platform

APPLICANT = "signing-applicant"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    with whole_platform(
        tmp_path_factory.mktemp("signatures"),
        auto_approve="all",
        ONESTOP_PERSON_SIGNATURES="required",
    ) as settings:
        yield settings


@pytest.fixture
def stub(platform: Settings) -> Iterator[pb_grpc.OneStopServiceStub]:
    with grpc.insecure_channel(platform.grpc_target("orchestrator")) as channel:
        yield pb_grpc.OneStopServiceStub(channel)


def electronic_form(seed: int) -> application_pb2.ApplicationForm:
    form = demo_form(random.Random(seed))
    for seal in form.seals:
        seal.physical = False
    return form


def submit(
    platform: Settings, stub: pb_grpc.OneStopServiceStub, form: application_pb2.ApplicationForm
) -> pb.Application:
    response = stub.SubmitApplication(
        pb.SubmitApplicationRequest(idempotency_key=form.name.trade_name, form=form),
        metadata=credential(platform, "entrepreneur", APPLICANT),
        timeout=60,
    )
    return response.application


def as_person(
    platform: Settings, person: NamedPerson, name: str = ""
) -> tuple[tuple[str, str], ...]:
    return person_credential(platform.token_secret, name or person.name, person.id_number)


def sign(
    platform: Settings, stub: pb_grpc.OneStopServiceStub, case_id: str, person: NamedPerson
) -> pb.Application:
    metadata = as_person(platform, person)
    shown = stub.GetApplicationToSign(
        pb.GetApplicationToSignRequest(case_id=case_id), metadata=metadata, timeout=30
    )
    assert shown.request.state == pb.SIGNATURE_STATE_WAITING
    assert shown.pdf.startswith(b"%PDF-")
    signed = stub.SignApplication(
        pb.SignApplicationRequest(case_id=case_id, form_sha256=shown.form_sha256),
        metadata=metadata,
        timeout=60,
    )
    return signed.application


def refused(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call(*args, **kwargs)
    return raised.value


def test_a_case_starts_only_when_every_person_has_signed_and_its_bundle_verifies_them(
    platform: Settings, stub: pb_grpc.OneStopServiceStub
) -> None:
    form = electronic_form(1)
    persons = persons_to_sign(form)
    assert len(persons) >= 3, "the sample names a legal representative, a shareholder, a supervisor"
    filed = submit(platform, stub, form)
    case_id = filed.case_id
    assert filed.state == common_pb2.CASE_STATE_AWAITING_SIGNATURES
    assert [s.name for s in filed.signatures] == [p.name for p in persons]
    assert all(s.state == pb.SIGNATURE_STATE_WAITING for s in filed.signatures)
    assert all("*" in s.masked_id_number for s in filed.signatures)
    assert filed.HasField("signatures_due_at")

    # The person's own request list shows the case.
    mine = stub.ListSignatureRequests(
        pb.ListSignatureRequestsRequest(), metadata=as_person(platform, persons[0]), timeout=30
    )
    assert case_id in [r.case_id for r in mine.requests]

    # Everyone but the last shareholder-or-officer signs: nothing starts.
    *first, last = persons
    for person in first:
        after = sign(platform, stub, case_id, person)
        assert after.state == common_pb2.CASE_STATE_AWAITING_SIGNATURES
    waiting = stub.GetApplication(
        pb.GetApplicationRequest(case_id=case_id),
        metadata=credential(platform, "entrepreneur", APPLICANT),
        timeout=30,
    ).application
    assert waiting.state == common_pb2.CASE_STATE_AWAITING_SIGNATURES
    assert all(step.state == common_pb2.STEP_STATE_PENDING for step in waiting.steps)
    states = {s.name: s.state for s in waiting.signatures}
    assert states[last.name] == pb.SIGNATURE_STATE_WAITING
    assert all(states[p.name] == pb.SIGNATURE_STATE_SIGNED for p in first)

    # The last signature starts the case, which completes.
    started = sign(platform, stub, case_id, last)
    assert started.state != common_pb2.CASE_STATE_AWAITING_SIGNATURES
    final, _ = EventRecorder(stub, platform, case_id, applicant=APPLICANT, timeout=180).wait(180)
    assert final.state == common_pb2.CASE_STATE_COMPLETED, final.failure_reason

    pdf = download_bundle(stub, credential(platform, "entrepreneur", APPLICANT), case_id)
    root = PkiStore(platform.pki_dir, platform.kek).root_certificate()
    report = verify_bundle(pdf, trust_root=root)
    assert report.ok, report.pretty()
    person_checks = [c for c in report.checks if c.name.startswith("application signed by")]
    assert len(person_checks) == len(persons) and all(c.ok for c in person_checks)

    # The embedded application holds one trusted signature per person, each made with a
    # person certificate naming them.
    embedded = list_attachments(pdf)
    crls = [data for name, data in embedded.items() if name.startswith("crls/")]
    validation = validate_pdf(embedded[APPLICATION_NAME], trust_root=root, extra_crls=crls)
    assert validation.ok, validation.problems
    signers = [s.signer_subject for s in validation.signatures if s.kind == "signature"]
    assert len(signers) == len(persons)
    for person, subject in zip(persons, signers, strict=True):
        assert person.name in subject and person.masked_id_number in subject


def test_only_a_verified_person_the_form_names_may_sign_and_only_what_they_read(
    platform: Settings, stub: pb_grpc.OneStopServiceStub
) -> None:
    form = electronic_form(2)
    persons = persons_to_sign(form)
    case_id = submit(platform, stub, form).case_id
    request = pb.GetApplicationToSignRequest(case_id=case_id)
    shown = stub.GetApplicationToSign(request, metadata=as_person(platform, persons[0]))

    # A local account nobody verified.
    unverified = refused(
        stub.SignApplication,
        pb.SignApplicationRequest(case_id=case_id, form_sha256=shown.form_sha256),
        metadata=credential(platform, "entrepreneur", "someone"),
    )
    assert unverified.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "real-name" in unverified.details()
    # A verified person the form does not name.
    stranger = NamedPerson("路人甲", 1, "120115199001010018")
    not_named = refused(
        stub.SignApplication,
        pb.SignApplicationRequest(case_id=case_id, form_sha256=shown.form_sha256),
        metadata=as_person(platform, stranger),
    )
    # ... answers as for a case that does not exist, so it learns nothing of which ids exist.
    assert not_named.code() == grpc.StatusCode.NOT_FOUND
    # The right ID number under another verified name.
    renamed = refused(
        stub.SignApplication,
        pb.SignApplicationRequest(case_id=case_id, form_sha256=shown.form_sha256),
        metadata=as_person(platform, persons[0], name="别人"),
    )
    assert renamed.code() == grpc.StatusCode.PERMISSION_DENIED
    # Not the application the person read.
    stale = refused(
        stub.SignApplication,
        pb.SignApplicationRequest(case_id=case_id, form_sha256="0" * 64),
        metadata=as_person(platform, persons[0]),
    )
    assert stale.code() in (grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.ABORTED)
    # Nothing of that was recorded.
    after = stub.GetApplicationToSign(request, metadata=as_person(platform, persons[0]))
    assert all(s.state == pb.SIGNATURE_STATE_WAITING for s in after.signatures)
    assert after.pdf == shown.pdf


def test_a_person_who_declines_ends_the_application_naming_them(
    platform: Settings, stub: pb_grpc.OneStopServiceStub
) -> None:
    form = electronic_form(3)
    persons = persons_to_sign(form)
    case_id = submit(platform, stub, form).case_id
    sign(platform, stub, case_id, persons[0])
    declined = stub.DeclineApplication(
        pb.DeclineApplicationRequest(case_id=case_id, reason="我没有同意担任监事"),
        metadata=as_person(platform, persons[-1]),
        timeout=30,
    ).application
    assert declined.state == common_pb2.CASE_STATE_FAILED
    assert persons[-1].name in declined.failure_reason
    assert "我没有同意担任监事" in declined.failure_reason
    assert all(step.state == common_pb2.STEP_STATE_CANCELLED for step in declined.steps)
    # Too late to sign now.
    late = refused(sign, platform, stub, case_id, persons[1])
    assert late.code() in (grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.ABORTED)
