"""The seal service's use cases, each one state change in one unit of work: order a seal set,
the seal maker's desk (accept, engrave, complete, reject), revoke a case's seals, keep the seal
CA's CRL fresh, authorise users to sign, and seal a PDF with an electronic seal (entered in the
seal usage register)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from onestop.common.v1 import application_pb2, common_pb2
from onestop.seal.v1 import seal_pb2
from onestop_common import desk, signing
from onestop_common.calendar import BusinessCalendar
from onestop_common.errors import Conflict, InvalidInput, NotFound, Unavailable, violation
from onestop_common.identity import Principal
from onestop_common.nameko_kit import Store, UnitOfWork, run_saga_action
from onestop_common.protoconv import timestamp
from onestop_common.settings import Settings
from onestop_common.signer_client import SignatureSpec
from svc_seal import domain, grpc_api
from svc_seal import store as db
from svc_seal.dependencies import SealPki
from svc_seal.documents import inspect_pdf
from svc_seal.domain import Capacity, OrderState, SealState
from svc_seal.impression import SealKind, render_seal_pdf
from svc_seal.models import (
    AuthorisedSigner,
    IssuedCrl,
    SealOrder,
    SealRecord,
    SealUsageRecord,
    Task,
)

log = logging.getLogger(__name__)

Outcome = common_pb2.Outcome
TASK_PREFIX = "SEAL"
TASK_KIND = "seal_order"
AUTO_DECISION = "auto:electronic-only"


@cache
def business_calendar() -> BusinessCalendar:
    return BusinessCalendar()


@dataclass(frozen=True)
class Env:
    """What every use case needs besides its unit of work."""

    settings: Settings
    pki: SealPki
    # Business time (Asia/Shanghai) for records; PKI artefacts use ``pki.clock`` (wall time).
    now: datetime

    @property
    def calendar(self) -> BusinessCalendar:
        return business_calendar()


# --------------------------------------------------------------------------- IssueSeals


def issue_seals(
    uow: UnitOfWork, request: seal_pb2.IssueSealsRequest, env: Env
) -> seal_pb2.IssueSealsResponse:
    """Saga action: order the case's seal set (once per case, whatever the retries)."""
    response = run_saga_action(
        uow,
        "IssueSeals",
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
                rejections=grpc_api.participant_rejections(problems),
            ),
            seal_maker_id=env.settings.seal_maker_id,
        )
    planned = domain.plan_seals(order_in)
    order = _create_order(uow, request, order_in, planned, env)
    if domain.completes_automatically(planned, env.settings.auto_approve):
        seals = _make_seals(uow, order, env)
        log.info("case %s: electronic-only seal set made automatically", order.case_id)
        return _done_response(order, seals, env, decided_by=AUTO_DECISION)
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
        rejections=grpc_api.participant_rejections(at_form),
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


def _make_seals(uow: UnitOfWork, order: SealOrder, env: Env) -> list[SealRecord]:
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


