"""PAdES signing, RFC 3161 timestamps and offline validation of PDF documents (all pyHanko use).

Signatures are PAdES (ETSI.CAdES.detached) with ECDSA P-256 or RSA-2048, whatever the
``SigningIdentity`` holds; SM2/SM3 is not available in this stack. Validation is always
offline: the trust root is given, revocation data comes from the document's DSS and the
caller, nothing is fetched, and a certificate without revocation data fails (hard-fail).
"""

from __future__ import annotations

import abc
import asyncio
import functools
import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any, Literal, ParamSpec, TypeVar

from asn1crypto import cms, core, keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from pyhanko import stamp
from pyhanko.pdf_utils import embed, generic, layout, misc
from pyhanko.pdf_utils.content import ImportedPdfPage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, general, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.signers.pdf_signer import (
    DSSContentSettings,
    SigDSSPlacementPreference,
    TimestampDSSContentSettings,
)
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import (
    DocumentTimestampStatus,
    PdfSignatureStatus,
    SignatureCoverageLevel,
)
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator import errors as cv_errors
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from onestop_common.pki import SigningIdentity

log = logging.getLogger(__name__)
_T = TypeVar("_T")
_P = ParamSpec("_P")

DocMdp = Literal["fill_forms", "no_changes", "annotate"]
RevocationMode = Literal["hard-fail", "soft-fail", "require"]
Box = tuple[float, float, float, float]

_DOCMDP = {
    "fill_forms": fields.MDPPerm.FILL_FORMS,
    "no_changes": fields.MDPPerm.NO_CHANGES,
    "annotate": fields.MDPPerm.ANNOTATE,
}
_GOOD_COVERAGE = {SignatureCoverageLevel.ENTIRE_FILE, SignatureCoverageLevel.ENTIRE_REVISION}


class SigningError(Exception):
    """A PDF could not be signed as asked; the message says why."""


@dataclass(frozen=True)
class FieldSpec:
    """An empty signature field to create; ``box`` (x1, y1, x2, y2 in points) or invisible."""

    name: str
    page: int = 0
    box: Box | None = None


@dataclass(frozen=True)
class Appearance:
    """A one-page vector PDF (e.g. a seal impression) drawn as the signature widget."""

    pdf: bytes
    box: Box
    page: int = 0


@dataclass(frozen=True)
class ValidationMaterial:
    """What a signer writes into the DSS for PAdES B-LT: trust root, CRLs (DER), more certs."""

    trust_root: x509.Certificate
    crls: tuple[bytes, ...] = ()
    extra_certs: tuple[x509.Certificate, ...] = ()


@dataclass(frozen=True)
class Attachment:
    """A file embedded in the PDF and covered by the signature."""

    name: str
    data: bytes
    mime: str = "application/octet-stream"
    description: str | None = None


@dataclass(frozen=True)
class SignatureReport:
    """The verdict on one signature or document timestamp, with its reasons."""

    field_name: str
    kind: Literal["signature", "document-timestamp"]
    signer_subject: str
    signer_serial: int | None
    signing_time: datetime | None
    timestamp_time: datetime | None
    intact: bool
    trusted: bool
    revoked: bool
    coverage: str | None
    modification_level: str | None
    docmdp_ok: bool | None
    bottom_line: bool
    summary_en: str
    certification: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return (
            self.bottom_line
            and self.error is None
            and not self.revoked
            and self.coverage in {level.name for level in _GOOD_COVERAGE}
            and self.docmdp_ok is True
        )


@dataclass(frozen=True)
class ValidationReport:
    """The verdict on a whole document: ``ok`` only if every signature is."""

    signatures: tuple[SignatureReport, ...]
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.signatures) and all(s.ok for s in self.signatures)

    def by_field(self, field_name: str) -> SignatureReport:
        for report in self.signatures:
            if report.field_name == field_name:
                return report
        raise KeyError(f"no signature in field {field_name!r}")

    def pretty(self) -> str:
        counts = f"{len(self.signatures)} signature(s) and document timestamp(s)"
        lines = [f"PDF validation: {'VALID' if self.ok else 'INVALID'} ({counts})"]
        lines += [f"  problem: {problem}" for problem in self.problems]
        for number, report in enumerate(self.signatures, start=1):
            lines += _pretty_signature(number, report)
        return "\n".join(lines)


