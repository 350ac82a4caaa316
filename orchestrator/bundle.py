"""The e-license bundle: one PDF with the company's license, seals, tax, social insurance and bank
pages, the registration authority's signed original, the certificates, CRLs and a JSON manifest
embedded, and one platform signature (PAdES B-LT, B-LTA with a document timestamp) over all of it.

Pure apart from the signature: no broker, no database, no gRPC. The caller gathers the step
results and the validation material; ``onestop_cli.verify`` checks the result offline.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from io import BytesIO
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID
from google.protobuf import json_format
from google.protobuf.message import Message
from pypdf import PdfReader, PdfWriter, Transformation
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Rect
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, Table, TableStyle

from onestop.bank.v1 import bank_pb2
from onestop.common.v1 import application_pb2, common_pb2
from onestop.invoice.v1 import invoice_pb2
from onestop.registration.v1 import registration_pb2
from onestop.seal.v1 import seal_pb2
from onestop.social_insurance.v1 import social_insurance_pb2
from onestop_common.calendar import BusinessCalendar, CalendarError
from onestop_common.clock import to_shanghai
from onestop_common.fonts import cjk_font
from onestop_common.identifiers import mask_id_number
from onestop_common.logs import mask_ids
from onestop_common.protoconv import from_timestamp
from onestop_common.signer_client import PdfSigner, SignatureSpec
from onestop_common.signing import Attachment
from svc_seal.impression import SealKind, SealSpec, draw_seal, seal_size_mm

SIGNATURE_FIELD = "OneStopPlatform"
MANIFEST_NAME = "manifest.json"
LICENSE_NAME = "license.pdf"
CERTIFICATE_DIR = "certificates/"
CRL_DIR = "crls/"
MANIFEST_FORMAT = "onestop-bundle-manifest/1"

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
INK = colors.Color(0.10, 0.10, 0.10)
MUTED = colors.Color(0.40, 0.40, 0.40)
RULE = colors.Color(0.75, 0.75, 0.75)
ACCENT = colors.Color(0.62, 0.12, 0.10)
BAR = colors.Color(0.16, 0.30, 0.50)
LIMIT_FILL = colors.Color(0.90, 0.91, 0.93)
LIMIT_EDGE = colors.Color(0.62, 0.65, 0.70)
BREACH = colors.Color(0.80, 0.08, 0.08)
ON_TIME = colors.Color(0.12, 0.45, 0.22)
SHADE = colors.Color(0.96, 0.96, 0.96)

_NAME_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,80}")
_CERT_SUFFIXES = (".pem", ".der", ".crt", ".cer")
_CRL_SUFFIXES = (".crl", ".der")
_CENTI = Decimal("0.01")
_TENTH = Decimal("0.1")
_SEALS_PER_PAGE = 4

_SEAL_KINDS = {
    application_pb2.SEAL_KIND_OFFICIAL: SealKind.OFFICIAL,
    application_pb2.SEAL_KIND_FINANCE: SealKind.FINANCE,
    application_pb2.SEAL_KIND_INVOICE: SealKind.INVOICE,
    application_pb2.SEAL_KIND_LEGAL_REP: SealKind.LEGAL_REP,
    application_pb2.SEAL_KIND_CONTRACT: SealKind.CONTRACT,
}
_SEAL_KIND_EN = {
    SealKind.OFFICIAL: "Official seal",
    SealKind.FINANCE: "Finance seal",
    SealKind.INVOICE: "Invoice seal",
    SealKind.LEGAL_REP: "Legal representative's seal",
    SealKind.CONTRACT: "Contract seal",
}
_VAT_STATUS = {
    invoice_pb2.VAT_STATUS_SMALL_SCALE: ("小规模纳税人", "small-scale taxpayer"),
    invoice_pb2.VAT_STATUS_GENERAL: ("一般纳税人", "general taxpayer"),
}
_INVOICE_KINDS = {
    application_pb2.INVOICE_KIND_DIGITAL_ORDINARY: (
        "数电票（普通发票）",
        "digital ordinary invoice",
    ),
    application_pb2.INVOICE_KIND_DIGITAL_SPECIAL: (
        "数电票（增值税专用发票）",
        "digital special VAT invoice",
    ),
}
_INSURANCES = {
    "pension": ("养老保险", "pension"),
    "medical": ("医疗保险", "medical"),
    "unemployment": ("失业保险", "unemployment"),
    "work_injury": ("工伤保险", "work injury"),
    "maternity": ("生育保险", "maternity"),
}
_VERIFIED = {
    "yes": "已核实 verified",
    "partial": "部分核实 partly",
    "unverified": "未核实 unverified",
}
_ACCOUNT_TYPES = {"basic": ("基本存款账户", "basic deposit account")}


class BundleError(ValueError):
    """The inputs cannot make a bundle; the message names what is wrong."""


@dataclass(frozen=True)
class StepTiming:
    """One saga step's business time: its limit and the working hours it actually took."""

    name: str
    title_zh: str
    limit_workdays: Decimal
    started_at: datetime
    finished_at: datetime
    working_hours: Decimal


@dataclass(frozen=True)
class BundleInputs:
    """Everything a bundle shows and embeds; ``license_pdf`` is the authority's signed original.

    ``certificates`` maps a name to a certificate (DER or PEM): the CA certificates and the seal
    certificates (a seal's own ``certificate_pem`` is embedded too if no entry holds it).
    ``crls`` maps a name to a DER CRL: every CA whose certificates appear (root, registration,
    seal, platform, tsa) so the bundle verifies offline.
    """

    case_id: str
    company_name: str
    submitted_at: datetime
    completed_at: datetime
    case_limit_workdays: Decimal
    case_working_hours: Decimal
    timings: tuple[StepTiming, ...]
    form: application_pb2.ApplicationForm
    license: registration_pb2.License
    license_pdf: bytes
    seals: tuple[seal_pb2.Seal, ...]
    taxpayer: invoice_pb2.Taxpayer
    employer: social_insurance_pb2.Employer
    account: bank_pb2.Account
    certificates: Mapping[str, bytes]
    crls: Mapping[str, bytes]


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
        _load_certificate(a.name, a.data) for a in attachments if a.name.startswith(CERTIFICATE_DIR)
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


# --- embedded files and the manifest ------------------------------------------------------


def bundle_attachments(inputs: BundleInputs) -> tuple[Attachment, ...]:
    """license.pdf, certificates/*, crls/* and manifest.json (with every other file's hash)."""
    files: dict[str, tuple[bytes, str]] = {LICENSE_NAME: (inputs.license_pdf, "application/pdf")}
    certificates = _certificate_files(inputs)
    for name, (data, _cert) in certificates.items():
        mime = "application/x-pem-file" if name.endswith(".pem") else "application/pkix-cert"
        files[name] = (data, mime)
    for name, data in sorted(inputs.crls.items()):
        file_name = f"{CRL_DIR}{_file_stem(name, _CRL_SUFFIXES)}.crl"
        try:
            x509.load_der_x509_crl(data)
        except ValueError as error:
            raise BundleError(f"CRL {name!r} is not a DER CRL: {error}") from None
        _add_unique(files, file_name, (data, "application/pkix-crl"))
    seal_files = _seal_certificate_files(inputs.seals, certificates)
    manifest = build_manifest(inputs, {n: d for n, (d, _m) in files.items()}, seal_files)
    files[MANIFEST_NAME] = (manifest, "application/json")
    return tuple(
        Attachment(name=name, data=data, mime=mime, description=_describe(name))
        for name, (data, mime) in sorted(files.items())
    )


