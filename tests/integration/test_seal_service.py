"""The seal service as a real process on the real broker: seal orders through the seal maker's
desk, electronic seals on the platform PKI, police filings, sealing PDFs by the owner, and
revocation with the CRL fetched over HTTP from the service. Authorised users and the seal usage
register are in test_seal_signers.py."""

from __future__ import annotations

import io
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import grpc
import pypdfium2
import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from PIL import Image
from pypdf import PdfWriter
from reportlab.lib.pagesizes import A4

from onestop.common.v1 import desk_pb2
from onestop.seal.v1 import seal_pb2
from onestop_common.signing import cert_chain_is_trusted, validate_pdf
from svc_seal.impression import MM, SealKind, SealSpec, render_seal_pdf, render_seal_png
from tests.integration.conftest import PlatformFactory
from tests.support.identities import new_uscc
from tests.support.participant import credential
from tests.support.pdfs import sample_pdf
from tests.support.seal_platform import (
    KIND_NAMES,
    MAKER,
    STANDARD,
    K,
    Outcome,
    SealPlatform,
    grpc_error,
    start_seal_service,
)
from tests.unit.test_seal_impression import MAX_MEAN_DIFF, MAX_SHARE_DIFFERING, _difference, regen


def seal_pixels(image: Image.Image) -> int:
    """Pixels in the seal's red (anti-aliased edges included, black text and white excluded)."""
    data = image.convert("RGB").tobytes()
    return sum(
        1
        for i in range(0, len(data), 3)
        if data[i] > 150 and data[i + 1] < 110 and data[i + 2] < 110
    )


def render_page(pdf: bytes, dpi: int = 72) -> Image.Image:
    document = pypdfium2.PdfDocument(pdf)
    # The impression is the signature widget's appearance: drawn only with forms initialised.
    document.init_forms()
    try:
        page = document[0]
        return page.render(scale=dpi / 72, may_draw_forms=True).to_pil().convert("RGB")
    finally:
        document.close()


# --------------------------------------------------------------------------- the desk


def test_seal_step_completes_through_the_seal_makers_desk(seals: SealPlatform) -> None:
    uscc = regen.SAMPLE_USCC
    kinds = (*STANDARD, K.SEAL_KIND_CONTRACT)
    key, case_id, first = seals.order(uscc, kinds)
    assert first.status.outcome == Outcome.OUTCOME_ACCEPTED
    task_id = first.status.task_id
    assert [s.state for s in first.seals] == [seal_pb2.SEAL_STATE_ORDERED] * 5

    listed = seals.desk.ListTasks(desk_pb2.ListTasksRequest(), metadata=seals.maker()).tasks
    (task,) = [t for t in listed if t.task_id == task_id]
    assert task.state == desk_pb2.TASK_STATE_OPEN and task.assignee_org == MAKER
    assert task.deadline.limit_workdays == "0.5"
    assert 0 < task.deadline.remaining_working_seconds <= 3.5 * 3600
    assert "公章" in task.summary and task.uscc == uscc

    code, _ = grpc_error(
        lambda: seals.desk.CompleteTask(
            seal_pb2.CompleteTaskRequest(task_id=task_id), metadata=seals.maker()
        )
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION  # physical seals not engraved yet

    claimed = seals.desk.ClaimTask(
        desk_pb2.ClaimTaskRequest(task_id=task_id), metadata=seals.maker()
    )
    assert claimed.task.state == desk_pb2.TASK_STATE_CLAIMED
    engraved = seals.desk.MarkEngraved(
        seal_pb2.MarkEngravedRequest(task_id=task_id), metadata=seals.maker()
    )
    assert {s.state for s in engraved.seals} == {seal_pb2.SEAL_STATE_ENGRAVED}
    done = seals.desk.CompleteTask(
        seal_pb2.CompleteTaskRequest(task_id=task_id), metadata=seals.maker()
    )
    assert done.task.state == desk_pb2.TASK_STATE_DONE

    result = seals.driver.result(key, outcome=Outcome.OUTCOME_DONE)
    assert result.context.case_id == case_id and result.status.task_id == task_id
    assert result.status.decided_by == "maker-wang"
    issued = seals.event_for(case_id, "seal.SealsIssued")
    assert [s.seal_code for s in issued.seals] == [s.seal_code for s in result.seals]

    codes = [s.seal_code for s in result.seals]
    assert len(set(codes)) == 5
    assert all(len(c) == 13 and c.isdigit() and c.startswith("1201" + MAKER) for c in codes)
    pki = seals.pki()
    seal_ca, root = pki.load_certificate("seal"), pki.root_certificate()
    crls = [seals.http_crl(), seals.root_crl()]
    for seal in result.seals:
        kind = KIND_NAMES[seal.kind]
        assert seal.state == seal_pb2.SEAL_STATE_ACTIVE
        assert seal.filing_number and seal.filed_at.seconds > 0
        cert = x509.load_pem_x509_certificate(seal.certificate_pem.encode())
        assert f"{cert.serial_number:x}" == seal.certificate_serial
        subject = cert.subject
        assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == (
            regen.SAMPLE_COMPANY
        )
        assert subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == uscc
        assert subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == (
            seal.seal_code
        )
        assert kind.label_zh in subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        trusted, why = cert_chain_is_trusted(cert, [seal_ca], root, crls)
        assert trusted, why
        assert seal.impression_pdf == render_seal_pdf(_spec_of(seal, uscc))
        mean, share = _difference(
            _png(seal.impression_pdf, regen.FIXTURE_DPI), regen.fixture_path(kind).read_bytes()
        )
        assert mean < MAX_MEAN_DIFF and share < MAX_SHARE_DIFFERING, (kind, mean, share)

    filing = seals.service.GetSealFiling(
        seal_pb2.GetSealFilingRequest(seal_code=codes[0]),
        metadata=credential(seals.settings, "bank_clerk", "clerk-zhao", org="102"),
    )
    assert filing.state == seal_pb2.FILING_STATE_FILED and filing.uscc == uscc
    assert filing.filing_number == result.seals[0].filing_number
    answer = seals.looked_up_filing(codes[1]).filing
    assert answer.filed_at.ToDatetime().year == result.seals[1].filed_at.ToDatetime().year
    assert (answer.seal_code, answer.filing_number, answer.state, answer.uscc, answer.kind) == (
        codes[1],
        result.seals[1].filing_number,
        seal_pb2.FILING_STATE_FILED,
        uscc,
        K.SEAL_KIND_FINANCE,
    )
    assert not seals.looked_up_filing("1201001999999").HasField("filing")  # unknown code
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{seals.settings.crl_base_url}/nobody.crl", timeout=10)
    assert missing.value.code == 404


def _png(pdf: bytes, dpi: int) -> bytes:
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=dpi / 72, fill_color=(255, 255, 255, 255)).to_pil()
    finally:
        document.close()
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG")
    return out.getvalue()


