"""The social insurance service (nameko): the saga's RegisterEmployer action and its compensation
over RabbitMQ and gRPC, the pre-check of an application (CheckApplication over gRPC,
check_application over AMQP RPC), GetEmployer, and the clerk's desk over gRPC."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from onestop.common.v1 import application_pb2
from onestop.social_insurance.v1 import social_insurance_pb2 as pb
from onestop.social_insurance.v1 import social_insurance_pb2_grpc as pb_grpc
from onestop_common.clerk_desk import clerk_desk
from onestop_common.identity import Principal
from onestop_common.nameko_kit import (
    Caller,
    Participant,
    Store,
    business_now,
    command,
    current_settings,
    grpc_entrypoint,
)
from svc_social_insurance import grpc_api as api
from svc_social_insurance import store, workflow
from svc_social_insurance.models import Inbox, Outbox

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
NAME = "social_insurance"

grpc = grpc_entrypoint(pb_grpc.SocialInsuranceServiceStub)
# The clerks' desk: ListTasks … RejectTask, answered by the workflow's desk functions.
ClerkDesk: Any = clerk_desk(pb_grpc.SocialInsuranceDeskStub, workflow, api.require_clerk)


class Service(Participant, ClerkDesk):
    name = NAME
    store = Store(NAME, Outbox, Inbox, MIGRATIONS)
    caller = Caller()

    @command(NAME, pb_grpc.SocialInsuranceServiceStub)
    @grpc
    def RegisterEmployer(self, request: pb.RegisterEmployerRequest, context: Any) -> Any:
        now, auto = business_now(), NAME in current_settings().auto_approve
        return self.saga_action(
            "RegisterEmployer",
            request,
            lambda u: workflow.register_employer(u, request, now=now, auto_approve=auto),
            compensated_by="CancelEmployerRegistration",
        )

    @command(NAME, pb_grpc.SocialInsuranceServiceStub)
    @grpc
    def CancelEmployerRegistration(
        self, request: pb.CancelEmployerRegistrationRequest, context: Any
    ) -> Any:
        now = business_now()
        return self.saga_action(
            "CancelEmployerRegistration",
            request,
            lambda u: workflow.cancel_registration(u, request, now=now),
        )

    @grpc
    def CheckApplication(
        self, request: application_pb2.CheckApplicationRequest, context: Any
    ) -> Any:
        return self.check(request, self.caller())  # any signed-in caller

    def check(
        self, request: application_pb2.CheckApplicationRequest, principal: Principal | None
    ) -> Any:
        with self.store.transaction() as uow:
            return workflow.check_application(uow, principal, request, now=business_now())

    @grpc
    def GetEmployer(self, request: pb.GetEmployerRequest, context: Any) -> Any:
        principal = self.caller()
        with self.store.transaction() as uow:
            employer = store.employer_by_uscc(uow.session, request.uscc)
            full = api.may_see_employer(principal, employer, request.uscc)
            assert employer is not None
            return pb.GetEmployerResponse(employer=api.employer_message(employer, full_ids=full))
