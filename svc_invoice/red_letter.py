"""The rules of red-letter invoices (红字发票) for 数电票: partial and repeated reversal by the blue
invoice's lines, never beyond it, and the confirmation form (红字发票信息确认单) once the buyer has
booked the blue invoice.

Pure, like :mod:`svc_invoice.domain`. The rules, all ``unverified`` in data/einvoice_rules.csv:
- red_letter_partial: a red-letter invoice reverses some or all of the blue invoice's lines, by
  the line's number (序号) and an amount; several may follow one another, and together they
  never exceed the blue invoice, line by line (so never its total);
- red_letter_direct: while the buyer has not booked the blue invoice (用途确认 / 入账确认), the
  seller issues the red-letter invoice directly;
- red_letter_confirmation_form: once the buyer has booked it, either party requests a form and
  the other confirms it; red_letter_issued_on_confirmation: confirming issues the red-letter
  invoice (确认即开票); red_letter_form_expiry: a form unanswered for 72 hours lapses.

Money: a partial line's tax is amount × rate rounded half-up, never more than the line's tax not
yet reversed; the red-letter invoice that reverses what is left of a line takes exactly the
quantity, amount and tax left, so a blue invoice reversed in several steps nets to zero.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from onestop_common.errors import InvalidInput, RuleViolation, violation
from svc_invoice.domain import (
    MAX_PLACES_QUANTITY,
    Line,
    Refused,
    Rule,
    RuleBook,
    leading_decimal,
    negative,
    parse_money,
    round_cent,
)

ZERO = Decimal("0.00")
QUANTITY_STEP = Decimal(1).scaleb(-MAX_PLACES_QUANTITY)


class Party(enum.StrEnum):
    SELLER = "seller"  # 销售方（开票方）
    BUYER = "buyer"  # 购买方（受票方）

    @property
    def other(self) -> Party:
        return Party.BUYER if self is Party.SELLER else Party.SELLER


PARTY_NAMES_ZH = {Party.SELLER: "销售方", Party.BUYER: "购买方"}


class FormState(enum.StrEnum):
    PENDING = "pending"  # 待对方确认
    CONFIRMED = "confirmed"  # 已确认（红字发票已开具）
    DECLINED = "declined"  # 对方拒绝
    WITHDRAWN = "withdrawn"  # 提出方撤销
    EXPIRED = "expired"  # 72 小时内未确认，自动作废


STATE_NAMES_ZH = {
    FormState.PENDING: "待对方确认",
    FormState.CONFIRMED: "已确认",
    FormState.DECLINED: "已被对方拒绝",
    FormState.WITHDRAWN: "已撤销",
    FormState.EXPIRED: "已超过确认期限自动作废",
}


# --------------------------------------------------------------------------- balances


@dataclass(frozen=True)
class RedLineInput:
    """One line of a red-letter request: the blue line's number (1-based) and the amount
    excluding VAT to reverse ("" = all that is left of the line)."""

    line_number: int
    amount: str = ""


@dataclass(frozen=True)
class RedRequest:
    """Which part of the blue invoice to reverse: lines, or an amount (one-line invoices), or
    neither for everything still standing."""

    lines: tuple[RedLineInput, ...] = ()
    amount: str = ""


@dataclass(frozen=True)
class LineBalance:
    """What is left to reverse of one blue line."""

    number: int
    blue: Line
    quantity: Decimal
    amount: Decimal
    tax: Decimal


def balances(blue_lines: Sequence[Line], reds: Iterable[Line]) -> tuple[LineBalance, ...]:
    """Each blue line less the red-letter lines (issued or reserved by open forms) against it."""
    quantity = {n: line.quantity for n, line in enumerate(blue_lines, 1)}
    amount = {n: line.amount for n, line in enumerate(blue_lines, 1)}
    tax = {n: line.tax for n, line in enumerate(blue_lines, 1)}
    for red in reds:
        n = red.reverses_line
        if n not in amount:
            raise ValueError(f"red-letter line reverses line {n}, not on the blue invoice")
        # Red figures are negative: adding them takes them off the balance.
        quantity[n] += red.quantity
        amount[n] += red.amount
        tax[n] += red.tax
    return tuple(
        LineBalance(n, line, quantity[n], amount[n], tax[n]) for n, line in enumerate(blue_lines, 1)
    )


def left_to_reverse(blue_lines: Sequence[Line], reds: Iterable[Line]) -> tuple[Decimal, Decimal]:
    """(amount, tax) of the blue invoice not yet reversed."""
    found = balances(blue_lines, reds)
    return (
        sum((b.amount for b in found), ZERO),
        sum((b.tax for b in found), ZERO),
    )


def check_blue(number: str, reverses: str) -> None:
    if reverses:
        raise Refused.of(
            [
                violation(
                    "invoice_number",
                    "red_letter_of_red_letter",
                    f"{number} 本身是红字发票，不能冲红",
                    f"{number} is itself a red-letter invoice and cannot be reversed",
                )
            ]
        )


def plan_red_lines(
    blue_number: str,
    blue_lines: Sequence[Line],
    reds: Iterable[Line],
    request: RedRequest,
) -> tuple[Line, ...]:
    """The red-letter lines for ``request`` against what is left of the blue invoice.

    InvalidInput for a malformed request (unknown or repeated line, bad amount); Refused
    (FAILED_PRECONDITION) when the blue invoice is fully reversed or an amount goes beyond
    what is left of its line, naming the field and the rule red_letter_exceeds_blue."""
    left = balances(blue_lines, reds)
    if all(b.amount <= 0 for b in left):
        raise Refused.of(
            [
                violation(
                    "invoice_number",
                    "fully_reversed",
                    f"蓝字发票 {blue_number} 已全部冲红，累计红字金额不得超过蓝字发票金额",
                    f"blue invoice {blue_number} is fully reversed: red-letter invoices may not "
                    "together exceed it",
                )
            ]
        )
    found: list[RuleViolation] = []
    wanted: list[tuple[str, int, str]] = []  # (field, line number, amount text)
    if request.amount.strip() and request.lines:
        found.append(
            violation(
                "amount",
                "lines_or_amount",
                "请只填写冲红行次或冲红金额之一",
                "give either the lines or an amount, not both",
            )
        )
    elif request.amount.strip():
        if len(blue_lines) != 1:
            found.append(
                violation(
                    "amount",
                    "amount_needs_lines",
                    f"蓝字发票有 {len(blue_lines)} 行：请按行次填写冲红金额",
                    f"the blue invoice has {len(blue_lines)} lines: give the amount per line "
                    "(lines[].line_number, lines[].amount)",
                )
            )
        wanted.append(("amount", 1, request.amount))
    elif request.lines:
        seen: set[int] = set()
        for i, item in enumerate(request.lines):
            field = f"lines[{i}]"
            if not 1 <= item.line_number <= len(blue_lines):
                found.append(
                    violation(
                        f"{field}.line_number",
                        "blue_line",
                        f"蓝字发票没有第 {item.line_number} 行（共 {len(blue_lines)} 行，从 1 起）",
                        f"the blue invoice has no line {item.line_number} "
                        f"({len(blue_lines)} lines, numbered from 1)",
                    )
                )
            elif item.line_number in seen:
                found.append(
                    violation(
                        f"{field}.line_number",
                        "duplicate",
                        f"第 {item.line_number} 行重复",
                        f"line {item.line_number} is named twice",
                    )
                )
            seen.add(item.line_number)
            wanted.append((f"{field}.amount", item.line_number, item.amount))
    else:
        wanted = [("lines", b.number, "") for b in left if b.amount > 0]
    amounts: list[Decimal | None] = []
    for field, _, text in wanted:
        amounts.append(parse_money(text, field, found) if text.strip() else None)
    if found:
        raise InvalidInput.of(found)
    beyond: list[RuleViolation] = []
    planned: list[Line] = []
    for (field, number, _), amount in zip(wanted, amounts, strict=True):
        balance = left[number - 1]
        if balance.amount <= 0 or (amount is not None and amount > balance.amount):
            beyond.append(_beyond(field, blue_number, balance, amount))
            continue
        planned.append(_red_line(balance, amount))
    if beyond:
        raise Refused.of(beyond)
    return tuple(planned)


def _beyond(
    field: str, blue_number: str, balance: LineBalance, amount: Decimal | None
) -> RuleViolation:
    done = balance.blue.amount - balance.amount
    asked = amount if amount is not None else balance.amount
    return violation(
        field,
        "red_letter_exceeds_blue",
        f"红字金额 {asked} 超过蓝字发票 {blue_number} 第 {balance.number} 行剩余可冲红金额 "
        f"{balance.amount}（蓝字 {balance.blue.amount}，已冲红 {done}）；"
        "累计红字金额不得超过蓝字发票金额",
        f"the red-letter amount {asked} exceeds what is left to reverse of line "
        f"{balance.number} of blue invoice {blue_number}: {balance.amount} (blue "
        f"{balance.blue.amount}, reversed {done}); red-letter invoices may not together exceed "
        "the blue invoice",
    )


def _red_line(balance: LineBalance, amount: Decimal | None) -> Line:
    blue = balance.blue
    if amount is None or amount == balance.amount:
        return Line(
            blue.description,
            negative(balance.quantity),
            blue.unit_price,
            negative(balance.amount),
            blue.tax_rate,
            negative(balance.tax),
            blue.vat_exempt,
            balance.number,
        )
    tax = ZERO if blue.vat_exempt else min(round_cent(amount * blue.tax_rate), balance.tax)
    # A part of a line (a return or an allowance) reverses amount ÷ unit price of its quantity,
    # to 8 places; the last red-letter line of the blue line takes the exact rest.
    quantity = min(_trimmed(amount / blue.unit_price), balance.quantity)
    return Line(
        blue.description,
        negative(quantity),
        blue.unit_price,
        negative(amount),
        blue.tax_rate,
        negative(tax),
        blue.vat_exempt,
        balance.number,
    )


def check_fits(
    blue_number: str, blue_lines: Sequence[Line], reds: Iterable[Line], planned: Sequence[Line]
) -> None:
    """Planned red-letter lines (a confirmed form's) still fit what is left of the blue
    invoice; Refused (red_letter_exceeds_blue) otherwise."""
    left = balances(blue_lines, reds)
    beyond = [
        _beyond(f"lines[{i}].amount", blue_number, left[line.reverses_line - 1], -line.amount)
        for i, line in enumerate(planned)
        if -line.amount > left[line.reverses_line - 1].amount
    ]
    if beyond:
        raise Refused.of(beyond)


def _trimmed(value: Decimal) -> Decimal:
    """To 8 places, without trailing zeros (1.20000000 → 1.2, never 1E+2)."""
    rounded = value.quantize(QUANTITY_STEP, rounding=ROUND_HALF_UP).normalize()
    exponent = rounded.as_tuple().exponent
    return rounded.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else rounded


# --------------------------------------------------------------------------- booking and forms


def require_direct(blue_number: str, booked: bool, book: RuleBook) -> None:
    """A blue invoice the buyer has booked is reversed only through a confirmed form."""
    if not booked:
        return
    rule = book.rule("red_letter_confirmation_form")
    raise Refused.of(
        [
            violation(
                "invoice_number",
                "red_letter_confirmation_required",
                f"购买方已对蓝字发票 {blue_number} 进行用途确认或入账确认：须由一方提出《红字发票"
                f"信息确认单》并经对方确认后开具红字发票（RequestRedLetterForm）{rule.caveat_zh}",
                f"the buyer has booked blue invoice {blue_number}: a red-letter confirmation form "
                "(红字发票信息确认单) requested by one party and confirmed by the other is needed "
                f"(RequestRedLetterForm){rule.caveat_en}",
            )
        ]
    )


def require_form_needed(blue_number: str, booked: bool, book: RuleBook) -> None:
    """A form is for a booked blue invoice; before booking the seller reverses it directly."""
    if booked:
        return
    rule = book.rule("red_letter_direct")
    raise Refused.of(
        [
            violation(
                "invoice_number",
                "confirmation_not_needed",
                f"购买方尚未对蓝字发票 {blue_number} 用途确认或入账确认：由销售方直接开具红字发票"
                f"（IssueRedLetterInvoice），无需确认单{rule.caveat_zh}",
                f"the buyer has not booked blue invoice {blue_number}: the seller issues the "
                f"red-letter invoice directly (IssueRedLetterInvoice), no form is needed"
                f"{rule.caveat_en}",
            )
        ]
    )


def check_bookable(number: str, reverses: str, buyer_taxpayer_id: str) -> None:
    found = []
    if reverses:
        found.append(
            violation(
                "invoice_number",
                "red_letter_invoice",
                f"{number} 是红字发票，无需入账确认",
                f"{number} is a red-letter invoice: there is nothing to book",
            )
        )
    elif not buyer_taxpayer_id:
        found.append(
            violation(
                "invoice_number",
                "buyer_taxpayer_id",
                f"发票 {number} 未填写购买方纳税人识别号，不能由购买方入账确认",
                f"invoice {number} names no buyer taxpayer ID: no buyer can book it",
            )
        )
    if found:
        raise Refused.of(found)


def form_expiry(book: RuleBook) -> tuple[timedelta, Rule]:
    rule = book.rule("red_letter_form_expiry")
    return timedelta(hours=float(leading_decimal(rule.value))), rule


def current_state(
    state: FormState, requested_at: datetime, now: datetime, book: RuleBook
) -> FormState:
    """A pending form lapses once the confirmation period has passed (checked when read or
    answered; nothing needs to run at the deadline)."""
    expiry, _ = form_expiry(book)
    if state is FormState.PENDING and now >= requested_at + expiry:
        return FormState.EXPIRED
    return state


def answered_state(confirm: bool, requested_by: Party, acting_as: Party) -> FormState:
    if confirm:
        return FormState.CONFIRMED
    return FormState.WITHDRAWN if acting_as is requested_by else FormState.DECLINED


def check_answer(
    number: str,
    state: FormState,
    requested_by: Party,
    acting_as: Party,
    *,
    confirm: bool,
    book: RuleBook,
) -> None:
    """Only a pending form is answered; only the other party confirms it; either party may
    end it (the requester withdraws, the other party declines)."""
    if state is FormState.EXPIRED:
        expiry, rule = form_expiry(book)
        hours = int(expiry.total_seconds() // 3600)
        raise Refused.of(
            [
                violation(
                    "form_number",
                    "form_expired",
                    f"确认单 {number} 提出后 {hours} 小时内未经确认，已自动作废，请重新提出"
                    f"{rule.caveat_zh}",
                    f"form {number} was not confirmed within {hours} hours of the request and "
                    f"has lapsed: request a new one{rule.caveat_en}",
                )
            ]
        )
    if state is not FormState.PENDING:
        raise Refused.of(
            [
                violation(
                    "form_number",
                    "form_state",
                    f"确认单 {number} {STATE_NAMES_ZH[state]}，不能再处理",
                    f"form {number} is {state.value} and cannot be answered",
                )
            ]
        )
    if confirm and acting_as is requested_by:
        raise Refused.of(
            [
                violation(
                    "acting_as",
                    "confirmed_by_other_party",
                    f"确认单由{PARTY_NAMES_ZH[requested_by]}提出，须由"
                    f"{PARTY_NAMES_ZH[requested_by.other]}确认",
                    f"the form was requested by the {requested_by.value}: the "
                    f"{requested_by.other.value} confirms it",
                )
            ]
        )


def check_form_party(acting_as: Party | None) -> Party:
    if acting_as is None:
        raise InvalidInput.of(
            [
                violation(
                    "acting_as",
                    "required",
                    "请选择以销售方还是购买方身份办理",
                    "say whether you act as the seller or the buyer",
                )
            ]
        )
    return acting_as


def answer_is_repeat(
    state: FormState, answered_by: Party | None, acting_as: Party, confirm: bool
) -> bool:
    """The same party giving the same answer again (a retried call) gets the same result."""
    if answered_by is not acting_as:
        return False
    if confirm:
        return state is FormState.CONFIRMED
    return state in (FormState.DECLINED, FormState.WITHDRAWN)
