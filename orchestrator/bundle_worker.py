"""The saga's last step, done by the orchestrator itself: gather every step's result, the
registration authority's signed license and the CRLs, build and sign the e-license bundle, and
store it with its result event in one transaction.

Commands arrive on the orchestrator's own durable command queue like any participant's, so a
crash mid-build simply redelivers the command; the inbox makes a repeat return the stored result.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import grpc
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from onestop.common.v1 import application_pb2, common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.registration.v1 import registration_pb2, registration_pb2_grpc
from onestop.seal.v1 import seal_pb2, seal_pb2_grpc
from onestop.signing.v1 import signing_pb2
from onestop_common import contracts
from onestop_common import messaging as m
from onestop_common.calendar import BusinessCalendar, CalendarError
from onestop_common.clock import Clock
from onestop_common.db import transaction
from onestop_common.errors import Unavailable
from onestop_common.grpc_options import MAX_BUNDLE_MESSAGE_BYTES, channel_options
from onestop_common.identity import Role, bearer, issue_token
from onestop_common.outbox import remember_result, remembered_result, stage
from onestop_common.pki import PkiStore
from onestop_common.settings import Settings
from onestop_common.signer_client import GrpcioTransport, RemotePdfSigner, SignerClient
from onestop_common.verification import verification_url
from orchestrator.models import Inbox, Outbox, Saga
from orchestrator.open_company import LEGAL_STEPS, OPEN_COMPANY

log = logging.getLogger(__name__)

Outcome = common_pb2.Outcome
RPC = "BuildBundle"
FETCH_TIMEOUT_SECONDS = 15.0
CA_NAMES = ("root", "registration", "seal", "platform", "tsa")
STEP_TITLES = {
    "license": "营业执照 Business license",
    "seal": "刻章 Seals",
    "invoice": "税务与发票 Tax and invoices",
    "social_insurance": "社保登记 Social insurance",
    "bank": "银行开户 Bank account",
}


CHANNEL_OPTIONS = channel_options()


class TransientFailure(Exception):
    """Something the bundle needs is unreachable now; the saga retries later."""


@dataclass
class BundleWorker:
    settings: Settings
    sessions: sessionmaker[Session]
    clock: Clock
    calendar: BusinessCalendar
    on_commit: Any = lambda case_ids: None
    _signer: SignerClient | None = None

    def handle(self, envelopes: Sequence[m.Envelope]) -> None:
        for envelope in envelopes:
            self._handle_one(envelope)

    def _handle_one(self, envelope: m.Envelope) -> None:
        request = m.decode_body(envelope.proto_type, envelope.body)
        if not isinstance(request, pb.BuildBundleRequest):
            raise m.MalformedMessage(f"{RPC} takes BuildBundleRequest, got {envelope.proto_type}")
        context = request.context
        with transaction(self.sessions) as session:
            stored = remembered_result(session, Inbox, context.idempotency_key)
            if stored is not None:
                self._emit(session, pb.BuildBundleResponse.FromString(stored.result))
                return
        if self.settings.participant_mode == "echo":
            self._finish(context, None)
            return
        try:
            pdf = self._build(context.case_id)
        except TransientFailure as exc:
            log.warning("bundle for %s not built yet: %s", context.case_id, exc)
            self._retry(context, str(exc))
            return
        except Exception as exc:
            log.exception("building the bundle for %s failed", context.case_id)
            self._retry(context, f"bundle build failed: {type(exc).__name__}")
            return
        self._finish(context, pdf)

    # ------------------------------------------------------------------ building

    def _build(self, case_id: str) -> bytes:
        from orchestrator.bundle import build_bundle

        inputs = self._inputs(case_id)
        store = PkiStore(self.settings.pki_dir, self.settings.kek)
        signer = RemotePdfSigner(
            self._signer_client(),
            signing_pb2.PLATFORM_KEY_PLATFORM,
            store.load_certificate("platform-signer"),
        )
        try:
            return build_bundle(inputs, signer=signer, trust_root=store.root_certificate())
        except Unavailable as error:
            raise TransientFailure(str(error.message)) from error

    def _signer_client(self) -> SignerClient:
        if self._signer is None:
            transport = GrpcioTransport(self.settings.signing_targets(), MAX_BUNDLE_MESSAGE_BYTES)
            self._signer = SignerClient(
                transport, self.settings.token_secret, subject="orchestrator"
            )
        return self._signer

    def _inputs(self, case_id: str) -> Any:
        from orchestrator.bundle import BundleInputs

        with self.sessions() as session:
            saga = session.get(Saga, case_id)
            if saga is None:
                raise m.MalformedMessage(f"no case {case_id}")
            results: dict[str, Any] = {
                row.name: m.decode_body(row.result_type, row.result)
                for row in saga.steps
                if row.result_type
            }
            timings = tuple(self._timing(row) for row in saga.steps if row.name in LEGAL_STEPS)
            submitted_at = saga.submitted_at
            form = application_pb2.ApplicationForm.FromString(saga.form)
            company_name = saga.company_name
            signed_application = saga.application_pdf or b""
            person_signatures = tuple(_person_signed(row) for row in saga.signatures)
        license_ = results["license"].license
        completed_at = self.clock.now()
        seals = tuple(results["seal"].seals)
        return BundleInputs(
            case_id=case_id,
            company_name=company_name,
            submitted_at=submitted_at,
            completed_at=completed_at,
            case_limit_workdays=OPEN_COMPANY.limit,
            case_working_hours=self._working_hours(submitted_at, completed_at),
            timings=timings,
            form=form,
            license=license_,
            license_pdf=self._license_pdf(license_.uscc),
            seals=seals,
            taxpayer=results["invoice"].taxpayer,
            employer=results["social_insurance"].employer,
            account=results["bank"].account,
            certificates=self._certificates(seals),
            business_clock_speed=self.settings.clock_speed,
            crls=self._crls(),
            signed_application=signed_application,
            person_signatures=person_signatures,
            verification_url=verification_url(
                self.settings.verification_base_url, license_.uscc, license_.license_number
            ),
        )

    def _timing(self, row: Any) -> Any:
        from orchestrator.bundle import StepTiming

        return StepTiming(
            name=row.name,
            title_zh=STEP_TITLES.get(row.name, row.name),
            limit_workdays=Decimal(row.limit_workdays),
            started_at=row.started_at,
            finished_at=row.finished_at,
            working_hours=self._working_hours(row.started_at, row.finished_at),
        )

    def _working_hours(self, start: datetime | None, end: datetime | None) -> Decimal:
        if start is None or end is None:
            return Decimal(0)
        try:
            seconds = self.calendar.working_time_between(start, end).total_seconds()
        except CalendarError:
            return Decimal(0)
        return (Decimal(int(seconds)) / 3600).quantize(Decimal("0.01"))

    def _metadata(self) -> tuple[tuple[str, str], ...]:
        return bearer(
            issue_token(self.settings.token_secret, subject="orchestrator", role=Role.SYSTEM)
        )

    def _license_pdf(self, uscc: str) -> bytes:
        target = self.settings.grpc_target("registration")
        with grpc.insecure_channel(target, options=CHANNEL_OPTIONS) as channel:
            stub = registration_pb2_grpc.RegistrationServiceStub(channel)
            try:
                response = stub.GetLicense(
                    registration_pb2.GetLicenseRequest(uscc=uscc),
                    metadata=self._metadata(),
                    timeout=FETCH_TIMEOUT_SECONDS,
                )
            except grpc.RpcError as error:
                raise TransientFailure(f"registration: {error.code().name}") from error
        if not response.pdf:
            raise TransientFailure("registration returned no license PDF")
        return bytes(response.pdf)

    def _seal_crl(self) -> bytes:
        target = self.settings.grpc_target("seal")
        with grpc.insecure_channel(target, options=CHANNEL_OPTIONS) as channel:
            stub = seal_pb2_grpc.SealServiceStub(channel)
            try:
                response = stub.GetCrl(
                    seal_pb2.GetCrlRequest(),
                    metadata=self._metadata(),
                    timeout=FETCH_TIMEOUT_SECONDS,
                )
            except grpc.RpcError as error:
                raise TransientFailure(f"seal: {error.code().name}") from error
        return bytes(response.crl_der)

    def _certificates(self, seals: Sequence[seal_pb2.Seal]) -> dict[str, bytes]:
        from cryptography.hazmat.primitives.serialization import Encoding

        store = PkiStore(self.settings.pki_dir, self.settings.kek)
        found = {
            f"ca-{name}": store.load_certificate(name).public_bytes(Encoding.PEM)
            for name in CA_NAMES
        }
        for seal in seals:
            if seal.certificate_pem:
                found[f"seal-{seal.seal_code}"] = seal.certificate_pem.encode()
        return found

    def _crls(self) -> dict[str, bytes]:
        from cryptography.hazmat.primitives.serialization import Encoding

        store = PkiStore(self.settings.pki_dir, self.settings.kek)
        crls = {
            name: store.load_crl(name).public_bytes(Encoding.DER)
            for name in CA_NAMES
            if name != "seal"
        }
        # The seal CA's list lives in the seal service, which revokes seals.
        crls["seal"] = self._seal_crl()
        return crls

    # ------------------------------------------------------------------ results

    def _finish(self, context: common_pb2.CommandContext, pdf: bytes | None) -> None:
        response = pb.BuildBundleResponse(context=context)
        response.status.outcome = Outcome.OUTCOME_DONE
        response.status.decided_by = "automatic"
        if pdf is not None:
            response.sha256 = hashlib.sha256(pdf).hexdigest()
            response.size = len(pdf)
        for _ in range(5):
            try:
                with transaction(self.sessions) as session:
                    if pdf is not None:
                        saga = session.get(Saga, context.case_id, with_for_update=True)
                        if saga is None:
                            raise m.MalformedMessage(f"no case {context.case_id}")
                        saga.bundle = pdf
                        saga.bundle_sha256 = response.sha256
                    remember_result(
                        session,
                        Inbox,
                        context.idempotency_key,
                        response.DESCRIPTOR.full_name,
                        response.SerializeToString(),
                    )
                    self._emit(session, response)
                break
            except StaleDataError:
                continue  # the engine changed the case meanwhile: store again
        self.on_commit([context.case_id])

    def _retry(self, context: common_pb2.CommandContext, reason: str) -> None:
        response = pb.BuildBundleResponse(context=context)
        response.status.outcome = Outcome.OUTCOME_RETRY
        response.status.reason = reason
        with transaction(self.sessions) as session:
            self._emit(session, response)
        self.on_commit([context.case_id])

    @staticmethod
    def _emit(session: Session, response: pb.BuildBundleResponse) -> None:
        context = response.context
        stage(
            session,
            Outbox,
            m.envelope_for(
                response,
                exchange=m.EVENTS_EXCHANGE,
                routing_key=m.result_routing_key("orchestrator", RPC),
                method=contracts.method_path("orchestrator", RPC),
                participant="orchestrator",
                case_id=context.case_id,
                step=context.step,
                attempt=context.attempt,
                idempotency_key=context.idempotency_key,
            ),
        )


def _person_signed(row: Any) -> Any:
    from orchestrator.bundle import PersonSigned
    from orchestrator.signatures import signature_field

    return PersonSigned(
        name=row.name,
        masked_id_number=row.masked_id_number,
        roles=tuple(row.roles),
        signed_at=row.signed_at,
        certificate_serial=row.certificate_serial,
        field_name=signature_field(row.position),
    )
