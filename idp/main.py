"""Runs the local provider process: uvicorn on ONESTOP_OIDC_PROVIDER_HOST:PORT."""

from __future__ import annotations

import logging

import uvicorn

from idp.app import create_app, provider_for
from onestop_common.settings import Settings

log = logging.getLogger(__name__)


class ProviderConfigured(RuntimeError):
    pass


def serve(settings: Settings) -> None:
    if not settings.local_oidc_provider:
        # It would sign test identities' tokens in the configured real provider's name.
        raise ProviderConfigured(
            f"ONESTOP_OIDC_ISSUER is set ({settings.oidc_issuer}): the portal signs citizens in "
            "there, and the local test provider does not run; unset it to use test identities"
        )
    provider = provider_for(settings)
    log.info(
        "local OpenID Connect provider (test identities only) at %s, signing key %s",
        provider.issuer,
        provider.key.kid,
    )
    uvicorn.run(
        create_app(provider),
        host=settings.oidc_provider_host,
        port=settings.oidc_provider_listen_port,
        log_level=settings.log_level.lower(),
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=3,
    )