def _pretty_signature(number: int, report: SignatureReport) -> list[str]:
    role = f", certification {report.certification}" if report.certification else ""
    lines = [
        f"#{number} {report.kind} in field {report.field_name!r}{role}: "
        f"{'VALID' if report.ok else 'INVALID'}",
        f"    signer:       {report.signer_subject} (serial {_hex(report.signer_serial)})",
        f"    signing time: {_when(report.signing_time)} (as claimed by the signer)",
        f"    timestamp:    {_when(report.timestamp_time)}",
        f"    integrity:    {'intact' if report.intact else 'NOT INTACT'}; "
        f"certificate {'trusted' if report.trusted else 'NOT trusted'}"
        f"{'; REVOKED' if report.revoked else ''}",
        f"    coverage:     {report.coverage}; later changes: {report.modification_level} "
        f"({'permitted' if report.docmdp_ok else 'NOT permitted'})",
        f"    summary:      {report.summary_en}",
    ]
    if report.error:
        lines.append(f"    error:        {report.error}")
    return lines


def _hex(value: int | None) -> str:
    return "unknown" if value is None else f"{value:#x}"


def _when(value: datetime | None) -> str:
    return "none" if value is None else value.isoformat()


# --- quiet logs -------------------------------------------------------------------------


class _NoTracebacks(logging.Filter):
    """Keeps expected validation failures out of the logs: the report already says it all."""

    def filter(self, record: logging.LogRecord) -> bool:
        # A forged or revoked signature is a result, not a fault of this process; keep the
        # line only for whoever turned pyHanko's loggers up to DEBUG to dig into one.
        if not logging.getLogger(record.name).isEnabledFor(logging.DEBUG):
            return False
        if record.exc_info:
            record.msg = f"{record.getMessage()} ({record.exc_info[1]!r})"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


class _NoOfflineWarning(logging.Filter):
    """Drops pyHanko's warning that B-LT signing may not fetch: offline is the design here."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "fetching is not allowed" not in str(record.msg)


_QUIET_LOGGERS = (
    "pyhanko.sign.validation.generic_cms",
    "pyhanko.sign.validation.pdf_embedded",
    "pyhanko.sign.validation.status",
    "pyhanko.sign.validation.dss",
    "pyhanko.sign.diff_analysis.policies",
    "pyhanko_certvalidator.revinfo.validate_crl",
    "pyhanko_certvalidator.validate",
)
# Logger filters are per logger, not inherited by children: name every module that speaks.
for _logger_name in _QUIET_LOGGERS:
    logging.getLogger(_logger_name).addFilter(_NoTracebacks())
logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_NoOfflineWarning())


# --- conversions ------------------------------------------------------------------------


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _asn1_key(identity: SigningIdentity) -> keys.PrivateKeyInfo:
    der = identity.private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return keys.PrivateKeyInfo.load(der)


def _cert_store(certs: Sequence[x509.Certificate]) -> SimpleCertificateStore:
    return SimpleCertificateStore.from_certs([_asn1_cert(cert) for cert in certs])


def _sign_with_key(
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, data: bytes, digest_algorithm: str
) -> bytes:
    hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, PKCS1v15(), hash_algorithm)
    return key.sign(data, ec.ECDSA(hash_algorithm))


def _max_signature_size(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> int:
    octets = (key.key_size + 7) // 8
    if isinstance(key, rsa.RSAPrivateKey):
        return octets
    # DER SEQUENCE of two INTEGERs, each possibly one octet longer for the sign bit.
    return 2 + 2 * (2 + octets + 1)


# --- signers and timestamps -------------------------------------------------------------


class _KeptKeySigner(signers.SimpleSigner):
    """SimpleSigner that signs with the already-loaded key instead of reparsing it each time."""

    def __init__(self, identity: SigningIdentity) -> None:
        super().__init__(
            signing_cert=_asn1_cert(identity.certificate),
            signing_key=_asn1_key(identity),
            cert_registry=_cert_store(identity.chain),
            prefer_pss=False,
        )
        self._key = identity.private_key

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        # pyHanko's dry run only measures the container size: zeros of maximal length do.
        if dry_run:
            return bytes(_max_signature_size(self._key))
        return self.sign_raw(data, digest_algorithm)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        return _sign_with_key(self._key, data, digest_algorithm)


class _KeptKeyTimeStamper(DummyTimeStamper):
    """pyHanko's in-process TSA, signing with the loaded RSA key of the platform TSA."""

    def __init__(self, identity: SigningIdentity) -> None:
        if not isinstance(identity.private_key, rsa.RSAPrivateKey):
            raise SigningError(
                "the timestamp authority needs an RSA key (pyHanko's TSA signs RSA only); "
                "re-create the tsa-signer identity with RSA-2048"
            )
        super().__init__(
            tsa_cert=_asn1_cert(identity.certificate),
            tsa_key=_asn1_key(identity),
            certs_to_embed=_cert_store(identity.chain),
        )
        self._rsa_key = identity.private_key

    def _sign_tst_info(
        self, tst_info_data: bytes, md_algorithm: str, dt: datetime
    ) -> tuple[bytes, cms.CMSAttributes]:
        # Mirrors DummyTimeStamper._sign_tst_info (pyHanko 0.38) minus its per-call key load.
        digest = get_pyca_cryptography_hash(md_algorithm)
        hasher = hashes.Hash(digest)
        hasher.update(tst_info_data)
        signed_attrs = cms.CMSAttributes(
            [
                general.simple_cms_attribute("content_type", "tst_info"),
                general.simple_cms_attribute(
                    "signing_time", cms.Time({"utc_time": core.UTCTime(dt)})
                ),
                general.simple_cms_attribute(
                    "signing_certificate", general.as_signing_certificate(self.tsa_cert)
                ),
                general.simple_cms_attribute("message_digest", hasher.finalize()),
            ]
        )
        signature = self._rsa_key.sign(signed_attrs.dump(), PKCS1v15(), digest)
        return signature, signed_attrs


