"""Registers a grpcio servicer from its service descriptor, answering a request that cannot be
decoded (garbage bytes, invalid UTF-8 in a string) with INVALID_ARGUMENT; and :func:`refuse`, the
one way the orchestrator's API answers with an error (with the standard details, AIP-193).

The generated ``add_*Servicer_to_server`` functions hand grpcio the message's own ``FromString``:
when it fails, grpcio answers INTERNAL ("Exception deserializing request") before any OneStop
code runs, as if the platform had a bug. Here the deserializer returns an :class:`Undecodable`
marker instead and the handler aborts with a bilingual rejection.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

import grpc
from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, ServiceDescriptor
from google.protobuf.message import DecodeError, Message
from grpc_status import rpc_status

from onestop_common.error_details import locale_for, standard_status
from onestop_common.errors import InvalidInput, OneStopError, violation

log = logging.getLogger(__name__)

Behaviour = Callable[[Any, grpc.ServicerContext], Any]
# Raises a OneStopError when the caller may not call the method (full path) at all.
Gate = Callable[[grpc.ServicerContext, str], None]
# An error travels in a gRPC trailer (grpc-status-details-bin, base64: a third more); grpcio may
# refuse trailers over 8 KiB and always refuses them over 16 KiB (RESOURCE_EXHAUSTED instead of
# the error): beyond this size only the first rejections are sent. 4 KiB leaves room for the
# message trailer and keeps a form's twenty-odd rejections whole, in Rejections and BadRequest.
MAX_STATUS_BYTES = 4096


def new_request_id() -> str:
    return uuid.uuid4().hex


def refuse(
    context: grpc.ServicerContext,
    error: OneStopError,
    *,
    method: str,
    info: Mapping[str, str] | None = None,
    request_id: str = "",
) -> NoReturn:
    """Ends the call with ``error``: its status with the standard details, the message in the
    language the caller's ``accept-language`` prefers, and a request id, logged here so an
    operator finds the call a partner quotes."""
    request_id = request_id or new_request_id()
    log.info(
        "%s: %s %s (request %s)",
        method.rsplit("/", 1)[-1],
        error.code.name,
        error.reason,
        request_id,
    )
    status = standard_status(
        error,
        locale=locale_for(_metadata_value(context, "accept-language")),
        request_id=request_id,
        info=info,
        max_bytes=MAX_STATUS_BYTES,
    )
    context.abort_with_status(rpc_status.to_status(status))
    raise AssertionError("abort_with_status returned")  # it always raises


def _metadata_value(context: grpc.ServicerContext, key: str) -> str:
    for name, value in context.invocation_metadata() or ():
        if name == key and isinstance(value, str):
            return value
    return ""


@dataclass(frozen=True)
class Undecodable:
    """Stands in for a request whose bytes are not a valid message of the method's type."""

    type_name: str
    reason: str


def add_servicer(
    server: grpc.Server, servicer: object, service: ServiceDescriptor, gate: Gate
) -> None:
    """Adds every method of ``service`` that ``servicer`` implements, as the generated
    ``add_*Servicer_to_server`` does, with deserializers that never fail; ``gate`` decides who
    may call each method (the permission table) before anything else runs."""
    handlers: dict[str, grpc.RpcMethodHandler] = {}
    for method in service.methods:
        if method.client_streaming:
            raise ValueError(f"{method.full_name}: client streaming is not supported here")
        behaviour = getattr(servicer, method.name)
        path = f"/{service.full_name}/{method.name}"
        request_class = message_factory.GetMessageClass(method.input_type)
        response_class = message_factory.GetMessageClass(method.output_type)
        deserializer = _deserializer(request_class, method.input_type)
        if method.server_streaming:
            handlers[method.name] = grpc.unary_stream_rpc_method_handler(
                _gated(_streaming(behaviour), gate, path),
                request_deserializer=deserializer,
                response_serializer=response_class.SerializeToString,
            )
        else:
            handlers[method.name] = grpc.unary_unary_rpc_method_handler(
                _gated(_unary(behaviour), gate, path),
                request_deserializer=deserializer,
                response_serializer=response_class.SerializeToString,
            )
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(service.full_name, handlers),)
    )
    server.add_registered_method_handlers(service.full_name, handlers)


def _deserializer(
    request_class: type[Message], descriptor: Descriptor
) -> Callable[[bytes], Message | Undecodable]:
    def deserialize(data: bytes) -> Message | Undecodable:
        try:
            return request_class.FromString(data)
        except (DecodeError, UnicodeDecodeError, RecursionError) as error:
            # The reason from protobuf names the problem, never the bytes.
            return Undecodable(descriptor.full_name, str(error)[:200])

    return deserialize


def _gated(behaviour: Behaviour, gate: Gate, method: str) -> Behaviour:
    """The permission table first: a refused caller learns nothing, not even whether the
    request would decode."""

    def gated(request: Any, context: grpc.ServicerContext) -> Any:
        try:
            gate(context, method)
        except OneStopError as error:
            refuse(context, error, method=method)
        return behaviour(request, context)

    return gated


def _unary(behaviour: Behaviour) -> Behaviour:
    def handle(request: Any, context: grpc.ServicerContext) -> Any:
        if isinstance(request, Undecodable):
            _refuse(request, context)
        return behaviour(request, context)

    return handle


def _streaming(behaviour: Callable[[Any, grpc.ServicerContext], Iterator[Any]]) -> Behaviour:
    def handle(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        if isinstance(request, Undecodable):
            _refuse(request, context)
        yield from behaviour(request, context)

    return handle


def _refuse(request: Undecodable, context: grpc.ServicerContext) -> None:
    log.info("undecodable %s request: %s", request.type_name, request.reason)
    zh = f"请求不是有效的 {request.type_name} 消息（protobuf 编码错误，或字符串不是 UTF-8）"
    en = (
        f"the request is not a valid {request.type_name} (bad protobuf encoding, or a string "
        "that is not UTF-8)"
    )
    # The field is the empty path: the request as a whole.
    error = InvalidInput(
        en, message_zh=zh, violations=[violation("", "decode", zh, en)], reason="UNDECODABLE"
    )
    refuse(context, error, method=request.type_name)
