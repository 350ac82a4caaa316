"""PAdES signing, timestamps and offline validation against the platform root."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import cast

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pypdf import PdfReader, PdfWriter
from pypdf.annotations import FreeText
from pypdf.generic import ArrayObject, DictionaryObject
from reportlab.lib.colors import red
from reportlab.pdfgen import canvas

from onestop_common.pki import (
    CA_NAMES,
    KeyAlgorithm,
    PkiStore,
    RevokedEntry,
    SigningIdentity,
    build_crl,
    generate_key,
    issue_seal_certificate,
)
from onestop_common.signing import (
    Appearance,
    Attachment,
    FieldSpec,
    HttpTimestamper,
    InProcessTimestamper,
    SignatureReport,
    SigningError,
    ValidationMaterial,
    cert_chain_is_trusted,
    list_attachments,
    sign_pdf,
    validate_pdf,
)
from onestop_common.tsa import serve_tsa

KEK = b"signing tests kek"
DER = serialization.Encoding.DER
SEAL_BOX = (350.0, 80.0, 470.0, 200.0)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PkiStore:
    store = PkiStore(tmp_path_factory.mktemp("pki") / "pki", KEK)
    store.init()
    return store


@pytest.fixture(scope="module")
def foreign_pki(tmp_path_factory: pytest.TempPathFactory) -> PkiStore:
    store = PkiStore(tmp_path_factory.mktemp("foreign") / "pki", KEK)
    store.init()
    return store


@pytest.fixture(scope="module")
def tsa(pki: PkiStore) -> InProcessTimestamper:
    return InProcessTimestamper(pki.load_identity("tsa-signer"))


@pytest.fixture(scope="module")
def crls(pki: PkiStore) -> tuple[bytes, ...]:
    return tuple(pki.load_crl(name).public_bytes(DER) for name in CA_NAMES)


@pytest.fixture(scope="module")
def document() -> bytes:
    buffer = BytesIO()
    page = canvas.Canvas(buffer, pagesize=(595, 842))
    page.setFont("Helvetica", 14)
    page.drawString(72, 760, "Hello OneStop: electronic business license")
    page.showPage()
    page.save()
    return buffer.getvalue()


@pytest.fixture(scope="module")
def seal_pdf() -> bytes:
    buffer = BytesIO()
    page = canvas.Canvas(buffer, pagesize=(120, 120))
    page.setStrokeColor(red)
    page.setFillColor(red)
    page.setLineWidth(4)
    page.circle(60, 60, 56)
    page.setFont("Helvetica-Bold", 28)
    page.drawCentredString(60, 50, "*")
    page.showPage()
    page.save()
    return buffer.getvalue()


def _seal_identity(pki: PkiStore, algorithm: KeyAlgorithm) -> SigningIdentity:
    ca = pki.load_identity("seal")
    key = generate_key(algorithm)
    now = datetime.now(UTC)
    cert = issue_seal_certificate(
        ca,
        key.public_key(),
        company_name="Tianjin Baodi Example Tech Co., Ltd.",
        uscc="91120224MA05XXXX1X",
        seal_type="Company Seal",
        seal_code="1202240012345",
        not_before=now - timedelta(minutes=5),
        not_after=now + timedelta(days=5 * 365),
        crl_url="http://127.0.0.1:8470/crl/seal.crl",
    )
    return SigningIdentity(key, cert, (ca.certificate,), algorithm)


@pytest.fixture(scope="module")
def seal(pki: PkiStore) -> SigningIdentity:
    return _seal_identity(pki, KeyAlgorithm.ECDSA_P256)


def test_signed_pdf_validates_with_trusted_timestamp(
    pki: PkiStore, tsa: InProcessTimestamper, crls: tuple[bytes, ...], document: bytes
) -> None:
    signed = sign_pdf(
        document,
        pki.load_identity("registration-signer"),
        field_name="Registration",
        reason="Business license issued",
        location="Baodi, Tianjin",
        timestamper=tsa,
    )
    report = validate_pdf(signed, trust_root=pki.root_certificate(), extra_crls=crls)
    assert report.ok, report.pretty()
    signature = report.by_field("Registration")
    assert signature.intact and signature.trusted and not signature.revoked
    assert signature.coverage == "ENTIRE_FILE"
    assert signature.timestamp_time is not None
    assert "OneStop Registration Authority" in signature.signer_subject
    assert "VALID" in report.pretty() and "Registration" in report.pretty()


def test_validation_works_inside_a_running_event_loop(
    pki: PkiStore, tsa: InProcessTimestamper, crls: tuple[bytes, ...], document: bytes
) -> None:
    """An async web handler (or Playwright's sync API) runs a loop in the calling thread;
    pyHanko's synchronous validation starts a loop of its own, so it must run elsewhere."""
    signed = sign_pdf(
        document, pki.load_identity("registration-signer"), field_name="Inside", timestamper=tsa
    )

    async def handler() -> bool:
        report = validate_pdf(signed, trust_root=pki.root_certificate(), extra_crls=crls)
        return report.ok

    assert asyncio.run(handler())


def test_without_crls_hard_fail_rejects(
    pki: PkiStore, tsa: InProcessTimestamper, document: bytes
) -> None:
    signed = sign_pdf(document, pki.load_identity("registration-signer"), field_name="R")
    report = validate_pdf(signed, trust_root=pki.root_certificate())
    assert not report.ok
    assert not report.by_field("R").trusted


@pytest.mark.parametrize("where", ["page content", "signature value"])
def test_one_flipped_byte_is_detected(
    pki: PkiStore, crls: tuple[bytes, ...], document: bytes, where: str
) -> None:
    signed = bytearray(sign_pdf(document, pki.load_identity("registration-signer"), field_name="R"))
    if where == "page content":
        # reportlab compresses the page stream: flip a byte in the uncompressed header.
        offset = signed.index(b"ReportLab")
    else:
        offset = signed.index(b"/Contents <") + len(b"/Contents <") + 200
    signed[offset] ^= 0x01
    report = validate_pdf(bytes(signed), trust_root=pki.root_certificate(), extra_crls=crls)
    assert not report.ok
    if report.signatures:
        assert not report.signatures[0].bottom_line


def test_edit_after_certification_is_illegal(
    pki: PkiStore, crls: tuple[bytes, ...], document: bytes
) -> None:
    certified = sign_pdf(
        document, pki.load_identity("platform-signer"), field_name="Platform", certify=True
    )
    writer = PdfWriter(BytesIO(certified), incremental=True)
    writer.add_annotation(0, FreeText(text="amended", rect=(72, 600, 300, 640)))
    output = BytesIO()
    writer.write(output)
    edited = output.getvalue()
    assert edited.startswith(certified)
    signature = failed_signature(edited, pki.root_certificate(), crls, "Platform")
    assert signature.intact and signature.trusted
    assert not signature.docmdp_ok
    assert "ILLEGAL_MODIFICATIONS" in signature.summary_en


def test_signature_under_another_root_is_untrusted(
    pki: PkiStore, foreign_pki: PkiStore, crls: tuple[bytes, ...], document: bytes
) -> None:
    signed = sign_pdf(document, foreign_pki.load_identity("platform-signer"), field_name="P")
    signature = failed_signature(signed, pki.root_certificate(), crls, "P")
    assert signature.intact and not signature.trusted
    assert "UNTRUSTED" in signature.summary_en


def test_revoked_seal_is_reported_revoked(
    pki: PkiStore, tsa: InProcessTimestamper, document: bytes
) -> None:
    seal = _seal_identity(pki, KeyAlgorithm.ECDSA_P256)
    signed = sign_pdf(document, seal, field_name="Seal", timestamper=tsa)
    now = datetime.now(UTC)
    revocation = build_crl(
        pki.load_identity("seal"),
        [RevokedEntry(seal.certificate.serial_number, now, x509.ReasonFlags.key_compromise)],
        this_update=now,
        next_update=now + timedelta(days=1),
        crl_number=2,
    )
    crls = [pki.load_crl(name).public_bytes(DER) for name in CA_NAMES if name != "seal"]
    crls.append(revocation.public_bytes(DER))
    signature = failed_signature(signed, pki.root_certificate(), crls, "Seal")
    assert signature.revoked and not signature.trusted
    assert "REVOKED" in signature.summary_en


def test_certification_then_seal_in_precreated_field_both_valid(
    pki: PkiStore,
    tsa: InProcessTimestamper,
    crls: tuple[bytes, ...],
    document: bytes,
    seal: SigningIdentity,
    seal_pdf: bytes,
) -> None:
    certified = sign_pdf(
        document,
        pki.load_identity("registration-signer"),
        field_name="Registration",
        timestamper=tsa,
        certify=True,
        docmdp="fill_forms",
        extra_empty_fields=[FieldSpec("CompanySeal", page=0, box=SEAL_BOX)],
    )
    sealed = with_seal_impression(certified, seal, "CompanySeal", tsa, seal_pdf)
    report = validate_pdf(sealed, trust_root=pki.root_certificate(), extra_crls=crls)
    assert report.ok, report.pretty()
    certification = report.by_field("Registration")
    assert certification.certification == "FILL_FORMS"
    assert certification.coverage == "ENTIRE_REVISION"
    assert certification.modification_level == "FORM_FILLING"
    assert report.by_field("CompanySeal").coverage == "ENTIRE_FILE"
    assert "Company Seal" in report.by_field("CompanySeal").signer_subject
    with pytest.raises(SigningError, match="already signed"):
        sign_pdf(sealed, seal, field_name="CompanySeal")


def test_attachments_are_embedded_covered_and_listed(
    pki: PkiStore, crls: tuple[bytes, ...], document: bytes
) -> None:
    attachments = [
        Attachment("manifest.json", b'{"uscc": "91120224MA05XXXX1X"}', "application/json", "m"),
        Attachment("a-first.txt", "营业执照".encode(), "text/plain"),
    ]
    signed = sign_pdf(
        document,
        pki.load_identity("platform-signer"),
        field_name="Bundle",
        attachments=attachments,
    )
    report = validate_pdf(signed, trust_root=pki.root_certificate(), extra_crls=crls)
    assert report.ok, report.pretty()
    assert report.by_field("Bundle").coverage == "ENTIRE_FILE"
    listed = list_attachments(signed)
    assert listed == {a.name: a.data for a in attachments}
    assert list(listed) == ["a-first.txt", "manifest.json"]
    assert set(PdfReader(BytesIO(signed)).attachments) == set(listed)
    assert list_attachments(document) == {}


@pytest.mark.parametrize("algorithm", [KeyAlgorithm.ECDSA_P256, KeyAlgorithm.RSA_2048])
def test_rsa_and_ecdsa_signers(
    pki: PkiStore,
    tsa: InProcessTimestamper,
    crls: tuple[bytes, ...],
    document: bytes,
    seal_pdf: bytes,
    algorithm: KeyAlgorithm,
) -> None:
    signer = _seal_identity(pki, algorithm)
    signed = with_seal_impression(document, signer, "Seal", tsa, seal_pdf)
    report = validate_pdf(signed, trust_root=pki.root_certificate(), extra_crls=crls)
    assert report.ok, report.pretty()
    # pyHanko raises the catalog /Version to 2.0 for ECDSA; RSA stays at 1.7.
    version = b"/Version /2.0" if algorithm is KeyAlgorithm.ECDSA_P256 else b"/Version /1.7"
    assert version in signed


def test_http_timestamp_authority_round_trip(
    pki: PkiStore, crls: tuple[bytes, ...], document: bytes
) -> None:
    server = serve_tsa("127.0.0.1", 0, pki.load_identity("tsa-signer"))
    # A short poll interval keeps shutdown() quick.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        signed = sign_pdf(
            document,
            pki.load_identity("registration-signer"),
            field_name="R",
            timestamper=HttpTimestamper(server.url),
        )
        wrong_type = requests.post(server.url, data=b"x", timeout=5)
        malformed = requests.post(
            server.url,
            data=b"\x30\x03\x02\x01\x01",
            headers={"Content-Type": "application/timestamp-query"},
            timeout=5,
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    report = validate_pdf(signed, trust_root=pki.root_certificate(), extra_crls=crls)
    assert report.ok, report.pretty()
    assert report.by_field("R").timestamp_time is not None
    assert wrong_type.status_code == 415
    assert malformed.status_code == 200
    assert malformed.headers["Content-Type"] == "application/timestamp-reply"
    # TimeStampResp { PKIStatusInfo { status rejection (2), failInfo } } and no token.
    assert malformed.content[:2] == b"\x30\x09"
    assert malformed.content[4:7] == b"\x02\x01\x02"


def test_in_process_timestamper_needs_rsa(pki: PkiStore) -> None:
    with pytest.raises(SigningError, match="RSA"):
        InProcessTimestamper(pki.load_identity("registration-signer"))


def _dss_crl_issuers(pdf: bytes) -> set[str]:
    root = cast(DictionaryObject, PdfReader(BytesIO(pdf)).trailer["/Root"].get_object())
    dss = cast(DictionaryObject, root["/DSS"].get_object())
    return {
        x509.load_der_x509_crl(ref.get_object().get_data()).issuer.rfc4514_string()
        for ref in cast(ArrayObject, dss["/CRLs"].get_object())
    }


def failed_signature(
    pdf: bytes, root: x509.Certificate, crls: Sequence[bytes], field_name: str
) -> SignatureReport:
    """The signature in ``field_name`` of a document that fails validation under ``root``."""
    report = validate_pdf(pdf, trust_root=root, extra_crls=crls)
    assert not report.ok
    return report.by_field(field_name)


def with_seal_impression(
    pdf: bytes, signer: SigningIdentity, field_name: str, tsa: InProcessTimestamper, seal_pdf: bytes
) -> bytes:
    """``pdf`` signed in ``field_name`` and timestamped, the seal's impression (``seal_pdf``)
    its visible appearance."""
    return sign_pdf(
        pdf,
        signer,
        field_name=field_name,
        timestamper=tsa,
        appearance=Appearance(seal_pdf, box=SEAL_BOX),
    )


def bundle_signed_with_validation(
    pki: PkiStore,
    tsa: InProcessTimestamper,
    crls: tuple[bytes, ...],
    document: bytes,
    *,
    lta: bool = False,
) -> bytes:
    """``document`` signed by the platform in field "Bundle", timestamped, with its validation
    material (the root and ``crls``) embedded: PAdES B-LT, or B-LTA with ``lta``."""
    return sign_pdf(
        document,
        pki.load_identity("platform-signer"),
        field_name="Bundle",
        timestamper=tsa,
        embed_validation=ValidationMaterial(pki.root_certificate(), crls),
        lta=lta,
    )


def test_b_lt_embeds_crls_and_validates_from_the_dss_alone(
    pki: PkiStore, tsa: InProcessTimestamper, crls: tuple[bytes, ...], document: bytes
) -> None:
    root = pki.root_certificate()
    signed = bundle_signed_with_validation(pki, tsa, crls, document)
    expected = {pki.load_certificate(n).subject.rfc4514_string() for n in ("root", "platform")}
    expected.add(pki.load_certificate("tsa").subject.rfc4514_string())
    assert expected <= _dss_crl_issuers(signed)
    report = validate_pdf(signed, trust_root=root)
    assert report.ok, report.pretty()
    # The CRLs are written in the signed revision, so nothing follows the signature.
    assert report.by_field("Bundle").modification_level == "NONE"
    assert report.by_field("Bundle").coverage == "ENTIRE_FILE"
    assert not validate_pdf(signed, trust_root=root, use_dss=False).ok


def test_b_lta_adds_a_valid_document_timestamp(
    pki: PkiStore, tsa: InProcessTimestamper, crls: tuple[bytes, ...], document: bytes
) -> None:
    root = pki.root_certificate()
    signed = bundle_signed_with_validation(pki, tsa, crls, document, lta=True)
    report = validate_pdf(signed, trust_root=root)
    assert report.ok, report.pretty()
    kinds = [signature.kind for signature in report.signatures]
    assert kinds == ["signature", "document-timestamp"]
    with pytest.raises(SigningError, match="B-LTA"):
        sign_pdf(document, pki.load_identity("platform-signer"), field_name="X", lta=True)


def test_unsigned_or_unreadable_documents_are_not_ok(pki: PkiStore, document: bytes) -> None:
    unsigned = validate_pdf(document, trust_root=pki.root_certificate())
    assert not unsigned.ok and unsigned.problems == ("the document has no signatures",)
    garbage = validate_pdf(b"not a pdf", trust_root=pki.root_certificate())
    assert not garbage.ok and "cannot be read" in garbage.problems[0]


def test_seal_certificate_chain_check(
    pki: PkiStore, foreign_pki: PkiStore, seal: SigningIdentity, crls: tuple[bytes, ...]
) -> None:
    root = pki.root_certificate()
    ok, why = cert_chain_is_trusted(seal.certificate, seal.chain, root, crls, None)
    assert ok, why
    ok, why = cert_chain_is_trusted(
        seal.certificate, seal.chain, foreign_pki.root_certificate(), crls, None
    )
    assert not ok
    now = datetime.now(UTC)
    revocation = build_crl(
        pki.load_identity("seal"),
        [RevokedEntry(seal.certificate.serial_number, now - timedelta(seconds=1))],
        this_update=now - timedelta(seconds=1),
        next_update=now + timedelta(days=1),
        crl_number=3,
    )
    others = [pki.load_crl(name).public_bytes(DER) for name in CA_NAMES if name != "seal"]
    ok, why = cert_chain_is_trusted(
        seal.certificate, seal.chain, root, [*others, revocation.public_bytes(DER)], None
    )
    assert not ok and why.startswith("revoked")


def test_signing_failures_are_signing_errors(
    pki: PkiStore, document: bytes, seal: SigningIdentity
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with pytest.raises(SigningError, match="not a PDF"):
        sign_pdf(b"not a pdf", seal, field_name="S")
    with pytest.raises(SigningError, match="timestamp server"):
        sign_pdf(
            document,
            seal,
            field_name="S",
            timestamper=HttpTimestamper(f"http://127.0.0.1:{closed_port}/", timeout=2),
        )
    # B-LT refuses to sign when the signer's own chain cannot be validated (no CRLs here).
    with pytest.raises(SigningError, match="could not be validated"):
        sign_pdf(
            document,
            seal,
            field_name="S",
            embed_validation=ValidationMaterial(pki.root_certificate(), ()),
        )
