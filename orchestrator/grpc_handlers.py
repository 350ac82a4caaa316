"""Registers a grpcio servicer from its service descriptor, answering a request that cannot be
decoded (garbage bytes, invalid UTF-8 in a string) with INVALID_ARGUMENT.

The generated ``add_*Servicer_to_server`` functions hand grpcio the message's own ``FromString``:
when it fails, grpcio answers INTERNAL ("Exception deserializing request") before any OneStop
code runs, as if the platform had a bug. Here the deserializer returns an :class:`Undecodable`
marker instead and the handler aborts with a bilingual rejection.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, ServiceDescriptor
from google.protobuf.message import DecodeError, Message
from grpc_status import rpc_status

from onestop_common.errors import InvalidInput, OneStopError, violation
from onestop_common.protoconv import status_for

log = logging.getLogger(__name__)

Behaviour = Callable[[Any, grpc.ServicerContext], Any]
# Raises a OneStopError when the caller may not call the method (full path) at all.
Gate = Callable[[grpc.ServicerContext, str], None]


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
            context.abort_with_status(rpc_status.to_status(status_for(error)))
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
    error = InvalidInput(en, message_zh=zh, violations=[violation("", "decode", zh, en)])
    context.abort_with_status(rpc_status.to_status(status_for(error)))
