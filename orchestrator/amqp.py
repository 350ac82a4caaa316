"""RabbitMQ for the orchestrator, with pika (no eventlet here): topology, a publisher with
confirms for the outbox relay, and a batching consumer with manual acks for participant results.

pika connections are not thread-safe, so each thread owns its own connection.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import AMQPError

from onestop_common import messaging as m
from onestop_common.transient import UNEXPECTED_ATTEMPTS, backoff, describe, is_transient

log = logging.getLogger(__name__)

BATCH_MAX = 200
RECONNECT_SECONDS = 1.0


def connect(url: str) -> pika.BlockingConnection:
    """A connection to the first node that answers of ``url``'s, which may list a cluster's
    nodes separated by ";" (as kombu, hence the services, reads the same setting)."""
    nodes = []
    for node_url in (part.strip() for part in url.split(";") if part.strip()):
        params = pika.URLParameters(node_url)
        params.heartbeat = 60
        params.blocked_connection_timeout = 60
        nodes.append(params)
    return pika.BlockingConnection(nodes)


def declare_topology(channel: BlockingChannel, queues: Sequence[m.QueueSpec]) -> None:
    """Declares exchanges and queues; re-declaring with the same arguments changes nothing."""
    for name in m.EXCHANGES:
        channel.exchange_declare(exchange=name, exchange_type="topic", durable=True)
    for spec in (*queues, m.dead_letter_queue()):
        channel.queue_declare(queue=spec.name, durable=True, arguments=dict(spec.arguments))
        for binding in spec.bindings:
            channel.queue_bind(queue=spec.name, exchange=spec.exchange, routing_key=binding)


def properties_for(envelope: m.Envelope) -> pika.BasicProperties:
    return pika.BasicProperties(
        content_type=m.CONTENT_TYPE,
        content_encoding="binary",
        delivery_mode=pika.DeliveryMode.Persistent,
        headers=dict(envelope.headers),
        message_id=envelope.message_id,
    )


class ConfirmingPublisher:
    """Publishes persistently; each publish returns once the broker has confirmed it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._connection: pika.BlockingConnection | None = None
        self._channel: BlockingChannel | None = None

    def _ensure(self) -> BlockingChannel:
        if self._channel is None or not self._channel.is_open:
            self.close()
            self._connection = connect(self.url)
            self._channel = self._connection.channel()
            self._channel.confirm_delivery()
        return self._channel

    def publish(self, envelopes: Sequence[m.Envelope]) -> None:
        channel = self._ensure()
        try:
            for envelope in envelopes:
                channel.basic_publish(
                    exchange=envelope.exchange,
                    routing_key=envelope.routing_key,
                    body=envelope.body,
                    properties=properties_for(envelope),
                    mandatory=False,
                )
        except AMQPError:
            self.close()
            raise

    def keepalive(self) -> None:
        """Services the idle connection (heartbeats), so the broker does not drop it; a dead one
        is closed here and reopened by the next publish."""
        if self._connection is None:
            return
        try:
            self._connection.process_data_events(time_limit=0)
        except AMQPError:
            self.close()

    def close(self) -> None:
        if self._connection is not None and self._connection.is_open:
            with contextlib.suppress(AMQPError):
                self._connection.close()
        self._connection = None
        self._channel = None


def envelope_from(method: Any, properties: pika.BasicProperties, body: bytes) -> m.Envelope:
    return m.Envelope(
        exchange=method.exchange,
        routing_key=method.routing_key,
        body=body,
        headers=dict(properties.headers or {}),
        message_id=properties.message_id or m.new_message_id(),
    )


