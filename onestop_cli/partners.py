"""``onestop pki partner``: client certificates for integration partners (mutual TLS on the
orchestrator's partner port) — issue, revoke, list."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from onestop_common.pki import (
    PkiError,
    PkiStore,
    check_partner_id,
    format_serial,
    parse_serial,
)
from onestop_common.settings import Settings, load_settings

EXIT_OK = 0
EXIT_FAILED = 1
TRUST_FILE = "ca.pem"


def partner_issue(
    partner_id: str,
    organization: str,
    out_dir: str,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    settings = load_settings()
    try:
        check_partner_id(partner_id)
        store = _store(settings)
        directory = Path(out_dir)
        key_file = directory / f"{partner_id}.key.pem"
        cert_file = directory / f"{partner_id}.cert.pem"
        # Checked before issuing: a certificate whose key was never written is of no use.
        existing = [str(path) for path in (key_file, cert_file) if path.exists()]
        if existing:
            raise PkiError(
                f"{', '.join(existing)} 已存在，请换一个输出目录或先移走旧文件 / already "
                "exists; choose another output directory or move the old files away first"
            )
        directory.mkdir(parents=True, exist_ok=True)
        issued = store.issue_partner(partner_id, organization, crl_base_url=settings.crl_base_url)
        _write_new(key_file, issued.key_pem(), 0o600)
        _write_new(cert_file, issued.certificate_chain_pem(), 0o644)
        (directory / TRUST_FILE).write_bytes(issued.trust_pem())
    except PkiError as error:
        print(error, file=err)
        return EXIT_FAILED
    until = f"{issued.certificate.not_valid_after_utc:%Y-%m-%d}"
    print(format_serial(issued.serial), file=out)
    print(
        f"已为合作方 {partner_id} 签发客户端证书，有效期至 {until} / issued a client certificate "
        f"for partner {partner_id}, valid until {until}:\n"
        f"  {key_file}  私钥（未加密，经安全渠道交给合作方后从此处删除）/ private key "
        "(unencrypted: hand it to the partner over a secure channel, then delete it here)\n"
        f"  {cert_file}  证书 / certificate (with the issuing CA)\n"
        f"  {directory / TRUST_FILE}  合作方用于验证平台服务器的证书 / what the partner "
        "trusts for the platform's server (TLS CA + root)",
        file=out,
    )
    return EXIT_OK


def partner_revoke(
    serial_text: str, reason: str, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    settings = load_settings()
    try:
        if not reason.strip():
            raise PkiError("请说明吊销原因 / give a reason for the revocation (--reason)")
        serial = parse_serial(serial_text)
        record = _store(settings).revoke_partner(serial, reason)
    except PkiError as error:
        print(error, file=err)
        return EXIT_FAILED
    assert record.revoked_at is not None
    when = f"{record.revoked_at:%Y-%m-%d %H:%M} UTC"
    print(
        f"合作方 {record.partner_id} 的证书 {format_serial(serial)} 已于 {when} 吊销 / partner "
        f"{record.partner_id}'s certificate {format_serial(serial)} was revoked at {when}; the "
        "orchestrator refuses it from its next call",
        file=out,
    )
    return EXIT_OK


def partner_list(*, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    settings = load_settings()
    try:
        records = _store(settings).partner_certificates()
    except PkiError as error:
        print(error, file=err)
        return EXIT_FAILED
    if not records:
        print("尚未签发合作方证书 / no partner certificates issued yet", file=out)
        return EXIT_OK
    now = datetime.now(UTC)
    rows = [("serial", "partner", "org", "not_after", "status")]
    for record in records:
        if record.revoked_at is not None:
            status = f"revoked {record.revoked_at:%Y-%m-%d}: {record.reason}"
        elif record.not_after < now:
            status = "expired"
        else:
            status = "valid"
        rows.append(
            (
                format_serial(record.serial),
                record.partner_id,
                record.org or "-",
                f"{record.not_after:%Y-%m-%d}",
                status,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)]
        print("  ".join([*cells, row[4]]), file=out)
    return EXIT_OK


def _store(settings: Settings) -> PkiStore:
    store = PkiStore(settings.pki_dir, settings.kek)
    if not store.is_complete():
        raise PkiError(
            f"{settings.pki_dir} 中没有平台 PKI，请先运行 `onestop pki init` / no platform PKI "
            f"in {settings.pki_dir}; run `onestop pki init` first"
        )
    return store


def _write_new(path: Path, data: bytes, mode: int) -> None:
    # O_EXCL: never replace a file that appeared since the check (another partner's key).
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise PkiError(f"{path} 已存在 / already exists; choose another directory") from None
    os.fchmod(fd, mode)
    with os.fdopen(fd, "wb") as file:
        file.write(data)
