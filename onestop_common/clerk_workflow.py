"""The use cases of a desk whose clerks only claim, approve and reject (the bank's, social
insurance's), as every such desk answers them: the queue page, the claim, the task a clerk reads
or decides, the check that the task's record still waits for the decision, and the tasks a
compensation withdraws. The service keeps what is its own: the record, what approving writes, and
its messages; the transport is ``onestop_common.clerk_desk`` (ListTasks and ClaimTask answered by
the workflow module's ``CLERKS``, the other desk calls by its functions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypeVar

from onestop.common.v1 import desk_pb2
from onestop_common import desk
from onestop_common.calendar import BusinessCalendar
from onestop_common.errors import Conflict
from onestop_common.identity import Principal
from onestop_common.participant import UnitOfWork


class Decidable(Protocol):
    """A record a desk task decides on (an account, an employer): it waits while ``pending``."""

    @property
    def state(self) -> str: ...


R = TypeVar("R", bound=Decidable)


@dataclass(frozen=True)
class ClerkWorkflow:
    """A service's desk queue with the calendar its deadlines are counted in."""

    queue: desk.Queue
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)

    def list_tasks(
        self, uow: UnitOfWork, principal: Principal, query: desk_pb2.TaskQuery, now: datetime
    ) -> desk_pb2.ListTasksResponse:
        return self.queue.page(uow.session, principal, query, self.calendar, now)

    def claim_task(
        self, uow: UnitOfWork, principal: Principal, task_id: str, now: datetime
    ) -> desk_pb2.ClaimTaskResponse:
        return self.queue.claimed(uow.session, principal, task_id, self.calendar, now)

    def withdraw_case(self, uow: UnitOfWork, case_id: str, reason: str, now: datetime) -> int:
        """A compensation's first move: every open task of the case withdrawn."""
        return desk.cancel_case_tasks(uow.session, self.queue.model, case_id, now, reason)

    def task(self, uow: UnitOfWork, principal: Principal, task_id: str) -> desk.TaskMixin:
        """The task as the clerk may read it."""
        return self.queue.task(uow.session, principal, task_id)

    def decided(
        self,
        uow: UnitOfWork,
        principal: Principal,
        task_id: str,
        state: str,
        now: datetime,
        reason: str = "",
    ) -> desk.TaskMixin:
        """The task, locked, decided (``desk.DONE`` or ``desk.REJECTED``) by the clerk."""
        task = self.queue.task(uow.session, principal, task_id, for_update=True)
        desk.decide(task, principal, state, now, reason)
        return task

    def task_message(self, task: desk.TaskMixin, now: datetime) -> desk_pb2.DeskTask:
        return desk.task_message(task, self.calendar, now)


def still_pending(
    record: R | None, task: desk.TaskMixin, *, pending: str, what_en: str, what_zh: str
) -> R:
    """``record`` if it still waits for the task's decision (in state ``pending``), else a
    Conflict naming ``what_en`` / ``what_zh`` ("the account" / "开户申请")."""
    if record is None or record.state != pending:
        raise Conflict(
            f"{what_en} of task {task.id} is no longer waiting for a decision",
            message_zh=f"任务 {task.id} 对应的{what_zh}已不在待审核状态",
        )
    return record
