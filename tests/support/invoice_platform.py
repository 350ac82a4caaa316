"""Helpers for the invoice service's integration tests: the saga's RegisterTaxpayer built from
the sample form, gRPC clients for one role, the invoice service started alone on a fixed business
day, and the requests the tests send."""

from __future__ import annotations

import grpc
import pytest
from grpc_status import rpc_status

from onestop.common.v1 import application_pb2, common_pb2
from onestop.invoice.v1 import invoice_pb2 as pb
from onestop.invoice.v1 import invoice_pb2_grpc as pb_grpc
from onestop_cli.client import load_form
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


def start(platform, opened: list[CommandDriver | grpc.Channel], **env: str):  # type: ignore[no-untyped-def]
    """The invoice service alone (business day fixed by CLOCK), a command driver, a channel."""
    supervisor = platform.start(("invoice",), **CLOCK, **env)
    driver = CommandDriver(supervisor.settings)
    channel = channel_to(supervisor.settings, "invoice")
    opened.extend((driver, channel))
    return supervisor.settings, driver, channel


def registered(driver: CommandDriver, uscc: str, applicant: str, **invoice: object) -> pb.Taxpayer:
    key = driver.send(
        "invoice", "RegisterTaxpayer", register_request(uscc, **invoice), applicant_id=applicant
    )
    done = driver.result(key)
    assert done.status.outcome == DONE, done.status
    return done.taxpayer


def cancel_registration(
    driver: CommandDriver, case_id: str, reason: str = "bank rejected", *, round_: int = 1
) -> pb.CancelTaxRegistrationResponse:
    """The saga's compensation of the case's invoice step, round ``round_``: its result."""
    key = driver.send(
        "invoice",
        "CancelTaxRegistration",
        pb.CancelTaxRegistrationRequest(reason=reason),
        case_id=case_id,
        step="invoice",
        key=f"{case_id}:invoice:CancelTaxRegistration:{round_}",
    )
    return driver.result(key)


def form_request(
    seller_id: str,
    invoice_number: str,
    acting_as: int,
    reason: str,
    *,
    amount: str = "",
    key: str = "",
) -> pb.RequestRedLetterFormRequest:
    """A red-letter confirmation form asked for on the seller's invoice by the party
    ``acting_as`` (pb.RED_LETTER_PARTY_*): for ``amount``, or for all that is left of it."""
    return pb.RequestRedLetterFormRequest(
        seller_taxpayer_id=seller_id,
        invoice_number=invoice_number,
        acting_as=acting_as,
        amount=amount,
        reason=reason,
        idempotency_key=key,
    )


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
