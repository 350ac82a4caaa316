"""What the seal service tells about a company's seals: the seals themselves (owner, seal maker
or staff) and each seal's police filing."""

from __future__ import annotations

from onestop.seal.v1 import seal_pb2
from onestop_common.errors import InvalidInput, NotFound, violation
from onestop_common.identity import Principal
from onestop_common.participant import UnitOfWork
from svc_seal import domain, grpc_api
from svc_seal import store as db
from svc_seal.models import SealOrder


def list_seals(
    uow: UnitOfWork, principal: Principal, request: seal_pb2.ListSealsRequest
) -> seal_pb2.ListSealsResponse:
    session = uow.session
    if request.case_id:
        seals = db.seals_of_case(session, request.case_id)
    elif request.uscc:
        seals = db.seals_of_company(session, request.uscc.strip())
    else:
        raise InvalidInput.of(
            [
                violation(
                    "uscc",
                    "required",
                    "请提供统一社会信用代码或案件编号",
                    "give the company's USCC or the case id",
                )
            ]
        )
    if not seals:
        raise NotFound("no seals for this company or case", message_zh="该企业或案件没有印章记录")
    orders: dict[str, SealOrder] = {}
    for seal in seals:
        if seal.order_id not in orders:
            order = db.order_by_id(session, seal.order_id)
            assert order is not None  # a seal always belongs to an order (foreign key)
            grpc_api.require_can_see(principal, order)
            orders[order.id] = order
    return seal_pb2.ListSealsResponse(
        seals=[
            grpc_api.seal_message(s, orders[s.order_id], impression=request.include_impressions)
            for s in seals
        ]
    )


def seal_filing(uow: UnitOfWork, seal_code: str) -> seal_pb2.GetSealFilingResponse:
    problems = domain.seal_code_violations(seal_code.strip())
    if problems:
        raise InvalidInput.of(problems)
    seal = db.seal_by_code(uow.session, seal_code.strip())
    if seal is None or seal.filing_number is None:
        raise NotFound(
            f"seal {seal_code} has no police filing (unknown code, or not made yet)",
            message_zh=f"印章 {seal_code} 没有公安备案记录（编码不存在或尚未制作完成）",
        )
    order = db.order_by_id(uow.session, seal.order_id)
    assert order is not None  # a seal always belongs to an order (foreign key)
    return grpc_api.filing_message(seal, order)
