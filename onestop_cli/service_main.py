"""Runs one OneStop service under nameko: ``python -m onestop_cli.service_main NAME``.

eventlet must patch the standard library before anything else is imported, so this module is
the whole entry point of a service process and imports the rest only after patching.
"""

import eventlet

eventlet.monkey_patch()

import errno  # noqa: E402
import importlib  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from onestop_common.settings import SERVICES, Settings, load_settings  # noqa: E402

log = logging.getLogger("onestop.service")
STOP_GRACE_SECONDS = 8


def service_class(name: str, settings: Settings) -> type:
    package = importlib.import_module(f"svc_{name}")
    if settings.participant_mode == "echo":
        from onestop_common.echo import echo_service

        models = importlib.import_module(f"svc_{name}.models")
        grpc_module = _grpc_module(name)
        stub = getattr(grpc_module, f"{_service_name(name)}Stub")
        return echo_service(
            name,
            stub,
            models.Outbox,
            models.Inbox,
            Path(package.__file__).parent / "migrations",  # type: ignore[arg-type]
            reject=frozenset({_action(name)}) if name in settings.echo_reject else frozenset(),
            compensation_failures=settings.echo_compensation_failures,
        )
    module = importlib.import_module(f"svc_{name}.service")
    return module.Service  # type: ignore[no-any-return]


def _service_name(name: str) -> str:
    return {
        "registration": "RegistrationService",
        "seal": "SealService",
        "invoice": "InvoiceService",
        "social_insurance": "SocialInsuranceService",
        "bank": "BankService",
    }[name]


def _grpc_module(name: str) -> object:
    return importlib.import_module(f"onestop.{name}.v1.{name}_pb2_grpc")


def _action(name: str) -> str:
    from onestop_common import contracts

    return contracts.saga_rpcs(name)[0]


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in SERVICES:
        print(
            f"usage: python -m onestop_cli.service_main {{{','.join(SERVICES)}}}", file=sys.stderr
        )
        return 2
    name = argv[0]
    from onestop_common.lifeline import PARENT_PID_VARIABLE, die_with_supervisor

    die_with_supervisor(os.environ.get(PARENT_PID_VARIABLE))
    settings = load_settings()
    from onestop_common import logs

    logs.configure(f"svc_{name}", settings.log_level, settings.log_json)
    from nameko import config
    from nameko.runners import ServiceRunner

    from onestop_common.nameko_kit import SETTINGS_KEY, install_grpc_error_mapping

    cls = service_class(name, settings)
    install_grpc_error_mapping()
    config.setup(
        {
            "AMQP_URI": settings.amqp_url,
            "GRPC_BIND_HOST": settings.bind_host,
            "GRPC_BIND_PORT": settings.grpc_listen_port(name),
            # nameko's @http entrypoints (e.g. the seal service's CRL) listen here.
            "WEB_SERVER_ADDRESS": f"{settings.bind_host}:{settings.http_port(name)}",
            "max_workers": 20,
            "serializer": "json",
            SETTINGS_KEY: settings,
        }
    )
    runner = ServiceRunner()
    runner.add_service(cls)

    stopping: list[int] = []

    def shutdown(signum: int, _frame: object) -> None:
        # Signal handlers run on the main loop and cannot use eventlet primitives directly.
        if stopping:
            os._exit(1)  # a second signal: stop now
        stopping.append(signum)
        eventlet.spawn_n(runner.stop)
        # A container that cannot stop (e.g. still starting) must not outlive its supervisor;
        # an alarm, because nothing that blocks may run inside a signal handler under eventlet.
        signal.signal(signal.SIGALRM, lambda *_: os._exit(1))
        signal.alarm(STOP_GRACE_SECONDS)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    runner.start()
    log.info(
        "%s serving gRPC on %s:%s (%s mode)",
        name,
        settings.bind_host,
        settings.grpc_listen_port(name),
        settings.participant_mode,
    )
    runnlet = eventlet.spawn(runner.wait)
    while True:
        try:
            runnlet.wait()
            return 0
        except OSError as exc:
            if exc.errno != errno.EINTR:
                raise


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
