"""The company's invoicing on a real invoice service: the credit line consumed, restored and
adjusted by tax staff, partial red-letter invoices, and confirmation forms for invoices the
buyer has booked (also when the compensation reverses them)."""

from __future__ import annotations

import grpc

from onestop.invoice.v1 import invoice_pb2 as pb
from tests.support.identities import new_uscc
from tests.support.invoice_platform import (
    APPLICANT,
    Invoicing,
    cancel_registration,
    cny,
    form_request,
    invoice_request,
    red_request,
    refused,
    register_request,
    registered,
    start,
)

# --------------------------------------------------------------------------- credit line


def test_credit_line_consumed_restored_and_adjusted_by_tax_staff(platform, driver_factory):
    settings, driver, channel = start(platform, driver_factory)
    owner = Invoicing(settings, channel, "entrepreneur", APPLICANT)
    staff = Invoicing(settings, channel, "tax_staff", "tax-officer-7")
    uscc = new_uscc()
    # Granted at registration: 1000.00 × 2 = 2000.00 a month, excluding VAT.
    taxpayer = registered(
        driver, uscc, APPLICANT, max_amount_per_invoice="1000.00", monthly_quantity=2
    )
    assert taxpayer.quota.credit_line.amount == "2000.00"

    # Consumed: 1500.00 (a line at 5% and an exempt line); 600.00 more does not fit.
    first = invoice_request(uscc, "cl-1", ("房屋租金", "1", "1000.00"))
    first.lines[0].tax_rate = "0.05"
    first.lines.append(
        pb.InvoiceLine(description="自产农产品", quantity="5", unit_price="100.00", vat_exempt=True)
    )
    blue = owner.IssueInvoice(first)
    assert [(x.tax_rate, x.tax, x.vat_exempt) for x in blue.invoice.lines] == [
        ("0.05", "50.00", False),
        ("0", "0.00", True),
    ]
    assert {r.rule: r.verified for r in blue.invoice.rules}["levy_rate_5"] == "unverified"
    assert (blue.quota.credit_used.amount, blue.quota.credit_remaining.amount) == (
        "1500.00",
        "500.00",
    )
    over = invoice_request(uscc, "cl-2", ("服务", "1", "500.01"))
    assert refused(lambda: owner.IssueInvoice(over), grpc.StatusCode.FAILED_PRECONDITION) == {
        ("quota.credit_line", "credit_line")
    }

    # Restored: a red-letter invoice of 300.00 on the first line gives 300.00 back.
    red = owner.IssueRedLetterInvoice(
        red_request(uscc, blue.invoice.number, "cl-red", lines=((1, "300.00"),))
    )
    assert (red.invoice.total_amount.amount, red.invoice.total_tax.amount) == ("-300.00", "-15.00")
    assert (red.quota.credit_used.amount, red.quota.credit_remaining.amount) == (
        "1200.00",
        "800.00",
    )
    assert owner.IssueInvoice(over).quota.credit_remaining.amount == "299.99"

    # Tax staff adjust it (reason required, field-named errors; entrepreneurs may not).
    adjust = pb.AdjustCreditLineRequest(
        taxpayer_id=uscc, credit_line=cny("5000.00"), reason="经营规模扩大", idempotency_key="adj-1"
    )
    assert (
        refused(lambda: owner.AdjustCreditLine(adjust), grpc.StatusCode.PERMISSION_DENIED) == set()
    )
    no_reason = pb.AdjustCreditLineRequest(taxpayer_id=uscc, credit_line=cny("-1"))
    assert refused(lambda: staff.AdjustCreditLine(no_reason), grpc.StatusCode.INVALID_ARGUMENT) == {
        ("credit_line.amount", "not_negative"),
        ("reason", "required"),
    }
    adjusted = staff.AdjustCreditLine(adjust)
    assert (
        adjusted.change.kind,
        adjusted.change.old_credit_line.amount,
        adjusted.change.new_credit_line.amount,
        adjusted.change.changed_by,
        adjusted.change.reason,
    ) == (
        pb.CREDIT_LINE_CHANGE_KIND_ADJUSTED,
        "2000.00",
        "5000.00",
        "tax-officer-7",
        "经营规模扩大",
    )
    assert adjusted.taxpayer.quota.credit_remaining.amount == "3299.99"
    # The same key again: the same change, not a second one; another request under it: no.
    again = staff.AdjustCreditLine(adjust)
    assert again.change == adjusted.change and len(again.credit_line_history) == 2
    reused = pb.AdjustCreditLineRequest(
        taxpayer_id=uscc, credit_line=cny("6000.00"), reason="x", idempotency_key="adj-1"
    )
    refused(lambda: staff.AdjustCreditLine(reused), grpc.StatusCode.FAILED_PRECONDITION)
    assert owner.IssueInvoice(invoice_request(uscc, "cl-3", ("服务", "1", "3000.00")))

    # Down to zero (e.g. after a risk finding): nothing more is issued.
    staff.AdjustCreditLine(
        pb.AdjustCreditLineRequest(taxpayer_id=uscc, credit_line=cny("0"), reason="风险核查")
    )
    assert refused(
        lambda: owner.IssueInvoice(invoice_request(uscc, "cl-4", ("服务", "1", "0.01"))),
        grpc.StatusCode.FAILED_PRECONDITION,
    ) == {("quota.credit_line", "credit_line")}
    history = owner.GetTaxpayer(pb.GetTaxpayerRequest(taxpayer_id=uscc)).credit_line_history
    assert [(h.kind, h.old_credit_line.amount, h.new_credit_line.amount) for h in history] == [
        (pb.CREDIT_LINE_CHANGE_KIND_GRANTED, "", "2000.00"),
        (pb.CREDIT_LINE_CHANGE_KIND_ADJUSTED, "2000.00", "5000.00"),
        (pb.CREDIT_LINE_CHANGE_KIND_ADJUSTED, "5000.00", "0.00"),
    ]
    assert all(h.changed_at.seconds for h in history)
    unknown = pb.AdjustCreditLineRequest(
        taxpayer_id=new_uscc(), credit_line=cny("1.00"), reason="x"
    )
    refused(lambda: staff.AdjustCreditLine(unknown), grpc.StatusCode.NOT_FOUND)


