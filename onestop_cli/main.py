"""The ``onestop`` command: run the platform, submit and follow cases, and the operator's tools.

Subcommands import what they need when they run, so that ``onestop service`` can hand over to an
eventlet process and quick commands (``check``, ``token``) start fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from onestop_common.settings import Settings

Handler = Callable[[argparse.Namespace], int]

DESCRIPTION = (
    "OneStop: open a company in China with one application. Run the platform, submit, list and "
    "follow cases, and the operator's tools."
)
# The exit status of a command whose reader went away (128 + SIGPIPE), as a shell reports it.
EXIT_BROKEN_PIPE = 141


def main(argv: Sequence[str] | None = None) -> int:
    from onestop_common.lifeline import PARENT_PID_VARIABLE, die_with_supervisor

    # A platform process started by `onestop up` stops if that supervisor dies.
    die_with_supervisor(os.environ.get(PARENT_PID_VARIABLE))
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        code = handler(args)
        # Written out here, inside the try: a reader that left shows up at this flush.
        sys.stdout.flush()
        return code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Python's documented recipe: the reader (`| head`) left; send what is still buffered
        # to devnull so the interpreter's own flush at exit does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="onestop", description=DESCRIPTION)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    up = sub.add_parser(
        "up",
        help="start the whole platform: services, portal, gateway; say where and who signs in "
        "(Ctrl-C stops)",
    )
    up.add_argument(
        "--echo",
        action="store_true",
        help="participants answer at once without domain work (benchmarks)",
    )
    up.set_defaults(handler=_up)

    demo = sub.add_parser("demo", help="run sample cases through every desk; write bundle.pdf")
    demo.add_argument(
        "--fail-at",
        choices=("license", "seal", "invoice", "social_insurance", "bank"),
        help="that step's staff reject the case",
    )
    demo.add_argument(
        "--correct-at",
        choices=("seal", "invoice", "social_insurance", "bank"),
        help="that step's staff send the case back to the applicant for a correction, which "
        "the demo makes (the license stands)",
    )
    demo.add_argument(
        "--change-registration",
        action="store_true",
        help="with --correct-at bank: the bank questions the registered capital, and the "
        "correction goes to the registration officer as a change registration (变更登记) that "
        "re-issues the license under the same USCC",
    )
    demo.add_argument("--cases", type=int, default=1, help="run N cases at once")
    demo.add_argument("-o", "--out", default="bundle.pdf", help="where to write the bundle")
    demo.add_argument(
        "--speed",
        type=float,
        default=600.0,
        help="business seconds per wall second when the demo starts the platform",
    )
    demo.set_defaults(handler=_demo)

    bundle = sub.add_parser("bundle", help="download a completed case's e-license bundle")
    bundle.add_argument("case_id")
    bundle.add_argument("-o", "--out", required=True)
    _case_identity_options(bundle)
    bundle.set_defaults(handler=_bundle)

    verify_cmd = sub.add_parser("verify", help="verify e-license bundles offline")
    verify_cmd.add_argument("file", nargs="+", help="one or more bundles (PDF)")
    verify_cmd.add_argument(
        "--root", help="the platform root certificate (PEM); default: the one in the data directory"
    )
    verify_cmd.set_defaults(handler=_verify)

    orchestrator = sub.add_parser("orchestrator", help="run the orchestrator process alone")
    orchestrator.set_defaults(handler=_orchestrator)

    chaos = sub.add_parser(
        "chaos",
        help="real cases in parallel while processes are killed, the database blocked and the "
        "broker restarted; then count what became of each",
    )
    chaos.add_argument("--cases", type=int, default=50, help="cases submitted at once (50)")
    chaos.add_argument(
        "--kill-every", type=float, default=10.0, help="seconds between SIGKILLs (10; 0: none)"
    )
    chaos.add_argument(
        "--block-database",
        type=float,
        default=15.0,
        help="seconds the orchestrator's database is locked once (15; 0: never)",
    )
    chaos.add_argument(
        "--no-broker-restart",
        dest="restart_broker",
        action="store_false",
        help="do not restart RabbitMQ (restarted once by default)",
    )
    chaos.add_argument("--no-faults", action="store_true", help="no faults at all: load only")
    chaos.add_argument(
        "--timeout", type=float, default=900.0, help="seconds to wait for every case (900)"
    )
    chaos.add_argument("--seed", type=int, default=None, help="random seed (victims, names)")
    chaos.add_argument(
        "--postgresql",
        metavar="ADMIN_URL",
        help="throwaway PostgreSQL databases on this server instead of SQLite files",
    )
    chaos.add_argument("--no-verify", action="store_true", help="skip verifying the bundles")
    chaos.add_argument(
        "--port-base", type=int, default=51050, help="first gRPC port of the platform (51050)"
    )
    chaos.set_defaults(handler=_chaos)

    signer = sub.add_parser(
        "signer", help="run one signing server process (keys, PAdES signatures, timestamps)"
    )
    signer.set_defaults(handler=_signer)

    service = sub.add_parser("service", help="run one service process (nameko)")
    service.add_argument("name")
    service.set_defaults(handler=_service)

    submit = sub.add_parser("submit", help="submit an application form (JSON)")
    submit.add_argument("file")
    submit.add_argument("--key", help="idempotency key (default: derived from the file)")
    _identity_options(submit)
    submit.set_defaults(handler=_submit)

    status = sub.add_parser(
        "status", help="show a case: its steps, deadlines and working time left"
    )
    status.add_argument("case_id")
    _case_identity_options(status)
    status.set_defaults(handler=_status)

    watch = sub.add_parser("watch", help="follow a case live until it ends")
    watch.add_argument("case_id")
    _case_identity_options(watch)
    watch.set_defaults(handler=_watch)

    cases = sub.add_parser(
        "cases", help="list cases, newest first: id, company, state, when submitted"
    )
    cases.add_argument(
        "--state",
        action="append",
        default=[],
        choices=CASE_STATES,
        metavar="STATE",
        help=f"only cases in this state (repeat for several): {', '.join(CASE_STATES)}",
    )
    cases.add_argument(
        "--applicant", default="", help="only this applicant's cases (staff and administrators)"
    )
    cases.add_argument(
        "--since",
        metavar="WHEN",
        help="only cases submitted at or after this date or time (Asia/Shanghai), e.g. 2026-12-01",
    )
    cases.add_argument("--limit", type=int, default=50, help="at most this many cases (50)")
    cases.add_argument("--json", action="store_true", help="machine-readable output")
    cases.add_argument(
        "--subject", default=None, help="who you are (default: the operator, who sees every case)"
    )
    cases.add_argument("--role", default=None, help="your role (default: administrator)")
    cases.set_defaults(handler=_cases)

    token = sub.add_parser("token", help="issue a development credential")
    token.add_argument("--role", required=True)
    token.add_argument("--subject", required=True)
    token.add_argument("--org", default="")
    token.set_defaults(handler=_token)

    check = sub.add_parser("check", help="check a USCC, organisation code or citizen ID")
    check.add_argument("kind", choices=("uscc", "orgcode", "id"))
    check.add_argument("value")
    check.set_defaults(handler=_check)

    calendar = sub.add_parser("calendar", help="business-calendar tools")
    calendar_sub = calendar.add_subparsers(metavar="ACTION")
    deadline = calendar_sub.add_parser("deadline", help="deadline START + WORKDAYS")
    deadline.add_argument("start")
    deadline.add_argument("workdays")
    deadline.set_defaults(handler=_deadline)
    calendar_import = calendar_sub.add_parser(
        "import", help="validate a year's official holiday schedule (JSON) and put it in force"
    )
    calendar_import.add_argument("file")
    calendar_import.add_argument(
        "--by", default=os.environ.get("USER", "operator"), help="who imports (for the record)"
    )
    calendar_import.set_defaults(handler=_calendar_import)
    calendar_show = calendar_sub.add_parser(
        "show", help="where a year's schedule comes from (library or imported) and its days off"
    )
    calendar_show.add_argument("year", type=int)
    calendar_show.set_defaults(handler=_calendar_show)

    audit = sub.add_parser("audit", help="audit-trail tools")
    audit_sub = audit.add_subparsers(metavar="ACTION")
    verify = audit_sub.add_parser("verify", help="check a case's hash chain")
    verify.add_argument("case_id", nargs="?", help="one case (default: every case)")
    verify.set_defaults(handler=_audit_verify)

    pki = sub.add_parser("pki", help="platform PKI")
    pki_sub = pki.add_subparsers(metavar="ACTION")
    pki_init = pki_sub.add_parser("init", help="create the PKI in the data directory")
    pki_init.add_argument("--algorithm", choices=("ecdsa-p256", "rsa-2048"), default="ecdsa-p256")
    pki_init.set_defaults(handler=_pki_init)
    _partner_commands(pki_sub)

    keys = sub.add_parser("keys", help="the key-encryption key (KEK) and what it protects")
    keys_sub = keys.add_subparsers(metavar="ACTION")
    rotate = keys_sub.add_parser(
        "rotate-kek",
        help="replace the KEK: re-wrap every store's data keys, re-seal every protected value, "
        "re-encrypt the PKI's and the seals' private keys and the one-time-code secrets",
        description=(
            "Stop the platform first. Without --new-kek-file a new KEK is made at random and "
            "kept in the data directory (secrets/kek.next) until the rotation is installed. "
            "Interrupted, the same command run again finishes the rotation. Progress is "
            "printed; keys and values never are."
        ),
    )
    rotate.add_argument(
        "--new-kek-file", metavar="FILE", help="the new KEK, read from this file (not a value)"
    )
    rotate.add_argument(
        "--batch", type=int, default=500, help="rows re-sealed per transaction (500)"
    )
    rotate.add_argument(
        "--force", action="store_true", help="rotate even if something answers on its ports"
    )
    rotate.set_defaults(handler=_keys_rotate)

    portal = sub.add_parser("portal", help="run the web portal process alone")
    portal.add_argument(
        "--secure-cookies",
        action="store_true",
        help="production profile behind a TLS proxy: Secure session cookie and HSTS",
    )
    portal.set_defaults(handler=_portal)

    gateway = sub.add_parser(
        "gateway",
        help="run the HTTP/JSON gateway alone (the public API as JSON over HTTP, OpenAPI at "
        "/v1/openapi.json)",
    )
    gateway.set_defaults(handler=_gateway)

    idp = sub.add_parser(
        "idp",
        help="run the local OpenID Connect provider with test identities (development and tests; "
        "onestop up starts it when ONESTOP_OIDC_ISSUER is not set)",
    )
    idp.set_defaults(handler=_idp)

    user = sub.add_parser("user", help="portal accounts")
    user_sub = user.add_subparsers(metavar="ACTION")
    user_add = user_sub.add_parser("add", help="create a portal account (asks for the password)")
    user_add.add_argument("username")
    user_add.add_argument(
        "--role",
        required=True,
        choices=(
            "entrepreneur",
            "officer",
            "seal_maker",
            "tax_staff",
            "si_clerk",
            "bank_clerk",
            "admin",
        ),
    )
    user_add.add_argument("--org", default="", help="seal maker id or bank code (3 digits)")
    user_add.add_argument("--name", default="", help="display name")
    user_add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    user_add.set_defaults(handler=_user_add)
    user_password = user_sub.add_parser(
        "password",
        help="reset a staff or administrator account's password (asks twice, or --generate)",
    )
    user_password.add_argument("username")
    user_password.add_argument(
        "--generate",
        action="store_true",
        help="make a random password and print it once (hand it over privately)",
    )
    user_password.set_defaults(handler=_user_password)
    user_totp = user_sub.add_parser(
        "totp",
        help="turn on two-step sign-in (one-time codes) for an account; prints what the "
        "authenticator app scans",
    )
    user_totp.add_argument("username")
    user_totp.add_argument("--off", action="store_true", help="turn it off again")
    user_totp.set_defaults(handler=_user_totp)

    dead = sub.add_parser("dead-letters", help="the dead-letter queue: list, replay")
    dead_sub = dead.add_subparsers(metavar="WHAT")
    dead_list = dead_sub.add_parser("list", help="what is in it and why (changes nothing)")
    dead_list.add_argument("--limit", type=int, default=100)
    dead_list.add_argument("--json", action="store_true", help="machine-readable output")
    dead_list.set_defaults(handler=_dead_letters_list)
    dead_replay = dead_sub.add_parser(
        "replay", help="put messages back on the queue they came from (after fixing the cause)"
    )
    dead_replay.add_argument("message_ids", nargs="+", metavar="MESSAGE_ID")
    dead_replay.set_defaults(handler=_dead_letters_replay)

    bench = sub.add_parser("bench", help="benchmarks")
    bench_sub = bench.add_subparsers(metavar="WHAT")
    bench_saga = _bench_cases(
        bench_sub, "saga", "cases/s through echo participants", _bench_saga, cases=200
    )
    bench_saga.add_argument(
        "--postgresql",
        metavar="ADMIN_URL",
        help="run on throwaway PostgreSQL databases created through this server URL "
        "(e.g. postgresql://postgres@db.example.cn:5432/postgres) instead of SQLite files",
    )
    bench_signing = bench_sub.add_parser(
        "signing", help="license signatures/s through the signing server, 1 and 2 replicas"
    )
    bench_signing.add_argument("--signatures", type=int, default=200)
    bench_signing.add_argument("--concurrency", type=int, default=20)
    bench_signing.set_defaults(handler=_bench_signing)
    bench_precheck = bench_sub.add_parser(
        "precheck", help="latency of the whole check of an application (all five participants)"
    )
    bench_precheck.add_argument("--requests", type=int, default=200)
    bench_precheck.add_argument("--concurrency", type=int, default=10)
    bench_precheck.set_defaults(handler=_bench_precheck)
    _bench_cases(
        bench_sub,
        "full",
        "real cases with staff bots: cases/s, latency, CPU, signatures/s",
        _bench_full,
        cases=50,
    )
    bench_compare = _bench_cases(
        bench_sub,
        "compare",
        "the saga shape on OneStop, Temporal and Celery, one table (pip install -e '.[bench]')",
        _bench_compare,
        cases=300,
    )
    bench_compare.add_argument(
        "--engines",
        default="onestop,temporal,temporal-sqlite,celery",
        help="comma-separated, in the order run (default: all four)",
    )
    _describe_commands(parser)
    return parser


def _bench_cases(
    bench_sub: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help_line: str,
    handler: Callable[[argparse.Namespace], int],
    *,
    cases: int,
) -> argparse.ArgumentParser:
    """A benchmark of N cases, C at a time."""
    command = bench_sub.add_parser(name, help=help_line)
    command.add_argument("--cases", type=int, default=cases)
    command.add_argument("--concurrency", type=int, default=50)
    command.set_defaults(handler=handler)
    return command


def subcommands(
    parser: argparse.ArgumentParser,
) -> list[tuple[str, str, argparse.ArgumentParser]]:
    """Every command under ``parser`` (depth first) with its one-line help: (path, help, parser)."""
    found: list[tuple[str, str, argparse.ArgumentParser]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, child in action.choices.items():
                found.append((name, helps.get(name, ""), child))
                found += [(f"{name} {path}", h, p) for path, h, p in subcommands(child)]
    return found


def _describe_commands(parser: argparse.ArgumentParser) -> None:
    """`onestop COMMAND --help` opens with the line the command list shows, unless the command
    says more."""
    for _path, line, child in subcommands(parser):
        if child.description is None and line:
            child.description = line[0].upper() + line[1:] + "."


def _partner_commands(pki_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    partner = pki_sub.add_parser(
        "partner", help="client certificates for integration partners (mutual TLS)"
    )
    partner_sub = partner.add_subparsers(metavar="ACTION")
    issue = partner_sub.add_parser(
        "issue",
        help="issue a partner a client key and certificate",
        description=(
            "Writes DIR/PARTNER_ID.key.pem (mode 0600, unencrypted), DIR/PARTNER_ID.cert.pem and "
            "DIR/ca.pem, and prints the certificate's serial. The key is the one private key "
            "that leaves the platform, by design: it is the partner's, the platform keeps no "
            "copy. Hand the three files to the partner over a secure channel, then delete the "
            "key here."
        ),
    )
    issue.add_argument("partner_id", help="2-63 of a-z, 0-9 and '-', e.g. acme-bank")
    issue.add_argument("--org", default="", help="the partner's organisation name (O)")
    issue.add_argument("-o", "--out", required=True, metavar="DIR", help="where to write")
    issue.set_defaults(handler=_partner_issue)
    revoke = partner_sub.add_parser(
        "revoke", help="revoke a partner certificate (the TLS CA's CRL lists it at once)"
    )
    revoke.add_argument("serial", help="hexadecimal, as issue and list print it")
    revoke.add_argument("--reason", required=True, help="why, for the record")
    revoke.set_defaults(handler=_partner_revoke)
    listing = partner_sub.add_parser("list", help="partner certificates issued")
    listing.set_defaults(handler=_partner_list)


def _identity_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--subject",
        default=os.environ.get("USER", "cli-user"),
        help="who you are (development credential)",
    )
    parser.add_argument("--role", default="entrepreneur")


def _case_identity_options(parser: argparse.ArgumentParser) -> None:
    """Left out, the command acts as the case's applicant (the operator holds the token secret)."""
    parser.add_argument(
        "--subject",
        default=None,
        help="who you are (development credential; default: the case's applicant)",
    )
    parser.add_argument(
        "--role", default=None, help="your role (default: entrepreneur, as the case's applicant)"
    )


