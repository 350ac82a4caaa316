"""RevokeLicense, the compensation: withdraw the case's tasks, revoke its license and release or
hold its name; an unfulfilled commitment puts applicant and legal representative on the credit
list."""

from __future__ import annotations

import logging

from onestop.common.v1 import common_pb2
from onestop.registration.v1 import registration_pb2 as pb
from onestop_common import desk
from onestop_common.identifiers import mask_id_number
from onestop_common.participant import UnitOfWork
from onestop_common.protoconv import timestamp
from svc_registration import domain, store
from svc_registration.actions.env import Env, saga_action
from svc_registration.models import License, Task

log = logging.getLogger(__name__)

Outcome = common_pb2.Outcome


def _revoke(
    uow: UnitOfWork, request: pb.RevokeLicenseRequest, env: Env
) -> pb.RevokeLicenseResponse:
    ctx, session = request.context, uow.session
    reason = request.reason.strip() or "revoked"
    withdrawn = desk.cancel_case_tasks(session, Task, ctx.case_id, env.now, f"case {reason}")
    row = store.license_for_case(session, ctx.case_id)
    response = pb.RevokeLicenseResponse(
        status=desk.step_status(
            Outcome.OUTCOME_DONE, decided_by="platform", reason=reason, now=env.now
        )
    )
    if row is None:
        store.settle_names(session, ctx.case_id, store.RELEASED, env.now)
        log.info("case %s: nothing to revoke (%d task(s) withdrawn)", ctx.case_id, withdrawn)
        return response
    response.uscc = row.uscc
    if row.status != "revoked":
        row.status, row.revoked_at, row.revocation_reason = "revoked", env.now, reason
        overdue = reason == domain.COMMITMENT_OVERDUE
        for item in store.materials_of(session, ctx.case_id):
            if item.state != "accepted":
                item.state = "overdue" if overdue else "cancelled"
                item.decided_at = item.decided_at or env.now
        if row.commitment_state in ("open", "supplied"):
            row.commitment_state = "overdue" if overdue else "cancelled"
        store.retire_uscc(session, row.uscc, env.now)
        store.settle_names(session, ctx.case_id, store.DEREGISTERED, env.now)
        event = pb.LicenseRevoked(case_id=ctx.case_id, uscc=row.uscc, reason=reason)
        event.revoked_at.CopyFrom(timestamp(env.now))
        uow.emit_event(event, "LicenseRevoked", case_id=ctx.case_id)
        log.info("case %s: license %s revoked (%s)", ctx.case_id, row.uscc, reason)
    if row.revocation_reason == domain.COMMITMENT_OVERDUE:
        _record_dishonesty(uow, row, env)
    assert row.revoked_at is not None
    response.revoked_at.CopyFrom(timestamp(row.revoked_at))
    return response


def _record_dishonesty(uow: UnitOfWork, row: License, env: Env) -> None:
    """失信惩戒: the applicant's account and the legal representative go on the credit list."""
    text = domain.credit_reason_for_overdue(row.case_id, row.company_name)
    origin = f"case:{row.case_id}"
    source = (
        f"{domain.REGISTRATION_AUTHORITY_ZH}: registration revoked for an unfulfilled commitment"
    )
    store.add_credit(
        uow.session,
        kind="account",
        subject_id=row.applicant_id,
        person_name="",
        reason=text,
        origin=origin,
        source=source,
        now=env.now,
    )
    if row.legal_rep_id_number:
        store.add_credit(
            uow.session,
            kind="id_number",
            subject_id=row.legal_rep_id_number,
            person_name=row.legal_representative,
            reason=text,
            origin=origin,
            source=source,
            now=env.now,
        )
    log.info(
        "case %s: applicant %s and legal representative %s recorded on the credit list",
        row.case_id,
        row.applicant_id,
        mask_id_number(row.legal_rep_id_number),
    )


revoke_license = saga_action("RevokeLicense", pb.RevokeLicenseResponse, _revoke)
