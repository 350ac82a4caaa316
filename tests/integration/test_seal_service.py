"""The seal service as a real process on the real broker: seal orders through the seal maker's
desk, electronic seals on the platform PKI, police filings, sealing PDFs (by the owner or an
authorised user, each entered in the seal usage register), and revocation with the CRL fetched
over HTTP from the service."""

from __future__ import annotations

import hashlib
import io
import json
import random
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import grpc
import pika
import pypdfium2
import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from grpc_status import rpc_status
from PIL import Image
from pypdf import PdfWriter
from reportlab.lib.pagesizes import A4

from onestop.common.v1 import application_pb2, common_pb2, desk_pb2
from onestop.seal.v1 import seal_pb2, seal_pb2_grpc
from onestop_common import messaging as m
from onestop_common.calendar import BusinessCalendar
from onestop_common.clock import SHANGHAI
from onestop_common.identifiers import make_orgcode, make_uscc
from onestop_common.pki import PkiStore
from onestop_common.protoconv import from_timestamp, rejections_from_status, timestamp
from onestop_common.settings import Settings
from onestop_common.signing import cert_chain_is_trusted, validate_pdf
from svc_seal.impression import MM, SealKind, SealSpec, render_seal_pdf, render_seal_png
from tests.integration.conftest import PlatformFactory
from tests.support.infra import (
    databases,
    free_port_base,
    rabbit_vhost,
    settings_for,
    signing_server,
)
from tests.support.participant import CommandDriver, channel_to, credential
from tests.support.pdfs import sample_pdf
from tests.unit.test_seal_impression import MAX_MEAN_DIFF, MAX_SHARE_DIFFERING, _difference, regen

Outcome = common_pb2.Outcome
K = application_pb2
STANDARD = (K.SEAL_KIND_OFFICIAL, K.SEAL_KIND_FINANCE, K.SEAL_KIND_INVOICE, K.SEAL_KIND_LEGAL_REP)
KIND_NAMES = {
    K.SEAL_KIND_OFFICIAL: SealKind.OFFICIAL,
    K.SEAL_KIND_FINANCE: SealKind.FINANCE,
    K.SEAL_KIND_INVOICE: SealKind.INVOICE,
    K.SEAL_KIND_LEGAL_REP: SealKind.LEGAL_REP,
    K.SEAL_KIND_CONTRACT: SealKind.CONTRACT,
}
MAKER = "001"
SEAL_RED = (0xD0, 0, 0)


# --------------------------------------------------------------------------- harness


def new_uscc() -> str:
    body = "".join(random.choice("0123456789") for _ in range(8))
    return make_uscc("9", "1", "120115", make_orgcode(body).replace("-", ""))