def _done_response(
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
        return _done_response(order, seals, env, decided_by=decided_by, task_id=order.task_id)
    return seal_pb2.IssueSealsResponse(
        status=desk.step_status(Outcome.OUTCOME_ACCEPTED, task_id=order.task_id, now=env.now),
        seals=[grpc_api.seal_message(seal, order, impression=False) for seal in seals],
        seal_maker_id=order.seal_maker_id,
        seal_maker_name=seal_maker_name(order.seal_maker_id),
    )


def _answer_saga(uow: UnitOfWork, task: Task, response: seal_pb2.IssueSealsResponse) -> None:
    """The later result of the human step, routed to the orchestrator; a repeated command for
    the same key now gets this final answer instead of "accepted"."""
    context = task.command_context
    response.context.CopyFrom(context)
    uow.emit_result("IssueSeals", response)
    stored = uow.remembered(context.idempotency_key) if context.idempotency_key else None
    if stored is not None:
        stored.result = response.SerializeToString()


# --------------------------------------------------------------------------- the desk


def _task_for(
    uow: UnitOfWork, principal: Principal, task_id: str, *, for_update: bool = False
) -> tuple[Task, SealOrder]:
    task = desk.get_task(
        uow.session, Task, task_id, principal, org_scoped=True, for_update=for_update
    )
    order = db.order_by_task(uow.session, task.id, for_update=for_update)
    if order is None:
        raise NotFound(
            f"task {task_id} has no seal order", message_zh=f"任务 {task_id} 没有印章订单"
        )
    return task, order  # type: ignore[return-value]


def list_tasks(
    uow: UnitOfWork, principal: Principal, request: seal_pb2.ListTasksRequest, env: Env
) -> seal_pb2.ListTasksResponse:
    tasks, token = desk.list_tasks(uow.session, Task, principal, request.query, org_scoped=True)
    return seal_pb2.ListTasksResponse(
        tasks=[desk.task_message(task, env.calendar, env.now) for task in tasks],
        next_page_token=token,
    )


def get_task(
    uow: UnitOfWork, principal: Principal, task_id: str, env: Env
) -> seal_pb2.GetTaskResponse:
    task, order = _task_for(uow, principal, task_id)
    return seal_pb2.GetTaskResponse(
        task=desk.task_message(task, env.calendar, env.now),
        seals=[grpc_api.seal_message(s, order) for s in db.seals_of_order(uow.session, order.id)],
    )


def claim_task(
    uow: UnitOfWork, principal: Principal, task_id: str, env: Env
) -> seal_pb2.ClaimTaskResponse:
    task, order = _task_for(uow, principal, task_id, for_update=True)
    desk.claim(task, principal)
    log.info("case %s: seal order %s accepted by %s", task.case_id, order.id, principal.subject)
    return seal_pb2.ClaimTaskResponse(task=desk.task_message(task, env.calendar, env.now))


def mark_engraved(
    uow: UnitOfWork, principal: Principal, request: seal_pb2.MarkEngravedRequest, env: Env
) -> seal_pb2.MarkEngravedResponse:
    task, order = _task_for(uow, principal, request.task_id, for_update=True)
    desk.ensure_decidable(task, principal)
    seals = db.seals_of_order(uow.session, order.id)
    chosen, problems = domain.engrave_selection(
        [db.facts(s) for s in seals], list(request.seal_codes)
    )
    if problems:
        raise InvalidInput.of(problems)
    for seal in seals:
        if seal.seal_code in chosen:
            seal.state = SealState.ENGRAVED
            seal.engraved_at = env.now
    log.info("case %s: engraved %s", task.case_id, ", ".join(chosen) or "nothing new")
    return seal_pb2.MarkEngravedResponse(
        task=desk.task_message(task, env.calendar, env.now),
        seals=[grpc_api.seal_message(s, order, impression=False) for s in seals],
    )


def complete_task(
    uow: UnitOfWork, principal: Principal, task_id: str, env: Env
) -> seal_pb2.CompleteTaskResponse:
    task, order = _task_for(uow, principal, task_id, for_update=True)
    desk.ensure_decidable(task, principal)
    missing = domain.not_engraved(db.facts(s) for s in db.seals_of_order(uow.session, order.id))
    if missing:
        raise Conflict(
            f"physical seals {', '.join(missing)} are not engraved yet; mark them engraved first",
            message_zh=f"实物印章 {'、'.join(missing)} 尚未刻制完成，请先标记为已刻制",
        )
    seals = _make_seals(uow, order, env)
    desk.decide(task, principal, desk.DONE, env.now)
    _answer_saga(
        uow, task, _done_response(order, seals, env, decided_by=principal.subject, task_id=task.id)
    )
    log.info("case %s: seal order %s completed by %s", task.case_id, order.id, principal.subject)
    return seal_pb2.CompleteTaskResponse(
        task=desk.task_message(task, env.calendar, env.now),
        seals=[grpc_api.seal_message(s, order) for s in seals],
    )


def reject_task(
    uow: UnitOfWork, principal: Principal, request: seal_pb2.RejectTaskRequest, env: Env
) -> seal_pb2.RejectTaskResponse:
    reason = request.reason.strip()
    if not reason:
        raise InvalidInput.of(
            [
                violation(
                    "reason",
                    "required",
                    "拒绝订单须说明理由",
                    "say why the order is rejected",
                )
            ]
        )
    if request.correctable:
        return _return_for_correction(uow, principal, request, reason, env)
    task, order = _task_for(uow, principal, request.task_id, for_update=True)
    desk.decide(task, principal, desk.REJECTED, env.now, reason)
    for seal in db.seals_of_order(uow.session, order.id):
        seal.state = SealState.CANCELLED
    order.state = OrderState.REJECTED
    order.reason = reason
    refusal = violation(
        "seals", "seal_maker_rejected", f"刻章企业拒绝了订单：{reason}", f"the seal maker: {reason}"
    )
    _answer_saga(
        uow,
        task,
        seal_pb2.IssueSealsResponse(
            status=desk.step_status(
                Outcome.OUTCOME_REJECTED,
                decided_by=principal.subject,
                reason=reason,
                task_id=task.id,
                now=env.now,
                rejections=grpc_api.participant_rejections([refusal]),
            ),
            seal_maker_id=order.seal_maker_id,
            seal_maker_name=seal_maker_name(order.seal_maker_id),
        ),
    )
    log.info("case %s: seal order %s rejected by %s", task.case_id, order.id, principal.subject)
    return seal_pb2.RejectTaskResponse(task=desk.task_message(task, env.calendar, env.now))


def _return_for_correction(
    uow: UnitOfWork,
    principal: Principal,
    request: seal_pb2.RejectTaskRequest,
    reason: str,
    env: Env,
) -> seal_pb2.RejectTaskResponse:
    """The seal maker sends the order back for the applicant to correct the named fields: the
    task is closed and the order withdrawn (its seals were never made), so nothing of it stays
    live; the corrected order comes as a fresh IssueSeals for the same case."""
    fields = grpc_api.correction_fields(request.fields, reason)
    task, order = _task_for(uow, principal, request.task_id, for_update=True)
    desk.decide(task, principal, desk.REJECTED, env.now, reason)
    task.details = {**task.details, "correction_requested": "; ".join(f.field for f in fields)}
    for seal in db.seals_of_order(uow.session, order.id):
        seal.state = SealState.CANCELLED
    order.state = OrderState.WITHDRAWN
    order.reason = f"returned for correction: {reason}"
    _answer_saga(
        uow,
        task,
        seal_pb2.IssueSealsResponse(
            status=desk.step_status(
                Outcome.OUTCOME_CORRECTION_REQUESTED,
                decided_by=principal.subject,
                reason=reason,
                task_id=task.id,
                now=env.now,
                rejections=fields,
            ),
            seal_maker_id=order.seal_maker_id,
            seal_maker_name=seal_maker_name(order.seal_maker_id),
        ),
    )
    log.info(
        "case %s: seal order %s returned for correction by %s",
        task.case_id,
        order.id,
        principal.subject,
    )
    return seal_pb2.RejectTaskResponse(task=desk.task_message(task, env.calendar, env.now))


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


# --------------------------------------------------------------------------- the CRL

# The PKI's init wrote CRL number 1 for the seal CA into the PKI directory; ours follow it.
_FIRST_CRL_NUMBER = 2


def issue_crl(uow: UnitOfWork, env: Env) -> IssuedCrl:
    """A new CRL of the seal CA listing every revoked seal certificate, with the next number."""
    session = uow.session
    number = max(db.last_crl_number(session) + 1, _FIRST_CRL_NUMBER)
    revoked = db.revoked_certificates(session)
    now = env.pki.clock.now()
    der, next_update = env.pki.build_crl(revoked, number, now)
    return db.save_crl(
        session,
        crl_number=number,
        this_update=now,
        next_update=next_update,
        revoked_count=len(revoked),
        der=der,
    )


def current_crl_number(uow: UnitOfWork) -> int:
    return db.last_crl_number(uow.session)


def fresh_crl(uow: UnitOfWork, env: Env) -> IssuedCrl:
    """The current CRL, re-issued first when none exists or it is getting old."""
    current = db.current_crl(uow.session)
    now = env.pki.clock.now()
    if current is None or domain.crl_due(current.this_update, current.next_update, now):
        return issue_crl(uow, env)
    return current


@dataclass(frozen=True)
class CrlCopy:
    der: bytes
    crl_number: int
    next_update: datetime


_CRL_ATTEMPTS = 3


def current_crl(store: Store, env: Env) -> CrlCopy:
    """``fresh_crl`` in its own transaction. Two workers renewing at once (PostgreSQL) collide
    on the CRL number; the loser reads the winner's CRL, which is just as fresh."""
    for attempt in range(1, _CRL_ATTEMPTS + 1):
        try:
            with store.transaction() as uow:
                crl = fresh_crl(uow, env)
                return CrlCopy(crl.der, crl.crl_number, crl.next_update)
        except IntegrityError:
            if attempt == _CRL_ATTEMPTS:
                raise
            log.info("another worker issued the seal CRL at the same moment; reading theirs")
    raise AssertionError("unreachable")


def get_crl(store: Store, env: Env) -> seal_pb2.GetCrlResponse:
    crl = current_crl(store, env)
    response = seal_pb2.GetCrlResponse(crl_der=crl.der, crl_number=crl.crl_number)
    response.next_update.CopyFrom(timestamp(crl.next_update))
    return response


# --------------------------------------------------------------------------- reading


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


def filing_record(uow: UnitOfWork, seal_code: str) -> dict[str, object]:
    """The ``seal_filing`` RPC's answer: never an error, "unknown" for what is not on file."""
    code = str(seal_code).strip()
    return grpc_api.filing_dict(db.seal_by_code(uow.session, code), code)


# --------------------------------------------------------------------------- authorised users

_GRANT_ATTEMPTS = 3


def _company(uow: UnitOfWork, uscc: str) -> SealOrder:
    """The order that names the company's owner; the USCC is required and must be known."""
    if not uscc:
        raise InvalidInput.of(
            [
                violation(
                    "uscc", "required", "请提供企业的统一社会信用代码", "give the company's USCC"
                )
            ]
        )
    owner = db.owner_of_company(uow.session, uscc)
    if owner is None:
        raise NotFound(f"company {uscc} has no seals here", message_zh=f"企业 {uscc} 没有印章记录")
    return owner


def _company_owner(uow: UnitOfWork, principal: Principal, uscc: str) -> SealOrder:
    """As ``_company``, after checking the caller owns the company (or administers)."""
    owner = _company(uow, uscc)
    grpc_api.require_owner(principal, owner)
    return owner


def _signer_message(signer: AuthorisedSigner, env: Env) -> seal_pb2.Signer:
    return grpc_api.signer_message(signer, active=db.grant_facts(signer).active(env.now))


def authorise_signer(
    store: Store, principal: Principal, request: seal_pb2.AuthoriseSignerRequest, env: Env
) -> seal_pb2.AuthoriseSignerResponse:
    """Grant (or re-grant) an authorised user, in one transaction. Two first grants of the same
    subject at once collide on the unique (uscc, subject); the loser retries and replaces."""
    for attempt in range(1, _GRANT_ATTEMPTS + 1):
        try:
            with store.transaction() as uow:
                return _grant(uow, principal, request, env)
        except IntegrityError:
            if attempt == _GRANT_ATTEMPTS:
                raise
            log.info("a grant to the same subject was written at the same moment; granting again")
    raise AssertionError("unreachable")


def _grant(
    uow: UnitOfWork, principal: Principal, request: seal_pb2.AuthoriseSignerRequest, env: Env
) -> seal_pb2.AuthoriseSignerResponse:
    session, uscc = uow.session, request.uscc.strip()
    owner = _company_owner(uow, principal, uscc)
    grant_in = grpc_api.grant_input(request)
    company_kinds = db.electronic_kinds(session, uscc)
    problems = domain.grant_violations(
        grant_in, owner=owner.applicant_id, company_kinds=company_kinds, now=env.now
    )
    if problems:
        raise InvalidInput.of(problems)
    kinds = [kind.value for kind in domain.granted_kinds(grant_in.kinds, company_kinds)]
    signer = db.signer_of(session, uscc, grant_in.subject, for_update=True)
    if signer is None:
        signer = AuthorisedSigner(uscc=uscc, subject=grant_in.subject)
        session.add(signer)
    elif (
        signer.revoked_at is None
        and signer.kinds == kinds
        and signer.valid_until == grant_in.valid_until
        and signer.note == grant_in.note
    ):
        return seal_pb2.AuthoriseSignerResponse(signer=_signer_message(signer, env))
    signer.kinds = kinds
    signer.valid_until = grant_in.valid_until
    signer.note = grant_in.note
    signer.granted_by = principal.subject
    signer.granted_at = env.now
    signer.revoked_at = None
    signer.revoked_by = ""
    signer.revoke_reason = ""
    session.flush()
    log.info(
        "company %s: %s authorised to sign with %s until %s (by %s)",
        uscc,
        signer.subject,
        ", ".join(kinds),
        signer.valid_until.isoformat() if signer.valid_until else "revoked",
        principal.subject,
    )
    return seal_pb2.AuthoriseSignerResponse(signer=_signer_message(signer, env))


def revoke_signer(
    uow: UnitOfWork, principal: Principal, request: seal_pb2.RevokeSignerRequest, env: Env
) -> seal_pb2.RevokeSignerResponse:
    """Withdraw an authorisation; revoking again changes nothing (the first who/when/why stay)."""
    session, uscc = uow.session, request.uscc.strip()
    _company_owner(uow, principal, uscc)
    subject, reason = request.subject.strip(), request.reason.strip()
    problems = domain.revoke_violations(subject, reason)
    if problems:
        raise InvalidInput.of(problems)
    signer = db.signer_of(session, uscc, subject, for_update=True)
    if signer is None:
        raise NotFound(
            f"{subject} is not an authorised user of company {uscc}",
            message_zh=f"{subject} 不是企业 {uscc} 的被授权用印人",
        )
    if signer.revoked_at is None:
        signer.revoked_at = env.now
        signer.revoked_by = principal.subject
        signer.revoke_reason = reason
        log.info("company %s: authorisation of %s revoked by %s", uscc, subject, principal.subject)
    return seal_pb2.RevokeSignerResponse(signer=_signer_message(signer, env))


def list_signers(
    uow: UnitOfWork, principal: Principal, request: seal_pb2.ListSignersRequest, env: Env
) -> seal_pb2.ListSignersResponse:
    """The owner and administrators see every authorised user; an authorised user only itself."""
    session, uscc = uow.session, request.uscc.strip()
    owner = _company(uow, uscc)
    capacity = grpc_api.signing_capacity(principal, owner)
    if capacity is None:
        own = db.signer_of(session, uscc, principal.subject)
        if own is None:
            raise grpc_api.not_owner(principal, owner)
        mine = [own] if request.include_revoked or own.revoked_at is None else []
        return seal_pb2.ListSignersResponse(
            signers=[_signer_message(s, env) for s in mine],
            caller_capacity=seal_pb2.SIGNER_CAPACITY_AUTHORISED_USER,
        )
    signers = db.signers_of_company(session, uscc, include_revoked=request.include_revoked)
    return seal_pb2.ListSignersResponse(
        signers=[_signer_message(s, env) for s in signers],
        caller_capacity=grpc_api.CAPACITY_TO_PROTO[capacity],
    )


# --------------------------------------------------------------------------- usage register

_DEFAULT_PAGE = 50
_MAX_PAGE = 200


def list_seal_usages(
    uow: UnitOfWork, principal: Principal, request: seal_pb2.ListSealUsagesRequest
) -> seal_pb2.ListSealUsagesResponse:
    """The company's seal usage register, newest first; the page token is the last entry's id."""
    uscc = request.uscc.strip()
    _company_owner(uow, principal, uscc)
    problems = []
    if request.page_size < 0:
        problems.append(
            violation(
                "page_size",
                "not_negative",
                "每页条数不能为负数",
                "page_size must not be negative",
            )
        )
    token = request.page_token.strip()
    if token and not token.isdigit():
        problems.append(
            violation(
                "page_token",
                "format",
                "分页标记无效，请使用上一页返回的 next_page_token",
                "invalid page_token; pass the next_page_token of the previous page",
            )
        )
    if problems:
        raise InvalidInput.of(problems)
    size = min(request.page_size or _DEFAULT_PAGE, _MAX_PAGE)
    rows = db.usages_of_company(
        uow.session, uscc, before_id=int(token) if token else None, limit=size + 1
    )
    page = rows[:size]
    return seal_pb2.ListSealUsagesResponse(
        usages=[grpc_api.usage_message(row) for row in page],
        next_page_token=str(page[-1].id) if len(rows) > size else "",
    )


# --------------------------------------------------------------------------- SignPdf


@dataclass(frozen=True, repr=False)
class _SignJob:
    seal_code: str
    kind: SealKind
    encrypted_key: bytes
    certificate_pem: str
    certificate_serial: str
    impression_pdf: bytes
    box: tuple[float, float, float, float]
    page: int
    field_name: str
    reason: str
    capacity: Capacity


def sign_pdf(
    store: Store, principal: Principal, request: seal_pb2.SignPdfRequest, env: Env
) -> seal_pb2.SignPdfResponse:
    """Seal a PDF: checks and reads in one short transaction, the CRL in another, then signing
    (with the TSA round trip) outside any transaction, then the usage register entry in a last
    short one. Bad input changes nothing; no signed PDF leaves without its register entry."""
    with store.transaction() as uow:
        job = _plan_signature(uow, principal, request, env)
    crl_der = current_crl(store, env).der
    try:
        signed = _sign(job, request, env, crl_der)
    except Unavailable as error:
        raise Unavailable(
            f"the platform signing server or timestamp authority did not answer; retry later "
            f"({error.message})",
            message_zh="平台签名服务或时间戳服务暂不可用，请稍后重试",
        ) from error
    except InvalidInput as error:
        cause = error.violations[0].message_en if error.violations else error.message
        raise InvalidInput.of(
            [
                violation(
                    "pdf",
                    "pdf_signable",
                    "该PDF无法加盖电子印章",
                    f"the PDF cannot be sealed: {cause}",
                )
            ]
        ) from error
    _register_usage(store, principal, request, job, signed, env)
    log.info(
        "sealed a PDF with seal %s (field %s) for %s as %s",
        job.seal_code,
        job.field_name,
        principal.subject,
        job.capacity,
    )
    return seal_pb2.SignPdfResponse(
        signed_pdf=signed,
        field_name=job.field_name,
        seal_code=job.seal_code,
        certificate_serial=job.certificate_serial,
    )


def _sign(job: _SignJob, request: seal_pb2.SignPdfRequest, env: Env, crl_der: bytes) -> bytes:
    spec = SignatureSpec(
        field_name=job.field_name,
        reason=job.reason,
        location=request.location.strip() or None,
        timestamp=True,
        appearance=signing.Appearance(pdf=job.impression_pdf, box=job.box, page=job.page),
        embed_validation=True,
        crls=env.pki.validation_crls(crl_der),
    )
    return env.pki.sign_with_seal(
        request.pdf, job.encrypted_key, job.certificate_pem, spec
    ).signed_pdf


def _register_usage(
    store: Store,
    principal: Principal,
    request: seal_pb2.SignPdfRequest,
    job: _SignJob,
    signed: bytes,
    env: Env,
) -> None:
    """One row of the seal usage register, once the signature exists."""
    try:
        with store.transaction() as uow:
            uow.session.add(
                SealUsageRecord(
                    seal_code=job.seal_code,
                    uscc=request.uscc.strip(),
                    kind=job.kind.value,
                    signer=principal.subject,
                    capacity=job.capacity.value,
                    certificate_serial=job.certificate_serial,
                    input_sha256=hashlib.sha256(request.pdf).hexdigest(),
                    signed_sha256=hashlib.sha256(signed).hexdigest(),
                    field_name=job.field_name,
                    reason=job.reason,
                    signed_at=env.now,
                )
            )
    except SQLAlchemyError as error:
        log.error("seal %s: usage register not written, signed PDF withheld", job.seal_code)
        raise Unavailable(
            "the seal usage register could not be written, so the signed PDF is withheld; "
            "retry later",
            message_zh="用印登记写入失败，已签章文件不予返回，请稍后重试",
        ) from error


def _plan_signature(
    uow: UnitOfWork, principal: Principal, request: seal_pb2.SignPdfRequest, env: Env
) -> _SignJob:
    grpc_api.require_signer_role(principal)
    uscc = request.uscc.strip()
    if not uscc:
        raise InvalidInput.of(
            [
                violation(
                    "uscc",
                    "required",
                    "请提供盖章企业的统一社会信用代码",
                    "give the USCC of the company whose seal signs",
                )
            ]
        )
    owner = db.owner_of_company(uow.session, uscc)
    if owner is None:
        raise NotFound(f"company {uscc} has no seals here", message_zh=f"企业 {uscc} 没有印章记录")
    capacity = grpc_api.signing_capacity(principal, owner)
    grant = None
    if capacity is None:
        # Refused before anything about the company's seals is told to a stranger.
        row = db.signer_of(uow.session, uscc, principal.subject)
        grant = db.grant_facts(row) if row is not None else None
        refusal = domain.grant_refusal(principal.subject, grant, env.now)
        if refusal is not None:
            raise grpc_api.refuse(refusal)
    seal = _chosen_seal(uow, uscc, request)
    kind = SealKind(seal.kind)
    if grant is not None:
        refusal = domain.kind_refusal(principal.subject, grant, kind)
        if refusal is not None:
            raise grpc_api.refuse(refusal)
    facts = inspect_pdf(request.pdf)
    problems = domain.placement_violations(facts.pages, request.page, request.x, request.y, kind)
    if problems:
        raise InvalidInput.of(problems)
    width, height = domain.impression_size_pt(kind)
    assert seal.private_key is not None  # an active electronic seal has its key
    return _SignJob(
        seal_code=seal.seal_code,
        kind=kind,
        encrypted_key=seal.private_key,
        certificate_pem=seal.certificate_pem,
        certificate_serial=seal.certificate_serial or "",
        impression_pdf=seal.impression_pdf,
        box=(request.x, request.y, request.x + width, request.y + height),
        page=request.page,
        field_name=domain.signature_field_name(seal.seal_code, facts.field_names),
        reason=request.reason.strip() or f"加盖{kind.label_zh}",
        capacity=capacity or Capacity.AUTHORISED_USER,
    )


def _chosen_seal(uow: UnitOfWork, uscc: str, request: seal_pb2.SignPdfRequest) -> SealRecord:
    code = request.seal_code.strip()
    kind = grpc_api.requested_kind(request.kind)
    if code:
        problems = domain.seal_code_violations(code)
        if problems:
            raise InvalidInput.of(problems)
        seal = db.seal_by_code(uow.session, code)
        if seal is None:
            raise NotFound(f"there is no seal {code}", message_zh=f"印章编码 {code} 不存在")
        if seal.uscc != uscc:
            raise InvalidInput.of(
                [
                    violation(
                        "seal_code",
                        "company_seal",
                        f"印章 {code} 不是企业 {uscc} 的印章",
                        f"seal {code} is not a seal of company {uscc}",
                    )
                ]
            )
        if kind is not None and SealKind(seal.kind) is not kind:
            raise InvalidInput.of(
                [
                    violation(
                        "kind",
                        "matches_seal",
                        f"印章 {code} 是{SealKind(seal.kind).label_zh}，不是{kind.label_zh}",
                        f"seal {code} is the {seal.kind} seal, not the {kind.value} seal",
                    )
                ]
            )
        return _usable(seal)
    if kind is None:
        raise InvalidInput.of(
            [
                violation(
                    "seal_code",
                    "required",
                    "请选择用于盖章的印章（印章编码或种类）",
                    "choose the seal to sign with (its code or its kind)",
                )
            ]
        )
    candidates = [s for s in db.seals_of_company(uow.session, uscc) if s.kind == kind.value]
    if not candidates:
        raise InvalidInput.of(
            [
                violation(
                    "kind",
                    "seal_requested",
                    f"企业 {uscc} 未申请{kind.label_zh}",
                    f"company {uscc} did not request a {kind.value} seal",
                )
            ]
        )
    active = [s for s in candidates if s.state == SealState.ACTIVE and s.electronic]
    return _usable(active[-1] if active else candidates[-1])


def _usable(seal: SealRecord) -> SealRecord:
    if not seal.electronic:
        raise InvalidInput.of(
            [
                violation(
                    "seal_code",
                    "electronic_seal",
                    f"印章 {seal.seal_code} 只有实物印章，不能用于电子签章",
                    f"seal {seal.seal_code} is a physical seal only; it cannot sign electronically",
                )
            ]
        )
    if seal.state != SealState.ACTIVE:
        raise Conflict(
            f"seal {seal.seal_code} is {seal.state}, not active: it cannot sign",
            message_zh=f"印章 {seal.seal_code} 当前状态为 {seal.state}，不能用于签章",
        )
    return seal
