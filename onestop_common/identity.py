"""Who is calling: signed credentials naming a subject and a role; roles are checked here.

Every gRPC call on a plain port carries ``authorization: Bearer <token>``; the orchestrator and
every desk turn it into a :class:`Principal` here and ask :func:`require_role`. On the
orchestrator's partner port the caller is an integration partner known by the client certificate
it completed mutual TLS with (:func:`principal_from_context`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

import jwt
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from onestop_common.errors import PermissionDenied, Unauthenticated
from onestop_common.pki import PARTNER_ID_PATTERN, format_serial

if TYPE_CHECKING:
    import grpc

ALGORITHM = "HS256"
ISSUER = "onestop"
METADATA_KEY = "authorization"
# The claim naming the client certificate a partner credential stands for (hex serial).
CERTIFICATE_SERIAL_CLAIM = "x5s"


class Role(enum.StrEnum):
    ENTREPRENEUR = "entrepreneur"
    OFFICER = "officer"
    SEAL_MAKER = "seal_maker"
    TAX_STAFF = "tax_staff"
    SI_CLERK = "si_clerk"
    BANK_CLERK = "bank_clerk"
    ADMIN = "admin"
    PARTNER = "partner"
    # Platform processes calling each other (the orchestrator asking a service).
    SYSTEM = "system"


STAFF_ROLES = frozenset(
    {Role.OFFICER, Role.SEAL_MAKER, Role.TAX_STAFF, Role.SI_CLERK, Role.BANK_CLERK}
)
# Who submits cases and owns them: entrepreneurs, and partners submitting for them.
APPLICANT_ROLES = frozenset({Role.ENTREPRENEUR, Role.PARTNER})
PARTNER_APPLICANT_PREFIX = "partner:"


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    # The organisation a staff member works for: a seal maker's id, a bank code.
    org: str = ""
    name: str = ""
    # The ID number of the natural person behind the credential, verified by the real-name
    # identity provider (OpenID Connect); empty when nobody's identity was verified. Only a
    # verified person may confirm and sign an application that names them.
    person_id: str = ""
    # A partner's credential issued by the HTTP/JSON gateway for one request, after the partner
    # completed mutual TLS there: the serial of that client certificate, which the orchestrator
    # checks against the revocation list again (:func:`principal_from_metadata`).
    certificate_serial: int | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def applicant_id(self) -> str:
        """The id a case records for whoever submits it. Partners get their own namespace: an
        entrepreneur account that happens to share a partner's name never owns its cases."""
        if self.role is Role.PARTNER:
            return f"{PARTNER_APPLICANT_PREFIX}{self.subject}"
        return self.subject

    def owns(self, applicant_id: str) -> bool:
        """Whether a case submitted as ``applicant_id`` is this caller's own."""
        return self.role in APPLICANT_ROLES and self.applicant_id == applicant_id


def issue_token(
    secret: str,
    *,
    subject: str,
    role: Role | str,
    org: str = "",
    name: str = "",
    person_id: str = "",
    certificate_serial: int | None = None,
    ttl: timedelta = timedelta(hours=12),
    now: datetime | None = None,
) -> str:
    issued = now or datetime.now(UTC)
    claims: dict[str, object] = {
        "iss": ISSUER,
        "sub": subject,
        "role": Role(role).value,
        "org": org,
        "name": name,
        "pid": person_id,
        "iat": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
    }
    if certificate_serial is not None:
        claims[CERTIFICATE_SERIAL_CLAIM] = format_serial(certificate_serial)
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_token(secret: str, token: str) -> Principal:
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], issuer=ISSUER)
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated("credential expired; get a new one") from exc
    except jwt.InvalidTokenError as exc:
        raise Unauthenticated("credential is not valid for this platform") from exc
    try:
        role = Role(claims.get("role", ""))
    except ValueError as exc:
        raise Unauthenticated(f"credential names an unknown role {claims.get('role')!r}") from exc
    subject = str(claims.get("sub") or "")
    if not subject:
        raise Unauthenticated("credential names no subject")
    serial_text = str(claims.get(CERTIFICATE_SERIAL_CLAIM) or "")
    try:
        serial = int(serial_text.replace(":", ""), 16) if serial_text else None
    except ValueError as exc:
        raise Unauthenticated("credential names a malformed certificate serial") from exc
    return Principal(
        subject=subject,
        role=role,
        org=str(claims.get("org") or ""),
        name=str(claims.get("name") or ""),
        person_id=str(claims.get("pid") or ""),
        certificate_serial=serial,
    )


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    """gRPC call metadata carrying a credential."""
    return ((METADATA_KEY, f"Bearer {token}"),)


def principal_from_metadata(
    secret: str,
    metadata: Mapping[str, object] | Iterable[tuple[str, object]],
    *,
    partner_port: bool = False,
    partners: PartnerTrust | None = None,
) -> Principal:
    """The bearer credential's principal. A partner's credential counts on the partner port,
    beside the client certificate that names it (``partner_port``), and elsewhere only as the
    HTTP/JSON gateway issues it after the partner completed mutual TLS there: naming that
    certificate's serial, which must not be on the revocation list ``partners`` follows. Any
    other partner token is refused, so a partner whose certificate is revoked cannot go round
    the mTLS ports and their revocation list."""
    items = metadata.items() if isinstance(metadata, Mapping) else metadata
    for key, value in items:
        if key.lower() != METADATA_KEY:
            continue
        text = value.decode() if isinstance(value, bytes) else str(value)
        scheme, _, token = text.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("authorization metadata must be 'Bearer <token>'")
        principal = verify_token(secret, token.strip())
        if principal.role is Role.PARTNER and not partner_port:
            _check_gateway_partner(principal, partners)
        return principal
    raise Unauthenticated("no credential: send 'authorization: Bearer <token>' metadata")


