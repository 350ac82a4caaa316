"""The gateway's ASGI app: each HTTP request that fits one of the service's HTTP rules becomes the
request message, goes to the orchestrator over gRPC with the caller's credential and language,
and comes back as proto3 JSON (server streams: JSON lines, or the file for a download); a failed
call comes back as the AIP-193 JSON error with the HTTP status google.rpc.Code maps it to."""

from __future__ import annotations

import json
import logging
import mimetypes
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import grpc
import grpc.aio
from google.protobuf import json_format
from google.protobuf.message import Message
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route as StarletteRoute
from starlette.types import Receive, Scope, Send

from gateway import errors
from gateway.openapi import openapi_document
from gateway.rules import Route, TranscodingError, build_request, routes
from onestop.partner.v1 import partner_pb2
from onestop_common.grpc_options import MAX_MESSAGE_BYTES, channel_options

log = logging.getLogger(__name__)

# The public partner API; the internal onestop.orchestrator.v1 has no HTTP rules.
SERVICE = partner_pb2.DESCRIPTOR.services_by_name["ApplicationService"]
OPENAPI_PATH = "/v1/openapi.json"
# A JSON body carries bytes fields in base64: a 10 MiB material is about 14 MiB of JSON.
MAX_BODY_BYTES = MAX_MESSAGE_BYTES
UNARY_TIMEOUT_SECONDS = 60.0
# Request headers passed on to the orchestrator as call metadata.
FORWARDED_HEADERS = ("authorization", "accept-language")
NDJSON = "application/x-ndjson"

Metadata = Sequence[tuple[str, str]]
# Who is calling, as call metadata: the bearer header as it came, or a credential the gateway
# issues for a partner it authenticated itself (mutual TLS). Raises Refused to refuse.
Authenticate = Callable[[Request], Awaitable[Metadata]]


class Refused(Exception):
    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code


async def forward_bearer(request: Request) -> Metadata:
    """Plain HTTP: the caller's ``Authorization: Bearer`` header goes on as it came; the
    orchestrator checks it exactly as it checks a gRPC caller's."""
    value = request.headers.get("authorization")
    return (("authorization", value),) if value else ()


