"""The staff desk of a participant whose clerks only claim, approve and reject (the bank's, social
insurance's), as nameko entrypoints: the same five desk RPCs at every such service, each letting
in the service's clerks and running the service's own desk function in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from onestop.common.v1 import desk_pb2
from onestop_common.identity import Principal
from onestop_common.nameko_kit import business_now, grpc_entrypoint


def clerk_desk(stub: type, workflow: Any, require_clerk: Callable[[Principal], Principal]) -> Any:
    """A base class for the service with the desk RPCs of ``stub`` (ListTasks, GetTask,
    ClaimTask, ApproveTask, RejectTask). ListTasks and ClaimTask are answered by the ``workflow``
    module's ``CLERKS`` (a ``clerk_workflow.ClerkWorkflow``: the same at every such desk), the
    others by its function of the same name (``get_task`` …); each called as
    ``(uow, principal, subject, now)``: the caller checked by ``require_clerk``, one transaction
    of the service's ``store``, the business time.

    Made per service because a gRPC entrypoint is bound to its stub when the class is made
    (the service names it as a variable typed Any: mypy cannot follow a base class made at run
    time)."""
    at_desk = grpc_entrypoint(stub)

    class ClerkDesk:
        caller: Any
        store: Any

        def _decide(self, action: Callable[..., Any], subject: Any) -> Any:
            principal = require_clerk(self.caller())
            with self.store.transaction() as uow:
                return action(uow, principal, subject, business_now())

        @at_desk
        def ListTasks(self, request: desk_pb2.ListTasksRequest, context: Any) -> Any:
            return self._decide(workflow.CLERKS.list_tasks, request.query)

        @at_desk
        def GetTask(self, request: desk_pb2.GetTaskRequest, context: Any) -> Any:
            return self._decide(workflow.get_task, request.task_id)

        @at_desk
        def ClaimTask(self, request: desk_pb2.ClaimTaskRequest, context: Any) -> Any:
            return self._decide(workflow.CLERKS.claim_task, request.task_id)

        @at_desk
        def ApproveTask(self, request: desk_pb2.ApproveTaskRequest, context: Any) -> Any:
            return self._decide(workflow.approve_task, request)

        @at_desk
        def RejectTask(self, request: desk_pb2.RejectTaskRequest, context: Any) -> Any:
            return self._decide(workflow.reject_task, request)

    return ClerkDesk
