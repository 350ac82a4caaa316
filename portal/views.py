"""What the pages show of the platform's messages: states, deadlines and remaining working
time in the reader's language (plain data for the templates; no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from onestop.common.v1 import common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop_common.protoconv import from_timestamp
from portal.i18n import enum_label, translate

TERMINAL = frozenset(
    {
        common_pb2.CASE_STATE_COMPLETED,
        common_pb2.CASE_STATE_COMPENSATED,
        common_pb2.CASE_STATE_FAILED,
    }
)
STEP_ACTORS = {
    "license": "officer",
    "seal": "seal_maker",
    "invoice": "tax_staff",
    "social_insurance": "si_clerk",
    "bank": "bank_clerk",
}


def when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else ""


def duration(seconds: int, lang: str) -> str:
    """Working time as hours and minutes ("3 小时 05 分" / "3 h 05 min")."""
    hours, rest = divmod(abs(int(seconds)), 3600)
    minutes = rest // 60
    if lang == "en":
        return f"{hours} h {minutes:02d} min"
    return f"{hours} 小时 {minutes:02d} 分"


@dataclass(frozen=True)
class DeadlineView:
    due: str
    limit: str
    remaining: str
    # "ok", "warned", "breached", "paused" or "none" (no deadline yet / finished).
    status: str
    breached: bool


def deadline_view(
    deadline: common_pb2.Deadline, lang: str, *, running: bool = True
) -> DeadlineView:
    t = lambda key: translate(key, lang)  # noqa: E731
    limit = ""
    if deadline.limit_workdays:
        try:
            days = Decimal(deadline.limit_workdays).normalize()
        except InvalidOperation:
            days = Decimal(0)
        limit = f"{days:f} {t('case.workdays')}"
    due_at = from_timestamp(deadline.due_at)
    if due_at is None:
        return DeadlineView("", limit, "", "none", False)
    seconds = deadline.remaining_working_seconds
    if not running:
        remaining = ""
    elif seconds < 0 or deadline.breached:
        remaining = f"{t('case.overdue')} {duration(seconds, lang)}"
    else:
        remaining = duration(seconds, lang)
    if deadline.paused and running:
        remaining = (
            f"{remaining}（{t('case.paused')}）"
            if lang == "zh"
            else f"{remaining} ({t('case.paused')})"
        )
    if deadline.breached or seconds < 0:
        status = "breached"
    elif deadline.paused:
        status = "paused"
    elif deadline.warned:
        status = "warned"
    else:
        status = "ok"
    return DeadlineView(when(due_at), limit, remaining, status, status == "breached")


def state_key(enum: object, prefix: str, number: int) -> str:
    try:
        return str(enum.Name(number)).removeprefix(prefix)  # type: ignore[attr-defined]
    except ValueError:
        return "UNSPECIFIED"


@dataclass(frozen=True)
class StepView:
    name: str
    label: str
    state: str
    state_label: str
    actor: str
    deadline: DeadlineView
    summary: str
    rejections: tuple[common_pb2.Rejection, ...]
    finished: str


def actor_label(actor: str, step: str, lang: str) -> str:
    if not actor:
        role = STEP_ACTORS.get(step, "")
        return translate(f"role.{role}", lang) if role else translate("actor.platform", lang)
    key = {
        "automatic": "actor.automatic",
        "auto": "actor.automatic",
        "applicant": "actor.applicant",
    }
    if actor in key:
        return translate(key[actor], lang)
    try:
        return translate(f"role.{actor}", lang)
    except KeyError:
        return actor


def step_view(step: pb.Step, lang: str) -> StepView:
    state = state_key(common_pb2.StepState, "STEP_STATE_", step.state)
    active = state in ("DISPATCHED", "ACCEPTED", "AWAITING_APPLICANT")
    try:
        label = translate(f"step.{step.name}", lang)
    except KeyError:
        label = step.name
    return StepView(
        name=step.name,
        label=label,
        state=state,
        state_label=enum_label("step_state", state, lang),
        actor=actor_label(step.actor, step.name, lang),
        deadline=deadline_view(step.deadline, lang, running=active),
        summary=step.summary,
        rejections=tuple(step.rejections),
        finished=when(from_timestamp(step.finished_at)),
    )


@dataclass(frozen=True)
class CaseView:
    case_id: str
    company_name: str
    state: str
    state_label: str
    uscc: str
    submitted: str
    finished: str
    deadline: DeadlineView
    steps: tuple[StepView, ...]
    failure_reason: str
    rejections: tuple[common_pb2.Rejection, ...]
    bundle_ready: bool
    terminal: bool
    awaiting_applicant: bool
    commitment_state: str
    commitment_due: str
    outstanding: tuple[common_pb2.MissingMaterial, ...]
    supplied: tuple[common_pb2.MissingMaterial, ...]
    cancellable: bool
    version: int


def case_view(app: pb.Application, lang: str) -> CaseView:
    state = state_key(common_pb2.CaseState, "CASE_STATE_", app.state)
    steps = tuple(step_view(step, lang) for step in app.steps)
    commitment = state_key(pb.CommitmentState, "COMMITMENT_STATE_", app.commitment.state)
    terminal = app.state in TERMINAL
    return CaseView(
        case_id=app.case_id,
        company_name=app.company_name,
        state=state,
        state_label=enum_label("case_state", state, lang),
        uscc=app.uscc,
        submitted=when(from_timestamp(app.submitted_at)),
        finished=when(from_timestamp(app.finished_at)),
        deadline=deadline_view(app.deadline, lang, running=not terminal),
        steps=steps,
        failure_reason=app.failure_reason,
        rejections=tuple(app.rejections),
        bundle_ready=app.bundle_ready,
        terminal=terminal,
        awaiting_applicant=any(s.state == "AWAITING_APPLICANT" for s in steps),
        commitment_state=commitment,
        commitment_due=when(from_timestamp(app.commitment.due_at)),
        outstanding=tuple(app.commitment.outstanding),
        supplied=tuple(app.commitment.supplied),
        cancellable=app.state == common_pb2.CASE_STATE_RUNNING,
        version=app.version,
    )
