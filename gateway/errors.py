"""A gRPC status as HTTP says it: the status code google.rpc.Code maps it to, and the JSON error
body of AIP-193 (``{"error": {"code", "message", "status", "details"}}``), its details decoded
from the ``grpc-status-details-bin`` trailer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import grpc
from google.protobuf import json_format
from google.rpc import error_details_pb2, status_pb2

# Imported for their descriptors: the details' Any values are printed by type.
from onestop.common.v1 import common_pb2  # noqa: F401

DETAILS_TRAILER = "grpc-status-details-bin"

# google/rpc/code.proto, "HTTP Mapping".
HTTP_STATUS = {
    grpc.StatusCode.OK: 200,
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.UNKNOWN: 500,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.INTERNAL: 500,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DATA_LOSS: 500,
}


def error_body(
    code: grpc.StatusCode, message: str, details: Iterable[Any] = ()
) -> tuple[int, dict[str, Any]]:
    """The HTTP status and AIP-193 body for a status."""
    http_status = HTTP_STATUS.get(code, 500)
    error = {
        "code": http_status,
        "message": message,
        "status": code.name,
        "details": list(details),
    }
    return http_status, {"error": error}


def from_rpc_error(
    code: grpc.StatusCode, message: str, trailers: Iterable[tuple[str, Any]] | None
) -> tuple[int, dict[str, Any]]:
    """A failed call's status; the trailer's rich status, when the server sent one, supplies the
    message and the details."""
    for key, value in trailers or ():
        if key != DETAILS_TRAILER or not isinstance(value, bytes):
            continue
        try:
            status = status_pb2.Status.FromString(value)
        except Exception:
            break
        printed = json_format.MessageToDict(status)
        return error_body(code, status.message or message, printed.get("details", ()))
    return error_body(code, message)


def invalid_argument(message: str, field: str = "") -> tuple[int, dict[str, Any]]:
    """The gateway's own refusal of a request it cannot turn into a request message."""
    details = []
    if field:
        violation = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=field, description=message)
            ]
        )
        details.append(
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                **json_format.MessageToDict(violation),
            }
        )
    return error_body(grpc.StatusCode.INVALID_ARGUMENT, message, details)
