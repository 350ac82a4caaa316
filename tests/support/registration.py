"""Helpers for the registration service's tests: the sample form, command deadlines on the
business calendar, and a running registration service with the platform signing server beside it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import grpc

from onestop.common.v1 import application_pb2, common_pb2
from onestop.registration.v1 import registration_pb2 as pb
from onestop.registration.v1 import registration_pb2_grpc as pb_grpc
from onestop_cli.client import load_form
from onestop_cli.supervisor import Supervisor
from onestop_common import messaging as m
from onestop_common.calendar import BusinessCalendar
from onestop_common.clock import SystemClock
from onestop_common.protoconv import timestamp
from onestop_common.settings import Settings
from orchestrator.amqp import declare_topology
from tests.support.infra import (
    databases,
    free_port_base,
    platform_env,
    rabbit_vhost,
    settings_for,
    signing_server,
)
from tests.support.participant import CommandDriver, channel_to, credential

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "application.json"
LIMIT = "1.5"


def sample_form(trade_name: str = "") -> application_pb2.ApplicationForm:
    """The sample application; a test that must not collide with another's name picks its own
    trade name (two Chinese characters or more)."""
    form = load_form(SAMPLE)
    if trade_name:
        form.name.trade_name = trade_name
    return form


def license_deadline(now: datetime | None = None, limit: str = LIMIT) -> common_pb2.Deadline:
    """The deadline the orchestrator puts on the license command: 1.5 working days."""
    calendar = BusinessCalendar()
    start = now or SystemClock().now()
    due = calendar.add_working_time(start, Decimal(limit))
    deadline = common_pb2.Deadline(limit_workdays=limit)
    deadline.started_at.CopyFrom(timestamp(start))
    deadline.due_at.CopyFrom(timestamp(due))
    deadline.warn_at.CopyFrom(timestamp(calendar.warning_at(start, due)))
    return deadline


def new_case() -> str:
    return f"OS-REG-{uuid.uuid4().hex[:8].upper()}"


@dataclass
class Registration:
    """A running registration service, a command driver and gRPC stubs with credentials."""

    settings: Settings
    driver: CommandDriver
    channel: grpc.Channel

    @property
    def service(self) -> pb_grpc.RegistrationServiceStub:
        return pb_grpc.RegistrationServiceStub(self.channel)

    @property
    def desk(self) -> pb_grpc.RegistrationDeskStub:
        return pb_grpc.RegistrationDeskStub(self.channel)

    def as_role(self, role: str, subject: str = "tester") -> tuple[tuple[str, str], ...]:
        return credential(self.settings, role, subject)

    def issue(
        self,
        form: application_pb2.ApplicationForm,
        *,
        case_id: str | None = None,
        applicant: str = "applicant-1",
        key: str = "",
    ) -> tuple[str, str]:
        """Sends IssueLicense as the saga does; returns (case id, idempotency key)."""
        case_id = case_id or new_case()
        key = key or f"{case_id}:license:IssueLicense"
        self.driver.send(
            "registration",
            "IssueLicense",
            pb.IssueLicenseRequest(form=form),
            case_id=case_id,
            step="license",
            key=key,
            applicant_id=applicant,
            deadline=license_deadline(),
        )
        return case_id, key

    def send(
        self, rpc: str, request: Any, *, case_id: str, key: str, applicant: str = "applicant-1"
    ) -> str:
        return self.driver.send(
            "registration",
            rpc,
            request,
            case_id=case_id,
            step="license",
            key=key,
            applicant_id=applicant,
            deadline=license_deadline(),
        )

    def result(self, key: str, outcome: int | None = None, timeout: float = 20.0) -> Any:
        return self.driver.result(key, timeout=timeout, outcome=outcome)

    def officer(self) -> tuple[tuple[str, str], ...]:
        return self.as_role("officer", "officer-wang")

    def events(
        self, routing_key: str, case_id: str, *, at_least: int = 1, timeout: float = 20.0
    ) -> list[m.Envelope]:
        """The domain events of one case (the driver sees every case of the module)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [
                e
                for e in self.driver.received
                if e.routing_key == routing_key and e.headers.get(m.H_CASE) == case_id
            ]
            if len(found) >= at_least:
                return found
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(found)}/{at_least} {routing_key} events of {case_id}")
            self.driver._pump(deadline)


@contextmanager
def registration_service(tmp: Path, **extra: str) -> Iterator[Registration]:
    """A throwaway vhost and databases, the PKI and the signing server (with its TSA), then the
    registration service: one per test module, so its tests share the start-up cost."""
    with rabbit_vhost() as vhost, databases(tmp) as database_url:
        env = platform_env(tmp / "data", vhost, database_url, free_port_base(), **extra)
        settings = settings_for(env)
        with signing_server(settings):
            supervisor = Supervisor(
                settings,
                env,
                components=("registration",),
                log_dir=tmp / "logs",
                restart_on_exit=False,
            )
            try:
                supervisor.start()
                driver = CommandDriver(supervisor.settings)
                # gRPC health can answer before the command consumer has declared its queue:
                # declare it here (same arguments, a no-op for the service) so none is dropped.
                declare_topology(driver.channel, [m.service_queue("registration")])
                channel = channel_to(supervisor.settings, "registration")
                try:
                    yield Registration(supervisor.settings, driver, channel)
                finally:
                    channel.close()
                    driver.close()
            finally:
                supervisor.stop()


def nameko_rpc(
    settings: Settings, service: str, method: str, *args: Any, timeout: float = 15.0
) -> Any:
    """Calls a nameko ``@rpc`` method over AMQP the way nameko does (JSON body, reply queue bound
    to the ``nameko-rpc`` exchange), without importing nameko/eventlet into the test process."""
    import json
    import time

    import pika

    connection = pika.BlockingConnection(pika.URLParameters(settings.amqp_url))
    try:
        channel = connection.channel()
        channel.exchange_declare("nameko-rpc", exchange_type="topic", durable=True)
        reply = f"test-rpc-reply-{uuid.uuid4().hex[:8]}"
        channel.queue_declare(reply, exclusive=True, auto_delete=True)
        channel.queue_bind(reply, "nameko-rpc", routing_key=reply)
        correlation = uuid.uuid4().hex
        channel.basic_publish(
            "nameko-rpc",
            f"{service}.{method}",
            json.dumps({"args": list(args), "kwargs": {}}).encode(),
            pika.BasicProperties(
                reply_to=reply,
                correlation_id=correlation,
                content_type="application/json",
                delivery_mode=2,
            ),
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            method_frame, properties, body = channel.basic_get(reply, auto_ack=True)
            if method_frame is None:
                connection.process_data_events(time_limit=0.05)
                continue
            if properties.correlation_id != correlation:
                continue
            answer = json.loads(body)
            if answer.get("error"):
                raise RuntimeError(f"{service}.{method} failed: {answer['error']}")
            return answer["result"]
        raise TimeoutError(f"no answer from {service}.{method} in {timeout} s")
    finally:
        connection.close()
