"""The OpenAPI 3.1 document of the HTTP/JSON API, generated from the service descriptor: a path
per HTTP rule, message schemas from the descriptors' fields under the proto3 JSON mapping (JSON
names, enums as their names, 64-bit integers and bytes as strings, well-known types as their
JSON forms), and the AIP-193 error body for every failure. ``scripts/gen_openapi.py`` writes it
to ``docs/openapi.json``; the gateway serves the same document."""

from __future__ import annotations

from typing import Any

from google.protobuf.descriptor import (
    Descriptor,
    EnumDescriptor,
    FieldDescriptor,
    ServiceDescriptor,
)

from gateway.rules import Route, query_fields, routes
from onestop.common.v1 import limits_pb2

ERROR_SCHEMA = "google.rpc.Status"
F = FieldDescriptor
_SCALARS: dict[int, dict[str, Any]] = {
    F.TYPE_DOUBLE: {"type": "number", "format": "double"},
    F.TYPE_FLOAT: {"type": "number", "format": "float"},
    F.TYPE_INT32: {"type": "integer", "format": "int32"},
    F.TYPE_SINT32: {"type": "integer", "format": "int32"},
    F.TYPE_SFIXED32: {"type": "integer", "format": "int32"},
    F.TYPE_UINT32: {"type": "integer", "format": "int64", "minimum": 0, "maximum": 4294967295},
    F.TYPE_FIXED32: {"type": "integer", "format": "int64", "minimum": 0, "maximum": 4294967295},
    # proto3 JSON: 64-bit integers are decimal strings.
    F.TYPE_INT64: {"type": "string", "format": "int64", "pattern": "^-?[0-9]+$"},
    F.TYPE_SINT64: {"type": "string", "format": "int64", "pattern": "^-?[0-9]+$"},
    F.TYPE_SFIXED64: {"type": "string", "format": "int64", "pattern": "^-?[0-9]+$"},
    F.TYPE_UINT64: {"type": "string", "format": "uint64", "pattern": "^[0-9]+$"},
    F.TYPE_FIXED64: {"type": "string", "format": "uint64", "pattern": "^[0-9]+$"},
    F.TYPE_BOOL: {"type": "boolean"},
    F.TYPE_STRING: {"type": "string"},
    F.TYPE_BYTES: {"type": "string", "format": "byte", "contentEncoding": "base64"},
}
# Well-known types have JSON forms of their own.
_WELL_KNOWN: dict[str, dict[str, Any]] = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Duration": {"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]{1,9})?s$"},
    "google.protobuf.FieldMask": {
        "type": "string",
        "description": "Field paths separated by commas, in lowerCamelCase.",
    },
    "google.protobuf.Struct": {"type": "object"},
    "google.protobuf.Value": {},
    "google.protobuf.ListValue": {"type": "array"},
    "google.protobuf.Empty": {"type": "object", "additionalProperties": False},
    "google.protobuf.Any": {
        "type": "object",
        "properties": {"@type": {"type": "string"}},
        "required": ["@type"],
        "additionalProperties": True,
    },
}
for _name, _scalar in (
    ("DoubleValue", F.TYPE_DOUBLE),
    ("FloatValue", F.TYPE_FLOAT),
    ("Int64Value", F.TYPE_INT64),
    ("UInt64Value", F.TYPE_UINT64),
    ("Int32Value", F.TYPE_INT32),
    ("UInt32Value", F.TYPE_UINT32),
    ("BoolValue", F.TYPE_BOOL),
    ("StringValue", F.TYPE_STRING),
    ("BytesValue", F.TYPE_BYTES),
):
    _WELL_KNOWN[f"google.protobuf.{_name}"] = _SCALARS[_scalar]


