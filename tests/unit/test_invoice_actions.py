"""The invoice service's saga actions run in-process: RegisterTaxpayer, CancelTaxRegistration and
CheckApplication called as the service calls them, on the service's own migrated SQLite database.

Here the saga runner (``run_saga_action``: the idempotency key, the compensation that overtook
its action) is applied by the transport, ``Service.RegisterTaxpayer``, not by the action; the
tests wrap the actions the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

import pytest

import svc_invoice
from onestop.common.v1 import application_pb2, common_pb2
from onestop.invoice.v1 import invoice_pb2 as pb
from onestop_common import desk
from onestop_common import messaging as m
from onestop_common.calendar import BusinessCalendar
from onestop_common.identity import Principal, Role
from svc_invoice import actions
from svc_invoice.actions import Env
from svc_invoice.domain import PARTICIPANT, TaxpayerState
from svc_invoice.models import Inbox, Invoice, Outbox, Task, Taxpayer
from svc_invoice.rulebook import default_book
from tests.support.in_process import (
    APPLICANT,
    COMPANY_NAME,
    NOW,
    StepCommands,
    personal_numbers,
    rejected_fields,
    sample_form,
    uscc,
)
from tests.support.service_db import OpenServiceDb, ServiceDb, ServiceSchema

Outcome = common_pb2.Outcome
CASE = "OS20261126-TAX0000001"
OTHER_CASE = "OS20261126-TAX0000002"
USCC = uscc()
CANCEL = "CancelTaxRegistration"
SCHEMA = ServiceSchema(PARTICIPANT, svc_invoice, Outbox, Inbox)
COMMANDS = StepCommands("invoice", USCC)


@dataclass
class Invoicing:
    db: ServiceDb
    env: Env

    def register(
        self, request: pb.RegisterTaxpayerRequest, *, auto: bool = True
    ) -> pb.RegisterTaxpayerResponse:
        env = replace(self.env, auto_approve=auto)
        return self.db.run_saga_action(
            actions.REGISTER,
            request,
            pb.RegisterTaxpayerResponse,
            lambda u: actions.register_taxpayer(u, request, env),
            compensated_by=CANCEL,
        )

    def cancel(self, request: pb.CancelTaxRegistrationRequest) -> pb.CancelTaxRegistrationResponse:
        return self.db.run_saga_action(
            CANCEL,
            request,
            pb.CancelTaxRegistrationResponse,
            lambda u: actions.cancel_tax_registration(u, request, self.env),
        )

    def taxpayer(self) -> Taxpayer:
        [row] = self.db.rows(Taxpayer)
        return row


@pytest.fixture
def tax(open_service_db: OpenServiceDb) -> Invoicing:
    return Invoicing(open_service_db(SCHEMA), Env(default_book(), NOW, True, BusinessCalendar()))


def registration(
    case_id: str = CASE, form: application_pb2.ApplicationForm | None = None
) -> pb.RegisterTaxpayerRequest:
    """RegisterTaxpayer as the saga builds it once the license is issued."""
    return COMMANDS.action(case_id, form)


# --------------------------------------------------------------------------- RegisterTaxpayer


def test_a_standard_package_is_registered_and_approved_at_once(tax: Invoicing) -> None:
    request = registration()

    response = tax.register(request)

    assert response.status.outcome == Outcome.OUTCOME_DONE
    assert response.status.decided_by == tax.env.auto_decider
    assert response.taxpayer.taxpayer_id == USCC
    assert response.taxpayer.state == pb.TAXPAYER_STATE_ACTIVE
    row = tax.taxpayer()
    assert (row.case_id, row.applicant_id, row.company_name) == (CASE, APPLICANT, COMPANY_NAME)
    assert row.state == TaxpayerState.ACTIVE
    assert row.kinds == ["digital_ordinary"]
    assert Decimal(row.credit_line) > 0
    [event] = tax.db.events("TaxpayerRegistered")
    assert event.message.taxpayer.taxpayer_id == USCC
    [result] = tax.db.results(actions.REGISTER)
    assert result.message == response
    assert result.headers[m.H_IDEMPOTENCY] == request.context.idempotency_key


def test_with_automatic_approval_off_tax_staff_get_a_task(tax: Invoicing) -> None:
    response = tax.register(registration(), auto=False)

    assert response.status.outcome == Outcome.OUTCOME_ACCEPTED
    [task] = tax.db.rows(Task)
    assert task.id == response.status.task_id and task.id.startswith(actions.TASK_PREFIX)
    assert (task.case_id, task.step, task.state, task.uscc) == (CASE, "invoice", desk.OPEN, USCC)
    row = tax.taxpayer()
    assert (row.state, row.task_id) == (TaxpayerState.PENDING_APPROVAL, task.id)
    assert tax.db.events("TaxpayerRegistered") == []


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("id_number", "", ("form.invoice.finance_contact.id_number", "required")),
        ("kinds", None, ("form.invoice.kinds", "special_invoice_needs_general_taxpayer")),
    ],
    ids=["finance_contact_without_id", "special_invoice_small_scale"],
)
def test_the_applicants_own_choices_are_returned_for_correction_and_nothing_written(
    tax: Invoicing, field: str, value: str | None, expected: tuple[str, str]
) -> None:
    form = sample_form()
    if field == "kinds":
        form.invoice.kinds.append(application_pb2.INVOICE_KIND_DIGITAL_SPECIAL)
    else:
        setattr(form.invoice.finance_contact, field, value)

    response = tax.register(registration(form=form))

    assert response.status.outcome == Outcome.OUTCOME_CORRECTION_REQUESTED
    assert rejected_fields(response.status) == [expected]
    assert tax.db.rows(Taxpayer) == [] and tax.db.rows(Task) == []
    assert tax.db.events("TaxpayerRegistered") == []


def test_a_company_registered_by_another_case_is_refused_for_good(tax: Invoicing) -> None:
    tax.register(registration())

    response = tax.register(registration(OTHER_CASE))

    assert response.status.outcome == Outcome.OUTCOME_REJECTED
    assert rejected_fields(response.status) == [("uscc", "already_registered")]
    assert [t.case_id for t in tax.db.rows(Taxpayer)] == [CASE]


def test_the_same_key_again_gets_the_stored_answer_and_one_registration(tax: Invoicing) -> None:
    request = registration()
    first = tax.register(request)

    again = tax.register(request)

    assert again == first
    assert len(tax.db.rows(Taxpayer)) == 1 and len(tax.db.events("TaxpayerRegistered")) == 1
    assert [r.message for r in tax.db.results(actions.REGISTER)] == [first, first]
    assert [i.key for i in tax.db.rows(Inbox)] == [request.context.idempotency_key]


def test_the_same_case_under_a_new_key_gets_the_registration_it_has(tax: Invoicing) -> None:
    tax.register(registration(), auto=False)
    retried = COMMANDS.action(CASE, corrections=1)

    again = tax.register(retried, auto=False)

    assert again.status.outcome == Outcome.OUTCOME_ACCEPTED
    assert again.status.task_id == tax.taxpayer().task_id
    assert len(tax.db.rows(Task)) == 1


# --------------------------------------------------------------------------- CancelTaxRegistration


def test_cancelling_reverses_what_was_invoiced_and_ends_the_registration(tax: Invoicing) -> None:
    tax.register(registration())
    with tax.db.unit_of_work() as uow:
        blue = actions.issue_invoice(
            uow,
            Principal(subject=APPLICANT, role=Role.ENTREPRENEUR),
            pb.IssueInvoiceRequest(
                taxpayer_id=USCC,
                kind=application_pb2.INVOICE_KIND_DIGITAL_ORDINARY,
                buyer_name="天津某贸易有限公司",
                idempotency_key="first-invoice",
                lines=[pb.InvoiceLine(description="软件开发服务", quantity="1", unit_price="1000")],
            ),
            tax.env,
        ).invoice
    reason = "bank refused the account"

    response = tax.cancel(COMMANDS.compensation(CASE, reason))

    assert response.status.outcome == Outcome.OUTCOME_DONE
    assert response.taxpayer_id == USCC
    assert list(response.original_invoice_numbers) == [blue.number]
    assert Decimal(blue.total_amount.amount) == 1000
    [red_number] = response.reversed_invoice_numbers
    invoices = {i.number: i for i in tax.db.rows(Invoice)}
    assert invoices[blue.number].reversed_by == red_number
    assert invoices[red_number].reverses == blue.number
    assert Decimal(invoices[red_number].total_amount) == -Decimal(blue.total_amount.amount)
    row = tax.taxpayer()
    assert (row.state, row.cancel_reason) == (TaxpayerState.CANCELLED, "bank refused the account")
    [event] = tax.db.events("TaxRegistrationCancelled")
    assert list(event.message.reversed_invoice_numbers) == [red_number]

    # A second round finds it cancelled: the same answer, nothing reversed twice.
    again = tax.cancel(COMMANDS.compensation(CASE, reason, round_=2))
    assert list(again.reversed_invoice_numbers) == [red_number]
    assert len(tax.db.rows(Invoice)) == 2
    assert len(tax.db.events("TaxRegistrationCancelled")) == 1
    assert len(tax.db.results(CANCEL)) == 2


def test_cancelling_a_pending_registration_withdraws_the_staff_task(tax: Invoicing) -> None:
    tax.register(registration(), auto=False)

    response = tax.cancel(COMMANDS.compensation(CASE, "withdrawn"))

    assert response.status.outcome == Outcome.OUTCOME_DONE
    assert [t.state for t in tax.db.rows(Task)] == [desk.CANCELLED]
    assert tax.taxpayer().state == TaxpayerState.CANCELLED


def test_a_registration_overtaken_by_its_compensation_is_refused(tax: Invoicing) -> None:
    tax.cancel(COMMANDS.compensation(CASE, "withdrawn"))

    late = tax.register(registration())

    assert late.status.outcome == Outcome.OUTCOME_REJECTED
    assert tax.db.rows(Taxpayer) == []


# --------------------------------------------------------------------------- CheckApplication


def test_check_application_runs_the_registration_rules_on_the_form_alone(tax: Invoicing) -> None:
    form = sample_form()
    form.invoice.request_general_taxpayer = True
    form.invoice.declares_proper_accounts = False

    clean = actions.check_application(
        application_pb2.CheckApplicationRequest(form=sample_form()), tax.env
    )
    flawed = actions.check_application(application_pb2.CheckApplicationRequest(form=form), tax.env)

    assert clean.participant == PARTICIPANT and list(clean.rejections) == []
    assert [r.field for r in flawed.rejections] == ["form.invoice.declares_proper_accounts"]


# --------------------------------------------------------------------------- data at rest


def test_real_name_information_is_sealed_at_rest_and_read_back(tax: Invoicing) -> None:
    request = registration()
    tax.register(request, auto=False)  # the staff's task keeps the command too

    assert tax.db.stored_as_is(personal_numbers(request)) == []
    assert "taxpayers.taxpayer_id" in tax.db.stored_as_is([USCC])
    row = tax.taxpayer()
    legal_rep, finance = request.legal_representative, request.invoice.finance_contact
    assert (row.legal_rep_id_number, row.legal_rep_phone) == (legal_rep.id_number, legal_rep.phone)
    assert (row.finance_id_number, row.finance_phone) == (finance.id_number, finance.phone)
    # The revision that sealed them opens them on the way down, and seals them on the way up.
    tax.db.migrate("27f491a41406", down=True)
    assert "taxpayers.finance_phone" in tax.db.stored_as_is([finance.phone])
    tax.db.migrate("head")
    assert tax.db.stored_as_is(personal_numbers(request)) == []
    assert tax.taxpayer().finance_id_number == finance.id_number