class BatchConsumer(threading.Thread):
    """Consumes a queue in batches; the handler gets envelopes, acks happen after it returns.

    A transient failure (database or broker unavailable) holds the batch and tries it again with
    back-off on the same channel, so redeliveries never count against the queue's delivery limit.
    Any other failure isolates the batch's messages: a message the handler calls malformed is
    dead-lettered at once, one that keeps failing after a few attempts is dead-lettered with the
    exception, and its neighbours are applied on their own. With ``dead_letter_failures`` False
    (the consumer of dead letters itself) a message that cannot be handled is dropped and logged.
    """

    def __init__(
        self,
        url: str,
        queue: str,
        handle: Callable[[Sequence[m.Envelope]], None],
        *,
        name: str,
        prefetch: int = 500,
        dead_letter_failures: bool = True,
    ) -> None:
        super().__init__(name=name, daemon=True)
        self.url = url
        self.queue = queue
        self.handle = handle
        self.prefetch = prefetch
        self.dead_letter_failures = dead_letter_failures
        self.ready = threading.Event()
        self._stopping = threading.Event()
        self._dead_letters = ConfirmingPublisher(url)

    def stop(self) -> None:
        self._stopping.set()

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._consume()
            except AMQPError as exc:
                log.warning("consumer of %s lost the broker (%s); reconnecting", self.queue, exc)
                self._stopping.wait(RECONNECT_SECONDS)
            except Exception:
                log.exception("consumer of %s failed; reconnecting", self.queue)
                self._stopping.wait(RECONNECT_SECONDS)
        self._dead_letters.close()

    def _consume(self) -> None:
        connection = connect(self.url)
        try:
            channel = connection.channel()
            channel.basic_qos(prefetch_count=self.prefetch)
            deliveries = channel.consume(self.queue, inactivity_timeout=0.2)
            self.ready.set()
            for method, properties, body in deliveries:
                if self._stopping.is_set():
                    break
                if method is None:
                    continue
                batch = [(method, properties, body)]
                self._fill(channel, deliveries, batch)
                self._process(channel, batch)
            channel.cancel()
        finally:
            if connection.is_open:
                with contextlib.suppress(AMQPError):
                    connection.close()

    @staticmethod
    def _fill(channel: BlockingChannel, deliveries: Any, batch: list[Any]) -> None:
        """Adds what has already arrived: under load results queue up while a batch is applied,
        and the next batch takes them all in one transaction."""
        channel.connection.process_data_events(time_limit=0)
        while len(batch) < BATCH_MAX and channel.get_waiting_message_count() > 0:
            method, properties, body = next(deliveries)
            if method is None:
                return
            batch.append((method, properties, body))

    def _process(self, channel: BlockingChannel, batch: list[Any]) -> None:
        envelopes = [envelope_from(*item) for item in batch]
        try:
            if not self._apply_holding(channel, envelopes):
                return  # stopping: the unacknowledged batch goes back to the queue
        except Exception as error:
            if len(batch) == 1:
                self._settle_one(channel, batch[0], envelopes[0], error)
            else:
                log.warning(
                    "batch of %d from %s failed (%s); applying one by one",
                    len(batch),
                    self.queue,
                    describe(error),
                )
                for item, envelope in zip(batch, envelopes, strict=True):
                    self._process_alone(channel, item, envelope)
            return
        channel.basic_ack(batch[-1][0].delivery_tag, multiple=True)

    def _apply_holding(self, channel: BlockingChannel, envelopes: list[m.Envelope]) -> bool:
        """Applies the envelopes, waiting out transient failures; False if stopped meanwhile.
        Raises what is not transient."""
        attempt = 0
        while True:
            try:
                self.handle(envelopes)
                return True
            except m.MalformedMessage:
                raise
            except Exception as error:
                if not is_transient(error):
                    raise
                attempt += 1
                delay = backoff(attempt)
                log.warning(
                    "%s: %s; holding %d message(s), trying again in %.1f s",
                    self.queue,
                    describe(error),
                    len(envelopes),
                    delay,
                )
                # Sleeping through the connection keeps its heartbeats going.
                channel.connection.sleep(delay)
                if self._stopping.is_set():
                    return False

    def _process_alone(self, channel: BlockingChannel, item: Any, envelope: m.Envelope) -> None:
        for attempt in range(1, UNEXPECTED_ATTEMPTS + 1):
            try:
                if self._apply_holding(channel, [envelope]):
                    channel.basic_ack(item[0].delivery_tag)
                return
            except m.MalformedMessage as error:
                self._give_up(channel, item, envelope, str(error), error)
                return
            except Exception as error:
                if attempt == UNEXPECTED_ATTEMPTS:
                    log.exception("%s: giving up on %s", self.queue, envelope.message_id)
                    self._give_up(
                        channel, item, envelope, f"failed {attempt} times: {describe(error)}", error
                    )
                    return
                channel.connection.sleep(backoff(attempt))

    def _settle_one(
        self, channel: BlockingChannel, item: Any, envelope: m.Envelope, error: Exception
    ) -> None:
        if isinstance(error, m.MalformedMessage):
            self._give_up(channel, item, envelope, str(error), error)
        else:
            self._process_alone(channel, item, envelope)

    def _give_up(
        self,
        channel: BlockingChannel,
        item: Any,
        envelope: m.Envelope,
        reason: str,
        error: BaseException,
    ) -> None:
        if self.dead_letter_failures:
            self._dead_letter(envelope, reason, describe(error))
        else:
            log.error("%s: dropped %s: %s", self.queue, envelope.message_id, reason)
        channel.basic_ack(item[0].delivery_tag)

    def _dead_letter(self, envelope: m.Envelope, reason: str, exception: str) -> None:
        log.error("dead-lettering %s from %s: %s", envelope.routing_key, self.queue, reason)
        headers = dict(envelope.headers)
        headers[m.H_DEAD_REASON] = reason[:500]
        headers[m.H_DEAD_QUEUE] = self.queue
        headers[m.H_DEAD_EXCHANGE] = envelope.exchange
        headers[m.H_DEAD_EXCEPTION] = exception[:500]
        self._dead_letters.publish(
            [
                m.Envelope(
                    m.DEAD_LETTER_EXCHANGE,
                    envelope.routing_key,
                    envelope.body,
                    headers,
                    envelope.message_id,
                )
            ]
        )
