"""Drive one service the way the saga does: publish its AMQP commands and wait for its result
events on a test queue; call its gRPC endpoints with a credential for a role, and its nameko
RPC methods as another service does."""

from __future__ import annotations

import base64
import dataclasses
import json
import time
import uuid
from typing import Any

import grpc
import pika

from onestop.common.v1 import common_pb2
from onestop_common import contracts
from onestop_common import messaging as m
from onestop_common.identity import Role, bearer, issue_token
from onestop_common.settings import Settings
from orchestrator.amqp import ConfirmingPublisher, connect, declare_topology
from orchestrator.definition import SagaData
from orchestrator.open_company import OPEN_COMPANY


def credential(
    settings: Settings, role: Role | str, subject: str = "tester", org: str = ""
) -> tuple[tuple[str, str], ...]:
    return bearer(issue_token(settings.token_secret, subject=subject, role=Role(role), org=org))


def channel_to(settings: Settings, component: str) -> grpc.Channel:
    return grpc.insecure_channel(settings.grpc_target(component))


def nameko_rpc(
    settings: Settings, service: str, method: str, *args: Any, timeout: float = 15.0
) -> Any:
    """Calls a nameko ``@rpc`` method over AMQP the way nameko does (JSON body, reply queue bound
    to the ``nameko-rpc`` exchange), without importing nameko/eventlet into the test process."""
    connection = pika.BlockingConnection(pika.URLParameters(settings.amqp_url))
    try:
        channel = connection.channel()
        channel.exchange_declare("nameko-rpc", exchange_type="topic", durable=True)
        reply = f"test-rpc-reply-{uuid.uuid4().hex[:8]}"
        channel.queue_declare(reply, exclusive=True, auto_delete=True)
        channel.queue_bind(reply, "nameko-rpc", routing_key=reply)
        correlation = uuid.uuid4().hex
        channel.basic_publish(
            "nameko-rpc",
            f"{service}.{method}",
            json.dumps({"args": list(args), "kwargs": {}}).encode(),
            pika.BasicProperties(
                reply_to=reply,
                correlation_id=correlation,
                content_type="application/json",
                delivery_mode=2,
            ),
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            method_frame, properties, body = channel.basic_get(reply, auto_ack=True)
            if method_frame is None:
                connection.process_data_events(time_limit=0.05)
                continue
            if properties.correlation_id != correlation:
                continue
            answer = json.loads(body)
            if answer.get("error"):
                raise RuntimeError(f"{service}.{method} failed: {answer['error']}")
            return answer["result"]
        raise TimeoutError(f"no answer from {service}.{method} in {timeout} s")
    finally:
        connection.close()


def kombu_bytes(value: dict[str, str]) -> bytes:
    """Bytes as kombu's json carries them in a nameko RPC: as text when they are UTF-8, else in
    base64."""
    if value["__type__"] == "bytes":
        return value["__value__"].encode("utf-8")
    assert value["__type__"] == "base64", value
    return base64.b64decode(value["__value__"])


class CommandDriver:
    """Publishes saga commands to a service and collects its result events."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.publisher = ConfirmingPublisher(settings.amqp_url)
        self.connection = connect(settings.amqp_url)
        self.channel = self.connection.channel()
        declare_topology(self.channel, [m.results_queue()])
        self.queue = f"test.results.{uuid.uuid4().hex[:8]}"
        self.channel.queue_declare(queue=self.queue, exclusive=True, auto_delete=True)
        self.channel.queue_bind(queue=self.queue, exchange=m.EVENTS_EXCHANGE, routing_key="#")
        self.received: list[m.Envelope] = []

    def close(self) -> None:
        self.publisher.close()
        if self.connection.is_open:
            self.connection.close()

    def send(
        self,
        participant: str,
        rpc: str,
        request: Any,
        *,
        case_id: str = "",
        step: str = "",
        key: str = "",
        applicant_id: str = "applicant-1",
        deadline: common_pb2.Deadline | None = None,
        attempt: int = 1,
        dead_lettered_because: str = "",
    ) -> str:
        """Sends a command as the saga does; with ``dead_lettered_because``, puts it straight in
        the dead-letter queue instead, as a consumer that gave up on it would have."""
        case_id = case_id or f"OS-TEST-{uuid.uuid4().hex[:8].upper()}"
        key = key or f"{case_id}:{step or participant}:{rpc}"
        request.context.CopyFrom(
            common_pb2.CommandContext(
                idempotency_key=key,
                case_id=case_id,
                step=step or participant,
                applicant_id=applicant_id,
                attempt=attempt,
                deadline=deadline or common_pb2.Deadline(limit_workdays="1"),
            )
        )
        envelope = m.envelope_for(
            request,
            exchange=m.DEAD_LETTER_EXCHANGE if dead_lettered_because else m.COMMANDS_EXCHANGE,
            routing_key=m.command_routing_key(participant, rpc),
            method=contracts.method_path(participant, rpc),
            case_id=case_id,
            step=request.context.step,
            attempt=attempt,
            idempotency_key=key,
        )
        if dead_lettered_because:
            envelope = dataclasses.replace(
                envelope,
                headers={
                    **envelope.headers,
                    m.H_DEAD_QUEUE: m.command_queue(participant),
                    m.H_DEAD_REASON: dead_lettered_because,
                },
            )
        self.publisher.publish([envelope])
        return key

    def send_raw(self, routing_key: str, body: bytes, headers: dict[str, Any]) -> None:
        self.publisher.publish(
            [m.Envelope(m.COMMANDS_EXCHANGE, routing_key, body, headers, m.new_message_id())]
        )

    def events(self, routing_key: str, timeout: float = 20.0, count: int = 1) -> list[m.Envelope]:
        """Waits for ``count`` events with this routing key (e.g. seal.SealsIssued)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [e for e in self.received if e.routing_key == routing_key]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(found)}/{count} events {routing_key} in {timeout} s")
            self._pump(deadline)

    def results(self, key: str, timeout: float = 20.0, count: int = 1) -> list[Any]:
        """Waits until ``count`` results for this idempotency key arrived; returns them decoded."""
        deadline = time.monotonic() + timeout
        while True:
            found = [
                e
                for e in self.received
                if e.headers.get(m.H_IDEMPOTENCY) == key and e.routing_key.endswith(".result")
            ]
            if len(found) >= count:
                return [m.decode_body(e.proto_type, e.body) for e in found]
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(found)}/{count} results for {key} in {timeout} s")
            self._pump(deadline)

    def result(self, key: str, timeout: float = 20.0, outcome: int | None = None) -> Any:
        """The latest result for a key; with ``outcome``, waits for a result with that outcome."""
        deadline = time.monotonic() + timeout
        count = 1
        while True:
            found = self.results(key, max(0.1, deadline - time.monotonic()), count)
            if outcome is None or found[-1].status.outcome == outcome:
                return found[-1]
            count = len(found) + 1

    def done(self, key: str, timeout: float = 30.0) -> Any:
        """The step's DONE result; fails with the participant's answer when it says anything
        else."""
        result = self.result(key, timeout=timeout)
        assert result.status.outcome == common_pb2.Outcome.OUTCOME_DONE, result.status
        return result

    def send_step(self, step: str, data: SagaData, *, key: str = "", command: Any = None) -> str:
        """Sends the case's ``step`` as the saga does: ``command``, else the one the saga
        definition builds from ``data``; returns its idempotency key."""
        step_def = OPEN_COMPANY.get(step)
        return self.send(
            step_def.participant,
            step_def.action,
            command if command is not None else step_def.command(data),
            case_id=data.case_id,
            step=step,
            key=key,
            applicant_id=data.applicant_id,
        )

    def send_compensation(self, step: str, data: SagaData, round_: int = 1) -> str:
        """Sends the compensation of the case's ``step`` (built by the saga definition from
        ``data``) as the saga does in round ``round_``; returns its idempotency key."""
        step_def = OPEN_COMPANY.get(step)
        assert step_def.compensation and step_def.compensation_command
        return self.send(
            step_def.participant,
            step_def.compensation,
            step_def.compensation_command(data),
            case_id=data.case_id,
            step=step,
            key=f"{data.case_id}:{step}:{step_def.compensation}:{round_}",
            applicant_id=data.applicant_id,
        )

    def _pump(self, deadline: float) -> None:
        method, properties, body = self.channel.basic_get(self.queue, auto_ack=True)
        if method is None:
            self.connection.process_data_events(
                time_limit=min(0.05, max(0.0, deadline - time.monotonic()))
            )
            return
        self.received.append(
            m.Envelope(
                method.exchange,
                method.routing_key,
                body,
                dict(properties.headers or {}),
                properties.message_id or "",
            )
        )


__all__ = ["CommandDriver", "channel_to", "credential", "pika"]