# The states `cases --state` takes (onestop.common.v1.CaseState in lower case; a test keeps this
# list equal to the client's, which needs grpc: not imported to build the parser).
CASE_STATES = (
    "running",
    "completed",
    "compensating",
    "compensated",
    "stuck",
    "failed",
    "awaiting_applicant",
    "awaiting_signatures",
)


def _up(args: argparse.Namespace) -> int:
    from onestop_cli.platform import run_up

    return run_up(echo=args.echo)


def _demo(args: argparse.Namespace) -> int:
    from onestop_cli.demo import run_demo

    if args.cases < 1:
        print("--cases must be at least 1", file=sys.stderr)
        return 2
    if args.fail_at and args.correct_at:
        print("--fail-at and --correct-at exclude each other", file=sys.stderr)
        return 2
    if args.change_registration and args.correct_at != "bank":
        print("--change-registration goes with --correct-at bank", file=sys.stderr)
        return 2
    return run_demo(
        fail_at=args.fail_at,
        cases=args.cases,
        out_file=args.out,
        speed=args.speed,
        correct_at=args.correct_at,
        change_registration=args.change_registration,
    )


def _bundle(args: argparse.Namespace) -> int:
    from onestop_cli.client import Caller, bundle

    return bundle(args.case_id, args.out, Caller(args.subject, args.role))


