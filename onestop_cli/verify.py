"""``onestop verify``: checks an e-license bundle offline against the platform root certificate.

Nothing is fetched: revocation comes from the CRLs inside the bundle (hard-fail), trust from the
root the user names. Every check is listed, and the verdict holds only if all of them do.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from asn1crypto import cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import NameOID

from onestop_cli.verify_application import application_checks
from onestop_common.clock import to_shanghai
from onestop_common.signing import (
    SignatureReport,
    cert_chain_is_trusted,
    list_attachments,
    validate_pdf,
)
from orchestrator.bundle import (
    APPLICATION_NAME,
    CERTIFICATE_DIR,
    CRL_DIR,
    MANIFEST_FORMAT,
    MANIFEST_FORMATS,
    MANIFEST_NAME,
    SIGNATURE_FIELD,
    signature_spans,
)

# The platform's bundle signer (onestop_common.pki's "platform-signer" profile). Any certificate
# under the root signs validly, a company's own e-seal included: only this one issues bundles.
BUNDLE_SIGNER_CN = "OneStop Platform Bundle Signer"
PLATFORM_ORGANIZATION = "OneStop Platform"
_GOOD_COVERAGE = {"ENTIRE_FILE", "ENTIRE_REVISION"}

# The checks that establish who signed.
_SIGNER_CHECKS = frozenset(
    {"signer trusted", "signer is the platform's bundle signer", "signer not revoked"}
)

_SEAL_KINDS = {
    "SEAL_KIND_OFFICIAL": "official seal",
    "SEAL_KIND_FINANCE": "finance seal",
    "SEAL_KIND_INVOICE": "invoice seal",
    "SEAL_KIND_LEGAL_REP": "legal representative's seal",
    "SEAL_KIND_CONTRACT": "contract seal",
}

EXIT_VALID = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


@dataclass(frozen=True)
class Check:
    """One thing verified, whether it holds, and what exactly was found."""

    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class BundleReport:
    """The verdict on a bundle: ``ok`` only if every check holds."""

    ok: bool
    checks: tuple[Check, ...]
    signer: str
    signed_at: datetime | None

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if not check.ok)

    def pretty(self) -> str:
        verdict = "VALID" if self.ok else "NOT VALID"
        when = (
            f"{to_shanghai(self.signed_at):%Y-%m-%d %H:%M:%S %z} (Asia/Shanghai), "
            "from the signature's timestamp token"
            if self.signed_at
            else "unknown (no valid timestamp)"
        )
        signer_checks = [c for c in self.checks if c.name in _SIGNER_CHECKS]
        claimed = (
            ""
            if signer_checks and all(c.ok for c in signer_checks)
            else " (as claimed, NOT established)"
        )
        lines = [
            f"OneStop e-license bundle: {verdict}",
            f"Signed by: {self.signer or 'unknown'}{claimed if self.signer else ''}",
            f"Signed at: {when}",
            "Checks:",
        ]
        for check in self.checks:
            mark = "✓" if check.ok else "✗"
            lines.append(f"  {mark} {check.name}: {check.detail}")
        held = len(self.checks) - len(self.failures)
        summary = (
            f"All {len(self.checks)} checks hold."
            if self.ok
            else f"{len(self.failures)} of {len(self.checks)} checks FAILED ({held} hold): "
            "do not rely on this bundle."
        )
        lines.append(summary)
        return "\n".join(lines)


def verify_bundle(pdf: bytes, *, trust_root: x509.Certificate) -> BundleReport:
    """Every check on ``pdf``; malformed input gives a failed report, never an exception."""
    try:
        return _verify(pdf, trust_root)
    except Exception as error:  # the report is the interface: a crash would hide the verdict
        check = Check(
            "verification", False, f"could not be completed: {type(error).__name__}: {error}"
        )
        return BundleReport(False, (check,), "", None)


def _validate_at_timestamp(pdf: bytes, trust_root: x509.Certificate) -> Any:
    """Validates as of the latest timestamp in the document (revocation status at signing time),
    so a bundle keeps verifying after its embedded CRLs have expired. The timestamp itself is
    validated in the same pass: a forged time fails like any other signature."""
    first = validate_pdf(pdf, trust_root=trust_root)
    times = [s.timestamp_time for s in first.signatures if s.timestamp_time is not None]
    if not times:
        return first
    return validate_pdf(pdf, trust_root=trust_root, at=max(times))


def _verify(pdf: bytes, trust_root: x509.Certificate) -> BundleReport:
    if pdf.lstrip()[:5] != b"%PDF-":
        check = Check("readable PDF", False, "the file does not start with %PDF-: not a PDF")
        return BundleReport(False, (check,), "", None)
    validation = _validate_at_timestamp(pdf, trust_root)
    if not validation.signatures:
        detail = "; ".join(validation.problems) or "the document has no signatures"
        return BundleReport(False, (Check("readable, signed PDF", False, detail),), "", None)
    checks: list[Check] = []
    platform = [
        s
        for s in validation.signatures
        if s.kind == "signature" and s.field_name == SIGNATURE_FIELD
    ]
    timestamps = [s for s in validation.signatures if s.kind == "document-timestamp"]
    others = [s for s in validation.signatures if s not in platform and s not in timestamps]
    signature = platform[0] if len(platform) == 1 else None
    checks += _platform_checks(platform, trust_root)
    checks += _timestamp_checks(timestamps)
    if others:
        names = ", ".join(f"{s.field_name!r} ({s.signer_subject})" for s in others)
        checks.append(Check("no other signatures", False, f"unexpected signature(s): {names}"))
    # The time counts only if the timestamp token holds (trusted TSA, intact signature).
    stamped = any(c.name == "signature timestamp" and c.ok for c in checks)
    signed_at = signature.timestamp_time if signature is not None and stamped else None
    try:
        attachments: dict[str, bytes] | None = list_attachments(pdf)
    except Exception as error:  # a mangled name tree is a failed check like any other
        attachments = None
        checks.append(
            Check("embedded files", False, f"cannot be read: {type(error).__name__}: {error}")
        )
    known = [trust_root, *_embedded_certificates(attachments or {}).values()]
    checks.append(_byte_coverage_check(pdf, bool(timestamps), known))
    if attachments is not None:
        checks += _content_checks(attachments, trust_root, signed_at)
    ok = all(check.ok for check in checks)
    signer = signature.signer_subject if signature is not None else ""
    return BundleReport(ok, tuple(checks), signer, signed_at)


# --- the platform signature and the document timestamp ------------------------------------


def _platform_checks(platform: Sequence[SignatureReport], root: x509.Certificate) -> list[Check]:
    name = f"platform signature ({SIGNATURE_FIELD})"
    if len(platform) != 1:
        found = "none" if not platform else f"{len(platform)} of them"
        return [
            Check(
                name,
                False,
                f"expected exactly one signature in field {SIGNATURE_FIELD!r}, found {found}",
            )
        ]
    s = platform[0]
    if s.error is not None:
        return [Check(f"{name} readable", False, f"the signature cannot be checked: {s.error}")]
    root_name = root.subject.rfc4514_string()
    checks = [
        Check(
            f"{name} integrity",
            s.intact,
            "the signed bytes are unchanged and the signature value is correct"
            if s.intact
            else "the signed bytes were changed or the signature value is wrong",
        ),
        Check(
            f"{name} coverage",
            s.coverage in _GOOD_COVERAGE and s.docmdp_ok is True,
            f"covers {_coverage_text(s.coverage)}; changes after signing: "
            f"{_modification_text(s.modification_level)}",
        ),
        Check(
            "signer trusted",
            s.trusted,
            f"{s.signer_subject} chains to the root {root_name}"
            if s.trusted
            else f"{s.signer_subject} does NOT chain to the root {root_name} (or its revocation "
            "status could not be established from the embedded CRLs)",
        ),
        _signer_identity_check(s.signer_subject),
        Check(
            "signer not revoked",
            s.trusted and not s.revoked,
            "the embedded CRLs (hard-fail, nothing fetched) list no certificate of the chain"
            if s.trusted and not s.revoked
            else (
                "a certificate of the chain is REVOKED"
                if s.revoked
                else "not established: the chain is not trusted"
            ),
        ),
        Check(
            "signature timestamp",
            s.timestamp_time is not None and s.bottom_line,
            f"time-stamped {_when(s.timestamp_time)} by a trusted timestamp authority"
            if s.timestamp_time is not None and s.bottom_line
            else (
                "no timestamp token"
                if s.timestamp_time is None
                else f"the timestamp or the signature does not hold ({s.summary_en})"
            ),
        ),
    ]
    return checks


def _signer_identity_check(subject: str) -> Check:
    try:
        name = x509.Name.from_rfc4514_string(subject)
        common = [a.value for a in name.get_attributes_for_oid(NameOID.COMMON_NAME)]
        org = [a.value for a in name.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
    except ValueError:
        common, org = [], []
    ok = common == [BUNDLE_SIGNER_CN] and org == [PLATFORM_ORGANIZATION]
    return Check(
        "signer is the platform's bundle signer",
        ok,
        f"{subject}" if ok else f"{subject} is not {BUNDLE_SIGNER_CN} of {PLATFORM_ORGANIZATION}",
    )


def _timestamp_checks(timestamps: Sequence[SignatureReport]) -> list[Check]:
    if not timestamps:
        return [Check("document timestamp", True, "none: the bundle is PAdES B-LT (no B-LTA)")]
    checks = []
    for ts in timestamps:
        ok = ts.ok
        if ok:
            detail = (
                f"{_when(ts.timestamp_time)} by {ts.signer_subject}; trusted, intact, covers "
                f"{_coverage_text(ts.coverage)} (PAdES B-LTA)"
            )
        elif ts.error is not None:
            detail = f"cannot be checked: {ts.error}"
        else:
            problems = [
                text
                for bad, text in (
                    (not ts.intact, "the covered bytes were changed"),
                    (not ts.trusted, "the timestamp authority is not trusted"),
                    (ts.revoked, "the timestamp authority is revoked"),
                    (ts.coverage not in _GOOD_COVERAGE, f"covers {_coverage_text(ts.coverage)}"),
                    (
                        ts.docmdp_ok is not True,
                        f"changed afterwards ({_modification_text(ts.modification_level)})",
                    ),
                )
                if bad
            ]
            detail = "; ".join(problems) or ts.summary_en
        checks.append(Check("document timestamp", ok, detail))
    return checks


def _coverage_text(coverage: str | None) -> str:
    return {
        "ENTIRE_FILE": "the entire file",
        "ENTIRE_REVISION": "the entire document as it was signed",
    }.get(coverage or "", f"only part of the document ({coverage})")


def _modification_text(level: str | None) -> str:
    return {
        "NONE": "none",
        "LTA_UPDATES": "validation data and timestamps only (permitted)",
        "FORM_FILLING": "form filling",
        "ANNOTATIONS": "annotations",
        "OTHER": "OTHER CHANGES (not permitted)",
    }.get(level or "", str(level))


def _when(value: datetime | None) -> str:
    return "at an unknown time" if value is None else f"{to_shanghai(value):%Y-%m-%d %H:%M:%S %z}"


# --- every byte accounted for --------------------------------------------------------------


def _byte_coverage_check(
    pdf: bytes, has_document_timestamp: bool, known: Sequence[x509.Certificate]
) -> Check:
    """Every byte is covered by a signature's digest, or belongs to a signature container that
    holds up on its own.

    The last container is covered by no digest, and pyHanko checks only what its signature
    covers: a changed padding digit, a hex letter in the other case, a tag or length octet its
    lenient parser forgives, the SignedData version, its list of digest algorithms, or a CA
    certificate it carries for convenience (a good copy sits in the DSS) would slip by. So each
    container must be stored as upper-case hex, and the last one must be one canonical DER
    object with zero padding, consistent, carrying only certificates whose issuer's signature
    verifies.
    """
    name = "every byte accounted for"
    try:
        spans = signature_spans(pdf)
    except Exception as error:  # pypdf raises many types on a mangled file
        return Check(name, False, f"the signature dictionaries cannot be read: {error}")
    if not spans:
        return Check(name, False, "no signature byte ranges found")
    for span in spans:
        a, b, c, d = span.byte_range
        if a != 0 or not 0 < b < c <= span.end <= len(pdf):
            return Check(
                name, False, f"{span.field_name}: byte range {[a, b, c, d]} does not fit the file"
            )
        if pdf[b:c] != b"<" + span.contents.hex().upper().encode() + b">":
            return Check(
                name,
                False,
                f"{span.field_name}: the signature container is not stored in canonical form",
            )
    # Every earlier container lies inside a later digest; the last one must hold up by itself.
    last = spans[-1]
    problem = _container_problem(last.contents, known)
    if problem:
        return Check(name, False, f"{last.field_name}: {problem}")
    uncovered = len(pdf) - spans[-1].end
    if uncovered and has_document_timestamp:
        return Check(
            name,
            False,
            f"the last {uncovered} bytes come after the last document timestamp and are covered "
            "by no signature: something was appended after the bundle was sealed",
        )
    if uncovered:
        return Check(
            name,
            True,
            f"the last {uncovered} bytes (validation data added after signing, PAdES B-LT "
            "without a document timestamp) are covered by no signature; they count only "
            "through the checks above",
        )
    return Check(
        name,
        True,
        f"all {len(pdf):,} bytes are covered by the signatures' digests or are consistent "
        "signature containers",
    )


def _container_problem(contents: bytes, known: Sequence[x509.Certificate]) -> str | None:
    end = _der_end(contents)
    if isinstance(end, str):
        return end
    if any(contents[end:]):
        return "non-zero bytes after the signature container (changed padding)"
    der = contents[:end]
    try:
        problem = _signed_data_problem(cms.ContentInfo.load(der, strict=True), known)
        # A lenient parser accepts a wrong tag bit or end-of-contents octets in the padding;
        # only the one DER encoding of what it read counts.
        if problem is None and cms.ContentInfo.load(der).dump(force=True) != der:
            problem = "the signature container is not in canonical DER"
    except (ValueError, TypeError, KeyError) as error:
        problem = f"the signature container is not valid CMS: {error}"
    return problem


def _der_end(contents: bytes) -> int | str:
    """Where the DER object at the start of ``contents`` ends, or what is wrong with it."""
    if len(contents) < 2 or contents[0] != 0x30:
        return "the signature container is not a DER SEQUENCE"
    first = contents[1]
    if first < 0x80:
        header, length = 2, first
    else:
        count = first & 0x7F
        if not 1 <= count <= 4 or len(contents) < 2 + count:
            return "the signature container has a malformed DER length"
        header, length = 2 + count, int.from_bytes(contents[2 : 2 + count], "big")
    if header + length > len(contents):
        return "the signature container is truncated"
    return header + length


def _signed_data_problem(info: cms.ContentInfo, known: Sequence[x509.Certificate]) -> str | None:
    if info["content_type"].native != "signed_data":
        return "the container is not CMS SignedData"
    signed = info["content"]
    signed.native  # noqa: B018 - asn1crypto parses lazily: parse every field now
    signer_infos = list(signed["signer_infos"])
    # RFC 5652 5.1: version 3 when the content is not id-data (a timestamp token), else 1.
    content_type = signed["encap_content_info"]["content_type"].native
    expected = "v3" if content_type != "data" else "v1"
    if signed["version"].native != expected:
        return f"SignedData version {signed['version'].native}, expected {expected}"
    for si in signer_infos:
        # RFC 5652 5.3: version 1 with issuer and serial number, 3 with a key identifier.
        wanted = "v1" if si["sid"].name == "issuer_and_serial_number" else "v3"
        if si["version"].native != wanted:
            return f"SignerInfo version {si['version'].native}, expected {wanted}"
    listed = {algorithm.dump() for algorithm in signed["digest_algorithms"]}
    used = {si["digest_algorithm"].dump() for si in signer_infos}
    if listed != used:
        return "the digest algorithms listed do not match the signers' own"
    carried = [
        x509.load_der_x509_certificate(choice.chosen.dump()) for choice in signed["certificates"]
    ]
    for cert in carried:
        problem = _issuer_problem(cert, [*carried, *known])
        if problem:
            return problem
    for si in signer_infos:
        for attribute in si["unsigned_attrs"] or ():
            if attribute["type"].native == "signature_time_stamp_token":
                for token in attribute["values"]:
                    problem = _signed_data_problem(token, known)
                    if problem:
                        return f"in its timestamp token: {problem}"
    return None


def _issuer_problem(cert: x509.Certificate, pool: Sequence[x509.Certificate]) -> str | None:
    for issuer in pool:
        if issuer.subject != cert.issuer:
            continue
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return None
    return (
        f"it carries the certificate {cert.subject.rfc4514_string()} whose issuer's signature "
        "does not verify (changed or foreign)"
    )


# --- the embedded files --------------------------------------------------------------------


def _embedded_certificates(attachments: Mapping[str, bytes]) -> dict[str, x509.Certificate]:
    return {
        name: cert
        for name, data in sorted(attachments.items())
        if name.startswith(CERTIFICATE_DIR) and (cert := _certificate(data)) is not None
    }


def _content_checks(
    attachments: Mapping[str, bytes], root: x509.Certificate, signed_at: datetime | None
) -> list[Check]:
    manifest, manifest_check = _read_manifest(attachments)
    checks = [manifest_check]
    if manifest is None:
        return checks
    checks.append(manifest_files_check(attachments, manifest))
    crls = tuple(data for name, data in sorted(attachments.items()) if name.startswith(CRL_DIR))
    checks += _signed_original_checks(attachments, manifest, root, crls)
    checks += [Check(*found) for found in application_checks(attachments, manifest, root, crls)]
    checks += _seal_checks(attachments, manifest, root, crls, signed_at)
    return checks


def _read_manifest(attachments: Mapping[str, bytes]) -> tuple[dict[str, Any] | None, Check]:
    """The embedded manifest in any format this verifier reads (older bundles stay verifiable)."""
    name = "manifest"
    data = attachments.get(MANIFEST_NAME)
    if data is None:
        return None, Check(name, False, f"no {MANIFEST_NAME} is embedded")
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return None, Check(name, False, f"{MANIFEST_NAME} is not valid JSON: {error}")
    if not isinstance(manifest, dict) or manifest.get("format") not in MANIFEST_FORMATS:
        readable = ", ".join(MANIFEST_FORMATS)
        return None, Check(name, False, f"{MANIFEST_NAME} is not a manifest of {readable}")
    if not isinstance(manifest.get("files"), dict):
        return None, Check(name, False, f"{MANIFEST_NAME} lists no files")
    detail = (
        f"{manifest['format']}: case {manifest.get('case_id')}, {manifest.get('company_name')} "
        f"(USCC {manifest.get('uscc')}), completed {manifest.get('completed_at')}"
    )
    if isinstance(manifest.get("verification_url"), str):
        detail += f"; current status online: {manifest['verification_url']}"
    if manifest["format"] == MANIFEST_FORMAT:
        items = _provenance_items(manifest)
        if items is None:
            return None, Check(name, False, f"{MANIFEST_NAME} has no valid provenance section")
        checked = sum(item["verified"] is True for item in items)
        detail += (
            f"; provenance of {len(items)} rule(s) and rate(s), {checked} checked against "
            "their sources"
        )
    return manifest, Check(name, True, detail)


def _provenance_items(manifest: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The provenance items of a current manifest, or None when the section is malformed."""
    section = manifest.get("provenance")
    items = section.get("items") if isinstance(section, dict) else None
    if not isinstance(items, list):
        return None
    keys = ("step", "figure", "source", "verification", "verified")
    if not all(isinstance(item, dict) and all(k in item for k in keys) for item in items):
        return None
    return items