def test_another_seal_maker_cannot_see_or_act_on_the_order(seals: SealPlatform) -> None:
    _, _, first = seals.order(new_uscc())
    task_id = first.status.task_id
    other = seals.maker(org="002", subject="maker-li")
    listed = seals.desk.ListTasks(desk_pb2.ListTasksRequest(), metadata=other).tasks
    assert task_id not in [t.task_id for t in listed]
    for call in (
        lambda: seals.desk.GetTask(desk_pb2.GetTaskRequest(task_id=task_id), metadata=other),
        lambda: seals.desk.ClaimTask(desk_pb2.ClaimTaskRequest(task_id=task_id), metadata=other),
        lambda: seals.desk.CompleteTask(
            seal_pb2.CompleteTaskRequest(task_id=task_id), metadata=other
        ),
    ):
        assert grpc_error(call)[0] == grpc.StatusCode.PERMISSION_DENIED
    entrepreneur = seals.owner("alice")
    code, _ = grpc_error(
        lambda: seals.desk.ListTasks(desk_pb2.ListTasksRequest(), metadata=entrepreneur)
    )
    assert code == grpc.StatusCode.PERMISSION_DENIED


def test_queue_shows_the_nearest_deadline_first(seals: SealPlatform) -> None:
    _, _, later = seals.order(new_uscc(), workdays="1")
    _, _, sooner = seals.order(new_uscc(), workdays="0.5")
    listed = seals.desk.ListTasks(desk_pb2.ListTasksRequest(), metadata=seals.maker()).tasks
    ids = [t.task_id for t in listed]
    assert ids.index(sooner.status.task_id) < ids.index(later.status.task_id)
    got = seals.desk.GetTask(
        desk_pb2.GetTaskRequest(task_id=sooner.status.task_id), metadata=seals.maker()
    )
    assert len(got.seals) == 4 and all(s.impression_pdf.startswith(b"%PDF") for s in got.seals)


