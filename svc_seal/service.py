"""The seal service (nameko): seal orders for seal makers, electronic seals on the platform PKI,
police filings, revocation with a CRL served over HTTP, sealing PDFs by the owner or an
authorised user, and the seal usage register.

Entrypoints: the saga's AMQP commands and gRPC (SealService, SealDesk), the ``seal_filing``
AMQP RPC the bank calls, ``GET /crl/<ca>.crl`` on its HTTP port, and an hourly CRL renewal.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from pathlib import Path
from typing import Any

from nameko.timer import timer
from nameko.web.handlers import http
from werkzeug.wrappers import Response

from onestop.common.v1 import application_pb2, desk_pb2
from onestop.seal.v1 import seal_pb2, seal_pb2_grpc
from onestop_common.errors import InvalidInput, NotFound
from onestop_common.identity import Principal, require_platform
from onestop_common.limits import enforce_limits
from onestop_common.nameko_kit import (
    Caller,
    Participant,
    Store,
    command,
    current_settings,
    grpc_entrypoint,
    rpc,
)
from onestop_common.pki import CA_NAMES
from svc_seal import actions, grpc_api
from svc_seal.actions import Env
from svc_seal.dependencies import SEAL_CA, Pki, PkiUnavailable
from svc_seal.domain import PARTICIPANT
from svc_seal.models import Inbox, Outbox

log = logging.getLogger(__name__)

grpc = grpc_entrypoint(seal_pb2_grpc.SealServiceStub)
desk = grpc_entrypoint(seal_pb2_grpc.SealDeskStub)
CRL_RENEWAL_SECONDS = 3600
CRL_MEDIA_TYPE = "application/pkix-crl"


class Service(Participant):
    name = PARTICIPANT

    store = Store(PARTICIPANT, Outbox, Inbox, Path(__file__).parent / "migrations")
    caller = Caller()
    pki = Pki()

    def _env(self) -> Env:
        settings = current_settings()
        return Env(settings=settings, pki=self.pki, now=settings.clock().now())

    # ------------------------------------------------------------------ checking the application

    @grpc
    def CheckApplication(
        self, request: Any, context: Any
    ) -> application_pb2.CheckApplicationResponse:
        return self.check(request, self.caller())  # any signed-in role, as every read here

    def check(
        self, request: application_pb2.CheckApplicationRequest, principal: Principal | None
    ) -> application_pb2.CheckApplicationResponse:
        return actions.check_application(request)

    # ------------------------------------------------------------------ saga

    @command(PARTICIPANT, seal_pb2_grpc.SealServiceStub)
    @grpc
    def IssueSeals(self, request: Any, context: Any) -> seal_pb2.IssueSealsResponse:
        require_platform(self.caller())
        # Without the PKI yet, PkiUnavailable (transient) has the command retried in place.
        with self.store.transaction() as uow:
            return actions.issue_seals(uow, request, self._env())

    @command(PARTICIPANT, seal_pb2_grpc.SealServiceStub)
    @grpc
    def RevokeSeals(self, request: Any, context: Any) -> seal_pb2.RevokeSealsResponse:
        require_platform(self.caller())
        # Without the PKI yet, PkiUnavailable (transient) has the command retried in place.
        with self.store.transaction() as uow:
            return actions.revoke_seals(uow, request, self._env())

    # ------------------------------------------------------------------ seals

    @grpc
    def ListSeals(self, request: Any, context: Any) -> seal_pb2.ListSealsResponse:
        principal = self.caller()
        with self.store.transaction() as uow:
            return actions.list_seals(uow, principal, request)

    @grpc
    def SignPdf(self, request: Any, context: Any) -> seal_pb2.SignPdfResponse:
        return actions.sign_pdf(self.store, self.caller(), request, self._env())

    # ------------------------------------------------------------------ authorised users

    @grpc
    def AuthoriseSigner(self, request: Any, context: Any) -> seal_pb2.AuthoriseSignerResponse:
        return actions.authorise_signer(self.store, self.caller(), request, self._env())

    @grpc
    def RevokeSigner(self, request: Any, context: Any) -> seal_pb2.RevokeSignerResponse:
        principal = self.caller()
        with self.store.transaction() as uow:
            return actions.revoke_signer(uow, principal, request, self._env())

    @grpc
    def ListSigners(self, request: Any, context: Any) -> seal_pb2.ListSignersResponse:
        principal = self.caller()
        with self.store.transaction() as uow:
            return actions.list_signers(uow, principal, request, self._env())

    @grpc
    def ListSealUsages(self, request: Any, context: Any) -> seal_pb2.ListSealUsagesResponse:
        principal = self.caller()
        with self.store.transaction() as uow:
            return actions.list_seal_usages(uow, principal, request)

    @grpc
    def GetSealFiling(self, request: Any, context: Any) -> seal_pb2.GetSealFilingResponse:
        self.caller()  # any role: banks and counterparties check filings
        with self.store.transaction() as uow:
            return actions.seal_filing(uow, request.seal_code)

    @grpc
    def GetCrl(self, request: Any, context: Any) -> seal_pb2.GetCrlResponse:
        self.caller()  # any role; the same CRL is public over HTTP
        return actions.get_crl(self.store, self._env())

    @rpc
    def seal_filing(self, request: bytes) -> bytes:
        """For other services (the bank), over AMQP: a serialized LookUpSealFilingRequest in, the
        serialized LookUpSealFilingResponse out; a code with no filing on record has none."""
        asked = seal_pb2.LookUpSealFilingRequest.FromString(bytes(request))
        enforce_limits(asked)
        answer = seal_pb2.LookUpSealFilingResponse()
        with self.store.transaction() as uow, suppress(InvalidInput, NotFound):
            answer.filing.CopyFrom(actions.seal_filing(uow, asked.seal_code.strip()))
        return answer.SerializeToString()

    # ------------------------------------------------------------------ CRLs over HTTP

    @http("GET", "/crl/<string:ca>.crl")
    def crl(self, request: Any, ca: str) -> Response:
        """The seal CA's CRL from this service's records; the other CAs' from the PKI directory
        (the URLs every platform certificate names point here)."""
        if ca not in CA_NAMES:
            return Response(f"no CRL named {ca}.crl\n", status=404, mimetype="text/plain")
        try:
            if ca == SEAL_CA:
                der = actions.current_crl(self.store, self._env()).der
            else:
                der = self.pki.ca_crl_der(ca)
        except PkiUnavailable as error:
            return Response(f"{error}\n", status=503, mimetype="text/plain")
        return Response(der, mimetype=CRL_MEDIA_TYPE, headers={"Cache-Control": "no-cache"})

    @timer(interval=CRL_RENEWAL_SECONDS, eager=True)
    def renew_crl(self) -> None:
        """Re-issues the seal CA's CRL before it goes stale, even if nobody asks for it."""
        try:
            crl = actions.current_crl(self.store, self._env())
        except PkiUnavailable as error:
            log.warning("seal CRL not renewed: %s", error)
            return
        log.debug("seal CRL %d valid until %s", crl.crl_number, crl.next_update.isoformat())

    # ------------------------------------------------------------------ the seal maker's desk

    @desk
    def ListTasks(self, request: Any, context: Any) -> desk_pb2.ListTasksResponse:
        principal = self.caller()
        grpc_api.require_seal_maker(principal)
        with self.store.transaction() as uow:
            return actions.list_tasks(uow, principal, request, self._env())

    @desk
    def GetTask(self, request: Any, context: Any) -> seal_pb2.GetTaskResponse:
        principal = self.caller()
        grpc_api.require_seal_maker(principal)
        with self.store.transaction() as uow:
            return actions.get_task(uow, principal, request.task_id, self._env())

    @desk
    def ClaimTask(self, request: Any, context: Any) -> desk_pb2.ClaimTaskResponse:
        principal = self.caller()
        grpc_api.require_seal_maker(principal)
        with self.store.transaction() as uow:
            return actions.claim_task(uow, principal, request.task_id, self._env())

    @desk
    def MarkEngraved(self, request: Any, context: Any) -> seal_pb2.MarkEngravedResponse:
        principal = self.caller()
        grpc_api.require_seal_maker(principal)
        with self.store.transaction() as uow:
            return actions.mark_engraved(uow, principal, request, self._env())

    @desk
    def CompleteTask(self, request: Any, context: Any) -> seal_pb2.CompleteTaskResponse:
        principal = self.caller()
        grpc_api.require_seal_maker(principal)
        with self.store.transaction() as uow:
            return actions.complete_task(uow, principal, request.task_id, self._env())

    @desk
    def RejectTask(self, request: Any, context: Any) -> desk_pb2.RejectTaskResponse:
        principal = self.caller()
        grpc_api.require_seal_maker(principal)
        with self.store.transaction() as uow:
            return actions.reject_task(uow, principal, request, self._env())