class Timestamper(abc.ABC):
    """Where signature and document timestamps come from."""

    @abc.abstractmethod
    def _engine(self) -> TimeStamper:
        """The pyHanko timestamper; long-lived, since it caches its size-estimate token."""


class InProcessTimestamper(Timestamper):
    """The platform TSA inside this process (RSA key required)."""

    def __init__(self, tsa_identity: SigningIdentity) -> None:
        self._stamper = _KeptKeyTimeStamper(tsa_identity)

    def __repr__(self) -> str:
        return f"InProcessTimestamper({self._stamper.tsa_cert.subject.human_friendly!r})"

    def _engine(self) -> TimeStamper:
        return self._stamper

    def answer(self, request: tsp.TimeStampReq) -> tsp.TimeStampResp | None:
        """The answer to an RFC 3161 request, None if malformed or its digest unknown here."""
        try:
            algorithm = request["message_imprint"]["hash_algorithm"]["algorithm"].native
            get_pyca_cryptography_hash(algorithm)
            # asn1crypto parses lazily: make malformed input fail here, not inside the stamper.
            _ = request.native
        except (ValueError, TypeError, KeyError, NotImplementedError):
            return None
        return self._stamper.request_tsa_response(request)


class HttpTimestamper(Timestamper):
    """An RFC 3161 TSA over HTTP, e.g. the platform TSA (``onestop_common.tsa``)."""

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        self.url = url
        self._stamper = RequestsHTTPTimeStamper(url, timeout=timeout)

    def __repr__(self) -> str:
        return f"HttpTimestamper({self.url!r})"

    def _engine(self) -> TimeStamper:
        return self._stamper


# --- signing ----------------------------------------------------------------------------


class _BytesPdfPage(ImportedPdfPage):
    """ImportedPdfPage reading the page from memory instead of a file name."""

    def __init__(self, pdf: bytes, page_ix: int = 0) -> None:
        super().__init__(file_name="<memory>", page_ix=page_ix)
        self._pdf = pdf

    def render(self) -> bytes:
        writer = self._ensure_writer
        xobject = writer.import_page_as_xobject(
            PdfFileReader(BytesIO(self._pdf)), page_ix=self.page_ix
        )
        resource_name = "/Import" + uuid.uuid4().hex
        self.resources.xobject[resource_name] = xobject
        x1, y1, x2, y2 = xobject.get_object()["/BBox"]
        # Layout needs the imported page's size to fit it into the widget box.
        self.box = layout.BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return resource_name.encode("ascii") + b" Do"


def _stamp_style(appearance: Appearance) -> stamp.StaticStampStyle:
    # pyHanko's defaults (3 pt border, 0.6 opacity, 5 pt margins) would fade and shrink
    # the seal impression.
    return stamp.StaticStampStyle(
        background=_BytesPdfPage(appearance.pdf),
        background_opacity=1.0,
        border_width=0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(0),
        ),
    )


def _int_box(box: Box) -> tuple[int, int, int, int]:
    x1, y1, x2, y2 = (round(value) for value in box)
    return x1, y1, x2, y2


