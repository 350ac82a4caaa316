"""Invoicing: a blue invoice within what is left of the month's credit line, a red-letter
invoice reversing all or part of one the buyer has not booked, and the taxpayer's record with
its invoices."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from onestop.invoice.v1 import invoice_pb2
from onestop_common.errors import InvalidInput, NotFound, violation
from onestop_common.identity import Principal
from onestop_common.participant import UnitOfWork
from svc_invoice import domain, grpc_api, red_letter, store
from svc_invoice.actions.env import Env
from svc_invoice.actions.shared import (
    CREDIT_RULES,
    NUMBER_RULES,
    form_reply,
    invoice_number_prefix,
    invoice_reply,
    issue_red,
    key_reused,
    month_usage,
    named_rules,
    request_fingerprint,
    require_active,
    reserved_lines,
)
from svc_invoice.models import Invoice, Taxpayer

log = logging.getLogger(__name__)


def issue_invoice(
    uow: UnitOfWork, principal: Principal, request: invoice_pb2.IssueInvoiceRequest, env: Env
) -> invoice_pb2.IssueInvoiceResponse:
    """A blue invoice within what is left of the month's credit line."""
    session = uow.session
    row = store.get_taxpayer(session, request.taxpayer_id, for_update=True)
    grpc_api.require_owner(principal, row)
    fingerprint = request_fingerprint(request)
    repeat = _repeat(session, row, request.idempotency_key, fingerprint)
    if repeat is not None:
        return invoice_pb2.IssueInvoiceResponse(
            invoice=invoice_reply(session, repeat, env), quota=_quota(session, row, env)
        )
    require_active(row)
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
        package.credit_line, month_usage(session, row, env), domain.totals(lines), env.book
    )
    invoice = store.add_invoice(
        session,
        number=store.next_number(session, invoice_number_prefix(env)),
        taxpayer_id=row.taxpayer_id,
        kind=kind,
        buyer_name=request.buyer_name.strip(),
        buyer_taxpayer_id=request.buyer_taxpayer_id,
        lines=lines,
        issued_at=env.now,
        issued_by=principal.subject,
        rules=[
            *rate_rules,
            *named_rules(env.book, NUMBER_RULES),
            *named_rules(env.book, CREDIT_RULES),
        ],
        idempotency_key=request.idempotency_key,
        request_digest=fingerprint,
    )
    log.info(
        "invoice %s issued by %s", invoice.number, row.taxpayer_id, extra={"case_id": row.case_id}
    )
    return invoice_pb2.IssueInvoiceResponse(
        invoice=invoice_reply(session, invoice, env), quota=_quota(session, row, env)
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
    fingerprint = request_fingerprint(request)
    repeat = _repeat(session, row, request.idempotency_key, fingerprint)
    if repeat is not None:
        return invoice_pb2.IssueRedLetterInvoiceResponse(
            invoice=invoice_reply(session, repeat, env), quota=_quota(session, row, env)
        )
    require_active(row)
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
        reserved_lines(session, blue, env),
        grpc_api.red_request(request.lines, request.amount),
    )
    red = issue_red(
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
        invoice=invoice_reply(session, red, env), quota=_quota(session, row, env)
    )


def _repeat(session: Session, row: Taxpayer, key: str, fingerprint: str) -> Invoice | None:
    existing = store.invoice_by_key(session, row.taxpayer_id, key)
    if existing is not None and existing.request_digest != fingerprint:
        raise key_reused(key)
    return existing


def _quota(session: Session, row: Taxpayer, env: Env) -> invoice_pb2.InvoiceQuota:
    return grpc_api.quota_message(row, env.book, month_usage(session, row, env))


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
            row, env.book, env.now.date(), month_usage(session, row, env)
        ),
        invoices=[
            grpc_api.invoice_message(item, env.book, reds.get(item.number, ())) for item in invoices
        ],
        credit_line_history=[
            grpc_api.change_message(change)
            for change in store.credit_history(session, row.taxpayer_id)
        ],
        red_letter_forms=[
            form_reply(form, env) for form in store.forms_of(session, row.taxpayer_id)
        ],
    )