def _verify(args: argparse.Namespace) -> int:
    from onestop_cli.verify import run_verify
    from onestop_common.settings import load_settings

    default_root = load_settings().pki_dir / "root.pem"
    # Every file is checked and reported; the worst outcome is the exit code (2 > 1 > 0).
    return max(run_verify(file, args.root, default_root=default_root) for file in args.file)


def _serve(component: str, serve: Callable[[Settings], None]) -> int:
    """Runs a component's server in this process, logging under the component's name."""
    from onestop_common import logs
    from onestop_common.settings import load_settings

    settings = load_settings()
    logs.configure(component, settings.log_level, settings.log_json)
    serve(settings)
    return 0


def _orchestrator(_args: argparse.Namespace) -> int:
    from orchestrator.process import serve

    return _serve("orchestrator", serve)


def _chaos(args: argparse.Namespace) -> int:
    from onestop_cli.chaos import main_chaos

    if args.no_faults:
        args.kill_every, args.block_database, args.restart_broker = 0.0, 0.0, False
    return main_chaos(args)


def _signer(_args: argparse.Namespace) -> int:
    from signer.server import serve

    return _serve("signer", serve)


def _idp(_args: argparse.Namespace) -> int:
    from idp.main import ProviderConfigured, serve

    try:
        return _serve("idp", serve)
    except ProviderConfigured as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _service(args: argparse.Namespace) -> int:
    # Hand over to a fresh interpreter: eventlet must patch before anything is imported.
    os.execv(sys.executable, [sys.executable, "-m", "onestop_cli.service_main", args.name])
    return 0  # pragma: no cover


