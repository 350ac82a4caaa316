"""The RabbitMQ conventions every OneStop process follows: exchanges, queues, headers and the
envelope a protobuf message travels in. Transport-neutral: pika (orchestrator) and kombu
(nameko services) both build on these definitions.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import descriptor_pool, message_factory
from google.protobuf.message import DecodeError, Message

COMMANDS_EXCHANGE = "onestop.commands"
EVENTS_EXCHANGE = "onestop.events"
DEAD_LETTER_EXCHANGE = "onestop.dead-letter"
DEAD_LETTER_QUEUE = "onestop.dead-letter"

CONTENT_TYPE = "application/x-protobuf"

# Header names. "x-" keeps them apart from RabbitMQ's own headers.
H_METHOD = "x-grpc-method"
H_TYPE = "x-proto-type"
H_CASE = "x-case-id"
H_STEP = "x-step"
H_ATTEMPT = "x-attempt"
H_IDEMPOTENCY = "x-idempotency-key"
H_PARTICIPANT = "x-participant"
H_DEAD_REASON = "x-dead-reason"
H_DEAD_QUEUE = "x-dead-queue"
# Where a dead letter was first published (exchange), and the exception that sent it there.
H_DEAD_EXCHANGE = "x-dead-exchange"
H_DEAD_EXCEPTION = "x-dead-exception"

# A message redelivered this often (e.g. it crashes its consumer every time) is dead-lettered
# by the broker instead of blocking its queue forever.
DELIVERY_LIMIT = 5


def command_queue(participant: str) -> str:
    return f"onestop.{participant}.commands"


def command_routing_key(participant: str, rpc: str) -> str:
    return f"{participant}.{rpc}"


def result_routing_key(participant: str, rpc: str) -> str:
    return f"{participant}.{rpc}.result"


RESULTS_QUEUE = "onestop.orchestrator.results"
RESULTS_BINDING = "*.*.result"
# A copy of every dead letter for the orchestrator, which marks the step and re-sends or
# escalates; the operators' queue (DEAD_LETTER_QUEUE) keeps its own copy.
DEAD_LETTER_REPORTS_QUEUE = "onestop.orchestrator.dead-letters"


def queue_arguments() -> dict[str, Any]:
    """Durable quorum queues that send what they cannot deliver to the dead-letter exchange."""
    return {
        "x-queue-type": "quorum",
        "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
        "x-delivery-limit": DELIVERY_LIMIT,
    }


@dataclass(frozen=True)
class QueueSpec:
    name: str
    exchange: str
    bindings: tuple[str, ...]
    arguments: Mapping[str, Any] = field(default_factory=queue_arguments)


EXCHANGES = (COMMANDS_EXCHANGE, EVENTS_EXCHANGE, DEAD_LETTER_EXCHANGE)


def service_queue(participant: str) -> QueueSpec:
    return QueueSpec(command_queue(participant), COMMANDS_EXCHANGE, (f"{participant}.*",))


def results_queue() -> QueueSpec:
    return QueueSpec(RESULTS_QUEUE, EVENTS_EXCHANGE, (RESULTS_BINDING,))


def dead_letter_queue() -> QueueSpec:
    # The dead-letter queue must not dead-letter again: a classic durable queue.
    return QueueSpec(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, ("#",), arguments={})


def dead_letter_reports_queue() -> QueueSpec:
    # Never dead-lettered either: its consumer drops what it cannot use.
    return QueueSpec(DEAD_LETTER_REPORTS_QUEUE, DEAD_LETTER_EXCHANGE, ("#",), arguments={})


class MalformedMessage(ValueError):
    """A message that can never be processed: it goes to the dead-letter queue with this reason."""


@dataclass(frozen=True)
class Envelope:
    """One message: where it goes, its headers and its protobuf body."""

    exchange: str
    routing_key: str
    body: bytes
    headers: Mapping[str, Any]
    message_id: str

    @property
    def proto_type(self) -> str:
        return str(self.headers.get(H_TYPE, ""))

    @property
    def method(self) -> str:
        return str(self.headers.get(H_METHOD, ""))

    @property
    def case_id(self) -> str:
        return str(self.headers.get(H_CASE, ""))

    @property
    def step(self) -> str:
        return str(self.headers.get(H_STEP, ""))

    @property
    def attempt(self) -> int:
        try:
            return int(self.headers.get(H_ATTEMPT, 1))
        except (TypeError, ValueError):
            return 1


def new_message_id() -> str:
    return uuid.uuid4().hex


def envelope_for(
    message: Message,
    *,
    exchange: str,
    routing_key: str,
    method: str = "",
    case_id: str = "",
    step: str = "",
    attempt: int = 1,
    idempotency_key: str = "",
    correlation_id: str = "",
    participant: str = "",
) -> Envelope:
    headers: dict[str, Any] = {
        H_TYPE: message.DESCRIPTOR.full_name,
        H_CASE: case_id,
        H_STEP: step,
        H_ATTEMPT: attempt,
    }
    if method:
        headers[H_METHOD] = method
    if participant:
        headers[H_PARTICIPANT] = participant
    if idempotency_key:
        headers[H_IDEMPOTENCY] = idempotency_key
    if correlation_id:
        headers["x-correlation-id"] = correlation_id
    return Envelope(
        exchange=exchange,
        routing_key=routing_key,
        body=message.SerializeToString(),
        headers=headers,
        message_id=new_message_id(),
    )


def grpc_method_path(service_full_name: str, rpc: str) -> str:
    return f"/{service_full_name}/{rpc}"


def result_origin(envelope: Envelope) -> tuple[str, str]:
    """(participant, rpc) of a saga result: from its headers, which survive a replay or a detour
    through a retry queue; else from the routing key it was first published with."""
    participant = str(envelope.headers.get(H_PARTICIPANT, ""))
    rpc = envelope.method.rsplit("/", 1)[-1]
    if participant and rpc:
        return participant, rpc
    parts = envelope.routing_key.split(".")
    if len(parts) == 3 and parts[2] == "result" and all(parts):
        return parts[0], parts[1]
    raise MalformedMessage(
        f"a result must name its participant and RPC (headers {H_PARTICIPANT}, {H_METHOD}) "
        f"or come with a routing key participant.Rpc.result, got {envelope.routing_key!r}"
    )


def is_result(envelope: Envelope) -> bool:
    return envelope.routing_key.endswith(".result") or H_PARTICIPANT in envelope.headers


def decode_body(proto_type: str, body: bytes) -> Message:
    """Parses a body by the type named in its header; anything wrong is a MalformedMessage."""
    if not proto_type:
        raise MalformedMessage(f"missing {H_TYPE} header")
    try:
        descriptor = descriptor_pool.Default().FindMessageTypeByName(proto_type)
        cls = message_factory.GetMessageClass(descriptor)
    except KeyError as exc:
        raise MalformedMessage(f"unknown protobuf type {proto_type!r}") from exc
    message: Message = cls()
    try:
        message.ParseFromString(body)
    except DecodeError as exc:
        raise MalformedMessage(f"body is not a valid {proto_type}: {exc}") from exc
    return message
