"""What the public API shows of a case: the persisted saga turned into onestop.orchestrator.v1
messages, with each deadline's remaining working time computed at the moment of asking."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation

from onestop.common.v1 import application_pb2, common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop_common.calendar import BusinessCalendar, CalendarError, UnknownCalendarYear
from onestop_common.protoconv import enum_values, set_time, timestamp, with_numbers_masked
from orchestrator import engine as e
from orchestrator.definition import SagaDef
from orchestrator.models import AuditEntry, PersonSignature, Saga, SagaStep

CASE_STATES = enum_values(
    common_pb2.CaseState,
    "CASE_STATE",
    (
        e.RUNNING,
        e.COMPLETED,
        e.COMPENSATING,
        e.COMPENSATED,
        e.STUCK,
        e.FAILED,
        e.CASE_AWAITING_APPLICANT,
        e.AWAITING_SIGNATURES,
    ),
)
CASE_STATE_NAMES = {value: key for key, value in CASE_STATES.items()}
STEP_STATES = enum_values(
    common_pb2.StepState,
    "STEP_STATE",
    (
        e.PENDING,
        e.DISPATCHED,
        e.ACCEPTED,
        e.AWAITING_APPLICANT,
        e.DONE,
        e.STEP_FAILED,
        e.STEP_COMPENSATING,
        e.STEP_COMPENSATED,
        e.CANCELLED,
        e.STEP_STUCK,
    ),
)
# Audit entries of a step that record no change of its state, but happen in one known state: a
# compensation sent (or sent again) or retried is the step compensating. Read here rather than
# stored, so the histories of cases that ran before say it too.
STEP_STATE_OF_ACTION = {
    "compensation_dispatched": e.STEP_COMPENSATING,
    "compensation_retry_scheduled": e.STEP_COMPENSATING,
}
COMMITMENT_STATES = enum_values(
    pb.CommitmentState, "COMMITMENT_STATE", ("none", "open", "supplied", "fulfilled", "overdue")
)


def displayed_state(saga: Saga) -> str:
    """The case's state as people see it: a running case with a stuck step is stuck (it needs an
    operator), though the engine keeps running it and it recovers when the step is answered; one
    with a step waiting for the applicant's correction awaits the applicant."""
    return _displayed(saga.state, [row.state for row in saga.steps])


def _displayed(case_state: str, step_states: Iterable[str]) -> str:
    steps = set(step_states)
    if case_state == e.RUNNING and e.STEP_STUCK in steps:
        return e.STUCK
    if case_state == e.RUNNING and e.AWAITING_APPLICANT in steps:
        return e.CASE_AWAITING_APPLICANT
    return case_state


class StateAtEvent:
    """The case's displayed state right after each entry of its audit trail, read from the
    trail alone (every change of the case's or a step's state is an entry): a replayed event
    tells what a live watcher was told then, not how the case stands now."""

    def __init__(self) -> None:
        self._case = ""
        self._steps: dict[str, str] = {}

    def after(self, entry: AuditEntry) -> str:
        """Takes ``entry`` in (entries in sequence order, from the first)."""
        if entry.to_state and entry.step:
            self._steps[entry.step] = entry.to_state
        elif entry.to_state:
            self._case = entry.to_state
        return _displayed(self._case, self._steps.values())


def deadline(
    row: Saga | SagaStep,
    calendar: BusinessCalendar,
    now: datetime,
    *,
    started: datetime | None,
    limit: str,
    paused_at: datetime | None = None,
) -> common_pb2.Deadline:
    """The deadline of a case or a step (``row``), with the working time left."""
    due, finished = row.due_at, row.finished_at
    message = common_pb2.Deadline(
        limit_workdays=limit, paused=paused_at is not None, warned=row.warned, breached=row.breached
    )
    set_time(message.started_at, started)
    set_time(message.due_at, due)
    set_time(message.warn_at, row.warn_at)
    if due is None and started is not None and finished is None:
        # Say which year's schedule the deadline waits for, rather than nothing at all.
        try:
            calendar.add_working_time(started, Decimal(limit))
        except UnknownCalendarYear as exc:
            message.awaiting_calendar_year = exc.year
        except (CalendarError, InvalidOperation):
            pass
    if due is not None:
        # A paused clock stands still; a finished one is measured at its finish.
        as_of = paused_at or finished or now
        try:
            remaining = calendar.working_time_between(as_of, due)
        except UnknownCalendarYear as exc:
            message.awaiting_calendar_year = exc.year
            return message
        except CalendarError:
            return message
        message.remaining_working_seconds = int(remaining.total_seconds())
        message.as_of.CopyFrom(timestamp(as_of))
    return message


def step_message(
    row: SagaStep, definition: SagaDef, calendar: BusinessCalendar, now: datetime
) -> pb.Step:
    step_def = definition.get(row.name)
    message = pb.Step(
        name=row.name,
        state=STEP_STATES[row.state],
        participant=step_def.participant,
        actor=_actor(row, step_def.actor),
        attempts=row.attempts,
        task_id=row.task_id,
        summary=row.summary,
        after=list(step_def.after),
        deadline=deadline(
            row,
            calendar,
            now,
            started=row.started_at,
            limit=row.limit_workdays,
            paused_at=row.paused_at,
        ),
    )
    set_time(message.started_at, row.started_at)
    _add_ending(message, row)
    return message