@dataclass
class SealPlatform:
    settings: Settings
    driver: CommandDriver
    channel: grpc.Channel
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)

    @property
    def service(self) -> seal_pb2_grpc.SealServiceStub:
        return seal_pb2_grpc.SealServiceStub(self.channel)

    @property
    def desk(self) -> seal_pb2_grpc.SealDeskStub:
        return seal_pb2_grpc.SealDeskStub(self.channel)

    def maker(self, org: str = MAKER, subject: str = "maker-wang") -> Any:
        return credential(self.settings, "seal_maker", subject, org=org)

    def owner(self, applicant: str) -> Any:
        return credential(self.settings, "entrepreneur", applicant)

    def deadline(self, workdays: str) -> common_pb2.Deadline:
        now = self.settings.clock().now()
        due = self.calendar.add_working_time(now, Decimal(workdays))
        deadline = common_pb2.Deadline(limit_workdays=workdays)
        deadline.started_at.CopyFrom(timestamp(now))
        deadline.due_at.CopyFrom(timestamp(due))
        deadline.warn_at.CopyFrom(timestamp(self.calendar.warning_at(now, due)))
        return deadline

    def order(
        self,
        uscc: str,
        kinds: tuple[int, ...] = STANDARD,
        *,
        applicant: str = "alice",
        physical: bool = True,
        electronic: bool = True,
        company: str = regen.SAMPLE_COMPANY,
        person: str = regen.SAMPLE_PERSON,
        workdays: str = "0.5",
        case_id: str = "",
    ) -> tuple[str, str, Any]:
        """Sends IssueSeals as the saga does; returns (idempotency key, case id, first result)."""
        case_id = case_id or f"OS-SEAL-{uuid.uuid4().hex[:8].upper()}"
        request = seal_pb2.IssueSealsRequest(
            uscc=uscc,
            company_name=company,
            legal_representative_name=person,
            division_code="120115",
            seals=[K.SealRequest(kind=k, physical=physical, electronic=electronic) for k in kinds],
        )
        key = self.driver.send(
            "seal",
            "IssueSeals",
            request,
            case_id=case_id,
            step="seal",
            applicant_id=applicant,
            deadline=self.deadline(workdays),
        )
        return key, case_id, self.driver.result(key)

    def complete(self, key: str, task_id: str) -> seal_pb2.IssueSealsResponse:
        self.desk.ClaimTask(seal_pb2.ClaimTaskRequest(task_id=task_id), metadata=self.maker())
        self.desk.MarkEngraved(seal_pb2.MarkEngravedRequest(task_id=task_id), metadata=self.maker())
        self.desk.CompleteTask(seal_pb2.CompleteTaskRequest(task_id=task_id), metadata=self.maker())
        return self.driver.result(key, outcome=Outcome.OUTCOME_DONE)  # type: ignore[no-any-return]

    def company_with_seals(self, applicant: str = "alice", **kw: Any) -> tuple[str, str, Any]:
        uscc = new_uscc()
        key, case_id, first = self.order(uscc, applicant=applicant, **kw)
        assert first.status.outcome == Outcome.OUTCOME_ACCEPTED
        return uscc, case_id, self.complete(key, first.status.task_id)

    def authorise(
        self,
        uscc: str,
        subject: str,
        *,
        owner: str,
        kinds: tuple[int, ...] = (),
        valid_until: datetime | None = None,
        note: str = "",
    ) -> seal_pb2.Signer:
        request = seal_pb2.AuthoriseSignerRequest(
            uscc=uscc, subject=subject, kinds=kinds, note=note
        )
        if valid_until is not None:
            request.valid_until.CopyFrom(timestamp(valid_until))
        return self.service.AuthoriseSigner(request, metadata=self.owner(owner)).signer

    def sign_as(
        self, who: str, uscc: str, pdf: bytes, kind: int = K.SEAL_KIND_OFFICIAL, **fields: Any
    ) -> seal_pb2.SignPdfResponse:
        values: dict[str, Any] = {"x": 300, "y": 120}
        request = seal_pb2.SignPdfRequest(uscc=uscc, kind=kind, pdf=pdf, **(values | fields))
        return self.service.SignPdf(request, metadata=self.owner(who))  # type: ignore[no-any-return]

    def signers(self, uscc: str, who: str, *, include_revoked: bool = False) -> list[Any]:
        request = seal_pb2.ListSignersRequest(uscc=uscc, include_revoked=include_revoked)
        return list(self.service.ListSigners(request, metadata=self.owner(who)).signers)

    def usages(self, uscc: str, who: str, page_size: int = 0) -> list[Any]:
        found, token = [], ""
        while True:
            page = self.service.ListSealUsages(
                seal_pb2.ListSealUsagesRequest(uscc=uscc, page_size=page_size, page_token=token),
                metadata=self.owner(who),
            )
            found += page.usages
            token = page.next_page_token
            if not token:
                return found

    def revoke(self, case_id: str, round_: int = 1) -> seal_pb2.RevokeSealsResponse:
        key = self.driver.send(
            "seal",
            "RevokeSeals",
            seal_pb2.RevokeSealsRequest(reason="the bank refused the account"),
            case_id=case_id,
            step="seal",
            key=f"{case_id}:seal:RevokeSeals:{round_}",
        )
        return self.driver.result(key)  # type: ignore[no-any-return]

    def event_for(self, case_id: str, routing_key: str) -> Any:
        deadline = time.monotonic() + 20
        while True:
            events = self.driver.events(routing_key, timeout=max(0.1, deadline - time.monotonic()))
            mine = [e for e in events if e.headers.get(m.H_CASE) == case_id]
            if mine:
                return m.decode_body(mine[-1].proto_type, mine[-1].body)
            count = len(events) + 1
            events = self.driver.events(
                routing_key, timeout=max(0.1, deadline - time.monotonic()), count=count
            )

    def http_crl(self) -> bytes:
        with urllib.request.urlopen(f"{self.settings.crl_base_url}/seal.crl", timeout=10) as r:
            assert r.headers["Content-Type"] == "application/pkix-crl"
            return r.read()  # type: ignore[no-any-return]

    def pki(self) -> PkiStore:
        return PkiStore(self.settings.pki_dir, self.settings.kek)

    def root_crl(self) -> bytes:
        with urllib.request.urlopen(f"{self.settings.crl_base_url}/root.crl", timeout=10) as r:
            return r.read()  # type: ignore[no-any-return]

    def nameko_rpc(self, method: str, *args: Any) -> Any:
        """Calls the service's nameko RPC the way the bank's ServiceRpc does (json over AMQP)."""
        connection = pika.BlockingConnection(pika.URLParameters(self.settings.amqp_url))
        try:
            channel = connection.channel()
            queue = channel.queue_declare("", exclusive=True).method.queue
            channel.queue_bind(queue, "nameko-rpc", routing_key=queue)
            correlation = uuid.uuid4().hex
            channel.basic_publish(
                "nameko-rpc",
                f"seal.{method}",
                json.dumps({"args": list(args), "kwargs": {}}),
                pika.BasicProperties(
                    content_type="application/json", reply_to=queue, correlation_id=correlation
                ),
            )
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                frame, properties, body = channel.basic_get(queue, auto_ack=True)
                if frame is None:
                    connection.process_data_events(time_limit=0.05)
                    continue
                if properties.correlation_id == correlation:
                    reply = json.loads(body)
                    assert reply["error"] is None, reply["error"]
                    return reply["result"]
            raise TimeoutError(f"no reply from seal.{method}")
        finally:
            connection.close()


