"""The portal's gRPC clients: one channel per platform component, a credential minted per
signed-in user, and gRPC errors turned into the portal's own exceptions.

The calls are blocking (grpcio); the web handlers run them in worker threads.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

import grpc
from grpc_status import rpc_status

from onestop.common.v1 import common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2, orchestrator_pb2_grpc
from onestop_common.grpc_options import channel_options
from onestop_common.identity import bearer, issue_token
from onestop_common.protoconv import rejections_from_status
from onestop_common.settings import Settings
from portal.store import Account

T = TypeVar("T")
CALL_TIMEOUT = 30.0
# A watch stream may stay open this long; the browser's EventSource then reconnects.
WATCH_SECONDS = 1800.0
TOKEN_TTL = timedelta(hours=1)
COMPONENTS = ("orchestrator", "registration", "seal", "invoice", "social_insurance", "bank")
# A PDF to seal travels in one message (up to the portal's 10 MB upload) and comes back signed,
# a little larger: above grpcio's 4 MB default in both directions, within the platform's limit.
CHANNEL_OPTIONS = tuple(channel_options())


class BackendError(Exception):
    """A gRPC call failed; ``message`` is the platform's (bilingual) explanation."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Forbidden(BackendError):
    """PERMISSION_DENIED or UNAUTHENTICATED; a refusal that names its rule (e.g. a revoked
    authorisation to sign) carries it in ``rejections``."""

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        rejections: Sequence[common_pb2.Rejection] = (),
    ) -> None:
        super().__init__(code, message)
        self.rejections = list(rejections)


class Missing(BackendError):
    pass


class Unavailable(BackendError):
    pass


class Rejected(BackendError):
    """INVALID_ARGUMENT: the platform listed the rules the input breaks."""

    def __init__(
        self, code: grpc.StatusCode, message: str, rejections: Sequence[common_pb2.Rejection]
    ) -> None:
        super().__init__(code, message)
        self.rejections = list(rejections)


def translate_error(error: grpc.RpcError) -> BackendError:
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    message = error.details() if hasattr(error, "details") else str(error)
    message = message or code.name
    if code is grpc.StatusCode.INVALID_ARGUMENT:
        return Rejected(code, message, _rejections(error))
    if code is grpc.StatusCode.PERMISSION_DENIED:
        return Forbidden(code, message, _rejections(error))
    if code is grpc.StatusCode.UNAUTHENTICATED:
        return Forbidden(code, message)
    if code is grpc.StatusCode.NOT_FOUND:
        return Missing(code, message)
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        return Unavailable(code, message)
    return BackendError(code, message)


def _rejections(error: grpc.RpcError) -> Sequence[common_pb2.Rejection]:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    return rejections_from_status(status) if status is not None else []


@dataclass(frozen=True)
class Bundle:
    data: bytes
    sha256: str
    file_name: str


class Backend:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._channels: dict[str, grpc.Channel] = {}
        self._lock = threading.Lock()

    def channel(self, component: str) -> grpc.Channel:
        with self._lock:
            channel = self._channels.get(component)
            if channel is None:
                channel = grpc.insecure_channel(
                    self.settings.grpc_target(component), options=CHANNEL_OPTIONS
                )
                self._channels[component] = channel
            return channel

    def close(self) -> None:
        with self._lock:
            for channel in self._channels.values():
                channel.close()
            self._channels.clear()

    def metadata(self, account: Account) -> tuple[tuple[str, str], ...]:
        token = issue_token(
            self.settings.token_secret,
            subject=account.username,
            role=account.role,
            org=account.org,
            name=account.display_name,
            person_id=account.person_id,
            ttl=TOKEN_TTL,
        )
        return bearer(token)

    def call(
        self,
        account: Account,
        stub_factory: Callable[[grpc.Channel], Any],
        component: str,
        method: str,
        request: Any,
        timeout: float = CALL_TIMEOUT,
    ) -> Any:
        stub = stub_factory(self.channel(component))
        try:
            return getattr(stub, method)(request, metadata=self.metadata(account), timeout=timeout)
        except grpc.RpcError as error:
            raise translate_error(error) from error

    def stream(
        self, account: Account, method: str, request: Any, timeout: float = WATCH_SECONDS
    ) -> StreamCall:
        """A server stream of the orchestrator's (no other component streams to the portal)."""
        stub = orchestrator_pb2_grpc.OneStopServiceStub(self.channel("orchestrator"))
        call = getattr(stub, method)(request, metadata=self.metadata(account), timeout=timeout)
        return StreamCall(call)

    def bundle(self, account: Account, case_id: str) -> Bundle:
        chunks: list[bytes] = []
        expected = ""
        name = f"{case_id}-bundle.pdf"
        request = orchestrator_pb2.GetBundleRequest(case_id=case_id)
        for part in self.stream(account, "GetBundle", request, timeout=120):
            if not expected:
                expected = part.sha256
                name = part.file_name or name
            chunks.append(part.chunk)
        data = b"".join(chunks)
        digest = hashlib.sha256(data).hexdigest()
        if digest != expected:
            raise BackendError(
                grpc.StatusCode.DATA_LOSS,
                "电子证照包传输损坏（SHA-256 不符）/ the bundle arrived damaged (SHA-256 mismatch)",
            )
        return Bundle(data, digest, name)


class StreamCall:
    """A server stream that can be cancelled from another thread (when the browser leaves)."""

    def __init__(self, call: Any) -> None:
        self._call = call

    def __iter__(self) -> Iterator[Any]:
        try:
            yield from self._call
        except grpc.RpcError as error:
            if error.code() is grpc.StatusCode.CANCELLED:
                return
            raise translate_error(error) from error

    def cancel(self) -> None:
        self._call.cancel()