def test_seal_maker_rejection_fails_the_step(seals: SealPlatform) -> None:
    uscc = new_uscc()
    key, case_id, first = seals.order(uscc)
    code, found = grpc_error(
        lambda: seals.desk.RejectTask(
            desk_pb2.RejectTaskRequest(task_id=first.status.task_id), metadata=seals.maker()
        )
    )
    assert (code, found) == (grpc.StatusCode.INVALID_ARGUMENT, [("reason", "required")])
    seals.desk.RejectTask(
        desk_pb2.RejectTaskRequest(task_id=first.status.task_id, reason="印模无法辨认"),
        metadata=seals.maker(),
    )
    result = seals.driver.result(key, outcome=Outcome.OUTCOME_REJECTED)
    assert result.status.reason == "印模无法辨认"
    assert [(r.field, r.rule) for r in result.status.rejections] == [
        ("seals", "seal_maker_rejected")
    ]
    listed = seals.service.ListSeals(
        seal_pb2.ListSealsRequest(case_id=case_id), metadata=seals.owner("alice")
    )
    assert {s.state for s in listed.seals} == {seal_pb2.SEAL_STATE_CANCELLED}


def test_a_seal_set_that_cannot_be_made_is_rejected_with_reasons(seals: SealPlatform) -> None:
    kinds = (K.SEAL_KIND_OFFICIAL, K.SEAL_KIND_FINANCE, K.SEAL_KIND_FINANCE, K.SEAL_KIND_LEGAL_REP)
    _, _, result = seals.order(new_uscc(), kinds, person="John Smith")
    # All of it is the applicant's to fix: a correction is asked for, nothing is made.
    assert result.status.outcome == Outcome.OUTCOME_CORRECTION_REQUESTED
    assert [(r.field, r.rule) for r in result.status.rejections] == [
        ("form.seals[2].kind", "duplicate"),
        ("form.seals", "required_seal"),
        ("form.legal_representative.name", "name_seal_text"),
    ]
    assert all(r.message_zh and r.message_en for r in result.status.rejections)
    # The missing invoice seal is asked for by the platform's policy, and said to be so.
    asked = result.status.rejections[1]
    assert asked.message_zh.startswith("本平台要求") and "发票专用章" in asked.message_zh
    assert "the platform's policy, not a legal requirement" in asked.message_en


def test_duplicate_command_gives_the_same_seals_and_no_second_set(seals: SealPlatform) -> None:
    uscc = new_uscc()
    key, case_id, first = seals.order(uscc)
    # The broker redelivers, or the orchestrator resends: same key, then another key.
    request = seal_pb2.IssueSealsRequest(
        uscc=uscc,
        company_name=regen.SAMPLE_COMPANY,
        legal_representative_name=regen.SAMPLE_PERSON,
        division_code="120115",
        seals=[K.SealRequest(kind=k, physical=True, electronic=True) for k in STANDARD],
    )
    seals.driver.send("seal", "IssueSeals", request, case_id=case_id, step="seal", key=key)
    again = seals.driver.results(key, count=2)[-1]
    assert again.status.task_id == first.status.task_id
    done = seals.complete(key, first.status.task_id)
    seals.driver.send("seal", "IssueSeals", request, case_id=case_id, step="seal", key=key)
    replayed = seals.driver.results(key, count=4)[-1]
    assert replayed.status.outcome == Outcome.OUTCOME_DONE
    assert [s.seal_code for s in replayed.seals] == [s.seal_code for s in done.seals]
    _, _, other_key_result = seals.order(uscc, case_id=case_id)
    assert other_key_result.status.outcome == Outcome.OUTCOME_DONE
    assert [s.seal_code for s in other_key_result.seals] == [s.seal_code for s in done.seals]
    listed = seals.service.ListSeals(
        seal_pb2.ListSealsRequest(uscc=uscc), metadata=seals.owner("alice")
    )
    assert [s.seal_code for s in listed.seals] == [s.seal_code for s in done.seals]
    open_tasks = seals.desk.ListTasks(desk_pb2.ListTasksRequest(), metadata=seals.maker()).tasks
    assert case_id not in [t.case_id for t in open_tasks]


# --------------------------------------------------------------------------- SignPdf, RevokeSeals


