"""Staff work queues, shared by every desk: a task per case waiting on a person, ordered by legal
deadline, with the remaining working time; claim, decide, and the checks around them.

A service mixes :class:`TaskMixin` into its own base and adds what its desk needs (approve with
amounts, mark engraved, …). Plain SQLAlchemy: no nameko, no gRPC transport here.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Index, LargeBinary, String, Text, or_, select
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column

from onestop.common.v1 import common_pb2, desk_pb2
from onestop_common.calendar import BusinessCalendar, CalendarError
from onestop_common.db import UtcDateTime
from onestop_common.errors import Conflict, InvalidInput, NotFound, PermissionDenied, violation
from onestop_common.identity import Principal, Role
from onestop_common.protoconv import from_timestamp, timestamp
from onestop_common.sealed_fields import SealedBytes, SealedJSON

OPEN, CLAIMED, AWAITING_APPLICANT, DONE, REJECTED, CANCELLED = (
    "open",
    "claimed",
    "awaiting_applicant",
    "done",
    "rejected",
    "cancelled",
)
ACTIVE = (OPEN, CLAIMED)
STATE_MESSAGES = {
    OPEN: desk_pb2.TASK_STATE_OPEN,
    CLAIMED: desk_pb2.TASK_STATE_CLAIMED,
    AWAITING_APPLICANT: desk_pb2.TASK_STATE_AWAITING_APPLICANT,
    DONE: desk_pb2.TASK_STATE_DONE,
    REJECTED: desk_pb2.TASK_STATE_REJECTED,
    CANCELLED: desk_pb2.TASK_STATE_CANCELLED,
}
STATE_NAMES = {value: key for key, value in STATE_MESSAGES.items()}
MAX_PAGE = 200
# The times of a step's deadline, named alike in a task's columns and a Deadline message.
DEADLINE_TIMES = ("started_at", "due_at", "warn_at")

log = logging.getLogger(__name__)


class TaskMixin:
    """One case waiting on a person at this service."""

    __tablename__ = "tasks"

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return (
            Index("ix_tasks_queue", "state", "due_at"),
            Index("ix_tasks_case", "case_id"),
        )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(40))
    step: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40), default="review")
    state: Mapped[str] = mapped_column(String(20), default=OPEN)
    company_name: Mapped[str] = mapped_column(String(200), default="")
    uscc: Mapped[str] = mapped_column(String(18), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    assignee_org: Mapped[str] = mapped_column(String(40), default="")
    claimed_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    warn_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    paused_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    limit_workdays: Mapped[str] = mapped_column(String(10), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    decided_by: Mapped[str] = mapped_column(String(120), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    # The saga command this task answers: its context (to route the final result) and request.
    # The request carries the application form (ID numbers, phones) and the details may name
    # people by ID number (the bank's beneficial owners): both sealed at rest.
    context: Mapped[bytes] = mapped_column(LargeBinary)
    request_type: Mapped[str] = mapped_column(String(200), default="")
    request: Mapped[bytes] = mapped_column(SealedBytes(), default=b"")
    details: Mapped[dict[str, str]] = mapped_column(SealedJSON(), default=dict)

    @property
    def command_context(self) -> common_pb2.CommandContext:
        return common_pb2.CommandContext.FromString(self.context)


def new_task_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12].upper()}"


def open_task(
    session: Session,
    model: type[TaskMixin],
    *,
    prefix: str,
    context: common_pb2.CommandContext,
    request: Any,
    now: datetime,
    company_name: str = "",
    uscc: str = "",
    summary: str = "",
    assignee_org: str = "",
    kind: str = "review",
    details: dict[str, str] | None = None,
) -> TaskMixin:
    deadline = context.deadline
    task: TaskMixin = cast(Any, model)(
        id=new_task_id(prefix),
        case_id=context.case_id,
        step=context.step,
        kind=kind,
        state=OPEN,
        company_name=company_name,
        uscc=uscc,
        summary=summary,
        assignee_org=assignee_org,
        created_at=now,
        **{name: from_timestamp(getattr(deadline, name)) for name in DEADLINE_TIMES},
        limit_workdays=deadline.limit_workdays,
        context=context.SerializeToString(),
        request_type=request.DESCRIPTOR.full_name,
        request=request.SerializeToString(),
        details=details or {},
    )
    session.add(task)
    return task


def list_tasks(
    session: Session,
    model: type[TaskMixin],
    principal: Principal,
    query: desk_pb2.TaskQuery,
    *,
    org_scoped: bool = False,
) -> tuple[Sequence[TaskMixin], str]:
    """The desk's queue: oldest deadline first; an organisation's staff see only its tasks.
    With ``decided_by_me``, the caller's own decisions instead, the latest first."""
    # No states named: the open queue, or with ``decided_by_me`` every decision (a decided task
    # is never open or claimed, so the queue's default states would list none of them).
    everything = list(STATE_MESSAGES) if query.decided_by_me else list(ACTIVE)
    states = [STATE_NAMES[s] for s in query.states if s in STATE_NAMES] or everything
    statement = select(model).where(model.state.in_(states))
    if org_scoped and principal.role is not Role.ADMIN:
        statement = statement.where(model.assignee_org == principal.org)
    since = from_timestamp(query.active_since)
    if since is not None:
        undecided = model.state.in_((OPEN, CLAIMED, AWAITING_APPLICANT))
        statement = statement.where(
            or_(undecided, model.decided_at.is_(None), model.decided_at >= since)
        )
    if query.decided_by_me:
        statement = statement.where(model.decided_by == principal.subject).order_by(
            model.decided_at.desc(), model.id
        )
    else:
        statement = statement.order_by(model.due_at.is_(None), model.due_at, model.created_at)
    page_size = min(query.page_size or 50, MAX_PAGE)
    offset = int(query.page_token or 0)
    rows = session.scalars(statement.offset(offset).limit(page_size + 1)).all()
    next_token = str(offset + page_size) if len(rows) > page_size else ""
    return rows[:page_size], next_token


