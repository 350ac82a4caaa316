"""What each invoice-service RPC does inside its one unit of work: decode, apply the domain
rules, write through the store, stage events and saga results, build the reply.

Every function runs in the caller's transaction (``uow``): an exception rolls back everything it
wrote, so a rejected request leaves nothing half-written.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from google.protobuf.message import Message
from sqlalchemy.orm import Session

from onestop.common.v1 import application_pb2, common_pb2
from onestop.invoice.v1 import invoice_pb2
from onestop_common import desk
from onestop_common.calendar import BusinessCalendar
from onestop_common.errors import Conflict, InvalidInput, NotFound, RuleViolation, violation
from onestop_common.identity import Principal
from onestop_common.nameko_kit import UnitOfWork
from svc_invoice import domain, grpc_api, red_letter, store
from svc_invoice.domain import Line, Refused, RuleBook, TaxpayerState, VatStatus
from svc_invoice.models import Invoice, RedLetterForm, Task, Taxpayer
from svc_invoice.red_letter import FormState, Party

log = logging.getLogger(__name__)

Outcome = common_pb2.Outcome
REGISTER = "RegisterTaxpayer"
TASK_PREFIX = "TAX"
NUMBER_RULES = (
    "einvoice_number_format",
    "einvoice_province_code_tianjin",
    "policy_issuing_channel",
)
CREDIT_RULES = ("einvoice_credit_line", "einvoice_credit_line_basis")
DIRECT_RED_RULES = ("red_letter_partial", "red_letter_direct")
FORM_RED_RULES = (
    "red_letter_partial",
    "red_letter_confirmation_form",
    "red_letter_issued_on_confirmation",
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
    if not context.case_id:
        problems = [
            violation("context.case_id", "required", "缺少案件编号", "the case id is missing")
        ]
        return _rejected(problems, env, decided_by=env.auto_decider)
    plan, problems = _plan(*grpc_api.registration_input(request), env, licensed=True)
    if plan is None:
        if domain.correctable(problems):
            # The applicant's own data (the legal representative, the invoice choices, the
            # finance contact): sent back to be corrected, nothing written.
            log.info(
                "RegisterTaxpayer sent back for correction: %s",
                [p.rule for p in problems],
                extra={"case_id": context.case_id},
            )
            return _correction_requested(problems, env)
        log.info(
            "RegisterTaxpayer rejected: %s",
            [p.rule for p in problems],
            extra={"case_id": context.case_id},
        )
        return _rejected(problems, env, decided_by=env.auto_decider)
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
            session,
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


def _plan(
    inp: domain.RegistrationInput,
    unknown_kinds: Sequence[RuleViolation],
    env: Env,
    *,
    licensed: bool,
) -> tuple[domain.RegistrationPlan | None, list[RuleViolation]]:
    """The registration to make, or every problem with it (the step's and the check's rules)."""
    try:
        plan = domain.plan_registration(inp, env.book, env.now.date(), licensed=licensed)
    except InvalidInput as exc:
        return None, [*unknown_kinds, *exc.violations]
    if unknown_kinds:
        return None, list(unknown_kinds)
    return plan, []


def check_application(
    request: application_pb2.CheckApplicationRequest, env: Env
) -> application_pb2.CheckApplicationResponse:
    """CheckApplication: the form against the rules RegisterTaxpayer runs (taxpayer type, invoice
    choices, the general-taxpayer conditions, the legal representative and the finance
    contact, the competent tax office), nothing read or written but the rule data. Skipped:
    the USCC's own rule and "already registered", which need the issued license."""
    _, problems = _plan(*grpc_api.form_registration_input(request.form), env, licensed=False)
    at_form = [replace(p, field=domain.form_path(p.field)) for p in problems]
    return application_pb2.CheckApplicationResponse(
        rejections=grpc_api.participant_rejections(at_form),
        participant=domain.PARTICIPANT,
        rule_set=env.book.policy.rule_set_version[:64],
    )


