"""The invoice step of the saga: RegisterTaxpayer registers the company as a taxpayer and
approves its new-taxpayer package at once or opens a task for tax staff, CheckApplication runs
the same rules on the form before the license exists, and the compensation
CancelTaxRegistration reverses what was invoiced and cancels the registration.

Every function runs in the caller's transaction (``uow``): an exception rolls back everything it
wrote, so a rejected request leaves nothing half-written."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from onestop.common.v1 import application_pb2, common_pb2
from onestop.invoice.v1 import invoice_pb2
from onestop_common import desk
from onestop_common.errors import InvalidInput, RuleViolation, violation
from onestop_common.participant import UnitOfWork
from svc_invoice import domain, grpc_api, red_letter, store
from svc_invoice.actions.env import Env
from svc_invoice.actions.shared import form_number_prefix, issue_red, reserved_lines
from svc_invoice.domain import Refused, TaxpayerState
from svc_invoice.models import Task, Taxpayer
from svc_invoice.red_letter import Party

log = logging.getLogger(__name__)

Outcome = common_pb2.Outcome
REGISTER = "RegisterTaxpayer"
TASK_PREFIX = "TAX"


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
        return rejected(problems, env, decided_by=env.auto_decider)
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
        return rejected(problems, env, decided_by=env.auto_decider)
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
        return registered(uow, row, env, decided_by=env.auto_decider)
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
        rejections=grpc_api.DESK.rejections(at_form),
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
            rejections=grpc_api.DESK.rejections(at_form),
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
    return rejected(
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


def registered(
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


def rejected(
    violations: Sequence[RuleViolation], env: Env, *, decided_by: str, reason: str = ""
) -> invoice_pb2.RegisterTaxpayerResponse:
    first = violations[0]
    return invoice_pb2.RegisterTaxpayerResponse(
        status=desk.step_status(
            Outcome.OUTCOME_REJECTED,
            decided_by=decided_by,
            reason=reason or f"{first.field}: {first.message_en} / {first.message_zh}",
            rejections=grpc_api.DESK.rejections(violations),
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
                    reserved_lines(session, blue, env),
                    red_letter.RedRequest(),
                )
            except Refused:
                continue  # what is left is already held by a form waiting for the buyer
            if blue.booked_at is not None:
                form = store.add_form(
                    session,
                    number=store.next_number(session, form_number_prefix(env)),
                    blue=blue,
                    requested_by=Party.SELLER.value,
                    requested_by_subject="platform",
                    requested_at=env.now,
                    lines=lines,
                    reason=why,
                )
                forms.append(form.number)
                continue
            red = issue_red(session, blue, lines, env, reason=why, issued_by="platform")
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