class _Schemas:
    def __init__(self) -> None:
        self.components: dict[str, Any] = {}

    def ref(self, descriptor: Descriptor | EnumDescriptor) -> dict[str, Any]:
        name = descriptor.full_name
        if name in _WELL_KNOWN:
            return dict(_WELL_KNOWN[name])
        if name not in self.components:
            self.components[name] = {}  # placeholder: recursive messages refer to themselves
            if isinstance(descriptor, EnumDescriptor):
                self.components[name] = _enum(descriptor)
            else:
                self.components[name] = self._message(descriptor)
        return {"$ref": f"#/components/schemas/{name}"}

    def _message(self, descriptor: Descriptor) -> dict[str, Any]:
        properties = {field.json_name: self.field(field) for field in descriptor.fields}
        # proto3 JSON: a parser accepts the field's proto name as well as its JSON name, and a
        # printer omits fields at their default: nothing is required.
        return {
            "type": "object",
            "properties": properties,
            "additionalProperties": False,
        }

    def field(self, field: FieldDescriptor) -> dict[str, Any]:
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value = field.message_type.fields_by_name["value"]
            return {"type": "object", "additionalProperties": self.single(value)}
        single = self.single(field)
        if field.is_repeated:
            # No maxItems: limits.proto's counts bound requests (checked on arrival), while a
            # response may list more (ValidateApplication's rejections of a very wrong form).
            return {"type": "array", "items": single}
        return single

    def single(self, field: FieldDescriptor) -> dict[str, Any]:
        if field.message_type is not None:
            return self.ref(field.message_type)
        if field.enum_type is not None:
            return self.ref(field.enum_type)
        schema = dict(_SCALARS[field.type])
        if field.type == F.TYPE_STRING:
            limit = _option(field, limits_pb2.max_length)
            if limit:
                schema["maxLength"] = limit
        return schema


def _enum(descriptor: EnumDescriptor) -> dict[str, Any]:
    # Printed as names; a parser also takes the numbers, which the document does not invite.
    return {"type": "string", "enum": [value.name for value in descriptor.values]}


def _option(field: FieldDescriptor, extension: Any) -> int:
    options = field.GetOptions()
    return int(options.Extensions[extension]) if options.HasExtension(extension) else 0


def _error_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "status"],
                "properties": {
                    "code": {"type": "integer", "description": "The HTTP status code."},
                    "message": {"type": "string"},
                    "status": {"type": "string", "description": "The google.rpc.Code name."},
                    "details": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/google.protobuf.Any"},
                    },
                },
            }
        },
    }


def openapi_document(service: ServiceDescriptor, server_url: str = "/") -> dict[str, Any]:
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    for route in routes(service):
        paths.setdefault(route.template, {})[route.verb.lower()] = _operation(route, schemas)
    components = dict(sorted(schemas.components.items()))
    components[ERROR_SCHEMA] = _error_schema()
    components["google.protobuf.Any"] = _WELL_KNOWN["google.protobuf.Any"]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "OneStop public API (HTTP/JSON)",
            "version": "v1",
            "description": (
                f"{service.full_name} transcoded by its google.api.http rules. Bodies follow the "
                "proto3 JSON mapping. Authenticate with 'Authorization: Bearer <token>', or, as "
                "an integration partner, with your client certificate on the gateway's "
                "mutual-TLS port. Errors are AIP-193 JSON."
            ),
        },
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "partnerCertificate": {"type": "mutualTLS"},
            },
        },
    }


def _operation(route: Route, schemas: _Schemas) -> dict[str, Any]:
    method = route.method
    parameters: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {**schemas.single(_leaf(method.input_type, name)), "minLength": 1},
        }
        for name in route.variables
    ]
    for field in query_fields(route):
        parameter: dict[str, Any] = {
            "name": field.name,
            "in": "query",
            "required": False,
            "schema": schemas.field(field),
        }
        if field.is_repeated:
            parameter.update(style="form", explode=True)
        parameters.append(parameter)
    operation: dict[str, Any] = {
        "operationId": method.name,
        "tags": [method.containing_service.name],
        "parameters": parameters,
        "responses": {
            "200": _success(route, schemas),
            "default": {
                "description": "An error: google.rpc.Status as AIP-193 JSON",
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}}
                },
            },
        },
    }
    if route.body:
        body_schema = (
            schemas.ref(method.input_type)
            if route.body == "*"
            else schemas.field(method.input_type.fields_by_name[route.body])
        )
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body_schema}},
        }
    return operation


def _success(route: Route, schemas: _Schemas) -> dict[str, Any]:
    output = schemas.ref(route.method.output_type)
    if route.download:
        return {
            "description": "The file itself",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    if route.server_streaming:
        return {
            "description": (
                f"A stream of {route.method.output_type.name} as newline-delimited JSON, one "
                "message a line; an error after the first line arrives as its last line"
            ),
            "content": {
                "application/x-ndjson": {
                    "schema": {"type": "string", "description": "JSON lines"},
                    "x-item-schema": output,
                }
            },
        }
    return {
        "description": route.method.output_type.name,
        "content": {"application/json": {"schema": output}},
    }


def _leaf(descriptor: Descriptor, path: str) -> FieldDescriptor:
    field: FieldDescriptor | None = None
    current: Descriptor | None = descriptor
    for name in path.split("."):
        assert current is not None
        field = current.fields_by_name[name]
        current = field.message_type
    assert field is not None
    return field
