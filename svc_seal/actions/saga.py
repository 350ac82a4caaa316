"""The seal step of the saga: IssueSeals orders the case's seal set (made at once when it is
electronic only and the platform allows it, else queued for the seal maker), CheckApplication
runs the same rules on the form before the license exists, and the compensation RevokeSeals
revokes or cancels every seal of the case. Also the completion both the saga and the seal
maker's desk use: making the seals and answering the saga."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import replace

from sqlalchemy.orm import Session

from onestop.common.v1 import application_pb2, common_pb2
from onestop.seal.v1 import seal_pb2
from onestop_common import desk
from onestop_common.participant import UnitOfWork, run_saga_action
from svc_seal import domain, grpc_api
from svc_seal import store as db
from svc_seal.actions.crl import current_crl_number, issue_crl
from svc_seal.actions.env import Env
from svc_seal.domain import OrderState, SealState
from svc_seal.impression import SealKind, render_seal_pdf
from svc_seal.models import SealOrder, SealRecord, Task

log = logging.getLogger(__name__)

Outcome = common_pb2.Outcome
TASK_PREFIX = "SEAL"
TASK_KIND = "seal_order"
AUTO_DECISION = "auto:electronic-only"
ISSUE = "IssueSeals"


def issue_seals(
    uow: UnitOfWork, request: seal_pb2.IssueSealsRequest, env: Env
) -> seal_pb2.IssueSealsResponse:
    """Saga action: order the case's seal set (once per case, whatever the retries)."""
    response = run_saga_action(
        uow,
        ISSUE,
        request,
        seal_pb2.IssueSealsResponse,
        lambda uow: _order_seals(uow, request, env),
        compensated_by="RevokeSeals",
    )
    return response  # type: ignore[return-value]


def _order_seals(
    uow: UnitOfWork, request: seal_pb2.IssueSealsRequest, env: Env
) -> seal_pb2.IssueSealsResponse:
    session, context = uow.session, request.context
    existing = db.live_order_for_case(session, context.case_id)
    if existing is not None:
        # A repeated command under another key: answer with the order there is, never a second.
        return _order_response(session, existing, env)
    order_in = grpc_api.order_input(request)
    policy = domain.seal_policy()
    problems = domain.order_violations(order_in, policy)
    if problems:
        # The applicant's choices (the seal set, the name on the name seal) are sent back for a
        # correction; a problem with what the license gave (USCC, name, division) is final.
        correctable = domain.correctable(problems)
        log.info(
            "case %s: seal order %s (seal policy %s): %s",
            context.case_id,
            "sent back for correction" if correctable else "refused",
            policy.version,
            problems[0].message_en,
        )
        return seal_pb2.IssueSealsResponse(
            status=desk.step_status(
                Outcome.OUTCOME_CORRECTION_REQUESTED if correctable else Outcome.OUTCOME_REJECTED,
                decided_by=f"auto:{policy.version}",
                reason="the seal order cannot be made as requested",
                now=env.now,
                rejections=grpc_api.DESK.rejections(problems),
            ),
            seal_maker_id=env.settings.seal_maker_id,
        )
    planned = domain.plan_seals(order_in)
    order = _create_order(uow, request, order_in, planned, env)
    if domain.completes_automatically(planned, env.settings.auto_approve):
        seals = make_seals(uow, order, env)
        log.info("case %s: electronic-only seal set made automatically", order.case_id)
        return done_response(order, seals, env, decided_by=AUTO_DECISION)
    task = desk.open_task(
        session,
        Task,
        prefix=TASK_PREFIX,
        context=context,
        request=request,
        now=env.now,
        company_name=order.company_name,
        uscc=order.uscc,
        summary=domain.summary((p.kind, p.physical, p.electronic) for p in planned),
        assignee_org=order.seal_maker_id,
        kind=TASK_KIND,
        details=_task_details(order, planned),
    )
    order.task_id = task.id
    log.info("case %s: seal order %s queued for seal maker %s", order.case_id, order.id, task.id)
    return _order_response(session, order, env)


