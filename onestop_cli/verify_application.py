"""The application inside a bundle: every person the manifest lists signed it, each signature
intact, trusted (a platform-issued person certificate, not revoked) and made by that person."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cryptography import x509

from onestop_common.clock import SHANGHAI
from onestop_common.signing import validate_pdf
from orchestrator.bundle import APPLICATION_NAME
from orchestrator.signatures import role_text

# One thing verified: its name, whether it holds, what was found (onestop_cli.verify.Check).
Check = tuple[str, bool, str]


def application_checks(
    attachments: Mapping[str, bytes],
    manifest: Mapping[str, Any],
    root: x509.Certificate,
    crls: Sequence[bytes],
) -> list[Check]:
    listed = manifest.get("person_signatures") or []
    data = attachments.get(APPLICATION_NAME)
    if not listed and data is None:
        return []
    label = f"{APPLICATION_NAME}: every person named signed"
    if data is None:
        return [(label, False, f"the manifest lists {len(listed)} signer(s) but no file")]
    report = validate_pdf(data, trust_root=root, extra_crls=crls)
    by_field = {s.field_name: s for s in report.signatures if s.kind == "signature"}
    checks = [_person_check(e, by_field.get(str(e.get("signature_field")))) for e in listed]
    unlisted = sorted(set(by_field) - {str(e.get("signature_field")) for e in listed})
    if unlisted:
        checks.append((label, False, f"signatures the manifest does not list: {unlisted}"))
    elif not listed:
        checks.append((label, False, "the file is there but the manifest lists no signer"))
    return checks


def _person_check(entry: Mapping[str, Any], signature: Any) -> Check:
    name = str(entry.get("name", ""))
    label = f"application signed by {name} ({role_text(list(entry.get('roles') or []), 'en')})"
    if signature is None:
        return (label, False, f"no signature in field {entry.get('signature_field')!r}")
    if not signature.ok:
        return (label, False, signature.error or signature.summary_en)
    serial = f"{signature.signer_serial:x}" if signature.signer_serial is not None else ""
    if serial != str(entry.get("certificate_serial", "")):
        return (label, False, f"signed with certificate {serial}, the record says another")
    masked = str(entry.get("id_number_masked", ""))
    if name not in signature.signer_subject or masked not in signature.signer_subject:
        return (label, False, f"the certificate names {signature.signer_subject}")
    when = signature.timestamp_time or signature.signing_time
    if when is None:
        return (label, True, "intact and trusted")
    shown = when.astimezone(SHANGHAI)
    return (label, True, f"intact and trusted, signed {shown:%Y-%m-%d %H:%M:%S %z} (Asia/Shanghai)")
