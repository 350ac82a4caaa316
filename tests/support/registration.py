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
from onestop_common import messaging as m
from onestop_common.calendar import BusinessCalendar
from onestop_common.clock import SystemClock
from onestop_common.protoconv import timestamp
from onestop_common.settings import Settings
from orchestrator.amqp import declare_topology
from tests.support.infra import services_with_signer
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


def send_issue_license(
    driver: CommandDriver,
    request: pb.IssueLicenseRequest,
    case_id: str,
    applicant: str,
    *,
    key: str = "",
    deadline: common_pb2.Deadline | None = None,
) -> str:
    """Sends IssueLicense as the saga's license step does (under the step's own key unless
    ``key`` says otherwise, the license's deadline started now unless ``deadline`` is given);
    returns the idempotency key."""
    return driver.send(
        "registration",
        "IssueLicense",
        request,
        case_id=case_id,
        step="license",
        key=key,
        applicant_id=applicant,
        deadline=deadline or license_deadline(),
    )


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
        request = pb.IssueLicenseRequest(form=form)
        return case_id, send_issue_license(self.driver, request, case_id, applicant, key=key)

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

    def correct(
        self,
        case_id: str,
        form: application_pb2.ApplicationForm,
        *,
        round_: int = 1,
        applicant: str = "applicant-1",
    ) -> str:
        """Sends the applicant's corrected form as the saga does (ApplyCorrection, its
        ``round_``-th correction of the case); returns the idempotency key."""
        key = f"{case_id}:license:ApplyCorrection:{round_}"
        request = pb.ApplyCorrectionRequest(form=form)
        return self.send("ApplyCorrection", request, case_id=case_id, key=key, applicant=applicant)

    def revoke(
        self, case_id: str, reason: str, *, round_: int = 1, applicant: str = "applicant-1"
    ) -> str:
        """Sends the license step's compensation (RevokeLicense) in round ``round_``; returns
        the idempotency key."""
        key = f"{case_id}:license:RevokeLicense:{round_}"
        request = pb.RevokeLicenseRequest(reason=reason)
        return self.send("RevokeLicense", request, case_id=case_id, key=key, applicant=applicant)

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
    with services_with_signer(tmp, ("registration",), **extra) as supervisor:
        driver = CommandDriver(supervisor.settings)
        # gRPC health can answer before the command consumer has declared its queue: declare it
        # here (same arguments, a no-op for the service) so none is dropped.
        declare_topology(driver.channel, [m.service_queue("registration")])
        channel = channel_to(supervisor.settings, "registration")
        try:
            yield Registration(supervisor.settings, driver, channel)
        finally:
            channel.close()
            driver.close()
