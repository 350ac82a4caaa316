"""``onestop portal`` (the web portal process), ``onestop user add``, ``user password`` and
``user totp`` (portal accounts), and what ``up`` and ``demo`` say about signing in."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TextIO

from onestop_common.settings import Settings, load_settings


def run_portal(*, secure_cookies: bool) -> int:
    from onestop_common import logs
    from portal.main import serve

    settings = load_settings()
    logs.configure("portal", settings.log_level, settings.log_json)
    serve(settings, secure_cookies=secure_cookies)
    return 0


def add_user(
    username: str,
    role: str,
    org: str,
    *,
    password_stdin: bool,
    display_name: str = "",
    stdin: TextIO | None = None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """Creates a portal account; the password comes from stdin or an interactive prompt,
    never from the command line (where other users and the shell history would see it)."""
    from portal.store import AccountError, PortalStore

    stdin = stdin or sys.stdin
    if password_stdin:
        password = stdin.readline().rstrip("\r\n")
    else:
        if not stdin.isatty():
            print("no terminal to ask for the password: use --password-stdin", file=err)
            return 2
        password = getpass.getpass(f"password for {username}: ")
        if getpass.getpass("again: ") != password:
            print("the two passwords differ", file=err)
            return 2
    settings = load_settings()
    if role == "seal_maker" and not org:
        org = settings.seal_maker_id
    store = PortalStore.open(settings.database_url_for("portal"), kek=settings.kek)
    try:
        account = store.add_user(username, password, role, org=org, display_name=display_name)
    except AccountError as error:
        print(f"error: {error}", file=err)
        return 1
    finally:
        store.close()
    suffix = f" of {account.org}" if account.org else ""
    print(f"created {account.username} ({account.role.value}{suffix})", file=out)
    return 0


def reset_password(
    username: str,
    *,
    generate: bool,
    stdin: TextIO | None = None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """A new password for a staff or administrator account: asked twice without echo, or made at
    random and printed this once (``--generate``). The account's sessions end."""
    import secrets

    from portal.store import AccountError, PortalStore

    stdin = stdin or sys.stdin
    if generate:
        password = secrets.token_urlsafe(12)
    else:
        if not stdin.isatty():
            print("no terminal to ask for the password: use --generate", file=err)
            return 2
        password = getpass.getpass(f"new password for {username}: ")
        if getpass.getpass("again: ") != password:
            print("the two passwords differ; nothing changed", file=err)
            return 2
    settings = load_settings()
    store = PortalStore.open(settings.database_url_for("portal"), kek=settings.kek)
    try:
        account = store.set_password(username, password)
    except AccountError as error:
        print(f"error: {error}", file=err)
        return 1
    finally:
        store.close()
    print(
        f"password of {account.username} ({account.role.value}) changed; its sessions ended",
        file=out,
    )
    if generate:
        print(f"new password (shown once): {password}", file=out)
    return 0


def reset_hint(username: str) -> str:
    return f"onestop user password {username} --generate"


def accounts_note(settings: Settings) -> list[str]:
    """What ``onestop up`` says about signing in to the portal: the local accounts there are
    (never a password: none is kept readable) and how to reset one, or how to make them."""
    from onestop_common.identity import Role
    from portal.store import PortalStore

    store = PortalStore.open(settings.database_url_for("portal"), kek=settings.kek)
    try:
        accounts = store.local_accounts()
    finally:
        store.close()
    staff = [a for a in accounts if a.role is not Role.ENTREPRENEUR]
    lines = []
    if staff:
        lines.append(
            "staff accounts (passwords are not shown; reset one with "
            "`onestop user password NAME --generate`):"
        )
        for account in staff:
            org = f" org {account.org}" if account.org else ""
            lines.append(f"  {account.role.value:<11} {account.username}{org}")
    have = {a.role.value for a in staff}
    missing = [role for role, _org in STAFF_ACCOUNT_HINTS if role not in have]
    if missing:
        lines.append("no account yet for: " + ", ".join(missing) + "; create them with")
        lines += [
            f"  onestop user add NAME --role {role}{org}"
            for role, org in STAFF_ACCOUNT_HINTS
            if role in missing
        ]
    return lines


STAFF_ACCOUNT_HINTS = (
    ("officer", ""),
    ("seal_maker", " --org 001"),
    ("tax_staff", ""),
    ("si_clerk", ""),
    ("bank_clerk", " --org 102"),
    ("admin", ""),
)


@dataclass(frozen=True)
class SeededAccount:
    username: str
    # Empty when the account existed already (its password was printed when it was made).
    password: str
    role: str
    org: str


def set_totp(username: str, *, off: bool = False, out: TextIO = sys.stdout) -> int:
    """Turns two-step sign-in on (printing the otpauth:// URI once, for the account's owner to
    scan; it carries the secret, so hand it over privately) or off; either ends the account's
    sessions."""
    from portal.store import AccountError, PortalStore

    settings = load_settings()
    store = PortalStore.open(settings.database_url_for("portal"), kek=settings.kek)
    try:
        if off:
            store.disable_totp(username)
            print(f"two-step sign-in is off for {username}", file=out)
            return 0
        uri = store.enable_totp(username, settings.kek)
    except AccountError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"two-step sign-in is on for {username}; scan this in an authenticator app:", file=out)
    print(uri, file=out)
    return 0


def seed_accounts(settings: Settings, bank_codes: Iterable[str] = ("102",)) -> list[SeededAccount]:
    """One account per role for the demo (passwords random, printed once); an account that
    already exists is left as it is."""
    import secrets

    from portal.store import AccountError, PortalStore

    wanted = [
        ("demo-applicant", "entrepreneur", ""),
        ("demo-officer", "officer", ""),
        ("demo-sealmaker", "seal_maker", settings.seal_maker_id),
        ("demo-tax", "tax_staff", ""),
        ("demo-si", "si_clerk", ""),
        *[(f"demo-bank-{code}", "bank_clerk", code) for code in sorted(set(bank_codes))],
        ("demo-admin", "admin", ""),
    ]
    store = PortalStore.open(settings.database_url_for("portal"), kek=settings.kek)
    created: list[SeededAccount] = []
    try:
        for username, role, org in wanted:
            password = secrets.token_urlsafe(12)
            try:
                store.add_user(username, password, role, org=org)
            except AccountError:
                password = ""
            created.append(SeededAccount(username, password, role, org))
    finally:
        store.close()
    return created


def announce_portal(settings: Settings, say: Callable[[str], None]) -> None:
    """The demo's platform includes the portal: seed an account per role and say how to sign in."""
    accounts = seed_accounts(settings)
    say(f"  portal: {settings.portal_url}/ — accounts (one per role):")
    for account in accounts:
        org = f" org {account.org}" if account.org else ""
        secret = account.password or (
            "(existing account: its password is not kept readable"
            + ("" if account.role == "entrepreneur" else f"; reset: {reset_hint(account.username)}")
            + ")"
        )
        say(f"    {account.role:<13} {account.username:<16} {secret}{org}")
    say("  (the demo's own staff bots work the desks; sign in as demo-admin to open its cases)")