def _submit(args: argparse.Namespace) -> int:
    from onestop_cli.client import submit

    return submit(args.file, args.key, args.subject, args.role)


def _status(args: argparse.Namespace) -> int:
    from onestop_cli.client import Caller, status

    return status(args.case_id, Caller(args.subject, args.role))


def _watch(args: argparse.Namespace) -> int:
    from onestop_cli.client import Caller, watch

    return watch(args.case_id, Caller(args.subject, args.role))


def _cases(args: argparse.Namespace) -> int:
    from onestop_cli.client import Caller, CaseQuery, cases, parse_since

    if args.limit < 1:
        print("--limit must be at least 1", file=sys.stderr)
        return 2
    try:
        since = parse_since(args.since) if args.since else None
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    query = CaseQuery(tuple(args.state), args.applicant, since, args.limit)
    return cases(query, Caller(args.subject, args.role), as_json=args.json)


def _token(args: argparse.Namespace) -> int:
    from onestop_common.identity import Role, issue_token
    from onestop_common.settings import load_settings

    try:
        role = Role(args.role)
    except ValueError:
        print(
            f"unknown role {args.role!r}; one of: {', '.join(r.value for r in Role)}",
            file=sys.stderr,
        )
        return 2
    print(issue_token(load_settings().token_secret, subject=args.subject, role=role, org=args.org))
    return 0


