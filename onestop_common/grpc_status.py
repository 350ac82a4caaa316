"""How a OneStop error travels over gRPC: the one mapping of an ``ErrorCode`` to a gRPC status
code, and the google.rpc.Status (code, bilingual message, rejections) built from it. Transport
side only: the servers (grpc_api, nameko services, the orchestrator, the signer) import it; the
domains raise errors tagged with an ``ErrorCode`` and never import grpc."""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, status_pb2

from onestop.common.v1 import common_pb2
from onestop_common.errors import ErrorCode, OneStopError
from onestop_common.protoconv import rejections

# The one place an error's kind becomes a gRPC status code.
_GRPC_CODES = {
    ErrorCode.INVALID_ARGUMENT: grpc.StatusCode.INVALID_ARGUMENT,
    ErrorCode.NOT_FOUND: grpc.StatusCode.NOT_FOUND,
    ErrorCode.FAILED_PRECONDITION: grpc.StatusCode.FAILED_PRECONDITION,
    ErrorCode.ALREADY_EXISTS: grpc.StatusCode.ALREADY_EXISTS,
    ErrorCode.UNAUTHENTICATED: grpc.StatusCode.UNAUTHENTICATED,
    ErrorCode.PERMISSION_DENIED: grpc.StatusCode.PERMISSION_DENIED,
    ErrorCode.UNAVAILABLE: grpc.StatusCode.UNAVAILABLE,
    ErrorCode.RESOURCE_EXHAUSTED: grpc.StatusCode.RESOURCE_EXHAUSTED,
    ErrorCode.INTERNAL: grpc.StatusCode.INTERNAL,
}


def grpc_code(error: OneStopError) -> grpc.StatusCode:
    """The gRPC status code ``error`` travels as."""
    return _GRPC_CODES[error.code]


def status_for(error: OneStopError) -> status_pb2.Status:
    """The rich gRPC status for an error: code, bilingual message, rejections as details."""
    status = status_pb2.Status(code=grpc_code(error).value[0], message=str(error))
    if error.violations:
        detail = any_pb2.Any()
        detail.Pack(common_pb2.Rejections(rejections=rejections(error.violations)))
        status.details.append(detail)
    return status


def internal_status(message: str) -> status_pb2.Status:
    return status_pb2.Status(code=code_pb2.INTERNAL, message=message)
