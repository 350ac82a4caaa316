"""The bundle's embedded files: license.pdf, certificates/*, crls/* and manifest.json, which
lists every step's result, where the figures come from (``provenance``), how to read the times
(``clock``) and the SHA-256 of every other embedded file."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from cryptography import x509
from google.protobuf import json_format
from google.protobuf.message import Message

from onestop.common.v1 import application_pb2
from onestop.seal.v1 import seal_pb2
from onestop_common.calendar import BusinessCalendar
from onestop_common.clock import to_shanghai
from onestop_common.identifiers import mask_account_number, mask_id_number
from onestop_common.logs import mask_ids
from onestop_common.signing import Attachment
from orchestrator.bundle.layout import decimal_text
from orchestrator.bundle.model import (
    APPLICATION_NAME,
    CERTIFICATE_DIR,
    CRL_DIR,
    LICENSE_NAME,
    MANIFEST_NAME,
    BundleError,
    BundleInputs,
)
from orchestrator.bundle.provenance import provenance

# Format 2 added "provenance" and "clock". onestop verify reads every format listed here.
MANIFEST_FORMAT = "onestop-bundle-manifest/2"
MANIFEST_FORMATS = ("onestop-bundle-manifest/1", MANIFEST_FORMAT)

_NAME_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,80}")
_CERT_SUFFIXES = (".pem", ".der", ".crt", ".cer")
_CRL_SUFFIXES = (".crl", ".der")

CLOCK_NOTE = (
    "submitted_at, completed_at and the steps' started_at / finished_at are business-clock "
    "times (Asia/Shanghai); working hours count office hours on working days only, not nights, "
    "weekends or public holidays. In demonstrations the business clock runs faster than the "
    "wall clock (business_clock_speed, null when not recorded). The signing time is wall-clock "
    "time: the timestamp in the platform signature, not in this file."
)


def load_certificate(name: str, data: bytes) -> x509.Certificate:
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as error:
        raise BundleError(f"certificate {name!r} is neither PEM nor DER: {error}") from None


def bundle_attachments(inputs: BundleInputs) -> tuple[Attachment, ...]:
    """license.pdf, certificates/*, crls/* and manifest.json (with every other file's hash)."""
    files: dict[str, tuple[bytes, str]] = {LICENSE_NAME: (inputs.license_pdf, "application/pdf")}
    if inputs.signed_application:
        files[APPLICATION_NAME] = (inputs.signed_application, "application/pdf")
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
        cert = load_certificate(name, data)
        suffix = ".pem" if data.lstrip().startswith(b"-----BEGIN") else ".der"
        file_name = f"{CERTIFICATE_DIR}{_file_stem(name, _CERT_SUFFIXES)}{suffix}"
        _add_unique(files, file_name, (data, cert))
    present = {cert for _data, cert in files.values()}
    for seal in inputs.seals:
        if not seal.certificate_pem:
            continue
        cert = load_certificate(f"seal {seal.seal_code}", seal.certificate_pem.encode())
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
    if name == APPLICATION_NAME:
        return "申请书（各签署人电子签名）/ the application as every person it names signed it"
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
    """manifest.json: case, steps, every result, the provenance of the rules and rates behind
    the figures, how to read the times, and the SHA-256 of every other embedded file.

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
        # Format 2 readers ignore keys they do not know: older bundles simply lack this one.
        **({"verification_url": inputs.public_url} if inputs.public_url else {}),
        "submitted_at": _iso(inputs.submitted_at),
        "completed_at": _iso(inputs.completed_at),
        "case": {
            "limit_workdays": decimal_text(inputs.case_limit_workdays),
            "limit_working_hours": decimal_text(inputs.case_limit_workdays * hours_per_day),
            "working_hours": decimal_text(inputs.case_working_hours),
            "hours_per_workday": decimal_text(hours_per_day),
        },
        "steps": [
            {
                "name": t.name,
                "title_zh": t.title_zh,
                "limit_workdays": decimal_text(t.limit_workdays),
                "limit_working_hours": decimal_text(t.limit_workdays * hours_per_day),
                "started_at": _iso(t.started_at),
                "finished_at": _iso(t.finished_at),
                "working_hours": decimal_text(t.working_hours),
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
        "person_signatures": [
            {
                "name": p.name,
                "id_number_masked": p.masked_id_number,
                "roles": list(p.roles),
                "signed_at": _iso(p.signed_at),
                "certificate_serial": p.certificate_serial,
                "signature_field": p.field_name,
                "file": APPLICATION_NAME,
            }
            for p in inputs.person_signatures
        ],
        "seal_certificates": dict(seal_files),
        "files": {
            name: {"sha256": sha256_hex(data), "size": len(data)}
            for name, data in sorted(files.items())
        },
        "provenance": provenance(inputs),
        "clock": {
            "about": CLOCK_NOTE,
            "business_clock_speed": inputs.business_clock_speed,
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


def _iso(value: datetime) -> str:
    return to_shanghai(value).isoformat()
