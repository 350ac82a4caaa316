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
    import pika

    try:
        connection = pika.BlockingConnection(pika.URLParameters(settings.amqp_url))
    except Exception as exc:
        raise BrokerUnavailable(
            f"RabbitMQ is not reachable at {_safe_url(settings.amqp_url)} "
            f"({exc.__class__.__name__}). "
            "Start it (as root: `rabbitmq-server -detached`) or set ONESTOP_AMQP_URL."
        ) from exc
    connection.close()


def _safe_url(url: str) -> str:
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
    print(sign_in_note(settings), flush=True)
    watcher = threading.Thread(target=supervisor.watch, daemon=True)
    watcher.start()
    stop.wait()
    print("stopping…", flush=True)
    supervisor.stop()
    return 0