def get_task(
    session: Session,
    model: type[TaskMixin],
    task_id: str,
    principal: Principal,
    *,
    org_scoped: bool = False,
    for_update: bool = False,
) -> TaskMixin:
    statement = select(model).where(model.id == task_id)
    if for_update:
        statement = statement.with_for_update()
    task = session.scalars(statement).first()
    if task is None:
        raise NotFound(f"no task {task_id}", message_zh=f"任务 {task_id} 不存在")
    if org_scoped and principal.role is not Role.ADMIN and task.assignee_org != principal.org:
        raise PermissionDenied(
            "this task belongs to another organisation's queue",
            message_zh="该任务属于其他机构的工作队列",
        )
    return task


def claim(task: TaskMixin, principal: Principal) -> None:
    if task.state == CLAIMED and task.claimed_by == principal.subject:
        return
    if task.state == CLAIMED:
        raise Conflict(
            f"task {task.id} is being handled by {task.claimed_by}",
            message_zh=f"任务 {task.id} 已由 {task.claimed_by} 受理",
        )
    if task.state != OPEN:
        raise Conflict(
            f"task {task.id} is {task.state}", message_zh=f"任务 {task.id} 状态为 {task.state}"
        )
    task.state = CLAIMED
    task.claimed_by = principal.subject


def ensure_decidable(task: TaskMixin, principal: Principal) -> None:
    """A decision needs an open task, or one claimed by the same person (claimed on the way)."""
    if task.state == OPEN:
        claim(task, principal)
        return
    if task.state == CLAIMED and task.claimed_by in (principal.subject, ""):
        return
    if task.state == CLAIMED and principal.role is Role.ADMIN:
        return
    if task.state == CLAIMED:
        raise Conflict(
            f"task {task.id} is claimed by {task.claimed_by}",
            message_zh=f"任务 {task.id} 已由 {task.claimed_by} 受理",
        )
    raise Conflict(
        f"task {task.id} is already {task.state}",
        message_zh=f"任务 {task.id} 已处理（{task.state}）",
    )


def decide(
    task: TaskMixin, principal: Principal, state: str, now: datetime, reason: str = ""
) -> None:
    ensure_decidable(task, principal)
    task.state = state
    task.decided_at = now
    task.decided_by = principal.subject
    task.reason = reason


def required_reason(text: str) -> str:
    """A rejection must say why: the stripped reason, or an InvalidInput naming the field."""
    reason = text.strip()
    if not reason:
        raise InvalidInput.of(
            [violation("reason", "required", "驳回须说明理由", "a rejection needs a reason")]
        )
    return reason


def cancel_case_tasks(
    session: Session, model: type[TaskMixin], case_id: str, now: datetime, reason: str
) -> int:
    """Withdraws every open task of a case (its saga is being compensated)."""
    tasks = session.scalars(
        select(model).where(
            model.case_id == case_id, model.state.in_((OPEN, CLAIMED, AWAITING_APPLICANT))
        )
    ).all()
    for task in tasks:
        task.state = CANCELLED
        task.decided_at = now
        task.decided_by = "platform"
        task.reason = reason
    return len(tasks)


