"""The invoice service as a real process on the real broker and database: saga commands over
AMQP (CommandDriver), the company's invoicing (credit line, partial red-letter invoices,
confirmation forms) and the tax-staff desk over gRPC."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import grpc
import pytest
from grpc_status import rpc_status

from onestop.common.v1 import application_pb2, common_pb2, desk_pb2
from onestop.invoice.v1 import invoice_pb2 as pb
from onestop.invoice.v1 import invoice_pb2_grpc as pb_grpc
from onestop_cli.client import load_form
from onestop_common.identifiers import make_orgcode, make_uscc
from onestop_common.protoconv import rejections_from_status
from onestop_common.settings import Settings
from tests.support.cases import SAMPLE
from tests.support.participant import CommandDriver, channel_to, credential

DONE, ACCEPTED, REJECTED = (
    common_pb2.OUTCOME_DONE,
    common_pb2.OUTCOME_ACCEPTED,
    common_pb2.OUTCOME_REJECTED,
)
ORDINARY = application_pb2.INVOICE_KIND_DIGITAL_ORDINARY
# A fixed business day: the 1% small-scale rate is in force (to 2027-12-31) and numbers start 26.
CLOCK = {"ONESTOP_CLOCK_START": "2026-11-26T10:00:00+08:00"}
APPLICANT = "alice"
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def new_uscc() -> str:
    body = "".join(_ALPHABET[b % 31] for b in uuid.uuid4().bytes[:8])
    org = make_orgcode(body).replace("-", "")
    if not all(ch in _ALPHABET for ch in org):
        return new_uscc()
    return make_uscc("9", "1", "120115", org)


def register_request(uscc: str, **invoice: object) -> pb.RegisterTaxpayerRequest:
    """The saga's command, built from the sample application form as open_company does."""
    form = load_form(SAMPLE)
    request = pb.RegisterTaxpayerRequest(
        uscc=uscc,
        company_name="天津宝坻示例科技有限公司",
        legal_representative=form.legal_representative,
        invoice=form.invoice,
        division_code=form.domicile.division_code,
        domicile=form.domicile,
        enterprise_type=form.enterprise_type,
    )
    for name, value in invoice.items():
        if name in ("max_amount_per_invoice", "expected_annual_sales"):
            getattr(request.invoice, name).amount = value
        elif name == "kinds":
            del request.invoice.kinds[:]
            request.invoice.kinds.extend(value)  # type: ignore[arg-type]
        else:
            setattr(request.invoice, name, value)
    return request


class Invoicing:
    """gRPC clients for one role."""

    def __init__(self, settings: Settings, channel: grpc.Channel, role: str, subject: str) -> None:
        self.metadata = credential(settings, role, subject)
        self.service = pb_grpc.InvoiceServiceStub(channel)
        self.desk = pb_grpc.InvoiceDeskStub(channel)

    def __getattr__(self, rpc: str):  # type: ignore[no-untyped-def]
        stub = self.desk if hasattr(self.desk, rpc) else self.service
        method = getattr(stub, rpc)
        return lambda request: method(request, metadata=self.metadata, timeout=10)


def refused(call, code: grpc.StatusCode) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Runs a gRPC call that must fail with ``code``; returns its (field, rule) rejections."""
    with pytest.raises(grpc.RpcError) as info:
        call()
    assert info.value.code() == code, info.value.details()
    status = rpc_status.from_call(info.value)
    found = rejections_from_status(status) if status is not None else []
    for rejection in found:
        assert rejection.message_zh and rejection.message_en
    return {(r.field, r.rule) for r in found}


def invoice_request(uscc: str, key: str, *lines: tuple[str, str, str]) -> pb.IssueInvoiceRequest:
    return pb.IssueInvoiceRequest(
        taxpayer_id=uscc,
        kind=ORDINARY,
        buyer_name="天津某贸易有限公司",
        idempotency_key=key,
        lines=[pb.InvoiceLine(description=d, quantity=q, unit_price=p) for d, q, p in lines],
    )


@pytest.fixture
def driver_factory() -> Iterator[list[CommandDriver | grpc.Channel]]:
    """Collects the test's command drivers and channels and closes them afterwards."""
    opened: list[CommandDriver | grpc.Channel] = []
    yield opened
    for item in opened:
        item.close()


