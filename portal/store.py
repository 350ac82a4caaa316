"""Accounts and drafts in the portal's database: functions taking a session factory.

Passwords are hashed with argon2id (memory-hard); a sign-in with an unknown name still spends
one verification so that timing does not reveal which names exist.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from onestop_common.db import make_engine, make_session_factory, transaction, upgrade_schema
from onestop_common.identifiers import mask_id_number
from onestop_common.identity import Role
from onestop_common.sealed_fields import load_keys
from onestop_common.settings import load_settings
from portal import totp, usernames
from portal.models import Draft, SignInThrottle, User
from portal.throttle import ThrottleKey

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_portal"
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 256
# Roles that sign in to the portal (partners use gRPC; "system" is for processes).
PORTAL_ROLES = (
    Role.ENTREPRENEUR,
    Role.OFFICER,
    Role.SEAL_MAKER,
    Role.TAX_STAFF,
    Role.SI_CLERK,
    Role.BANK_CLERK,
    Role.ADMIN,
)
MAX_DRAFTS = 50

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a real password: equalises sign-in timing")


class AccountError(ValueError):
    """A bad username, password, role or organisation; the message says what to change."""


class NotForRealNameSignIn(AccountError):
    """The identity maps to an account that does not sign in through the identity provider:
    a staff account (staff sign in locally) or a disabled one."""


@dataclass(frozen=True)
class RealNameIdentity:
    """A person as the real-name identity provider vouched for them in a verified ID token."""

    issuer: str
    subject: str
    name: str
    id_number: str

    def __repr__(self) -> str:
        masked = mask_id_number(self.id_number)
        return f"RealNameIdentity({self.issuer!r}, {self.subject!r}, {self.name!r}, {masked!r})"


@dataclass(frozen=True)
class Account:
    username: str
    role: Role
    org: str
    display_name: str
    session_epoch: int
    # Signs in with a one-time code as well (portal.totp).
    totp: bool = False
    # The ID number the real-name identity provider verified for this person (OpenID
    # Connect sign-in); empty for local accounts, whose identity nobody verified.
    person_id: str = ""


def _account(row: User) -> Account:
    return Account(
        row.username,
        Role(row.role),
        row.org,
        row.display_name,
        row.session_epoch,
        totp=bool(row.totp_secret),
        person_id=row.person_id,
    )


class PortalStore:
    """``hasher``: the argon2id parameters for passwords; None (what the portal runs with) is
    argon2's default, memory-hard parameters. Only tests pass cheaper ones, in code: no setting
    or environment variable lowers them."""

    def __init__(self, engine: Engine, *, hasher: PasswordHasher | None = None) -> None:
        self.engine = engine
        self.sessions: sessionmaker[Session] = make_session_factory(engine)
        self.hasher = _hasher if hasher is None else hasher
        self._dummy_hash = (
            _DUMMY_HASH if hasher is None else hasher.hash("equalises sign-in timing")
        )

    @classmethod
    def open(
        cls,
        url: str,
        *,
        migrate: bool = True,
        kek: bytes | None = None,
        hasher: PasswordHasher | None = None,
    ) -> PortalStore:
        """``kek`` unseals the drafts; None: the KEK this process's settings name (what the portal
        process, which loads its settings from the same environment, would pass)."""
        engine = make_engine(url, kek=load_settings().kek if kek is None else kek)
        if migrate:
            upgrade_schema(engine, MIGRATIONS, VERSION_TABLE)
        else:
            load_keys(engine)
        return cls(engine, hasher=hasher)

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------ sign-in throttle

    def throttled_until(self, keys: Sequence[str], now: datetime) -> datetime | None:
        """The latest time until which any of ``keys`` must wait, if one is still waiting."""
        with self.sessions() as s:
            until = [
                row.blocked_until
                for row in s.scalars(select(SignInThrottle).where(SignInThrottle.key.in_(keys)))
                if row.blocked_until is not None and row.blocked_until > now
            ]
        return max(until, default=None)

    def record_throttled(self, keys: Sequence[ThrottleKey], now: datetime) -> None:
        """One more failure under each key; its back-off sets how long sign-in waits."""
        for attempt in range(2):
            try:
                with transaction(self.sessions) as s:
                    for item in sorted(keys, key=lambda k: k.key):  # one lock order
                        self._count_failure(s, item, now)
                return
            except IntegrityError:  # another replica made the same row first: count on it
                if attempt:
                    raise

    @staticmethod
    def _count_failure(s: Session, item: ThrottleKey, now: datetime) -> None:
        row = s.get(SignInThrottle, item.key, with_for_update=True)
        if row is None:
            row = SignInThrottle(key=item.key, failures=0, last_failure_at=now)
            s.add(row)
        elif now - row.last_failure_at > item.policy.window:
            row.failures = 0  # a quiet hour forgives
        row.failures += 1
        row.last_failure_at = now
        wait = item.policy.wait_after(row.failures)
        row.blocked_until = now + wait if wait else None
        s.flush()

    def count_request(
        self, key: str, limit: int, window: timedelta, now: datetime
    ) -> datetime | None:
        """One more request under ``key`` in its fixed window (the sign-in throttle's table: the
        window starts at ``last_failure_at``); the time until which it must wait when this one
        goes over ``limit``, else None. A request refused while waiting is not counted."""
        for attempt in range(2):
            try:
                with transaction(self.sessions) as s:
                    row = s.get(SignInThrottle, key, with_for_update=True)
                    if row is None:
                        row = SignInThrottle(key=key, failures=0, last_failure_at=now)
                        s.add(row)
                    if row.blocked_until is not None and row.blocked_until > now:
                        return row.blocked_until
                    if now - row.last_failure_at >= window:
                        row.failures, row.last_failure_at = 0, now
                    row.failures += 1
                    over = row.failures > limit
                    row.blocked_until = row.last_failure_at + window if over else None
                    s.flush()
                    return row.blocked_until
            except IntegrityError:  # another replica made the same row first: count on it
                if attempt:
                    raise
        return None

    def clear_throttled(self, keys: Sequence[str]) -> None:
        with transaction(self.sessions) as s:
            s.execute(delete(SignInThrottle).where(SignInThrottle.key.in_(keys)))

    # ------------------------------------------------------------------ accounts

    def add_user(
        self,
        username: str,
        password: str,
        role: Role | str,
        *,
        org: str = "",
        display_name: str = "",
        now: datetime | None = None,
        self_registered: bool = False,
    ) -> Account:
        """A new account. ``self_registered``: signed up by its owner, who may not take one of
        the platform's reserved names (see ``portal.usernames``)."""
        username = username.strip().lower()
        check_username(username)
        if self_registered and usernames.is_reserved(username):
            raise AccountError(
                f"the username {username!r} is reserved for the platform; choose another "
                f"/ 用户名 {username!r} 为平台保留，请另选"
            )
        check_password(password)
        try:
            role = Role(role)
        except ValueError as exc:
            raise AccountError(
                f"unknown role {role!r}; one of: {', '.join(r.value for r in PORTAL_ROLES)}"
            ) from exc
        if role not in PORTAL_ROLES:
            raise AccountError(f"role {role.value} does not sign in to the portal")
        if role is Role.BANK_CLERK and not re.fullmatch(r"\d{3}", org):
            raise AccountError("a bank clerk needs --org with the bank's 3-digit code (e.g. 102)")
        if role is Role.SEAL_MAKER and not org:
            raise AccountError("a seal maker needs --org with the seal maker's id (e.g. 001)")
        if role not in (Role.BANK_CLERK, Role.SEAL_MAKER) and org:
            raise AccountError(f"role {role.value} belongs to no organisation: leave --org out")
        with transaction(self.sessions) as session:
            look = usernames.skeleton(username)
            taken = session.scalar(
                select(User).where((User.username == username) | (User.username_skeleton == look))
            )
            if taken is not None:
                raise AccountError(
                    f"the username {username!r} is taken, or too like one that is; choose "
                    f"another / 用户名 {username!r} 已被使用或与已有用户名过于相似，请另选"
                )
            row = User(
                username=username,
                username_skeleton=look,
                password_hash=self.hasher.hash(password),
                role=role.value,
                org=org,
                display_name=display_name.strip()[:120],
                session_epoch=0,
                disabled=False,
                created_at=now or datetime.now(UTC),
            )
            session.add(row)
            try:
                session.flush()
            except IntegrityError as exc:  # a look-alike name was taken at the same moment
                raise AccountError(
                    f"the username {username!r} is taken, or too like one that is; choose "
                    f"another / 用户名 {username!r} 已被使用或与已有用户名过于相似，请另选"
                ) from exc
            return _account(row)

    def authenticate(self, username: str, password: str) -> Account | None:
        username = username.strip().lower()
        with transaction(self.sessions) as session:
            row = session.scalar(select(User).where(User.username == username))
            # A citizen's account has no password: it signs in through the identity provider.
            if row is None or row.disabled or not row.password_hash:
                _verify(self.hasher, self._dummy_hash, password)
                return None
            if not _verify(self.hasher, row.password_hash, password):
                return None
            if self.hasher.check_needs_rehash(row.password_hash):
                row.password_hash = self.hasher.hash(password)
            row.last_login_at = datetime.now(UTC)
            return _account(row)

    def sign_in_verified(self, identity: RealNameIdentity, now: datetime | None = None) -> Account:
        """The entrepreneur account of a person the identity provider verified, made at their
        first sign-in; what the provider verified is recorded again at each one."""
        now = now or datetime.now(UTC)
        for attempt in range(2):
            try:
                with transaction(self.sessions) as session:
                    row = session.scalar(
                        select(User)
                        .where(
                            User.oidc_issuer == identity.issuer,
                            User.oidc_subject == identity.subject,
                        )
                        .with_for_update()
                    )
                    if row is None:
                        row = _citizen(identity, now)
                        session.add(row)
                    _check_real_name_account(row)
                    row.verified_name = identity.name[:120]
                    row.person_id = identity.id_number
                    row.last_login_at = now
                    session.flush()
                    return _account(row)
            except IntegrityError:  # their first sign-in in two tabs at once: the other made it
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def enable_totp(self, username: str, kek: bytes) -> str:
        """A new one-time-code secret for the account (replacing any); its provisioning URI."""
        secret = totp.new_secret()
        with transaction(self.sessions) as session:
            row = self._user_for_update(session, username)
            row.totp_secret, row.totp_last_step = totp.seal(secret, kek), 0
            row.session_epoch += 1  # sessions from before the change end
        return totp.provisioning_uri(secret, username)

    def disable_totp(self, username: str) -> None:
        with transaction(self.sessions) as session:
            row = self._user_for_update(session, username)
            row.totp_secret, row.totp_last_step = "", 0
            row.session_epoch += 1

    def second_factor(self, username: str, code: str, kek: bytes, now: datetime) -> bool:
        """Whether ``code`` is the account's current one-time code, used for the first time."""
        with transaction(self.sessions) as session:
            row = self._user_for_update(session, username)
            if not row.totp_secret:
                return True
            step = totp.accepted_step(
                totp.unseal(row.totp_secret, kek), code, now, row.totp_last_step
            )
            if step is None:
                return False
            row.totp_last_step = step
            return True

    @staticmethod
    def _user_for_update(session: Session, username: str) -> User:
        row = session.scalar(
            select(User).where(User.username == username.strip().lower()).with_for_update()
        )
        if row is None:
            raise AccountError(f"no account {username!r}")
        return row

    def set_password(self, username: str, password: str) -> Account:
        """A new password for a staff or administrator account (citizens sign in through the
        identity provider); the account's sessions end."""
        check_password(password)
        with transaction(self.sessions) as session:
            row = self._user_for_update(session, username)
            if Role(row.role) in (Role.ENTREPRENEUR, Role.PARTNER, Role.SYSTEM):
                raise AccountError(
                    f"{row.username} is a {row.role} account: only staff and administrator "
                    "passwords are reset here (citizens sign in through the identity provider)"
                )
            row.password_hash = _hasher.hash(password)
            row.session_epoch += 1
            return _account(row)

    def local_accounts(self) -> list[Account]:
        """Accounts that sign in with a password here (staff, administrators and development
        sign-ups), by role and name; citizens' real-name accounts are not among them."""
        with self.sessions() as session:
            rows = session.scalars(
                select(User)
                .where(User.password_hash != "", User.disabled.is_(False))
                .order_by(User.role, User.username)
            ).all()
            return [_account(row) for row in rows]

    def get(self, username: str) -> Account | None:
        with self.sessions() as session:
            row = session.scalar(select(User).where(User.username == username))
            if row is None or row.disabled:
                return None
            return _account(row)

    def end_sessions(self, username: str) -> None:
        """Signs the user out everywhere: cookies carrying an older epoch stop working."""
        with transaction(self.sessions) as session:
            row = session.scalar(select(User).where(User.username == username))
            if row is not None:
                row.session_epoch += 1

    # ------------------------------------------------------------------ drafts

    def save_draft(self, owner: str, fields: dict[str, str], title: str, draft_id: str = "") -> str:
        now = datetime.now(UTC)
        with transaction(self.sessions) as session:
            row = session.get(Draft, draft_id) if draft_id else None
            if row is None or row.owner != owner:
                count = len(session.scalars(select(Draft.id).where(Draft.owner == owner)).all())
                if count >= MAX_DRAFTS:
                    raise AccountError(f"at most {MAX_DRAFTS} drafts; delete an old one first")
                row = Draft(id=uuid.uuid4().hex, owner=owner, created_at=now)
                session.add(row)
            row.fields = dict(fields)
            row.title = title[:200]
            row.updated_at = now
            return row.id

    def draft(self, owner: str, draft_id: str) -> Draft | None:
        with self.sessions() as session:
            row = session.get(Draft, draft_id)
            if row is None or row.owner != owner:
                return None
            session.expunge(row)
            return row

    def drafts(self, owner: str) -> list[Draft]:
        with self.sessions() as session:
            rows = session.scalars(
                select(Draft).where(Draft.owner == owner).order_by(Draft.updated_at.desc())
            ).all()
            for row in rows:
                session.expunge(row)
            return list(rows)

    def delete_draft(self, owner: str, draft_id: str) -> bool:
        with transaction(self.sessions) as session:
            row = session.get(Draft, draft_id)
            if row is None or row.owner != owner:
                return False
            session.delete(row)
            return True


