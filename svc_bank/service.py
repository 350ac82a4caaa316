"""The bank service (nameko): the saga's OpenAccount action (due diligence, then the basic
deposit account) and its CloseAccount compensation over RabbitMQ and gRPC, GetAccount, ListBanks,
and the bank clerks' desk over gRPC."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nameko.rpc import ServiceRpc

from onestop.bank.v1 import bank_pb2 as pb
from onestop.bank.v1 import bank_pb2_grpc as pb_grpc
from onestop.common.v1.application_pb2 import CheckApplicationRequest
from onestop_common.clerk_desk import clerk_desk
from onestop_common.identity import Principal, require_platform
from onestop_common.nameko_kit import (
    Caller,
    Participant,
    Store,
    business_now,
    command,
    current_settings,
    grpc_entrypoint,
    run_saga_action,
)
from svc_bank import grpc_api as api
from svc_bank import lookups, reference, store, workflow
from svc_bank.models import Inbox, Outbox

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
NAME = "bank"

grpc = grpc_entrypoint(pb_grpc.BankServiceStub)
# The clerks' desk: ListTasks … RejectTask, answered by the workflow's desk functions.
ClerkDesk: Any = clerk_desk(pb_grpc.BankDeskStub, workflow, api.require_clerk)


def _replayed(_uow: Any) -> Any:
    raise AssertionError("run_saga_action answers a replay or a withdrawn case itself")


class Service(Participant, ClerkDesk):
    name = NAME
    store = Store(NAME, Outbox, Inbox, MIGRATIONS)
    caller = Caller()
    registration = ServiceRpc("registration")
    seal = ServiceRpc("seal")

    # ------------------------------------------------------------------ checking the application

    @grpc
    def CheckApplication(self, request: CheckApplicationRequest, context: Any) -> Any:
        return self.check(request, self.caller())  # any signed-in role, as every read here

    def check(self, request: CheckApplicationRequest, principal: Principal | None) -> Any:
        return workflow.check_application(request, business_now().date())

    # ------------------------------------------------------------------ saga

    @command(NAME, pb_grpc.BankServiceStub)
    @grpc
    def OpenAccount(self, request: pb.OpenAccountRequest, context: Any) -> Any:
        require_platform(self.caller())
        now, auto = business_now(), NAME in current_settings().auto_approve
        args = (workflow.RPC, request, pb.OpenAccountResponse)
        with self.store.transaction() as uow:
            if workflow.already_answered(uow, request):
                return run_saga_action(uow, *args, _replayed, compensated_by=workflow.COMPENSATION)
        # Asked outside any transaction: the database is not held while others answer.
        try:
            facts = lookups.gather(self.registration, self.seal, api.application_of(request))
        except lookups.NoAnswer as exc:
            with self.store.transaction() as uow:
                return workflow.retry_later(uow, request, str(exc), now)
        with self.store.transaction() as uow:
            return run_saga_action(
                uow,
                *args,
                lambda u: workflow.open_account(u, request, facts, now=now, auto_approve=auto),
                compensated_by=workflow.COMPENSATION,
            )

    @command(NAME, pb_grpc.BankServiceStub)
    @grpc
    def CloseAccount(self, request: pb.CloseAccountRequest, context: Any) -> Any:
        now = business_now()
        return self.saga_action(
            "CloseAccount", request, lambda u: workflow.close_account(u, request, now=now)
        )

    @grpc
    def GetAccount(self, request: pb.GetAccountRequest, context: Any) -> Any:
        principal = self.caller()
        with self.store.transaction() as uow:
            found = store.account_by_uscc(uow.session, request.uscc)
            account = api.check_may_read(principal, found, request.uscc)
            return pb.GetAccountResponse(account=api.account_message(account))

    @grpc
    def ListBanks(self, request: pb.ListBanksRequest, context: Any) -> Any:
        self.caller()  # any signed-in role: the list is what the form offers
        return api.banks_message(list(reference.banks().values()))
