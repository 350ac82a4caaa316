"""Runs a participant's use cases in the test's own process, on its own database
(tests/support/service_db.py): saga commands built by the saga definition's builders from the
sample form, with the context the orchestrator puts on them. No broker, no subprocess, no
network.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from google.protobuf.message import Message

from onestop.common.v1 import application_pb2, common_pb2
from onestop.registration.v1 import registration_pb2
from onestop.seal.v1 import seal_pb2
from onestop_cli.client import load_form
from onestop_common.calendar import BusinessCalendar
from onestop_common.clock import SHANGHAI
from onestop_common.identifiers import make_orgcode, make_uscc
from onestop_common.protoconv import timestamp
from orchestrator.definition import SagaData, StepDef
from orchestrator.engine.core import action_key
from orchestrator.models import SagaStep
from orchestrator.open_company import OPEN_COMPANY

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "application.json"
# A Thursday morning, a working day; the sample's employees are hired that day.
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)
APPLICANT = "applicant-1"
COMPANY_NAME = "天津宝坻示例科技有限公司"
DIVISION = "120115"


def uscc(org_body: str = "MA07T2K1") -> str:
    """A valid USCC in the registration area, as the registration service would issue it."""
    return make_uscc("9", "1", DIVISION, make_orgcode(org_body))


def sample_form() -> application_pb2.ApplicationForm:
    return load_form(SAMPLE)


def personal_numbers(message: Message) -> set[str]:
    """Every ID number and phone number ``message`` (a form, a command) carries, at any depth."""
    found: set[str] = set()
    for descriptor, value in message.ListFields():
        if descriptor.message_type is None:
            if descriptor.name in ("id_number", "phone") and isinstance(value, str):
                found.add(value)
            continue
        for item in [value] if isinstance(value, Message) else value:
            if isinstance(item, Message):
                found |= personal_numbers(item)
    return found


# --------------------------------------------------------------------------- saga commands


def license_result(issued_uscc: str) -> registration_pb2.IssueLicenseResponse:
    """What the license step answered, as far as the later steps' commands read it."""
    return registration_pb2.IssueLicenseResponse(
        license=registration_pb2.License(
            uscc=issued_uscc,
            company_name=COMPANY_NAME,
            division_code=DIVISION,
            date_of_establishment=NOW.date().isoformat(),
        )
    )


def seal_result(codes: Mapping[int, str]) -> seal_pb2.IssueSealsResponse:
    """What the seal step answered: a seal code per kind (application_pb2.SealKind)."""
    return seal_pb2.IssueSealsResponse(
        seals=[seal_pb2.Seal(kind=kind, seal_code=code) for kind, code in codes.items()]
    )


def saga_data(
    case_id: str,
    form: application_pb2.ApplicationForm | None = None,
    *,
    results: Mapping[str, Message] | None = None,
    reason: str = "",
) -> SagaData:
    return SagaData(
        case_id=case_id,
        applicant_id=APPLICANT,
        form=form if form is not None else sample_form(),
        results=dict(results or {}),
        reason=reason,
        submitted_at=NOW,
    )


def deadline(step_def: StepDef, now: datetime = NOW) -> common_pb2.Deadline:
    """The step's legal limit on the business calendar, started now (as the engine's clock)."""
    calendar = BusinessCalendar()
    due = calendar.add_working_time(now, step_def.limit)
    message = common_pb2.Deadline(limit_workdays=str(step_def.limit))
    message.started_at.CopyFrom(timestamp(now))
    message.due_at.CopyFrom(timestamp(due))
    message.warn_at.CopyFrom(timestamp(calendar.warning_at(now, due)))
    return message


def with_context(request: Any, data: SagaData, step: str, key: str) -> Any:
    """``request`` as the engine sends it for the case's ``step`` (``EngineCore._send``)."""
    step_def = OPEN_COMPANY.get(step)
    request.context.CopyFrom(
        common_pb2.CommandContext(
            idempotency_key=key,
            case_id=data.case_id,
            step=step_def.name,
            deadline=deadline(step_def),
            applicant_id=data.applicant_id,
            attempt=1,
        )
    )
    return request


def action(step: str, data: SagaData, *, corrections: int = 0) -> Any:
    """The step's action command under the engine's idempotency key (``action_key``)."""
    step_def = OPEN_COMPANY.get(step)
    key = action_key(data.case_id, SagaStep(name=step, corrections=corrections), step_def)
    return with_context(step_def.command(data), data, step, key)


def compensation(step: str, data: SagaData, *, round_: int = 1) -> Any:
    """The step's compensation command under the key the engine gives each compensation round."""
    step_def = OPEN_COMPANY.get(step)
    assert step_def.compensation and step_def.compensation_command
    key = f"{data.case_id}:{step}:{step_def.compensation}:{round_}"
    return with_context(step_def.compensation_command(data), data, step, key)


@dataclass(frozen=True)
class StepCommands:
    """One step's action and compensation commands for a case, as the engine sends them: built
    from the sample form (or ``form``) once the license is issued to ``issued_uscc`` (None for
    the license step itself) and the steps in ``earlier`` have answered."""

    step: str
    issued_uscc: str | None = None
    earlier: Mapping[str, Message] = field(default_factory=dict)

    def action(
        self,
        case_id: str,
        form: application_pb2.ApplicationForm | None = None,
        *,
        corrections: int = 0,
    ) -> Any:
        results = dict(self.earlier)
        if self.issued_uscc is not None:
            results["license"] = license_result(self.issued_uscc)
        data = saga_data(case_id, form, results=results)
        return action(self.step, data, corrections=corrections)

    def compensation(self, case_id: str, reason: str, *, round_: int = 1) -> Any:
        """The compensation of the case's step, for ``reason``, in round ``round_``."""
        return compensation(self.step, saga_data(case_id, reason=reason), round_=round_)


def rejected_fields(status: common_pb2.StepStatus) -> list[tuple[str, str]]:
    return [(r.field, r.rule) for r in status.rejections]
