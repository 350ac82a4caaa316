"""A gRPC client for eventlet processes (the nameko services), on nameko-grpc's pure-Python HTTP/2
connection: grpcio would block the eventlet hub.

nameko-grpc's own channel connects once at start and never recovers from a peer that restarts; this
one connects on first use, reconnects when the connection dies, fails over to the next target, and
turns every transport failure into a gRPC error the caller can classify (UNAVAILABLE,
DEADLINE_EXCEEDED). Runs under eventlet only.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Sequence
from typing import Any

import eventlet
from eventlet.semaphore import Semaphore
from google.protobuf.message import Message
from grpc import StatusCode
from nameko_grpc.connection import ClientConnectionManager
from nameko_grpc.errors import GrpcError

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 3.0
# A send that makes no progress for this long means the peer is gone.
SOCKET_TIMEOUT_SECONDS = 60.0


class GreenChannel:
    """Unary calls to one of ``targets`` ("host:port"), reconnecting and failing over."""

    def __init__(self, targets: Sequence[str]) -> None:
        if not targets:
            raise ValueError("a channel needs at least one target")
        self._targets = list(targets)
        self._next = 0
        self._connection: ClientConnectionManager | None = None
        self._target = ""
        self._lock = Semaphore()

    def __repr__(self) -> str:
        return f"GreenChannel({', '.join(self._targets)})"

    def unary(
        self,
        path: str,
        request: Message,
        response_type: type[Message],
        *,
        metadata: Sequence[tuple[str, str]] = (),
        timeout: float,
    ) -> Any:
        """One call; on a dead connection or an UNAVAILABLE answer it tries each target once."""
        last: GrpcError | None = None
        for _ in range(len(self._targets)):
            try:
                return self._call_once(path, request, response_type, metadata, timeout)
            except GrpcError as error:
                if error.code is not StatusCode.UNAVAILABLE:
                    raise
                last = error
                self._drop()
        assert last is not None
        raise last

    def close(self) -> None:
        self._drop()

    def _call_once(
        self,
        path: str,
        request: Message,
        response_type: type[Message],
        metadata: Sequence[tuple[str, str]],
        timeout: float,
    ) -> Any:
        connection = self._connect()
        headers = [
            (":method", "POST"),
            (":scheme", "http"),
            (":authority", self._target),
            (":path", path),
            ("te", "trailers"),
            ("content-type", "application/grpc+proto"),
            ("user-agent", "onestop-green-grpc"),
            ("grpc-encoding", "identity"),
            ("grpc-accept-encoding", "identity"),
            ("grpc-timeout", f"{max(int(timeout * 1000), 1)}m"),
            *metadata,
        ]
        try:
            send, receive = connection.send_request(headers)
        except Exception as error:  # the connection began terminating meanwhile
            raise GrpcError(StatusCode.UNAVAILABLE, f"connection closing: {error}") from None
        eventlet.spawn(send.populate, (request,))
        try:
            with eventlet.Timeout(timeout):
                for response in receive.consume(response_type):
                    return response
        except eventlet.Timeout:
            expired = GrpcError(StatusCode.DEADLINE_EXCEEDED, f"no answer in {timeout:g} s")
            receive.close(expired)
            send.close()
            raise expired from None
        raise GrpcError(StatusCode.UNAVAILABLE, "the stream closed without an answer")

    def _connect(self) -> ClientConnectionManager:
        with self._lock:
            if self._connection is not None and self._connection.alive:
                return self._connection
            failures = []
            for _ in range(len(self._targets)):
                target = self._targets[self._next % len(self._targets)]
                self._next += 1
                host, _, port = target.rpartition(":")
                try:
                    sock = socket.create_connection((host, int(port)), CONNECT_TIMEOUT_SECONDS)
                except OSError as error:
                    failures.append(f"{target}: {error}")
                    continue
                sock.settimeout(SOCKET_TIMEOUT_SECONDS)
                connection = ClientConnectionManager(sock)
                eventlet.spawn(self._run, connection, target)
                self._connection, self._target = connection, target
                return connection
            raise GrpcError(StatusCode.UNAVAILABLE, "cannot connect: " + "; ".join(failures))

    @staticmethod
    def _run(connection: ClientConnectionManager, target: str) -> None:
        try:
            connection.run_forever()
        except Exception as error:  # run_forever already failed every open stream
            log.info("connection to %s ended: %s", target, error)

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and connection.alive:
            connection.run = False


class GreenSignerTransport:
    """The signing server's SignPdf over a :class:`GreenChannel` (for ``SignerClient``)."""

    PATH = "/onestop.signing.v1.SigningService/SignPdf"

    def __init__(self, targets: Sequence[str]) -> None:
        self._channel = GreenChannel(targets)

    def __repr__(self) -> str:
        return f"GreenSignerTransport({self._channel!r})"

    def sign(self, request: Message, metadata: Sequence[tuple[str, str]], timeout: float) -> Any:
        from onestop.signing.v1 import signing_pb2
        from onestop_common.protoconv import rejections_from_status
        from onestop_common.signer_client import error_for

        try:
            return self._channel.unary(
                self.PATH, request, signing_pb2.SignPdfResponse, metadata=metadata, timeout=timeout
            )
        except GrpcError as error:
            details = rejections_from_status(error.status) if error.status else ()
            raise error_for(error.code.name, error.message or "", details) from None

    def close(self) -> None:
        self._channel.close()
