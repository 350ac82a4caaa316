"""Build and sign: the pages, the embedded files and one PAdES B-LT(A) platform signature over
all of it; and where the signatures sit in a signed file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from cryptography import x509
from pypdf import PdfReader

from onestop_common.signer_client import PdfSigner, SignatureSpec
from onestop_common.signing import Attachment
from orchestrator.bundle.manifest import bundle_attachments, load_certificate
from orchestrator.bundle.model import (
    CERTIFICATE_DIR,
    CRL_DIR,
    SIGNATURE_FIELD,
    BundleError,
    BundleInputs,
)
from orchestrator.bundle.pages import render_pages


def build_bundle(
    inputs: BundleInputs,
    *,
    signer: PdfSigner,
    trust_root: x509.Certificate,
    lta: bool = True,
) -> bytes:
    """The signed bundle: pages, embedded files and one PAdES B-LT(A) platform signature."""
    _check_inputs(inputs)
    attachments = bundle_attachments(inputs)
    pages = render_pages(
        inputs, attachments, trust_root=trust_root, signer=signer.certificate, lta=lta
    )
    return sign_bundle(
        pages,
        attachments,
        company_name=inputs.company_name,
        signer=signer,
        trust_root=trust_root,
        lta=lta,
    )


def sign_bundle(
    pdf: bytes,
    attachments: Sequence[Attachment],
    *,
    company_name: str,
    signer: PdfSigner,
    trust_root: x509.Certificate,
    lta: bool = True,
) -> bytes:
    """Embed ``attachments`` and sign: the CRLs and certificates among them go into the DSS."""
    crls = tuple(a.data for a in attachments if a.name.startswith(CRL_DIR))
    certs = tuple(
        load_certificate(a.name, a.data) for a in attachments if a.name.startswith(CERTIFICATE_DIR)
    )
    signed = signer.sign(
        pdf,
        SignatureSpec(
            field_name=SIGNATURE_FIELD,
            reason=f"企业开办电子证照包 / company start-up e-license bundle: {company_name}",
            location="天津市宝坻区 / Baodi, Tianjin",
            timestamp=True,
            embed_validation=True,
            crls=crls,
            extra_certificates=tuple(c for c in certs if c != trust_root),
            attachments=attachments,
            lta=lta,
        ),
    )
    return _without_unsigned_tail(signed) if lta else signed


@dataclass(frozen=True)
class SignatureSpan:
    """Where one signature or document timestamp sits: its byte range and its CMS container."""

    field_name: str
    byte_range: tuple[int, int, int, int]
    contents: bytes

    @property
    def end(self) -> int:
        """The first byte after what the digest covers."""
        return self.byte_range[2] + self.byte_range[3]


def signature_spans(pdf: bytes) -> list[SignatureSpan]:
    """Every filled signature field of the latest revision (pypdf, no validation)."""
    reader = PdfReader(BytesIO(pdf), strict=False)
    acroform: Any = reader.root_object.get("/AcroForm")
    if acroform is None:
        return []
    spans = []
    pending = list(acroform.get_object().get("/Fields", []))
    while pending:
        node: Any = pending.pop().get_object()
        pending += list(node.get("/Kids", []))
        value = node.get("/V") if node.get("/FT") == "/Sig" else None
        if value is None:
            continue
        value = value.get_object()
        numbers = [int(x) for x in value["/ByteRange"]]
        if len(numbers) != 4:
            raise ValueError(f"signature field {node.get('/T')!r} has a malformed /ByteRange")
        a, b, c, d = numbers
        spans.append(SignatureSpan(str(node.get("/T")), (a, b, c, d), bytes(value["/Contents"])))
    return sorted(spans, key=lambda span: span.end)


def _without_unsigned_tail(pdf: bytes) -> bytes:
    """The file as the document timestamp covers it.

    After the document timestamp pyHanko appends one more revision holding only the VRI entry of
    that timestamp (optional in PAdES; the certificates and CRLs are already in the DSS the
    timestamp covers). Nothing signs that revision, so a byte changed there would go unnoticed;
    cut it off, and every byte of the bundle is covered by a digest.
    """
    spans = signature_spans(pdf)
    if not spans:
        raise BundleError("the signed bundle has no signature")
    end = spans[-1].end
    if end < len(pdf) and pdf[:end].rstrip().endswith(b"%%EOF"):
        return pdf[:end]
    return pdf


def _check_inputs(inputs: BundleInputs) -> None:
    problems = []
    if not inputs.case_id.strip():
        problems.append("case_id is empty")
    if not inputs.company_name.strip():
        problems.append("company_name is empty")
    if not inputs.license.uscc:
        problems.append("the license has no USCC")
    if not inputs.license_pdf.startswith(b"%PDF-"):
        problems.append("license_pdf is not a PDF (it must be the authority's signed original)")
    for name in ("submitted_at", "completed_at"):
        value = getattr(inputs, name)
        if value.tzinfo is None:
            problems.append(f"{name} is naive; every OneStop time is timezone-aware")
    if problems:
        raise BundleError("cannot build the bundle: " + "; ".join(problems))
