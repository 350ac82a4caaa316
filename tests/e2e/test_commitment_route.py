"""The commitment route (承诺制) through the whole platform: a company registered with a document
still missing, the document uploaded through the public API while the case runs, reviewed at the
registration desk, and the commitment fulfilled; the case then completes. The upload goes through
the public gRPC API and, in a second case, through the portal's case page."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, Protocol

import grpc
import httpx
import pytest
from grpc_status import rpc_status

from onestop.common.v1 import application_pb2, common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop_common.protoconv import rejections_from_status
from tests.e2e.conftest import Platform, User
from tests.e2e.pages import csrf_token, fresh_form, http_session
from tests.support.cases import watch_for
from tests.support.participant import credential
from tests.support.staff import Staff

# Run once (SQLite): the commitment's PostgreSQL paths are covered by
# tests/integration/test_registration_commitment.py.
pytestmark = pytest.mark.once

MATERIAL_CODE = "domicile_proof"
# Above gRPC's default 4 MB message limit, below the API's 10 MB material limit.
MATERIAL_BYTES = 6 * 1024 * 1024
API_LIMIT_BYTES = 10 * 1024 * 1024


def committed(form: application_pb2.ApplicationForm) -> application_pb2.ApplicationForm:
    form.commitment.CopyFrom(
        application_pb2.Commitment(
            materials=[
                application_pb2.MissingMaterial(
                    code=MATERIAL_CODE, name_zh="住所使用证明", name_en="proof of domicile"
                )
            ],
            commitment_text="本人承诺在60日内补交住所使用证明，逾期未补交的，登记机关可撤销登记。",
            agreed=True,
        )
    )
    return form


def step_state(app: pb.Application, name: str) -> int:
    return next(step.state for step in app.steps if step.name == name)


class Uploader(Protocol):
    def refuses_too_big(self, case_id: str) -> None: ...
    def supply(self, case_id: str, document: bytes) -> None: ...


class GrpcUpload:
    """FulfillCommitment as an integration partner (or the CLI) calls it."""

    def __init__(self, stub: pb_grpc.OneStopServiceStub, metadata: Any) -> None:
        self.stub, self.metadata = stub, metadata

    def _request(self, case_id: str, document: bytes) -> pb.FulfillCommitmentRequest:
        return pb.FulfillCommitmentRequest(
            case_id=case_id,
            material_code=MATERIAL_CODE,
            file_name="lease.pdf",
            content=document,
            content_type="application/pdf",
        )

    def refuses_too_big(self, case_id: str) -> None:
        too_big = self._request(case_id, b"%PDF-1.7\n" + b"0" * API_LIMIT_BYTES)
        with pytest.raises(grpc.RpcError) as refused:
            self.stub.FulfillCommitment(too_big, metadata=self.metadata, timeout=60)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        rejections = rejections_from_status(rpc_status.from_call(refused.value))
        assert [r.field for r in rejections] == ["content"]

    def supply(self, case_id: str, document: bytes) -> None:
        self.stub.FulfillCommitment(
            self._request(case_id, document), metadata=self.metadata, timeout=60
        )


class PortalUpload:
    """The upload form on the case page, as the entrepreneur's browser posts it."""

    def __init__(self, platform: Platform, user: User) -> None:
        self.client = http_session(platform, user)

    def _post(self, case_id: str, document: bytes) -> httpx.Response:
        return self.client.post(
            f"/cases/{case_id}/commitment",
            data={
                "csrf_token": csrf_token(self.client, f"/cases/{case_id}"),
                "material_code": MATERIAL_CODE,
            },
            files={"file": ("lease.pdf", document, "application/pdf")},
        )

    def refuses_too_big(self, case_id: str) -> None:
        response = self._post(case_id, b"%PDF-1.7\n" + b"0" * API_LIMIT_BYTES)
        assert response.status_code == 422
        assert "材料文件大小须在 1 字节到 10 MB 之间" in response.text

    def supply(self, case_id: str, document: bytes) -> None:
        response = self._post(case_id, document)
        assert response.status_code == 303, response.text[:500]


@pytest.fixture
def orchestrator(platform: Platform) -> Iterator[pb_grpc.OneStopServiceStub]:
    with grpc.insecure_channel(
        platform.settings.grpc_target("orchestrator"),
        options=[("grpc.max_send_message_length", API_LIMIT_BYTES * 2)],
    ) as channel:
        yield pb_grpc.OneStopServiceStub(channel)


@pytest.mark.parametrize("channel", ["grpc", "portal"])
def test_a_promised_document_is_uploaded_reviewed_and_the_commitment_fulfilled(
    platform: Platform, orchestrator: pb_grpc.OneStopServiceStub, channel: str
) -> None:
    settings = platform.settings
    user = platform.user("entrepreneur")
    applicant = user.username
    me = credential(settings, "entrepreneur", applicant)
    upload: Uploader = (
        GrpcUpload(orchestrator, me) if channel == "grpc" else PortalUpload(platform, user)
    )
    form = committed(fresh_form())
    # Every desk but the bank's: the case then waits at the bank while the document is handled.
    staff = Staff(settings, {"license", "seal", "invoice", "social_insurance"})
    try:
        submitted = orchestrator.SubmitApplication(
            pb.SubmitApplicationRequest(idempotency_key=applicant, form=form),
            metadata=me,
            timeout=60,
        ).application
        staff.cases.add(submitted.case_id)
        case_id = submitted.case_id
        waiting = watch_for(
            orchestrator,
            settings,
            case_id,
            lambda app: step_state(app, "bank") == common_pb2.STEP_STATE_ACCEPTED,
            applicant=applicant,
            timeout=120,
        )
        assert waiting.commitment.state == pb.COMMITMENT_STATE_OPEN
        assert [m.code for m in waiting.commitment.outstanding] == [MATERIAL_CODE]
        assert waiting.uscc, "the license was issued on the commitment"

        upload.refuses_too_big(case_id)
        document = b"%PDF-1.7\n" + os.urandom(MATERIAL_BYTES)
        upload.supply(case_id, document)
        supplied = orchestrator.GetApplication(
            pb.GetApplicationRequest(case_id=case_id), metadata=me, timeout=30
        ).application
        assert [m.code for m in supplied.commitment.supplied] == [MATERIAL_CODE]

        # The officer reviews the document at the registration desk and accepts it.
        fulfilled = watch_for(
            orchestrator,
            settings,
            case_id,
            lambda app: app.commitment.state == pb.COMMITMENT_STATE_FULFILLED,
            applicant=applicant,
            timeout=120,
        )
        assert not fulfilled.commitment.outstanding
        assert fulfilled.state == common_pb2.CASE_STATE_RUNNING
    finally:
        staff.close()

    bank = Staff(settings, {"bank"}, {form.bank.bank_code})
    try:
        bank.cases.add(case_id)
        final = watch_for(
            orchestrator,
            settings,
            case_id,
            lambda app: app.state == common_pb2.CASE_STATE_COMPLETED,
            applicant=applicant,
            timeout=120,
        )
    finally:
        bank.close()
    assert final.commitment.state == pb.COMMITMENT_STATE_FULFILLED
