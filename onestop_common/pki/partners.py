"""Client certificates for integration partners, for mutual TLS on the orchestrator's partner
port: subject ``O=<organisation>, CN=<partner id>``, extended key usage clientAuth, issued by the
TLS CA.

Their private keys are the one exception to "keys stay on the platform": the partner takes its
key away and the platform keeps no copy. ``PkiStore.issue_partner`` issues one and records it in
the partner index (``partners.json``); ``PkiStore.revoke_partner`` puts it on the TLS CA's CRL,
which ``CrlWatcher`` follows at run time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from onestop_common.pki.certs import (
    PkiError,
    PrivateKey,
    PublicKey,
    SigningIdentity,
    _build_certificate,
    _end_entity_extensions,
    _Issuer,
    _key_usage,
    certificates_pem,
    key_algorithm,
    private_key_pem,
)

PARTNER_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")
PARTNER_INDEX = "partners.json"
PARTNER_VALIDITY = timedelta(days=365)
# X.520 upper bound for an organisation name.
_MAX_ORGANIZATION = 64


def check_partner_id(partner_id: str) -> str:
    """``partner_id`` if it is a valid partner id (it becomes a certificate CN and a file name)."""
    if not isinstance(partner_id, str) or not PARTNER_ID_PATTERN.fullmatch(partner_id):
        raise PkiError(
            f"合作方标识 {partner_id!r} 无效：须为 2 至 63 个小写字母、数字或连字符，"
            f"且以字母或数字开头 / partner id {partner_id!r} is not valid: use 2 to 63 "
            "lower-case letters, digits or hyphens, starting with a letter or digit"
        )
    return partner_id


def _check_organization(organization: str) -> str:
    if len(organization) > _MAX_ORGANIZATION or any(ch < " " for ch in organization):
        raise PkiError(
            f"机构名称须为不超过 {_MAX_ORGANIZATION} 个字符的单行文本 / the organisation name "
            f"must be one line of at most {_MAX_ORGANIZATION} characters"
        )
    return organization


def issue_partner_certificate(
    ca: SigningIdentity,
    public_key: PublicKey,
    *,
    partner_id: str,
    organization: str = "",
    not_before: datetime,
    not_after: datetime,
    crl_url: str,
) -> x509.Certificate:
    """A TLS client certificate for an integration partner: ``O=<organisation>, CN=<partner id>``
    (no O when none is given), extended key usage clientAuth only."""
    key_algorithm(public_key)
    attributes = []
    if _check_organization(organization.strip()):
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization.strip()))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, check_partner_id(partner_id)))
    # A TLS client only signs the handshake: digitalSignature, whatever the key type.
    extensions = [
        *_end_entity_extensions(_key_usage(tls=True)),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False),
    ]
    return _build_certificate(
        _Issuer(ca, crl_url),
        x509.Name(attributes),
        public_key,
        not_before=not_before,
        not_after=not_after,
        extensions=extensions,
    )


def parse_serial(text: str) -> int:
    """A certificate serial as printed by the partner commands: hexadecimal, optionally with a
    ``0x`` prefix or colons between bytes."""
    cleaned = text.strip().lower().replace(":", "").removeprefix("0x")
    if not cleaned or not re.fullmatch(r"[0-9a-f]{1,64}", cleaned):
        raise PkiError(
            f"序列号 {text!r} 无效：须为十六进制数 / serial {text!r} is not valid: "
            "give it in hexadecimal, as `onestop pki partner list` shows it"
        )
    return int(cleaned, 16)


def format_serial(serial: int) -> str:
    return format(serial, "x")


@dataclass(frozen=True)
class PartnerCertificate:
    """One entry of the partner index (``partners.json``)."""

    serial: int
    partner_id: str
    org: str
    not_before: datetime
    not_after: datetime
    revoked_at: datetime | None = None
    reason: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "serial": format_serial(self.serial),
            "partner_id": self.partner_id,
            "org": self.org,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> PartnerCertificate:
        revoked = data.get("revoked_at")
        return cls(
            serial=int(str(data["serial"]), 16),
            partner_id=str(data["partner_id"]),
            org=str(data.get("org") or ""),
            not_before=datetime.fromisoformat(str(data["not_before"])),
            not_after=datetime.fromisoformat(str(data["not_after"])),
            revoked_at=datetime.fromisoformat(str(revoked)) if revoked else None,
            reason=str(data.get("reason") or ""),
        )


@dataclass(frozen=True, repr=False)
class PartnerCredentials:
    """What a partner is handed: its key, its certificate (with the issuing CA) and the
    certificates it trusts for the platform's server (TLS CA and root)."""

    private_key: PrivateKey
    certificate: x509.Certificate
    issuer: x509.Certificate
    root: x509.Certificate

    @property
    def serial(self) -> int:
        return self.certificate.serial_number

    def key_pem(self) -> bytes:
        return private_key_pem(self.private_key)

    def certificate_chain_pem(self) -> bytes:
        return certificates_pem((self.certificate, self.issuer))

    def trust_pem(self) -> bytes:
        return certificates_pem((self.issuer, self.root))

    def __repr__(self) -> str:
        return (
            f"PartnerCredentials(subject={self.certificate.subject.rfc4514_string()!r}, "
            f"serial={self.serial:#x})"
        )