def _certificate_files(inputs: BundleInputs) -> dict[str, tuple[bytes, x509.Certificate]]:
    files: dict[str, tuple[bytes, x509.Certificate]] = {}
    for name, data in sorted(inputs.certificates.items()):
        cert = _load_certificate(name, data)
        suffix = ".pem" if data.lstrip().startswith(b"-----BEGIN") else ".der"
        file_name = f"{CERTIFICATE_DIR}{_file_stem(name, _CERT_SUFFIXES)}{suffix}"
        _add_unique(files, file_name, (data, cert))
    present = {cert for _data, cert in files.values()}
    for seal in inputs.seals:
        if not seal.certificate_pem:
            continue
        cert = _load_certificate(f"seal {seal.seal_code}", seal.certificate_pem.encode())
        if cert not in present:
            # The seal service hands each seal's certificate over with the seal; embed it here
            # if the caller did not, so every seal can be checked against the root.
            name = f"{CERTIFICATE_DIR}seal-{seal.seal_code}.pem"
            _add_unique(files, name, (seal.certificate_pem.encode(), cert))
            present.add(cert)
    return files


def _seal_certificate_files(
    seals: Sequence[seal_pb2.Seal], certificates: Mapping[str, tuple[bytes, x509.Certificate]]
) -> dict[str, str]:
    by_cert = {cert: name for name, (_data, cert) in certificates.items()}
    result = {}
    for seal in seals:
        if seal.certificate_pem:
            cert = x509.load_pem_x509_certificate(seal.certificate_pem.encode())
            result[seal.seal_code] = by_cert[cert]
    return result


def _load_certificate(name: str, data: bytes) -> x509.Certificate:
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as error:
        raise BundleError(f"certificate {name!r} is neither PEM nor DER: {error}") from None