# --------------------------------------------------------------------------- red letters


def test_two_partial_red_letters_then_a_third_beyond_the_total_is_refused(platform, driver_factory):
    settings, driver, channel = start(platform, driver_factory)
    owner = Invoicing(settings, channel, "entrepreneur", APPLICANT)
    uscc = new_uscc()
    registered(driver, uscc, APPLICANT)
    blue = owner.IssueInvoice(invoice_request(uscc, "b-1", ("设备", "4", "250.00"))).invoice
    assert (blue.total_amount.amount, blue.total_tax.amount) == ("1000.00", "10.00")
    assert (blue.reversed_amount.amount, blue.left_with_tax.amount) == ("0.00", "1010.00")

    first = owner.IssueRedLetterInvoice(red_request(uscc, blue.number, "r-1", amount="300.00"))
    second = owner.IssueRedLetterInvoice(
        red_request(uscc, blue.number, "r-2", lines=((1, "500.00"),))
    )
    assert [
        (r.invoice.total_amount.amount, r.invoice.total_tax.amount) for r in (first, second)
    ] == [
        ("-300.00", "-3.00"),
        ("-500.00", "-5.00"),
    ]
    assert [line.reverses_line for line in second.invoice.lines] == [1]
    assert second.quota.credit_used.amount == "200.00"
    # A retried request answers with the same red-letter invoice, not a third one.
    assert (
        owner.IssueRedLetterInvoice(
            red_request(uscc, blue.number, "r-1", amount="300.00")
        ).invoice.number
        == first.invoice.number
    )

    third = red_request(uscc, blue.number, "r-3", amount="200.01")
    assert refused(
        lambda: owner.IssueRedLetterInvoice(third), grpc.StatusCode.FAILED_PRECONDITION
    ) == {("amount", "red_letter_exceeds_blue")}
    by_line = red_request(uscc, blue.number, "r-4", lines=((1, "300.00"),))
    assert refused(
        lambda: owner.IssueRedLetterInvoice(by_line), grpc.StatusCode.FAILED_PRECONDITION
    ) == {("lines[0].amount", "red_letter_exceeds_blue")}
    bad_line = red_request(uscc, blue.number, "r-5", lines=((2, "1.00"),))
    assert refused(
        lambda: owner.IssueRedLetterInvoice(bad_line), grpc.StatusCode.INVALID_ARGUMENT
    ) == {("lines[0].line_number", "blue_line")}

    state = owner.GetTaxpayer(pb.GetTaxpayerRequest(taxpayer_id=uscc))
    shown = {i.number: i for i in state.invoices}
    assert len(shown) == 3  # the blue invoice and two red-letter invoices: nothing refused stuck
    assert list(shown[blue.number].red_letter_numbers) == [
        first.invoice.number,
        second.invoice.number,
    ]
    assert (
        shown[blue.number].reversed_amount.amount,
        shown[blue.number].left_amount.amount,
        shown[blue.number].left_with_tax.amount,
        shown[blue.number].reversed_by,
    ) == ("800.00", "200.00", "202.00", "")

    # The rest, with no amount: exactly what is left; the blue invoice is then fully reversed.
    last = owner.IssueRedLetterInvoice(red_request(uscc, blue.number, "r-6"))
    assert (last.invoice.total_amount.amount, last.invoice.total_tax.amount) == ("-200.00", "-2.00")
    assert [line.quantity for line in last.invoice.lines] == ["-0.8"]
    assert last.quota.credit_used.amount == "0.00"
    final = {
        i.number: i for i in owner.GetTaxpayer(pb.GetTaxpayerRequest(taxpayer_id=uscc)).invoices
    }
    assert final[blue.number].reversed_by == last.invoice.number
    assert final[blue.number].left_with_tax.amount == "0.00"