def _field_spec(name: str, page: int, box: Box | None) -> fields.SigFieldSpec:
    return fields.SigFieldSpec(
        sig_field_name=name, on_page=page, box=None if box is None else _int_box(box)
    )


def _dss_settings(lta: bool) -> DSSContentSettings:
    """Validation data goes into the revision that the next signature or timestamp covers, and
    without per-signature VRI entries: otherwise pyHanko appends a final revision nobody signs,
    and bytes changed there would go unnoticed."""
    placement = (
        SigDSSPlacementPreference.TOGETHER_WITH_NEXT_TS
        if lta
        else SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE
    )
    return DSSContentSettings(
        include_vri=False,
        placement=placement,
        next_ts_settings=TimestampDSSContentSettings(include_vri=False, update_before_ts=True),
    )


def _validation_context(
    trust_root: x509.Certificate,
    crls: Sequence[bytes],
    other_certs: Sequence[x509.Certificate] = (),
    revocation_mode: RevocationMode = "hard-fail",
    dss: DocumentSecurityStore | None = None,
    at: datetime | None = None,
) -> ValidationContext:
    # A fresh context every time: pyHanko's contexts cache paths and revocation results.
    kwargs: dict[str, Any] = {
        "trust_roots": [_asn1_cert(trust_root)],
        "other_certs": [_asn1_cert(cert) for cert in other_certs],
        "crls": list(crls),
        "allow_fetching": False,
        "revocation_mode": revocation_mode,
    }
    if at is not None:
        # Judge validity and revocation at that moment (e.g. the document timestamp's time),
        # so archived documents keep verifying after their embedded CRLs expire.
        kwargs["moment"] = at
    if dss is not None:
        return dss.as_validation_context(kwargs)
    return ValidationContext(**kwargs)


def _embed_attachments(writer: IncrementalPdfFileWriter, attachments: Sequence[Attachment]) -> None:
    names = [attachment.name for attachment in attachments]
    if len(set(names)) != len(names):
        raise SigningError(f"attachment names must be unique, got {sorted(names)}")
    # pyHanko appends to a flat name tree, and readers expect it sorted by name.
    for attachment in sorted(attachments, key=lambda a: a.name):
        data = embed.EmbeddedFileObject.from_file_data(
            writer,
            attachment.data,
            mime_type=attachment.mime,
            params=embed.EmbeddedFileParams(embed_size=True, embed_checksum=True),
        )
        spec = embed.FileSpec(
            file_spec_string=attachment.name,
            file_name=attachment.name,
            embedded_data=data,
            description=attachment.description,
        )
        embed.embed_file(writer, spec)


def sign_pdf(
    pdf: bytes,
    identity: SigningIdentity,
    *,
    field_name: str,
    reason: str | None = None,
    location: str | None = None,
    timestamper: Timestamper | None = None,
    certify: bool = False,
    docmdp: DocMdp = "fill_forms",
    extra_empty_fields: Sequence[FieldSpec] = (),
    appearance: Appearance | None = None,
    embed_validation: ValidationMaterial | None = None,
    attachments: Sequence[Attachment] = (),
    lta: bool = False,
) -> bytes:
    """Sign ``pdf`` (PAdES) in ``field_name``, creating the field unless it exists empty.

    ``attachments`` and ``extra_empty_fields`` are added in the signed revision, so the
    signature covers them; a certifier must create every later signature field this way.
    ``embed_validation`` writes the CRLs and certificates into the DSS (PAdES B-LT);
    ``lta`` then adds a document timestamp (B-LTA). An existing field keeps its own box,
    whatever ``appearance.box`` says.
    """
    if lta and (embed_validation is None or timestamper is None):
        raise SigningError("PAdES B-LTA (lta=True) needs embed_validation and a timestamper")
    if docmdp != "fill_forms" and not certify:
        raise SigningError("docmdp applies to certification signatures only; set certify=True")
    writer = _open_for_update(pdf)
    _embed_attachments(writer, attachments)
    for spec in extra_empty_fields:
        fields.append_signature_field(writer, _field_spec(spec.name, spec.page, spec.box))
    metadata = signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=certify,
        docmdp_permissions=_DOCMDP[docmdp],
        embed_validation_info=embed_validation is not None,
        use_pades_lta=lta,
        validation_context=_material_context(embed_validation),
        dss_settings=_dss_settings(lta),
    )
    pdf_signer = signers.PdfSigner(
        metadata,
        _KeptKeySigner(identity),
        timestamper=None if timestamper is None else timestamper._engine(),
        stamp_style=None if appearance is None else _stamp_style(appearance),
        new_field_spec=_new_field(writer, field_name, appearance),
    )
    try:
        output = pdf_signer.sign_pdf(writer, output=BytesIO())
    except (general.SigningError, misc.PdfError, TimestampRequestError) as error:
        # Callers handle one error type and never need pyHanko's.
        raise SigningError(f"could not sign field {field_name!r}: {error}") from error
    return bytes(output.getvalue())