def _file_stem(name: str, suffixes: tuple[str, ...]) -> str:
    stem = name
    for suffix in suffixes:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    if not _NAME_SAFE.fullmatch(stem):
        raise BundleError(
            f"embedded file name {name!r} must be 1 to 81 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return stem


def _add_unique(files: dict[str, Any], name: str, value: Any) -> None:
    if name in files:
        raise BundleError(f"two inputs would both be embedded as {name!r}; rename one")
    files[name] = value


def _describe(name: str) -> str:
    if name == LICENSE_NAME:
        return "营业执照原件（登记机关认证签名）/ business license as signed by the authority"
    if name == MANIFEST_NAME:
        return "清单：各环节结果与附件哈希 / manifest: step results and file hashes"
    if name.startswith(CRL_DIR):
        return "证书吊销列表 / certificate revocation list"
    return "证书 / certificate"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_manifest(
    inputs: BundleInputs, files: Mapping[str, bytes], seal_files: Mapping[str, str]
) -> bytes:
    """manifest.json: case, steps, every result, and the SHA-256 of every other embedded file.

    Citizen ID numbers and the account number are masked as on the pages; contact details of
    the applicant are left out; impressions are referenced by hash.
    """
    hours_per_day = BusinessCalendar().hours_per_day
    seals = []
    for seal in inputs.seals:
        entry = _message_dict(seal, drop=("impression_pdf",))
        if seal.impression_pdf:
            entry["impression_pdf_sha256"] = sha256_hex(seal.impression_pdf)
        if seal.seal_code in seal_files:
            entry["certificate_file"] = seal_files[seal.seal_code]
        seals.append(entry)
    account = _message_dict(inputs.account)
    if "account_number" in account:
        account["account_number"] = mask_account_number(inputs.account.account_number)
    manifest = {
        "format": MANIFEST_FORMAT,
        "case_id": inputs.case_id,
        "company_name": inputs.company_name,
        "uscc": inputs.license.uscc,
        "submitted_at": _iso(inputs.submitted_at),
        "completed_at": _iso(inputs.completed_at),
        "case": {
            "limit_workdays": _decimal_text(inputs.case_limit_workdays),
            "limit_working_hours": _decimal_text(inputs.case_limit_workdays * hours_per_day),
            "working_hours": _decimal_text(inputs.case_working_hours),
            "hours_per_workday": _decimal_text(hours_per_day),
        },
        "steps": [
            {
                "name": t.name,
                "title_zh": t.title_zh,
                "limit_workdays": _decimal_text(t.limit_workdays),
                "limit_working_hours": _decimal_text(t.limit_workdays * hours_per_day),
                "started_at": _iso(t.started_at),
                "finished_at": _iso(t.finished_at),
                "working_hours": _decimal_text(t.working_hours),
                "within_limit": t.working_hours <= t.limit_workdays * hours_per_day,
            }
            for t in inputs.timings
        ],
        "results": {
            "license": _message_dict(inputs.license),
            "seal": {"seals": seals},
            "invoice": {"taxpayer": _message_dict(inputs.taxpayer)},
            "social_insurance": {"employer": _message_dict(inputs.employer)},
            "bank": {"account": account},
        },
        "application": _masked_form(inputs.form),
        "seal_certificates": dict(seal_files),
        "files": {
            name: {"sha256": sha256_hex(data), "size": len(data)}
            for name, data in sorted(files.items())
        },
        "privacy": (
            "Citizen ID numbers and the bank account number are masked; the applicant's phone "
            "numbers and e-mail addresses are left out."
        ),
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True)
    return (text + "\n").encode("utf-8")


def _message_dict(message: Message, drop: Sequence[str] = ()) -> dict[str, Any]:
    if drop:
        copy = type(message)()
        copy.CopyFrom(message)
        for field in drop:
            copy.ClearField(field)
        message = copy
    data = json_format.MessageToDict(message, preserving_proto_field_name=True)
    masked = _mask_strings(data)
    assert isinstance(masked, dict)
    return masked


def _masked_form(form: application_pb2.ApplicationForm) -> dict[str, Any]:
    data = _message_dict(form)
    return _without_contact_details(data)  # type: ignore[no-any-return]


def _without_contact_details(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _without_contact_details(item)
            for key, item in value.items()
            if key not in {"phone", "email"}
        }
    if isinstance(value, list):
        return [_without_contact_details(item) for item in value]
    return value


def _mask_strings(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _mask_strings(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_strings(item, key) for item in value]
    if isinstance(value, str):
        if key in {"id_number", "social_security_number"}:
            return mask_id_number(value)
        # Free text may quote an ID number; base64 (a PEM) may hold a lookalike digit run.
        return value if key.endswith("_pem") else mask_ids(value)
    return value


def mask_account_number(number: str) -> str:
    """The first 4 and last 4 digits, the rest masked: ``1020 ********* 0428``."""
    if len(number) <= 8:
        return "*" * len(number)
    return f"{number[:4]} {'*' * (len(number) - 8)} {number[-4:]}"


def _iso(value: datetime) -> str:
    return to_shanghai(value).isoformat()


def _decimal_text(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")


# --- pages --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Fonts:
    sans: str
    song: str


@dataclass(frozen=True)
class _Placement:
    """An issued impression PDF to lay onto a page after rendering (vector, as issued)."""

    page: int
    x: float
    y: float
    width: float
    height: float
    pdf: bytes


class _Page:
    """One page being drawn: the canvas plus the impressions to merge in afterwards."""

    def __init__(self, canvas: Canvas, fonts: _Fonts, number: int, placements: list[_Placement]):
        self.canvas = canvas
        self.fonts = fonts
        self.number = number
        self._placements = placements

    def place_impression(self, x: float, y: float, w: float, h: float, pdf: bytes) -> None:
        self._placements.append(_Placement(self.number - 1, x, y, w, h, pdf))


PageDrawer = Callable[[_Page, float], None]


def render_pages(
    inputs: BundleInputs,
    attachments: Sequence[Attachment] = (),
    *,
    trust_root: x509.Certificate,
    signer: x509.Certificate | None = None,
    lta: bool = True,
) -> bytes:
    """The unsigned bundle pages (A4, embedded CJK fonts, Chinese first with English labels)."""
    fonts = _Fonts(cjk_font("sans"), cjk_font("song"))
    pages: list[tuple[str, str, PageDrawer]] = [
        (
            "企业开办电子证照包",
            "Company start-up e-license bundle",
            _cover(inputs, attachments, trust_root, signer, lta),
        ),
        ("营业执照", "Business license", _license_page(inputs)),
    ]
    seals = list(inputs.seals)
    chunks = [seals[i : i + _SEALS_PER_PAGE] for i in range(0, len(seals), _SEALS_PER_PAGE)]
    for index, chunk in enumerate(chunks or [[]]):
        title = "印章" if index == 0 else "印章（续）"
        english = "Company seals" if index == 0 else "Company seals (continued)"
        pages.append((title, english, _seals_page(inputs, chunk)))
    pages += [
        ("税务登记与发票", "Tax registration and invoices", _tax_page(inputs)),
        ("社会保险登记", "Social insurance registration", _social_insurance_page(inputs)),
        ("银行基本存款账户", "Basic deposit bank account", _bank_page(inputs)),
    ]
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, initialFontName=fonts.sans)
    canvas.setTitle(f"企业开办电子证照包 {inputs.company_name}")
    canvas.setAuthor("OneStop 企业开办平台 (Tianjin Baodi)")
    canvas.setSubject(f"统一社会信用代码 {inputs.license.uscc} · 办件 {inputs.case_id}")
    canvas.setCreator("OneStop orchestrator")
    placements: list[_Placement] = []
    for number, (title, english, draw) in enumerate(pages, start=1):
        page = _Page(canvas, fonts, number, placements)
        _frame(page, inputs, len(pages))
        top = _page_title(page, title, english) if number > 1 else PAGE_HEIGHT - 24 * mm
        draw(page, top)
        canvas.showPage()
    canvas.save()
    return _merge_impressions(buffer.getvalue(), placements)


def _merge_impressions(pdf: bytes, placements: Sequence[_Placement]) -> bytes:
    if not placements:
        return pdf
    writer = PdfWriter(clone_from=PdfReader(BytesIO(pdf)))
    for placement in placements:
        impression = PdfReader(BytesIO(placement.pdf)).pages[0]
        box = impression.mediabox
        width, height = float(box.width), float(box.height)
        scale = min(1.0, placement.width / width, placement.height / height)
        dx = placement.x + (placement.width - width * scale) / 2 - float(box.left) * scale
        dy = placement.y + (placement.height - height * scale) / 2 - float(box.bottom) * scale
        transform = Transformation().scale(scale, scale).translate(dx, dy)
        writer.pages[placement.page].merge_transformed_page(impression, transform)
    for page in writer.pages:
        page.compress_content_streams()
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _frame(page: _Page, inputs: BundleInputs, total: int) -> None:
    c, f = page.canvas, page.fonts
    top = PAGE_HEIGHT - 12 * mm
    c.setStrokeColor(ACCENT)
    c.setLineWidth(1.6)
    c.line(MARGIN, top, PAGE_WIDTH - MARGIN, top)
    c.setLineWidth(0.5)
    c.line(MARGIN, top - 1.2 * mm, PAGE_WIDTH - MARGIN, top - 1.2 * mm)
    c.setFillColor(ACCENT)
    c.setFont(f.sans, 8)
    c.drawString(MARGIN, top + 2 * mm, "企业开办电子证照包 · E-License Bundle")
    c.setFillColor(MUTED)
    c.drawRightString(PAGE_WIDTH - MARGIN, top + 2 * mm, f"办件编号 Case No. {inputs.case_id}")
    bottom = 18 * mm
    c.setStrokeColor(RULE)
    c.setLineWidth(0.5)
    c.line(MARGIN, bottom, PAGE_WIDTH - MARGIN, bottom)
    c.setFillColor(MUTED)
    c.setFont(f.sans, 7.5)
    c.drawString(
        MARGIN, bottom - 4 * mm, f"{inputs.company_name}  统一社会信用代码 {inputs.license.uscc}"
    )
    c.drawRightString(
        PAGE_WIDTH - MARGIN,
        bottom - 4 * mm,
        f"第 {page.number} 页 共 {total} 页 · Page {page.number} of {total}",
    )
    c.setFont(f.sans, 6.5)
    c.drawString(
        MARGIN,
        bottom - 8 * mm,
        "本文件由 OneStop 平台电子签名（PAdES，含时间戳与验证数据），任何改动都会使签名失效；"
        "可用 onestop verify 离线验证。",
    )
    c.drawString(
        MARGIN,
        bottom - 11 * mm,
        "Signed by the OneStop platform (PAdES with timestamp and validation data): any change "
        "invalidates the signature. Verify offline with onestop verify.",
    )


def _page_title(page: _Page, title: str, english: str) -> float:
    c, f = page.canvas, page.fonts
    y = PAGE_HEIGHT - 27 * mm
    c.setFillColor(INK)
    c.setFont(f.song, 20)
    c.drawString(MARGIN, y, title)
    width = c.stringWidth(title, f.song, 20)
    c.setFont(f.sans, 10)
    c.setFillColor(MUTED)
    c.drawString(MARGIN + width + 4 * mm, y + 1, english)
    c.setStrokeColor(ACCENT)
    c.setLineWidth(0.8)
    c.line(MARGIN, y - 4 * mm, MARGIN + 22 * mm, y - 4 * mm)
    return y - 10 * mm


# --- text helpers ---------------------------------------------------------------------------


def _styles(fonts: _Fonts) -> dict[str, ParagraphStyle]:
    return {
        "label": ParagraphStyle(
            "label", fontName=fonts.sans, fontSize=9, leading=11, textColor=INK
        ),
        "label_en": ParagraphStyle(
            "label_en", fontName=fonts.sans, fontSize=6.5, leading=8, textColor=MUTED
        ),
        "value": ParagraphStyle(
            "value", fontName=fonts.song, fontSize=10, leading=13.5, textColor=INK, wordWrap="CJK"
        ),
        "small": ParagraphStyle(
            "small", fontName=fonts.sans, fontSize=7.5, leading=10, textColor=INK, wordWrap="CJK"
        ),
        "note": ParagraphStyle(
            "note", fontName=fonts.sans, fontSize=7, leading=9.5, textColor=MUTED, wordWrap="CJK"
        ),
        "cell": ParagraphStyle(
            "cell", fontName=fonts.sans, fontSize=8, leading=10, textColor=INK, wordWrap="CJK"
        ),
        "head": ParagraphStyle(
            "head", fontName=fonts.sans, fontSize=7.5, leading=9.5, textColor=colors.white
        ),
        "section": ParagraphStyle(
            "section", fontName=fonts.sans, fontSize=10.5, leading=13, textColor=ACCENT
        ),
    }


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_LATIN_RUN = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?")


def _song_with_latin(text: str, styles: Mapping[str, ParagraphStyle]) -> str:
    """Paragraph markup: Chinese in the Song face, Latin letters and digits in the sans face
    (the Ming face's Latin glyphs look like a typewriter's)."""
    sans = styles["label"].fontName
    return _LATIN_RUN.sub(lambda m: f"<font name='{sans}'>{m.group(0)}</font>", _esc(text))


def _label(zh: str, en: str, styles: Mapping[str, ParagraphStyle]) -> list[Paragraph]:
    return [Paragraph(_esc(zh), styles["label"]), Paragraph(_esc(en), styles["label_en"])]


def _field_table(
    rows: Sequence[tuple[str, str, str]],
    styles: Mapping[str, ParagraphStyle],
    width: float,
    label_width: float = 38 * mm,
) -> Table:
    data = [
        [_label(zh, en, styles), Paragraph(_song_with_latin(value or "—", styles), styles["value"])]
        for zh, en, value in rows
    ]
    return _table(
        data,
        [label_width, width - label_width],
        styles,
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
            ("LINEABOVE", (0, 0), (-1, 0), 0.8, INK),
            ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ],
    )


def _table(
    data: list[list[Any]],
    widths: Sequence[float],
    styles: Mapping[str, ParagraphStyle],
    commands: list[tuple[Any, ...]],
) -> Table:
    # Every cell holds a Paragraph, but a Table still selects its default font (a Helvetica
    # that is never embedded) for each cell unless told otherwise.
    font = ("FONTNAME", (0, 0), (-1, -1), styles["cell"].fontName)
    table = Table(data, colWidths=list(widths), repeatRows=1)
    table.setStyle(TableStyle([font, *commands]))
    return table


def _grid_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    styles: Mapping[str, ParagraphStyle],
    widths: Sequence[float],
    *,
    total_row: bool = False,
) -> Table:
    def cell(value: Any, style: str) -> Any:
        return Paragraph(_esc(value), styles[style]) if isinstance(value, str) else value

    data = [[cell(h, "head") for h in header]]
    data += [[cell(v, "cell") for v in row] for row in rows]
    commands: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), BAR),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    for row in range(1, len(data)):
        if row % 2 == 0:
            commands.append(("BACKGROUND", (0, row), (-1, row), SHADE))
    if total_row and len(data) > 1:
        commands += [
            ("LINEABOVE", (0, -1), (-1, -1), 0.8, INK),
            ("BACKGROUND", (0, -1), (-1, -1), colors.white),
        ]
    return _table(data, widths, styles, commands)