def _add_ending(message: pb.Application | pb.Step, row: Saga | SagaStep) -> None:
    """When the case or step finished and the rules it was refused for, where it has them."""
    set_time(message.finished_at, row.finished_at)
    if row.rejections:
        message.rejections.extend(common_pb2.Rejections.FromString(row.rejections).rejections)


def _actor(row: SagaStep, staff_role: str) -> str:
    if row.state == e.AWAITING_APPLICANT:
        return "applicant"
    if row.state == e.PENDING:
        return ""
    return row.actor or staff_role


def failure_reason_zh(saga: Saga, definition: SagaDef) -> str:
    """Why the case ended, for a Chinese page: built from the refusal's Chinese messages, never
    from the English text the engine keeps for operators."""
    code = saga.compensation_reason
    if not code:
        return ""
    failed = next((row for row in saga.steps if row.state == e.STEP_FAILED), None)
    step = (definition.get(failed.name).title_zh or failed.name) if failed else ""
    if code == "cancelled":
        words = saga.failure_reason.removeprefix("cancelled:").strip()
        own = "" if words == "withdrawn by the applicant" else f"：{words}"
        return f"申请人已撤回申请{own}"
    if code == "rejected":
        said = [r.message_zh for r in common_pb2.Rejections.FromString(saga.rejections).rejections]
        return f"{step}环节不予办理" + (f"：{'；'.join(said)}" if said else "")
    if code == "retries_exhausted":
        return f"{step}环节多次重试后仍未办成，已撤销已办事项"
    if code == "commitment_overdue":
        return "承诺期限（60日）届满仍未补齐所承诺的材料，登记已撤销"
    return "案件未能办结，已撤销已办事项"


def application_message(
    saga: Saga,
    definition: SagaDef,
    calendar: BusinessCalendar,
    now: datetime,
    *,
    with_form: bool = True,
    full_numbers: bool = True,
) -> pb.Application:
    """The case as the API shows it; ``full_numbers`` False: the form's ID numbers, phones and
    account numbers masked (a viewer other than the applicant)."""
    message = pb.Application(
        case_id=saga.id,
        applicant_id=saga.applicant_id,
        state=CASE_STATES[displayed_state(saga)],
        company_name=saga.company_name,
        uscc=saga.uscc,
        failure_reason=saga.failure_reason,
        failure_reason_zh=failure_reason_zh(saga, definition),
        bundle_ready=bool(saga.bundle_sha256),
        version=saga.version,
        deadline=deadline(
            saga, calendar, now, started=saga.submitted_at, limit=str(definition.limit)
        ),
        commitment=commitment_message(saga),
    )
    if with_form:
        form = application_pb2.ApplicationForm.FromString(saga.form)
        message.form.CopyFrom(form if full_numbers else with_numbers_masked(form))
    message.steps.extend(step_message(row, definition, calendar, now) for row in saga.steps)
    message.submitted_at.CopyFrom(timestamp(saga.submitted_at))
    message.signatures.extend(person_signature_message(row) for row in saga.signatures)
    if saga.state == e.AWAITING_SIGNATURES:
        set_time(message.signatures_due_at, saga.signatures_due_at)
    _add_ending(message, saga)
    return message


SIGNATURE_STATES = enum_values(
    pb.SignatureState, "SIGNATURE_STATE", ("waiting", "signed", "declined")
)


def person_signature_message(row: PersonSignature) -> pb.PersonSignature:
    message = pb.PersonSignature(
        name=row.name,
        masked_id_number=row.masked_id_number,
        roles=list(row.roles),
        state=SIGNATURE_STATES.get(row.state, pb.SIGNATURE_STATE_UNSPECIFIED),
        certificate_serial=row.certificate_serial,
        reason=row.reason,
    )
    set_time(message.signed_at, row.signed_at)
    return message


def commitment_message(saga: Saga) -> pb.CommitmentStatus:
    status = pb.CommitmentStatus(
        state=COMMITMENT_STATES.get(saga.commitment_state, pb.COMMITMENT_STATE_NONE)
    )
    set_time(status.due_at, saga.commitment_due_at)
    materials = saga.commitment_materials or {}
    status.outstanding.extend(
        application_pb2.MissingMaterial(code=code) for code in materials.get("outstanding", [])
    )
    status.supplied.extend(
        application_pb2.MissingMaterial(code=code) for code in materials.get("supplied", [])
    )
    return status


def progress_event(entry: AuditEntry, case_state: str) -> pb.ProgressEvent:
    kind = (
        pb.PROGRESS_EVENT_KIND_STEP_CHANGED if entry.step else pb.PROGRESS_EVENT_KIND_CASE_CHANGED
    )
    if entry.action in ("sla_warning", "case_sla_warning"):
        kind = pb.PROGRESS_EVENT_KIND_SLA_WARNING
    elif entry.action in ("sla_breach", "case_sla_breach"):
        kind = pb.PROGRESS_EVENT_KIND_SLA_BREACH
    event = pb.ProgressEvent(
        case_id=entry.saga_id,
        sequence=entry.seq,
        kind=kind,
        step=entry.step,
        case_state=CASE_STATES.get(case_state, common_pb2.CASE_STATE_UNSPECIFIED),
        message=f"{entry.action}" + (f": {entry.detail}" if entry.detail else ""),
    )
    step_state = entry.to_state or STEP_STATE_OF_ACTION.get(entry.action, "")
    if entry.step and step_state in STEP_STATES:
        event.step_state = STEP_STATES[step_state]
    event.occurred_at.CopyFrom(timestamp(entry.at))
    return event
