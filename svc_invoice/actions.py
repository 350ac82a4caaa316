"""What each invoice-service RPC does inside its one unit of work: decode, apply the domain
rules, write through the store, stage events and saga results, build the reply.

Every function runs in the caller's transaction (``uow``): an exception rolls back everything it
wrote, so a rejected request leaves nothing half-written.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from onestop.common.v1 import common_pb2
from onestop.invoice.v1 import invoice_pb2
from onestop_common import desk
from onestop_common.calendar import BusinessCalendar
from onestop_common.errors import Conflict, InvalidInput, NotFound, RuleViolation, violation
from onestop_common.identity import Principal
from onestop_common.nameko_kit import UnitOfWork
from onestop_common.protoconv import rejections
from svc_invoice import domain, grpc_api, store
from svc_invoice.domain import RuleBook, TaxpayerState, VatStatus
from svc_invoice.models import Invoice, Task, Taxpayer

log = logging.getLogger(__name__)

Outcome = common_pb2.Outcome
REGISTER = "RegisterTaxpayer"
TASK_PREFIX = "TAX"
NUMBER_RULES = (
    "einvoice_number_format",
    "einvoice_province_code_tianjin",
    "policy_issuing_channel",
)


@dataclass(frozen=True)
class Env:
    """What the flows need besides the transaction: rule data, business time, configuration."""

    book: RuleBook
    now: datetime
    auto_approve: bool
    calendar: BusinessCalendar

    @property
    def auto_decider(self) -> str:
        return f"auto:{self.book.policy.rule_set_version}"


# --------------------------------------------------------------------------- saga action


def register_taxpayer(
    uow: UnitOfWork, request: invoice_pb2.RegisterTaxpayerRequest, env: Env
) -> invoice_pb2.RegisterTaxpayerResponse:
    """Taxpayer registration from the license data, then the new-taxpayer package: approved at
    once within the standard limits when automatic approval is on, else a task for tax staff."""
    context = request.context
    try:
        if not context.case_id:
            raise InvalidInput.of(
                [violation("context.case_id", "required", "缺少案件编号", "the case id is missing")]
            )
        plan = domain.plan_registration(
            grpc_api.registration_input(request), env.book, env.now.date()
        )
    except InvalidInput as exc:
        log.info("RegisterTaxpayer rejected: %s", exc, extra={"case_id": context.case_id})
        return _rejected(exc.violations, env, decided_by=env.auto_decider)
    session = uow.session
    existing = store.find_taxpayer(session, plan.taxpayer_id, for_update=True)
    if existing is not None:
        return _existing_registration(existing, context, env)
    row = store.add_taxpayer(
        session, plan, case_id=context.case_id, applicant_id=context.applicant_id, now=env.now
    )
    package = domain.automatic_package(plan) if env.auto_approve else None
    if package is not None:
        store.activate(
            row,
            package,
            plan.vat.status,
            plan.vat.legal_basis,
            plan.vat.rules,
            decided_by=env.auto_decider,
            now=env.now,
        )
        log.info(
            "taxpayer %s registered, package approved automatically",
            row.taxpayer_id,
            extra={"case_id": context.case_id},
        )
        return _registered(uow, row, env, decided_by=env.auto_decider)
    task = desk.open_task(
        session,
        Task,
        prefix=TASK_PREFIX,
        context=context,
        request=request,
        now=env.now,
        company_name=plan.company_name,
        uscc=plan.taxpayer_id,
        summary=_summary(plan),
        kind="new_taxpayer_package",
        details=_details(plan),
    )
    row.task_id = task.id
    log.info(
        "taxpayer %s registered, task %s opened",
        row.taxpayer_id,
        task.id,
        extra={"case_id": context.case_id},
    )
    return invoice_pb2.RegisterTaxpayerResponse(
        status=desk.step_status(Outcome.OUTCOME_ACCEPTED, task_id=task.id, now=env.now),
        taxpayer=grpc_api.taxpayer_message(row, env.book, env.now.date()),
    )


def _existing_registration(
    row: Taxpayer, context: common_pb2.CommandContext, env: Env
) -> invoice_pb2.RegisterTaxpayerResponse:
    """The same case asking again under another key gets the registration it has; anyone else
    is refused: one taxpayer per USCC."""
    state = store.state_of(row)
    if row.case_id == context.case_id and state is TaxpayerState.ACTIVE:
        return invoice_pb2.RegisterTaxpayerResponse(
            status=desk.step_status(Outcome.OUTCOME_DONE, decided_by=row.decided_by, now=env.now),
            taxpayer=grpc_api.taxpayer_message(row, env.book, env.now.date()),
        )
    if row.case_id == context.case_id and state is TaxpayerState.PENDING_APPROVAL:
        return invoice_pb2.RegisterTaxpayerResponse(
            status=desk.step_status(Outcome.OUTCOME_ACCEPTED, task_id=row.task_id, now=env.now),
            taxpayer=grpc_api.taxpayer_message(row, env.book, env.now.date()),
        )
    return _rejected(
        [
            violation(
                "uscc",
                "already_registered",
                f"纳税人 {row.taxpayer_id} 已办理税务登记（案件 {row.case_id}，状态 {row.state}）",
                f"taxpayer {row.taxpayer_id} is already registered "
                f"(case {row.case_id}, {row.state})",
            )
        ],
        env,
        decided_by=env.auto_decider,
    )


def _registered(
    uow: UnitOfWork, row: Taxpayer, env: Env, *, decided_by: str, task_id: str = ""
) -> invoice_pb2.RegisterTaxpayerResponse:
    taxpayer = grpc_api.taxpayer_message(row, env.book, env.now.date())
    uow.emit_event(
        invoice_pb2.TaxpayerRegistered(case_id=row.case_id, taxpayer=taxpayer),
        "TaxpayerRegistered",
        case_id=row.case_id,
    )
    return invoice_pb2.RegisterTaxpayerResponse(
        status=desk.step_status(
            Outcome.OUTCOME_DONE, decided_by=decided_by, task_id=task_id, now=env.now
        ),
        taxpayer=taxpayer,
    )


def _rejected(
    violations: Sequence[RuleViolation], env: Env, *, decided_by: str, reason: str = ""
) -> invoice_pb2.RegisterTaxpayerResponse:
    first = violations[0]
    return invoice_pb2.RegisterTaxpayerResponse(
        status=desk.step_status(
            Outcome.OUTCOME_REJECTED,
            decided_by=decided_by,
            reason=reason or f"{first.field}: {first.message_en} / {first.message_zh}",
            rejections=rejections(violations),
            now=env.now,
        )
    )


def _summary(plan: domain.RegistrationPlan) -> str:
    status = domain.STATUS_NAMES_ZH[plan.vat.status]
    text = f"新办纳税人套餐（{status}）：{plan.requested.summary()}"
    if plan.not_standard:
        text += f"；超出标准：{'；'.join(plan.not_standard)}"
    return text


def _details(plan: domain.RegistrationPlan) -> dict[str, str]:
    requested = plan.requested
    caveats = [f"{rule.name}: {rule.verified}" for rule in plan.rules if rule.verified != "yes"]
    return {
        "tax_office": plan.tax_office.name,
        "vat_status": plan.vat.status.value,
        "vat_status_legal_basis": plan.vat.legal_basis,
        "legal_representative": plan.legal_representative.shown(),
        "finance_contact": plan.finance_contact.shown(),
        "declares_proper_accounts": "yes" if plan.declares_proper_accounts else "no",
        "requested_kinds": ",".join(k.value for k in requested.kinds),
        "requested_max_amount_per_invoice": format(requested.max_amount_per_invoice, "f"),
        "requested_monthly_quantity": str(requested.monthly_quantity),
        "standard_credit_line": format(requested.credit_line, "f"),
        "expected_annual_sales": (
            format(plan.expected_annual_sales, "f") if plan.expected_annual_sales else ""
        ),
        "not_standard": "；".join(plan.not_standard),
        "rules_not_settled": "; ".join(caveats),
    }


# --------------------------------------------------------------------------- desk


def approve_task(
    uow: UnitOfWork, principal: Principal, request: invoice_pb2.ApproveTaskRequest, env: Env
) -> invoice_pb2.ApproveTaskResponse:
    session = uow.session
    task = desk.get_task(session, Task, request.task_id, principal, for_update=True)
    row = _task_taxpayer(session, task)
    approval = grpc_api.approval_input(request)
    package, status = domain.approve_package(
        approval,
        store.requested_package(row),
        store.status_of(row),
        row.declares_proper_accounts,
        env.book,
    )
    desk.decide(task, principal, desk.DONE, env.now, reason=request.comment)
    vat = domain.decide_vat_status(
        status is VatStatus.GENERAL, row.declares_proper_accounts, env.book, env.now.date()
    )
    basis = vat.legal_basis
    if status is not store.status_of(row):
        basis += f"（税务人员 {principal.subject} 核定 / decided by tax staff）"
    store.activate(
        row, package, status, basis, vat.rules, decided_by=principal.subject, now=env.now
    )
    result = _registered(uow, row, env, decided_by=principal.subject, task_id=task.id)
    _answer_saga(uow, task, result)
    log.info("task %s approved by %s", task.id, principal.subject, extra={"case_id": task.case_id})
    return invoice_pb2.ApproveTaskResponse(
        task=desk.task_message(task, env.calendar, env.now), taxpayer=result.taxpayer
    )


def reject_task(
    uow: UnitOfWork, principal: Principal, request: invoice_pb2.RejectTaskRequest, env: Env
) -> invoice_pb2.RejectTaskResponse:
    problems = domain.reason_violations(request.reason)
    if problems:
        raise InvalidInput.of(problems)
    session = uow.session
    task = desk.get_task(session, Task, request.task_id, principal, for_update=True)
    row = _task_taxpayer(session, task)
    reason = request.reason.strip()
    desk.decide(task, principal, desk.REJECTED, env.now, reason=reason)
    row.state = TaxpayerState.REJECTED.value
    row.decided_by = principal.subject
    result = _rejected(
        [
            violation(
                "invoice",
                "rejected_by_tax_staff",
                f"税务人员不予核定：{reason}",
                f"tax staff refused the new-taxpayer package: {reason}",
            )
        ],
        env,
        decided_by=principal.subject,
        reason=reason,
    )
    result.status.task_id = task.id
    _answer_saga(uow, task, result)
    log.info("task %s rejected by %s", task.id, principal.subject, extra={"case_id": task.case_id})
    return invoice_pb2.RejectTaskResponse(task=desk.task_message(task, env.calendar, env.now))


def _task_taxpayer(session: Session, task: desk.TaskMixin) -> Taxpayer:
    row = store.find_taxpayer(session, task.uscc, for_update=True)
    if row is None or row.case_id != task.case_id:
        raise Conflict(
            f"task {task.id} has no pending registration",
            message_zh=f"任务 {task.id} 没有待核定的税务登记",
        )
    return row


def _answer_saga(
    uow: UnitOfWork, task: desk.TaskMixin, result: invoice_pb2.RegisterTaxpayerResponse
) -> None:
    """The saga's final result for the command the task answers; a replay of that command
    now gets this result instead of "accepted"."""
    result.context.CopyFrom(task.command_context)
    uow.emit_result(REGISTER, result)
    stored = uow.remembered(result.context.idempotency_key)
    if stored is not None:
        stored.result_type = result.DESCRIPTOR.full_name
        stored.result = result.SerializeToString()


def get_task(
    uow: UnitOfWork, principal: Principal, request: invoice_pb2.GetTaskRequest, env: Env
) -> invoice_pb2.GetTaskResponse:
    task = desk.get_task(uow.session, Task, request.task_id, principal)
    response = invoice_pb2.GetTaskResponse(task=desk.task_message(task, env.calendar, env.now))
    row = store.find_taxpayer(uow.session, task.uscc)
    if row is not None and row.case_id == task.case_id:
        response.taxpayer.CopyFrom(grpc_api.taxpayer_message(row, env.book, env.now.date()))
    if task.request:
        command = invoice_pb2.RegisterTaxpayerRequest.FromString(task.request)
        response.requested.CopyFrom(grpc_api.masked_needs(command.invoice))
    return response


# --------------------------------------------------------------------------- invoices


def issue_invoice(
    uow: UnitOfWork, principal: Principal, request: invoice_pb2.IssueInvoiceRequest, env: Env
) -> invoice_pb2.IssueInvoiceResponse:
    session = uow.session
    row = store.get_taxpayer(session, request.taxpayer_id, for_update=True)
    grpc_api.require_owner(principal, row)
    fingerprint = _fingerprint(request)
    repeat = _repeat(session, row, request.idempotency_key, fingerprint)
    if repeat is not None:
        return invoice_pb2.IssueInvoiceResponse(
            invoice=grpc_api.invoice_message(repeat, env.book), quota=_quota(session, row, env)
        )
    _require_active(row)
    kind = grpc_api.invoice_kind(request.kind)
    problems = domain.buyer_violations(kind, request.buyer_name, request.buyer_taxpayer_id)
    try:
        lines, rate_rules = domain.price_lines(
            grpc_api.line_inputs(request.lines), store.status_of(row), env.now.date(), env.book
        )
    except InvalidInput as exc:
        raise InvalidInput.of([*problems, *exc.violations]) from None
    if problems:
        raise InvalidInput.of(problems)
    package = store.approved_package(row)
    assert package is not None
    month = env.now.strftime("%Y-%m")
    domain.check_quota(
        package, store.usage(session, row.taxpayer_id, month), kind, domain.totals(lines)
    )
    invoice = store.add_invoice(
        session,
        number=store.next_number(session, _prefix(env)),
        taxpayer_id=row.taxpayer_id,
        kind=kind,
        buyer_name=request.buyer_name.strip(),
        buyer_taxpayer_id=request.buyer_taxpayer_id,
        lines=lines,
        issued_at=env.now,
        issued_by=principal.subject,
        rules=[*rate_rules, *_number_rules(env.book)],
        idempotency_key=request.idempotency_key,
        request_digest=fingerprint,
    )
    log.info(
        "invoice %s issued by %s", invoice.number, row.taxpayer_id, extra={"case_id": row.case_id}
    )
    return invoice_pb2.IssueInvoiceResponse(
        invoice=grpc_api.invoice_message(invoice, env.book), quota=_quota(session, row, env)
    )


def issue_red_letter(
    uow: UnitOfWork,
    principal: Principal,
    request: invoice_pb2.IssueRedLetterInvoiceRequest,
    env: Env,
) -> invoice_pb2.IssueRedLetterInvoiceResponse:
    session = uow.session
    row = store.get_taxpayer(session, request.taxpayer_id, for_update=True)
    grpc_api.require_owner(principal, row)
    fingerprint = _fingerprint(request)
    repeat = _repeat(session, row, request.idempotency_key, fingerprint)
    if repeat is not None:
        return invoice_pb2.IssueRedLetterInvoiceResponse(
            invoice=grpc_api.invoice_message(repeat, env.book), quota=_quota(session, row, env)
        )
    _require_active(row)
    problems = domain.reason_violations(request.reason)
    if problems:
        raise InvalidInput.of(problems)
    domain.parse_invoice_number(request.invoice_number)
    original = store.get_invoice(session, row.taxpayer_id, request.invoice_number)
    red = reverse(
        session,
        original,
        env,
        reason=request.reason.strip(),
        issued_by=principal.subject,
        idempotency_key=request.idempotency_key,
        request_digest=fingerprint,
    )
    log.info(
        "invoice %s reversed by red-letter invoice %s",
        original.number,
        red.number,
        extra={"case_id": row.case_id},
    )
    return invoice_pb2.IssueRedLetterInvoiceResponse(
        invoice=grpc_api.invoice_message(red, env.book), quota=_quota(session, row, env)
    )


def reverse(
    session: Session,
    original: Invoice,
    env: Env,
    *,
    reason: str,
    issued_by: str,
    idempotency_key: str = "",
    request_digest: str = "",
) -> Invoice:
    """Issues the red-letter invoice for ``original`` (its lines negated) and links the two."""
    domain.check_reversible(original.number, original.reverses or "", original.reversed_by or "")
    red = store.add_invoice(
        session,
        number=store.next_number(session, _prefix(env)),
        taxpayer_id=original.taxpayer_id,
        kind=domain.InvoiceKind(original.kind),
        buyer_name=original.buyer_name,
        buyer_taxpayer_id=original.buyer_taxpayer_id,
        lines=[line.negated() for line in store.lines_of(original)],
        issued_at=env.now,
        issued_by=issued_by,
        rules=[env.book.rules[name] for name in original.rules if name in env.book.rules],
        reverses=original.number,
        reason=reason,
        idempotency_key=idempotency_key,
        request_digest=request_digest,
    )
    original.reversed_by = red.number
    return red


def _fingerprint(
    request: invoice_pb2.IssueInvoiceRequest | invoice_pb2.IssueRedLetterInvoiceRequest,
) -> str:
    """The request without its idempotency key: a key reused for another request is refused."""
    copy = type(request)()
    copy.CopyFrom(request)
    copy.idempotency_key = ""
    return store.digest(copy.DESCRIPTOR.full_name, copy.SerializeToString(deterministic=True))


def _repeat(session: Session, row: Taxpayer, key: str, fingerprint: str) -> Invoice | None:
    existing = store.invoice_by_key(session, row.taxpayer_id, key)
    if existing is not None and existing.request_digest != fingerprint:
        raise Conflict(
            f"idempotency key {key!r} was already used for a different request",
            message_zh=f"幂等键 {key!r} 已用于另一个不同的请求",
        )
    return existing


def _require_active(row: Taxpayer) -> None:
    if store.state_of(row) is not TaxpayerState.ACTIVE:
        raise Conflict(
            f"taxpayer {row.taxpayer_id} cannot invoice: registration is {row.state}",
            message_zh=f"纳税人 {row.taxpayer_id} 不能开票：税务登记状态为 {row.state}",
        )


def _prefix(env: Env) -> str:
    province, _ = env.book.province_code()
    return domain.number_prefix(env.now.year, province, env.book.policy.issuing_channel)


def _number_rules(book: RuleBook) -> list[domain.Rule]:
    return [book.rules[name] for name in NUMBER_RULES]


def _quota(session: Session, row: Taxpayer, env: Env) -> invoice_pb2.InvoiceQuota:
    month = env.now.strftime("%Y-%m")
    return grpc_api.quota_message(row, store.usage(session, row.taxpayer_id, month))


# --------------------------------------------------------------------------- compensation


def cancel_tax_registration(
    uow: UnitOfWork, request: invoice_pb2.CancelTaxRegistrationRequest, env: Env
) -> invoice_pb2.CancelTaxRegistrationResponse:
    """Reverses every invoice still standing with a red-letter invoice, then cancels the
    registration and its quota; withdraws open tasks. Running it again changes nothing."""
    session = uow.session
    case_id = request.context.case_id
    reason = request.reason or "case compensated"
    withdrawn = desk.cancel_case_tasks(session, Task, case_id, env.now, f"case withdrawn: {reason}")
    row = store.taxpayer_for_case(session, case_id, for_update=True)
    if row is None:
        return invoice_pb2.CancelTaxRegistrationResponse(
            status=desk.step_status(
                Outcome.OUTCOME_DONE,
                decided_by="platform",
                reason=f"no tax registration for this case; {withdrawn} task(s) withdrawn",
                now=env.now,
            )
        )
    if store.state_of(row) is not TaxpayerState.CANCELLED:
        reds, originals = [], []
        for original in store.unreversed_blue_invoices(session, row.taxpayer_id):
            red = reverse(
                session,
                original,
                env,
                reason=f"撤销税务登记（开办失败）/ tax registration cancelled: {reason}",
                issued_by="platform",
            )
            reds.append(red.number)
            originals.append(original.number)
        row.state = TaxpayerState.CANCELLED.value
        row.cancelled_at = env.now
        row.cancel_reason = reason
        row.cancellation_red_letters = reds
        row.cancellation_originals = originals
        uow.emit_event(
            invoice_pb2.TaxRegistrationCancelled(
                case_id=case_id,
                taxpayer_id=row.taxpayer_id,
                reversed_invoice_numbers=reds,
                original_invoice_numbers=originals,
            ),
            "TaxRegistrationCancelled",
            case_id=case_id,
        )
        log.info(
            "tax registration %s cancelled; %d invoice(s) reversed",
            row.taxpayer_id,
            len(reds),
            extra={"case_id": case_id},
        )
    return invoice_pb2.CancelTaxRegistrationResponse(
        status=desk.step_status(
            Outcome.OUTCOME_DONE, decided_by="platform", reason=row.cancel_reason, now=env.now
        ),
        taxpayer_id=row.taxpayer_id,
        reversed_invoice_numbers=row.cancellation_red_letters,
        original_invoice_numbers=row.cancellation_originals,
    )


# --------------------------------------------------------------------------- reading


def get_taxpayer(
    uow: UnitOfWork, principal: Principal, request: invoice_pb2.GetTaxpayerRequest, env: Env
) -> invoice_pb2.GetTaxpayerResponse:
    session = uow.session
    if request.taxpayer_id:
        row = store.get_taxpayer(session, request.taxpayer_id)
    elif request.case_id:
        found = store.taxpayer_for_case(session, request.case_id)
        if found is None:
            raise NotFound(
                f"no tax registration for case {request.case_id}",
                message_zh=f"案件 {request.case_id} 没有税务登记",
            )
        row = found
    else:
        raise InvalidInput.of(
            [
                violation(
                    "taxpayer_id",
                    "required",
                    "请提供纳税人识别号或案件编号",
                    "give the taxpayer ID or the case id",
                )
            ]
        )
    grpc_api.require_reader(principal, row)
    month = env.now.strftime("%Y-%m")
    usage = store.usage(session, row.taxpayer_id, month)
    return invoice_pb2.GetTaxpayerResponse(
        taxpayer=grpc_api.taxpayer_message(row, env.book, env.now.date(), usage),
        invoices=[
            grpc_api.invoice_message(item, env.book)
            for item in store.invoices_of(session, row.taxpayer_id)
        ],
    )