def _check(args: argparse.Namespace) -> int:
    from onestop_cli.check import run_check

    return run_check(args.kind, args.value)


def _calendar_import(args: argparse.Namespace) -> int:
    from onestop_cli.calendar_cmd import run_import

    return run_import(args.file, args.by)


def _calendar_show(args: argparse.Namespace) -> int:
    from onestop_cli.calendar_cmd import run_show

    return run_show(args.year)


def _deadline(args: argparse.Namespace) -> int:
    from onestop_cli.calendar_cmd import load_imported_years, run_deadline

    load_imported_years()
    return run_deadline(args.start, args.workdays)


def _audit_verify(args: argparse.Namespace) -> int:
    from onestop_cli.admin import audit_verify

    return audit_verify(args.case_id)


def _pki_init(args: argparse.Namespace) -> int:
    from onestop_cli.admin import pki_init

    return pki_init(args.algorithm)


def _partner_issue(args: argparse.Namespace) -> int:
    from onestop_cli.partners import partner_issue

    return partner_issue(args.partner_id, args.org, args.out)


def _partner_revoke(args: argparse.Namespace) -> int:
    from onestop_cli.partners import partner_revoke

    return partner_revoke(args.serial, args.reason)


def _partner_list(_args: argparse.Namespace) -> int:
    from onestop_cli.partners import partner_list

    return partner_list()