def _draw_flowable(page: _Page, flowable: Any, y: float, width: float = CONTENT_WIDTH) -> float:
    """Draw at the top edge ``y``; returns the y just below it."""
    _w, height = flowable.wrapOn(page.canvas, width, PAGE_HEIGHT)
    flowable.drawOn(page.canvas, MARGIN, y - height)
    return float(y - height)


def _section(page: _Page, y: float, zh: str, en: str) -> float:
    c, f = page.canvas, page.fonts
    c.setFillColor(ACCENT)
    c.setFont(f.sans, 10.5)
    c.drawString(MARGIN, y - 4 * mm, zh)
    c.setFillColor(MUTED)
    c.setFont(f.sans, 8)
    c.drawString(MARGIN + c.stringWidth(zh, f.sans, 10.5) + 2 * mm, y - 4 * mm, en)
    return y - 7 * mm


def _when(ts: Any) -> str:
    value = from_timestamp(ts) if not isinstance(ts, datetime) else to_shanghai(ts)
    return "—" if value is None else f"{value:%Y-%m-%d %H:%M}"


def _day(ts: Any) -> str:
    value = from_timestamp(ts)
    return "—" if value is None else f"{value:%Y-%m-%d}"


def _money(value: common_pb2.Money) -> str:
    if not value.amount:
        return "—"
    try:
        amount = Decimal(value.amount)
    except InvalidOperation:
        return value.amount
    currency = value.currency or "CNY"
    text = f"{amount.quantize(_CENTI, ROUND_HALF_UP):,}"
    return f"{text} 元" if currency == "CNY" else f"{text} {currency}"


def _money_sum(values: Sequence[common_pb2.Money]) -> common_pb2.Money:
    total = Decimal(0)
    currency = "CNY"
    for value in values:
        if value.amount:
            total += Decimal(value.amount)
            currency = value.currency or currency
    return common_pb2.Money(amount=format(total, "f"), currency=currency)


def _hours(value: Decimal) -> str:
    # Two decimals below an hour: the automatic steps take minutes, not "0.0 h".
    return f"{value.quantize(_CENTI if value < 1 else _TENTH, ROUND_HALF_UP)}"


def _rate(text: str) -> str:
    try:
        return f"{(Decimal(text) * 100).normalize():f}%"
    except InvalidOperation:
        return text or "—"


# --- cover ----------------------------------------------------------------------------------


def _cover(
    inputs: BundleInputs,
    attachments: Sequence[Attachment],
    trust_root: x509.Certificate,
    signer: x509.Certificate | None,
    lta: bool,
) -> PageDrawer:
    def draw(page: _Page, top: float) -> None:
        c, f = page.canvas, page.fonts
        styles = _styles(f)
        c.setFillColor(ACCENT)
        c.setFont(f.song, 28)
        c.drawCentredString(PAGE_WIDTH / 2, top - 12 * mm, "企业开办电子证照包")
        c.setFillColor(INK)
        c.setFont(f.sans, 10.5)
        c.drawCentredString(PAGE_WIDTH / 2, top - 19 * mm, "COMPANY START-UP E-LICENSE BUNDLE")
        c.setFillColor(MUTED)
        c.setFont(f.sans, 8.5)
        c.drawCentredString(
            PAGE_WIDTH / 2,
            top - 25 * mm,
            "天津市宝坻区 企业开办“一窗通办”平台 · Tianjin Baodi District OneStop platform",
        )
        hours_per_day = BusinessCalendar().hours_per_day
        limit_hours = inputs.case_limit_workdays * hours_per_day
        used = inputs.case_working_hours
        within = used <= limit_hours
        verdict = "按时办结 completed within the limit" if within else "超出时限 limit exceeded"
        rows = [
            ("企业名称", "Company name", inputs.company_name),
            ("统一社会信用代码", "Unified social credit code", inputs.license.uscc),
            ("办件编号", "Case number", inputs.case_id),
            ("提交时间", "Submitted", _when(inputs.submitted_at)),
            ("办结时间", "Completed", _when(inputs.completed_at)),
            (
                "全程用时",
                "Working time, whole case",
                f"{_hours(used)} 工作小时（法定时限 {_decimal_text(inputs.case_limit_workdays)}"
                f" 个工作日 = {_hours(limit_hours)} 工作小时）· {verdict}",
            ),
        ]
        y = _draw_flowable(page, _field_table(rows, styles, CONTENT_WIDTH, 44 * mm), top - 31 * mm)
        y = _section(page, y - 3 * mm, "办理时限", "Time used per step against its statutory limit")
        y = _timeline(page, inputs, y - 1 * mm, hours_per_day)
        y = _section(page, y - 3 * mm, "内容与验证", "Contents and verification")
        names = [a.name for a in attachments]
        lines = [
            "页面 Pages: 封面 cover · 营业执照 license · 印章 seals · 税务 tax · "
            "社保 social insurance · 银行 bank",
            f"附件 Embedded files ({len(names)}): " + _file_summary(names),
            "营业执照原件 license.pdf 保留登记机关的认证签名；"
            "manifest.json 列出各环节结果及每个附件的 SHA-256。"
            "The original license keeps the authority's certification signature; "
            "manifest.json lists every step's result and each file's SHA-256.",
            "离线验证 Verify offline: onestop verify bundle.pdf --root root.pem　"
            f"平台根证书 Platform root: {trust_root.subject.rfc4514_string()}",
            "根证书 SHA-256 fingerprint: " + _fingerprint(trust_root),
        ]
        for line in lines:
            y = _draw_flowable(page, Paragraph(_esc(line), styles["small"]), y) - 1.2 * mm
        _signature_note(page, y - 3 * mm, signer, styles, lta)

    return draw