@dataclass
class Gateway:
    target: str
    authenticate: Authenticate = forward_bearer
    channel_credentials: grpc.ChannelCredentials | None = None
    routes: list[Route] = field(default_factory=lambda: routes(SERVICE))
    _channel: grpc.aio.Channel | None = None

    @asynccontextmanager
    async def lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        # grpc.aio channels belong to the event loop they are made on: uvicorn's.
        options = channel_options()
        if self.channel_credentials is None:
            self._channel = grpc.aio.insecure_channel(self.target, options=options)
        else:
            self._channel = grpc.aio.secure_channel(
                self.target, self.channel_credentials, options=options
            )
        try:
            yield
        finally:
            await self._channel.close()

    def app(self) -> Starlette:
        document = openapi_document(SERVICE)

        async def openapi(_request: Request) -> Response:
            return JSONResponse(document)

        async def healthz(_request: Request) -> Response:
            return Response("ok", media_type="text/plain")

        app = Starlette(
            routes=[
                StarletteRoute(OPENAPI_PATH, openapi, methods=["GET"]),
                StarletteRoute("/healthz", healthz, methods=["GET"]),
            ],
            lifespan=self.lifespan,
        )
        # Every other path is the API's: matched against the HTTP rules here rather than by
        # Starlette's path converters, whose patterns do not span every decoded character.
        app.router.default = self._asgi
        return app

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        response = await self.dispatch(Request(scope, receive))
        await response(scope, receive, send)

    async def dispatch(self, request: Request) -> Response:
        raw_path = request.scope.get("raw_path", b"").decode("latin-1") or request.url.path
        raw_path = raw_path.split("?", 1)[0]
        verbs: set[str] = set()
        for route in self.routes:
            variables = route.match(raw_path)
            if variables is None:
                continue
            if route.verb != request.method:
                verbs.add(route.verb)
                continue
            try:
                return await self._call(route, variables, request)
            except Refused as refused:
                return _json_error(*errors.error_body(refused.code, str(refused)))
        if verbs:
            allowed = ", ".join(sorted(verbs))
            _, body = errors.error_body(
                grpc.StatusCode.UNIMPLEMENTED,
                f"{request.method} is not allowed here; use {allowed}",
            )
            body["error"]["code"] = 405
            return _json_error(405, body, headers={"Allow": allowed})
        return _json_error(
            *errors.error_body(grpc.StatusCode.NOT_FOUND, f"no method at {request.url.path}")
        )

    async def _call(self, route: Route, variables: dict[str, str], request: Request) -> Response:
        try:
            body = await _json_body(request, route)
            message = build_request(route, variables, request.query_params.multi_items(), body)
        except TranscodingError as exc:
            return _json_error(*errors.invalid_argument(str(exc), exc.field))
        metadata = [*await self.authenticate(request)]
        metadata += [
            (name, request.headers[name])
            for name in FORWARDED_HEADERS
            if name != "authorization" and name in request.headers
        ]
        assert self._channel is not None, "the gateway's lifespan opens the channel"
        serializer = type(message).SerializeToString
        deserializer = route.response_class.FromString
        if not route.server_streaming:
            unary = self._channel.unary_unary(
                route.grpc_path,
                request_serializer=serializer,
                response_deserializer=deserializer,
            )
            try:
                response = await unary(
                    message, metadata=tuple(metadata), timeout=UNARY_TIMEOUT_SECONDS
                )
            except grpc.aio.AioRpcError as error:
                return _from_rpc_error(error)
            return JSONResponse(json_format.MessageToDict(response))
        stream = self._channel.unary_stream(
            route.grpc_path, request_serializer=serializer, response_deserializer=deserializer
        )
        call = stream(message, metadata=tuple(metadata))
        iterator = call.__aiter__()
        # The first message decides the HTTP status: a refusal is an error answer, not a 200.
        try:
            first = await iterator.__anext__()
        except StopAsyncIteration:
            first = None
        except grpc.aio.AioRpcError as error:
            return _from_rpc_error(error)
        if route.download:
            return _download(first, iterator)
        return StreamingResponse(_json_lines(first, iterator), media_type=NDJSON)


async def _json_body(request: Request, route: Route) -> Any:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise TranscodingError(f"the request body is larger than {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        return {} if route.body == "*" else None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TranscodingError(f"the request body is not JSON: {exc}") from exc


def _download(first: Message | None, rest: AsyncIterator[Message]) -> Response:
    if first is None:
        return _json_error(*errors.error_body(grpc.StatusCode.NOT_FOUND, "the file is empty"))
    name = getattr(first, "file_name", "") or "download"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    total = getattr(first, "total_size", 0)
    if total:
        headers["Content-Length"] = str(total)
    digest = getattr(first, "sha256", "")
    if digest:
        headers["X-Content-SHA256"] = digest
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"

    async def chunks() -> AsyncIterator[bytes]:
        yield first.chunk  # type: ignore[attr-defined]
        try:
            async for message in rest:
                yield message.chunk  # type: ignore[attr-defined]
        except grpc.aio.AioRpcError as error:
            # Too late for a status: cutting the body short (Content-Length) tells the client.
            log.warning("download broke off: %s", error.code().name)

    return StreamingResponse(chunks(), media_type=media_type, headers=headers)


async def _json_lines(first: Message | None, rest: AsyncIterator[Message]) -> AsyncIterator[bytes]:
    if first is None:
        return
    yield _line(json_format.MessageToDict(first))
    try:
        async for message in rest:
            yield _line(json_format.MessageToDict(message))
    except grpc.aio.AioRpcError as error:
        # The status line is sent: the error ends the stream as its last line.
        yield _line(errors.from_rpc_error(*_parts(error))[1])


def _line(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _parts(error: grpc.aio.AioRpcError) -> tuple[grpc.StatusCode, str, Any]:
    return error.code(), error.details() or "", error.trailing_metadata()


def _from_rpc_error(error: grpc.aio.AioRpcError) -> Response:
    return _json_error(*errors.from_rpc_error(*_parts(error)))


def _json_error(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Response:
    return JSONResponse(body, status_code=status, headers=headers)
