"""Runs the gateway process: uvicorn serving the HTTP/JSON API on 127.0.0.1:<http_port("gateway")>
(ONESTOP_GATEWAY_HOST), calling the orchestrator's plain gRPC port."""

from __future__ import annotations

import asyncio
import logging

import uvicorn

from gateway.app import Gateway
from onestop_common.settings import GATEWAY, Settings

log = logging.getLogger(__name__)


def _server(app: object, settings: Settings, port: int, **tls: object) -> uvicorn.Server:
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        host=settings.gateway_host,
        port=port,
        log_level=settings.log_level.lower(),
        access_log=False,
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=3,
        **tls,  # type: ignore[arg-type]
    )
    return uvicorn.Server(config)


def serve(settings: Settings) -> None:
    gateway = Gateway(settings.grpc_target("orchestrator"))
    port = settings.http_port(GATEWAY)
    servers = [_server(gateway.app(), settings, port)]
    log.info("gateway listening on http://%s:%d/", settings.gateway_host, port)
    asyncio.run(_serve_all(servers))


async def _serve_all(servers: list[uvicorn.Server]) -> None:
    await asyncio.gather(*(server.serve() for server in servers))
