"""The five staff desks as the portal sees them: which service, which role, which actions, and
which requests those actions send."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import grpc

from onestop.bank.v1 import bank_pb2, bank_pb2_grpc
from onestop.common.v1 import application_pb2, common_pb2, desk_pb2
from onestop.invoice.v1 import invoice_pb2, invoice_pb2_grpc
from onestop.registration.v1 import registration_pb2, registration_pb2_grpc
from onestop.seal.v1 import seal_pb2, seal_pb2_grpc
from onestop.social_insurance.v1 import social_insurance_pb2, social_insurance_pb2_grpc
from onestop_common.desk_messages import desk_messages
from onestop_common.identity import Role
from onestop_common.logs import mask_ids
from portal.formdata.fields import SECTIONS


@dataclass(frozen=True)
class DeskSpec:
    role: Role
    component: str
    # The case's step the desk works on.
    step: str
    stub: Callable[[grpc.Channel], Any]
    messages: SimpleNamespace
    # The parts of the form this desk may send back to the applicant for correction (form
    # paths; "" is the whole form).
    corrects: tuple[str, ...]
    # What the desk does with a claimed task: most approve it, return it for correction or
    # reject it.
    actions: tuple[str, ...] = ("approve", "return", "reject")
    # Roles whose work needs full ID numbers (identity check, social security number).
    sees_ids: bool = False


# The sections other desks check; the registration officer may send back any other one.
CHECKED_BY_OTHER_DESKS = frozenset({"seals", "invoice", "employees", "bank"})

DESKS: dict[str, DeskSpec] = {
    "officer": DeskSpec(
        Role.OFFICER,
        "registration",
        "license",
        registration_pb2_grpc.RegistrationDeskStub,
        desk_messages(registration_pb2),
        corrects=("", *(s for s in SECTIONS if s not in CHECKED_BY_OTHER_DESKS)),
        actions=("approve", "correction", "reject"),
        sees_ids=True,
    ),
    "seal_maker": DeskSpec(
        Role.SEAL_MAKER,
        "seal",
        "seal",
        seal_pb2_grpc.SealDeskStub,
        desk_messages(seal_pb2),
        corrects=("seals", "contact"),
        actions=("engrave", "complete", "return", "reject"),
    ),
    "tax_staff": DeskSpec(
        Role.TAX_STAFF,
        "invoice",
        "invoice",
        invoice_pb2_grpc.InvoiceDeskStub,
        desk_messages(invoice_pb2),
        corrects=("invoice", "invoice.finance_contact", "contact"),
    ),
    "si_clerk": DeskSpec(
        Role.SI_CLERK,
        "social_insurance",
        "social_insurance",
        social_insurance_pb2_grpc.SocialInsuranceDeskStub,
        desk_messages(social_insurance_pb2),
        corrects=("employees", "work_injury_risk_class", "contact"),
        sees_ids=True,
    ),
    "bank_clerk": DeskSpec(
        Role.BANK_CLERK,
        "bank",
        "bank",
        bank_pb2_grpc.BankDeskStub,
        desk_messages(bank_pb2),
        corrects=("bank", "contact"),
    ),
}
ACTIONS = frozenset({"claim", "approve", "reject", "correction", "return", "engrave", "complete"})
QUEUE_STATES = (
    desk_pb2.TASK_STATE_OPEN,
    desk_pb2.TASK_STATE_CLAIMED,
    desk_pb2.TASK_STATE_AWAITING_APPLICANT,
)
ACTIVE = frozenset({desk_pb2.TASK_STATE_OPEN, desk_pb2.TASK_STATE_CLAIMED})


def list_request(spec: DeskSpec) -> Any:
    return spec.messages.ListTasksRequest(
        query=desk_pb2.TaskQuery(states=list(QUEUE_STATES), page_size=200)
    )


# What a staff member decided: approved, rejected, returned for correction.
DECIDED_STATES = (
    desk_pb2.TASK_STATE_DONE,
    desk_pb2.TASK_STATE_REJECTED,
    desk_pb2.TASK_STATE_AWAITING_APPLICANT,
)


def history_request(spec: DeskSpec) -> Any:
    """The caller's own decisions at this desk, the latest first."""
    return spec.messages.ListTasksRequest(
        query=desk_pb2.TaskQuery(states=list(DECIDED_STATES), page_size=200, decided_by_me=True)
    )


