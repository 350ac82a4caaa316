"""Runs the portal process: migrations, then uvicorn on ONESTOP_LISTEN_HOST (default: the platform's
host) at http_port("portal")."""

from __future__ import annotations

import logging

import uvicorn

from onestop_common.settings import Settings
from portal.app import create_app

log = logging.getLogger(__name__)


def serve(settings: Settings, *, secure_cookies: bool = False) -> None:
    app = create_app(settings, secure_cookies=secure_cookies)
    port = settings.http_port("portal")
    log.info(
        "portal listening on http://%s:%d/ (public: %s)",
        settings.bind_host,
        port,
        settings.portal_url,
    )
    uvicorn.run(
        app,
        host=settings.bind_host,
        port=port,
        log_level=settings.log_level.lower(),
        access_log=False,
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=3,
    )
