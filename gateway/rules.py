"""The ``google.api.http`` rules of a gRPC service, read from its descriptor, and the request
message an HTTP request stands for (path template, query string, JSON body), as the proto3 JSON
mapping and google/api/http.proto define them. No framework here: the app and the OpenAPI
document are built on these."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from google.api import annotations_pb2, http_pb2
from google.protobuf import json_format, message_factory
from google.protobuf.descriptor import (
    Descriptor,
    FieldDescriptor,
    MethodDescriptor,
    ServiceDescriptor,
)
from google.protobuf.message import Message

_VARIABLE = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_.]*)(?:=([^}]*))?\}")
# A variable matches one path segment ("*"); "**" would match the rest, which no rule here uses.
_SEGMENT = "[^/]+"
_VERBS = ("get", "put", "post", "delete", "patch")


class TranscodingError(ValueError):
    """The HTTP request does not make a request message: INVALID_ARGUMENT for the caller."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Route:
    method: MethodDescriptor
    verb: str  # upper case: GET, POST, …
    template: str  # "/v1/applications/{case_id}:cancel"
    body: str  # "", "*" or a field name
    variables: tuple[str, ...]
    pattern: re.Pattern[str]

    @property
    def grpc_path(self) -> str:
        return f"/{self.method.containing_service.full_name}/{self.method.name}"

    @property
    def request_class(self) -> type[Message]:
        return message_factory.GetMessageClass(self.method.input_type)

    @property
    def response_class(self) -> type[Message]:
        return message_factory.GetMessageClass(self.method.output_type)

    @property
    def server_streaming(self) -> bool:
        return bool(self.method.server_streaming)

    @property
    def download(self) -> bool:
        """A server stream of file chunks (``bytes chunk`` and ``file_name``): served as the file
        itself rather than as JSON lines."""
        fields = self.method.output_type.fields_by_name
        return (
            self.server_streaming
            and "chunk" in fields
            and fields["chunk"].type == FieldDescriptor.TYPE_BYTES
            and "file_name" in fields
        )

    @property
    def literal_length(self) -> int:
        return len(_VARIABLE.sub("", self.template))

    def match(self, raw_path: str) -> dict[str, str] | None:
        """The path variables if ``raw_path`` (still percent-encoded) fits the template."""
        found = self.pattern.fullmatch(raw_path)
        if found is None:
            return None
        return {name: unquote(found.group(i + 1)) for i, name in enumerate(self.variables)}


def routes(service: ServiceDescriptor) -> list[Route]:
    """Every method of ``service`` with an HTTP rule (additional bindings too), the most specific
    template first: ``/v1/applications/{case_id}:watch`` is tried before
    ``/v1/applications/{case_id}``."""
    found: list[Route] = []
    for method in service.methods:
        options = method.GetOptions()
        if not options.HasExtension(annotations_pb2.http):
            continue
        rule: http_pb2.HttpRule = options.Extensions[annotations_pb2.http]
        for binding in (rule, *rule.additional_bindings):
            found.append(_route(method, binding))
    return sorted(found, key=lambda route: -route.literal_length)


def _route(method: MethodDescriptor, rule: http_pb2.HttpRule) -> Route:
    kind = rule.WhichOneof("pattern")
    if kind not in _VERBS:
        raise ValueError(f"{method.full_name}: HTTP rule pattern {kind!r} is not supported")
    template: str = getattr(rule, kind)
    variables: list[str] = []
    pattern, position = "", 0
    for variable in _VARIABLE.finditer(template):
        if variable.group(2) not in (None, "*"):
            raise ValueError(f"{method.full_name}: only single-segment variables are supported")
        _field_path(method.input_type, variable.group(1))
        pattern += re.escape(template[position : variable.start()]) + f"({_SEGMENT})"
        variables.append(variable.group(1))
        position = variable.end()
    pattern += re.escape(template[position:])
    if rule.body not in ("", "*"):
        _field_path(method.input_type, rule.body)
    return Route(method, kind.upper(), template, rule.body, tuple(variables), re.compile(pattern))


def _field_path(descriptor: Descriptor, path: str) -> list[FieldDescriptor]:
    fields: list[FieldDescriptor] = []
    current: Descriptor | None = descriptor
    for name in path.split("."):
        field = current.fields_by_name.get(name) if current else None
        if field is None:
            raise TranscodingError(f"{descriptor.name} has no field {path!r}", path)
        fields.append(field)
        current = field.message_type
    return fields


def query_fields(route: Route) -> list[FieldDescriptor]:
    """The request fields a query parameter may set: top-level scalars, enums and lists of them
    that neither the path nor the body carries."""
    if route.body == "*":
        return []
    taken = {name.split(".")[0] for name in route.variables} | {route.body}
    return [
        field
        for field in route.method.input_type.fields
        if field.name not in taken and field.type != FieldDescriptor.TYPE_MESSAGE
    ]


def build_request(
    route: Route,
    variables: Mapping[str, str],
    query: Iterable[tuple[str, str]],
    body: Any,
) -> Message:
    """The request message: the JSON body (unknown fields refused), then query parameters, then
    the path variables (which win)."""
    request = route.request_class()
    document: dict[str, Any] = {}
    if route.body == "*":
        if not isinstance(body, dict):
            raise TranscodingError("the request body must be a JSON object")
        document = dict(body)
    elif route.body:
        document[route.body] = body
    elif body is not None:
        raise TranscodingError(f"{route.verb} {route.template} takes no request body")
    allowed: dict[str, FieldDescriptor] = {}
    for each in query_fields(route):
        allowed[each.name] = each
        allowed[each.json_name] = each
    for key, value in query:
        if key not in allowed:
            raise TranscodingError(f"unknown query parameter {key!r}", key)
        field = allowed[key]
        converted = _query_value(field, value)
        if field.is_repeated:
            document.setdefault(field.name, []).append(converted)
        elif field.name in document:
            raise TranscodingError(f"query parameter {key!r} given twice", key)
        else:
            document[field.name] = converted
    for name, value in variables.items():
        _set_path(document, name, value)
    try:
        json_format.ParseDict(document, request, ignore_unknown_fields=False)
    except json_format.ParseError as exc:
        raise TranscodingError(str(exc)) from exc
    return request


def _query_value(field: FieldDescriptor, value: str) -> Any:
    if field.type == FieldDescriptor.TYPE_BOOL:
        if value not in ("true", "false"):
            raise TranscodingError(f"{field.name} takes true or false, got {value!r}", field.name)
        return value == "true"
    return value


def _set_path(document: dict[str, Any], path: str, value: str) -> None:
    *parents, last = path.split(".")
    for name in parents:
        document = document.setdefault(name, {})
    document[last] = value
