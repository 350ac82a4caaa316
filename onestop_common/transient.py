"""Which failures are transient — a dependency down or busy for a while — and so worth retrying with
back-off, as opposed to a message that can never succeed (dead-letter it at once) or a bug (retry a
few times, then dead-letter it with the exception).

Consumers use this to keep transient failures from burning a quorum queue's delivery limit.
"""

from __future__ import annotations

from sqlalchemy import exc as sa

from onestop_common.errors import Unavailable

# How long a message is retried for transient failures before it is dead-lettered anyway: a
# dependency down this long needs an operator, and the dead letter tells the orchestrator.
TRANSIENT_PATIENCE_SECONDS = 30 * 60
# A failure that is neither transient nor a rejection of the message (a bug, most likely) gets
# this many attempts before the message is dead-lettered with the exception.
UNEXPECTED_ATTEMPTS = 3
FIRST_DELAY_SECONDS = 0.5
MAX_DELAY_SECONDS = 15.0


def is_transient(error: BaseException) -> bool:
    """True for database, broker, network and downstream-service outages and timeouts."""
    if isinstance(error, Unavailable | TimeoutError | ConnectionError):
        return True
    if isinstance(error, sa.OperationalError | sa.InterfaceError | sa.TimeoutError):
        return True
    if isinstance(error, sa.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, OSError) and not isinstance(error, FileNotFoundError | PermissionError):
        return True
    return _is_broker_error(error)


def _is_broker_error(error: BaseException) -> bool:
    """A lost or refused connection to RabbitMQ, in either client library."""
    names = {cls.__module__.split(".")[0] for cls in type(error).__mro__}
    if "pika" in names:
        from pika import exceptions as pika_errors

        return isinstance(
            error,
            pika_errors.AMQPConnectionError
            | pika_errors.AMQPChannelError
            | pika_errors.StreamLostError,
        )
    if "amqp" in names or "kombu" in names:
        from kombu.exceptions import OperationalError

        return isinstance(error, OperationalError) or "Connection" in type(error).__name__
    return False


def backoff(attempt: int) -> float:
    """Seconds to wait before attempt ``attempt + 1`` (attempt counts from 1)."""
    return float(min(FIRST_DELAY_SECONDS * 2 ** max(attempt - 1, 0), MAX_DELAY_SECONDS))


def describe(error: BaseException, limit: int = 300) -> str:
    """``Type: message`` cut to ``limit`` characters, for dead-letter headers and logs."""
    text = f"{type(error).__name__}: {error}"
    return text if len(text) <= limit else text[: limit - 1] + "…"