def manifest_files_check(attachments: Mapping[str, bytes], manifest: Mapping[str, Any]) -> Check:
    """Every file the manifest lists is embedded with that SHA-256, and no other file is."""
    listed: dict[str, Any] = manifest.get("files") or {}
    embedded = {name for name in attachments if name != MANIFEST_NAME}
    problems = [f"{name} is missing" for name in sorted(set(listed) - embedded)]
    problems += [f"{name} is not in the manifest" for name in sorted(embedded - set(listed))]
    for name in sorted(set(listed) & embedded):
        entry = listed[name]
        expected = entry.get("sha256") if isinstance(entry, dict) else None
        if hashlib.sha256(attachments[name]).hexdigest() != expected:
            problems.append(f"{name}: SHA-256 differs from the manifest")
    if problems:
        return Check("embedded files match the manifest", False, "; ".join(problems))
    return Check(
        "embedded files match the manifest",
        True,
        f"{len(listed)} file(s), each SHA-256 as listed, none missing or extra",
    )


def _signed_original_checks(
    attachments: Mapping[str, bytes],
    manifest: Mapping[str, Any],
    root: x509.Certificate,
    crls: Sequence[bytes],
) -> list[Check]:
    checks = []
    recorded = (
        manifest.get("results", {}).get("license", {}).get("pdf_sha256")
        if isinstance(manifest.get("results"), dict)
        else None
    )
    for name, data in sorted(attachments.items()):
        # The application carries the persons' approval signatures (application_checks).
        if not name.lower().endswith(".pdf") or name == APPLICATION_NAME:
            continue
        report = validate_pdf(data, trust_root=root, extra_crls=crls)
        certifications = [s for s in report.signatures if s.certification is not None]
        label = f"embedded original {name}"
        if not report.ok:
            problems = list(report.problems) + [
                f"{s.field_name}: {s.error or s.summary_en}" for s in report.signatures if not s.ok
            ]
            checks.append(Check(label, False, "; ".join(problems) or "does not validate"))
        elif not certifications:
            checks.append(Check(label, False, "has no certification signature"))
        else:
            s = certifications[0]
            detail = (
                f"certification signature ({s.certification}) by {s.signer_subject}, "
                f"time-stamped {_when(s.timestamp_time)}; intact and trusted"
            )
            checks.append(Check(label, True, detail))
        if name == "license.pdf" and recorded:
            digest = hashlib.sha256(data).hexdigest()
            checks.append(
                Check(
                    "license.pdf is the registered original",
                    digest == recorded,
                    "its SHA-256 equals the license record's pdf_sha256"
                    if digest == recorded
                    else f"its SHA-256 {digest} differs from the license record's {recorded}",
                )
            )
    return checks


