"""The invoice service (税务登记 + 发票): the saga's RegisterTaxpayer / CancelTaxRegistration over
AMQP and gRPC, the company's invoicing over gRPC, and the tax-staff desk over gRPC.

Each entrypoint: who is calling → one transaction running the flow in actions/ → reply."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from onestop.common.v1 import desk_pb2
from onestop.common.v1.application_pb2 import CheckApplicationRequest
from onestop.invoice.v1 import invoice_pb2 as pb
from onestop.invoice.v1 import invoice_pb2_grpc as pb_grpc
from onestop_common.identity import Principal
from onestop_common.nameko_kit import (
    Caller,
    Participant,
    Store,
    command,
    grpc_entrypoint,
)
from svc_invoice import actions, grpc_api
from svc_invoice.dependencies import PARTICIPANT, InvoiceEnv
from svc_invoice.models import Inbox, Outbox

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

grpc = grpc_entrypoint(pb_grpc.InvoiceServiceStub)
desk_grpc = grpc_entrypoint(pb_grpc.InvoiceDeskStub)


class Service(Participant):
    name = PARTICIPANT

    store = Store(PARTICIPANT, Outbox, Inbox, MIGRATIONS)
    caller = Caller()
    env = InvoiceEnv()

    # ------------------------------------------------------------------ checking the application

    @grpc
    def CheckApplication(self, request: CheckApplicationRequest, context: Any) -> Any:
        return self.check(request, self.caller())  # any signed-in role, as every read here

    def check(self, request: CheckApplicationRequest, principal: Principal | None) -> Any:
        return actions.check_application(request, self.env())

    # ------------------------------------------------------------------ saga

    @command(PARTICIPANT, pb_grpc.InvoiceServiceStub)
    @grpc
    def RegisterTaxpayer(self, request: pb.RegisterTaxpayerRequest, context: Any) -> Any:
        env = self.env()
        return self.saga_action(
            "RegisterTaxpayer",
            request,
            lambda uow: actions.register_taxpayer(uow, request, env),
            compensated_by="CancelTaxRegistration",
        )

    @command(PARTICIPANT, pb_grpc.InvoiceServiceStub)
    @grpc
    def CancelTaxRegistration(self, request: pb.CancelTaxRegistrationRequest, context: Any) -> Any:
        env = self.env()
        return self.saga_action(
            "CancelTaxRegistration",
            request,
            lambda uow: actions.cancel_tax_registration(uow, request, env),
        )

    # ------------------------------------------------------------------ the company

    @grpc
    def GetTaxpayer(self, request: pb.GetTaxpayerRequest, context: Any) -> Any:
        principal, env = self.caller(), self.env()
        with self.store.transaction() as uow:
            return actions.get_taxpayer(uow, principal, request, env)

    @grpc
    def IssueInvoice(self, request: pb.IssueInvoiceRequest, context: Any) -> Any:
        principal, env = self.caller(), self.env()
        with self.store.transaction() as uow:
            return actions.issue_invoice(uow, principal, request, env)

    @grpc
    def IssueRedLetterInvoice(self, request: pb.IssueRedLetterInvoiceRequest, context: Any) -> Any:
        principal, env = self.caller(), self.env()
        with self.store.transaction() as uow:
            return actions.issue_red_letter(uow, principal, request, env)

    @grpc
    def RecordInvoiceBooking(self, request: pb.RecordInvoiceBookingRequest, context: Any) -> Any:
        principal, env = self.caller(), self.env()
        with self.store.transaction() as uow:
            return actions.record_invoice_booking(uow, principal, request, env)

    @grpc
    def RequestRedLetterForm(self, request: pb.RequestRedLetterFormRequest, context: Any) -> Any:
        principal, env = self.caller(), self.env()
        with self.store.transaction() as uow:
            return actions.request_red_letter_form(uow, principal, request, env)

    @grpc
    def ConfirmRedLetterForm(self, request: pb.ConfirmRedLetterFormRequest, context: Any) -> Any:
        principal, env = self.caller(), self.env()
        with self.store.transaction() as uow:
            return actions.confirm_red_letter_form(uow, principal, request, env)

    @grpc
    def DeclineRedLetterForm(self, request: pb.DeclineRedLetterFormRequest, context: Any) -> Any:
        principal, env = self.caller(), self.env()
        with self.store.transaction() as uow:
            return actions.decline_red_letter_form(uow, principal, request, env)

    @grpc
    def GetRedLetterForm(self, request: pb.GetRedLetterFormRequest, context: Any) -> Any:
        principal, env = self.caller(), self.env()
        with self.store.transaction() as uow:
            return actions.get_red_letter_form(uow, principal, request, env)

    # ------------------------------------------------------------------ tax-staff desk

    @desk_grpc
    def ListTasks(self, request: desk_pb2.ListTasksRequest, context: Any) -> Any:
        principal, env = grpc_api.require_desk(self.caller()), self.env()
        with self.store.transaction() as uow:
            return actions.list_tasks(uow, principal, request, env)

    @desk_grpc
    def GetTask(self, request: desk_pb2.GetTaskRequest, context: Any) -> Any:
        principal, env = grpc_api.require_desk(self.caller()), self.env()
        with self.store.transaction() as uow:
            return actions.get_task(uow, principal, request, env)

    @desk_grpc
    def ClaimTask(self, request: desk_pb2.ClaimTaskRequest, context: Any) -> Any:
        principal, env = grpc_api.require_desk(self.caller()), self.env()
        with self.store.transaction() as uow:
            return actions.claim_task(uow, principal, request, env)

    @desk_grpc
    def ApproveTask(self, request: pb.ApproveTaskRequest, context: Any) -> Any:
        principal, env = grpc_api.require_desk(self.caller()), self.env()
        with self.store.transaction() as uow:
            return actions.approve_task(uow, principal, request, env)

    @desk_grpc
    def RejectTask(self, request: desk_pb2.RejectTaskRequest, context: Any) -> Any:
        principal, env = grpc_api.require_desk(self.caller()), self.env()
        with self.store.transaction() as uow:
            return actions.reject_task(uow, principal, request, env)

    @desk_grpc
    def AdjustCreditLine(self, request: pb.AdjustCreditLineRequest, context: Any) -> Any:
        principal, env = grpc_api.require_desk(self.caller()), self.env()
        with self.store.transaction() as uow:
            return actions.adjust_credit_line(uow, principal, request, env)
