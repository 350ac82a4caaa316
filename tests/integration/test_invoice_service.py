"""The invoice service as a real process on the real broker and database: saga commands over
AMQP (CommandDriver), the tax-staff desk over gRPC, automatic approval and the compensation.
Invoicing against the credit line and red-letter invoices are in test_invoice_issuing.py."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import grpc

from onestop.common.v1 import application_pb2, common_pb2, desk_pb2
from onestop.invoice.v1 import invoice_pb2 as pb
from tests.support.identities import new_uscc
from tests.support.invoice_platform import (
    ACCEPTED,
    APPLICANT,
    DONE,
    ORDINARY,
    REJECTED,
    Invoicing,
    cancel_registration,
    invoice_request,
    refused,
    register_request,
    start,
)
from tests.support.participant import channel_to

# --------------------------------------------------------------------------- desk path


def test_quota_approved_at_desk_then_invoice_issued_and_reversed(platform, driver_factory):
    settings, driver, channel = start(platform, driver_factory, ONESTOP_AUTO_APPROVE="none")
    staff = Invoicing(settings, channel, "tax_staff", "tax-officer-1")
    owner = Invoicing(settings, channel, "entrepreneur", APPLICANT)
    stranger = Invoicing(settings, channel, "entrepreneur", "mallory")
    uscc = new_uscc()

    key = driver.send("invoice", "RegisterTaxpayer", register_request(uscc), applicant_id=APPLICANT)
    accepted = driver.result(key)
    assert accepted.status.outcome == ACCEPTED
    task_id = accepted.status.task_id
    assert accepted.taxpayer.state == pb.TAXPAYER_STATE_PENDING_APPROVAL
    assert accepted.taxpayer.tax_office == "国家税务总局天津市宝坻区税务局"
    assert accepted.taxpayer.legal_representative_id_masked == "120***********0033"

    listed = staff.ListTasks(desk_pb2.ListTasksRequest()).tasks
    assert [t.task_id for t in listed] == [task_id]
    task = staff.GetTask(desk_pb2.GetTaskRequest(task_id=task_id))
    assert task.requested.monthly_quantity == 50
    assert task.requested.finance_contact.id_number == "120***********0041"  # masked
    assert "120115199006070041" not in str(task)
    assert task.task.details["tax_office"] == "国家税务总局天津市宝坻区税务局"
    assert "partial" in task.task.details["rules_not_settled"]
    assert (
        staff.ClaimTask(desk_pb2.ClaimTaskRequest(task_id=task_id)).task.claimed_by
        == "tax-officer-1"
    )
    assert (
        refused(
            lambda: owner.ListTasks(desk_pb2.ListTasksRequest()), grpc.StatusCode.PERMISSION_DENIED
        )
        == set()
    )

    # Bad amounts: every one named, nothing changed.
    bad = pb.ApproveTaskRequest(
        task_id=task_id,
        max_amount_per_invoice=common_pb2.Money(amount="0.001", currency="CNY"),
        monthly_quantity=-2,
        credit_line=common_pb2.Money(amount="abc", currency="CNY"),
        kinds=[application_pb2.INVOICE_KIND_DIGITAL_SPECIAL],
    )
    assert refused(lambda: staff.ApproveTask(bad), grpc.StatusCode.INVALID_ARGUMENT) == {
        ("max_amount_per_invoice", "cents"),
        ("monthly_quantity", "positive"),
        ("credit_line", "decimal"),
        ("kinds", "special_invoice_needs_general_taxpayer"),
    }
    again = staff.GetTask(desk_pb2.GetTaskRequest(task_id=task_id))
    assert again.task.state == desk_pb2.TASK_STATE_CLAIMED
    assert again.taxpayer.state == pb.TAXPAYER_STATE_PENDING_APPROVAL

    approved = staff.ApproveTask(
        pb.ApproveTaskRequest(
            task_id=task_id,
            kinds=[ORDINARY],
            max_amount_per_invoice=common_pb2.Money(amount="20000.00", currency="CNY"),
            monthly_quantity=3,
            credit_line=common_pb2.Money(amount="30000.00", currency="CNY"),
            comment="核定",
        )
    )
    assert approved.task.state == desk_pb2.TASK_STATE_DONE
    done = driver.result(key, outcome=DONE)
    assert done.status.decided_by == "tax-officer-1"
    assert done.context.case_id == accepted.context.case_id
    quota = done.taxpayer.quota
    assert (
        quota.max_amount_per_invoice.amount,
        quota.monthly_quantity,
        quota.credit_line.amount,
    ) == ("20000.00", 3, "30000.00")
    (event,) = driver.events("invoice.TaxpayerRegistered")
    assert event.case_id == accepted.context.case_id

    # An invoice within the quota: number, tax at the small-scale 1% rate, quota decreased.
    # Hand-computed: 2 × 4999.995 = 9999.99 → tax 99.9999 → 100.00; 3 × 0.335 = 1.005 → 1.01,
    # tax 0.0101 → 0.01. Totals 10001.00 + 100.01 = 10101.01.
    request = invoice_request(
        uscc, "inv-1", ("软件开发服务", "2", "4999.995"), ("技术咨询", "3", "0.335")
    )
    assert (
        refused(lambda: stranger.IssueInvoice(request), grpc.StatusCode.PERMISSION_DENIED) == set()
    )
    issued = owner.IssueInvoice(request)
    invoice = issued.invoice
    assert len(invoice.number) == 20 and invoice.number.isdigit()
    assert invoice.number.startswith("26121")  # 2026, Tianjin 12 (partial), channel 1
    assert [(line.amount, line.tax_rate, line.tax) for line in invoice.lines] == [
        ("9999.99", "0.01", "100.00"),
        ("1.01", "0.01", "0.01"),
    ]
    assert (
        invoice.total_amount.amount,
        invoice.total_tax.amount,
        invoice.total_with_tax.amount,
    ) == ("10001.00", "100.01", "10101.01")
    assert {r.rule: r.verified for r in invoice.rules}[
        "einvoice_province_code_tianjin"
    ] == "partial"
    assert (issued.quota.quantity_used, issued.quota.credit_used.amount) == (1, "10001.00")
    assert issued.quota.credit_remaining.amount == "19999.00"
    assert issued.quota.credit_line_basis == "excluding_vat"

    # The same idempotency key: the same invoice, no second one; another request under it: no.
    assert owner.IssueInvoice(request).invoice.number == invoice.number
    other = invoice_request(uscc, "inv-1", ("别的", "1", "1"))
    assert refused(lambda: owner.IssueInvoice(other), grpc.StatusCode.FAILED_PRECONDITION) == set()

    # Beyond what is left of the credit line (19999.00), and bad lines: named, nothing changed.
    too_big = invoice_request(uscc, "inv-2", ("设备", "1", "19999.01"))
    assert refused(lambda: owner.IssueInvoice(too_big), grpc.StatusCode.FAILED_PRECONDITION) == {
        ("quota.credit_line", "credit_line")
    }
    bad_lines = invoice_request(uscc, "inv-3", ("", "1", "1"), ("x", "-1", "abc"))
    bad_lines.buyer_name = ""
    assert refused(lambda: owner.IssueInvoice(bad_lines), grpc.StatusCode.INVALID_ARGUMENT) == {
        ("buyer_name", "required"),
        ("lines[0].description", "required"),
        ("lines[1].quantity", "positive"),
        ("lines[1].unit_price", "decimal"),
    }
    state = owner.GetTaxpayer(pb.GetTaxpayerRequest(taxpayer_id=uscc))
    assert [i.number for i in state.invoices] == [invoice.number]
    assert state.taxpayer.quota.quantity_used == 1

    # A red-letter invoice reverses it: negative figures, linked both ways, quota restored.
    red_request = pb.IssueRedLetterInvoiceRequest(
        taxpayer_id=uscc, invoice_number=invoice.number, reason="开票有误", idempotency_key="red-1"
    )
    red = owner.IssueRedLetterInvoice(red_request)
    assert red.invoice.reverses == invoice.number
    assert red.invoice.number != invoice.number and red.invoice.number.startswith("26121")
    assert (red.invoice.total_amount.amount, red.invoice.total_tax.amount) == (
        "-10001.00",
        "-100.01",
    )
    assert [line.amount for line in red.invoice.lines] == ["-9999.99", "-1.01"]
    # Blue invoices issued this month: still one; the credit it used is back.
    assert (red.quota.quantity_used, red.quota.credit_used.amount) == (1, "0.00")
    assert owner.IssueRedLetterInvoice(red_request).invoice.number == red.invoice.number
    twice = pb.IssueRedLetterInvoiceRequest(
        taxpayer_id=uscc, invoice_number=invoice.number, reason="再次", idempotency_key="red-2"
    )
    assert refused(
        lambda: owner.IssueRedLetterInvoice(twice), grpc.StatusCode.FAILED_PRECONDITION
    ) == {("invoice_number", "fully_reversed")}
    numbers = {
        i.number: i for i in owner.GetTaxpayer(pb.GetTaxpayerRequest(taxpayer_id=uscc)).invoices
    }
    assert numbers[invoice.number].reversed_by == red.invoice.number
    assert list(numbers[invoice.number].red_letter_numbers) == [red.invoice.number]
    assert numbers[invoice.number].left_amount.amount == "0.00"
    assert len(numbers) == 2

    # No monthly quantity for 数电票: a fourth invoice in a month of "3" is fine; the credit line
    # (30000.00, all of it free again) is what stops the month.
    for n in range(4):
        owner.IssueInvoice(invoice_request(uscc, f"q-{n}", ("服务", "1", "7000.00")))
    assert refused(
        lambda: owner.IssueInvoice(invoice_request(uscc, "q-4", ("服务", "1", "2000.01"))),
        grpc.StatusCode.FAILED_PRECONDITION,
    ) == {("quota.credit_line", "credit_line")}
    assert owner.IssueInvoice(invoice_request(uscc, "q-5", ("服务", "1", "2000.00"))).quota == (
        pb.InvoiceQuota(
            kinds=[ORDINARY],
            max_amount_per_invoice=common_pb2.Money(amount="20000.00", currency="CNY"),
            monthly_quantity=3,
            credit_line=common_pb2.Money(amount="30000.00", currency="CNY"),
            credit_used=common_pb2.Money(amount="30000.00", currency="CNY"),
            quantity_used=6,
            month="2026-11",
            credit_remaining=common_pb2.Money(amount="0.00", currency="CNY"),
            credit_line_basis="excluding_vat",
        )
    )


def test_bad_registration_is_rejected_and_nothing_is_written(platform, driver_factory):
    settings, driver, channel = start(platform, driver_factory, ONESTOP_AUTO_APPROVE="none")
    staff = Invoicing(settings, channel, "tax_staff", "tax-officer-1")
    request = register_request(
        "91120115MA05XY1277",  # wrong check character
        kinds=[application_pb2.INVOICE_KIND_DIGITAL_SPECIAL],
        monthly_quantity=-1,
    )
    request.legal_representative.id_number = "120115198503120034"
    key = driver.send("invoice", "RegisterTaxpayer", request, applicant_id=APPLICANT)
    result = driver.result(key)
    assert result.status.outcome == REJECTED
    assert {(r.field, r.rule) for r in result.status.rejections} == {
        ("uscc", "check_char"),
        ("legal_representative.id_number", "check_char"),
        ("invoice.kinds", "special_invoice_needs_general_taxpayer"),
        ("invoice.monthly_quantity", "positive"),
    }
    assert all(r.message_zh and r.message_en for r in result.status.rejections)
    assert staff.ListTasks(desk_pb2.ListTasksRequest()).tasks == []
    case = pb.GetTaxpayerRequest(case_id=result.context.case_id)
    refused(lambda: staff.GetTaxpayer(case), grpc.StatusCode.NOT_FOUND)
    # Asking again (a redelivered command) answers the same, still nothing written.
    driver.send(
        "invoice",
        "RegisterTaxpayer",
        request,
        case_id=result.context.case_id,
        key=key,
        applicant_id=APPLICANT,
    )
    assert len(driver.results(key, count=2)) == 2
    assert driver.results(key, count=2)[-1].status == result.status
    assert staff.ListTasks(desk_pb2.ListTasksRequest()).tasks == []
    # The same action over gRPC: for the platform only, with the same rejections.
    owner = Invoicing(settings, channel, "entrepreneur", APPLICANT)
    refused(lambda: owner.RegisterTaxpayer(request), grpc.StatusCode.PERMISSION_DENIED)
    platform_caller = Invoicing(settings, channel, "system", "orchestrator")
    over_grpc = platform_caller.RegisterTaxpayer(request)
    assert over_grpc.status.outcome == REJECTED
    assert ("uscc", "check_char") in {(r.field, r.rule) for r in over_grpc.status.rejections}
    assert staff.ListTasks(desk_pb2.ListTasksRequest()).tasks == []


def test_desk_rejection_answers_the_saga_and_withdraws_the_registration(platform, driver_factory):
    settings, driver, channel = start(platform, driver_factory, ONESTOP_AUTO_APPROVE="none")
    staff = Invoicing(settings, channel, "tax_staff", "tax-officer-2")
    uscc = new_uscc()
    key = driver.send("invoice", "RegisterTaxpayer", register_request(uscc), applicant_id=APPLICANT)
    task_id = driver.result(key).status.task_id
    assert refused(
        lambda: staff.RejectTask(desk_pb2.RejectTaskRequest(task_id=task_id, reason="  ")),
        grpc.StatusCode.INVALID_ARGUMENT,
    ) == {("reason", "required")}
    staff.RejectTask(desk_pb2.RejectTaskRequest(task_id=task_id, reason="实名信息核验未通过"))
    rejected = driver.result(key, outcome=REJECTED)
    assert [(r.field, r.rule) for r in rejected.status.rejections] == [
        ("invoice", "rejected_by_tax_staff")
    ]
    assert "实名信息核验未通过" in rejected.status.reason
    taxpayer = staff.GetTaxpayer(pb.GetTaxpayerRequest(taxpayer_id=uscc)).taxpayer
    assert taxpayer.state == pb.TAXPAYER_STATE_REJECTED
    refused(
        lambda: staff.ApproveTask(pb.ApproveTaskRequest(task_id=task_id)),
        grpc.StatusCode.FAILED_PRECONDITION,
    )


def test_compensation_withdraws_the_open_task(platform, driver_factory):
    settings, driver, channel = start(platform, driver_factory, ONESTOP_AUTO_APPROVE="none")
    staff = Invoicing(settings, channel, "tax_staff", "tax-officer-1")
    uscc = new_uscc()
    key = driver.send("invoice", "RegisterTaxpayer", register_request(uscc), applicant_id=APPLICANT)
    accepted = driver.result(key)
    case_id = accepted.context.case_id
    assert cancel_registration(driver, case_id, "rejected").status.outcome == DONE
    task = staff.GetTask(desk_pb2.GetTaskRequest(task_id=accepted.status.task_id)).task
    assert task.state == desk_pb2.TASK_STATE_CANCELLED
    refused(
        lambda: staff.ApproveTask(pb.ApproveTaskRequest(task_id=task.task_id)),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    taxpayer = staff.GetTaxpayer(pb.GetTaxpayerRequest(taxpayer_id=uscc)).taxpayer
    assert taxpayer.state == pb.TAXPAYER_STATE_CANCELLED and taxpayer.cancelled


# --------------------------------------------------------------------------- automatic approval


def test_automatic_approval_and_no_second_registration(platform, driver_factory):
    settings, driver, channel = start(platform, driver_factory, ONESTOP_AUTO_APPROVE="invoice")
    staff = Invoicing(settings, channel, "tax_staff", "tax-officer-1")
    uscc = new_uscc()
    request = register_request(uscc)
    key = driver.send("invoice", "RegisterTaxpayer", request, applicant_id=APPLICANT)
    done = driver.result(key)
    case_id = done.context.case_id
    assert done.status.outcome == DONE
    assert done.status.decided_by.startswith("auto:")
    taxpayer = done.taxpayer
    assert (taxpayer.taxpayer_id, taxpayer.state) == (uscc, pb.TAXPAYER_STATE_ACTIVE)
    assert taxpayer.vat_status == pb.VAT_STATUS_SMALL_SCALE and taxpayer.vat_rate == "0.01"
    assert "财税〔2018〕33号" in taxpayer.vat_status_legal_basis
    assert (
        taxpayer.quota.max_amount_per_invoice.amount,
        taxpayer.quota.monthly_quantity,
        taxpayer.quota.credit_line.amount,
    ) == ("100000.00", 50, "1000000.00")
    verified = {r.rule: r.verified for r in taxpayer.rules}
    assert verified["small_scale_threshold_annual_sales"] == "partial"
    assert verified["einvoice_credit_line"] == "unverified"
    (granted,) = staff.GetTaxpayer(pb.GetTaxpayerRequest(taxpayer_id=uscc)).credit_line_history
    assert (granted.kind, granted.new_credit_line.amount, granted.changed_by) == (
        pb.CREDIT_LINE_CHANGE_KIND_GRANTED,
        "1000000.00",
        done.status.decided_by,
    )
    assert not granted.HasField("old_credit_line")
    assert staff.ListTasks(desk_pb2.ListTasksRequest()).tasks == []

    # The same command again (redelivery), the same case under another key, another case with
    # the same USCC: one registration, one event.
    driver.send(
        "invoice", "RegisterTaxpayer", request, case_id=case_id, key=key, applicant_id=APPLICANT
    )
    replay = driver.results(key, count=2)[-1]
    assert replay.status.outcome == DONE and replay.taxpayer.taxpayer_id == uscc
    other_key = driver.send(
        "invoice",
        "RegisterTaxpayer",
        request,
        case_id=case_id,
        key=f"{case_id}:invoice:RegisterTaxpayer:again",
        applicant_id=APPLICANT,
    )
    assert driver.result(other_key).status.outcome == DONE
    stranger_key = driver.send("invoice", "RegisterTaxpayer", request, applicant_id="bob")
    refusal = driver.result(stranger_key)
    assert refusal.status.outcome == REJECTED
    assert [(r.field, r.rule) for r in refusal.status.rejections] == [
        ("uscc", "already_registered")
    ]
    assert len(driver.events("invoice.TaxpayerRegistered")) == 1
    shown = staff.GetTaxpayer(pb.GetTaxpayerRequest(case_id=case_id)).taxpayer
    assert shown.taxpayer_id == uscc and shown.state == pb.TAXPAYER_STATE_ACTIVE

    # Beyond the standard limits, automatic approval does not apply: a task for tax staff.
    big = register_request(new_uscc(), max_amount_per_invoice="1000000.00")
    big_key = driver.send("invoice", "RegisterTaxpayer", big, applicant_id=APPLICANT)
    assert driver.result(big_key).status.outcome == ACCEPTED
    assert len(staff.ListTasks(desk_pb2.ListTasksRequest()).tasks) == 1


def test_compensation_reverses_issued_invoices_before_cancelling(platform, driver_factory):
    settings, driver, channel = start(platform, driver_factory)
    owner = Invoicing(settings, channel, "entrepreneur", APPLICANT)
    admin = Invoicing(settings, channel, "admin", "root")
    uscc = new_uscc()
    key = driver.send(
        "invoice",
        "RegisterTaxpayer",
        register_request(uscc, request_general_taxpayer=True),
        applicant_id=APPLICANT,
    )
    done = driver.result(key)
    assert done.status.outcome == DONE
    assert done.taxpayer.vat_status == pb.VAT_STATUS_GENERAL and done.taxpayer.vat_rate == "0.13"
    case_id = done.context.case_id

    # 13%: 1234.57 → 160.4941 → 160.49; 9% per line: 1.5 × 37.00 = 55.50 → 4.995 → 5.00.
    first_request = invoice_request(uscc, "c-1", ("设备", "1", "1234.57"))
    first_request.lines.append(
        pb.InvoiceLine(description="运输", quantity="1.5", unit_price="37.00", tax_rate="0.09")
    )
    first = owner.IssueInvoice(first_request).invoice
    assert [line.tax for line in first.lines] == ["160.49", "5.00"]
    assert (first.total_amount.amount, first.total_tax.amount) == ("1290.07", "165.49")
    second = owner.IssueInvoice(invoice_request(uscc, "c-2", ("服务", "2", "50.00"))).invoice
    third = owner.IssueInvoice(invoice_request(uscc, "c-3", ("服务", "1", "10.00"))).invoice
    manual = owner.IssueRedLetterInvoice(
        pb.IssueRedLetterInvoiceRequest(
            taxpayer_id=uscc, invoice_number=third.number, reason="销货退回"
        )
    ).invoice

    cancelled = cancel_registration(driver, case_id)
    assert cancelled.status.outcome == DONE
    assert cancelled.taxpayer_id == uscc
    assert list(cancelled.original_invoice_numbers) == [first.number, second.number]
    reds = list(cancelled.reversed_invoice_numbers)
    assert len(reds) == 2

    state = admin.GetTaxpayer(pb.GetTaxpayerRequest(taxpayer_id=uscc))
    assert state.taxpayer.state == pb.TAXPAYER_STATE_CANCELLED and state.taxpayer.cancelled
    invoices = {i.number: i for i in state.invoices}
    assert len(invoices) == 6  # three blue, the manual red, two red from the cancellation
    for original, red in zip((first, second), reds, strict=True):
        assert invoices[red].reverses == original.number
        assert invoices[original.number].reversed_by == red
        assert Decimal(invoices[red].total_with_tax.amount) == -Decimal(
            original.total_with_tax.amount
        )
        # Reversed before the registration was cancelled: issued no later than the cancellation.
        assert invoices[red].issued_at.ToDatetime() <= state.taxpayer.cancelled_at.ToDatetime()
    assert invoices[third.number].reversed_by == manual.number  # not reversed a second time
    (event,) = driver.events("invoice.TaxRegistrationCancelled")
    assert event.case_id == case_id

    # Idempotent: a new compensation round changes nothing and names the same invoices.
    again = cancel_registration(driver, case_id, round_=2)
    assert list(again.reversed_invoice_numbers) == reds
    assert len(admin.GetTaxpayer(pb.GetTaxpayerRequest(taxpayer_id=uscc)).invoices) == 6
    assert len(driver.events("invoice.TaxRegistrationCancelled")) == 1

    # A cancelled registration issues nothing, and the saga action cannot come back.
    refused(
        lambda: owner.IssueInvoice(invoice_request(uscc, "c-4", ("服务", "1", "1"))),
        grpc.StatusCode.FAILED_PRECONDITION,
    )
    late = driver.send(
        "invoice",
        "RegisterTaxpayer",
        register_request(uscc),
        case_id=case_id,
        key=f"{case_id}:invoice:RegisterTaxpayer:late",
        applicant_id=APPLICANT,
    )
    assert driver.result(late).status.outcome == REJECTED


def test_concurrent_invoices_get_distinct_numbers_and_respect_the_credit_line(
    platform, driver_factory
):
    settings, driver, _ = start(platform, driver_factory)
    uscc = new_uscc()
    # Initial line: 100.00 × 5 a month = 500.00; eight invoices of 100.00 at once: five fit.
    key = driver.send(
        "invoice",
        "RegisterTaxpayer",
        register_request(uscc, max_amount_per_invoice="100.00", monthly_quantity=5),
        applicant_id=APPLICANT,
    )
    assert driver.result(key).taxpayer.quota.credit_line.amount == "500.00"

    def issue(n: int) -> str:
        with channel_to(settings, "invoice") as own_channel:
            client = Invoicing(settings, own_channel, "entrepreneur", APPLICANT)
            try:
                request = invoice_request(uscc, f"par-{n}", ("服务", "1", "100.00"))
                return str(client.IssueInvoice(request).invoice.number)
            except grpc.RpcError as error:
                return error.code().name

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(issue, range(8)))
    numbers = [o for o in outcomes if o.isdigit()]
    assert len(numbers) == 5 and len(set(numbers)) == 5
    assert sorted(o for o in outcomes if not o.isdigit()) == ["FAILED_PRECONDITION"] * 3
    assert sorted(int(n[5:]) for n in numbers) == [1, 2, 3, 4, 5]