def _file_summary(names: Sequence[str]) -> str:
    certs = sum(name.startswith(CERTIFICATE_DIR) for name in names)
    crls = sum(name.startswith(CRL_DIR) for name in names)
    others = [n for n in names if not n.startswith((CERTIFICATE_DIR, CRL_DIR))]
    groups = [f"{CERTIFICATE_DIR} 证书 certificates ×{certs}", f"{CRL_DIR} 吊销列表 CRLs ×{crls}"]
    return ", ".join([*others, *groups])


def _signature_note(
    page: _Page,
    top: float,
    signer: x509.Certificate | None,
    styles: Mapping[str, ParagraphStyle],
    lta: bool,
) -> None:
    """A boxed statement of who signs and how, above the footer (the signature is invisible)."""
    who = _common_name(signer.subject) if signer else "OneStop Platform Bundle Signer"
    issuer = _common_name(signer.issuer) if signer else "OneStop Platform Signing CA"
    archive_zh = "并加盖文档时间戳（B-LTA）" if lta else "（B-LT）"
    archive_en = ", and a document timestamp (B-LTA)" if lta else " (B-LT)"
    text = (
        f"本证照包由 OneStop 平台签名：签名证书 {who}（签发者 {issuer}），PAdES 签名附时间戳，"
        f"内嵌证书与吊销列表{archive_zh}，离线即可验证。签名时间以时间戳为准，"
        "可在 PDF 阅读器的签名面板查看。"
    )
    english = (
        f"Signed by the OneStop platform with the certificate {who} (issued by {issuer}): a "
        f"PAdES signature with a timestamp, the certificates and CRLs embedded{archive_en}, so "
        "it verifies offline. The signing time is the timestamp's; see your PDF reader's "
        "signature panel."
    )
    c = page.canvas
    paragraphs = [Paragraph(_esc(text), styles["small"]), Paragraph(_esc(english), styles["note"])]
    heights = [p.wrap(CONTENT_WIDTH - 8 * mm, PAGE_HEIGHT)[1] for p in paragraphs]
    box_h = sum(heights) + 7 * mm
    c.setStrokeColor(ACCENT)
    c.setLineWidth(0.6)
    c.rect(MARGIN, top - box_h, CONTENT_WIDTH, box_h, 0, 0)
    c.setFillColor(ACCENT)
    c.setFont(page.fonts.sans, 8)
    c.drawString(MARGIN + 4 * mm, top - 4.5 * mm, "电子签名  Electronic signature")
    y = top - 6 * mm
    for paragraph, height in zip(paragraphs, heights, strict=True):
        paragraph.drawOn(c, MARGIN + 4 * mm, y - height)
        y -= height + 1 * mm


def _common_name(name: x509.Name) -> str:
    values = [a.value for a in name.get_attributes_for_oid(NameOID.COMMON_NAME)]
    return str(values[0]) if values else name.rfc4514_string()


def _fingerprint(cert: x509.Certificate) -> str:
    digest = cert.fingerprint(hashes.SHA256()).hex().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


@dataclass(frozen=True)
class _Bar:
    label_zh: str
    label_en: str
    detail: str
    start: Decimal
    used: Decimal
    limit: Decimal
    total: bool = False

    @property
    def breached(self) -> bool:
        return self.used > self.limit


def _timeline_bars(inputs: BundleInputs, hours_per_day: Decimal) -> list[_Bar]:
    calendar = BusinessCalendar()
    bars = []
    for timing in inputs.timings:
        try:
            offset = calendar.working_time_between(inputs.submitted_at, timing.started_at)
            start = max(Decimal(0), Decimal(int(offset.total_seconds())) / 3600)
        except CalendarError:
            # The holiday schedule of that year is not installed: draw the bar from zero.
            start = Decimal(0)
        bars.append(
            _Bar(
                timing.title_zh,
                timing.name,
                f"{_when(timing.started_at)[5:]} → {_when(timing.finished_at)[5:]}",
                start,
                timing.working_hours,
                timing.limit_workdays * hours_per_day,
            )
        )
    bars.append(
        _Bar(
            "全程",
            "whole case",
            f"{_when(inputs.submitted_at)[5:]} → {_when(inputs.completed_at)[5:]}",
            Decimal(0),
            inputs.case_working_hours,
            inputs.case_limit_workdays * hours_per_day,
            total=True,
        )
    )
    return bars


def _timeline(page: _Page, inputs: BundleInputs, top: float, hours_per_day: Decimal) -> float:
    """A Gantt chart in working hours since submission: each step's limit window (grey) and the
    time it took (blue, red when over its limit), the whole case against its limit below."""
    c, f = page.canvas, page.fonts
    bars = _timeline_bars(inputs, hours_per_day)
    case_limit = inputs.case_limit_workdays * hours_per_day
    furthest = max([case_limit] + [b.start + max(b.used, b.limit) for b in bars])
    days = int((furthest / hours_per_day).to_integral_value(rounding="ROUND_CEILING"))
    span = float(days * hours_per_day)
    label_w, value_w = 50 * mm, 30 * mm
    x0 = MARGIN + label_w
    plot_w = CONTENT_WIDTH - label_w - value_w
    row_h = 9 * mm
    axis_h = 7 * mm
    plot_top = top - axis_h
    rows_h = row_h * len(bars) + 2 * mm

    def x_of(hours: Decimal | float) -> float:
        return x0 + plot_w * float(hours) / span

    # Day bands and the hour scale.
    for day in range(days):
        if day % 2 == 0:
            c.setFillColor(SHADE)
            c.rect(x_of(day * hours_per_day), plot_top - rows_h, plot_w / days, rows_h, 0, 1)
        c.setFillColor(MUTED)
        c.setFont(f.sans, 6.5)
        c.drawCentredString(
            x_of((day + Decimal("0.5")) * hours_per_day),
            top - 3 * mm,
            f"第{day + 1}个工作日 · day {day + 1}",
        )
    c.setStrokeColor(RULE)
    c.setLineWidth(0.3)
    hour = 0
    while hour <= span:
        tick = 1.8 * mm if hour % int(hours_per_day) == 0 else 0.9 * mm
        c.line(x_of(hour), plot_top, x_of(hour), plot_top - tick)
        if hour % int(hours_per_day) == 0:
            c.setFillColor(MUTED)
            c.setFont(f.sans, 6)
            c.drawCentredString(x_of(hour), plot_top + 0.8 * mm, f"{hour}h")
            c.line(x_of(hour), plot_top, x_of(hour), plot_top - rows_h)
        hour += 1
    c.setStrokeColor(INK)
    c.setLineWidth(0.6)
    c.line(x0, plot_top, x0 + plot_w, plot_top)

    y = plot_top - 1 * mm
    for bar in bars:
        y -= row_h
        if bar.total:
            c.setStrokeColor(INK)
            c.setLineWidth(0.6)
            c.line(MARGIN, y + row_h + 0.5 * mm, PAGE_WIDTH - MARGIN, y + row_h + 0.5 * mm)
        colour = BREACH if bar.breached else (INK if bar.total else BAR)
        c.setFillColor(INK)
        c.setFont(f.sans, 8.5 if bar.total else 8)
        c.drawString(MARGIN, y + 4.6 * mm, f"{bar.label_zh}")
        c.setFillColor(MUTED)
        c.setFont(f.sans, 6)
        c.drawString(MARGIN, y + 1.6 * mm, f"{bar.label_en} · {bar.detail}")
        # The limit window, then the time actually used.
        c.setFillColor(LIMIT_FILL)
        c.setStrokeColor(LIMIT_EDGE)
        c.setLineWidth(0.4)
        c.rect(
            x_of(bar.start),
            y + 1.2 * mm,
            x_of(bar.start + bar.limit) - x_of(bar.start),
            6.2 * mm,
            1,
            1,
        )
        used_w = max(0.6, x_of(bar.start + bar.used) - x_of(bar.start))
        c.setFillColor(colour)
        c.rect(x_of(bar.start), y + 2.6 * mm, used_w, 3.4 * mm, 0, 1)
        if bar.breached:
            c.setStrokeColor(BREACH)
            c.setLineWidth(1)
            over = x_of(bar.start + bar.limit)
            c.line(over, y + 0.8 * mm, over, y + 7.8 * mm)
        c.setFillColor(BREACH if bar.breached else INK)
        c.setFont(f.sans, 8)
        c.drawRightString(
            PAGE_WIDTH - MARGIN, y + 4.6 * mm, f"{_hours(bar.used)} / {_hours(bar.limit)} h"
        )
        c.setFont(f.sans, 6.5)
        c.setFillColor(BREACH if bar.breached else ON_TIME)
        c.drawRightString(
            PAGE_WIDTH - MARGIN,
            y + 1.6 * mm,
            f"超时 over by {_hours(bar.used - bar.limit)} h"
            if bar.breached
            else "未超时 within the limit",
        )

    # The whole case's statutory limit as a line through every row.
    limit_x = x_of(case_limit)
    c.setStrokeColor(ACCENT)
    c.setLineWidth(0.9)
    c.setDash(3, 2)
    c.line(limit_x, plot_top + 0.5 * mm, limit_x, y - 1 * mm)
    c.setDash()
    c.setFillColor(ACCENT)
    c.setFont(f.sans, 6.5)
    c.drawCentredString(
        limit_x, y - 4 * mm, f"法定时限 {_decimal_text(inputs.case_limit_workdays)} 个工作日"
    )

    # Legend.
    legend_y = y - 9 * mm
    x = MARGIN
    for fill, edge, text in (
        (LIMIT_FILL, LIMIT_EDGE, "时限 limit"),
        (BAR, None, "实际用时 time used"),
        (BREACH, None, "超时 over the limit"),
    ):
        c.setFillColor(fill)
        c.setStrokeColor(edge or fill)
        c.rect(x, legend_y, 5 * mm, 2.6 * mm, 1 if edge else 0, 1)
        c.setFillColor(MUTED)
        c.setFont(f.sans, 6.5)
        c.drawString(x + 6.5 * mm, legend_y + 0.5 * mm, text)
        x += 8 * mm + c.stringWidth(text, f.sans, 6.5) + 4 * mm
    c.drawString(
        x + 4 * mm,
        legend_y + 0.5 * mm,
        f"工作小时，自提交起计；每个工作日 {_decimal_text(hours_per_day)} 小时 · "
        "working hours since submission",
    )
    return legend_y - 2 * mm


