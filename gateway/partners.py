"""Integration partners on the gateway's HTTPS port: mutual TLS with client certificates from the
platform's TLS CA, as on the orchestrator's partner gRPC port.

The gateway cannot call the orchestrator's mutual-TLS port as the partner (it does not hold the
partner's key, by design). So it checks the certificate itself — the handshake chains it to the
TLS CA, then :func:`onestop_common.identity.partner_from_certificate` applies the orchestrator's
own checks (issuer, client-auth usage, revocation list, partner id) — and calls the orchestrator's
plain port with a credential it issues, as a platform component holding the token secret, for
that one request: role ``partner``, a minute's validity, and the certificate's serial, which the
orchestrator checks against the revocation list again. Any other partner credential is refused
on the plain port, so revoking the certificate still stops the partner from the next call.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import ssl
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from starlette.requests import Request
from uvicorn.protocols.http.h11_impl import H11Protocol

from gateway.app import Metadata, Refused
from onestop_common.errors import OneStopError
from onestop_common.identity import (
    PartnerTrust,
    Role,
    bearer,
    issue_token,
    partner_from_certificate,
)
from onestop_common.pki import TLS_CA, TLS_SERVER, CrlWatcher, PkiStore, certificates_pem
from onestop_common.settings import Settings

log = logging.getLogger(__name__)
# Long enough for one call (a Watch stream is authenticated once, when it starts).
CREDENTIAL_TTL = timedelta(seconds=60)


def partner_tls(settings: Settings) -> tuple[ssl.SSLContext, CrlWatcher] | None:
    """The HTTPS port's TLS context (the platform's TLS server identity; client certificates
    required, chaining to the TLS CA) and the CA's revocation list; None without a PKI."""
    store = PkiStore(settings.pki_dir, settings.kek)
    if not store.is_complete():
        log.warning(
            "no PKI in %s: the gateway's partner port (mutual TLS) is not opened", settings.pki_dir
        )
        return None
    server = store.load_identity(TLS_SERVER)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(
        cadata=certificates_pem((store.load_certificate(TLS_CA), store.root_certificate())).decode()
    )
    # ssl reads keys from files only: the key touches the disk encrypted under a one-time
    # password, in a private directory removed at once, as it stays in the PKI under the KEK.
    password = secrets.token_bytes(32)
    with tempfile.TemporaryDirectory(prefix="onestop-gateway-") as directory:
        key_path, chain_path = Path(directory, "key.pem"), Path(directory, "chain.pem")
        key_path.write_bytes(
            server.private_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(password),
            )
        )
        chain_path.write_bytes(certificates_pem((server.certificate, *server.chain)))
        context.load_cert_chain(chain_path, key_path, password=password)
    return context, CrlWatcher(store, TLS_CA)


class ClientCertificateH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, passing the client's verified certificate to the app as the
    ASGI TLS extension does (``scope["extensions"]["tls"]["client_cert_chain"]``, PEM), which
    uvicorn does not implement itself."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        chain = [ssl.DER_cert_to_PEM_cert(der)] if der else []
        inner = self.app

        async def app(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                extensions = {**scope.get("extensions", {}), "tls": {"client_cert_chain": chain}}
                scope = {**scope, "extensions": extensions}
            await inner(scope, receive, send)

        self.app = app


def partner_authenticator(secret: str, partners: PartnerTrust) -> Any:
    """The gateway's :data:`gateway.app.Authenticate` for its partner port."""

    async def authenticate(request: Request) -> Metadata:
        chain = request.scope.get("extensions", {}).get("tls", {}).get("client_cert_chain")
        if not chain:
            raise Refused(grpc.StatusCode.UNAUTHENTICATED, "a client certificate is required")
        certificate = x509.load_pem_x509_certificate(chain[0].encode())
        try:
            partner = partner_from_certificate(certificate, partners)
        except OneStopError as refused:
            raise Refused(grpc.StatusCode.UNAUTHENTICATED, str(refused)) from refused
        token = issue_token(
            secret,
            subject=partner.subject,
            role=Role.PARTNER,
            org=partner.org,
            certificate_serial=certificate.serial_number,
            ttl=CREDENTIAL_TTL,
        )
        return bearer(token)

    return authenticate
