"""``onestop up``: check the broker, start the processes, report their health, stop on Ctrl-C."""

from __future__ import annotations

import os
import signal
import sys
import threading

from onestop_cli.supervisor import Supervisor
from onestop_common.settings import Settings, load_settings


class BrokerUnavailable(RuntimeError):
    pass


def check_broker(settings: Settings) -> None:
    from orchestrator.amqp import connect

    try:
        connection = connect(settings.amqp_url)
    except Exception as exc:
        raise BrokerUnavailable(
            f"RabbitMQ is not reachable at {_safe_url(settings.amqp_url)} "
            f"({exc.__class__.__name__}). "
            "Start it (as root: `rabbitmq-server -detached`) or set ONESTOP_AMQP_URL."
        ) from exc
    connection.close()


def _safe_url(url: str) -> str:
    """The broker URL(s) without credentials."""
    return ";".join(_without_credentials(part) for part in url.split(";"))


def _without_credentials(url: str) -> str:
    if "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    return f"{scheme}://***@{rest.split('@', 1)[1]}"


def sign_in_note(settings: Settings) -> str:
    """Where citizens sign in: a developer must not mistake the test provider for a real one."""
    if settings.local_oidc_provider:
        return (
            f"citizens sign in at {settings.portal_url}/login with the local test identity "
            f"provider ({settings.oidc_issuer_url}); set ONESTOP_OIDC_ISSUER for a real one"
        )
    return f"citizens sign in at {settings.portal_url}/login with {settings.oidc_issuer_url}"


# Who decides each step when no automatic rule does: (step, the person, their desk).
DESK_PEOPLE = (
    ("license", "the registration officer", "officer"),
    ("seal", "the seal maker", "seal_maker"),
    ("invoice", "the tax desk", "tax_staff"),
    ("social_insurance", "the social insurance clerk", "si_clerk"),
    ("bank", "the bank clerk", "bank_clerk"),
)
# What the automatic rule of each service approves on its own, under ONESTOP_AUTO_APPROVE.
AUTOMATIC = {
    "registration": "standard cases (limited companies the rule set approves)",
    "seal": "electronic-only seal sets",
    "invoice": "the requested invoice package within the standard limits",
    "social_insurance": "standard enrolments (citizens, on time)",
    "bank": "accounts whose due diligence raises nothing",
}
STEP_SERVICES = {
    "license": "registration",
    "seal": "seal",
    "invoice": "invoice",
    "social_insurance": "social_insurance",
    "bank": "bank",
}


def waiting_steps(settings: Settings) -> list[str]:
    """Which steps wait for a person under this platform's settings, and where they act."""
    lines = []
    if settings.person_signatures:
        lines.append(
            "  signatures: every person the form names confirms and signs it in the portal "
            "(real-name sign-in) before the case starts"
        )
    for step, person, role in DESK_PEOPLE:
        service = STEP_SERVICES[step]
        if service == "seal":
            # Hands engrave a physical seal whatever the settings (the sample asks for some).
            how = f"physical seals always wait for {person} to engrave them" + (
                f"; automatic for {AUTOMATIC[service]}"
                if service in settings.auto_approve
                else "; so does every other seal set"
            )
        elif service in settings.auto_approve:
            how = f"automatic for {AUTOMATIC[service]}; anything else waits for {person}"
        else:
            how = f"every case waits for {person}"
        lines.append(f"  {step}: {how} (desk: {role})")
    lines.append(
        f"  staff act at their desk in the portal ({settings.portal_url}/), signed in with "
        "their account; `onestop demo` plays every desk itself"
    )
    return lines


def explain_up(settings: Settings, *, echo: bool = False) -> list[str]:
    """What a newcomer needs once `onestop up` is up: where, who signs in, who must act."""
    from onestop_cli.portal_cmd import accounts_note

    lines = [
        f"portal:       {settings.portal_url}/",
        f"HTTP/JSON:    http://{settings.gateway_host}:{settings.http_port('gateway')}/ "
        "(OpenAPI at /v1/openapi.json)",
        f"gRPC API:     {settings.grpc_target('orchestrator')}",
        sign_in_note(settings),
        *accounts_note(settings),
    ]
    if echo:
        return [*lines, "participants answer at once without domain work (--echo): no desk waits"]
    return [*lines, "steps that wait for a person:", *waiting_steps(settings)]


def run_up(*, echo: bool) -> int:
    settings = load_settings()
    try:
        check_broker(settings)
    except BrokerUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    env = dict(os.environ)
    env["ONESTOP_DATA_DIR"] = str(settings.data_dir)
    if echo:
        env["ONESTOP_PARTICIPANTS"] = "echo"
    supervisor = Supervisor(settings, env, report=lambda line: print(line, flush=True))
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        supervisor.start()
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        supervisor.stop()
        return 1
    print(
        f"OneStop is up: public API on {settings.grpc_target('orchestrator')}; Ctrl-C stops.",
        flush=True,
    )
    for line in explain_up(settings, echo=echo):
        print(line, flush=True)
    watcher = threading.Thread(target=supervisor.watch, daemon=True)
    watcher.start()
    stop.wait()
    print("stopping…", flush=True)
    supervisor.stop()
    return 0
