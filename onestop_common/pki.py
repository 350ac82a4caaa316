"""The platform's private PKI: root and intermediate CAs, signer, seal and TLS certificates, CRLs.

Layout of a PKI directory (``PkiStore``)::

    root.pem  root.key.pem  root.crl.der               platform root CA
    <ca>.pem  <ca>.key.pem  <ca>.crl.der               registration, seal, platform, tsa, tls
    <ee>.pem  <ee>.key.pem                             registration-signer, platform-signer,
                                                       tsa-signer, tls-server
    partners.json                                      index of partner client certificates
    .lock                                              serialises read-modify-write updates

Certificates are PEM, CRLs DER, private keys PKCS#8 PEM encrypted with the key-encryption
key (KEK) and readable by the owner only. The seal CA issues one certificate per company
seal at run time (``issue_seal_certificate``); the seal service keeps those keys itself.

The TLS CA also issues client certificates to integration partners (``PkiStore.issue_partner``,
subject ``O=<organisation>, CN=<partner id>``, extended key usage clientAuth) for mutual TLS on
the orchestrator's partner port. Their private keys are the one exception to "keys stay on the
platform": the partner takes its key away and the platform keeps no copy. Revoking one puts it on
the TLS CA's CRL (``PkiStore.revoke_partner``), which ``CrlWatcher`` follows at run time.

Seal certificate subject mapping::

    C=CN, O=<company name>, OU=<seal code>, serialNumber=<USCC>, CN=<company name> <seal type>

Chinese e-seals use SM2/SM3 (GB/T 38540), which neither ``cryptography`` nor the PDF
tooling supports; keys here are ECDSA P-256 (default) or RSA-2048 behind ``KeyAlgorithm``.
"""

from __future__ import annotations

import enum
import fcntl
import json
import logging
import os
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import replace as dataclass_replace
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address, IPv6Address
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

log = logging.getLogger(__name__)

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey

DEFAULT_CRL_BASE_URL = "http://127.0.0.1:8470/crl"
PLATFORM_ORGANIZATION = "OneStop Platform"
ROOT = "root"
INTERMEDIATE_CAS = ("registration", "seal", "platform", "tsa", "tls")
CA_NAMES = (ROOT, *INTERMEDIATE_CAS)
END_ENTITIES = ("registration-signer", "platform-signer", "tsa-signer", "tls-server")
TLS_CA = "tls"
TLS_SERVER = "tls-server"
# The names the orchestrator's TLS server certificate must carry: clients connect to either.
TLS_SERVER_DNS_NAMES = ("localhost",)
TLS_SERVER_IP_ADDRESSES = (IPv4Address("127.0.0.1"),)
PARTNER_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")
PARTNER_INDEX = "partners.json"
PARTNER_VALIDITY = timedelta(days=365)
# X.520 upper bound for an organisation name.
_MAX_ORGANIZATION = 64
# Certificates may be checked by a machine whose clock is slightly behind the issuer's.
_CLOCK_SKEW = timedelta(minutes=5)


class PkiError(Exception):
    """The PKI directory or a key cannot be used; the message says what to do."""


class KeyAlgorithm(enum.Enum):
    """Signature key algorithms the PDF tooling can handle (no SM2 in this stack)."""

    ECDSA_P256 = "ecdsa-p256"
    RSA_2048 = "rsa-2048"


CertKind = Literal["ca", "signer", "tsa", "tls"]


@dataclass(frozen=True)
class _Profile:
    """One certificate created by ``PkiStore.init``."""

    name: str
    issuer: str | None
    common_name: str
    kind: CertKind
    algorithm: KeyAlgorithm | None = None  # None: the algorithm chosen for the PKI


_PROFILES: tuple[_Profile, ...] = (
    _Profile(ROOT, None, "OneStop Platform Root CA", "ca"),
    _Profile("registration", ROOT, "OneStop Registration Authority CA", "ca"),
    _Profile("seal", ROOT, "OneStop Electronic Seal CA", "ca"),
    _Profile("platform", ROOT, "OneStop Platform Signing CA", "ca"),
    _Profile("tsa", ROOT, "OneStop Timestamp Authority CA", "ca"),
    _Profile("tls", ROOT, "OneStop TLS CA", "ca"),
    _Profile("registration-signer", "registration", "OneStop Registration Authority", "signer"),
    _Profile("platform-signer", "platform", "OneStop Platform Bundle Signer", "signer"),
    # pyHanko's in-process timestamper signs with RSA only, whatever the hierarchy uses.
    _Profile("tsa-signer", "tsa", "OneStop Timestamp Authority", "tsa", KeyAlgorithm.RSA_2048),
    _Profile("tls-server", "tls", "localhost", "tls"),
)
_BY_NAME = {profile.name: profile for profile in _PROFILES}