def test_signed_pdf_validates_shows_the_impression_and_fails_once_revoked(
    seals: SealPlatform,
) -> None:
    uscc, case_id, issued = seals.company_with_seals(applicant="bob")
    pdf = sample_pdf()
    signed = seals.service.SignPdf(
        seal_pb2.SignPdfRequest(
            uscc=uscc, kind=K.SEAL_KIND_OFFICIAL, pdf=pdf, page=0, x=300, y=120, reason="合同签署"
        ),
        metadata=seals.owner("bob"),
    )
    official = next(s for s in issued.seals if s.kind == K.SEAL_KIND_OFFICIAL)
    assert signed.seal_code == official.seal_code
    assert signed.certificate_serial == official.certificate_serial
    root = seals.pki().root_certificate()
    report = validate_pdf(signed.signed_pdf, trust_root=root)
    assert report.ok, report.pretty()
    (signature,) = report.signatures
    assert signature.intact and signature.trusted and not signature.revoked
    assert signature.timestamp_time is not None
    assert signature.field_name == signed.field_name
    assert signature.signer_serial == int(official.certificate_serial, 16)

    # The impression is drawn in its box, and nowhere else on the page.
    page = render_page(signed.signed_pdf)
    side = round(40 * MM)
    top = round(A4[1] - 120 - side)
    # One pixel of slack: pyHanko rounds the widget box to whole points.
    inside = page.crop((299, top - 1, 301 + side, top + side + 1))
    expected = Image.open(io.BytesIO(render_seal_png(_spec_of(official, uscc), dpi=72)))
    assert seal_pixels(inside) == pytest.approx(seal_pixels(expected), rel=0.15)
    assert seal_pixels(page) == seal_pixels(inside)
    assert seal_pixels(render_page(pdf)) == 0

    before = seals.service.GetCrl(seal_pb2.GetCrlRequest(), metadata=seals.owner("bob"))
    revoked = seals.revoke(case_id)
    assert revoked.status.outcome == Outcome.OUTCOME_DONE
    assert sorted(revoked.revoked_seal_codes) == sorted(s.seal_code for s in issued.seals)
    assert revoked.crl_number > before.crl_number

    fresh = seals.http_crl()
    crl = x509.load_der_x509_crl(fresh)
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number >= (
        revoked.crl_number
    )
    listed = {f"{entry.serial_number:x}" for entry in crl}
    assert {s.certificate_serial for s in issued.seals} <= listed
    report = validate_pdf(signed.signed_pdf, trust_root=root, extra_crls=[fresh])
    assert not report.ok and report.signatures[0].revoked, report.pretty()
    cert = x509.load_pem_x509_certificate(official.certificate_pem.encode())
    trusted, why = cert_chain_is_trusted(
        cert, [seals.pki().load_certificate("seal")], root, [fresh, seals.root_crl()]
    )
    assert not trusted and why.startswith("revoked")

    # A revoked seal signs nothing more; its filing is cancelled.
    code, _ = grpc_error(
        lambda: seals.service.SignPdf(
            seal_pb2.SignPdfRequest(uscc=uscc, seal_code=official.seal_code, pdf=pdf, x=50, y=50),
            metadata=seals.owner("bob"),
        )
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    filing = seals.service.GetSealFiling(
        seal_pb2.GetSealFilingRequest(seal_code=official.seal_code), metadata=seals.owner("bob")
    )
    assert filing.state == seal_pb2.FILING_STATE_CANCELLED and filing.cancelled_at.seconds > 0
    cancelled = seals.looked_up_filing(official.seal_code).filing
    assert cancelled.state == seal_pb2.FILING_STATE_CANCELLED

    # Idempotent: the same command again, or another round, revokes nothing new.
    again = seals.revoke(case_id)
    assert again == revoked
    second_round = seals.revoke(case_id, round_=2)
    assert second_round.crl_number == revoked.crl_number
    assert sorted(second_round.revoked_seal_codes) == sorted(revoked.revoked_seal_codes)
    assert len(seals.driver.events("seal.SealsRevoked")) >= 1


def _spec_of(seal: Any, uscc: str) -> SealSpec:
    kind = KIND_NAMES[seal.kind]
    return SealSpec(
        kind,
        regen.SAMPLE_COMPANY,
        seal.seal_code,
        uscc=uscc if kind is SealKind.INVOICE else "",
        person_name=regen.SAMPLE_PERSON if kind is SealKind.LEGAL_REP else "",
    )


def test_revocation_before_completion_withdraws_the_order(seals: SealPlatform) -> None:
    uscc = new_uscc()
    key, case_id, first = seals.order(uscc)
    revoked = seals.revoke(case_id)
    assert revoked.status.outcome == Outcome.OUTCOME_DONE
    assert len(revoked.revoked_seal_codes) == 4
    task = seals.desk.GetTask(
        desk_pb2.GetTaskRequest(task_id=first.status.task_id), metadata=seals.maker()
    ).task
    assert task.state == desk_pb2.TASK_STATE_CANCELLED
    code, _ = grpc_error(
        lambda: seals.desk.CompleteTask(
            seal_pb2.CompleteTaskRequest(task_id=first.status.task_id), metadata=seals.maker()
        )
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    # The action arriving after its compensation is refused rather than made.
    late_key = seals.driver.send(
        "seal",
        "IssueSeals",
        seal_pb2.IssueSealsRequest(uscc=uscc),
        case_id=case_id,
        step="seal",
        key=f"{key}:late",
    )
    assert seals.driver.result(late_key).status.outcome == Outcome.OUTCOME_REJECTED


def test_bad_signing_requests_get_clear_errors_and_change_nothing(seals: SealPlatform) -> None:
    uscc, _, issued = seals.company_with_seals(applicant="carol")
    other_uscc, _, other = seals.company_with_seals(applicant="dave")
    owner = seals.owner("carol")
    before = seals.service.ListSeals(seal_pb2.ListSealsRequest(uscc=uscc), metadata=owner)
    pdf = sample_pdf()
    official = issued.seals[0].seal_code

    def sign(metadata: Any = owner, **fields: Any) -> tuple[grpc.StatusCode, list[tuple[str, str]]]:
        values: dict[str, Any] = {"uscc": uscc, "seal_code": official, "pdf": pdf, "x": 50, "y": 50}
        request = seal_pb2.SignPdfRequest(**(values | fields))
        return grpc_error(lambda: seals.service.SignPdf(request, metadata=metadata))

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt("secret")
    encrypted = io.BytesIO()
    writer.write(encrypted)

    invalid = grpc.StatusCode.INVALID_ARGUMENT
    assert sign(pdf=b"just some text") == (invalid, [("pdf", "pdf_format")])
    assert sign(pdf=encrypted.getvalue()) == (invalid, [("pdf", "pdf_encrypted")])
    assert sign(x=500) == (invalid, [("x", "on_page")])
    assert sign(page=1) == (invalid, [("page", "page_exists")])
    assert sign(seal_code="12010") == (invalid, [("seal_code", "seal_code_format")])
    assert sign(seal_code="1201001999999")[0] == grpc.StatusCode.NOT_FOUND
    assert sign(seal_code=other.seals[0].seal_code) == (invalid, [("seal_code", "company_seal")])
    assert sign(seal_code="", kind=K.SEAL_KIND_CONTRACT) == (invalid, [("kind", "seal_requested")])
    assert sign(kind=K.SEAL_KIND_FINANCE) == (invalid, [("kind", "matches_seal")])
    assert sign(seal_code="") == (invalid, [("seal_code", "required")])
    assert sign(metadata=seals.owner("dave"))[0] == grpc.StatusCode.PERMISSION_DENIED
    assert sign(metadata=seals.maker())[0] == grpc.StatusCode.PERMISSION_DENIED
    assert sign(uscc=other_uscc, seal_code="")[0] == grpc.StatusCode.PERMISSION_DENIED
    after = seals.service.ListSeals(seal_pb2.ListSealsRequest(uscc=uscc), metadata=owner)
    assert after == before


def test_physical_only_seal_cannot_sign(seals: SealPlatform) -> None:
    uscc, _, issued = seals.company_with_seals(applicant="erin", electronic=False)
    assert all(not s.certificate_pem and s.filing_number for s in issued.seals)
    code, found = grpc_error(
        lambda: seals.service.SignPdf(
            seal_pb2.SignPdfRequest(
                uscc=uscc, kind=K.SEAL_KIND_OFFICIAL, pdf=sample_pdf(), x=50, y=50
            ),
            metadata=seals.owner("erin"),
        )
    )
    assert (code, found) == (grpc.StatusCode.INVALID_ARGUMENT, [("seal_code", "electronic_seal")])


# --------------------------------------------------------------------------- automatic completion


def test_electronic_only_set_is_made_at_once_when_configured(
    tmp_path: Path, vhost: str, database_url: str
) -> None:
    factory = PlatformFactory(tmp_path, vhost, database_url)
    with start_seal_service(factory, ONESTOP_AUTO_APPROVE="seal") as platform:
        _, _, result = platform.order(new_uscc(), electronic=True, physical=False)
        assert result.status.outcome == Outcome.OUTCOME_DONE
        assert result.status.decided_by == "auto:electronic-only"
        assert all(s.certificate_pem and s.filing_number for s in result.seals)
        assert platform.driver.events("seal.SealsIssued")
        _, _, mixed = platform.order(new_uscc())
        assert mixed.status.outcome == Outcome.OUTCOME_ACCEPTED
