"""The RPCs of a person confirming an application (engine.consent): their requests, the PDF to
read, signing and declining. The caller is a person whose identity the real-name provider
verified (``Principal.person_id``); the platform signs the application PDF for them with a key
the signing server certifies for that one signature."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Protocol

import grpc

from onestop.common.v1 import application_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.signing.v1 import signing_pb2
from onestop_common.errors import Conflict, Unavailable
from onestop_common.identity import Principal, Role
from onestop_common.protoconv import set_time, timestamp
from onestop_common.signer_client import SignatureSpec
from orchestrator.engine import SigningTarget, StaleApplicationPdf
from orchestrator.signatures import form_sha256, signature_field
from orchestrator.views import SIGNATURE_STATES, person_signature_message

if TYPE_CHECKING:
    from orchestrator.engine import SagaEngine
    from orchestrator.models import PersonSignature, Saga

log = logging.getLogger(__name__)

# Signatures landing at the same moment: each retry signs the newer PDF.
SIGN_ATTEMPTS = 5


class PersonSigner(Protocol):
    def sign_response(
        self, pdf: bytes, key: Any, spec: SignatureSpec
    ) -> signing_pb2.SignPdfResponse: ...


class SigningRpcs:
    """Mixed into OneStopApi, whose ``_guarded`` wraps each method there."""

    engine: SagaEngine
    person_signer: PersonSigner | None

    def _principal(self, context: grpc.ServicerContext) -> Principal:
        raise NotImplementedError

    def _load(self, case_id: str, principal: Principal, *, with_form: bool = True) -> Any:
        raise NotImplementedError

    def list_signature_requests(
        self, _request: pb.ListSignatureRequestsRequest, context: grpc.ServicerContext
    ) -> pb.ListSignatureRequestsResponse:
        principal = self._principal(context)
        found = self.engine.signature_requests(principal)
        return pb.ListSignatureRequestsResponse(
            requests=[signature_request(saga, row) for saga, row in found]
        )

    def get_application_to_sign(
        self, request: pb.GetApplicationToSignRequest, context: grpc.ServicerContext
    ) -> pb.GetApplicationToSignResponse:
        principal = self._principal(context)
        saga, mine, pdf = self.engine.application_to_sign(request.case_id, principal)
        response = pb.GetApplicationToSignResponse(
            pdf=pdf,
            form_sha256=form_sha256(application_pb2.ApplicationForm.FromString(saga.form)),
            signatures=[person_signature_message(r) for r in saga.signatures],
        )
        if mine is not None:
            response.request.CopyFrom(signature_request(saga, mine))
        return response

    def sign_application(
        self, request: pb.SignApplicationRequest, context: grpc.ServicerContext
    ) -> pb.SignApplicationResponse:
        principal = self._principal(context)
        for _ in range(SIGN_ATTEMPTS):
            target = self.engine.signing_target(request.case_id, principal)
            _check_reviewed(request, target)
            signed, serial = self._sign_for(target)
            try:
                self.engine.record_signature(target, principal, signed, serial)
                break
            except StaleApplicationPdf:
                continue
        else:
            raise Unavailable(
                "the application is being signed by others right now; try again",
                message_zh="其他签署人正在签署，请稍后重试",
            )
        log.info("case %s signed by %s", target.case_id, target.masked_id_number)
        _, application = self._load(request.case_id, _owner_view(principal), with_form=False)
        return pb.SignApplicationResponse(application=application)

    def decline_application(
        self, request: pb.DeclineApplicationRequest, context: grpc.ServicerContext
    ) -> pb.DeclineApplicationResponse:
        principal = self._principal(context)
        self.engine.decline(request.case_id, principal, request.reason)
        _, application = self._load(request.case_id, _owner_view(principal), with_form=False)
        return pb.DeclineApplicationResponse(application=application)

    def _sign_for(self, target: SigningTarget) -> tuple[bytes, str]:
        if self.person_signer is None:
            raise Unavailable(
                "this orchestrator has no signing server configured",
                message_zh="未配置签名服务",
            )
        key = signing_pb2.PersonKey(
            name=target.name,
            masked_id_number=target.masked_id_number,
            person_digest=target.person_digest,
        )
        spec = SignatureSpec(
            field_name=signature_field(target.position),
            reason="确认并签署公司设立登记申请 / confirms and signs the application",
            timestamp=True,
        )
        response = self.person_signer.sign_response(target.pdf, key, spec)
        return response.signed_pdf, response.certificate_serial


def signature_request(saga: Saga, row: PersonSignature) -> pb.SignatureRequest:
    message = pb.SignatureRequest(
        case_id=saga.id,
        company_name=saga.company_name,
        roles=list(row.roles),
        state=SIGNATURE_STATES.get(row.state, pb.SIGNATURE_STATE_UNSPECIFIED),
    )
    message.submitted_at.CopyFrom(timestamp(saga.submitted_at))
    set_time(message.expires_at, saga.signatures_due_at)
    return message


def _check_reviewed(request: pb.SignApplicationRequest, target: SigningTarget) -> None:
    """Refused unless the person signs the application they read."""
    if request.form_sha256 != target.form_sha256:
        raise Conflict(
            "the application differs from the one you reviewed (form_sha256); read it again "
            "before signing",
            message_zh="申请内容与您审阅的版本不一致，请重新审阅后再签署",
        )


def _owner_view(principal: Principal) -> Principal:
    """A signing person reads the case they signed as far as its progress goes: the engine
    checked they are named in it, so the answer is shown as to the platform itself."""
    return Principal(subject=principal.subject, role=Role.SYSTEM)