def _correction_requested(
    problems: Sequence[RuleViolation], env: Env
) -> invoice_pb2.RegisterTaxpayerResponse:
    """Sent back to the applicant, naming the form's fields to correct."""
    at_form = [replace(p, field=domain.form_path(p.field)) for p in problems]
    first = at_form[0]
    return invoice_pb2.RegisterTaxpayerResponse(
        status=desk.step_status(
            Outcome.OUTCOME_CORRECTION_REQUESTED,
            decided_by=env.auto_decider,
            reason=f"{first.field}: {first.message_en} / {first.message_zh}",
            rejections=grpc_api.participant_rejections(at_form),
            now=env.now,
        )
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
            rejections=grpc_api.participant_rejections(violations),
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
        session, row, package, status, basis, vat.rules, decided_by=principal.subject, now=env.now
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
    reason = request.reason.strip()
    if request.correctable:
        return _return_for_correction(uow, principal, request, reason, env)
    task = desk.get_task(session, Task, request.task_id, principal, for_update=True)
    row = _task_taxpayer(session, task)
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


def _return_for_correction(
    uow: UnitOfWork,
    principal: Principal,
    request: invoice_pb2.RejectTaskRequest,
    reason: str,
    env: Env,
) -> invoice_pb2.RejectTaskResponse:
    """Tax staff send the registration back for the applicant to correct the named fields: the
    task is closed and the pending registration withdrawn (it was never active: no invoices, no
    credit line), so the corrected RegisterTaxpayer for the same case registers afresh. The
    task keeps what was asked and why it went back."""
    fields = grpc_api.correction_fields(request.fields, reason)
    session = uow.session
    task = desk.get_task(session, Task, request.task_id, principal, for_update=True)
    row = _task_taxpayer(session, task)
    desk.decide(task, principal, desk.REJECTED, env.now, reason=reason)
    if store.state_of(row) is not TaxpayerState.PENDING_APPROVAL:
        raise Conflict(
            f"the registration of task {task.id} is {row.state}, not pending",
            message_zh=f"任务 {task.id} 对应的税务登记状态为 {row.state}，不是待核定",
        )
    task.details = {**task.details, "correction_requested": "; ".join(f.field for f in fields)}
    session.delete(row)
    result = invoice_pb2.RegisterTaxpayerResponse(
        status=desk.step_status(
            Outcome.OUTCOME_CORRECTION_REQUESTED,
            decided_by=principal.subject,
            reason=reason,
            task_id=task.id,
            rejections=fields,
            now=env.now,
        )
    )
    _answer_saga(uow, task, result)
    log.info(
        "task %s returned for correction by %s",
        task.id,
        principal.subject,
        extra={"case_id": task.case_id},
    )
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
    """A blue invoice within what is left of the month's credit line."""
    session = uow.session
    row = store.get_taxpayer(session, request.taxpayer_id, for_update=True)
    grpc_api.require_owner(principal, row)
    fingerprint = _fingerprint(request)
    repeat = _repeat(session, row, request.idempotency_key, fingerprint)
    if repeat is not None:
        return invoice_pb2.IssueInvoiceResponse(
            invoice=_invoice(session, repeat, env), quota=_quota(session, row, env)
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
    problems += domain.exempt_violations(kind, lines)
    if problems:
        raise InvalidInput.of(problems)
    package = store.approved_package(row)
    assert package is not None
    domain.check_kind(package, kind)
    domain.check_credit(
        package.credit_line, _usage(session, row, env), domain.totals(lines), env.book
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
        rules=[*rate_rules, *_named(env.book, NUMBER_RULES), *_named(env.book, CREDIT_RULES)],
        idempotency_key=request.idempotency_key,
        request_digest=fingerprint,
    )
    log.info(
        "invoice %s issued by %s", invoice.number, row.taxpayer_id, extra={"case_id": row.case_id}
    )
    return invoice_pb2.IssueInvoiceResponse(
        invoice=_invoice(session, invoice, env), quota=_quota(session, row, env)
    )


def issue_red_letter(
    uow: UnitOfWork,
    principal: Principal,
    request: invoice_pb2.IssueRedLetterInvoiceRequest,
    env: Env,
) -> invoice_pb2.IssueRedLetterInvoiceResponse:
    """The seller reverses all or part of a blue invoice the buyer has not booked."""
    session = uow.session
    row = store.get_taxpayer(session, request.taxpayer_id, for_update=True)
    grpc_api.require_owner(principal, row)
    fingerprint = _fingerprint(request)
    repeat = _repeat(session, row, request.idempotency_key, fingerprint)
    if repeat is not None:
        return invoice_pb2.IssueRedLetterInvoiceResponse(
            invoice=_invoice(session, repeat, env), quota=_quota(session, row, env)
        )
    _require_active(row)
    problems = domain.reason_violations(request.reason)
    if problems:
        raise InvalidInput.of(problems)
    domain.parse_invoice_number(request.invoice_number)
    blue = store.get_invoice(session, row.taxpayer_id, request.invoice_number)
    red_letter.check_blue(blue.number, blue.reverses or "")
    red_letter.require_direct(blue.number, blue.booked_at is not None, env.book)
    lines = red_letter.plan_red_lines(
        blue.number,
        store.lines_of(blue),
        _reserved(session, blue, env),
        grpc_api.red_request(request.lines, request.amount),
    )
    red = _issue_red(
        session,
        blue,
        lines,
        env,
        reason=request.reason.strip(),
        issued_by=principal.subject,
        idempotency_key=request.idempotency_key,
        request_digest=fingerprint,
    )
    log.info(
        "invoice %s reversed (%s) by red-letter invoice %s",
        blue.number,
        red.total_amount,
        red.number,
        extra={"case_id": row.case_id},
    )
    return invoice_pb2.IssueRedLetterInvoiceResponse(
        invoice=_invoice(session, red, env), quota=_quota(session, row, env)
    )


def _issue_red(
    session: Session,
    blue: Invoice,
    lines: Sequence[Line],
    env: Env,
    *,
    reason: str,
    issued_by: str,
    idempotency_key: str = "",
    request_digest: str = "",
    confirmation_number: str | None = None,
) -> Invoice:
    """Issues a red-letter invoice of ``lines`` against ``blue``; the blue invoice is marked
    reversed once nothing is left of it."""
    red = store.add_invoice(
        session,
        number=store.next_number(session, _prefix(env)),
        taxpayer_id=blue.taxpayer_id,
        kind=domain.InvoiceKind(blue.kind),
        buyer_name=blue.buyer_name,
        buyer_taxpayer_id=blue.buyer_taxpayer_id,
        lines=lines,
        issued_at=env.now,
        issued_by=issued_by,
        rules=[
            *(env.book.rules[name] for name in blue.rules if name in env.book.rules),
            *_named(env.book, FORM_RED_RULES if confirmation_number else DIRECT_RED_RULES),
        ],
        reverses=blue.number,
        reason=reason,
        idempotency_key=idempotency_key,
        request_digest=request_digest,
        confirmation_number=confirmation_number,
    )
    issued = [
        line
        for item in store.red_letters_of(session, blue.taxpayer_id, blue.number)
        for line in store.lines_of(item)
    ]
    left, _ = red_letter.left_to_reverse(store.lines_of(blue), issued)
    if left <= 0:
        blue.reversed_by = red.number
    return red


def _reserved(session: Session, blue: Invoice, env: Env, *, besides: str = "") -> list[Line]:
    """Red-letter lines already held against ``blue``: its red-letter invoices and the forms
    still waiting for confirmation (other than ``besides``)."""
    lines = [
        line
        for red in store.red_letters_of(session, blue.taxpayer_id, blue.number)
        for line in store.lines_of(red)
    ]
    for form in store.forms_of_blue(session, blue.taxpayer_id, blue.number):
        if form.number != besides and _form_state(form, env) is FormState.PENDING:
            lines.extend(store.lines_of(form))
    return lines


def _fingerprint(request: Message) -> str:
    """The request without its idempotency key: a key reused for another request is refused."""
    copy = type(request)()
    copy.CopyFrom(request)
    copy.idempotency_key = ""  # type: ignore[attr-defined]
    return store.digest(copy.DESCRIPTOR.full_name, copy.SerializeToString(deterministic=True))


def _key_reused(key: str) -> Conflict:
    return Conflict(
        f"idempotency key {key!r} was already used for a different request",
        message_zh=f"幂等键 {key!r} 已用于另一个不同的请求",
    )


def _repeat(session: Session, row: Taxpayer, key: str, fingerprint: str) -> Invoice | None:
    existing = store.invoice_by_key(session, row.taxpayer_id, key)
    if existing is not None and existing.request_digest != fingerprint:
        raise _key_reused(key)
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


def _form_prefix(env: Env) -> str:
    """R + year + province: OneStop's numbering of confirmation forms (see invoice_policy.csv)."""
    province, _ = env.book.province_code()
    return f"{env.book.policy.form_letter}{env.now.year % 100:02d}{province}"


def _named(book: RuleBook, names: Sequence[str]) -> list[domain.Rule]:
    return [book.rules[name] for name in names if name in book.rules]


def _usage(session: Session, row: Taxpayer, env: Env) -> domain.Usage:
    with_tax, _ = env.book.credit_counts_tax()
    return store.usage(session, row.taxpayer_id, env.now.strftime("%Y-%m"), with_tax=with_tax)


def _quota(session: Session, row: Taxpayer, env: Env) -> invoice_pb2.InvoiceQuota:
    return grpc_api.quota_message(row, env.book, _usage(session, row, env))


def _invoice(session: Session, row: Invoice, env: Env) -> invoice_pb2.Invoice:
    reds = () if row.reverses else store.red_letters_of(session, row.taxpayer_id, row.number)
    return grpc_api.invoice_message(row, env.book, reds)


# --------------------------------------------------------------------------- booking and forms


def record_invoice_booking(
    uow: UnitOfWork,
    principal: Principal,
    request: invoice_pb2.RecordInvoiceBookingRequest,
    env: Env,
) -> invoice_pb2.RecordInvoiceBookingResponse:
    """The buyer booked the blue invoice (用途确认 / 入账确认): from now on a red-letter invoice
    needs a confirmed form. Recording it again changes nothing."""
    session = uow.session
    seller = store.get_taxpayer(session, request.seller_taxpayer_id, for_update=True)
    blue = store.get_invoice(session, seller.taxpayer_id, request.invoice_number)
    buyer = store.find_taxpayer(session, blue.buyer_taxpayer_id) if blue.buyer_taxpayer_id else None
    grpc_api.require_booker(principal, buyer)
    red_letter.check_bookable(blue.number, blue.reverses or "", blue.buyer_taxpayer_id)
    if blue.booked_at is None:
        blue.booked_at = env.now
        blue.booked_by = principal.subject
        log.info(
            "invoice %s booked by the buyer (recorded by %s)",
            blue.number,
            principal.subject,
            extra={"case_id": seller.case_id},
        )
    return invoice_pb2.RecordInvoiceBookingResponse(invoice=_invoice(session, blue, env))


def request_red_letter_form(
    uow: UnitOfWork,
    principal: Principal,
    request: invoice_pb2.RequestRedLetterFormRequest,
    env: Env,
) -> invoice_pb2.RequestRedLetterFormResponse:
    """Seller or buyer asks for a red-letter confirmation form on a booked blue invoice; its
    lines are held against the blue invoice until the form is answered or lapses."""
    session = uow.session
    seller = store.get_taxpayer(session, request.seller_taxpayer_id, for_update=True)
    acting_as = red_letter.check_form_party(grpc_api.party(request.acting_as))
    blue = store.get_invoice(session, seller.taxpayer_id, request.invoice_number)
    buyer = store.find_taxpayer(session, blue.buyer_taxpayer_id) if blue.buyer_taxpayer_id else None
    grpc_api.require_party(principal, acting_as, seller, buyer)
    fingerprint = _fingerprint(request)
    existing = store.form_by_key(session, seller.taxpayer_id, request.idempotency_key)
    if existing is not None:
        if existing.request_digest != fingerprint:
            raise _key_reused(request.idempotency_key)
        return invoice_pb2.RequestRedLetterFormResponse(form=_form(existing, env))
    _require_active(seller)
    problems = domain.reason_violations(request.reason)
    if problems:
        raise InvalidInput.of(problems)
    red_letter.check_blue(blue.number, blue.reverses or "")
    red_letter.require_form_needed(blue.number, blue.booked_at is not None, env.book)
    lines = red_letter.plan_red_lines(
        blue.number,
        store.lines_of(blue),
        _reserved(session, blue, env),
        grpc_api.red_request(request.lines, request.amount),
    )
    form = store.add_form(
        session,
        number=store.next_number(session, _form_prefix(env)),
        blue=blue,
        requested_by=acting_as.value,
        requested_by_subject=principal.subject,
        requested_at=env.now,
        lines=lines,
        reason=request.reason.strip(),
        idempotency_key=request.idempotency_key,
        request_digest=fingerprint,
    )
    log.info(
        "red-letter form %s for invoice %s requested by the %s",
        form.number,
        blue.number,
        acting_as.value,
        extra={"case_id": seller.case_id},
    )
    return invoice_pb2.RequestRedLetterFormResponse(form=_form(form, env))


def confirm_red_letter_form(
    uow: UnitOfWork,
    principal: Principal,
    request: invoice_pb2.ConfirmRedLetterFormRequest,
    env: Env,
) -> invoice_pb2.ConfirmRedLetterFormResponse:
    """The other party confirms the form and the red-letter invoice is issued with it
    (确认即开票); the same party confirming again gets the same invoice."""
    session = uow.session
    seller, form, acting_as = _answering(session, principal, request, env)
    blue = store.get_invoice(session, seller.taxpayer_id, form.blue_number)
    if red_letter.answer_is_repeat(_form_state(form, env), _answered_by(form), acting_as, True):
        assert form.red_number is not None
        red = store.get_invoice(session, seller.taxpayer_id, form.red_number)
        return invoice_pb2.ConfirmRedLetterFormResponse(
            form=_form(form, env), invoice=_invoice(session, red, env)
        )
    red_letter.check_answer(
        form.number,
        _form_state(form, env),
        Party(form.requested_by),
        acting_as,
        confirm=True,
        book=env.book,
    )
    lines = store.lines_of(form)
    red_letter.check_fits(
        blue.number, store.lines_of(blue), _reserved(session, blue, env, besides=form.number), lines
    )
    red = _issue_red(
        session,
        blue,
        lines,
        env,
        reason=form.reason,
        issued_by=principal.subject,
        confirmation_number=form.number,
    )
    _answer(form, FormState.CONFIRMED, acting_as, principal, env)
    form.red_number = red.number
    log.info(
        "red-letter form %s confirmed by the %s: red-letter invoice %s",
        form.number,
        acting_as.value,
        red.number,
        extra={"case_id": seller.case_id},
    )
    return invoice_pb2.ConfirmRedLetterFormResponse(
        form=_form(form, env), invoice=_invoice(session, red, env)
    )


def decline_red_letter_form(
    uow: UnitOfWork,
    principal: Principal,
    request: invoice_pb2.DeclineRedLetterFormRequest,
    env: Env,
) -> invoice_pb2.DeclineRedLetterFormResponse:
    """The other party declines the form, or its requester withdraws it: what it held against
    the blue invoice is released."""
    problems = domain.reason_violations(request.reason)
    if problems:
        raise InvalidInput.of(problems)
    session = uow.session
    seller, form, acting_as = _answering(session, principal, request, env)
    state = _form_state(form, env)
    if red_letter.answer_is_repeat(state, _answered_by(form), acting_as, False):
        return invoice_pb2.DeclineRedLetterFormResponse(form=_form(form, env))
    requested_by = Party(form.requested_by)
    red_letter.check_answer(
        form.number, state, requested_by, acting_as, confirm=False, book=env.book
    )
    _answer(
        form,
        red_letter.answered_state(False, requested_by, acting_as),
        acting_as,
        principal,
        env,
        reason=request.reason.strip(),
    )
    log.info(
        "red-letter form %s %s by the %s",
        form.number,
        form.state,
        acting_as.value,
        extra={"case_id": seller.case_id},
    )
    return invoice_pb2.DeclineRedLetterFormResponse(form=_form(form, env))


def get_red_letter_form(
    uow: UnitOfWork,
    principal: Principal,
    request: invoice_pb2.GetRedLetterFormRequest,
    env: Env,
) -> invoice_pb2.GetRedLetterFormResponse:
    session = uow.session
    seller = store.get_taxpayer(session, request.seller_taxpayer_id)
    form = store.get_form(session, seller.taxpayer_id, request.form_number)
    buyer = store.find_taxpayer(session, form.buyer_taxpayer_id) if form.buyer_taxpayer_id else None
    grpc_api.require_form_reader(principal, seller, buyer)
    blue = store.get_invoice(session, seller.taxpayer_id, form.blue_number)
    return invoice_pb2.GetRedLetterFormResponse(
        form=_form(form, env), blue_invoice=_invoice(session, blue, env)
    )


def _answering(
    session: Session,
    principal: Principal,
    request: invoice_pb2.ConfirmRedLetterFormRequest | invoice_pb2.DeclineRedLetterFormRequest,
    env: Env,
) -> tuple[Taxpayer, RedLetterForm, Party]:
    """The seller (row-locked, as for every invoicing change), the form, and the party the
    caller acts for, checked against who owns that party."""
    seller = store.get_taxpayer(session, request.seller_taxpayer_id, for_update=True)
    acting_as = red_letter.check_form_party(grpc_api.party(request.acting_as))
    form = store.get_form(session, seller.taxpayer_id, request.form_number, for_update=True)
    buyer = store.find_taxpayer(session, form.buyer_taxpayer_id) if form.buyer_taxpayer_id else None
    grpc_api.require_party(principal, acting_as, seller, buyer)
    return seller, form, acting_as


def _answer(
    form: RedLetterForm,
    state: FormState,
    acting_as: Party,
    principal: Principal,
    env: Env,
    *,
    reason: str = "",
) -> None:
    form.state = state.value
    form.answered_by = acting_as.value
    form.answered_by_subject = principal.subject
    form.answered_at = env.now
    form.answer_reason = reason


def _answered_by(form: RedLetterForm) -> Party | None:
    return Party(form.answered_by) if form.answered_by else None


def _form_state(form: RedLetterForm, env: Env) -> FormState:
    return red_letter.current_state(FormState(form.state), form.requested_at, env.now, env.book)


def _form(form: RedLetterForm, env: Env) -> invoice_pb2.RedLetterForm:
    return grpc_api.form_message(form, env.book, env.now)


# --------------------------------------------------------------------------- credit line


def adjust_credit_line(
    uow: UnitOfWork,
    principal: Principal,
    request: invoice_pb2.AdjustCreditLineRequest,
    env: Env,
) -> invoice_pb2.AdjustCreditLineResponse:
    """Tax staff set a taxpayer's credit line, with a reason; the change joins the history."""
    session = uow.session
    row = store.get_taxpayer(session, request.taxpayer_id, for_update=True)
    fingerprint = _fingerprint(request)
    change = store.credit_change_by_key(session, row.taxpayer_id, request.idempotency_key)
    if change is not None and change.request_digest != fingerprint:
        raise _key_reused(request.idempotency_key)
    if change is None:
        if store.state_of(row) is not TaxpayerState.ACTIVE:
            raise Refused.of(
                [
                    violation(
                        "taxpayer_id",
                        "taxpayer_active",
                        f"纳税人 {row.taxpayer_id} 的税务登记状态为 {row.state}，"
                        "没有可调整的授信额度",
                        f"taxpayer {row.taxpayer_id} is {row.state}: there is no credit line to "
                        "adjust",
                    )
                ]
            )
        old = store.credit_line(row)
        new = domain.check_credit_adjustment(
            request.credit_line.amount,
            request.credit_line.currency,
            request.reason,
            old,
            env.book.policy,
        )
        change = store.add_credit_change(
            session,
            row.taxpayer_id,
            kind="adjusted",
            old=old,
            new=new,
            by=principal.subject,
            at=env.now,
            reason=request.reason.strip(),
            idempotency_key=request.idempotency_key,
            request_digest=fingerprint,
        )
        row.credit_line = format(new, "f")
        log.info(
            "credit line of %s adjusted %s → %s by %s",
            row.taxpayer_id,
            old,
            new,
            principal.subject,
            extra={"case_id": row.case_id},
        )
    return invoice_pb2.AdjustCreditLineResponse(
        taxpayer=grpc_api.taxpayer_message(
            row, env.book, env.now.date(), _usage(session, row, env)
        ),
        change=grpc_api.change_message(change),
        credit_line_history=[
            grpc_api.change_message(item) for item in store.credit_history(session, row.taxpayer_id)
        ],
    )


# --------------------------------------------------------------------------- compensation


def cancel_tax_registration(
    uow: UnitOfWork, request: invoice_pb2.CancelTaxRegistrationRequest, env: Env
) -> invoice_pb2.CancelTaxRegistrationResponse:
    """Reverses what is left of every invoice still standing, then cancels the registration and
    its credit line; withdraws open tasks. An invoice the buyer has booked cannot be reversed
    without the buyer: the platform requests a confirmation form as the seller, and the
    red-letter invoice follows when the buyer confirms it. Running it again changes nothing."""
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
        why = f"撤销税务登记（开办失败）/ tax registration cancelled: {reason}"
        reds, originals, forms = [], [], []
        for blue in store.unreversed_blue_invoices(session, row.taxpayer_id):
            try:
                lines = red_letter.plan_red_lines(
                    blue.number,
                    store.lines_of(blue),
                    _reserved(session, blue, env),
                    red_letter.RedRequest(),
                )
            except Refused:
                continue  # what is left is already held by a form waiting for the buyer
            if blue.booked_at is not None:
                form = store.add_form(
                    session,
                    number=store.next_number(session, _form_prefix(env)),
                    blue=blue,
                    requested_by=Party.SELLER.value,
                    requested_by_subject="platform",
                    requested_at=env.now,
                    lines=lines,
                    reason=why,
                )
                forms.append(form.number)
                continue
            red = _issue_red(session, blue, lines, env, reason=why, issued_by="platform")
            reds.append(red.number)
            originals.append(blue.number)
        row.state = TaxpayerState.CANCELLED.value
        row.cancelled_at = env.now
        row.cancel_reason = reason
        row.cancellation_red_letters = reds
        row.cancellation_originals = originals
        row.cancellation_forms = forms
        uow.emit_event(
            invoice_pb2.TaxRegistrationCancelled(
                case_id=case_id,
                taxpayer_id=row.taxpayer_id,
                reversed_invoice_numbers=reds,
                original_invoice_numbers=originals,
                pending_form_numbers=forms,
            ),
            "TaxRegistrationCancelled",
            case_id=case_id,
        )
        log.info(
            "tax registration %s cancelled; %d invoice(s) reversed, %d form(s) requested",
            row.taxpayer_id,
            len(reds),
            len(forms),
            extra={"case_id": case_id},
        )
    return invoice_pb2.CancelTaxRegistrationResponse(
        status=desk.step_status(
            Outcome.OUTCOME_DONE, decided_by="platform", reason=row.cancel_reason, now=env.now
        ),
        taxpayer_id=row.taxpayer_id,
        reversed_invoice_numbers=row.cancellation_red_letters,
        original_invoice_numbers=row.cancellation_originals,
        pending_form_numbers=row.cancellation_forms,
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
    invoices = store.invoices_of(session, row.taxpayer_id)
    reds: dict[str, list[Invoice]] = {}
    for item in invoices:
        if item.reverses is not None:
            reds.setdefault(item.reverses, []).append(item)
    return invoice_pb2.GetTaxpayerResponse(
        taxpayer=grpc_api.taxpayer_message(
            row, env.book, env.now.date(), _usage(session, row, env)
        ),
        invoices=[
            grpc_api.invoice_message(item, env.book, reds.get(item.number, ())) for item in invoices
        ],
        credit_line_history=[
            grpc_api.change_message(change)
            for change in store.credit_history(session, row.taxpayer_id)
        ],
        red_letter_forms=[_form(form, env) for form in store.forms_of(session, row.taxpayer_id)],
    )
