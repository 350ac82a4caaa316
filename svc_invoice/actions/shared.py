"""What several invoice flows do alike: the rules an invoice cites, a request's fingerprint
for its idempotency key, the taxpayer that may invoice, invoice and form numbering, the month's
use of the credit line, issuing a red-letter invoice and what is already held against a blue
one, and the invoice and form as replied."""

from __future__ import annotations

from collections.abc import Sequence

from google.protobuf.message import Message
from sqlalchemy.orm import Session

from onestop.invoice.v1 import invoice_pb2
from onestop_common.errors import Conflict
from svc_invoice import domain, grpc_api, red_letter, store
from svc_invoice.actions.env import Env
from svc_invoice.domain import Line, RuleBook, TaxpayerState
from svc_invoice.models import Invoice, RedLetterForm, Taxpayer
from svc_invoice.red_letter import FormState

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


def issue_red(
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
        number=store.next_number(session, invoice_number_prefix(env)),
        taxpayer_id=blue.taxpayer_id,
        kind=domain.InvoiceKind(blue.kind),
        buyer_name=blue.buyer_name,
        buyer_taxpayer_id=blue.buyer_taxpayer_id,
        lines=lines,
        issued_at=env.now,
        issued_by=issued_by,
        rules=[
            *(env.book.rules[name] for name in blue.rules if name in env.book.rules),
            *named_rules(env.book, FORM_RED_RULES if confirmation_number else DIRECT_RED_RULES),
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


def reserved_lines(session: Session, blue: Invoice, env: Env, *, besides: str = "") -> list[Line]:
    """Red-letter lines already held against ``blue``: its red-letter invoices and the forms
    still waiting for confirmation (other than ``besides``)."""
    lines = [
        line
        for red in store.red_letters_of(session, blue.taxpayer_id, blue.number)
        for line in store.lines_of(red)
    ]
    for form in store.forms_of_blue(session, blue.taxpayer_id, blue.number):
        if form.number != besides and form_state(form, env) is FormState.PENDING:
            lines.extend(store.lines_of(form))
    return lines


def request_fingerprint(request: Message) -> str:
    """The request without its idempotency key: a key reused for another request is refused."""
    copy = type(request)()
    copy.CopyFrom(request)
    copy.idempotency_key = ""  # type: ignore[attr-defined]
    return store.digest(copy.DESCRIPTOR.full_name, copy.SerializeToString(deterministic=True))


def key_reused(key: str) -> Conflict:
    return Conflict(
        f"idempotency key {key!r} was already used for a different request",
        message_zh=f"幂等键 {key!r} 已用于另一个不同的请求",
    )


def require_active(row: Taxpayer) -> None:
    if store.state_of(row) is not TaxpayerState.ACTIVE:
        raise Conflict(
            f"taxpayer {row.taxpayer_id} cannot invoice: registration is {row.state}",
            message_zh=f"纳税人 {row.taxpayer_id} 不能开票：税务登记状态为 {row.state}",
        )


def invoice_number_prefix(env: Env) -> str:
    province, _ = env.book.province_code()
    return domain.number_prefix(env.now.year, province, env.book.policy.issuing_channel)


def form_number_prefix(env: Env) -> str:
    """R + year + province: OneStop's numbering of confirmation forms (see invoice_policy.csv)."""
    province, _ = env.book.province_code()
    return f"{env.book.policy.form_letter}{env.now.year % 100:02d}{province}"


def named_rules(book: RuleBook, names: Sequence[str]) -> list[domain.Rule]:
    return [book.rules[name] for name in names if name in book.rules]


def month_usage(session: Session, row: Taxpayer, env: Env) -> domain.Usage:
    with_tax, _ = env.book.credit_counts_tax()
    return store.usage(session, row.taxpayer_id, env.now.strftime("%Y-%m"), with_tax=with_tax)


def invoice_reply(session: Session, row: Invoice, env: Env) -> invoice_pb2.Invoice:
    reds = () if row.reverses else store.red_letters_of(session, row.taxpayer_id, row.number)
    return grpc_api.invoice_message(row, env.book, reds)


def form_state(form: RedLetterForm, env: Env) -> FormState:
    return red_letter.current_state(FormState(form.state), form.requested_at, env.now, env.book)


def form_reply(form: RedLetterForm, env: Env) -> invoice_pb2.RedLetterForm:
    return grpc_api.form_message(form, env.book, env.now)