def check_application(
    request: application_pb2.CheckApplicationRequest,
) -> application_pb2.CheckApplicationResponse:
    """CheckApplication: the form against the rules IssueSeals runs (the seal policy, the kinds,
    physical or electronic, the name seal's text), with nothing read or written but the policy
    file. Only the USCC rule is skipped: the license does not exist yet. Fields are form paths."""
    policy = domain.seal_policy()
    problems = domain.order_violations(
        grpc_api.form_order_input(request.form), policy, licensed=False
    )
    at_form = [replace(p, field=domain.form_path(p.field)) for p in problems]
    return application_pb2.CheckApplicationResponse(
        rejections=grpc_api.DESK.rejections(at_form),
        participant=domain.PARTICIPANT,
        rule_set=policy.version[:64],
    )


def _create_order(
    uow: UnitOfWork,
    request: seal_pb2.IssueSealsRequest,
    order_in: domain.SealOrderInput,
    planned: Sequence[domain.PlannedSeal],
    env: Env,
) -> SealOrder:
    session, context = uow.session, request.context
    order = SealOrder(
        id=db.new_order_id(),
        case_id=context.case_id,
        applicant_id=context.applicant_id,
        uscc=order_in.uscc,
        company_name=order_in.company_name,
        legal_representative_name=order_in.legal_representative_name,
        division_code=order_in.division_code,
        seal_maker_id=env.settings.seal_maker_id,
        state=OrderState.ORDERED,
        idempotency_key=context.idempotency_key,
        created_at=env.now,
    )
    session.add(order)
    prefix = domain.seal_code_prefix(order_in.division_code, env.settings.seal_maker_id)
    codes = db.allocate_seal_codes(session, prefix, len(planned))
    for plan, code in zip(planned, codes, strict=True):
        spec = plan.spec(order_in, code)
        session.add(
            SealRecord(
                seal_code=code,
                order_id=order.id,
                case_id=order.case_id,
                uscc=order.uscc,
                kind=plan.kind.value,
                physical=plan.physical,
                electronic=plan.electronic,
                width_mm=plan.width_mm,
                height_mm=plan.height_mm,
                text=domain.seal_text(spec),
                state=SealState.ORDERED,
                # Drawn here, on the hub (~20 ms a seal): handing it to a native thread would yield
                # inside the transaction, and with SQLite every other green thread's BEGIN would
                # then block the hub on the write lock this transaction holds.
                impression_pdf=render_seal_pdf(spec),
                created_at=env.now,
            )
        )
    session.flush()
    return order


def _task_details(order: SealOrder, planned: Sequence[domain.PlannedSeal]) -> dict[str, str]:
    return {
        "legal_representative_name": order.legal_representative_name,
        "division_code": order.division_code,
        "order_id": order.id,
        "physical_seals": "、".join(p.kind.label_zh for p in planned if p.physical),
        "electronic_seals": "、".join(p.kind.label_zh for p in planned if p.electronic),
    }


def make_seals(uow: UnitOfWork, order: SealOrder, env: Env) -> list[SealRecord]:
    """Completion: a key and certificate for each electronic seal, a police filing for each."""
    seals = db.seals_of_order(uow.session, order.id)
    for seal in seals:
        if seal.state not in (SealState.ORDERED, SealState.ENGRAVED):
            continue
        if seal.electronic:
            issued = env.pki.certify(
                company_name=order.company_name,
                uscc=order.uscc,
                seal_type=SealKind(seal.kind).label_zh,
                seal_code=seal.seal_code,
            )
            seal.private_key = issued.encrypted_key
            seal.key_algorithm = issued.algorithm
            seal.certificate_pem = issued.pem
            seal.certificate_serial = issued.serial_hex
            seal.not_before = issued.certificate.not_valid_before_utc
            seal.not_after = issued.certificate.not_valid_after_utc
        seal.filing_number = domain.filing_number(seal.seal_code, env.now)
        seal.filed_at = env.now
        seal.state = SealState.ACTIVE
    order.state = OrderState.DONE
    order.completed_at = env.now
    uow.emit_event(
        seal_pb2.SealsIssued(
            case_id=order.case_id,
            uscc=order.uscc,
            seals=[grpc_api.seal_message(s, order, impression=False) for s in seals],
        ),
        "SealsIssued",
        case_id=order.case_id,
    )
    return seals


