"""Red-letter rules, without a broker or database: partial red-letter invoices by amount or by
line, never more than the blue invoice, and confirmation forms (who confirms, when they lapse)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onestop_common.errors import InvalidInput
from svc_invoice import domain, red_letter
from svc_invoice.domain import Line, LineInput, Refused, Totals, VatStatus
from svc_invoice.red_letter import FormState, Party, RedLineInput, RedRequest
from tests.support.invoice_rules import BOOK, TODAY, D, rules_of

BLUE = "26121000000000000001"


def blue_lines(
    *items: tuple[str, str, str], status: VatStatus = VatStatus.SMALL_SCALE
) -> tuple[Line, ...]:
    lines, _ = domain.price_lines([LineInput(*item) for item in items], status, TODAY, BOOK)
    return lines


def red(*lines: tuple[int, str], amount: str = "") -> RedRequest:
    return RedRequest(tuple(RedLineInput(n, a) for n, a in lines), amount)


def test_two_partial_red_letters_then_a_third_beyond_the_total_is_refused() -> None:
    # One line: 1000.00 at 1% (tax 10.00). Red 300.00, then 500.00: 200.00 left.
    blue = blue_lines(("服务", "1", "1000.00"))
    first = red_letter.plan_red_lines(BLUE, blue, [], red(amount="300.00"))
    assert [(x.amount, x.tax, x.quantity, x.reverses_line) for x in first] == [
        (D("-300.00"), D("-3.00"), D("-0.3"), 1)
    ]
    second = red_letter.plan_red_lines(BLUE, blue, first, red(amount="500.00"))
    assert [(x.amount, x.tax) for x in second] == [(D("-500.00"), D("-5.00"))]
    assert red_letter.left_to_reverse(blue, [*first, *second]) == (D("200.00"), D("2.00"))
    with pytest.raises(Refused) as exc:
        red_letter.plan_red_lines(BLUE, blue, [*first, *second], red(amount="200.01"))
    assert rules_of(exc) == {("amount", "red_letter_exceeds_blue")}
    problem = exc.value.violations[0]
    assert "200.00" in problem.message_en and "200.00" in problem.message_zh
    # What is left can still be reversed, exactly, and then nothing more.
    third = red_letter.plan_red_lines(BLUE, blue, [*first, *second], red(amount="200.00"))
    reds = [*first, *second, *third]
    assert domain.totals([*blue, *reds]) == Totals(D("0.00"), D("0.00"))
    assert sum(x.quantity for x in [*blue, *reds]) == 0
    with pytest.raises(Refused) as exc:
        red_letter.plan_red_lines(BLUE, blue, reds, red(amount="0.01"))
    assert rules_of(exc) == {("invoice_number", "fully_reversed")}


def test_partial_red_letters_by_lines_cap_the_tax_and_close_each_line_exactly() -> None:
    # Line 1: 1.00 at 1% → tax 0.01; line 2: 2 × 4999.995 = 9999.99 → tax 100.00.
    blue = blue_lines(("a", "1", "1.00"), ("b", "2", "4999.995"))
    # 0.50 × 1% = 0.005 → 0.01: the whole line's tax, so the second half carries none.
    half = red_letter.plan_red_lines(BLUE, blue, [], red((1, "0.50")))
    assert [(x.amount, x.tax) for x in half] == [(D("-0.50"), D("-0.01"))]
    rest = red_letter.plan_red_lines(BLUE, blue, half, red((1, "0.50"), (2, "")))
    assert [(x.reverses_line, x.amount, x.tax, x.quantity) for x in rest] == [
        (1, D("-0.50"), D("0.00"), D("-0.5")),
        (2, D("-9999.99"), D("-100.00"), D("-2")),
    ]
    assert domain.totals([*blue, *half, *rest]) == Totals(D("0.00"), D("0.00"))


def test_no_lines_and_no_amount_reverses_all_that_is_left() -> None:
    blue = blue_lines(("a", "3", "0.335"), ("b", "1", "2.50"))
    everything = red_letter.plan_red_lines(BLUE, blue, [], RedRequest())
    assert everything == tuple(line.negated(n) for n, line in enumerate(blue, 1))
    part = red_letter.plan_red_lines(BLUE, blue, [], red((2, "1.00")))
    left = red_letter.plan_red_lines(BLUE, blue, part, RedRequest())
    assert [(x.reverses_line, x.amount) for x in left] == [(1, D("-1.01")), (2, D("-1.50"))]
    assert domain.totals([*blue, *part, *left]) == Totals(D("0.00"), D("0.00"))


def test_exempt_lines_are_reversed_without_tax() -> None:
    blue = blue_lines(("菜", "1", "100.00", "", True))  # type: ignore[arg-type]
    (line,) = red_letter.plan_red_lines(BLUE, blue, [], red(amount="40.00"))
    assert (line.amount, line.tax, line.vat_exempt) == (D("-40.00"), D("0.00"), True)
    assert str(line.tax) == "0.00"  # not "-0.00" on the printed red-letter line


@given(
    parts=st.lists(
        st.decimals(min_value=D("0.01"), max_value=D("500.00"), places=2), min_size=1, max_size=8
    ),
    price=st.decimals(min_value=D("0.01"), max_value=D("1000.00"), places=2),
    quantity=st.integers(min_value=1, max_value=7),
    rate=st.sampled_from([D("0.13"), D("0.09"), D("0.06"), D("0.05"), D("0.01"), D("0")]),
)
def test_red_letters_never_exceed_the_blue_invoice_and_the_rest_nets_it_to_zero(
    parts: list[Decimal], price: Decimal, quantity: int, rate: Decimal
) -> None:
    blue = (domain.compute_line("x", D(quantity), price, rate),)
    reds: list[Line] = []
    for part in parts:
        left, _ = red_letter.left_to_reverse(blue, reds)
        if left <= 0:
            break
        if part > left:
            with pytest.raises(Refused):
                red_letter.plan_red_lines(BLUE, blue, reds, red(amount=str(part)))
            continue
        reds.extend(red_letter.plan_red_lines(BLUE, blue, reds, red(amount=str(part))))
        (balance,) = red_letter.balances(blue, reds)
        assert balance.amount >= 0 and balance.tax >= 0 and balance.quantity >= 0
    if red_letter.left_to_reverse(blue, reds)[0] > 0:
        reds.extend(red_letter.plan_red_lines(BLUE, blue, reds, RedRequest()))
    assert domain.totals([*blue, *reds]) == Totals(D("0.00"), D("0.00"))
    assert sum(x.quantity for x in [*blue, *reds]) == 0


@pytest.mark.parametrize(
    ("request_", "error", "expected"),
    [
        (red((0, "1")), InvalidInput, {("lines[0].line_number", "blue_line")}),
        (red((3, "1")), InvalidInput, {("lines[0].line_number", "blue_line")}),
        (red((1, "1"), (1, "2")), InvalidInput, {("lines[1].line_number", "duplicate")}),
        (red((1, "-1")), InvalidInput, {("lines[0].amount", "positive")}),
        (red((1, "0.001")), InvalidInput, {("lines[0].amount", "cents")}),
        (red(amount="1.00"), InvalidInput, {("amount", "amount_needs_lines")}),
        (red((1, "1"), amount="1.00"), InvalidInput, {("amount", "lines_or_amount")}),
        (red((2, "10.01")), Refused, {("lines[0].amount", "red_letter_exceeds_blue")}),
        (
            red((1, "6.00"), (2, "11")),
            Refused,
            {
                ("lines[0].amount", "red_letter_exceeds_blue"),
                ("lines[1].amount", "red_letter_exceeds_blue"),
            },
        ),
    ],
)
def test_bad_red_letter_request_names_field_and_rule(
    request_: RedRequest, error: type[Exception], expected: set[tuple[str, str]]
) -> None:
    blue = blue_lines(("a", "1", "5.00"), ("b", "1", "10.00"))
    with pytest.raises(error) as exc:
        red_letter.plan_red_lines(BLUE, blue, [], request_)
    assert rules_of(exc) == expected  # type: ignore[arg-type]
    assert all(v.message_zh and v.message_en for v in exc.value.violations)  # type: ignore[attr-defined]


def test_a_red_letter_invoice_is_never_reversed_and_a_booked_one_needs_a_form() -> None:
    red_letter.check_blue(BLUE, "")
    with pytest.raises(Refused) as exc:
        red_letter.check_blue("26121000000000000002", BLUE)
    assert rules_of(exc) == {("invoice_number", "red_letter_of_red_letter")}
    red_letter.require_direct(BLUE, False, BOOK)
    with pytest.raises(Refused) as exc:
        red_letter.require_direct(BLUE, True, BOOK)
    assert rules_of(exc) == {("invoice_number", "red_letter_confirmation_required")}
    assert "not settled law" in exc.value.violations[0].message_en
    red_letter.require_form_needed(BLUE, True, BOOK)
    with pytest.raises(Refused) as exc:
        red_letter.require_form_needed(BLUE, False, BOOK)
    assert rules_of(exc) == {("invoice_number", "confirmation_not_needed")}


def test_confirmed_form_lines_must_still_fit() -> None:
    blue = blue_lines(("a", "1", "100.00"))
    planned = red_letter.plan_red_lines(BLUE, blue, [], red(amount="60.00"))
    red_letter.check_fits(BLUE, blue, [], planned)
    other = red_letter.plan_red_lines(BLUE, blue, [], red(amount="50.00"))
    with pytest.raises(Refused) as exc:
        red_letter.check_fits(BLUE, blue, other, planned)
    assert rules_of(exc) == {("lines[0].amount", "red_letter_exceeds_blue")}


REQUESTED_AT = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def test_a_pending_form_lapses_after_72_hours() -> None:
    expiry, rule = red_letter.form_expiry(BOOK)
    assert expiry == timedelta(hours=72) and rule.verified == "unverified"
    just_before = REQUESTED_AT + expiry - timedelta(microseconds=1)
    assert red_letter.current_state(FormState.PENDING, REQUESTED_AT, just_before, BOOK) is (
        FormState.PENDING
    )
    at = REQUESTED_AT + expiry
    assert red_letter.current_state(FormState.PENDING, REQUESTED_AT, at, BOOK) is FormState.EXPIRED
    assert red_letter.current_state(FormState.CONFIRMED, REQUESTED_AT, at, BOOK) is (
        FormState.CONFIRMED
    )
    with pytest.raises(Refused) as exc:
        red_letter.check_answer(
            "R", FormState.EXPIRED, Party.SELLER, Party.BUYER, confirm=True, book=BOOK
        )
    assert rules_of(exc) == {("form_number", "form_expired")}
    assert "72" in exc.value.violations[0].message_en


def test_only_the_other_party_confirms_and_either_may_end_a_pending_form() -> None:
    for requested_by in Party:
        with pytest.raises(Refused) as exc:
            red_letter.check_answer(
                "R", FormState.PENDING, requested_by, requested_by, confirm=True, book=BOOK
            )
        assert rules_of(exc) == {("acting_as", "confirmed_by_other_party")}
        red_letter.check_answer(
            "R", FormState.PENDING, requested_by, requested_by.other, confirm=True, book=BOOK
        )
        red_letter.check_answer(
            "R", FormState.PENDING, requested_by, requested_by, confirm=False, book=BOOK
        )
    assert red_letter.answered_state(True, Party.SELLER, Party.BUYER) is FormState.CONFIRMED
    assert red_letter.answered_state(False, Party.SELLER, Party.BUYER) is FormState.DECLINED
    assert red_letter.answered_state(False, Party.BUYER, Party.BUYER) is FormState.WITHDRAWN
    for state in (FormState.CONFIRMED, FormState.DECLINED, FormState.WITHDRAWN):
        with pytest.raises(Refused) as exc:
            red_letter.check_answer("R", state, Party.SELLER, Party.BUYER, confirm=False, book=BOOK)
        assert rules_of(exc) == {("form_number", "form_state")}
    # A retry by the same party with the same answer is a repeat; anyone else is not.
    assert red_letter.answer_is_repeat(FormState.CONFIRMED, Party.BUYER, Party.BUYER, True)
    assert not red_letter.answer_is_repeat(FormState.CONFIRMED, Party.BUYER, Party.SELLER, True)
    assert not red_letter.answer_is_repeat(FormState.DECLINED, Party.BUYER, Party.BUYER, True)
    with pytest.raises(InvalidInput) as invalid:
        red_letter.check_form_party(None)
    assert rules_of(invalid) == {("acting_as", "required")}