@dataclass(frozen=True)
class Queue:
    """A service's desk queue: its task table, and whether staff see only their organisation's
    tasks (a bank's clerks, a seal maker) or all of them (an authority with one queue). ``page``
    and ``claimed`` are the answers of ListTasks and ClaimTask, the same at every desk."""

    model: type[TaskMixin]
    org_scoped: bool = False

    def task(
        self, session: Session, principal: Principal, task_id: str, *, for_update: bool = False
    ) -> TaskMixin:
        return get_task(
            session,
            self.model,
            task_id,
            principal,
            org_scoped=self.org_scoped,
            for_update=for_update,
        )

    def page(
        self,
        session: Session,
        principal: Principal,
        query: desk_pb2.TaskQuery,
        calendar: BusinessCalendar,
        now: datetime,
    ) -> desk_pb2.ListTasksResponse:
        tasks, token = list_tasks(session, self.model, principal, query, org_scoped=self.org_scoped)
        return desk_pb2.ListTasksResponse(
            tasks=[task_message(task, calendar, now) for task in tasks], next_page_token=token
        )

    def claimed(
        self,
        session: Session,
        principal: Principal,
        task_id: str,
        calendar: BusinessCalendar,
        now: datetime,
    ) -> desk_pb2.ClaimTaskResponse:
        task = self.task(session, principal, task_id, for_update=True)
        claim(task, principal)
        return desk_pb2.ClaimTaskResponse(task=task_message(task, calendar, now))


# The columns a task's message carries as they are stored, under the same names.
_AS_STORED = (
    "case_id",
    "step",
    "company_name",
    "uscc",
    "summary",
    "claimed_by",
    "assignee_org",
    "reason",
    "decided_by",
)


def task_message(task: TaskMixin, calendar: BusinessCalendar, now: datetime) -> desk_pb2.DeskTask:
    message = desk_pb2.DeskTask(
        task_id=task.id,
        state=STATE_MESSAGES[task.state],
        deadline=task_deadline(task, calendar, now),
        **{column: getattr(task, column) for column in _AS_STORED},
    )
    message.created_at.CopyFrom(timestamp(task.created_at))
    if task.decided_at is not None:
        message.decided_at.CopyFrom(timestamp(task.decided_at))
    message.details.update(task.details or {})
    return message


def task_deadline(
    task: TaskMixin, calendar: BusinessCalendar, now: datetime
) -> common_pb2.Deadline:
    deadline = common_pb2.Deadline(
        limit_workdays=task.limit_workdays, paused=task.paused_at is not None
    )
    for name in DEADLINE_TIMES:
        value = getattr(task, name)
        if value is not None:
            getattr(deadline, name).CopyFrom(timestamp(value))
    if task.due_at is not None:
        as_of = task.paused_at or task.decided_at or now
        try:
            remaining = calendar.working_time_between(as_of, task.due_at)
        except CalendarError:
            return deadline
        deadline.remaining_working_seconds = int(remaining.total_seconds())
        deadline.as_of.CopyFrom(timestamp(as_of))
        deadline.breached = remaining.total_seconds() <= 0
        deadline.warned = task.warn_at is not None and as_of >= task.warn_at
    return deadline


def correction_requested(
    task: TaskMixin,
    principal: Principal,
    fields: Sequence[common_pb2.Rejection],
    reason: str,
    now: datetime,
) -> common_pb2.StepStatus:
    """A desk sends the case back for the applicant to correct the named ``fields``: the (already
    decided) task keeps what was asked, and the step's answer is CORRECTION_REQUESTED naming
    them, so the corrected form comes back as a new command for the same case."""
    task.details = {**task.details, "correction_requested": "; ".join(f.field for f in fields)}
    log.info(
        "task %s returned for correction by %s",
        task.id,
        principal.subject,
        extra={"case_id": task.case_id},
    )
    return step_status(
        common_pb2.OUTCOME_CORRECTION_REQUESTED,
        decided_by=principal.subject,
        reason=reason,
        task_id=task.id,
        now=now,
        rejections=fields,
    )


def compensated(reason: str, now: datetime) -> common_pb2.StepStatus:
    """A compensation's answer: DONE by the platform, whether there was anything left to undo or
    not (a repeat finds nothing live)."""
    return step_status(common_pb2.OUTCOME_DONE, decided_by="platform", reason=reason, now=now)


def step_status(
    outcome: int,
    *,
    decided_by: str = "",
    reason: str = "",
    task_id: str = "",
    now: datetime | None = None,
    rejections: Sequence[Any] = (),
) -> common_pb2.StepStatus:
    status = common_pb2.StepStatus(
        outcome=outcome, decided_by=decided_by, reason=reason, task_id=task_id
    )
    status.rejections.extend(rejections)
    if now is not None:
        status.decided_at.CopyFrom(timestamp(now))
    return status
