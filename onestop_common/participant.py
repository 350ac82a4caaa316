"""A participant's unit of work and saga-action runner, free of any framework: one database
transaction of a service with the messages it publishes on commit (the outbox), the results it
remembers by idempotency key (the inbox), and the rule that a saga action runs at most once.

nameko_kit binds this to nameko (its Store dependency opens a UnitOfWork per worker); use cases
import it from here and run in-process in unit tests with a plain SQLAlchemy session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message
from sqlalchemy import select
from sqlalchemy.orm import Session

from onestop.common.v1 import common_pb2
from onestop.common.v1.common_pb2 import CommandContext
from onestop_common import contracts
from onestop_common import messaging as m
from onestop_common.desk import TaskMixin
from onestop_common.outbox import InboxMixin, OutboxMixin, remember_result, remembered_result, stage


@dataclass
class UnitOfWork:
    """One transaction of a service: the session plus the messages it will publish on commit."""

    session: Session
    participant: str
    outbox_model: type[OutboxMixin]
    inbox_model: type[InboxMixin]

    def emit(self, envelope: m.Envelope) -> None:
        stage(self.session, self.outbox_model, envelope)

    def emit_event(self, message: Message, name: str, *, case_id: str = "") -> None:
        """A domain event, e.g. registration.LicenseIssued."""
        self.emit(
            m.envelope_for(
                message,
                exchange=m.EVENTS_EXCHANGE,
                routing_key=f"{self.participant}.{name}",
                case_id=case_id,
            )
        )

    def emit_result(self, rpc: str, response: Message) -> None:
        """The result of a saga action or compensation, routed back to the orchestrator."""
        context = getattr(response, "context")  # noqa: B009 - every saga response has one
        self.emit(
            m.envelope_for(
                response,
                exchange=m.EVENTS_EXCHANGE,
                routing_key=m.result_routing_key(self.participant, rpc),
                method=contracts.method_path(self.participant, rpc),
                participant=self.participant,
                case_id=context.case_id,
                step=context.step,
                attempt=context.attempt,
                idempotency_key=context.idempotency_key,
            )
        )

    def remembered(self, key: str) -> InboxMixin | None:
        return remembered_result(self.session, self.inbox_model, key)

    def compensated(self, case_id: str, step: str, compensation_rpc: str) -> bool:
        """Has the case's compensation for this step already run here (in any round)?"""
        prefix = f"{case_id}:{step}:{compensation_rpc}:"
        found = self.session.scalars(
            select(self.inbox_model.key).where(self.inbox_model.key.startswith(prefix)).limit(1)
        ).first()
        return found is not None

    def answer_later(
        self, rpc: str, context: CommandContext, result: Message, *, task_id: str = ""
    ) -> None:
        """A saga action's final result, decided after its command was answered "accepted" (a
        desk decision): routed with the context of the command it answers, and stored under that
        command's key, so a redelivered command now gets this answer instead of "accepted"."""
        getattr(result, "context").CopyFrom(context)  # noqa: B009 - every saga response has one
        if task_id:
            getattr(result, "status").task_id = task_id  # noqa: B009
        stored = self.remembered(context.idempotency_key) if context.idempotency_key else None
        if stored is not None:
            stored.result_type = result.DESCRIPTOR.full_name
            stored.result = result.SerializeToString()
        self.emit_result(rpc, result)

    def answer_saga(self, rpc: str, task: TaskMixin, result: Message) -> None:
        """A desk's final answer (``result``) to the saga action ``rpc`` that ``task`` was opened
        for: routed with the task's command context, naming the task."""
        self.answer_later(rpc, task.command_context, result, task_id=task.id)

    def remember(self, key: str, result: Message) -> None:
        remember_result(
            self.session,
            self.inbox_model,
            key,
            result.DESCRIPTOR.full_name,
            result.SerializeToString(),
        )


def run_saga_action(
    uow: UnitOfWork,
    rpc: str,
    request: Message,
    response_type: type[Message],
    handler: Callable[[UnitOfWork], Message],
    *,
    compensated_by: str = "",
) -> Message:
    """Runs a saga action or compensation at most once per idempotency key.

    The result is stored under the key and staged as a result event in the same transaction; a
    repeated command gets the stored result again (and its event re-sent) with no second effect.
    An action whose compensation (``compensated_by``) already ran for the case is refused: the
    compensation overtook it, and running it now would leave an effect nobody undoes.
    """
    context = getattr(request, "context")  # noqa: B009
    key = context.idempotency_key
    if key:
        stored = uow.remembered(key)
        if stored is not None:
            response = response_type.FromString(stored.result)
            uow.emit_result(rpc, response)
            return response
    if compensated_by and uow.compensated(context.case_id, context.step, compensated_by):
        response = withdrawn(response_type)
    else:
        response = handler(uow)
    getattr(response, "context").CopyFrom(context)  # noqa: B009
    if key:
        uow.remember(key, response)
    uow.emit_result(rpc, response)
    return response


def withdrawn(response_type: type[Message]) -> Message:
    response = response_type()
    status = getattr(response, "status")  # noqa: B009
    status.outcome = common_pb2.OUTCOME_REJECTED
    status.reason = "the case was withdrawn before this step ran"
    return response


def participant_tables(
    base: Any,
) -> tuple[type[OutboxMixin], type[InboxMixin], type[TaskMixin]]:
    """The tables every participant's database has, mapped on the service's own declarative base:
    the outbox, the inbox and the desk's tasks (``Outbox, Inbox, Task = participant_tables(Base)``;
    onestop_common.migration_tables creates them). ``base`` is typed Any: mypy cannot check a
    base class passed in at run time."""

    class Outbox(OutboxMixin, base):
        pass

    class Inbox(InboxMixin, base):
        pass

    class Task(TaskMixin, base):
        pass

    return Outbox, Inbox, Task