def _keys_rotate(args: argparse.Namespace) -> int:
    from onestop_cli.keys import rotate_kek

    if args.batch < 1:
        print("--batch must be at least 1", file=sys.stderr)
        return 2
    return rotate_kek(args.new_kek_file, batch=args.batch, force=args.force)


def _gateway(_args: argparse.Namespace) -> int:
    from gateway.main import serve

    return _serve("gateway", serve)


def _portal(args: argparse.Namespace) -> int:
    from onestop_cli.portal_cmd import run_portal

    return run_portal(secure_cookies=args.secure_cookies)


def _user_add(args: argparse.Namespace) -> int:
    from onestop_cli.portal_cmd import add_user

    return add_user(
        args.username,
        args.role,
        args.org,
        password_stdin=args.password_stdin,
        display_name=args.name,
    )


def _user_password(args: argparse.Namespace) -> int:
    from onestop_cli.portal_cmd import reset_password

    return reset_password(args.username, generate=args.generate)


def _user_totp(args: argparse.Namespace) -> int:
    from onestop_cli.portal_cmd import set_totp

    return set_totp(args.username, off=args.off)


def _dead_letters_list(args: argparse.Namespace) -> int:
    from onestop_cli.dead_letters import run_list

    return run_list(args.limit, args.json)


def _dead_letters_replay(args: argparse.Namespace) -> int:
    from onestop_cli.dead_letters import run_replay

    return run_replay(args.message_ids)


def _bench_saga(args: argparse.Namespace) -> int:
    from bench.saga import run

    return run(cases=args.cases, concurrency=args.concurrency, postgresql=args.postgresql)


def _bench_precheck(args: argparse.Namespace) -> int:
    from bench.precheck import run

    return run(
        requests=args.requests,
        concurrency=args.concurrency,
        out=lambda line: print(line, flush=True),
    )


def _bench_full(args: argparse.Namespace) -> int:
    from bench.full import run

    return run(
        cases=args.cases,
        concurrency=args.concurrency,
        out=lambda line: print(line, flush=True),
    )


def _bench_compare(args: argparse.Namespace) -> int:
    from bench.compare import run

    return run(
        cases=args.cases,
        concurrency=args.concurrency,
        engines=tuple(name.strip() for name in args.engines.split(",") if name.strip()),
        out=lambda line: print(line, flush=True),
    )


def _bench_signing(args: argparse.Namespace) -> int:
    from bench.signing import run

    return run(
        signatures=args.signatures,
        concurrency=args.concurrency,
        replicas=(1, 2),
        out=lambda line: print(line, flush=True),
    )


if __name__ == "__main__":
    sys.exit(main())