@dataclass(frozen=True)
class Validity:
    """How long each kind of certificate made by ``PkiStore.init`` lives."""

    root: timedelta = timedelta(days=20 * 365 + 5)
    intermediate: timedelta = timedelta(days=10 * 365 + 2)
    signer: timedelta = timedelta(days=3 * 365 + 1)
    tls: timedelta = timedelta(days=825)
    crl: timedelta = timedelta(days=30)


@dataclass(frozen=True, repr=False)
class SigningIdentity:
    """A private key with its certificate and the chain up to, but excluding, the root."""

    private_key: PrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    algorithm: KeyAlgorithm

    def __post_init__(self) -> None:
        # A key paired with someone else's certificate signs happily and fails only at
        # validation, far from the mistake: refuse it here.
        if key_algorithm(self.private_key) is not self.algorithm:
            raise PkiError(f"the private key is not {self.algorithm.name}")
        if self.certificate.public_key() != self.private_key.public_key():
            raise PkiError(
                f"the private key does not match the certificate of "
                f"{self.certificate.subject.rfc4514_string()}"
            )

    def __repr__(self) -> str:
        # The key stays out of logs and tracebacks: show whose it is, never what it is.
        return (
            f"SigningIdentity(subject={self.certificate.subject.rfc4514_string()!r}, "
            f"serial={self.certificate.serial_number:#x}, algorithm={self.algorithm.name}, "
            f"chain={len(self.chain)} cert(s))"
        )


@dataclass(frozen=True)
class RevokedEntry:
    """One revoked certificate as listed in a CRL."""

    serial: int
    revoked_at: datetime
    reason: x509.ReasonFlags = x509.ReasonFlags.unspecified


def generate_key(algorithm: KeyAlgorithm = KeyAlgorithm.ECDSA_P256) -> PrivateKey:
    """Generate a fresh private key for ``algorithm``."""
    if algorithm is KeyAlgorithm.RSA_2048:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def key_algorithm(key: PrivateKey | PublicKey) -> KeyAlgorithm:
    """Tell which supported algorithm a key belongs to, refusing anything else."""
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey) and key.key_size == 2048:
        return KeyAlgorithm.RSA_2048
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) and isinstance(
        key.curve, ec.SECP256R1
    ):
        return KeyAlgorithm.ECDSA_P256
    raise PkiError(f"unsupported key type {type(key).__name__}; use ECDSA P-256 or RSA-2048")


def serialize_private_key(key: PrivateKey, kek: bytes) -> bytes:
    """PKCS#8 PEM of ``key`` encrypted with the key-encryption key."""
    _check_kek(kek)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(kek),
    )


def load_private_key(data: bytes, kek: bytes, *, what: str = "the private key") -> PrivateKey:
    """Decrypt a key written by ``serialize_private_key``; ``what`` names it in errors."""
    _check_kek(kek)
    try:
        key = serialization.load_pem_private_key(data, password=kek)
    except (ValueError, TypeError):
        # The library's message is harmless, but chaining it would drag the PEM along in
        # some debuggers' locals; the cause is nearly always a different KEK.
        raise PkiError(
            f"key-encryption key does not open {what}; check ONESTOP_KEK "
            "(it must be the key the PKI was created with)"
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise PkiError(f"{what} is a {type(key).__name__}; use ECDSA P-256 or RSA-2048")
    key_algorithm(key)
    return key


def _check_kek(kek: bytes) -> None:
    if not isinstance(kek, bytes) or not 1 <= len(kek) <= 1023:
        raise PkiError("the key-encryption key must be 1 to 1023 bytes; set ONESTOP_KEK")


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} {value.isoformat()} is naive; pass a timezone-aware datetime")
    return value.astimezone(UTC)