@contextmanager
def start_seal_service(factory: PlatformFactory, **extra: str) -> Iterator[SealPlatform]:
    settings = settings_for(factory.env(**extra))
    # The PKI and the signing server exist before the service, as under `onestop up`.
    with signing_server(settings):
        supervisor = factory.start(("seal",), **extra)
        driver = CommandDriver(supervisor.settings)
        channel = channel_to(supervisor.settings, "seal")
        try:
            yield SealPlatform(supervisor.settings, driver, channel)
        finally:
            channel.close()
            driver.close()
            factory.stop()


@pytest.fixture(scope="module")
def seals(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SealPlatform]:
    """One seal service for the module (every test uses its own companies and cases)."""
    tmp = tmp_path_factory.mktemp("seal")
    with (
        rabbit_vhost() as vhost,
        databases(tmp) as url,
        start_seal_service(PlatformFactory(tmp, vhost, url), ONESTOP_AUTO_APPROVE="none") as found,
    ):
        yield found


def grpc_error(call: Any) -> tuple[grpc.StatusCode, list[tuple[str, str]]]:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    error = caught.value
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    found = [] if status is None else [(r.field, r.rule) for r in rejections_from_status(status)]
    return error.code(), found  # type: ignore[attr-defined]


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

    listed = seals.desk.ListTasks(seal_pb2.ListTasksRequest(), metadata=seals.maker()).tasks
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
        seal_pb2.ClaimTaskRequest(task_id=task_id), metadata=seals.maker()
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
    answer = seals.nameko_rpc("seal_filing", codes[1])
    assert answer.pop("filed_at").startswith(str(result.seals[1].filed_at.ToDatetime().year))
    assert answer == {
        "seal_code": codes[1],
        "filing_number": result.seals[1].filing_number,
        "state": "filed",
        "uscc": uscc,
        "kind": "finance",
    }
    assert seals.nameko_rpc("seal_filing", "1201001999999")["state"] == "unknown"
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
    listed = seals.desk.ListTasks(seal_pb2.ListTasksRequest(), metadata=other).tasks
    assert task_id not in [t.task_id for t in listed]
    for call in (
        lambda: seals.desk.GetTask(seal_pb2.GetTaskRequest(task_id=task_id), metadata=other),
        lambda: seals.desk.ClaimTask(seal_pb2.ClaimTaskRequest(task_id=task_id), metadata=other),
        lambda: seals.desk.CompleteTask(
            seal_pb2.CompleteTaskRequest(task_id=task_id), metadata=other
        ),
    ):
        assert grpc_error(call)[0] == grpc.StatusCode.PERMISSION_DENIED
    entrepreneur = seals.owner("alice")
    code, _ = grpc_error(
        lambda: seals.desk.ListTasks(seal_pb2.ListTasksRequest(), metadata=entrepreneur)
    )
    assert code == grpc.StatusCode.PERMISSION_DENIED


