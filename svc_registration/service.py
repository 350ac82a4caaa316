"""The registration service (nameko): the business license and USCC step of the saga, form and
name checks, the registration officer's desk, the bad-credit list, and the license status that
anyone (and the bank, over AMQP RPC) may look up.

Entrypoints: the saga's AMQP commands and gRPC (RegistrationService, RegistrationDesk), and the
``license_status`` and ``check_application`` AMQP RPCs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from onestop.common.v1 import application_pb2
from onestop.registration.v1 import registration_pb2 as pb
from onestop.registration.v1 import registration_pb2_grpc
from onestop_common.application_checks import decode_check_request
from onestop_common.calendar import BusinessCalendar
from onestop_common.errors import InvalidInput, NotFound
from onestop_common.identity import Principal, require_platform
from onestop_common.limits import enforce_limits
from onestop_common.nameko_kit import (
    Caller,
    HealthCheck,
    Store,
    UnitOfWork,
    command,
    current_settings,
    grpc_entrypoint,
    rpc,
)
from svc_registration import actions, grpc_api
from svc_registration.actions import Env, PreparedLicense
from svc_registration.documents import PkiUnavailable, Signer
from svc_registration.domain import PARTICIPANT
from svc_registration.models import Inbox, Outbox
from svc_registration.reference import reference

log = logging.getLogger(__name__)

Stub = registration_pb2_grpc.RegistrationServiceStub
grpc = grpc_entrypoint(Stub)
desk = grpc_entrypoint(registration_pb2_grpc.RegistrationDeskStub)
CALENDAR = BusinessCalendar()

SagaAction = Callable[[UnitOfWork, Any, Env], Any]
T = TypeVar("T")
SIGNING_ROUNDS = 4


class Service(HealthCheck):
    name = PARTICIPANT

    store = Store(PARTICIPANT, Outbox, Inbox, Path(__file__).parent / "migrations")
    caller = Caller()
    signer = Signer()

    def _env(self, prepared: PreparedLicense | None = None, now: datetime | None = None) -> Env:
        settings = current_settings()
        return Env(
            settings=settings,
            now=now or settings.clock().now(),
            calendar=CALENDAR,
            ref=reference(),
            prepared=prepared,
        )

    def _transact(self, work: Callable[[UnitOfWork, Env], T]) -> T:
        """One transaction for ``work``; when it needs a signed license, the license is signed
        between two attempts, outside any transaction (see ``actions.NeedsSignature``)."""
        prepared: PreparedLicense | None = None
        # One moment for the whole action, the one at which it was asked: a license signed
        # between two attempts must still be dated "today" when the second attempt checks it
        # (on a fast business clock a day passes in seconds, faster than a signature).
        now = current_settings().clock().now()
        for _ in range(SIGNING_ROUNDS):
            try:
                with self.store.transaction() as uow:
                    return work(uow, self._env(prepared, now))
            except actions.NeedsSignature as need:
                prepared = actions.prepare_license(need, self.signer)
        raise RuntimeError(f"no stable license to sign after {SIGNING_ROUNDS} rounds")

    def _saga(self, rpc_name: str, action: SagaAction, request: Any, context: Any) -> Any:
        require_platform(self.caller())
        try:
            return self._transact(lambda uow, env: action(uow, request, env))
        except PkiUnavailable as error:
            if context is not None:
                raise  # a gRPC caller sees UNAVAILABLE
            log.warning("%s for case %s deferred: %s", rpc_name, request.context.case_id, error)
            with self.store.transaction() as uow:
                return actions.retry_later(uow, rpc_name, request, str(error))

    def _officer(self) -> Principal:
        principal = self.caller()
        grpc_api.require_officer(principal)
        return principal

    # ------------------------------------------------------------------ saga

    @command(PARTICIPANT, Stub)
    @grpc
    def IssueLicense(self, request: Any, context: Any) -> pb.IssueLicenseResponse:
        return self._saga("IssueLicense", actions.issue_license, request, context)  # type: ignore[no-any-return]

    @command(PARTICIPANT, Stub)
    @grpc
    def RevokeLicense(self, request: Any, context: Any) -> pb.RevokeLicenseResponse:
        return self._saga("RevokeLicense", actions.revoke_license, request, context)  # type: ignore[no-any-return]

    @command(PARTICIPANT, Stub)
    @grpc
    def ApplyCorrection(self, request: Any, context: Any) -> pb.ApplyCorrectionResponse:
        return self._saga("ApplyCorrection", actions.apply_correction, request, context)  # type: ignore[no-any-return]

    @command(PARTICIPANT, Stub)
    @grpc
    def SupplyMaterial(self, request: Any, context: Any) -> pb.SupplyMaterialResponse:
        return self._saga("SupplyMaterial", actions.supply_material, request, context)  # type: ignore[no-any-return]

    @command(PARTICIPANT, Stub)
    @grpc
    def ChangeLicense(self, request: Any, context: Any) -> pb.ChangeLicenseResponse:
        return self._saga("ChangeLicense", actions.change_license, request, context)  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ checks and licenses

    @grpc
    def ValidateApplication(self, request: Any, context: Any) -> pb.ValidateApplicationResponse:
        principal = self.caller()
        with self.store.transaction() as uow:
            return actions.validate_application(uow, principal, request, self._env())

    @grpc
    def CheckApplication(
        self, request: Any, context: Any
    ) -> application_pb2.CheckApplicationResponse:
        principal = self.caller()  # any signed-in caller
        with self.store.transaction() as uow:
            return actions.check_application(uow, principal, request, self._env())

    @rpc
    def check_application(self, request: bytes) -> bytes:
        """CheckApplication for the platform over AMQP: the serialized request in, the serialized
        response out (the broker is the platform's own, as for ``license_status``)."""
        message = decode_check_request(request)
        with self.store.transaction() as uow:
            return actions.check_application(uow, None, message, self._env()).SerializeToString()

    @grpc
    def CheckName(self, request: Any, context: Any) -> pb.CheckNameResponse:
        self.caller()  # any signed-in caller
        with self.store.transaction() as uow:
            return actions.check_name(uow, request, self._env())

    @grpc
    def GetLicense(self, request: Any, context: Any) -> pb.GetLicenseResponse:
        principal = self.caller()
        with self.store.transaction() as uow:
            return actions.get_license(uow, principal, request)

    @grpc
    def GetLicenseStatus(self, request: Any, context: Any) -> pb.GetLicenseStatusResponse:
        # Public, like the printed QR code: counterparties need no platform account.
        with self.store.transaction() as uow:
            return actions.get_license_status(uow, request)

    @rpc
    def license_status(self, request: bytes) -> bytes:
        """For other services (the bank), over AMQP: a serialized LookUpLicenseStatusRequest in,
        the serialized LookUpLicenseStatusResponse out; a USCC not issued here has no license."""
        asked = pb.LookUpLicenseStatusRequest.FromString(bytes(request))
        enforce_limits(asked)
        answer = pb.LookUpLicenseStatusResponse()
        with self.store.transaction() as uow, suppress(InvalidInput, NotFound):
            lookup = pb.GetLicenseStatusRequest(uscc=asked.uscc.strip())
            answer.license.CopyFrom(actions.get_license_status(uow, lookup))
        return answer.SerializeToString()

    # ------------------------------------------------------------------ the credit list

    @grpc
    def ListCreditEntries(self, request: Any, context: Any) -> pb.ListCreditEntriesResponse:
        principal = self.caller()
        with self.store.transaction() as uow:
            return actions.list_credit(uow, principal, request, self._env())

    @grpc
    def AddCreditEntry(self, request: Any, context: Any) -> pb.AddCreditEntryResponse:
        principal = self.caller()
        with self.store.transaction() as uow:
            return actions.add_credit(uow, principal, request, self._env())

    @grpc
    def RemoveCreditEntry(self, request: Any, context: Any) -> pb.RemoveCreditEntryResponse:
        principal = self.caller()
        with self.store.transaction() as uow:
            return actions.remove_credit(uow, principal, request, self._env())

    # ------------------------------------------------------------------ the officer's desk

    @desk
    def ListTasks(self, request: Any, context: Any) -> pb.ListTasksResponse:
        principal = self._officer()
        with self.store.transaction() as uow:
            return actions.list_tasks(uow, principal, request, self._env())

    @desk
    def GetTask(self, request: Any, context: Any) -> pb.GetTaskResponse:
        principal = self._officer()
        with self.store.transaction() as uow:
            return actions.get_task(uow, principal, request.task_id, self._env())

    @desk
    def ClaimTask(self, request: Any, context: Any) -> pb.ClaimTaskResponse:
        principal = self._officer()
        with self.store.transaction() as uow:
            return actions.claim_task(uow, principal, request.task_id, self._env())

    @desk
    def ApproveTask(self, request: Any, context: Any) -> pb.ApproveTaskResponse:
        principal = self._officer()
        return self._transact(lambda uow, env: actions.approve_task(uow, principal, request, env))

    @desk
    def RejectTask(self, request: Any, context: Any) -> pb.RejectTaskResponse:
        principal = self._officer()
        with self.store.transaction() as uow:
            return actions.reject_task(uow, principal, request, self._env())

    @desk
    def RequestCorrection(self, request: Any, context: Any) -> pb.RequestCorrectionResponse:
        principal = self._officer()
        with self.store.transaction() as uow:
            return actions.request_correction(uow, principal, request, self._env())

    @desk
    def ExplainDecision(self, request: Any, context: Any) -> pb.ExplainDecisionResponse:
        self._officer()
        with self.store.transaction() as uow:
            return actions.explain_decision(uow, request)