def _name(common_name: str, organization: str = PLATFORM_ORGANIZATION) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(
    *, cert_sign: bool = False, signing: bool = False, tls: bool = False, rsa_key: bool = False
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing or tls,
        content_commitment=signing,
        # keyEncipherment only means something for RSA key transport (RFC 5480 for EC).
        key_encipherment=tls and rsa_key,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _crl_distribution_point(url: str) -> x509.CRLDistributionPoints:
    return x509.CRLDistributionPoints(
        [
            x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(url)],
                relative_name=None,
                reasons=None,
                crl_issuer=None,
            )
        ]
    )


@dataclass(frozen=True)
class _Issuer:
    """Who signs a new certificate: the subject signs itself when ``identity`` is None."""

    identity: SigningIdentity | None
    crl_url: str | None


def _build_certificate(
    issuer: _Issuer,
    subject: x509.Name,
    public_key: PublicKey,
    *,
    not_before: datetime,
    not_after: datetime,
    extensions: Sequence[tuple[x509.ExtensionType, bool]],
    self_key: PrivateKey | None = None,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(_aware(not_before, "not_before"))
        .not_valid_after(_aware(not_after, "not_after"))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    if issuer.identity is None:
        if self_key is None:
            raise PkiError("a self-signed certificate needs its own private key")
        builder = builder.issuer_name(subject).add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False
        )
        signing_key = self_key
    else:
        ca_cert = issuer.identity.certificate
        if _aware(not_after, "not_after") > ca_cert.not_valid_after_utc:
            raise PkiError(
                f"certificate would outlive its CA ({ca_cert.subject.rfc4514_string()}, "
                f"valid until {ca_cert.not_valid_after_utc.isoformat()}); shorten not_after"
            )
        builder = builder.issuer_name(ca_cert.subject).add_extension(
            _authority_key_identifier(ca_cert), critical=False
        )
        signing_key = issuer.identity.private_key
    if issuer.crl_url is not None:
        builder = builder.add_extension(_crl_distribution_point(issuer.crl_url), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def _authority_key_identifier(ca_cert: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def _end_entity_extensions(usage: x509.KeyUsage) -> list[tuple[x509.ExtensionType, bool]]:
    return [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (usage, True),
    ]


def issue_seal_certificate(
    ca: SigningIdentity,
    public_key: PublicKey,
    *,
    company_name: str,
    uscc: str,
    seal_type: str,
    seal_code: str,
    not_before: datetime,
    not_after: datetime,
    crl_url: str,
) -> x509.Certificate:
    """Certify one company seal key; see the module docstring for the subject mapping."""
    key_algorithm(public_key)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, company_name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, seal_code),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, uscc),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{company_name} {seal_type}"),
        ]
    )
    return _build_certificate(
        _Issuer(ca, crl_url),
        subject,
        public_key,
        not_before=not_before,
        not_after=not_after,
        extensions=_end_entity_extensions(_key_usage(signing=True)),
    )


def issue_tls_certificate(
    ca: SigningIdentity,
    public_key: PublicKey,
    *,
    common_name: str,
    dns_names: Sequence[str] = (),
    ip_addresses: Sequence[IPv4Address | IPv6Address] = (),
    client_auth: bool = False,
    not_before: datetime,
    not_after: datetime,
    crl_url: str,
) -> x509.Certificate:
    """A TLS server certificate (and client, for mutual TLS) for the given names."""
    usages = [ExtendedKeyUsageOID.SERVER_AUTH]
    if client_auth:
        usages.append(ExtendedKeyUsageOID.CLIENT_AUTH)
    names: list[x509.GeneralName] = [x509.DNSName(name) for name in dns_names]
    names += [x509.IPAddress(address) for address in ip_addresses]
    usage = _key_usage(tls=True, rsa_key=isinstance(public_key, rsa.RSAPublicKey))
    extensions = [*_end_entity_extensions(usage), (x509.ExtendedKeyUsage(usages), False)]
    if names:
        extensions.append((x509.SubjectAlternativeName(names), False))
    return _build_certificate(
        _Issuer(ca, crl_url),
        _name(common_name),
        public_key,
        not_before=not_before,
        not_after=not_after,
        extensions=extensions,
    )


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


