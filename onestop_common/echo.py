"""Participants that do no domain work: every saga command is answered at once, with the real
command queue, inbox, outbox and database around it. Used by the benchmark and by the platform
tests of the saga itself; failures can be injected per step."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from google.protobuf.message import Message

from onestop.common.v1 import common_pb2
from onestop_common import contracts
from onestop_common.errors import InvalidInput
from onestop_common.nameko_kit import (
    HealthCheck,
    Store,
    UnitOfWork,
    command,
    run_saga_action,
)
from onestop_common.outbox import InboxMixin, OutboxMixin

Outcome = common_pb2.Outcome


def echo_service(
    participant: str,
    stub: type,
    outbox: type[OutboxMixin],
    inbox: type[InboxMixin],
    migrations: Path,
    *,
    reject: frozenset[str],
    compensation_failures: int,
) -> type:
    """A nameko service class answering every saga RPC of ``participant``.

    ``reject`` names RPCs answered REJECTED (as does an applicant id ending in
    ``fail-at-<participant>``); ``compensation_failures`` makes each compensation
    answer RETRY that many times before it succeeds (counted in the database, so it survives
    restarts). An applicant id ending in ``poison-at-<participant>-<n>`` has the action's first
    n deliveries refused as unprocessable, so the command is dead-lettered n times.
    """
    attributes: dict[str, Any] = {
        "name": participant,
        "store": Store(participant, outbox, inbox, migrations),
    }
    for rpc in contracts.saga_rpcs(participant):
        attributes[rpc] = command(participant, stub)(
            _handler(participant, rpc, rpc in reject, compensation_failures)
        )
    return type(f"Echo{participant.title().replace('_', '')}", (HealthCheck,), attributes)


def _handler(participant: str, rpc: str, rejects: bool, failures: int) -> Callable[..., Message]:
    response_type = contracts.response_type(participant, rpc)
    compensation = rpc.startswith(("Revoke", "Cancel", "Close"))

    def handle(self: Any, request: Any, context: Any) -> Message:
        if not compensation:
            _maybe_poisoned(self.store, request, participant)
        with self.store.transaction() as uow:
            if compensation and failures and _failures_so_far(uow, request) < failures:
                return _retry_once(uow, rpc, request, response_type)
            reject = rejects or (not compensation and _asked_to_fail(request, participant))
            return run_saga_action(
                uow, rpc, request, response_type, lambda _uow: _answer(response_type, reject)
            )

    handle.__name__ = rpc
    return handle


def _asked_to_fail(request: Any, participant: str) -> bool:
    """Tests pick the failing step per case: an applicant named "...fail-at-bank" is refused."""
    return str(request.context.applicant_id).endswith(f"fail-at-{participant}")


def _maybe_poisoned(store: Store, request: Any, participant: str) -> None:
    """Refuses the first n deliveries of a case whose applicant asks for it (tests of the
    dead-letter path), counting them in a transaction of their own so the count survives."""
    match = re.search(rf"poison-at-{participant}-(\d+)$", str(request.context.applicant_id))
    if match is None:
        return
    key = f"poisoned:{request.context.idempotency_key}"
    with store.transaction() as uow:
        row = uow.remembered(key)
        count = int(row.result.decode()) + 1 if row is not None else 1
        if row is None:
            uow.session.add(cast(Any, uow.inbox_model)(key=key, result_type="count", result=b"1"))
        else:
            row.result = str(count).encode()
    if count <= int(match.group(1)):
        raise InvalidInput(f"delivery {count} refused as unprocessable (injected failure)")


def _answer(response_type: type[Message], rejects: bool) -> Message:
    response = response_type()
    status = getattr(response, "status")  # noqa: B009
    if rejects:
        status.outcome = Outcome.OUTCOME_REJECTED
        status.reason = "rejected by the echo participant (injected failure)"
    else:
        status.outcome = Outcome.OUTCOME_DONE
        status.decided_by = "echo"
    return response


def _failures_so_far(uow: UnitOfWork, request: Any) -> int:
    key = f"failures:{request.context.idempotency_key}"
    row = uow.remembered(key)
    return int(row.result.decode()) if row is not None else 0


def _retry_once(uow: UnitOfWork, rpc: str, request: Any, response_type: type[Message]) -> Message:
    key = f"failures:{request.context.idempotency_key}"
    row = uow.remembered(key)
    if row is None:
        uow.session.add(cast(Any, uow.inbox_model)(key=key, result_type="count", result=b"1"))
    else:
        row.result = str(int(row.result.decode()) + 1).encode()
    response = response_type()
    response.context.CopyFrom(request.context)  # type: ignore[attr-defined]
    status = getattr(response, "status")  # noqa: B009
    status.outcome = Outcome.OUTCOME_RETRY
    status.reason = "temporarily unavailable (injected failure)"
    uow.emit_result(rpc, response)
    return response