def test_booked_invoice_is_reversed_only_through_a_confirmed_form(platform, driver_factory):
    settings, driver, channel = start(platform, driver_factory)
    seller = Invoicing(settings, channel, "entrepreneur", APPLICANT)
    buyer = Invoicing(settings, channel, "entrepreneur", "bob")
    stranger = Invoicing(settings, channel, "entrepreneur", "mallory")
    staff = Invoicing(settings, channel, "tax_staff", "tax-officer-1")
    seller_id, buyer_id = new_uscc(), new_uscc()
    registered(driver, seller_id, APPLICANT)
    registered(driver, buyer_id, "bob")
    request = invoice_request(seller_id, "f-1", ("咨询服务", "1", "1000.00"))
    request.buyer_taxpayer_id = buyer_id
    blue = seller.IssueInvoice(request).invoice

    # Before booking the seller reverses directly, and no form is needed.
    direct = seller.IssueRedLetterInvoice(
        red_request(seller_id, blue.number, "f-r1", amount="100.00")
    )
    assert direct.invoice.confirmation_number == ""
    early = form_request(seller_id, blue.number, pb.RED_LETTER_PARTY_SELLER, "x", amount="1.00")
    assert refused(
        lambda: seller.RequestRedLetterForm(early), grpc.StatusCode.FAILED_PRECONDITION
    ) == {("invoice_number", "confirmation_not_needed")}

    # The buyer books it (only the buyer, or tax staff, may record that).
    booking = pb.RecordInvoiceBookingRequest(
        seller_taxpayer_id=seller_id, invoice_number=blue.number
    )
    refused(lambda: stranger.RecordInvoiceBooking(booking), grpc.StatusCode.PERMISSION_DENIED)
    refused(lambda: seller.RecordInvoiceBooking(booking), grpc.StatusCode.PERMISSION_DENIED)
    booked = buyer.RecordInvoiceBooking(booking).invoice
    assert booked.booked_at.seconds
    assert buyer.RecordInvoiceBooking(booking).invoice.booked_at == booked.booked_at

    # Now a direct red-letter invoice is refused: a form is required.
    assert refused(
        lambda: seller.IssueRedLetterInvoice(
            red_request(seller_id, blue.number, "f-r2", amount="1")
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
    ) == {("invoice_number", "red_letter_confirmation_required")}

    # The seller requests a form for 400.00; it waits for the buyer.
    ask = form_request(
        seller_id,
        blue.number,
        pb.RED_LETTER_PARTY_SELLER,
        "部分退货",
        amount="400.00",
        key="form-1",
    )
    refused(lambda: buyer.RequestRedLetterForm(ask), grpc.StatusCode.PERMISSION_DENIED)
    form = seller.RequestRedLetterForm(ask).form
    assert form.number.startswith("R2612") and len(form.number) == 20
    assert (form.state, form.requested_by, form.total_amount.amount, form.total_tax.amount) == (
        pb.RED_LETTER_FORM_STATE_PENDING,
        pb.RED_LETTER_PARTY_SELLER,
        "-400.00",
        "-4.00",
    )
    assert form.expires_at.seconds - form.requested_at.seconds == 72 * 3600
    assert {r.rule: r.verified for r in form.rules}["red_letter_confirmation_form"] == "unverified"
    assert seller.RequestRedLetterForm(ask).form.number == form.number  # retried: same form
    # While it waits, its 400.00 is held: only 500.00 is left for another form.
    greedy = form_request(
        seller_id, blue.number, pb.RED_LETTER_PARTY_BUYER, "退货", amount="500.01"
    )
    assert refused(
        lambda: buyer.RequestRedLetterForm(greedy), grpc.StatusCode.FAILED_PRECONDITION
    ) == {("amount", "red_letter_exceeds_blue")}

    confirm_as_seller = pb.ConfirmRedLetterFormRequest(
        seller_taxpayer_id=seller_id, form_number=form.number, acting_as=pb.RED_LETTER_PARTY_SELLER
    )
    assert refused(
        lambda: seller.ConfirmRedLetterForm(confirm_as_seller), grpc.StatusCode.FAILED_PRECONDITION
    ) == {("acting_as", "confirmed_by_other_party")}
    confirm = pb.ConfirmRedLetterFormRequest(
        seller_taxpayer_id=seller_id, form_number=form.number, acting_as=pb.RED_LETTER_PARTY_BUYER
    )
    refused(lambda: stranger.ConfirmRedLetterForm(confirm), grpc.StatusCode.PERMISSION_DENIED)
    confirmed = buyer.ConfirmRedLetterForm(confirm)
    assert confirmed.form.state == pb.RED_LETTER_FORM_STATE_CONFIRMED
    assert confirmed.form.answered_by == pb.RED_LETTER_PARTY_BUYER
    assert confirmed.invoice.confirmation_number == form.number
    assert confirmed.invoice.reverses == blue.number
    assert confirmed.invoice.total_amount.amount == "-400.00"
    assert confirmed.form.red_letter_invoice_number == confirmed.invoice.number
    assert buyer.ConfirmRedLetterForm(confirm).invoice.number == confirmed.invoice.number

    # The buyer asks for the rest; the seller declines it; nothing is reversed by it.
    rest = form_request(seller_id, blue.number, pb.RED_LETTER_PARTY_BUYER, "全部退货")
    second = buyer.RequestRedLetterForm(rest).form
    assert second.total_amount.amount == "-500.00"
    decline = pb.DeclineRedLetterFormRequest(
        seller_taxpayer_id=seller_id,
        form_number=second.number,
        acting_as=pb.RED_LETTER_PARTY_SELLER,
        reason="",
    )
    assert refused(
        lambda: seller.DeclineRedLetterForm(decline), grpc.StatusCode.INVALID_ARGUMENT
    ) == {("reason", "required")}
    decline.reason = "未收到退货"
    assert seller.DeclineRedLetterForm(decline).form.state == pb.RED_LETTER_FORM_STATE_DECLINED
    answer = pb.ConfirmRedLetterFormRequest(
        seller_taxpayer_id=seller_id,
        form_number=second.number,
        acting_as=pb.RED_LETTER_PARTY_SELLER,
    )
    assert refused(
        lambda: seller.ConfirmRedLetterForm(answer), grpc.StatusCode.FAILED_PRECONDITION
    ) == {("form_number", "form_state")}

    # Both parties (and tax staff) read a form; nobody else does.
    lookup = pb.GetRedLetterFormRequest(seller_taxpayer_id=seller_id, form_number=form.number)
    shown = buyer.GetRedLetterForm(lookup)
    assert shown.form.state == pb.RED_LETTER_FORM_STATE_CONFIRMED
    assert (shown.blue_invoice.reversed_amount.amount, shown.blue_invoice.left_amount.amount) == (
        "500.00",
        "500.00",
    )
    assert staff.GetRedLetterForm(lookup).form.number == form.number
    refused(lambda: stranger.GetRedLetterForm(lookup), grpc.StatusCode.PERMISSION_DENIED)
    state = seller.GetTaxpayer(pb.GetTaxpayerRequest(taxpayer_id=seller_id))
    assert [(f.number, f.state) for f in state.red_letter_forms] == [
        (form.number, pb.RED_LETTER_FORM_STATE_CONFIRMED),
        (second.number, pb.RED_LETTER_FORM_STATE_DECLINED),
    ]
    assert state.taxpayer.quota.credit_used.amount == "500.00"


def test_compensation_asks_the_buyer_to_confirm_what_it_booked(platform, driver_factory):
    settings, driver, channel = start(platform, driver_factory)
    seller = Invoicing(settings, channel, "entrepreneur", APPLICANT)
    buyer = Invoicing(settings, channel, "entrepreneur", "bob")
    seller_id, buyer_id = new_uscc(), new_uscc()
    key = driver.send(
        "invoice", "RegisterTaxpayer", register_request(seller_id), applicant_id=APPLICANT
    )
    case_id = driver.result(key).context.case_id
    registered(driver, buyer_id, "bob")
    booked_request = invoice_request(seller_id, "k-1", ("服务", "1", "300.00"))
    booked_request.buyer_taxpayer_id = buyer_id
    booked = seller.IssueInvoice(booked_request).invoice
    plain = seller.IssueInvoice(invoice_request(seller_id, "k-2", ("服务", "1", "50.00"))).invoice
    buyer.RecordInvoiceBooking(
        pb.RecordInvoiceBookingRequest(seller_taxpayer_id=seller_id, invoice_number=booked.number)
    )

    cancelled = cancel_registration(driver, case_id)
    assert list(cancelled.original_invoice_numbers) == [plain.number]
    (form_number,) = cancelled.pending_form_numbers
    (event,) = driver.events("invoice.TaxRegistrationCancelled")
    body = pb.TaxRegistrationCancelled.FromString(event.body)
    assert list(body.pending_form_numbers) == [form_number]

    confirmed = buyer.ConfirmRedLetterForm(
        pb.ConfirmRedLetterFormRequest(
            seller_taxpayer_id=seller_id,
            form_number=form_number,
            acting_as=pb.RED_LETTER_PARTY_BUYER,
        )
    )
    assert confirmed.invoice.reverses == booked.number
    assert confirmed.invoice.total_amount.amount == "-300.00"
    invoices = {
        i.number: i
        for i in seller.GetTaxpayer(pb.GetTaxpayerRequest(taxpayer_id=seller_id)).invoices
    }
    assert invoices[booked.number].reversed_by == confirmed.invoice.number
    assert invoices[plain.number].reversed_by == cancelled.reversed_invoice_numbers[0]