def private_key_pem(key: PrivateKey) -> bytes:
    """Unencrypted PKCS#8 PEM, for a TLS stack that takes the key in memory (gRPC) or a key the
    partner takes away. Never write it to the platform's disk."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def certificates_pem(certificates: Iterable[x509.Certificate]) -> bytes:
    return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certificates)


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


def build_crl(
    ca: SigningIdentity,
    revoked: Iterable[RevokedEntry],
    *,
    this_update: datetime,
    next_update: datetime,
    crl_number: int,
) -> x509.CertificateRevocationList:
    """A CRL signed by ``ca`` listing ``revoked``; ``crl_number`` must grow with each issue."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.certificate.subject)
        .last_update(_aware(this_update, "this_update"))
        .next_update(_aware(next_update, "next_update"))
        .add_extension(x509.CRLNumber(crl_number), critical=False)
        .add_extension(_authority_key_identifier(ca.certificate), critical=False)
    )
    for entry in revoked:
        builder = builder.add_revoked_certificate(_revoked_certificate(entry))
    return builder.sign(ca.private_key, hashes.SHA256())


def _revoked_certificate(entry: RevokedEntry) -> x509.RevokedCertificate:
    builder = (
        x509.RevokedCertificateBuilder()
        .serial_number(entry.serial)
        .revocation_date(_aware(entry.revoked_at, "revoked_at"))
    )
    # RFC 5280 5.3.1: the reason code "unspecified" should be expressed by leaving it out.
    if entry.reason is not x509.ReasonFlags.unspecified:
        builder = builder.add_extension(x509.CRLReason(entry.reason), critical=False)
    return builder.build()


