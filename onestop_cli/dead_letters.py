"""``onestop dead-letters``: what sits in the dead-letter queue and why, and putting a message back
on the queue it came from once the cause is fixed.

Listing takes messages without acknowledging them and then closes the channel: the broker puts
them back where they were (a classic queue keeps their order), so looking changes nothing.
Replaying publishes the message again through the exchange and with the routing key it was first
published with (so a result reaches the orchestrator exactly as it first would have), with
publisher confirms, and only then acknowledges it in the dead-letter queue: a crash in between
leaves a duplicate, which the idempotent handlers absorb, never a loss.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any, TextIO

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import UnroutableError

from onestop_common import messaging as m
from onestop_common.settings import load_settings
from orchestrator.amqp import connect

# Marks a message that an operator put back, with the reason it had been dead-lettered for.
H_REPLAYED = "x-replayed-dead-reason"
# Headers that describe the dead-lettering; a replayed message goes back without them.
_DEATH_HEADERS = (
    m.H_DEAD_REASON,
    m.H_DEAD_QUEUE,
    m.H_DEAD_EXCHANGE,
    m.H_DEAD_EXCEPTION,
    "x-death",
    "x-first-death-queue",
    "x-first-death-reason",
    "x-first-death-exchange",
    "x-last-death-queue",
    "x-last-death-reason",
    "x-last-death-exchange",
    "x-delivery-count",
)
EXIT_OK, EXIT_FAILED = 0, 1


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    routing_key: str
    queue: str
    reason: str
    case_id: str
    proto_type: str
    size: int
    # The exchange it was first published to ("" when nothing says).
    exchange: str = ""
    exception: str = ""


def origin(headers: Mapping[str, Any]) -> tuple[str, str]:
    """The queue a dead letter came from and why: our consumers say so in x-dead-*, the broker
    (a quorum queue's delivery limit) in x-death."""
    if m.H_DEAD_QUEUE in headers:
        return str(headers[m.H_DEAD_QUEUE]), str(headers.get(m.H_DEAD_REASON, ""))
    deaths = headers.get("x-death") or []
    if deaths:
        first = deaths[0]
        return _text(first.get("queue")), f"broker: {_text(first.get('reason'))}"
    queue = _text(headers.get("x-first-death-queue"))
    return queue, f"broker: {_text(headers.get('x-first-death-reason')) or 'unknown'}"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value or "")


def first_published(headers: Mapping[str, Any], routing_key: str) -> tuple[str, str]:
    """The exchange and routing key a dead letter was first published with."""
    if m.H_DEAD_EXCHANGE in headers:
        return _text(headers[m.H_DEAD_EXCHANGE]), routing_key
    deaths = headers.get("x-death") or []
    if deaths:
        keys = deaths[0].get("routing-keys") or [routing_key]
        return _text(deaths[0].get("exchange")), _text(keys[0])
    # Older dead letters did not say: a saga result travels on the events exchange, the rest
    # are commands.
    exchange = m.EVENTS_EXCHANGE if routing_key.endswith(".result") else m.COMMANDS_EXCHANGE
    return exchange, routing_key


def _describe(method: Any, properties: pika.BasicProperties, body: bytes) -> DeadLetter:
    headers = properties.headers or {}
    queue, reason = origin(headers)
    exchange, routing_key = first_published(headers, method.routing_key)
    return DeadLetter(
        message_id=properties.message_id or "",
        routing_key=routing_key,
        queue=queue,
        reason=reason,
        case_id=_text(headers.get(m.H_CASE)),
        proto_type=_text(headers.get(m.H_TYPE)),
        size=len(body),
        exchange=exchange,
        exception=_text(headers.get(m.H_DEAD_EXCEPTION)),
    )


def _taken(channel: BlockingChannel, limit: int) -> Iterator[tuple[Any, Any, bytes]]:
    """Messages from the head of the dead-letter queue, unacknowledged (returned on close)."""
    for _ in range(limit):
        method, properties, body = channel.basic_get(m.DEAD_LETTER_QUEUE, auto_ack=False)
        if method is None:
            return
        yield method, properties, body


def peek(amqp_url: str, limit: int = 100) -> list[DeadLetter]:
    connection = connect(amqp_url)
    try:
        channel = connection.channel()
        return [_describe(*message) for message in _taken(channel, limit)]
    finally:
        connection.close()  # every message taken goes back, in its place


def replay(amqp_url: str, message_ids: Iterable[str], scan: int = 10_000) -> list[DeadLetter]:
    """Publishes the dead letters with these ids again as they were first published (exchange and
    routing key); returns them."""
    wanted = set(message_ids)
    replayed: list[DeadLetter] = []
    connection = connect(amqp_url)
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        for method, properties, body in _taken(channel, scan):
            if properties.message_id not in wanted:
                continue
            letter = _describe(method, properties, body)
            try:
                channel.basic_publish(
                    exchange=letter.exchange,
                    routing_key=letter.routing_key,
                    body=body,
                    properties=_replayed(properties, letter.reason),
                    mandatory=True,
                )
            except UnroutableError as error:
                raise ValueError(
                    f"dead letter {letter.message_id}: no queue takes routing key "
                    f"{letter.routing_key!r} on exchange {letter.exchange!r} any more"
                ) from error
            channel.basic_ack(method.delivery_tag)
            replayed.append(letter)
            wanted.discard(letter.message_id)
            if not wanted:
                break
    finally:
        connection.close()
    return replayed


def _replayed(properties: pika.BasicProperties, reason: str) -> pika.BasicProperties:
    headers = {k: v for k, v in (properties.headers or {}).items() if k not in _DEATH_HEADERS}
    headers[H_REPLAYED] = reason[:500]
    return pika.BasicProperties(
        content_type=properties.content_type,
        content_encoding=properties.content_encoding,
        delivery_mode=pika.DeliveryMode.Persistent,
        headers=headers,
        message_id=properties.message_id,
    )


# ---------------------------------------------------------------------------- the commands


def run_list(limit: int, as_json: bool, out: TextIO = sys.stdout) -> int:
    letters = peek(load_settings().amqp_url, limit)
    if as_json:
        out.write(json.dumps([asdict(letter) for letter in letters], ensure_ascii=False) + "\n")
        return EXIT_OK
    if not letters:
        out.write("死信队列为空 / the dead-letter queue is empty\n")
        return EXIT_OK
    for letter in letters:
        out.write(
            f"{letter.message_id}  {letter.routing_key}  from {letter.queue or '?'}"
            f"  case {letter.case_id or '-'}  {letter.size} bytes\n    reason: {letter.reason}\n"
        )
        if letter.exception and letter.exception not in letter.reason:
            out.write(f"    exception: {letter.exception}\n")
    more = " (or more: --limit)" if len(letters) == limit else ""
    out.write(f"{len(letters)} dead letter(s){more}\n")
    return EXIT_OK


def run_replay(message_ids: list[str], out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    try:
        replayed = replay(load_settings().amqp_url, message_ids)
    except ValueError as error:
        err.write(f"无法重放 / cannot replay: {error}\n")
        return EXIT_FAILED
    for letter in replayed:
        out.write(
            f"replayed {letter.message_id} to exchange {letter.exchange or '(default)'} "
            f"as {letter.routing_key}\n"
        )
    missing = sorted(set(message_ids) - {letter.message_id for letter in replayed})
    for message_id in missing:
        err.write(f"死信队列中没有该消息 / no dead letter {message_id}\n")
    return EXIT_FAILED if missing else EXIT_OK