def _open_for_update(pdf: bytes) -> IncrementalPdfFileWriter:
    try:
        return IncrementalPdfFileWriter(BytesIO(pdf))
    except misc.PdfError as error:
        raise SigningError(f"the input is not a PDF pyHanko can update: {error}") from error


def _new_field(
    writer: IncrementalPdfFileWriter, field_name: str, appearance: Appearance | None
) -> fields.SigFieldSpec | None:
    """The field to create, or None to sign the empty field of that name already there."""
    for _name, value, _ref in fields.enumerate_sig_fields(writer, with_name=field_name):
        if value is not None:
            raise SigningError(f"signature field {field_name!r} is already signed")
        return None
    page, box = (appearance.page, appearance.box) if appearance else (0, None)
    return _field_spec(field_name, page, box)


def _material_context(material: ValidationMaterial | None) -> ValidationContext | None:
    if material is None:
        return None
    return _validation_context(material.trust_root, material.crls, material.extra_certs)


# --- validation -------------------------------------------------------------------------


def _off_the_event_loop(function: Callable[_P, _T]) -> Callable[_P, _T]:
    """pyHanko's synchronous validation starts its own asyncio loop, which fails in a thread
    already running one (an async web handler, Playwright's sync API): run it in another."""

    @functools.wraps(function)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return function(*args, **kwargs)
        with ThreadPoolExecutor(1, thread_name_prefix="validate") as pool:
            return pool.submit(function, *args, **kwargs).result()

    return wrapper


@_off_the_event_loop
def validate_pdf(
    pdf: bytes,
    *,
    trust_root: x509.Certificate,
    extra_crls: Sequence[bytes] = (),
    revocation_mode: RevocationMode = "hard-fail",
    use_dss: bool = True,
    at: datetime | None = None,
) -> ValidationReport:
    """Validate every signature and document timestamp in ``pdf`` offline against ``trust_root``.

    Revocation data: the document's DSS (unless ``use_dss`` is False) plus ``extra_crls``
    (DER). Revocation is judged at ``at`` (default: now), so without ``at`` a signature made
    before its certificate was revoked is reported revoked too. Callable from a thread that runs
    an event loop.
    """
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_signatures)
        dss = _read_dss(reader) if use_dss else None
    except Exception as error:  # any parse failure means "not a valid PDF"
        return ValidationReport((), (f"the file cannot be read as a PDF: {error}",))
    if not embedded:
        return ValidationReport((), ("the document has no signatures",))
    reports = tuple(
        _validate_one(signature, trust_root, extra_crls, revocation_mode, dss, at)
        for signature in embedded
    )
    for report in reports:
        log.info("signature %r: %s", report.field_name, report.summary_en)
    return ValidationReport(reports)


def _read_dss(reader: PdfFileReader) -> DocumentSecurityStore | None:
    try:
        return DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return None


def _validate_one(
    signature: EmbeddedPdfSignature,
    trust_root: x509.Certificate,
    extra_crls: Sequence[bytes],
    revocation_mode: RevocationMode,
    dss: DocumentSecurityStore | None,
    at: datetime | None,
) -> SignatureReport:
    field_name = str(signature.field_name)
    is_timestamp = signature.sig_object_type == "/DocTimeStamp"
    context = _validation_context(trust_root, extra_crls, (), revocation_mode, dss, at)
    try:
        if is_timestamp:
            return _timestamp_report(field_name, validate_pdf_timestamp(signature, context))
        status = validate_pdf_signature(signature, context)
        return _signature_report(field_name, status, signature.docmdp_level)
    except Exception as error:  # a mangled signature is a verdict, not a crash
        return _failed_report(field_name, is_timestamp, signature, error)


def _signature_report(
    field_name: str, status: PdfSignatureStatus, certification: fields.MDPPerm | None
) -> SignatureReport:
    timestamp = status.timestamp_validity
    return SignatureReport(
        field_name=field_name,
        kind="signature",
        signing_time=status.signer_reported_dt,
        timestamp_time=None if timestamp is None else timestamp.timestamp,
        docmdp_ok=status.docmdp_ok,
        bottom_line=status.bottom_line,
        certification=None if certification is None else certification.name,
        **_status_verdict(status),
    )


