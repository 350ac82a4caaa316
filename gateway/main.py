"""Runs the gateway process: uvicorn serving the HTTP/JSON API on ONESTOP_GATEWAY_HOST at
``http_port("gateway")`` (bearer credentials) and, with a PKI, on the partners' HTTPS port
(mutual TLS, ``gateway_partner_listen_port()``); both call the orchestrator's plain gRPC port."""

from __future__ import annotations

import asyncio
import logging
import ssl

import uvicorn

from gateway.app import Gateway
from gateway.partners import ClientCertificateH11Protocol, partner_authenticator, partner_tls
from onestop_common.settings import GATEWAY, Settings

log = logging.getLogger(__name__)


def _server(
    app: object, settings: Settings, port: int, tls: ssl.SSLContext | None = None
) -> uvicorn.Server:
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        host=settings.gateway_host,
        port=port,
        log_level=settings.log_level.lower(),
        access_log=False,
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=3,
        http=ClientCertificateH11Protocol if tls else "auto",
    )
    if tls is not None:
        # uvicorn builds a context from key files only; this one holds the key in memory.
        config.load()
        config.ssl = tls
    return uvicorn.Server(config)


def serve(settings: Settings) -> None:
    target = settings.grpc_target("orchestrator")
    port = settings.http_port(GATEWAY)
    servers = [_server(Gateway(target).app(), settings, port)]
    log.info("gateway listening on http://%s:%d/", settings.gateway_host, port)
    partners = partner_tls(settings)
    if partners is not None:
        context, revocations = partners
        partner_gateway = Gateway(
            target, authenticate=partner_authenticator(settings.token_secret, revocations)
        )
        partner_port = settings.gateway_partner_listen_port()
        servers.append(_server(partner_gateway.app(), settings, partner_port, context))
        log.info(
            "gateway: partners (mutual TLS) on https://%s:%d/", settings.gateway_host, partner_port
        )
    asyncio.run(_serve_all(servers))


async def _serve_all(servers: list[uvicorn.Server]) -> None:
    await asyncio.gather(*(server.serve() for server in servers))
