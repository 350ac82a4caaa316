"""The world the e-license bundle tests build without the services (tests/unit/test_bundle*.py): a
PKI in a temporary directory, a license certified by the registration authority, seal
certificates from the seal CA, the step results filled in as the services would; and where the
signed file keeps its signatures, page streams and attachments, for the tests that change bytes."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from google.protobuf import json_format
from pypdf import PdfReader
from pypdf.generic import ArrayObject

from onestop.bank.v1 import bank_pb2
from onestop.common.v1 import application_pb2
from onestop.invoice.v1 import invoice_pb2
from onestop.registration.v1 import registration_pb2
from onestop.seal.v1 import seal_pb2
from onestop.social_insurance.v1 import social_insurance_pb2
from onestop_cli.verify import BundleReport
from onestop_common.calendar import BusinessCalendar
from onestop_common.clock import SHANGHAI
from onestop_common.identifiers import make_orgcode, make_uscc, mask_id_number
from onestop_common.pki import PkiStore, SigningIdentity, generate_key, issue_seal_certificate
from onestop_common.protoconv import money, timestamp
from onestop_common.signer_client import LocalPdfSigner
from onestop_common.signing import InProcessTimestamper, ValidationMaterial, sign_pdf
from onestop_common.verification import PLACEHOLDER_BASE, verification_url
from orchestrator.bundle import SIGNATURE_FIELD, BundleInputs, StepTiming, build_bundle
from svc_bank.domain import account_number
from svc_bank.domain import filing_number as account_filing_number
from svc_registration.domain import EnterpriseType, LicenseFacts, qr_payload
from svc_registration.license_pdf import SIGNATURE_FIELD as LICENSE_FIELD
from svc_registration.license_pdf import render_license
from svc_seal.domain import filing_number as seal_filing_number
from svc_seal.impression import SealKind, SealSpec, render_seal_pdf, seal_size_mm

KEK = b"bundle tests key-encryption key"
DER = serialization.Encoding.DER
PEM = serialization.Encoding.PEM
SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "application.json"
CASE_ID = "C20261123-000042"
CRL_URL = "http://127.0.0.1:8470/crl/seal.crl"
USED_CAS = ("root", "registration", "seal", "platform", "tsa")
# Business time of the case (the PKI uses wall-clock time, as in the platform).
SUBMITTED = datetime(2026, 11, 23, 9, 30, tzinfo=SHANGHAI)
CALENDAR = BusinessCalendar()


def catalog(reader: PdfReader) -> Any:
    """The document catalog, as a dictionary the tests can index freely."""
    return reader.trailer["/Root"]


def content_of(page: Any) -> bytes:
    contents = page.get_contents()
    assert contents is not None, "the page has no content stream"
    return bytes(contents.get_data())


# --- a world without the services -----------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class World:
    pki: PkiStore
    root: x509.Certificate
    tsa: InProcessTimestamper


def make_world(directory: Path) -> World:
    store = PkiStore(directory, KEK)
    store.init()
    return World(
        store, store.root_certificate(), InProcessTimestamper(store.load_identity("tsa-signer"))
    )


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def _hours(start: datetime, end: datetime) -> Decimal:
    seconds = Decimal(int(CALENDAR.working_time_between(start, end).total_seconds()))
    return (seconds / 3600).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _timing(name: str, title: str, limit: str, start: datetime, end: datetime) -> StepTiming:
    return StepTiming(name, title, Decimal(limit), start, end, _hours(start, end))


def sample_form() -> application_pb2.ApplicationForm:
    return json_format.Parse(SAMPLE.read_text("utf-8"), application_pb2.ApplicationForm())


def company_name(form: application_pb2.ApplicationForm) -> str:
    n = form.name
    return f"{n.division}{n.trade_name}{n.industry}{n.organisational_form}"


USCC = make_uscc("9", "1", "120115", make_orgcode("MA07T2K1"))
LICENSE_NUMBER = "1201152026112300A7K2"
# Where the bundle's cover and manifest send a reader (ONESTOP_PORTAL_PUBLIC_URL).
PUBLIC_BASE = "https://onestop.example.gov.cn"


def signed_license(world: World, form: application_pb2.ApplicationForm) -> bytes:
    facts = LicenseFacts(
        uscc=USCC,
        license_number=LICENSE_NUMBER,
        company_name=company_name(form),
        enterprise_type=EnterpriseType.LLC,
        legal_representative=form.legal_representative.name,
        registered_capital=Decimal(form.registered_capital.amount),
        date_of_establishment=_at(23, 15).date(),
        operating_term_years=0,
        domicile="天津市宝坻区宝坻经济开发区宝旺道6号2号楼301室",
        business_scope="一般项目：软件开发；信息系统集成服务；技术服务、技术开发、技术咨询。",
        registration_authority="天津市宝坻区市场监督管理局",
        issued_on=_at(23, 15).date(),
        qr_payload=qr_payload(PLACEHOLDER_BASE, USCC, LICENSE_NUMBER, 1),
    )
    crls = tuple(world.pki.load_crl(ca).public_bytes(DER) for ca in ("root", "registration", "tsa"))
    return sign_pdf(
        render_license(facts),
        world.pki.load_identity("registration-signer"),
        field_name=LICENSE_FIELD,
        timestamper=world.tsa,
        certify=True,
        docmdp="fill_forms",
        embed_validation=ValidationMaterial(trust_root=world.root, crls=crls),
    )


SEAL_KINDS = (
    (application_pb2.SEAL_KIND_OFFICIAL, SealKind.OFFICIAL),
    (application_pb2.SEAL_KIND_FINANCE, SealKind.FINANCE),
    (application_pb2.SEAL_KIND_INVOICE, SealKind.INVOICE),
    (application_pb2.SEAL_KIND_LEGAL_REP, SealKind.LEGAL_REP),
)


def certified_seal(
    ca: SigningIdentity,
    proto_kind: int,
    kind: SealKind,
    code: str,
    *,
    company_name: str,
    certificate_name: str | None = None,
) -> seal_pb2.Seal:
    """An active seal, physical and electronic, filed with the police on the 24th, with an e-seal
    certificate from the seal CA (``ca``) in ``certificate_name``, where the company name is longer
    than an X.509 common name holds, else in ``company_name``."""
    now = datetime.now(UTC)
    cert = issue_seal_certificate(
        ca,
        generate_key().public_key(),
        company_name=certificate_name or company_name,
        uscc=USCC,
        seal_type=kind.label_zh,
        seal_code=code,
        not_before=now - timedelta(minutes=5),
        not_after=now + timedelta(days=3 * 365),
        crl_url=CRL_URL,
    )
    width, height = seal_size_mm(kind)
    filed = _at(24, 9, 40)
    return seal_pb2.Seal(
        seal_code=code,
        kind=proto_kind,
        state=seal_pb2.SEAL_STATE_ACTIVE,
        physical=True,
        electronic=True,
        width_mm=width,
        height_mm=height,
        certificate_pem=cert.public_bytes(PEM).decode(),
        certificate_serial=f"{cert.serial_number:x}",
        certificate_not_before=timestamp(cert.not_valid_before_utc),
        certificate_not_after=timestamp(cert.not_valid_after_utc),
        filing_number=seal_filing_number(code, filed),
        filed_at=timestamp(filed),
        uscc=USCC,
        company_name=company_name,
    )


def make_seals(world: World, name: str, legal_rep: str) -> tuple[seal_pb2.Seal, ...]:
    ca = world.pki.load_identity("seal")
    seals = []
    for serial, (proto_kind, kind) in enumerate(SEAL_KINDS, start=17):
        code = f"1201001{serial:06d}"
        seal = certified_seal(ca, proto_kind, kind, code, company_name=name)
        seal.text = f"{name} {kind.label_zh} {code}"
        spec = SealSpec(kind, name, code, uscc=USCC, person_name=legal_rep)
        seal.impression_pdf = render_seal_pdf(spec)
        seal.engraved_at.CopyFrom(timestamp(_at(24, 9, 10)))
        seals.append(seal)
    return tuple(seals)


RATES = {  # insurance: (employer, employee); configured, not verified against current law
    "pension": ("0.16", "0.08"),
    "medical": ("0.095", "0.02"),
    "unemployment": ("0.005", "0.005"),
    "work_injury": ("0.002", "0"),
    "maternity": ("0.005", "0"),
}


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)


def make_employer(
    form: application_pb2.ApplicationForm, name: str
) -> social_insurance_pb2.Employer:
    enrolments = []
    employer_sum = employee_sum = Decimal(0)
    for employee in form.employees:
        base = Decimal(employee.monthly_wage.amount)
        items = []
        er_total = ee_total = Decimal(0)
        for insurance, (er, ee) in RATES.items():
            er_amount, ee_amount = _cents(base * Decimal(er)), _cents(base * Decimal(ee))
            er_total += er_amount
            ee_total += ee_amount
            items.append(
                social_insurance_pb2.Contribution(
                    insurance=insurance,
                    employer_rate=er,
                    employee_rate=ee,
                    employer_amount=money(er_amount),
                    employee_amount=money(ee_amount),
                    verified="unverified",
                )
            )
        employer_sum += er_total
        employee_sum += ee_total
        enrolments.append(
            social_insurance_pb2.Enrolment(
                social_security_number=employee.person.id_number,
                name=employee.person.name,
                start_date="2026-11-24",
                contribution_base=money(base),
                contributions=items,
                employer_total=money(er_total),
                employee_total=money(ee_total),
                active=True,
                hire_date=employee.hire_date,
            )
        )
    return social_insurance_pb2.Employer(
        registration_number="SI12011500000042",
        uscc=USCC,
        company_name=name,
        agency="天津市宝坻区社会保险事业管理中心",
        enrolments=enrolments,
        employer_total=money(employer_sum),
        employee_total=money(employee_sum),
        registered_at=timestamp(_at(24, 11)),
        rate_table_version="tianjin-2026-v1",
        rate_table_note="费率为配置值，未与现行政策逐条核实。"
        "Configured rates, not verified against current policy.",
        state="registered",
    )


def make_taxpayer(form: application_pb2.ApplicationForm, name: str) -> invoice_pb2.Taxpayer:
    return invoice_pb2.Taxpayer(
        taxpayer_id=USCC,
        company_name=name,
        tax_office="国家税务总局天津市宝坻区税务局",
        vat_status=invoice_pb2.VAT_STATUS_SMALL_SCALE,
        vat_status_legal_basis="《增值税一般纳税人登记管理办法》（国家税务总局令第43号）：年应税销售额"
        "未超过规定标准且未申请登记为一般纳税人的，按小规模纳税人管理。",
        vat_rate="0.01",
        quota=invoice_pb2.InvoiceQuota(
            kinds=[application_pb2.INVOICE_KIND_DIGITAL_ORDINARY],
            max_amount_per_invoice=money(Decimal("100000.00")),
            monthly_quantity=50,
            credit_line=money(Decimal("1000000.00")),
        ),
        legal_representative_name=form.legal_representative.name,
        legal_representative_id_masked=mask_id_number(form.legal_representative.id_number),
        finance_contact_name=form.invoice.finance_contact.name,
        finance_contact_id_masked=mask_id_number(form.invoice.finance_contact.id_number),
        registered_at=timestamp(_at(24, 14, 30)),
        state=invoice_pb2.TAXPAYER_STATE_ACTIVE,
        division_code="120115",
        rules=[
            invoice_pb2.RuleReference(
                rule="vat_status",
                value="small_scale",
                verified="yes",
                source="国家税务总局令第43号",
            ),
            invoice_pb2.RuleReference(
                rule="vat_rate",
                value="0.01",
                verified="partial",
                source="财政部 税务总局公告2023年第19号",
            ),
        ],
    )


def make_account(name: str, seals: tuple[seal_pb2.Seal, ...]) -> bank_pb2.Account:
    return bank_pb2.Account(
        account_number=account_number("102", "120115", 42),
        bank_code="102",
        bank_name="中国工商银行",
        branch_name="中国工商银行天津宝坻支行",
        account_type="basic",
        uscc=USCC,
        company_name=name,
        opened_at=timestamp(_at(24, 16, 20)),
        filing_number=account_filing_number("120115", 42),
        notice_number="10220261124000042",
        due_diligence=[
            bank_pb2.DueDiligenceCheck(check="license_status", passed=True, detail="营业执照有效"),
            bank_pb2.DueDiligenceCheck(check="risk_list", passed=True, detail="未命中风险名单"),
        ],
        beneficial_owners=[
            bank_pb2.BeneficialOwner(
                name="张伟", id_number_masked="120***********0033", share="0.6"
            ),
        ],
        specimen_seal_codes=[s.seal_code for s in seals[1:2]] + [s.seal_code for s in seals[3:4]],
        filed_at=timestamp(_at(24, 16, 25)),
        state="open",
    )


def make_inputs(world: World) -> BundleInputs:
    form = sample_form()
    name = company_name(form)
    license_pdf = signed_license(world, form)
    seals = make_seals(world, name, form.legal_representative.name)
    license = registration_pb2.License(
        uscc=USCC,
        company_name=name,
        enterprise_type="有限责任公司（自然人投资或控股）",
        legal_representative=form.legal_representative.name,
        registered_capital=form.registered_capital,
        date_of_establishment="2026-11-23",
        operating_term="长期",
        domicile="天津市宝坻区宝坻经济开发区宝旺道6号2号楼301室",
        business_scope="一般项目：软件开发；信息系统集成服务；技术服务、技术开发、技术咨询。",
        registration_authority="天津市宝坻区市场监督管理局",
        issued_at=timestamp(_at(23, 15)),
        qr_payload=qr_payload(PLACEHOLDER_BASE, USCC, LICENSE_NUMBER, 1),
        status=registration_pb2.LICENSE_STATUS_VALID,
        division_code="120115",
        pdf_sha256=hashlib.sha256(license_pdf).hexdigest(),
        license_number=LICENSE_NUMBER,
        commitment_state="none",
    )
    certificates = {ca: world.pki.load_certificate(ca).public_bytes(PEM) for ca in USED_CAS}
    certificates |= {f"seal-{s.seal_code}": s.certificate_pem.encode() for s in seals}
    completed = _at(24, 16, 32)
    timings = (
        _timing("license", "营业执照", "1.5", SUBMITTED, _at(23, 15)),
        _timing("seal", "刻章备案", "0.5", _at(23, 15), _at(24, 9, 40)),
        _timing("invoice", "税务登记与发票", "1", _at(23, 15), _at(24, 14, 30)),
        _timing("social_insurance", "社保登记", "1", _at(23, 15), _at(24, 11)),
        _timing("bank", "银行开户", "1", _at(24, 9, 40), _at(24, 16, 30)),
        _timing("bundle", "电子证照包", "0.1", _at(24, 16, 30), completed),
    )
    return BundleInputs(
        case_id=CASE_ID,
        company_name=name,
        submitted_at=SUBMITTED,
        completed_at=completed,
        case_limit_workdays=Decimal(3),
        case_working_hours=_hours(SUBMITTED, completed),
        timings=timings,
        form=form,
        license=license,
        license_pdf=license_pdf,
        seals=seals,
        taxpayer=make_taxpayer(form, name),
        employer=make_employer(form, name),
        account=make_account(name, seals),
        certificates=certificates,
        crls={ca: world.pki.load_crl(ca).public_bytes(DER) for ca in USED_CAS},
        verification_url=verification_url(PUBLIC_BASE, USCC, LICENSE_NUMBER),
    )


def build(world: World, inputs: BundleInputs, *, lta: bool = True) -> bytes:
    return build_bundle(inputs, signer=platform_signer(world), trust_root=world.root, lta=lta)


def platform_signer(world: World) -> LocalPdfSigner:
    return LocalPdfSigner(world.pki.load_identity("platform-signer"), world.tsa, world.root)


# --- locating bytes in the signed file --------------------------------------------------------


def _signature_gaps(pdf: bytes) -> dict[str, tuple[int, int]]:
    """Field name -> (start, end) of its /Contents hex string, from the signature dictionaries."""
    reader = PdfReader(io.BytesIO(pdf))
    gaps = {}
    for field in catalog(reader)["/AcroForm"]["/Fields"]:
        field = field.get_object()
        value = field.get("/V")
        if value is not None:
            byte_range = [int(x) for x in value.get_object()["/ByteRange"]]
            gaps[str(field["/T"])] = (byte_range[1], byte_range[2])
    return gaps


def _timestamp_gap(pdf: bytes) -> tuple[int, int]:
    return next(gap for name, gap in _signature_gaps(pdf).items() if name != SIGNATURE_FIELD)


def _stream_start(pdf: bytes, object_number: int) -> int:
    match = re.search(rb"(?<![0-9])%d 0 obj\b" % object_number, pdf)
    assert match is not None
    stream = re.compile(rb"stream\r?\n").search(pdf, match.end())
    assert stream is not None
    return stream.end()


def _first_page_stream(pdf: bytes) -> int:
    contents = PdfReader(io.BytesIO(pdf)).pages[0].raw_get("/Contents")
    if isinstance(contents, ArrayObject):
        contents = contents[0]
    return _stream_start(pdf, contents.idnum)


def _embedded_stream(pdf: bytes, name: str) -> int:
    names = catalog(PdfReader(io.BytesIO(pdf)))["/Names"]["/EmbeddedFiles"]["/Names"]
    for key, spec in zip(names[::2], names[1::2], strict=True):
        if key == name:
            return _stream_start(pdf, spec.get_object()["/EF"].raw_get("/F").idnum)
    raise AssertionError(f"{name} is not embedded")


def _flip(pdf: bytes, position: int, mask: int = 0x01) -> bytes:
    changed = bytearray(pdf)
    changed[position] ^= mask
    return bytes(changed)


def _failed(report: BundleReport) -> list[str]:
    return [f"{c.name}: {c.detail}" for c in report.checks if not c.ok]