def test_queue_shows_the_nearest_deadline_first(seals: SealPlatform) -> None:
    _, _, later = seals.order(new_uscc(), workdays="1")
    _, _, sooner = seals.order(new_uscc(), workdays="0.5")
    listed = seals.desk.ListTasks(seal_pb2.ListTasksRequest(), metadata=seals.maker()).tasks
    ids = [t.task_id for t in listed]
    assert ids.index(sooner.status.task_id) < ids.index(later.status.task_id)
    got = seals.desk.GetTask(
        seal_pb2.GetTaskRequest(task_id=sooner.status.task_id), metadata=seals.maker()
    )
    assert len(got.seals) == 4 and all(s.impression_pdf.startswith(b"%PDF") for s in got.seals)


def test_seal_maker_rejection_fails_the_step(seals: SealPlatform) -> None:
    uscc = new_uscc()
    key, case_id, first = seals.order(uscc)
    code, found = grpc_error(
        lambda: seals.desk.RejectTask(
            seal_pb2.RejectTaskRequest(task_id=first.status.task_id), metadata=seals.maker()
        )
    )
    assert (code, found) == (grpc.StatusCode.INVALID_ARGUMENT, [("reason", "required")])
    seals.desk.RejectTask(
        seal_pb2.RejectTaskRequest(task_id=first.status.task_id, reason="印模无法辨认"),
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
    open_tasks = seals.desk.ListTasks(seal_pb2.ListTasksRequest(), metadata=seals.maker()).tasks
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
    assert seals.nameko_rpc("seal_filing", official.seal_code)["state"] == "cancelled"

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
        seal_pb2.GetTaskRequest(task_id=first.status.task_id), metadata=seals.maker()
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


# --------------------------------------------------------------------------- authorised users


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_an_authorised_user_signs_and_the_usage_register_records_each_signature(
    seals: SealPlatform,
) -> None:
    uscc, _, issued = seals.company_with_seals(applicant="grace")
    by_kind = {s.kind: s for s in issued.seals}
    granted = seals.authorise(uscc, "heidi", owner="grace", note="行政主管")
    assert list(granted.kinds) == list(STANDARD)  # no kinds asked: every electronic seal
    assert granted.active and granted.granted_by == "grace" and granted.note == "行政主管"
    assert not granted.HasField("valid_until") and not granted.HasField("revoked_at")

    contract = sample_pdf()
    signed = seals.sign_as("heidi", uscc, contract, reason="代表公司签署合同")
    assert signed.seal_code == by_kind[K.SEAL_KIND_OFFICIAL].seal_code
    report = validate_pdf(signed.signed_pdf, trust_root=seals.pki().root_certificate())
    assert report.ok, report.pretty()
    (signature,) = report.signatures
    assert signature.signer_serial == int(by_kind[K.SEAL_KIND_OFFICIAL].certificate_serial, 16)

    # The owner countersigns the signed PDF with the finance seal; then a second document.
    countersigned = seals.sign_as(
        "grace", uscc, signed.signed_pdf, K.SEAL_KIND_FINANCE, x=100, reason="财务确认"
    )
    report = validate_pdf(countersigned.signed_pdf, trust_root=seals.pki().root_certificate())
    assert report.ok and len(report.signatures) == 2, report.pretty()
    invoice = sample_pdf(pages=2)
    third = seals.sign_as("heidi", uscc, invoice, K.SEAL_KIND_INVOICE, page=1)

    usages = seals.usages(uscc, "grace")
    assert [(u.signer, u.capacity, u.seal_code, u.field_name) for u in usages] == [
        (
            "heidi",
            seal_pb2.SIGNER_CAPACITY_AUTHORISED_USER,
            third.seal_code,
            third.field_name,
        ),
        (
            "grace",
            seal_pb2.SIGNER_CAPACITY_OWNER,
            countersigned.seal_code,
            countersigned.field_name,
        ),
        ("heidi", seal_pb2.SIGNER_CAPACITY_AUTHORISED_USER, signed.seal_code, signed.field_name),
    ]
    newest, middle, oldest = usages
    assert (oldest.input_sha256, oldest.signed_sha256) == (
        sha256(contract),
        sha256(signed.signed_pdf),
    )
    assert (middle.input_sha256, middle.signed_sha256) == (
        sha256(signed.signed_pdf),
        sha256(countersigned.signed_pdf),
    )
    assert (newest.input_sha256, newest.signed_sha256) == (
        sha256(invoice),
        sha256(third.signed_pdf),
    )
    assert [u.kind for u in usages] == [
        K.SEAL_KIND_INVOICE,
        K.SEAL_KIND_FINANCE,
        K.SEAL_KIND_OFFICIAL,
    ]
    assert (oldest.reason, middle.reason, newest.reason) == (
        "代表公司签署合同",
        "财务确认",
        "加盖发票专用章",
    )
    assert oldest.certificate_serial == by_kind[K.SEAL_KIND_OFFICIAL].certificate_serial
    assert all(u.uscc == uscc for u in usages)
    times = [u.signed_at.ToNanoseconds() for u in usages]
    assert all(times) and times == sorted(times, reverse=True)

    # Pages of one entry give the same register, and an administrator reads it too.
    assert seals.usages(uscc, "grace", page_size=1) == usages
    admin = credential(seals.settings, "admin", "root")
    listed = seals.service.ListSealUsages(seal_pb2.ListSealUsagesRequest(uscc=uscc), metadata=admin)
    assert list(listed.usages) == usages

    # The register and the full list of signers are the owner's; a user sees only itself.
    ivan = seals.authorise(uscc, "ivan", owner="grace", kinds=(K.SEAL_KIND_LEGAL_REP,))
    assert seals.signers(uscc, "grace") == [granted, ivan]
    assert seals.signers(uscc, "heidi") == [granted]
    assert seals.signers(uscc, "ivan") == [ivan]
    capacity = {
        who: seals.service.ListSigners(
            seal_pb2.ListSignersRequest(uscc=uscc), metadata=seals.owner(who)
        ).caller_capacity
        for who in ("grace", "heidi")
    }
    assert capacity == {
        "grace": seal_pb2.SIGNER_CAPACITY_OWNER,
        "heidi": seal_pb2.SIGNER_CAPACITY_AUTHORISED_USER,
    }
    assert grpc_error(lambda: seals.usages(uscc, "heidi"))[0] == grpc.StatusCode.PERMISSION_DENIED
    code, found = grpc_error(
        lambda: seals.service.ListSealUsages(
            seal_pb2.ListSealUsagesRequest(uscc=uscc, page_token="abc"),
            metadata=seals.owner("grace"),
        )
    )
    assert (code, found) == (grpc.StatusCode.INVALID_ARGUMENT, [("page_token", "format")])


def test_strangers_limited_and_revoked_users_cannot_sign(seals: SealPlatform) -> None:
    uscc, _, issued = seals.company_with_seals(applicant="ivy")
    official = next(s for s in issued.seals if s.kind == K.SEAL_KIND_OFFICIAL)
    pdf = sample_pdf()
    denied = grpc.StatusCode.PERMISSION_DENIED

    def refused(who: str, **fields: Any) -> tuple[grpc.StatusCode, list[tuple[str, str]]]:
        return grpc_error(lambda: seals.sign_as(who, uscc, pdf, **fields))

    # A stranger learns nothing about the seals: refused before the seal is even chosen.
    assert refused("mallory") == (denied, [("subject", "authorised_user")])
    assert refused("mallory", seal_code="1201001999999", kind=0) == (
        denied,
        [("subject", "authorised_user")],
    )

    finance_only = seals.authorise(uscc, "judy", owner="ivy", kinds=(K.SEAL_KIND_FINANCE,))
    assert list(finance_only.kinds) == [K.SEAL_KIND_FINANCE]
    assert refused("judy") == (denied, [("kind", "authorised_kind")])
    assert refused("judy", seal_code=official.seal_code, kind=0) == (
        denied,
        [("kind", "authorised_kind")],
    )
    signed = seals.sign_as("judy", uscc, pdf, K.SEAL_KIND_FINANCE)
    assert validate_pdf(signed.signed_pdf, trust_root=seals.pki().root_certificate()).ok

    # Nor may she manage the grants or read the register.
    for call in (
        lambda: seals.authorise(uscc, "mallory", owner="judy"),
        lambda: seals.service.RevokeSigner(
            seal_pb2.RevokeSignerRequest(uscc=uscc, subject="judy", reason="x"),
            metadata=seals.owner("judy"),
        ),
        lambda: seals.usages(uscc, "judy"),
        lambda: seals.signers(uscc, "mallory"),
        lambda: seals.service.AuthoriseSigner(
            seal_pb2.AuthoriseSignerRequest(uscc=uscc, subject="judy"), metadata=seals.maker()
        ),
    ):
        assert grpc_error(call)[0] == denied

    revoke = seal_pb2.RevokeSignerRequest(uscc=uscc, subject="judy", reason="调岗，不再负责财务")
    revoked = seals.service.RevokeSigner(revoke, metadata=seals.owner("ivy")).signer
    assert not revoked.active and revoked.revoked_by == "ivy"
    assert revoked.revoke_reason == "调岗，不再负责财务" and revoked.revoked_at.seconds > 0
    assert refused("judy", kind=K.SEAL_KIND_FINANCE) == (
        denied,
        [("subject", "authorisation_revoked")],
    )
    # Idempotent: revoking again keeps who, when and why of the first revocation.
    again = seals.service.RevokeSigner(
        seal_pb2.RevokeSignerRequest(uscc=uscc, subject="judy", reason="重复撤销"),
        metadata=seals.owner("ivy"),
    ).signer
    assert again == revoked
    assert seals.signers(uscc, "ivy") == []
    assert seals.signers(uscc, "ivy", include_revoked=True) == [revoked]
    assert seals.signers(uscc, "judy") == []
    assert seals.signers(uscc, "judy", include_revoked=True) == [revoked]
    unknown = seal_pb2.RevokeSignerRequest(uscc=uscc, subject="nobody", reason="x")
    assert (
        grpc_error(lambda: seals.service.RevokeSigner(unknown, metadata=seals.owner("ivy")))[0]
        == grpc.StatusCode.NOT_FOUND
    )
    no_reason = seal_pb2.RevokeSignerRequest(uscc=uscc, subject="judy")
    assert grpc_error(
        lambda: seals.service.RevokeSigner(no_reason, metadata=seals.owner("ivy"))
    ) == (grpc.StatusCode.INVALID_ARGUMENT, [("reason", "required")])

    # Only the one signature that succeeded is in the register.
    (usage,) = seals.usages(uscc, "ivy")
    assert (usage.signer, usage.kind, usage.signed_sha256) == (
        "judy",
        K.SEAL_KIND_FINANCE,
        sha256(signed.signed_pdf),
    )

    # Granting again restores the row: one per subject, now with the official seal too.
    regranted = seals.authorise(
        uscc, "judy", owner="ivy", kinds=(K.SEAL_KIND_OFFICIAL, K.SEAL_KIND_FINANCE)
    )
    assert regranted.active and not regranted.HasField("revoked_at") and not regranted.revoke_reason
    assert list(regranted.kinds) == [K.SEAL_KIND_OFFICIAL, K.SEAL_KIND_FINANCE]
    assert seals.signers(uscc, "ivy", include_revoked=True) == [regranted]
    assert seals.sign_as("judy", uscc, pdf).seal_code == official.seal_code
    # The same grant once more changes nothing, not even its time.
    assert (
        seals.authorise(
            uscc, "judy", owner="ivy", kinds=(K.SEAL_KIND_FINANCE, K.SEAL_KIND_OFFICIAL)
        )
        == regranted
    )


def test_bad_grants_get_field_named_errors_and_change_nothing(seals: SealPlatform) -> None:
    uscc, _, _ = seals.company_with_seals(applicant="karl")
    other_uscc, _, _ = seals.company_with_seals(applicant="lena")
    existing = seals.authorise(uscc, "mike", owner="karl", kinds=(K.SEAL_KIND_OFFICIAL,))
    now = seals.settings.clock().now()
    invalid = grpc.StatusCode.INVALID_ARGUMENT

    def grant(
        who: str = "karl", company: str = uscc, **fields: Any
    ) -> tuple[grpc.StatusCode, list[tuple[str, str]]]:
        values: dict[str, Any] = {"subject": "mike", "kinds": (K.SEAL_KIND_FINANCE,)} | fields
        return grpc_error(lambda: seals.authorise(company, owner=who, **values))

    assert grant(subject="") == (invalid, [("subject", "required")])
    assert grant(subject="   ") == (invalid, [("subject", "required")])
    assert grant(subject="karl") == (invalid, [("subject", "not_owner")])
    assert grant(valid_until=now - timedelta(minutes=1)) == (invalid, [("valid_until", "future")])
    assert grant(kinds=(K.SEAL_KIND_CONTRACT,)) == (
        invalid,
        [("kinds[0]", "electronic_seal_of_company")],
    )
    assert grant(kinds=(K.SEAL_KIND_FINANCE, 99)) == (invalid, [("kinds[1]", "seal_kind")])
    assert grant(note="备" * 501) == (invalid, [("note", "max_length")])
    # Several problems at once are all named.
    assert grant(subject="", valid_until=datetime(2020, 1, 1, tzinfo=SHANGHAI)) == (
        invalid,
        [("subject", "required"), ("valid_until", "future")],
    )
    assert grant(company="") == (invalid, [("uscc", "required")])
    assert grant(company=new_uscc())[0] == grpc.StatusCode.NOT_FOUND
    assert grant(who="lena")[0] == grpc.StatusCode.PERMISSION_DENIED
    # The errors carry both languages.
    with pytest.raises(grpc.RpcError) as caught:
        seals.authorise(uscc, "karl", owner="karl")
    status = rpc_status.from_call(caught.value)  # type: ignore[arg-type]
    assert status is not None
    (rejected,) = rejections_from_status(status)
    assert "申请人" in rejected.message_zh and "owns the company" in rejected.message_en

    assert seals.signers(uscc, "karl", include_revoked=True) == [existing]
    assert seals.signers(other_uscc, "lena", include_revoked=True) == []
    # Still only the official seal: the refused finance grants did not widen it.
    code, found = grpc_error(lambda: seals.sign_as("mike", uscc, sample_pdf(), K.SEAL_KIND_FINANCE))
    assert (code, found) == (grpc.StatusCode.PERMISSION_DENIED, [("kind", "authorised_kind")])


def test_a_grant_signs_until_it_expires_on_the_business_clock(
    tmp_path: Path, vhost: str, database_url: str
) -> None:
    """Two seal processes on one database whose business clocks are two days apart: "today"
    grants until tomorrow and signs; "the day after" sees the same grant expired. Time passes
    without anyone waiting for it."""
    origin = datetime.now(SHANGHAI)
    today = {"ONESTOP_CLOCK_ORIGIN": origin.isoformat(), "ONESTOP_CLOCK_START": origin.isoformat()}
    factory = PlatformFactory(tmp_path, vhost, database_url)
    with start_seal_service(factory, **today) as platform:
        uscc, _, _ = platform.company_with_seals(applicant="nina")
        until = platform.settings.clock().now() + timedelta(days=1)
        granted = platform.authorise(uscc, "omar", owner="nina", valid_until=until)
        assert from_timestamp(granted.valid_until) == until and granted.active
        pdf = sample_pdf()
        signed = platform.sign_as("omar", uscc, pdf)
        root = platform.pki().root_certificate()
        assert validate_pdf(signed.signed_pdf, trust_root=root).ok

        day_after = origin + timedelta(days=2)
        factory.port_base, base = free_port_base(), factory.port_base
        try:
            later = factory.start(
                ("seal",),
                ONESTOP_CLOCK_ORIGIN=origin.isoformat(),
                ONESTOP_CLOCK_START=day_after.isoformat(),
            )
        finally:
            factory.port_base = base
        with signing_server(later.settings), channel_to(later.settings, "seal") as channel:
            service = seal_pb2_grpc.SealServiceStub(channel)
            request = seal_pb2.SignPdfRequest(
                uscc=uscc, kind=K.SEAL_KIND_OFFICIAL, pdf=pdf, x=300, y=120
            )
            code, found = grpc_error(
                lambda: service.SignPdf(request, metadata=platform.owner("omar"))
            )
            assert (code, found) == (
                grpc.StatusCode.PERMISSION_DENIED,
                [("subject", "authorisation_expired")],
            )
            # The owner still signs on that day; the grant is listed as no longer active.
            owner_signed = service.SignPdf(request, metadata=platform.owner("nina"))
            assert owner_signed.seal_code == signed.seal_code
            (expired,) = service.ListSigners(
                seal_pb2.ListSignersRequest(uscc=uscc), metadata=platform.owner("nina")
            ).signers
            assert not expired.active and not expired.HasField("revoked_at")
        (still,) = platform.signers(uscc, "nina")
        assert still.active  # "today" it has not expired
        usages = platform.usages(uscc, "nina")
        assert [(u.signer, u.capacity) for u in usages] == [
            ("nina", seal_pb2.SIGNER_CAPACITY_OWNER),
            ("omar", seal_pb2.SIGNER_CAPACITY_AUTHORISED_USER),
        ]
        assert from_timestamp(usages[0].signed_at) >= day_after  # type: ignore[operator]
