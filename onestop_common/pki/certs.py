"""Building and issuing the platform's certificates: the hierarchy's profiles, keys, and the
seal and TLS certificates the CAs issue at run time.

Seal certificate subject mapping::

    C=CN, O=<company name>, OU=<seal code>, serialNumber=<USCC>, CN=<company name> <seal type>

Chinese e-seals use SM2/SM3 (GB/T 38540), which neither ``cryptography`` nor the PDF
tooling supports; keys here are ECDSA P-256 (default) or RSA-2048 behind ``KeyAlgorithm``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address, IPv6Address, ip_address
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from onestop_common.settings import DEFAULT_TLS_SERVER_NAMES

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey
PLATFORM_ORGANIZATION = "OneStop Platform"
ROOT = "root"
INTERMEDIATE_CAS = ("registration", "seal", "platform", "tsa", "tls")
CA_NAMES = (ROOT, *INTERMEDIATE_CAS)
END_ENTITIES = ("registration-signer", "platform-signer", "tsa-signer", "tls-server")
TLS_CA = "tls"
TLS_SERVER = "tls-server"
# The names the TLS server certificate carries by default (ONESTOP_TLS_SERVER_NAMES sets them).
TLS_SERVER_NAMES = DEFAULT_TLS_SERVER_NAMES
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
    _Profile("tls-server", "tls", "OneStop TLS server", "tls"),
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


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} {value.isoformat()} is naive; pass a timezone-aware datetime")
    return value.astimezone(UTC)


def _name(common_name: str, organization: str = PLATFORM_ORGANIZATION) -> x509.Name:
    return _chinese_name(
        (NameOID.ORGANIZATION_NAME, organization), (NameOID.COMMON_NAME, common_name)
    )


def _chinese_name(*attributes: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    """A subject in China: C=CN, then ``attributes`` in their order."""
    country = x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")
    return x509.Name([country, *(x509.NameAttribute(oid, value) for oid, value in attributes)])


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


def _document_signer(
    issuer: _Issuer,
    subject: x509.Name,
    public_key: PublicKey,
    not_before: datetime,
    not_after: datetime,
    *extra: tuple[x509.ExtensionType, bool],
) -> x509.Certificate:
    """A certificate for a key that signs documents (a seal's, a person's), which comes from
    outside the platform: a key the PDF tooling cannot use is refused."""
    key_algorithm(public_key)
    return _build_certificate(
        issuer,
        subject,
        public_key,
        not_before=not_before,
        not_after=not_after,
        extensions=[*_end_entity_extensions(_key_usage(signing=True)), *extra],
    )


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
    subject = _chinese_name(
        (NameOID.ORGANIZATION_NAME, company_name),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, seal_code),
        (NameOID.SERIAL_NUMBER, uscc),
        (NameOID.COMMON_NAME, f"{company_name} {seal_type}"),
    )
    return _document_signer(_Issuer(ca, crl_url), subject, public_key, not_before, not_after)


# Marks a person's event certificate: one key for one confirmation of one application, issued
# after the platform verified the person (a private arc under the platform's test enterprise
# number space; a production CA uses its own registered policy OID).
PERSON_CONSENT_POLICY = x509.ObjectIdentifier("1.3.6.1.4.1.55555.1.1")


def issue_person_certificate(
    ca: SigningIdentity,
    public_key: PublicKey,
    *,
    name: str,
    masked_id_number: str,
    person_digest: str,
    not_before: datetime,
    not_after: datetime,
    crl_url: str | None,
) -> x509.Certificate:
    """Certify a natural person's one-signature key (an event certificate, 事件证书): the common
    name is the person's verified name, the pseudonym their masked ID number and the serial
    number the platform's keyed digest of the full ID number, which the platform can re-check
    but a reader of the document cannot reverse."""
    subject = _chinese_name(
        (NameOID.PSEUDONYM, masked_id_number),
        (NameOID.SERIAL_NUMBER, person_digest),
        (NameOID.COMMON_NAME, name),
    )
    policies = x509.CertificatePolicies([x509.PolicyInformation(PERSON_CONSENT_POLICY, None)])
    return _document_signer(
        _Issuer(ca, crl_url), subject, public_key, not_before, not_after, (policies, False)
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


def private_key_pem(key: PrivateKey) -> bytes:
    """Unencrypted PKCS#8 PEM, for a TLS stack that takes the key in memory (gRPC) or a key the
    partner takes away. Never write it to the platform's disk."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def certificates_pem(certificates: Iterable[x509.Certificate]) -> bytes:
    return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certificates)


def _profile_extensions(
    profile: _Profile, key: PrivateKey, tls_server_names: Sequence[str] = TLS_SERVER_NAMES
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
        san = x509.SubjectAlternativeName(server_names(tls_server_names))
        return [
            *_end_entity_extensions(usage),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
            (san, False),
        ]
    return _end_entity_extensions(_key_usage(signing=True))


def server_names(names: Iterable[str]) -> list[x509.GeneralName]:
    """Subject alternative names for a server: an IP address as such, anything else as DNS."""
    entries: list[x509.GeneralName] = []
    for name in names:
        try:
            entries.append(x509.IPAddress(ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return entries


def _names_server(cert: x509.Certificate, names: Iterable[str]) -> bool:
    """True if the certificate names every one of ``names``."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    return set(server_names(names)) <= set(san)


def _crl_urls(cert: x509.Certificate) -> list[str]:
    try:
        points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return []
    return [str(name.value) for point in points for name in point.full_name or ()]


# Where a certificate says its issuer's revocation list is published.
crl_urls = _crl_urls


def _chain_without_root(chain: Sequence[x509.Certificate]) -> tuple[x509.Certificate, ...]:
    return tuple(cert for cert in chain if cert.issuer != cert.subject)
