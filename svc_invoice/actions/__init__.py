"""What each invoice-service RPC does inside its one unit of work: decode, apply the domain
rules, write through the store, stage events and saga results, build the reply.

Every function runs in the caller's transaction (``uow``): an exception rolls back everything it
wrote, so a rejected request leaves nothing half-written.

``env`` holds what every flow needs, ``saga`` RegisterTaxpayer, CheckApplication and
CancelTaxRegistration, ``tax_desk`` tax staff's tasks and credit-line adjustment, ``invoices``
blue and red-letter invoices and the taxpayer's record, ``red_letter_forms`` booking and
confirmation forms, ``shared`` what several of them do alike. Every RPC's function is
importable from here.
"""

from svc_invoice.actions.env import Env
from svc_invoice.actions.invoices import get_taxpayer, issue_invoice, issue_red_letter
from svc_invoice.actions.red_letter_forms import (
    confirm_red_letter_form,
    decline_red_letter_form,
    get_red_letter_form,
    record_invoice_booking,
    request_red_letter_form,
)
from svc_invoice.actions.saga import (
    REGISTER,
    TASK_PREFIX,
    cancel_tax_registration,
    check_application,
    register_taxpayer,
)
from svc_invoice.actions.shared import CREDIT_RULES, DIRECT_RED_RULES, FORM_RED_RULES, NUMBER_RULES
from svc_invoice.actions.tax_desk import (
    adjust_credit_line,
    approve_task,
    claim_task,
    get_task,
    list_tasks,
    reject_task,
)

__all__ = [
    "CREDIT_RULES",
    "DIRECT_RED_RULES",
    "FORM_RED_RULES",
    "NUMBER_RULES",
    "REGISTER",
    "TASK_PREFIX",
    "Env",
    "adjust_credit_line",
    "approve_task",
    "cancel_tax_registration",
    "check_application",
    "claim_task",
    "confirm_red_letter_form",
    "decline_red_letter_form",
    "get_red_letter_form",
    "get_task",
    "get_taxpayer",
    "issue_invoice",
    "issue_red_letter",
    "list_tasks",
    "record_invoice_booking",
    "register_taxpayer",
    "reject_task",
    "request_red_letter_form",
]