def done_response(
    order: SealOrder, seals: Iterable[SealRecord], env: Env, *, decided_by: str, task_id: str = ""
) -> seal_pb2.IssueSealsResponse:
    return seal_pb2.IssueSealsResponse(
        status=desk.step_status(
            Outcome.OUTCOME_DONE, decided_by=decided_by, task_id=task_id, now=env.now
        ),
        seals=[grpc_api.seal_message(seal, order) for seal in seals],
        seal_maker_id=order.seal_maker_id,
        seal_maker_name=seal_maker_name(order.seal_maker_id),
    )


def seal_maker_name(seal_maker_id: str) -> str:
    return f"刻章企业 {seal_maker_id}"


def _order_response(session: Session, order: SealOrder, env: Env) -> seal_pb2.IssueSealsResponse:
    seals = db.seals_of_order(session, order.id)
    if order.state == OrderState.DONE:
        task = session.get(Task, order.task_id) if order.task_id else None
        decided_by = task.decided_by if task is not None else AUTO_DECISION
        return done_response(order, seals, env, decided_by=decided_by, task_id=order.task_id)
    return seal_pb2.IssueSealsResponse(
        status=desk.step_status(Outcome.OUTCOME_ACCEPTED, task_id=order.task_id, now=env.now),
        seals=[grpc_api.seal_message(seal, order, impression=False) for seal in seals],
        seal_maker_id=order.seal_maker_id,
        seal_maker_name=seal_maker_name(order.seal_maker_id),
    )


# --------------------------------------------------------------------------- RevokeSeals


def revoke_seals(
    uow: UnitOfWork, request: seal_pb2.RevokeSealsRequest, env: Env
) -> seal_pb2.RevokeSealsResponse:
    """Compensation: every seal of the case revoked or cancelled, a fresh CRL, filings cancelled,
    the seal maker's open task withdrawn. Running it again changes nothing."""
    response = run_saga_action(
        uow,
        "RevokeSeals",
        request,
        seal_pb2.RevokeSealsResponse,
        lambda uow: _revoke_case(uow, request, env),
    )
    return response  # type: ignore[return-value]


def _revoke_case(
    uow: UnitOfWork, request: seal_pb2.RevokeSealsRequest, env: Env
) -> seal_pb2.RevokeSealsResponse:
    session, case_id = uow.session, request.context.case_id
    reason = request.reason or "the case was compensated"
    wall_now = env.pki.clock.now()
    revoked_certificate = False
    changed = []
    for seal in db.live_seals_of_case(session, case_id):
        if seal.state == SealState.ACTIVE:
            seal.state = SealState.REVOKED
            seal.revoked_at = env.now
            seal.revocation_reason = reason
            if seal.certificate_serial:
                seal.crl_revoked_at = wall_now
                revoked_certificate = True
        else:
            seal.state = SealState.CANCELLED
        if seal.filing_number and seal.filing_cancelled_at is None:
            seal.filing_cancelled_at = env.now
        changed.append(seal.seal_code)
    for order in db.orders_for_case(session, case_id):
        if order.state in (OrderState.ORDERED, OrderState.DONE):
            done = order.state == OrderState.DONE
            order.state = OrderState.REVOKED if done else OrderState.WITHDRAWN
            order.revoked_at = env.now
            order.reason = reason
    withdrawn = desk.cancel_case_tasks(session, Task, case_id, env.now, reason)
    crl_number = issue_crl(uow, env).crl_number if revoked_certificate else current_crl_number(uow)
    seals = db.seals_of_case(session, case_id)
    undone = [s.seal_code for s in seals if s.state in (SealState.REVOKED, SealState.CANCELLED)]
    if changed:
        uow.emit_event(
            seal_pb2.SealsRevoked(
                case_id=case_id,
                uscc=seals[0].uscc if seals else "",
                seal_codes=changed,
                reason=reason,
            ),
            "SealsRevoked",
            case_id=case_id,
        )
    log.info(
        "case %s: revoked/cancelled %d seal(s), withdrew %d task(s), CRL %d",
        case_id,
        len(changed),
        withdrawn,
        crl_number,
    )
    return seal_pb2.RevokeSealsResponse(
        status=desk.step_status(Outcome.OUTCOME_DONE, decided_by="platform", now=env.now),
        revoked_seal_codes=undone,
        crl_number=crl_number,
    )