# --- license --------------------------------------------------------------------------------


def _license_page(inputs: BundleInputs) -> PageDrawer:
    lic = inputs.license

    def draw(page: _Page, top: float) -> None:
        styles = _styles(page.fonts)
        qr_size = 34 * mm
        _qr(
            page.canvas,
            lic.qr_payload or lic.uscc,
            PAGE_WIDTH - MARGIN - qr_size,
            top - qr_size,
            qr_size,
        )
        c = page.canvas
        c.setFont(page.fonts.sans, 6.5)
        c.setFillColor(MUTED)
        c.drawCentredString(
            PAGE_WIDTH - MARGIN - qr_size / 2,
            top - qr_size - 3 * mm,
            "扫码查询执照状态 · status lookup",
        )
        intro = (
            "以下为电子营业执照记载事项。登记机关签发的原件作为附件 license.pdf 嵌入本文件，"
            "其认证签名保持完整，可单独验证。"
        )
        intro_en = (
            "The particulars of the electronic business license. The registration authority's "
            "signed original is embedded as license.pdf, its certification signature intact and "
            "verifiable on its own."
        )
        text_w = CONTENT_WIDTH - qr_size - 6 * mm
        y = _draw_flowable(page, Paragraph(_esc(intro), styles["small"]), top, text_w)
        y = _draw_flowable(page, Paragraph(_esc(intro_en), styles["note"]), y - 1 * mm, text_w)
        head = [
            ("统一社会信用代码", "Unified social credit code", lic.uscc),
            ("执照编号", "License number", lic.license_number),
            ("状态", "Status", _license_status(lic.status)),
        ]
        y = _draw_flowable(page, _field_table(head, styles, text_w), y - 3 * mm, text_w)
        y = min(y, top - qr_size - 6 * mm)
        term = lic.operating_term or "长期"
        rows = [
            ("名称", "Name", lic.company_name),
            ("类型", "Enterprise type", lic.enterprise_type),
            ("法定代表人", "Legal representative", lic.legal_representative),
            ("注册资本", "Registered capital (subscribed)", _money(lic.registered_capital)),
            ("成立日期", "Date of establishment", lic.date_of_establishment),
            ("营业期限", "Operating term", term),
            ("住所", "Domicile", lic.domicile),
            ("经营范围", "Business scope", lic.business_scope),
            ("登记机关", "Registration authority", lic.registration_authority),
            ("核准时间", "Issued", _when(lic.issued_at)),
        ]
        y = _draw_flowable(page, _field_table(rows, styles, CONTENT_WIDTH), y - 4 * mm)
        if lic.committed_materials:
            y = _section(page, y - 3 * mm, "承诺制", "Commitment route: materials still owed")
            items = [f"{m.name_zh}（{m.name_en}）" for m in lic.committed_materials]
            text = (
                "；".join(items) + f"。承诺期限 due {_when(lic.commitment_due_at)}；"
                f"状态 state: {lic.commitment_state or 'open'}"
            )
            y = _draw_flowable(page, Paragraph(_esc(text), styles["small"]), y)
        y = _section(page, y - 3 * mm, "原件", "The signed original (embedded file license.pdf)")
        digest = sha256_hex(inputs.license_pdf)
        lines = [
            f"SHA-256: {digest}",
            f"大小 size: {len(inputs.license_pdf):,} bytes · 登记记录中的哈希 hash on record: "
            + _record_match(lic.pdf_sha256, digest),
            f"二维码内容 QR payload: {lic.qr_payload or lic.uscc}",
        ]
        for line in lines:
            y = _draw_flowable(page, Paragraph(_esc(line), styles["small"]), y) - 1 * mm

    return draw


def _record_match(recorded: str, digest: str) -> str:
    if not recorded:
        return "无记录 none on record"
    return "一致 matches" if recorded == digest else f"不一致 DIFFERS ({recorded})"


def _license_status(status: int) -> str:
    return {
        registration_pb2.LICENSE_STATUS_VALID: "有效 valid",
        registration_pb2.LICENSE_STATUS_REVOKED: "已吊销 revoked",
    }.get(status, "—")


def _qr(canvas: Canvas, payload: str, x: float, y: float, size: float) -> None:
    """The QR code as filled squares; renderPDF would reference a non-embedded Helvetica."""
    widget = QrCodeWidget(payload, barLevel="M")
    x1, y1, x2, y2 = widget.getBounds()
    scale_x, scale_y = size / (x2 - x1), size / (y2 - y1)
    canvas.saveState()
    canvas.setFillColor(colors.black)
    for shape in widget.draw().contents:
        if isinstance(shape, Rect) and shape.fillColor is not None:
            canvas.rect(
                x + (shape.x - x1) * scale_x,
                y + (shape.y - y1) * scale_y,
                shape.width * scale_x,
                shape.height * scale_y,
                stroke=0,
                fill=1,
            )
    canvas.restoreState()