def shown(value: str, spec: DeskSpec) -> str:
    """Task data as this role may see it: ID numbers masked unless the role needs them."""
    return value if spec.sees_ids else mask_ids(value)


def action_request(
    spec: DeskSpec, action: str, task_id: str, data: Mapping[str, str]
) -> tuple[str, Any]:
    """The RPC name and request for an action on a task (form fields in ``data``)."""
    m = spec.messages
    reason = data.get("reason", "").strip()
    comment = data.get("comment", "").strip()
    if action == "claim":
        return "ClaimTask", m.ClaimTaskRequest(task_id=task_id)
    if action == "reject":
        return "RejectTask", m.RejectTaskRequest(task_id=task_id, reason=reason)
    if action == "correction" and spec.role is Role.OFFICER:
        named = returned_fields(spec, data.get("section", ""), reason)
        return "RequestCorrection", m.RequestCorrectionRequest(
            task_id=task_id, reason=reason, rejections=named
        )
    if action == "return" and action in spec.actions:
        named = returned_fields(spec, data.get("section", ""), reason)
        if not named:
            raise UnknownSection(data.get("section", ""))
        return "RejectTask", m.RejectTaskRequest(
            task_id=task_id, reason=reason, correctable=True, fields=named
        )
    if action == "engrave" and spec.role is Role.SEAL_MAKER:
        return "MarkEngraved", m.MarkEngravedRequest(task_id=task_id)
    if action == "complete" and spec.role is Role.SEAL_MAKER:
        return "CompleteTask", m.CompleteTaskRequest(task_id=task_id)
    if action == "approve" and spec.role is Role.TAX_STAFF:
        return "ApproveTask", tax_approval(task_id, data)
    if action == "approve" and spec.role is not Role.SEAL_MAKER:
        return "ApproveTask", m.ApproveTaskRequest(task_id=task_id, comment=comment)
    raise KeyError(action)


class UnknownSection(ValueError):
    """A return for correction that names no part of the form this desk may send back."""


# What the applicant reads when a staff member gives no reason of their own.
RETURNED = ("请核对并补正此项信息", "check and correct this answer")


def returned_fields(spec: DeskSpec, section: str, reason: str) -> list[common_pb2.Rejection]:
    """The part of the form a staff member sends back, as the rejection the applicant sees
    (their reason, in the words they wrote it); none for the whole form or an unknown part."""
    if not section or section not in spec.corrects:
        return []
    zh, en = (reason, reason) if reason else RETURNED
    return [
        common_pb2.Rejection(
            field=f"form.{section}",
            rule=f"{spec.component}.returned",
            message_zh=zh,
            message_en=en,
            participant=spec.component,
        )
    ]


_AMOUNT = re.compile(r"\s|,")


def tax_approval(task_id: str, data: Mapping[str, str]) -> invoice_pb2.ApproveTaskRequest:
    """Tax staff's decision: the invoice kinds, per-invoice maximum, monthly quantity, credit
    line and VAT status they set (an empty field keeps what the applicant asked for)."""
    request = invoice_pb2.ApproveTaskRequest(
        task_id=task_id, comment=data.get("comment", "").strip()
    )
    for kind in data.get("kinds", "").split("\n"):
        if kind:
            try:
                request.kinds.append(application_pb2.InvoiceKind.Value(f"INVOICE_KIND_{kind}"))
            except ValueError:
                continue
    max_amount = _AMOUNT.sub("", data.get("max_amount_per_invoice", ""))
    if max_amount:
        request.max_amount_per_invoice.CopyFrom(common_pb2.Money(amount=max_amount, currency="CNY"))
    credit = _AMOUNT.sub("", data.get("credit_line", ""))
    if credit:
        request.credit_line.CopyFrom(common_pb2.Money(amount=credit, currency="CNY"))
    quantity = data.get("monthly_quantity", "").strip()
    if quantity.isdigit():
        request.monthly_quantity = int(quantity)
    elif quantity:
        # Not a whole number: let the service's own rule reject it, with its message.
        request.monthly_quantity = -1
    status = data.get("vat_status", "")
    if status in ("SMALL_SCALE", "GENERAL"):
        request.vat_status = invoice_pb2.VatStatus.Value(f"VAT_STATUS_{status}")
    return request