class PkiStore:
    """A PKI directory: creates the hierarchy once, then hands out certificates and keys."""

    def __init__(self, directory: Path, kek: bytes) -> None:
        _check_kek(kek)
        self._directory = Path(directory)
        self._kek = kek

    def __repr__(self) -> str:
        return f"PkiStore({str(self._directory)!r})"

    @property
    def directory(self) -> Path:
        return self._directory

    def expected_files(self) -> tuple[str, ...]:
        """Every file a complete PKI directory holds."""
        names = [f"{p.name}.pem" for p in _PROFILES] + [f"{p.name}.key.pem" for p in _PROFILES]
        return (*names, *(f"{ca}.crl.der" for ca in CA_NAMES))

    def is_complete(self) -> bool:
        return all((self._directory / name).exists() for name in self.expected_files())

    def init(
        self,
        algorithm: KeyAlgorithm = KeyAlgorithm.ECDSA_P256,
        now: datetime | None = None,
        crl_base_url: str = DEFAULT_CRL_BASE_URL,
        validity: Validity | None = None,
    ) -> None:
        """Create the hierarchy unless it exists; a partial directory is refused."""
        present = [n for n in self.expected_files() if (self._directory / n).exists()]
        if present and len(present) == len(self.expected_files()):
            # Fail now rather than at the first signature if the KEK changed since.
            self.load_identity(ROOT)
            return
        if present:
            raise PkiError(
                f"PKI directory {self._directory} is incomplete ({len(present)} of "
                f"{len(self.expected_files())} files); an interrupted init leaves it so. "
                "Remove the directory and run init again, or restore it from backup"
            )
        self._create(
            algorithm, _aware(now or datetime.now(UTC), "now"), crl_base_url, validity or Validity()
        )

    def _create(
        self, algorithm: KeyAlgorithm, now: datetime, crl_base_url: str, validity: Validity
    ) -> None:
        self._directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        identities: dict[str, SigningIdentity] = {}
        for profile in _PROFILES:
            identity = self._issue_profile(
                profile, algorithm, now, crl_base_url, validity, identities
            )
            identities[profile.name] = identity
            self._write_identity(profile.name, identity)
        for ca in CA_NAMES:
            crl = build_crl(
                identities[ca], (), this_update=now, next_update=now + validity.crl, crl_number=1
            )
            self.save_crl(ca, crl)
        log.info("created PKI (%s) in %s", algorithm.value, self._directory)

    def _issue_profile(
        self,
        profile: _Profile,
        algorithm: KeyAlgorithm,
        now: datetime,
        crl_base_url: str,
        validity: Validity,
        identities: dict[str, SigningIdentity],
    ) -> SigningIdentity:
        key = generate_key(profile.algorithm or algorithm)
        issuer = identities[profile.issuer] if profile.issuer else None
        crl_url = f"{crl_base_url.rstrip('/')}/{profile.issuer}.crl" if profile.issuer else None
        lifetime = {
            "ca": validity.root if issuer is None else validity.intermediate,
            "signer": validity.signer,
            "tsa": validity.signer,
            "tls": validity.tls,
        }[profile.kind]
        cert = _build_certificate(
            _Issuer(issuer, crl_url),
            _name(profile.common_name),
            key.public_key(),
            not_before=now - _CLOCK_SKEW,
            not_after=now + lifetime,
            extensions=_profile_extensions(profile, key),
            self_key=key,
        )
        chain = () if issuer is None else (issuer.certificate, *issuer.chain)
        return SigningIdentity(key, cert, _chain_without_root(chain), key_algorithm(key))

    def _write_identity(self, name: str, identity: SigningIdentity) -> None:
        pem = identity.certificate.public_bytes(serialization.Encoding.PEM)
        _write_file(self._directory / f"{name}.pem", pem, 0o644)
        key_pem = serialize_private_key(identity.private_key, self._kek)
        _write_file(self._directory / f"{name}.key.pem", key_pem, 0o600)

    def load_certificate(self, name: str) -> x509.Certificate:
        """The certificate ``<name>.pem`` (a CA, an end entity, or ``root``)."""
        return x509.load_pem_x509_certificate(self._read(f"{name}.pem"))

    def root_certificate(self) -> x509.Certificate:
        return self.load_certificate(ROOT)

    def load_identity(self, name: str) -> SigningIdentity:
        """Key, certificate and chain (issuer first, root excluded) of ``name``."""
        profile = _BY_NAME.get(name)
        if profile is None:
            raise PkiError(f"unknown PKI identity {name!r}; known: {', '.join(_BY_NAME)}")
        key = load_private_key(
            self._read(f"{name}.key.pem"), self._kek, what=f"{self._directory / name}.key.pem"
        )
        chain: list[x509.Certificate] = []
        issuer = profile.issuer
        while issuer is not None and issuer != ROOT:
            chain.append(self.load_certificate(issuer))
            issuer = _BY_NAME[issuer].issuer
        return SigningIdentity(key, self.load_certificate(name), tuple(chain), key_algorithm(key))

    def load_crl(self, ca: str) -> x509.CertificateRevocationList:
        """The current CRL of ``ca`` (``<ca>.crl.der``)."""
        return x509.load_der_x509_crl(self._read(f"{ca}.crl.der"))

    def save_crl(self, ca: str, crl: x509.CertificateRevocationList) -> None:
        """Replace ``<ca>.crl.der`` atomically, e.g. after revoking a seal."""
        if ca not in CA_NAMES:
            raise PkiError(f"unknown CA {ca!r}; known: {', '.join(CA_NAMES)}")
        der = crl.public_bytes(serialization.Encoding.DER)
        _write_file(self._directory / f"{ca}.crl.der", der, 0o644)

    def renew_crl(
        self,
        ca: str,
        revoked: Iterable[RevokedEntry] = (),
        *,
        now: datetime,
        lifetime: timedelta = Validity().crl,
    ) -> x509.CertificateRevocationList:
        """Re-issue and save the CRL of ``ca`` with the next CRL number.

        Hard-fail validation rejects every chain once a CRL passes its nextUpdate, so a
        periodic job must call this well within ``lifetime`` for every CA.
        """
        number = _crl_number(self.load_crl(ca)) + 1
        crl = build_crl(
            self.load_identity(ca),
            revoked,
            this_update=now,
            next_update=now + lifetime,
            crl_number=number,
        )
        self.save_crl(ca, crl)
        return crl

    def revoked_entries(self, ca: str) -> list[RevokedEntry]:
        """The entries of the current CRL of ``ca``, reasons kept, to re-issue it with."""
        return [_revoked_entry(entry) for entry in self.load_crl(ca)]

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Serialises read-modify-write updates (a CRL, the partner index, a reissued
        certificate) between the processes and commands that share this directory."""
        fd = os.open(self._directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    # ------------------------------------------------------------------ TLS server

    def ensure_tls_server_names(self, now: datetime | None = None) -> bool:
        """Reissues the TLS server certificate (with a new key) if it lacks a name clients
        connect to, as one made by an older version may; True if it did."""
        # Looked at before locking: a read-only PKI directory with a good certificate is fine.
        if _names_server(self.load_certificate(TLS_SERVER)):
            return False
        with self.locked():
            current = self.load_certificate(TLS_SERVER)
            if _names_server(current):
                return False
            moment = _aware(now or datetime.now(UTC), "now")
            ca = self.load_identity(TLS_CA)
            key = generate_key(key_algorithm(current.public_key()))  # type: ignore[arg-type]
            crl_urls = _crl_urls(current)
            cert = _build_certificate(
                _Issuer(ca, crl_urls[0] if crl_urls else None),
                current.subject,
                key.public_key(),
                not_before=moment - _CLOCK_SKEW,
                not_after=min(moment + Validity().tls, ca.certificate.not_valid_after_utc),
                extensions=_profile_extensions(_BY_NAME[TLS_SERVER], key),
            )
            identity = SigningIdentity(key, cert, (ca.certificate,), key_algorithm(key))
            self._write_identity(TLS_SERVER, identity)
            log.warning(
                "reissued the TLS server certificate (serial %#x) to name %s",
                cert.serial_number,
                ", ".join([*TLS_SERVER_DNS_NAMES, *map(str, TLS_SERVER_IP_ADDRESSES)]),
            )
            return True

    # ------------------------------------------------------------------ partners

    def issue_partner(
        self,
        partner_id: str,
        organization: str = "",
        *,
        now: datetime | None = None,
        lifetime: timedelta = PARTNER_VALIDITY,
        crl_base_url: str = DEFAULT_CRL_BASE_URL,
    ) -> PartnerCredentials:
        """A new client key and certificate for ``partner_id``, recorded in the partner index.
        The key is returned, never stored: it is the partner's."""
        check_partner_id(partner_id)
        _check_organization(organization.strip())
        moment = _aware(now or datetime.now(UTC), "now")
        ca = self.load_identity(TLS_CA)
        key = generate_key(ca.algorithm)
        cert = issue_partner_certificate(
            ca,
            key.public_key(),
            partner_id=partner_id,
            organization=organization,
            not_before=moment - _CLOCK_SKEW,
            not_after=min(moment + lifetime, ca.certificate.not_valid_after_utc),
            crl_url=f"{crl_base_url.rstrip('/')}/{TLS_CA}.crl",
        )
        record = PartnerCertificate(
            serial=cert.serial_number,
            partner_id=partner_id,
            org=organization.strip(),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
        )
        with self.locked():
            self._write_partners([*self.partner_certificates(), record])
        log.info(
            "issued partner certificate %s for %s", format_serial(cert.serial_number), partner_id
        )
        return PartnerCredentials(key, cert, ca.certificate, self.root_certificate())

    def partner_certificates(self) -> list[PartnerCertificate]:
        """Every partner certificate issued, oldest first."""
        path = self._directory / PARTNER_INDEX
        if not path.exists():
            return []
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return [PartnerCertificate.from_json(item) for item in data["certificates"]]
        except (ValueError, OSError, KeyError, TypeError) as error:
            raise PkiError(f"{path} cannot be read ({error!r}); restore it from backup") from None

    def revoke_partner(
        self,
        serial: int,
        reason: str,
        *,
        now: datetime | None = None,
        crl_reason: x509.ReasonFlags = x509.ReasonFlags.unspecified,
    ) -> PartnerCertificate:
        """Puts the partner certificate ``serial`` on the TLS CA's CRL (re-issued at once with
        the next number) and marks it revoked in the index; revoking twice changes nothing."""
        moment = _aware(now or datetime.now(UTC), "now")
        with self.locked():
            records = self.partner_certificates()
            found = [record for record in records if record.serial == serial]
            if not found:
                raise PkiError(
                    f"没有序列号为 {format_serial(serial)} 的合作方证书 / no partner certificate "
                    f"has serial {format_serial(serial)}; see `onestop pki partner list`"
                )
            record = found[0]
            entries = self.revoked_entries(TLS_CA)
            # The CRL decides; the index only describes. A crash between the two writes
            # leaves the serial on the CRL, and repeating the command completes the index.
            if all(entry.serial != serial for entry in entries):
                entries.append(RevokedEntry(serial, moment, crl_reason))
                self.renew_crl(TLS_CA, entries, now=moment)
                log.info("revoked partner certificate %s", format_serial(serial))
            if record.revoked_at is not None:
                return record
            revoked = dataclass_replace(record, revoked_at=moment, reason=reason.strip())
            self._write_partners([revoked if r.serial == serial else r for r in records])
            return revoked

    def _write_partners(self, records: Sequence[PartnerCertificate]) -> None:
        data = {"certificates": [record.to_json() for record in records]}
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        _write_file(self._directory / PARTNER_INDEX, text.encode("utf-8"), 0o644)

    def _read(self, file_name: str) -> bytes:
        path = self._directory / file_name
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise PkiError(f"{path} is missing; run the PKI init first") from None


