"""``onestop demo --correct-at STEP``: that step's staff send the case back to the applicant for a
correction (退回补正) instead of deciding it, and the demo's applicant corrects the named fields.

What it shows: the case waits for the applicant with the step's clock paused, the correction
(only the named fields, as a field mask) re-runs only that step, and the case completes with the
license it had — the same USCC, never revoked.

``--change-registration`` makes the bank's question one whose answer changes what the license
records (the registered capital): the correction then goes to the registration officer as a
change registration (变更登记), who re-issues the license under the same USCC before the bank
runs again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from onestop.common.v1 import application_pb2, common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc

CORRECTABLE_STEPS = ("seal", "invoice", "social_insurance", "bank")


@dataclass(frozen=True)
class DemoCorrection:
    """What a step's staff ask to have corrected, and how the demo's applicant corrects it."""

    field: str
    rule: str
    message_zh: str
    message_en: str
    # The form paths the applicant sends (CorrectApplication's update_mask).
    mask: tuple[str, ...]
    fix: Callable[[application_pb2.ApplicationForm], None]

    def rejection(self) -> common_pb2.Rejection:
        return common_pb2.Rejection(
            field=self.field,
            rule=self.rule,
            message_zh=self.message_zh,
            message_en=self.message_en,
        )


def _same(form: application_pb2.ApplicationForm) -> None:
    """The applicant confirms what was asked about, unchanged."""


def _new_finance_phone(form: application_pb2.ApplicationForm) -> None:
    form.invoice.finance_contact.phone = "13900000003"


def _confirmed_wage(form: application_pb2.ApplicationForm) -> None:
    # The base the contract states, in whole yuan.
    wage = form.employees[0].monthly_wage
    wage.amount = str(int(float(wage.amount or "0")) or 6000)


CORRECTIONS = {
    "seal": DemoCorrection(
        "form.seals",
        "confirm_seal_set",
        "请确认申请刻制的印章种类及实体章、电子印章的选择",
        "confirm the seals to be made, physical and electronic",
        ("seals",),
        _same,
    ),
    "invoice": DemoCorrection(
        "form.invoice.finance_contact.phone",
        "contact_unreachable",
        "财务负责人联系电话无法接通，请核实后重新填写",
        "the finance contact's phone number cannot be reached; check it and enter it again",
        ("invoice.finance_contact",),
        _new_finance_phone,
    ),
    "social_insurance": DemoCorrection(
        "form.employees[0].monthly_wage.amount",
        "base_differs_from_contract",
        "缴费基数与劳动合同约定的工资不一致，请核实",
        "the contribution base differs from the wage in the employment contract; check it",
        ("employees",),
        _confirmed_wage,
    ),
    "bank": DemoCorrection(
        "form.bank.branch_name",
        "confirm_branch",
        "请核实开户网点名称",
        "check the name of the branch where the account is to be opened",
        ("bank",),
        _same,
    ),
}


def _halved_capital(form: application_pb2.ApplicationForm) -> None:
    """The capital the shareholders' resolution states: half, and each subscription with it."""
    capital = form.registered_capital
    capital.amount = f"{Decimal(capital.amount) / 2:.2f}"
    for holder in form.shareholders:
        holder.subscribed.amount = f"{Decimal(holder.subscribed.amount) / 2:.2f}"


CAPITAL_CHANGE = DemoCorrection(
    "form.registered_capital",
    "capital_differs_from_resolution",
    "注册资本与股东会决议载明的金额不一致，请核实后更正",
    "the registered capital differs from the shareholders' resolution; check and correct it",
    ("registered_capital", "shareholders"),
    _halved_capital,
)


def corrections_for(change_registration: bool) -> dict[str, DemoCorrection]:
    """What each step's staff ask; with ``change_registration`` the bank asks about the capital."""
    return {**CORRECTIONS, "bank": CAPITAL_CHANGE} if change_registration else dict(CORRECTIONS)


@dataclass
class Corrector:
    """The demo's applicant: corrects each step that waits for it, once."""

    stub: pb_grpc.OneStopServiceStub
    metadata: Any
    say: Callable[[str], None] | None
    corrected: set[str] | None = None
    # For each step corrected: the case as it stood while it waited (state, USCC).
    paused: dict[str, pb.Application] | None = None
    corrections: Mapping[str, DemoCorrection] = field(default_factory=lambda: CORRECTIONS)

    def __post_init__(self) -> None:
        self.corrected = set()
        self.paused = {}

    def maybe_correct(self, app: pb.Application) -> None:
        assert self.corrected is not None
        for step in app.steps:
            if step.state != common_pb2.STEP_STATE_AWAITING_APPLICANT:
                continue
            if step.name in self.corrected or step.name not in self.corrections:
                continue
            self.corrected.add(step.name)
            assert self.paused is not None
            self.paused[step.name] = app
            self._correct(app.case_id, step)

    def _correct(self, case_id: str, step: pb.Step) -> None:
        correction = self.corrections[step.name]
        if self.say:
            for r in step.rejections:
                self.say(
                    f"  ↳ applicant asked to correct {r.field}: {r.message_zh} / {r.message_en}"
                )
        current = self.stub.GetApplication(
            pb.GetApplicationRequest(case_id=case_id), metadata=self.metadata, timeout=30
        ).application.form
        correction.fix(current)
        request = pb.CorrectApplicationRequest(case_id=case_id, form=current)
        request.update_mask.paths.extend(correction.mask)
        self.stub.CorrectApplication(request, metadata=self.metadata, timeout=60)
        if self.say:
            self.say(
                f"  ↳ applicant corrected {', '.join(correction.mask)}; {step.name} runs again"
            )
