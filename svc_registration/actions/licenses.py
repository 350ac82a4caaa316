"""Reading issued licenses: a license with its PDF, and the public status lookup by USCC."""

from __future__ import annotations

from onestop.registration.v1 import registration_pb2 as pb
from onestop_common.errors import InvalidInput, NotFound, violation
from onestop_common.identifiers import validate_uscc
from onestop_common.identity import Principal
from onestop_common.participant import UnitOfWork
from svc_registration import grpc_api, store


def get_license(
    uow: UnitOfWork, principal: Principal, request: pb.GetLicenseRequest
) -> pb.GetLicenseResponse:
    if not request.uscc and not request.case_id:
        raise InvalidInput.of(
            [
                violation(
                    "uscc", "required", "请提供统一社会信用代码或案件号", "give a USCC or a case id"
                )
            ]
        )
    row = store.find_license(uow.session, uscc=request.uscc, case_id=request.case_id)
    grpc_api.require_license_reader(principal, row)
    materials = store.materials_of(uow.session, row.case_id)
    return pb.GetLicenseResponse(license=grpc_api.license_message(row, materials), pdf=row.pdf)


def _checked_uscc(uscc: str) -> str:
    verdict = validate_uscc(uscc)
    if verdict.status == "invalid":
        raise InvalidInput.of(
            [violation("uscc", f"uscc.{verdict.rule}", verdict.reason_zh, verdict.reason_en)]
        )
    return uscc


def get_license_status(
    uow: UnitOfWork, request: pb.GetLicenseStatusRequest
) -> pb.GetLicenseStatusResponse:
    uscc = _checked_uscc(request.uscc)
    row = store.license_by_uscc(uow.session, uscc)
    if row is None:
        raise NotFound(
            f"no license with USCC {uscc} was issued by this registration authority",
            message_zh=f"本登记机关未核发统一社会信用代码为 {uscc} 的营业执照",
        )
    number = request.license_number.strip()
    if number and number != row.license_number:
        # Answered like an unknown license: the pair printed together must match.
        raise NotFound(
            f"no license with USCC {uscc} and license number {number} was issued by this "
            "registration authority",
            message_zh=f"本登记机关未核发统一社会信用代码为 {uscc}、执照编号为 {number} 的营业执照",
        )
    return grpc_api.status_response(row)
