"""Who is calling: signed credentials naming a subject and a role; roles are checked here.

Every gRPC call carries ``authorization: Bearer <token>``; the orchestrator and every desk turn
it into a :class:`Principal` here and ask :func:`require_role`. (mTLS for partners will plug in
here too.)
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from onestop_common.errors import PermissionDenied, Unauthenticated

ALGORITHM = "HS256"
ISSUER = "onestop"
METADATA_KEY = "authorization"


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


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    # The organisation a staff member works for: a seal maker's id, a bank code.
    org: str = ""
    name: str = ""

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


def issue_token(
    secret: str,
    *,
    subject: str,
    role: Role | str,
    org: str = "",
    name: str = "",
    ttl: timedelta = timedelta(hours=12),
    now: datetime | None = None,
) -> str:
    issued = now or datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "sub": subject,
        "role": Role(role).value,
        "org": org,
        "name": name,
        "iat": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
    }
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
    return Principal(
        subject=subject,
        role=role,
        org=str(claims.get("org") or ""),
        name=str(claims.get("name") or ""),
    )


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    """gRPC call metadata carrying a credential."""
    return ((METADATA_KEY, f"Bearer {token}"),)


def principal_from_metadata(
    secret: str, metadata: Mapping[str, object] | Iterable[tuple[str, object]]
) -> Principal:
    items = metadata.items() if isinstance(metadata, Mapping) else metadata
    for key, value in items:
        if key.lower() != METADATA_KEY:
            continue
        text = value.decode() if isinstance(value, bytes) else str(value)
        scheme, _, token = text.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("authorization metadata must be 'Bearer <token>'")
        return verify_token(secret, token.strip())
    raise Unauthenticated("no credential: send 'authorization: Bearer <token>' metadata")


def require_role(principal: Principal, allowed: Sequence[Role] | frozenset[Role]) -> Principal:
    if principal.role in allowed or principal.role is Role.ADMIN:
        return principal
    names = ", ".join(sorted(role.value for role in allowed))
    raise PermissionDenied(
        f"role {principal.role.value} may not do this (allowed: {names})",
        message_zh=f"角色 {principal.role.value} 无权执行此操作（允许：{names}）",
    )