def _check_gateway_partner(principal: Principal, partners: PartnerTrust | None) -> None:
    serial = principal.certificate_serial
    if serial is None or partners is None:
        raise Unauthenticated(
            "partners call the partner port (gRPC) or the gateway's HTTPS port with their client "
            "certificate (mutual TLS); a partner credential is not accepted on this port",
            message_zh=(
                "合作方须通过合作方端口（gRPC）或网关HTTPS端口以客户端证书（双向TLS）调用，"
                "此端口不接受合作方凭证"
            ),
        )
    if serial in partners.revoked_serials():
        raise Unauthenticated(
            f"partner certificate {format_serial(serial)} has been revoked; ask the platform "
            "for a new one",
            message_zh=f"合作方证书 {format_serial(serial)} 已被吊销，请向平台申请新证书",
        )


class PartnerTrust(Protocol):
    """What the partner port checks beyond the handshake (``pki.CrlWatcher`` is one)."""

    @property
    def issuer_key_id(self) -> bytes:
        """Subject key identifier of the CA that issues partner certificates."""
        ...

    def revoked_serials(self) -> AbstractSet[int]:
        """Serials on that CA's current CRL."""
        ...


# Keys of grpc's auth context (grpc_security_constants.h).
_TRANSPORT_SECURITY = "transport_security_type"
_PEER_CERTIFICATE = "x509_pem_cert"


def principal_from_context(
    context: grpc.ServicerContext, secret: str, partners: PartnerTrust | None = None
) -> Principal:
    """Who is calling, the one way a gRPC servicer decides it.

    Over TLS (the partner port, where gRPC already required a client certificate chaining to
    the platform) the caller is the partner the certificate names; a bearer token there must
    name the same partner or is refused. Elsewhere the bearer token decides.
    """
    auth = context.auth_context() or {}
    if _first(auth, _TRANSPORT_SECURITY) != b"ssl":
        return principal_from_metadata(secret, context.invocation_metadata(), partners=partners)
    pem = _first(auth, _PEER_CERTIFICATE)
    if partners is None or pem is None:
        raise Unauthenticated(
            "this port accepts partner client certificates only",
            message_zh="此端口仅接受合作方客户端证书",
        )
    principal = partner_from_certificate(x509.load_pem_x509_certificate(pem), partners)
    _refuse_other_credentials(secret, context.invocation_metadata(), principal)
    return principal


def partner_from_certificate(cert: x509.Certificate, partners: PartnerTrust) -> Principal:
    """The partner a verified client certificate names, if it is a live partner certificate."""
    serial = format_serial(cert.serial_number)
    if not _issued_by(cert, partners.issuer_key_id) or not _for_client_auth(cert):
        raise Unauthenticated(
            f"certificate {serial} is not a partner certificate of this platform",
            message_zh=f"证书 {serial} 不是本平台签发的合作方证书",
        )
    if cert.serial_number in partners.revoked_serials():
        raise Unauthenticated(
            f"partner certificate {serial} has been revoked; ask the platform for a new one",
            message_zh=f"合作方证书 {serial} 已被吊销，请向平台申请新证书",
        )
    subject = _attribute(cert, NameOID.COMMON_NAME)
    if not PARTNER_ID_PATTERN.fullmatch(subject):
        raise Unauthenticated(
            f"certificate {serial} names no valid partner id",
            message_zh=f"证书 {serial} 未载明有效的合作方标识",
        )
    return Principal(
        subject=subject, role=Role.PARTNER, org=_attribute(cert, NameOID.ORGANIZATION_NAME)
    )


def _refuse_other_credentials(
    secret: str, metadata: Iterable[tuple[str, object]] | None, partner: Principal
) -> None:
    if not any(key.lower() == METADATA_KEY for key, _ in metadata or ()):
        return
    claimed = principal_from_metadata(secret, metadata or (), partner_port=True)
    if claimed.role is not Role.PARTNER or claimed.subject != partner.subject:
        raise PermissionDenied(
            f"the bearer credential ({claimed.role.value} {claimed.subject}) does not match "
            f"the client certificate (partner {partner.subject}); send no bearer token here",
            message_zh=(
                f"令牌身份（{claimed.role.value} {claimed.subject}）与客户端证书"
                f"（合作方 {partner.subject}）不符；此端口无需令牌"
            ),
        )


def _first(auth: Mapping[str, Iterable[bytes]], key: str) -> bytes | None:
    return next(iter(auth.get(key) or ()), None)


def _issued_by(cert: x509.Certificate, issuer_key_id: bytes) -> bool:
    try:
        aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    except x509.ExtensionNotFound:
        return False
    return aki.key_identifier == issuer_key_id


def _for_client_auth(cert: x509.Certificate) -> bool:
    try:
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return ExtendedKeyUsageOID.CLIENT_AUTH in usages


def _attribute(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str:
    values = cert.subject.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


# Who may send saga actions and ask the platform's own questions of a service.
PLATFORM_ROLES = frozenset({Role.SYSTEM})


def require_platform(principal: Principal) -> Principal:
    """Saga actions: the orchestrator (AMQP commands, or gRPC as SYSTEM) or an administrator."""
    return require_role(principal, PLATFORM_ROLES)


def require_role(principal: Principal, allowed: Sequence[Role] | frozenset[Role]) -> Principal:
    if principal.role in allowed or principal.role is Role.ADMIN:
        return principal
    names = ", ".join(sorted(role.value for role in allowed))
    raise PermissionDenied(
        f"role {principal.role.value} may not do this (allowed: {names})",
        message_zh=f"角色 {principal.role.value} 无权执行此操作（允许：{names}）",
    )
