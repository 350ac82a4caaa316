"""Red-letter confirmation forms: the buyer books a blue invoice, after which reversing it
needs a form that one party requests and the other confirms (the red-letter invoice is issued
with the confirmation) or declines."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from onestop.invoice.v1 import invoice_pb2
from onestop_common.errors import InvalidInput
from onestop_common.identity import Principal
from onestop_common.participant import UnitOfWork
from svc_invoice import domain, grpc_api, red_letter, store
from svc_invoice.actions.env import Env
from svc_invoice.actions.shared import (
    form_number_prefix,
    form_reply,
    form_state,
    invoice_reply,
    issue_red,
    key_reused,
    request_fingerprint,
    require_active,
    reserved_lines,
)
from svc_invoice.models import RedLetterForm, Taxpayer
from svc_invoice.red_letter import FormState, Party

log = logging.getLogger(__name__)


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
    return invoice_pb2.RecordInvoiceBookingResponse(invoice=invoice_reply(session, blue, env))


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
    fingerprint = request_fingerprint(request)
    existing = store.form_by_key(session, seller.taxpayer_id, request.idempotency_key)
    if existing is not None:
        if existing.request_digest != fingerprint:
            raise key_reused(request.idempotency_key)
        return invoice_pb2.RequestRedLetterFormResponse(form=form_reply(existing, env))
    require_active(seller)
    problems = domain.reason_violations(request.reason)
    if problems:
        raise InvalidInput.of(problems)
    red_letter.check_blue(blue.number, blue.reverses or "")
    red_letter.require_form_needed(blue.number, blue.booked_at is not None, env.book)
    lines = red_letter.plan_red_lines(
        blue.number,
        store.lines_of(blue),
        reserved_lines(session, blue, env),
        grpc_api.red_request(request.lines, request.amount),
    )
    form = store.add_form(
        session,
        number=store.next_number(session, form_number_prefix(env)),
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
    return invoice_pb2.RequestRedLetterFormResponse(form=form_reply(form, env))


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
    if red_letter.answer_is_repeat(form_state(form, env), _answered_by(form), acting_as, True):
        assert form.red_number is not None
        red = store.get_invoice(session, seller.taxpayer_id, form.red_number)
        return invoice_pb2.ConfirmRedLetterFormResponse(
            form=form_reply(form, env), invoice=invoice_reply(session, red, env)
        )
    red_letter.check_answer(
        form.number,
        form_state(form, env),
        Party(form.requested_by),
        acting_as,
        confirm=True,
        book=env.book,
    )
    lines = store.lines_of(form)
    red_letter.check_fits(
        blue.number,
        store.lines_of(blue),
        reserved_lines(session, blue, env, besides=form.number),
        lines,
    )
    red = issue_red(
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
        form=form_reply(form, env), invoice=invoice_reply(session, red, env)
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
    state = form_state(form, env)
    if red_letter.answer_is_repeat(state, _answered_by(form), acting_as, False):
        return invoice_pb2.DeclineRedLetterFormResponse(form=form_reply(form, env))
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
    return invoice_pb2.DeclineRedLetterFormResponse(form=form_reply(form, env))


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
        form=form_reply(form, env), blue_invoice=invoice_reply(session, blue, env)
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