def _profile_extensions(
    profile: _Profile, key: PrivateKey
) -> list[tuple[x509.ExtensionType, bool]]:
    if profile.kind == "ca":
        # Root -> intermediate -> end entity: the root allows one CA below it, the rest none.
        path_length = 1 if profile.issuer is None else 0
        return [
            (x509.BasicConstraints(ca=True, path_length=path_length), True),
            (_key_usage(cert_sign=True), True),
        ]
    if profile.kind == "tsa":
        return [
            *_end_entity_extensions(_key_usage(signing=True)),
            # RFC 3161 2.3: the TSA certificate has exactly this one purpose, critical.
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True),
        ]
    if profile.kind == "tls":
        usage = _key_usage(tls=True, rsa_key=isinstance(key, rsa.RSAPrivateKey))
        san = x509.SubjectAlternativeName(
            [
                *(x509.DNSName(name) for name in TLS_SERVER_DNS_NAMES),
                *(x509.IPAddress(address) for address in TLS_SERVER_IP_ADDRESSES),
            ]
        )
        return [
            *_end_entity_extensions(usage),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
            (san, False),
        ]
    return _end_entity_extensions(_key_usage(signing=True))


def _names_server(cert: x509.Certificate) -> bool:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    dns = set(san.get_values_for_type(x509.DNSName))
    addresses = set(san.get_values_for_type(x509.IPAddress))
    return set(TLS_SERVER_DNS_NAMES) <= dns and set(TLS_SERVER_IP_ADDRESSES) <= addresses


