"""nameko extensions that wire a OneStop service to the platform.

- :class:`Store`: the service's own database (migrated at start), units of work that stage
  outbox messages in the same transaction, and the outbox relay that publishes them with
  publisher confirms as soon as a transaction commits (and on a poll, after a crash).
- :func:`command`: an entrypoint that receives the saga's AMQP commands for one RPC from the
  service's durable command queue (manual acks; malformed messages go to the dead-letter queue
  with the reason). The same method is also a gRPC entrypoint: one contract, two transports.
- :class:`Caller`: who is calling, from the gRPC credential (AMQP commands come from the platform).

Runs under eventlet only: never import this module in the orchestrator or the portal.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import eventlet
import eventlet.tpool
from eventlet.event import Event as GreenEvent
from google.protobuf.message import Message
from grpc import StatusCode
from grpc_health.v1 import health_pb2, health_pb2_grpc
from kombu import Connection, Exchange, Producer, Queue
from kombu.mixins import ConsumerMixin
from nameko import config
from nameko.extensions import (
    ENTRYPOINT_EXTENSIONS_ATTR,
    DependencyProvider,
    Entrypoint,
    SharedExtension,
)
from nameko.rpc import Rpc, RpcConsumer
from nameko_grpc.constants import Cardinality
from nameko_grpc.entrypoint import Grpc
from nameko_grpc.errors import GrpcError, register_exception_handler
from nameko_grpc.inspection import Inspector

from onestop.common.v1 import application_pb2
from onestop_common import contracts, permissions
from onestop_common import messaging as m
from onestop_common.application_checks import decode_check_request
from onestop_common.calendar_schedule import IMPORTED, parse_schedule
from onestop_common.db import make_engine, make_session_factory, transaction, upgrade_schema
from onestop_common.errors import InvalidInput, OneStopError
from onestop_common.green_grpc import GreenChannel
from onestop_common.grpc_status import grpc_code, status_for
from onestop_common.identity import (
    METADATA_KEY,
    Principal,
    Role,
    bearer,
    issue_token,
    principal_from_metadata,
    require_platform,
)
from onestop_common.limits import enforce_limits, limit_violations
from onestop_common.outbox import (
    InboxMixin,
    OutboxMixin,
    OutboxRelay,
)

# Re-exported: services imported them from here before they moved.
from onestop_common.participant import UnitOfWork, run_saga_action, withdrawn  # noqa: F401
from onestop_common.reflection import V1ALPHA_STUB, describing
from onestop_common.settings import Settings
from onestop_common.transient import (
    TRANSIENT_PATIENCE_SECONDS,
    UNEXPECTED_ATTEMPTS,
    backoff,
    describe,
    is_transient,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

SETTINGS_KEY = "ONESTOP_SETTINGS"
# How often a service asks the orchestrator for imported calendar years (and again after a miss).
CALENDAR_FEED_SECONDS = 60.0
CALENDAR_FEED_RETRY_SECONDS = 15.0


def current_settings() -> Settings:
    settings = config.get(SETTINGS_KEY)
    if not isinstance(settings, Settings):
        raise RuntimeError(f"nameko config lacks {SETTINGS_KEY}: start services with `onestop`")
    return settings


def offload(function: Callable[..., T], *args: Any) -> T:
    """Runs CPU-bound pure work (drawing a PDF) on a native thread, so the eventlet hub keeps
    serving other green threads meanwhile. Only for code that touches no sockets, green locks or
    asyncio (those belong to the hub, or for pyHanko to the signing server), and never inside a
    database transaction: the caller yields there, and with SQLite another green thread's BEGIN
    then blocks the whole hub on the write lock the transaction holds."""
    return eventlet.tpool.execute(function, *args)  # type: ignore[no-any-return]


def business_now() -> datetime:
    """Business time (Asia/Shanghai) on the clock the settings ask for (fast in demos/tests)."""
    return current_settings().clock().now()


# --------------------------------------------------------------------------- publishing


def _publish_confirmed(connection: Connection, envelopes: Sequence[m.Envelope]) -> None:
    """Publishes persistently; with confirm_publish each call returns once the broker confirms."""
    producer = Producer(connection.default_channel)
    for envelope in envelopes:
        producer.publish(
            envelope.body,
            exchange=envelope.exchange,
            routing_key=envelope.routing_key,
            headers=dict(envelope.headers),
            content_type=m.CONTENT_TYPE,
            content_encoding="binary",
            delivery_mode=2,
            message_id=envelope.message_id,
            retry=True,
            retry_policy={"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5},
        )


def _connection(url: str) -> Connection:
    return Connection(url, transport_options={"confirm_publish": True}, heartbeat=60)


def _keep_alive(connection: Connection) -> None:
    """Heartbeats on an idle publishing connection: the broker's are read (or the client takes
    them for missed) and ours sent, so neither side, nor a NAT on the way, drops it."""
    with suppress(socket.timeout, TimeoutError):
        connection.drain_events(timeout=0)
    connection.heartbeat_check()


def declare_topology(connection: Connection, queues: Sequence[m.QueueSpec]) -> None:
    """Declares exchanges and queues; declaring again with the same arguments is a no-op."""
    channel = connection.default_channel
    for name in m.EXCHANGES:
        Exchange(name, type="topic", durable=True)(channel).declare()
    for spec in (*queues, m.dead_letter_queue()):
        exchange = Exchange(spec.exchange, type="topic", durable=True)
        for binding in spec.bindings:
            Queue(
                spec.name,
                exchange=exchange,
                routing_key=binding,
                durable=True,
                queue_arguments=dict(spec.arguments),
            )(channel).declare()


# --------------------------------------------------------------------------- storage + outbox


class _RelayRunner(SharedExtension):
    """One green thread per container moving outbox rows to the broker."""

    def __init__(self) -> None:
        super().__init__()
        self.relays: list[OutboxRelay] = []
        self._wake = GreenEvent()
        self._running = False

    def register(self, relay: OutboxRelay) -> None:
        self.relays.append(relay)

    def wake(self) -> None:
        if not self._wake.ready():
            self._wake.send(True)

    def start(self) -> None:
        self._running = True
        self.container.spawn_managed_thread(self._loop, identifier="onestop.outbox_relay")

    def stop(self) -> None:
        self._running = False
        self.wake()

    def kill(self) -> None:
        self.stop()

    def _loop(self) -> None:
        settings = current_settings()
        connection: Connection | None = None
        failures = 0
        while self._running:
            try:
                if connection is None:
                    connection = _connection(settings.amqp_url)
                    connection.ensure_connection(max_retries=3)
                publish = partial(_publish_confirmed, connection)
                while any(relay.relay_once(publish) for relay in self.relays):
                    pass
                _keep_alive(connection)
                failures = 0
            except Exception as error:
                failures += 1
                # The first failure after a quiet spell is usually a connection dropped while
                # idle: reconnect and publish at once; after that, back off.
                log.warning("outbox relay: %s; reconnecting", describe(error))
                if connection is not None:
                    with suppress(Exception):
                        connection.release()
                connection = None
                if failures > 1:
                    eventlet.sleep(backoff(failures - 1))
                continue
            with eventlet.Timeout(settings.outbox_poll_seconds, False):
                self._wake.wait()
            self._wake = GreenEvent()
        if connection is not None:
            with suppress(Exception):
                connection.release()


class _CalendarFeed(SharedExtension):
    """Keeps the service's business calendars current with the holiday schedules operators
    imported: the orchestrator serves them (CalendarService); this asks at start and then every
    minute, over nameko-grpc (no grpcio under eventlet)."""

    def start(self) -> None:
        self.container.spawn_managed_thread(self._loop, identifier="onestop.calendar_feed")

    def _loop(self) -> None:
        from onestop.calendar.v1 import calendar_pb2

        settings = current_settings()
        channel = GreenChannel(settings.grpc_replicas("orchestrator"))
        subject = self.container.service_name
        reported = False
        while True:
            # A fresh credential each time: a service runs longer than a token lives.
            token = issue_token(settings.token_secret, subject=subject, role=Role.SYSTEM)
            try:
                response = channel.unary(
                    "/onestop.calendar.v1.CalendarService/ListCalendarYears",
                    calendar_pb2.ListCalendarYearsRequest(),
                    calendar_pb2.ListCalendarYearsResponse,
                    metadata=bearer(token),
                    timeout=10,
                )
                schedules = [parse_schedule(json.loads(y.schedule_json)) for y in response.years]
                if IMPORTED.replace_all(schedules):
                    log.info("calendar: imported years %s", IMPORTED.years())
                reported = False
                wait = CALENDAR_FEED_SECONDS
            except Exception as error:  # the orchestrator may be down or starting
                if not reported:
                    log.info("calendar feed not reachable yet (%s); asking again", describe(error))
                    reported = True
                wait = CALENDAR_FEED_RETRY_SECONDS
            eventlet.sleep(wait)


class Store(DependencyProvider):
    """The service's database. ``with self.store.transaction() as uow:`` gives a unit of work."""

    relay_runner = _RelayRunner()
    calendar_feed = _CalendarFeed()

    def __init__(
        self,
        participant: str,
        outbox_model: type[OutboxMixin],
        inbox_model: type[InboxMixin],
        migrations_dir: Path,
    ) -> None:
        self.participant = participant
        self.outbox_model = outbox_model
        self.inbox_model = inbox_model
        self.migrations_dir = migrations_dir

    def setup(self) -> None:
        settings = current_settings()
        self.engine = make_engine(settings.database_url_for(self.participant), kek=settings.kek)
        upgrade_schema(self.engine, self.migrations_dir, f"alembic_version_{self.participant}")
        self.sessions = make_session_factory(self.engine)
        self.relay_runner.register(OutboxRelay(self.sessions, self.outbox_model))

    def stop(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[UnitOfWork]:
        with transaction(self.sessions) as session:
            yield UnitOfWork(session, self.participant, self.outbox_model, self.inbox_model)
        self.relay_runner.wake()

    def get_dependency(self, worker_ctx: Any) -> Store:
        return self


# --------------------------------------------------------------------------- commands


class _CommandQueue(SharedExtension, ConsumerMixin):
    """Consumes the service's command queue and hands each message to its RPC's entrypoint."""

    def __init__(self) -> None:
        super().__init__()
        self.entrypoints: dict[str, CommandEntrypoint] = {}
        self.participant = ""
        self.should_stop = False
        self._ready = GreenEvent()

    def register(self, entrypoint: CommandEntrypoint) -> None:
        self.participant = entrypoint.participant
        self.entrypoints[entrypoint.rpc] = entrypoint

    @property
    def connection(self) -> Connection:  # type: ignore[override]
        return _connection(current_settings().amqp_url)

    def start(self) -> None:
        # Declared at start, not setup: entrypoints register (and name the queue) during setup.
        with _connection(current_settings().amqp_url) as conn:
            declare_topology(conn, [m.service_queue(self.participant)])
        self.should_stop = False
        self.container.spawn_managed_thread(self.run, identifier="onestop.command_queue")
        self._ready.wait()

    def stop(self) -> None:
        self.should_stop = True

    def kill(self) -> None:
        self.should_stop = True

    def get_consumers(self, consumer_cls: Any, channel: Any) -> list[Any]:
        queue = Queue(
            m.command_queue(self.participant),
            durable=True,
            queue_arguments=m.queue_arguments(),
            no_declare=True,
        )
        consumer = consumer_cls(queues=[queue], on_message=self._on_message, accept=[])
        # Enough in flight to keep the worker pool busy, few enough that a crash redelivers little.
        consumer.qos(prefetch_count=config.get("max_workers", 10) * 2)
        return [consumer]

    def on_consume_ready(self, connection: Any, channel: Any, consumers: Any, **kw: Any) -> None:
        if not self._ready.ready():
            self._ready.send(True)

    def _on_message(self, message: Any) -> None:
        if self.should_stop:
            _settle(message.requeue, "requeue")
            return
        headers = dict(message.headers or {})
        body = _raw_body(message)
        rpc = (
            headers.get(m.H_METHOD, "").rsplit("/", 1)[-1]
            or message.delivery_info.get("routing_key", "").rsplit(".", 1)[-1]
        )
        entrypoint = self.entrypoints.get(rpc)
        try:
            if entrypoint is None:
                raise m.MalformedMessage(f"{self.participant} has no command {rpc!r}")
            request = m.decode_body(headers.get(m.H_TYPE, ""), body)
            expected = entrypoint.request_type().DESCRIPTOR.full_name
            if request.DESCRIPTOR.full_name != expected:
                raise m.MalformedMessage(
                    f"{rpc} takes {expected}, got {request.DESCRIPTOR.full_name}"
                )
            # The orchestrator checked the form at intake: a command over the contract's limits
            # was not made by the platform.
            too_big = limit_violations(request)
            if too_big:
                raise m.MalformedMessage(
                    f"{rpc} exceeds the contract's limits: {too_big[0].field} "
                    f"{too_big[0].message_en}"
                )
        except m.MalformedMessage as exc:
            self.dead_letter(message, str(exc), exception=describe(exc))
            return
        entrypoint.dispatch(request, message)

    def dead_letter(self, message: Any, reason: str, *, exception: str = "") -> None:
        """Parks a message that cannot be processed, with the reason, and frees the queue. If the
        broker is unreachable the message stays unacknowledged and comes back after reconnecting."""
        log.error("dead-lettering message on %s: %s", self.participant, reason)
        headers = dict(message.headers or {})
        headers[m.H_DEAD_REASON] = reason[:500]
        headers[m.H_DEAD_QUEUE] = m.command_queue(self.participant)
        headers[m.H_DEAD_EXCHANGE] = message.delivery_info.get("exchange", "") or ""
        if exception:
            headers[m.H_DEAD_EXCEPTION] = exception[:500]
        envelope = m.Envelope(
            exchange=m.DEAD_LETTER_EXCHANGE,
            routing_key=message.delivery_info.get("routing_key", "") or "unroutable",
            body=_raw_body(message),
            headers=headers,
            message_id=message.properties.get("message_id") or m.new_message_id(),
        )
        try:
            with _connection(current_settings().amqp_url) as conn:
                _publish_confirmed(conn, [envelope])
        except Exception as error:
            log.warning("could not dead-letter (%s); the broker will redeliver", describe(error))
            return
        _settle(message.ack, "ack")


def _settle(action: Callable[[], Any], what: str) -> None:
    """Acks or requeues a delivery. On a channel that died meanwhile this is impossible and
    harmless: the broker redelivers the message, whose handler is idempotent."""
    try:
        action()
    except Exception as error:
        log.warning("could not %s a message (%s); the broker redelivers it", what, describe(error))


def _channel_open(message: Any) -> bool:
    channel = getattr(message, "channel", None)
    connection = getattr(channel, "connection", None)
    return bool(channel is not None and getattr(channel, "is_open", True) and connection)


def _raw_body(message: Any) -> bytes:
    # kombu hands an empty body over as "" (str); everything else arrives as bytes.
    body = message.body
    return body if isinstance(body, bytes) else str(body).encode()


@dataclass
class _Delivery:
    """One command message while it is being handled, retried in place if need be."""

    request: Message
    message: Any
    attempt: int = 1
    # Monotonic time of the first transient failure (None: none yet).
    failing_since: float | None = None


class CommandEntrypoint(Entrypoint):
    """Receives the AMQP command for one RPC of the service's gRPC contract.

    A handler that fails transiently (database, broker or a downstream service unavailable) is
    run again in place with back-off while the message is held unacknowledged: requeueing would
    count against the queue's delivery limit and dead-letter a good command within seconds. A
    handler that rejects the request (a OneStop error) dead-letters it at once; any other error
    gets a few attempts, then the message is dead-lettered with the exception.
    """

    queue = _CommandQueue()

    def __init__(self, participant: str, stub: type, **kwargs: Any) -> None:
        kwargs.setdefault("expected_exceptions", (OneStopError,))
        super().__init__(**kwargs)
        self.participant = participant
        self.stub = stub

    @property
    def rpc(self) -> str:
        return self.method_name or ""

    def request_type(self) -> type[Message]:
        # A method, not a property: nameko inspects extension attributes before binding.
        return Inspector(self.stub).input_type_for_method(self.method_name)  # type: ignore[no-any-return]

    def setup(self) -> None:
        self.queue.register(self)

    def dispatch(self, request: Message, message: Any) -> None:
        self._spawn(_Delivery(request, message))

    def _spawn(self, delivery: _Delivery) -> None:
        self.container.spawn_worker(
            self,
            (delivery.request, None),
            {},
            context_data={"transport": "amqp", "delivery_tag": delivery.message.delivery_tag},
            handle_result=partial(self._handle_result, delivery),
        )

    def _handle_result(
        self, delivery: _Delivery, worker_ctx: Any, result: Any, exc_info: Any
    ) -> Any:
        message = delivery.message
        if exc_info is None:
            _settle(message.ack, "ack")
            return result, exc_info
        error = exc_info[1]
        reason = self._give_up_reason(delivery, error)
        if reason is None:
            self._retry_later(delivery, error)
        else:
            self.queue.dead_letter(message, reason, exception=describe(error))
        return result, exc_info

    @staticmethod
    def _give_up_reason(delivery: _Delivery, error: BaseException) -> str | None:
        """Why the message goes to the dead-letter queue now; None: try it again."""
        if is_transient(error):
            now = time.monotonic()
            delivery.failing_since = delivery.failing_since or now
            if now - delivery.failing_since < TRANSIENT_PATIENCE_SECONDS:
                return None
            minutes = TRANSIENT_PATIENCE_SECONDS // 60
            return f"still failing after {minutes} min of retries: {describe(error)}"
        if isinstance(error, OneStopError):
            return describe(error)  # the request itself is unacceptable: retrying cannot help
        if delivery.attempt < UNEXPECTED_ATTEMPTS:
            return None
        return f"failed {delivery.attempt} times: {describe(error)}"

    def _retry_later(self, delivery: _Delivery, error: BaseException) -> None:
        delay = backoff(delivery.attempt)
        log.warning(
            "%s for case %s failed (%s); trying again in %.1f s",
            self.rpc,
            getattr(getattr(delivery.request, "context", None), "case_id", "?"),
            describe(error),
            delay,
        )
        delivery.attempt += 1

        def again() -> None:
            # After a reconnect the broker has already redelivered it: leave that copy be.
            if self.queue.should_stop or not _channel_open(delivery.message):
                return
            try:
                self._spawn(delivery)
            except Exception as exc:  # the container is stopping
                log.info("not retrying %s: %s", self.rpc, describe(exc))

        eventlet.spawn_after(delay, again)


def command(participant: str, stub: type) -> Callable[..., Any]:
    """Marks a service method as the AMQP command handler of the RPC with the same name."""
    return CommandEntrypoint.decorator(participant, stub)  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- AMQP RPC


class _SafeRpcConsumer(RpcConsumer):  # type: ignore[misc]
    """nameko's RPC consumer, minus the crash: a reply that cannot be sent (broker gone) raised out
    of the worker and killed the whole service. The request stays unacknowledged instead, comes
    back after the reconnect, and the caller's own timeout covers the lost reply."""

    def handle_result(self, message: Any, result: Any, exc_info: Any) -> Any:
        try:
            return super().handle_result(message, result, exc_info)
        except Exception as error:
            log.warning("could not answer an RPC (%s); it will be redelivered", describe(error))
            return result, exc_info


class _SafeRpc(Rpc):  # type: ignore[misc]
    rpc_consumer = _SafeRpcConsumer()


# Use instead of nameko.rpc.rpc in OneStop services.
rpc = _SafeRpc.decorator


# --------------------------------------------------------------------------- callers


@dataclass(frozen=True)
class CallerContext:
    principal: Principal
    transport: str = "grpc"


class Caller(DependencyProvider):
    """Who is calling: from the gRPC credential, or the platform for AMQP commands."""

    def get_dependency(self, worker_ctx: Any) -> Callable[[], Principal]:
        data = worker_ctx.data

        def resolve() -> Principal:
            if data.get("transport") == "amqp":
                return Principal(subject="platform", role=Role.SYSTEM)
            metadata = [(key, value) for key, value in data.items() if isinstance(value, str)]
            return principal_from_metadata(current_settings().token_secret, metadata)

        return resolve


# --------------------------------------------------------------------------- gRPC errors


def _grpc_error(exc_info: Any, code: Any = None, message: Any = None) -> GrpcError:
    error: OneStopError = exc_info[1]
    status = status_for(error)
    return GrpcError(code=grpc_code(error), message=str(error), status=status)


def install_grpc_error_mapping() -> None:
    """nameko-grpc looks handlers up by exact type, so every OneStopError subclass is registered."""
    pending: list[type[OneStopError]] = [OneStopError]
    while pending:
        cls = pending.pop()
        register_exception_handler(cls, _grpc_error)
        pending.extend(cls.__subclasses__())


class _CheckedGrpc(Grpc):  # type: ignore[misc]
    """nameko-grpc's entrypoint, with every unary request checked before a worker runs: bytes that
    are not the request type are INVALID_ARGUMENT (not INTERNAL), unknown fields are dropped, and
    the contract's length and count limits (limits.proto) apply."""

    def handle_request(self, request_stream: Any, response_stream: Any) -> None:
        try:
            self._authorize(request_stream.headers)
        except OneStopError as error:  # the role may not call this method: no worker runs
            response_stream.close(
                GrpcError(code=grpc_code(error), message=str(error), status=status_for(error))
            )
            return
        if self.cardinality not in (Cardinality.UNARY_STREAM, Cardinality.UNARY_UNARY):
            super().handle_request(request_stream, response_stream)
            return
        try:
            request = next(request_stream.consume(self.input_type))
            request.DiscardUnknownFields()
            enforce_limits(request)
        except InvalidInput as error:
            response_stream.close(
                GrpcError(code=grpc_code(error), message=str(error), status=status_for(error))
            )
            return
        except Exception as error:
            name = self.input_type.DESCRIPTOR.full_name
            response_stream.close(
                GrpcError(
                    code=StatusCode.INVALID_ARGUMENT,
                    message=f"the request is not a valid {name} / 请求不是有效的 {name} "
                    f"({type(error).__name__})",
                )
            )
            return
        # Hand the checked message on as a one-item stream, as the base class expects.
        request_stream.consume = lambda _type: iter((request,))
        super().handle_request(request_stream, response_stream)

    def _authorize(self, headers: Any) -> None:
        """The platform's permission table, before anything else (``permissions``)."""
        method = self.method_path
        if permissions.is_public(method):
            return
        credential = headers.get(METADATA_KEY)
        metadata = [(METADATA_KEY, credential)] if credential else []
        principal = principal_from_metadata(current_settings().token_secret, metadata)
        permissions.authorize(principal, method)


grpc_entrypoint = _CheckedGrpc.implementing
_health = Grpc.implementing(health_pb2_grpc.HealthStub)
_reflection = Grpc.implementing(V1ALPHA_STUB)


def grpc_services(service_class: type) -> tuple[str, ...]:
    """The gRPC services a nameko service class answers: those of its gRPC entrypoints."""
    names = set()
    for attribute in dir(service_class):
        function = getattr(service_class, attribute, None)
        for entrypoint in getattr(function, ENTRYPOINT_EXTENSIONS_ATTR, ()):
            if isinstance(entrypoint, Grpc):
                names.add(Inspector(entrypoint.stub).service_name)
    return tuple(sorted(names))


class ServerReflection:
    """gRPC server reflection (v1alpha, see ``onestop_common.reflection``): grpcurl and
    partners' tools learn the service's contracts from the service itself. It only describes:
    every method still asks for its credential."""

    @_reflection
    def ServerReflectionInfo(self, requests: Any, context: Any) -> Any:
        return describing(grpc_services(type(self))).ServerReflectionInfo(requests, context)


class HealthCheck(ServerReflection):
    """grpc.health.v1.Health for probes: SERVING when the service's database answers (and
    server reflection, which every service has too)."""

    @_health
    def Check(self, request: Any, context: Any) -> Any:
        store: Store | None = getattr(self, "store", None)
        status = health_pb2.HealthCheckResponse.SERVING
        if store is not None:
            try:
                with store.engine.connect() as connection:
                    connection.exec_driver_sql("SELECT 1")
            except Exception:
                status = health_pb2.HealthCheckResponse.NOT_SERVING
        return health_pb2.HealthCheckResponse(status=status)


class Participant(HealthCheck):
    """A saga participant's nameko service (it sets ``name`` and the ``store`` and ``caller``
    dependencies, and answers ``check``): health, the check of an application over AMQP, and
    the saga actions the platform alone may send."""

    name: str
    store: Any
    caller: Any

    def check(
        self, request: application_pb2.CheckApplicationRequest, principal: Principal | None
    ) -> application_pb2.CheckApplicationResponse:
        """The service's check of an application against the rules its saga step runs (nothing
        written): ``principal`` is the signed-in caller of CheckApplication over gRPC, None
        for the platform over AMQP. Each participant service answers it."""
        raise NotImplementedError

    @rpc
    def check_application(self, request: bytes) -> bytes:
        """CheckApplication over AMQP, for the platform: a serialized CheckApplicationRequest in,
        the serialized CheckApplicationResponse out. In nameko's json, bytes travel as kombu
        encodes them: {"__type__": "bytes", "__value__": text} when they are UTF-8, else
        "base64"."""
        return self.check(decode_check_request(request), None).SerializeToString()

    def saga_action(
        self,
        rpc: str,
        request: Message,
        handler: Callable[[UnitOfWork], Message],
        *,
        compensated_by: str = "",
    ) -> Message:
        """Runs the saga action or compensation ``rpc`` for the platform: at most once per
        idempotency key, in one transaction, answered with the RPC's response type
        (participant.run_saga_action)."""
        require_platform(self.caller())
        with self.store.transaction() as uow:
            return run_saga_action(
                uow,
                rpc,
                request,
                contracts.response_type(self.name, rpc),
                handler,
                compensated_by=compensated_by,
            )


@dataclass
class ServiceSpec:
    """What the runner needs to start a service."""

    name: str
    service_cls: type
    extra: dict[str, Any] = field(default_factory=dict)


def monotonic_ms() -> float:
    return time.monotonic() * 1000