def start(platform, opened: list[CommandDriver | grpc.Channel], **env: str):  # type: ignore[no-untyped-def]
    """The invoice service alone (business day fixed by CLOCK), a command driver, a channel."""
    supervisor = platform.start(("invoice",), **CLOCK, **env)
    driver = CommandDriver(supervisor.settings)
    channel = channel_to(supervisor.settings, "invoice")
    opened.extend((driver, channel))
    return supervisor.settings, driver, channel


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

    listed = staff.ListTasks(pb.ListTasksRequest()).tasks
    assert [t.task_id for t in listed] == [task_id]
    task = staff.GetTask(pb.GetTaskRequest(task_id=task_id))
    assert task.requested.monthly_quantity == 50
    assert task.requested.finance_contact.id_number == "120***********0041"  # masked
    assert "120115199006070041" not in str(task)
    assert task.task.details["tax_office"] == "国家税务总局天津市宝坻区税务局"
    assert "partial" in task.task.details["rules_not_settled"]
    assert staff.ClaimTask(pb.ClaimTaskRequest(task_id=task_id)).task.claimed_by == "tax-officer-1"
    assert (
        refused(lambda: owner.ListTasks(pb.ListTasksRequest()), grpc.StatusCode.PERMISSION_DENIED)
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
    again = staff.GetTask(pb.GetTaskRequest(task_id=task_id))
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
    assert staff.ListTasks(pb.ListTasksRequest()).tasks == []
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
    assert staff.ListTasks(pb.ListTasksRequest()).tasks == []
    # The same action over gRPC: for the platform only, with the same rejections.
    owner = Invoicing(settings, channel, "entrepreneur", APPLICANT)
    refused(lambda: owner.RegisterTaxpayer(request), grpc.StatusCode.PERMISSION_DENIED)
    platform_caller = Invoicing(settings, channel, "system", "orchestrator")
    over_grpc = platform_caller.RegisterTaxpayer(request)
    assert over_grpc.status.outcome == REJECTED
    assert ("uscc", "check_char") in {(r.field, r.rule) for r in over_grpc.status.rejections}
    assert staff.ListTasks(pb.ListTasksRequest()).tasks == []


def test_desk_rejection_answers_the_saga_and_withdraws_the_registration(platform, driver_factory):
    settings, driver, channel = start(platform, driver_factory, ONESTOP_AUTO_APPROVE="none")
    staff = Invoicing(settings, channel, "tax_staff", "tax-officer-2")
    uscc = new_uscc()
    key = driver.send("invoice", "RegisterTaxpayer", register_request(uscc), applicant_id=APPLICANT)
    task_id = driver.result(key).status.task_id
    assert refused(
        lambda: staff.RejectTask(pb.RejectTaskRequest(task_id=task_id, reason="  ")),
        grpc.StatusCode.INVALID_ARGUMENT,
    ) == {("reason", "required")}
    staff.RejectTask(pb.RejectTaskRequest(task_id=task_id, reason="实名信息核验未通过"))
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
    cancel = driver.send(
        "invoice",
        "CancelTaxRegistration",
        pb.CancelTaxRegistrationRequest(reason="rejected"),
        case_id=case_id,
        step="invoice",
        key=f"{case_id}:invoice:CancelTaxRegistration:1",
    )
    assert driver.result(cancel).status.outcome == DONE
    task = staff.GetTask(pb.GetTaskRequest(task_id=accepted.status.task_id)).task
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
    assert staff.ListTasks(pb.ListTasksRequest()).tasks == []

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
    assert len(staff.ListTasks(pb.ListTasksRequest()).tasks) == 1


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

    step_key = f"{case_id}:invoice:CancelTaxRegistration:1"
    driver.send(
        "invoice",
        "CancelTaxRegistration",
        pb.CancelTaxRegistrationRequest(reason="bank rejected"),
        case_id=case_id,
        step="invoice",
        key=step_key,
    )
    cancelled = driver.result(step_key)
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
    again_key = f"{case_id}:invoice:CancelTaxRegistration:2"
    driver.send(
        "invoice",
        "CancelTaxRegistration",
        pb.CancelTaxRegistrationRequest(reason="bank rejected"),
        case_id=case_id,
        step="invoice",
        key=again_key,
    )
    again = driver.result(again_key)
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


# --------------------------------------------------------------------------- credit line


def registered(driver: CommandDriver, uscc: str, applicant: str, **invoice: object) -> pb.Taxpayer:
    key = driver.send(
        "invoice", "RegisterTaxpayer", register_request(uscc, **invoice), applicant_id=applicant
    )
    done = driver.result(key)
    assert done.status.outcome == DONE, done.status
    return done.taxpayer


def cny(amount: str) -> common_pb2.Money:
    return common_pb2.Money(amount=amount, currency="CNY")


def red_request(
    uscc: str, number: str, key: str, *, amount: str = "", lines: tuple[tuple[int, str], ...] = ()
) -> pb.IssueRedLetterInvoiceRequest:
    return pb.IssueRedLetterInvoiceRequest(
        taxpayer_id=uscc,
        invoice_number=number,
        reason="销售折让",
        idempotency_key=key,
        amount=amount,
        lines=[pb.RedLetterLine(line_number=n, amount=a) for n, a in lines],
    )


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
    early = pb.RequestRedLetterFormRequest(
        seller_taxpayer_id=seller_id,
        invoice_number=blue.number,
        acting_as=pb.RED_LETTER_PARTY_SELLER,
        amount="1.00",
        reason="x",
    )
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
    ask = pb.RequestRedLetterFormRequest(
        seller_taxpayer_id=seller_id,
        invoice_number=blue.number,
        acting_as=pb.RED_LETTER_PARTY_SELLER,
        amount="400.00",
        reason="部分退货",
        idempotency_key="form-1",
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
    greedy = pb.RequestRedLetterFormRequest(
        seller_taxpayer_id=seller_id,
        invoice_number=blue.number,
        acting_as=pb.RED_LETTER_PARTY_BUYER,
        amount="500.01",
        reason="退货",
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
    rest = pb.RequestRedLetterFormRequest(
        seller_taxpayer_id=seller_id,
        invoice_number=blue.number,
        acting_as=pb.RED_LETTER_PARTY_BUYER,
        reason="全部退货",
    )
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

    step_key = f"{case_id}:invoice:CancelTaxRegistration:1"
    driver.send(
        "invoice",
        "CancelTaxRegistration",
        pb.CancelTaxRegistrationRequest(reason="bank rejected"),
        case_id=case_id,
        step="invoice",
        key=step_key,
    )
    cancelled = driver.result(step_key)
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