def _seal_checks(
    attachments: Mapping[str, bytes],
    manifest: Mapping[str, Any],
    root: x509.Certificate,
    crls: Sequence[bytes],
    signed_at: datetime | None,
) -> list[Check]:
    results = manifest.get("results")
    seals = results.get("seal", {}).get("seals", []) if isinstance(results, dict) else []
    certificates = _embedded_certificates(attachments)
    intermediates = [cert for cert in certificates.values() if cert != root]
    uscc = manifest.get("uscc")
    checks = []
    at = f"at the signing time {_when(signed_at)}" if signed_at else "now"
    for seal in seals:
        code = seal.get("seal_code", "?")
        label = f"seal {code} ({_SEAL_KINDS.get(seal.get('kind', ''), 'seal')}) certificate"
        file_name = seal.get("certificate_file")
        if not file_name:
            if seal.get("electronic"):
                checks.append(Check(label, False, "an electronic seal without a certificate"))
            continue
        cert = certificates.get(file_name)
        if cert is None:
            checks.append(Check(label, False, f"{file_name} is not an embedded certificate"))
            continue
        binding = _seal_binding_problem(cert, code, uscc, seal.get("certificate_serial", ""))
        if binding:
            checks.append(Check(label, False, binding))
            continue
        trusted, why = cert_chain_is_trusted(cert, intermediates, root, crls, signed_at)
        if trusted:
            detail = (
                f"serial {cert.serial_number:x} names seal {code} of USCC {uscc}; chains to the "
                f"root and is not revoked {at} (embedded CRLs)"
            )
        elif why.startswith("revoked"):
            detail = (
                f"REVOKED {at} per the embedded CRLs: seal {code} must not be relied on ({why})"
            )
        else:
            detail = f"does not validate {at}: {why}"
        checks.append(Check(label, trusted, detail))
    if not seals:
        checks.append(Check("seal certificates", True, "no seals in this case"))
    return checks