# --- seals ----------------------------------------------------------------------------------


def _seals_page(inputs: BundleInputs, seals: Sequence[seal_pb2.Seal]) -> PageDrawer:
    def draw(page: _Page, top: float) -> None:
        c, f = page.canvas, page.fonts
        styles = _styles(f)
        if not seals:
            _draw_flowable(
                page,
                Paragraph("本案未刻制印章。No seals were made in this case.", styles["small"]),
                top,
            )
            return
        intro = (
            "印模按印章服务签发的矢量印模原样呈现；电子印章证书及其吊销列表作为附件嵌入。"
            "The impressions as issued by the seal service (vector); the e-seal certificates "
            "and CRLs are embedded."
        )
        y = _draw_flowable(page, Paragraph(_esc(intro), styles["note"]), top) - 2 * mm
        card_h = 47 * mm
        box = 42 * mm
        for seal in seals:
            c.setStrokeColor(RULE)
            c.setLineWidth(0.5)
            c.roundRect(MARGIN, y - card_h, CONTENT_WIDTH, card_h - 2 * mm, 2 * mm, 1, 0)
            box_x, box_y = MARGIN + 2.5 * mm, y - card_h + 1.5 * mm
            _impression(page, inputs, seal, box_x, box_y, box)
            info_x = MARGIN + box + 8 * mm
            kind = _SEAL_KINDS.get(seal.kind)
            title_zh, title_en = (kind.label_zh, _SEAL_KIND_EN[kind]) if kind else ("印章", "seal")
            c.setFillColor(INK)
            c.setFont(f.song, 12.5)
            c.drawString(info_x, y - 7 * mm, title_zh)
            c.setFillColor(MUTED)
            c.setFont(f.sans, 8.5)
            c.drawString(
                info_x + c.stringWidth(title_zh, f.song, 12.5) + 3 * mm, y - 7 * mm, title_en
            )
            forms = [
                w
                for w, on in (
                    ("实体章 physical", seal.physical),
                    ("电子印章 electronic", seal.electronic),
                )
                if on
            ]
            rows = [
                ("印章编码", "Seal code", seal.seal_code),
                (
                    "公安备案号",
                    "Police filing",
                    f"{seal.filing_number}　备案 filed {_when(seal.filed_at)}",
                ),
                ("形式", "Form", " + ".join(forms) or "—"),
                ("证书序列号", "Certificate serial", seal.certificate_serial or "—"),
                ("证书签发者", "Certificate issuer", _seal_issuer(seal)),
                (
                    "证书有效期",
                    "Certificate validity",
                    _validity(seal),
                ),
            ]
            table = _seal_table(rows, styles, CONTENT_WIDTH - box - 11 * mm)
            _w, h = table.wrapOn(c, CONTENT_WIDTH - box - 11 * mm, card_h)
            table.drawOn(c, info_x, y - 9.5 * mm - h)
            y -= card_h + 1 * mm

    return draw


def _validity(seal: seal_pb2.Seal) -> str:
    if not seal.certificate_pem:
        return "—"
    return f"{_when(seal.certificate_not_before)} 至 to {_when(seal.certificate_not_after)}"


def _seal_issuer(seal: seal_pb2.Seal) -> str:
    if not seal.certificate_pem:
        return "—"
    try:
        cert = x509.load_pem_x509_certificate(seal.certificate_pem.encode())
    except ValueError:
        return "证书无法解析 unreadable certificate"
    return _common_name(cert.issuer)


def _seal_table(
    rows: Sequence[tuple[str, str, str]], styles: Mapping[str, ParagraphStyle], width: float
) -> Table:
    label_w = 36 * mm
    data = [
        [
            Paragraph(f"{_esc(zh)} <font size=6 color='#666666'>{_esc(en)}</font>", styles["cell"]),
            Paragraph(_esc(value), styles["cell"]),
        ]
        for zh, en, value in rows
    ]
    return _table(
        data,
        [label_w, width - label_w],
        styles,
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ("LINEBELOW", (0, 0), (-1, -2), 0.3, RULE),
        ],
    )


def _impression(
    page: _Page, inputs: BundleInputs, seal: seal_pb2.Seal, x: float, y: float, size: float
) -> None:
    if seal.impression_pdf:
        page.place_impression(x, y, size, size, seal.impression_pdf)
        return
    kind = _SEAL_KINDS.get(seal.kind)
    try:
        if kind is None:
            raise ValueError("unknown seal kind")
        spec = SealSpec(
            kind=kind,
            company_name=seal.company_name or inputs.company_name,
            seal_code=seal.seal_code,
            uscc=seal.uscc or inputs.license.uscc,
            person_name=inputs.form.legal_representative.name,
        )
    except ValueError:
        c = page.canvas
        c.setStrokeColor(RULE)
        c.rect(x, y, size, size)
        c.setFont(page.fonts.sans, 7)
        c.setFillColor(MUTED)
        c.drawCentredString(x + size / 2, y + size / 2, "无印模 no impression")
        return
    width, height = (side * mm for side in seal_size_mm(kind))
    draw_seal(page.canvas, spec, x + (size - width) / 2, y + (size - height) / 2)


# --- tax ------------------------------------------------------------------------------------


def _tax_page(inputs: BundleInputs) -> PageDrawer:
    tax = inputs.taxpayer

    def draw(page: _Page, top: float) -> None:
        styles = _styles(page.fonts)
        vat_zh, vat_en = _VAT_STATUS.get(tax.vat_status, ("—", "unspecified"))
        rows = [
            ("纳税人识别号", "Taxpayer ID", tax.taxpayer_id),
            ("纳税人名称", "Taxpayer", tax.company_name),
            ("主管税务机关", "Competent tax office", tax.tax_office),
            ("登记时间", "Registered", _when(tax.registered_at)),
            ("增值税纳税人类型", "VAT status", f"{vat_zh}（{vat_en}）"),
            ("征收率 / 税率", "VAT rate", _rate(tax.vat_rate)),
            ("认定依据", "Legal basis", tax.vat_status_legal_basis),
            (
                "法定代表人",
                "Legal representative",
                f"{tax.legal_representative_name}　{tax.legal_representative_id_masked}",
            ),
            (
                "财务负责人",
                "Finance contact",
                f"{tax.finance_contact_name}　{tax.finance_contact_id_masked}",
            ),
        ]
        y = _draw_flowable(page, _field_table(rows, styles, CONTENT_WIDTH, 44 * mm), top)
        y = _section(page, y - 4 * mm, "发票核定", "Invoice quota (票种核定)")
        quota = tax.quota
        kinds = "、".join(
            "{}（{}）".format(*_INVOICE_KINDS.get(k, ("—", "unspecified"))) for k in quota.kinds
        )
        quota_rows = [
            ("票种", "Invoice kinds", kinds or "—"),
            ("单张开票限额", "Maximum per invoice", _money(quota.max_amount_per_invoice)),
            ("每月领用份数", "Invoices per month", str(quota.monthly_quantity)),
            ("授信额度（每月）", "Monthly credit line", _money(quota.credit_line)),
        ]
        y = _draw_flowable(page, _field_table(quota_rows, styles, CONTENT_WIDTH, 44 * mm), y)
        if tax.rules:
            y = _section(
                page, y - 4 * mm, "适用规则", "Rules applied, with how far each was checked"
            )
            rows_data = [
                [r.rule, r.value, _VERIFIED.get(r.verified, r.verified or "—"), r.source]
                for r in tax.rules
            ]
            widths = [40 * mm, 40 * mm, 24 * mm, CONTENT_WIDTH - 104 * mm]
            table = _grid_table(
                ["规则 rule", "取值 value", "核实 checked", "来源 source"],
                rows_data,
                styles,
                widths,
            )
            y = _draw_flowable(page, table, y)
            if any(r.verified != "yes" for r in tax.rules):
                note = (
                    "标注“未核实”或“部分核实”的条目尚未与现行法规逐条核对，不应视为确定的法律规定。"
                    "Rows not marked verified have not been checked against current law and are "
                    "not settled law."
                )
                _draw_flowable(page, Paragraph(_esc(note), styles["note"]), y - 2 * mm)

    return draw


