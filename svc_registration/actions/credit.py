"""The bad-credit list: officers read it, administrators add and remove entries."""

from __future__ import annotations

from onestop.registration.v1 import registration_pb2 as pb
from onestop_common.errors import InvalidInput, violation
from onestop_common.identifiers import validate_citizen_id
from onestop_common.identity import Principal, Role, require_role
from onestop_common.participant import UnitOfWork
from svc_registration import grpc_api, store
from svc_registration.actions.env import Env


def list_credit(
    uow: UnitOfWork, principal: Principal, request: pb.ListCreditEntriesRequest, env: Env
) -> pb.ListCreditEntriesResponse:
    require_role(principal, frozenset({Role.OFFICER}))
    version, rows = store.list_credit(
        uow.session, include_removed=request.include_removed, now=env.now
    )
    return pb.ListCreditEntriesResponse(
        entries=[grpc_api.credit_entry(row, reveal=True) for row in rows], seed_version=version
    )


def add_credit(
    uow: UnitOfWork, principal: Principal, request: pb.AddCreditEntryRequest, env: Env
) -> pb.AddCreditEntryResponse:
    require_role(principal, frozenset({Role.ADMIN}))
    kind = grpc_api.CREDIT_KINDS.get(request.subject_kind)
    subject = request.subject_id.strip()
    found = []
    if kind is None:
        found.append(
            violation(
                "subject_kind", "required", "请选择名单对象类型", "choose the kind of subject"
            )
        )
    if not subject:
        found.append(violation("subject_id", "required", "请填写对象标识", "give the subject id"))
    elif kind == "id_number" and len(subject) == 18:
        verdict = validate_citizen_id(subject, today=env.today)
        if not verdict.ok:
            found.append(
                violation(
                    "subject_id", f"id_number.{verdict.rule}", verdict.reason_zh, verdict.reason_en
                )
            )
    if not request.reason.strip():
        found.append(violation("reason", "required", "请说明列入理由", "give the reason"))
    if found:
        raise InvalidInput.of(found)
    assert kind is not None
    row = store.add_credit(
        uow.session,
        kind=kind,
        subject_id=subject,
        person_name=request.person_name,
        reason=request.reason.strip(),
        origin=f"admin:{principal.subject}",
        source=request.source.strip() or f"entered by administrator {principal.subject}",
        now=env.now,
    )
    return pb.AddCreditEntryResponse(entry=grpc_api.credit_entry(row, reveal=True))


def remove_credit(
    uow: UnitOfWork, principal: Principal, request: pb.RemoveCreditEntryRequest, env: Env
) -> pb.RemoveCreditEntryResponse:
    require_role(principal, frozenset({Role.ADMIN}))
    row = store.remove_credit(
        uow.session, request.entry_id, by=principal.subject, reason=request.reason, now=env.now
    )
    return pb.RemoveCreditEntryResponse(entry=grpc_api.credit_entry(row, reveal=True))