def _seal_binding_problem(
    cert: x509.Certificate, code: str, uscc: Any, serial_hex: str
) -> str | None:
    units = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)]
    serials = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)]
    if units != [code]:
        return f"the certificate names seal code {units}, not {code}"
    if serials != [uscc]:
        return f"the certificate names USCC {serials}, not {uscc}"
    if serial_hex and int(serial_hex, 16) != cert.serial_number:
        return f"the certificate's serial {cert.serial_number:x} is not the seal's {serial_hex}"
    return None


def _certificate(data: bytes) -> x509.Certificate | None:
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        return None


# --- the command -----------------------------------------------------------------------------


def load_root(path: Path) -> x509.Certificate:
    """A root certificate from a PEM or DER file."""
    data = path.read_bytes()
    cert = _certificate(data)
    if cert is None:
        raise ValueError(f"{path} holds no PEM or DER certificate")
    return cert


def run_verify(
    file: str,
    root: str | None,
    *,
    out: TextIO = sys.stdout,
    default_root: Path | None = None,
) -> int:
    """Verify ``file`` and print the report: exit 0 valid, 1 not valid, 2 unusable arguments."""
    root_path = Path(root) if root else default_root
    if root_path is None:
        print(
            "no trust root: pass --root CERT (the platform root certificate, PEM or DER)", file=out
        )
        return EXIT_USAGE
    try:
        trust_root = load_root(root_path)
    except FileNotFoundError:
        hint = "" if root else " (the default; pass --root CERT to name the platform root)"
        print(f"the root certificate {root_path} does not exist{hint}", file=out)
        return EXIT_USAGE
    except (OSError, ValueError) as error:
        print(f"cannot use {root_path} as the root certificate: {error}", file=out)
        return EXIT_USAGE
    try:
        pdf = Path(file).read_bytes()
    except OSError as error:
        print(f"cannot read {file}: {error.strerror or error}", file=out)
        return EXIT_USAGE
    # pypdf warns on stderr about every oddity of a damaged file; the report says what matters.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    report = verify_bundle(pdf, trust_root=trust_root)
    print(f"{file}  (root: {trust_root.subject.rfc4514_string()}, {root_path})", file=out)
    print(report.pretty(), file=out)
    return EXIT_VALID if report.ok else EXIT_INVALID