# --- social insurance -----------------------------------------------------------------------


def _social_insurance_page(inputs: BundleInputs) -> PageDrawer:
    employer = inputs.employer

    def draw(page: _Page, top: float) -> None:
        styles = _styles(page.fonts)
        rows = [
            ("社会保险登记编号", "Registration number", employer.registration_number),
            ("单位名称", "Employer", employer.company_name),
            ("统一社会信用代码", "USCC", employer.uscc),
            ("经办机构", "Agency", employer.agency),
            ("登记时间", "Registered", _when(employer.registered_at)),
        ]
        y = _draw_flowable(page, _field_table(rows, styles, CONTENT_WIDTH, 44 * mm), top)
        y = _section(
            page, y - 4 * mm, "职工参保", "Enrolled employees and first-month contributions"
        )
        enrolments = list(employer.enrolments)
        data: list[list[str]] = []
        for number, e in enumerate(enrolments, start=1):
            total = _money_sum([e.employer_total, e.employee_total])
            data.append(
                [
                    str(number),
                    e.name,
                    mask_id_number(e.social_security_number),
                    e.start_date,
                    _money(e.contribution_base) + (" *" if e.base_adjusted else ""),
                    _money(e.employer_total),
                    _money(e.employee_total),
                    _money(total),
                ]
            )
        data.append(
            [
                "",
                f"合计 total ({len(enrolments)})",
                "",
                "",
                "",
                _money(employer.employer_total),
                _money(employer.employee_total),
                _money(_money_sum([employer.employer_total, employer.employee_total])),
            ]
        )
        widths = [8 * mm, 26 * mm, 34 * mm, 20 * mm, 22 * mm, 21 * mm, 21 * mm]
        widths.append(CONTENT_WIDTH - sum(widths))
        header = [
            "#",
            "姓名 name",
            "社会保障号码 SSN (masked)",
            "参保日期 start",
            "缴费基数 base",
            "单位 employer",
            "个人 employee",
            "合计 total",
        ]
        y = _draw_flowable(page, _grid_table(header, data, styles, widths, total_row=True), y)
        if any(e.base_adjusted for e in enrolments):
            note = (
                "* 申报工资超出缴费基数上下限，已按上下限调整。"
                "* base adjusted to the floor or ceiling."
            )
            y = _draw_flowable(page, Paragraph(_esc(note), styles["note"]), y - 1.5 * mm)
        y = _section(page, y - 4 * mm, "分险种", "By insurance, all employees, first month")
        y = _draw_flowable(page, _insurance_table(enrolments, styles), y)
        notes = [
            f"费率表版本 Rate table version: {employer.rate_table_version or '—'}",
            employer.rate_table_note,
        ]
        for note in filter(None, notes):
            y = _draw_flowable(page, Paragraph(_esc(note), styles["note"]), y - 1.5 * mm)

    return draw


def _insurance_table(
    enrolments: Sequence[social_insurance_pb2.Enrolment], styles: Mapping[str, ParagraphStyle]
) -> Table:
    order: list[str] = []
    sums: dict[str, dict[str, Any]] = {}
    for enrolment in enrolments:
        for item in enrolment.contributions:
            if item.insurance not in sums:
                order.append(item.insurance)
                sums[item.insurance] = {
                    "employer_rate": item.employer_rate,
                    "employee_rate": item.employee_rate,
                    "employer": [],
                    "employee": [],
                    "verified": item.verified,
                }
            sums[item.insurance]["employer"].append(item.employer_amount)
            sums[item.insurance]["employee"].append(item.employee_amount)
    rows = []
    for insurance in order:
        s = sums[insurance]
        zh, en = _INSURANCES.get(insurance, (insurance, insurance))
        rows.append(
            [
                f"{zh} {en}",
                _rate(s["employer_rate"]),
                _rate(s["employee_rate"]),
                _money(_money_sum(s["employer"])),
                _money(_money_sum(s["employee"])),
                _VERIFIED.get(s["verified"], s["verified"] or "—"),
            ]
        )
    widths = [40 * mm, 22 * mm, 22 * mm, 28 * mm, 28 * mm]
    widths.append(CONTENT_WIDTH - sum(widths))
    header = [
        "险种 insurance",
        "单位费率 employer",
        "个人费率 employee",
        "单位 employer",
        "个人 employee",
        "核实 checked",
    ]
    return _grid_table(header, rows, styles, widths)


# --- bank -----------------------------------------------------------------------------------


def _bank_page(inputs: BundleInputs) -> PageDrawer:
    account = inputs.account

    def draw(page: _Page, top: float) -> None:
        styles = _styles(page.fonts)
        type_zh, type_en = _ACCOUNT_TYPES.get(account.account_type, (account.account_type, ""))
        rows = [
            ("开户银行", "Bank", account.bank_name),
            ("开户网点", "Branch", account.branch_name),
            ("账户类型", "Account type", f"{type_zh}（{type_en}）" if type_en else type_zh),
            ("账号", "Account number (masked)", mask_account_number(account.account_number)),
            ("户名", "Account holder", account.company_name),
            ("开户时间", "Opened", _when(account.opened_at)),
            ("基本存款账户备案号", "Central-bank filing number", account.filing_number),
            ("备案日期", "Filed", _when(account.filed_at)),
            ("开户信息告知书编号", "Account notice number", account.notice_number),
            ("预留印鉴", "Specimen seals", "、".join(account.specimen_seal_codes) or "—"),
        ]
        y = _draw_flowable(page, _field_table(rows, styles, CONTENT_WIDTH, 48 * mm), top)
        if account.due_diligence:
            y = _section(page, y - 4 * mm, "尽职调查", "Customer due diligence")
            data = [
                [d.check, "通过 passed" if d.passed else "未通过 FAILED", d.detail]
                for d in account.due_diligence
            ]
            widths = [50 * mm, 26 * mm, CONTENT_WIDTH - 76 * mm]
            y = _draw_flowable(
                page,
                _grid_table(["检查 check", "结果 result", "说明 detail"], data, styles, widths),
                y,
            )
        if account.beneficial_owners:
            y = _section(page, y - 4 * mm, "受益所有人", "Beneficial owners")
            data = [[o.name, o.id_number_masked, _rate(o.share)] for o in account.beneficial_owners]
            widths = [50 * mm, 60 * mm, CONTENT_WIDTH - 110 * mm]
            y = _draw_flowable(
                page,
                _grid_table(
                    ["姓名 name", "证件号码 ID (masked)", "份额 share"], data, styles, widths
                ),
                y,
            )
        note = (
            "账号仅显示首尾各四位；完整账号见银行出具的开户信息告知书。"
            "Only the first and last four digits of the account number are shown; the full number "
            "is on the bank's account notice."
        )
        _draw_flowable(page, Paragraph(_esc(note), styles["note"]), y - 3 * mm)

    return draw