def _timestamp_report(field_name: str, status: DocumentTimestampStatus) -> SignatureReport:
    return SignatureReport(
        field_name=field_name,
        kind="document-timestamp",
        signing_time=None,
        timestamp_time=status.timestamp,
        # pyHanko leaves docmdp_ok unset for document timestamps; the later revisions may
        # only maintain signatures (DSS, further timestamps) or fill forms.
        docmdp_ok=status.modification_level is not None
        and status.modification_level != ModificationLevel.OTHER,
        bottom_line=status.intact and status.valid and status.trusted,
        **_status_verdict(status),
    )


def _status_verdict(status: PdfSignatureStatus | DocumentTimestampStatus) -> dict[str, Any]:
    """The parts of a report a signature and a document timestamp state alike."""
    cert = status.signing_cert
    return {
        "signer_subject": _subject(cert),
        "signer_serial": cert.serial_number,
        "intact": status.intact and status.valid,
        "trusted": status.trusted,
        "revoked": status.revoked,
        "coverage": None if status.coverage is None else status.coverage.name,
        "modification_level": _level_name(status.modification_level),
        "summary_en": status.summary(),
    }


def _subject(cert: asn1_x509.Certificate) -> str:
    return x509.load_der_x509_certificate(cert.dump()).subject.rfc4514_string()


def _level_name(level: Any) -> str | None:
    return None if level is None else str(level.name)


def _failed_report(
    field_name: str, is_timestamp: bool, signature: EmbeddedPdfSignature, error: Exception
) -> SignatureReport:
    try:
        cert = signature.signer_cert
        subject, serial = _subject(cert), cert.serial_number
    except Exception:  # the CMS itself may be what is broken
        subject, serial = "unknown", None
    return SignatureReport(
        field_name=field_name,
        kind="document-timestamp" if is_timestamp else "signature",
        signer_subject=subject,
        signer_serial=serial,
        signing_time=None,
        timestamp_time=None,
        intact=False,
        trusted=False,
        revoked=False,
        coverage=None,
        modification_level=None,
        docmdp_ok=None,
        bottom_line=False,
        summary_en="INVALID",
        error=f"{type(error).__name__}: {error}",
    )


@_off_the_event_loop
def cert_chain_is_trusted(
    cert: x509.Certificate,
    intermediates: Sequence[x509.Certificate],
    trust_root: x509.Certificate,
    crls: Sequence[bytes],
    at: datetime | None = None,
    *,
    key_usage: frozenset[str] = frozenset({"digital_signature", "non_repudiation"}),
) -> tuple[bool, str]:
    """Whether ``cert`` chains to ``trust_root``, unrevoked per ``crls`` (DER), at ``at``.

    Revocation is hard-fail: every certificate with a CRL distribution point needs its CRL.
    """
    context = ValidationContext(
        trust_roots=[_asn1_cert(trust_root)],
        other_certs=[_asn1_cert(c) for c in intermediates],
        crls=list(crls),
        moment=at,
        allow_fetching=False,
        revocation_mode="hard-fail",
    )
    validator = CertificateValidator(_asn1_cert(cert), validation_context=context)
    try:
        asyncio.run(validator.async_validate_usage(set(key_usage)))
    except cv_errors.RevokedError as error:
        return False, f"revoked: {error}"
    except (cv_errors.PathError, cv_errors.ValidationError) as error:
        return False, str(error)
    return True, f"chains to {trust_root.subject.rfc4514_string()}"


def list_attachments(pdf: bytes) -> dict[str, bytes]:
    """Embedded files of ``pdf`` by name."""
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    try:
        tree = reader.root["/Names"]["/EmbeddedFiles"]
    except KeyError:
        return {}
    return {name: data for name, data in _walk_name_tree(tree)}


def _walk_name_tree(node: generic.DictionaryObject) -> Iterator[tuple[str, bytes]]:
    node = node.get_object()
    if "/Names" in node:
        entries = list(node["/Names"])
        for key, value in zip(entries[::2], entries[1::2], strict=True):
            stream = value.get_object()["/EF"]["/F"].get_object()
            yield str(key), bytes(stream.data)
    for kid in node.get("/Kids", ()):
        yield from _walk_name_tree(kid)