def _crl_urls(cert: x509.Certificate) -> list[str]:
    try:
        points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return []
    return [str(name.value) for point in points for name in point.full_name or ()]


def _revoked_entry(entry: x509.RevokedCertificate) -> RevokedEntry:
    try:
        reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    except x509.ExtensionNotFound:
        reason = x509.ReasonFlags.unspecified
    return RevokedEntry(entry.serial_number, entry.revocation_date_utc, reason)


class CrlWatcher:
    """The revoked serials on one CA's current CRL, for checks on every call: the file is
    stat'ed each time and read again only when it changed (a revocation by another process
    replaces it). A CRL that does not carry the CA's signature is refused."""

    def __init__(self, store: PkiStore, ca: str) -> None:
        self._path = store.directory / f"{ca}.crl.der"
        self._ca = store.load_certificate(ca)
        ski = self._ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        self._issuer_key_id = ski.digest
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._serials: frozenset[int] = frozenset()
        self.revoked_serials()

    def __repr__(self) -> str:
        return f"CrlWatcher({str(self._path)!r})"

    @property
    def issuer_key_id(self) -> bytes:
        """The CA's subject key identifier: certificates it issued carry it as their AKI."""
        return self._issuer_key_id

    def revoked_serials(self) -> frozenset[int]:
        try:
            info = os.stat(self._path)
        except FileNotFoundError:
            raise PkiError(f"{self._path} is missing; run the PKI init first") from None
        stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
        if stamp == self._stamp:
            return self._serials
        with self._lock:
            if stamp != self._stamp:
                crl = x509.load_der_x509_crl(self._path.read_bytes())
                public_key = self._ca.public_key()
                if crl.issuer != self._ca.subject or not crl.is_signature_valid(
                    public_key  # type: ignore[arg-type]
                ):
                    raise PkiError(f"{self._path} is not signed by its CA; restore it")
                # Serials before the stamp: a reader that sees the new stamp sees them too.
                self._serials = frozenset(entry.serial_number for entry in crl)
                self._stamp = stamp
                log.info("loaded %s: %d revoked", self._path.name, len(self._serials))
        return self._serials


def _crl_number(crl: x509.CertificateRevocationList) -> int:
    return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number


def _chain_without_root(chain: Sequence[x509.Certificate]) -> tuple[x509.Certificate, ...]:
    return tuple(cert for cert in chain if cert.issuer != cert.subject)


def _write_file(path: Path, data: bytes, mode: int) -> None:
    # Write then rename, so a crash never leaves a half-written key or certificate.
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    # fchmod too: os.open's mode is masked by the umask, and a stale temp file keeps its own.
    os.fchmod(fd, mode)
    with os.fdopen(fd, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(tmp, path)