# Accounts made for verified citizens are named after their identity, not their name (names
# repeat; an ID number must not be shown): "citizen-" and a digest of issuer and subject.
CITIZEN_PREFIX = "citizen-"


def _citizen(identity: RealNameIdentity, now: datetime) -> User:
    digest = hashlib.sha256(f"{identity.issuer}\n{identity.subject}".encode()).hexdigest()
    username = f"{CITIZEN_PREFIX}{digest[:16]}"
    return User(
        username=username,
        username_skeleton=usernames.skeleton(username),
        password_hash="",
        role=Role.ENTREPRENEUR.value,
        org="",
        display_name=identity.name[:120],
        session_epoch=0,
        disabled=False,
        oidc_issuer=identity.issuer,
        oidc_subject=identity.subject,
        created_at=now,
    )


def _check_real_name_account(row: User) -> None:
    if row.role != Role.ENTREPRENEUR.value:
        raise NotForRealNameSignIn(
            "工作人员账号不能通过实名认证登录，请使用用户名和密码登录 / a staff account does not "
            "sign in with a real-name identity: sign in with its username and password"
        )
    if row.disabled:
        raise NotForRealNameSignIn("该账号已停用 / this account is disabled")


def _verify(hasher: PasswordHasher, encoded: str, password: str) -> bool:
    try:
        return hasher.verify(encoded, password)
    except (VerificationError, InvalidHashError):
        return False


def check_username(username: str) -> None:
    if not USERNAME.match(username):
        raise AccountError(
            "a username is 3–40 characters: lowercase letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )


def check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AccountError(f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    if password.strip() != password:
        raise AccountError("a password may not start or end with spaces")
