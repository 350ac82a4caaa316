"""gRPC server reflection on a OneStop server (grpcio-reflection, only here): grpcurl, Postman or a
partner's own tooling learn the services, methods and messages from the server itself.

grpcio-reflection speaks the v1alpha protocol only, while current clients ask for v1 first. The
two protocols' messages are the same on the wire, so one servicer answers under both names; the
v1 file is described too (the v1alpha file renamed), so a client can describe v1 itself.

Reflection only describes: every method it names still asks for the caller's credential, and on
the partner port the transport asked for a client certificate before any call, reflection's too.

The nameko services serve it through nameko-grpc (``nameko_kit``), v1alpha only: nameko-grpc
routes a method by the generated stub it was declared with, and there is no stub for v1.
Clients that ask for v1 first (grpcurl) fall back to v1alpha when v1 is UNIMPLEMENTED.
"""

from __future__ import annotations

from collections.abc import Iterable

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool
from google.protobuf.descriptor_pb2 import DescriptorProto
from grpc_reflection.v1alpha import reflection, reflection_pb2, reflection_pb2_grpc

V1ALPHA_SERVICE = reflection.SERVICE_NAME
# For nameko-grpc, which routes a method by its generated stub.
V1ALPHA_STUB = reflection_pb2_grpc.ServerReflectionStub
V1_SERVICE = "grpc.reflection.v1.ServerReflection"
V1_FILE = "grpc/reflection/v1/reflection.proto"
_V1ALPHA_PREFIX = ".grpc.reflection.v1alpha."
_V1_PREFIX = ".grpc.reflection.v1."


def enable_reflection(server: grpc.Server, service_names: Iterable[str]) -> None:
    """Serves reflection (v1 and v1alpha) on ``server`` for ``service_names`` and itself.

    Call it before the server starts."""
    _describe_v1()
    named = (*service_names, V1_SERVICE, V1ALPHA_SERVICE)
    servicer = reflection.ReflectionServicer(named)
    handler = grpc.stream_stream_rpc_method_handler(
        servicer.ServerReflectionInfo,
        request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
        response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
    )
    for service in (V1_SERVICE, V1ALPHA_SERVICE):
        server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler(service, {"ServerReflectionInfo": handler}),)
        )


def describing(service_names: Iterable[str]) -> reflection.ReflectionServicer:
    """A servicer answering reflection requests about ``service_names`` (and v1alpha itself)."""
    return reflection.ReflectionServicer((*service_names, V1ALPHA_SERVICE))


def _describe_v1() -> None:
    """Adds the v1 protocol's file to the default pool (which reflection describes), once."""
    pool = descriptor_pool.Default()
    try:
        pool.FindFileByName(V1_FILE)
        return
    except KeyError:
        pass
    proto = descriptor_pb2.FileDescriptorProto.FromString(reflection_pb2.DESCRIPTOR.serialized_pb)
    proto.name = V1_FILE
    proto.package = "grpc.reflection.v1"
    # v1alpha's options name its own Java and Go packages and mark it deprecated.
    proto.ClearField("options")
    for message in proto.message_type:
        _rename_types(message)
    for service in proto.service:
        for method in service.method:
            method.input_type = _renamed(method.input_type)
            method.output_type = _renamed(method.output_type)
    pool.AddSerializedFile(proto.SerializeToString())


def _rename_types(message: DescriptorProto) -> None:
    for field in message.field:
        if field.HasField("type_name"):  # scalars have none, and must not get an empty one
            field.type_name = _renamed(field.type_name)
    for nested in message.nested_type:
        _rename_types(nested)


def _renamed(type_name: str) -> str:
    if type_name.startswith(_V1ALPHA_PREFIX):
        return _V1_PREFIX + type_name.removeprefix(_V1ALPHA_PREFIX)
    return type_name
