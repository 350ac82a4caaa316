"""The signing server's process: ``onestop.signing.v1.SigningService`` over gRPC (grpcio, native
threads — each signature runs pyHanko's asyncio loop on a thread of its own), gRPC health, and the
platform timestamp authority over HTTP.

Replicas on one host share both ports (SO_REUSEPORT: the kernel spreads connections); replicas on
several hosts are listed in ``ONESTOP_SIGNER_TARGETS`` and callers fail over between them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from onestop.signing.v1 import signing_pb2 as pb
from onestop.signing.v1 import signing_pb2_grpc as pb_grpc
from onestop_common import permissions
from onestop_common.errors import InvalidInput, OneStopError, PermissionDenied, violation
from onestop_common.grpc_options import MAX_BUNDLE_MESSAGE_BYTES, server_options
from onestop_common.grpc_status import internal_status, status_for
from onestop_common.identity import Principal, Role, principal_from_metadata
from onestop_common.lifeline import wait_for_stop_signal
from onestop_common.pki import SigningIdentity
from onestop_common.reflection import enable_reflection
from onestop_common.settings import SIGNER, Settings
from onestop_common.signing import (
    Appearance,
    Attachment,
    FieldSpec,
    SigningError,
    ValidationMaterial,
    sign_pdf,
)
from onestop_common.tsa import TsaServer
from signer.keys import KeyRing, PkiNotReady

log = logging.getLogger(__name__)
SIGN_PDF = "/onestop.signing.v1.SigningService/SignPdf"

SERVICE_NAME = "onestop.signing.v1.SigningService"
# Signatures are CPU work under one GIL: more threads than this only queue inside the process.
SIGNING_THREADS = 8
# Which platform key each platform component may sign with; wrapped keys are the seal service's.
PLATFORM_KEY_USERS = {
    pb.PLATFORM_KEY_REGISTRATION: "registration",
    pb.PLATFORM_KEY_PLATFORM: "orchestrator",
}
WRAPPED_KEY_USERS = frozenset({"seal"})
# The orchestrator signs an application for each person who confirms it (after checking who
# they are).
PERSON_KEY_USERS = frozenset({"orchestrator"})
TSA_PKI_POLL_SECONDS = 2.0
_DOCMDP = {
    pb.DOC_MDP_UNSPECIFIED: "fill_forms",
    pb.DOC_MDP_FILL_FORMS: "fill_forms",
    pb.DOC_MDP_NO_CHANGES: "no_changes",
    pb.DOC_MDP_ANNOTATE: "annotate",
}


def _guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    """Maps OneStop errors to their gRPC status; anything else is a bug, logged, INTERNAL."""

    def wrapper(self: SigningServicer, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return method(self, request, context)
        except OneStopError as error:
            context.abort_with_status(rpc_status.to_status(status_for(error)))
        except Exception:
            log.exception("%s failed", method.__name__)
            context.abort_with_status(rpc_status.to_status(internal_status("internal error")))

    wrapper.__name__ = method.__name__
    return wrapper


@dataclass
class SigningServicer(pb_grpc.SigningServiceServicer):
    keys: KeyRing
    token_secret: str

    @_guarded
    def SignPdf(self, request: pb.SignPdfRequest, context: grpc.ServicerContext) -> Any:
        principal = principal_from_metadata(self.token_secret, context.invocation_metadata())
        permissions.authorize(principal, SIGN_PDF)
        identity = self._identity_for(principal, request)
        signed = self._sign(request, identity)
        log.info(
            "signed %d bytes for %s in field %r with %s",
            len(request.pdf),
            principal.subject,
            request.field_name,
            identity.certificate.subject.rfc4514_string(),
        )
        return pb.SignPdfResponse(
            signed_pdf=signed, certificate_serial=f"{identity.certificate.serial_number:x}"
        )

    def _identity_for(self, principal: Principal, request: pb.SignPdfRequest) -> SigningIdentity:
        if principal.role is not Role.SYSTEM:
            raise PermissionDenied(
                "only platform components may use the signing server",
                message_zh="只有平台组件可以使用签名服务",
            )
        which = request.WhichOneof("key")
        if which == "platform_key":
            if PLATFORM_KEY_USERS.get(request.platform_key) != principal.subject:
                raise PermissionDenied(
                    f"{principal.subject} may not sign with the "
                    f"{pb.PlatformKey.Name(request.platform_key)} key",
                    message_zh="该组件无权使用此平台密钥",
                )
            return self.keys.platform(request.platform_key)
        if which == "wrapped_key":
            if principal.subject not in WRAPPED_KEY_USERS:
                raise PermissionDenied(
                    f"{principal.subject} may not sign with wrapped keys",
                    message_zh="该组件无权使用封装密钥签名",
                )
            return self.keys.unwrap(request.wrapped_key)
        if which == "person":
            if principal.subject not in PERSON_KEY_USERS:
                raise PermissionDenied(
                    f"{principal.subject} may not sign for persons",
                    message_zh="该组件无权代表个人签名",
                )
            return self.keys.person(request.person)
        raise InvalidInput.of(
            [violation("key", "required", "请指定签名密钥", "name the key to sign with")]
        )

    def _sign(self, request: pb.SignPdfRequest, identity: SigningIdentity) -> bytes:
        if not request.field_name.strip():
            raise InvalidInput.of(
                [violation("field_name", "required", "请指定签名域", "name the signature field")]
            )
        try:
            return sign_pdf(
                request.pdf,
                identity,
                field_name=request.field_name,
                reason=request.reason or None,
                location=request.location or None,
                timestamper=self.keys.timestamper() if request.timestamp else None,
                certify=request.certify,
                docmdp=_DOCMDP.get(request.docmdp, "fill_forms"),  # type: ignore[arg-type]
                extra_empty_fields=[
                    FieldSpec(f.name, f.page, _box(f.box) if f.HasField("box") else None)
                    for f in request.extra_empty_fields
                ],
                appearance=_appearance(request),
                embed_validation=self._material(request),
                attachments=[
                    Attachment(
                        a.name, a.data, a.mime or "application/octet-stream", a.description or None
                    )
                    for a in request.attachments
                ],
                lta=request.lta,
            )
        except SigningError as error:
            raise InvalidInput.of(
                [
                    violation(
                        "pdf",
                        "signable",
                        "该PDF无法签名",
                        f"the PDF cannot be signed: {str(error)[:200]}",
                    )
                ]
            ) from error

    def _material(self, request: pb.SignPdfRequest) -> ValidationMaterial | None:
        if not request.embed_validation:
            return None
        from cryptography import x509

        try:
            extra = tuple(x509.load_der_x509_certificate(d) for d in request.extra_certificates)
        except ValueError as error:
            raise InvalidInput.of(
                [
                    violation(
                        "extra_certificates",
                        "der_certificate",
                        "附加证书不是有效的DER证书",
                        "an extra certificate is not a DER certificate",
                    )
                ]
            ) from error
        # The timestamp token's issuer chain, so the validation data for the token is complete.
        tsa_chain = (self.keys.tsa_identity().certificate, *self.keys.tsa_identity().chain)
        return ValidationMaterial(
            trust_root=self.keys.root(),
            crls=tuple(request.crls),
            extra_certs=(*extra, *(c for c in tsa_chain if c not in extra)),
        )


def _box(box: pb.Box) -> tuple[float, float, float, float]:
    return (box.x1, box.y1, box.x2, box.y2)


def _appearance(request: pb.SignPdfRequest) -> Appearance | None:
    if not request.HasField("appearance"):
        return None
    appearance = request.appearance
    return Appearance(pdf=appearance.pdf, box=_box(appearance.box), page=appearance.page)


class _SharedPortTsa(TsaServer):
    # Replicas on one host answer on the same port.
    allow_reuse_port = True


@dataclass
class SigningServer:
    settings: Settings
    grpc_port: int | None = None
    http_port: int | None = None
    keys: KeyRing = field(init=False)
    tsa_ready: threading.Event = field(default_factory=threading.Event)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _tsa: TsaServer | None = None
    _tsa_thread: threading.Thread | None = None

    def start(self) -> None:
        self.keys = KeyRing(self.settings)
        self.server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=SIGNING_THREADS, thread_name_prefix="sign"),
            # A whole bundle travels in one message; replicas on one host share the port.
            options=[*server_options(MAX_BUNDLE_MESSAGE_BYTES), ("grpc.so_reuseport", 1)],
        )
        pb_grpc.add_SigningServiceServicer_to_server(
            SigningServicer(self.keys, self.settings.token_secret), self.server
        )
        self.health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        enable_reflection(self.server, (SERVICE_NAME, health.SERVICE_NAME))
        port = self.grpc_port or self.settings.grpc_listen_port(SIGNER)
        address = f"{self.settings.bind_host}:{port}"
        self.bound_port = self.server.add_insecure_port(address)
        if self.bound_port == 0:
            raise RuntimeError(f"cannot listen on {address}")
        self._start_tsa()
        self.server.start()
        for name in ("", SERVICE_NAME):
            self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        log.info("signing server on %s:%d", self.settings.bind_host, self.bound_port)

    def _start_tsa(self) -> None:
        """The timestamp authority, as soon as the PKI exists (the supervisor makes it before
        starting anything; a signing server started by hand may come first)."""
        self._tsa_thread = threading.Thread(target=self._serve_tsa, name="tsa", daemon=True)
        self._tsa_thread.start()

    def _serve_tsa(self) -> None:
        while not self._stopping.is_set():
            try:
                identity = self.keys.tsa_identity()
            except PkiNotReady as error:
                log.warning("timestamp authority waits for the PKI: %s", error)
                self._stopping.wait(TSA_PKI_POLL_SECONDS)
                continue
            port = self.http_port if self.http_port is not None else self.settings.http_port(SIGNER)
            self._tsa = _SharedPortTsa((self.settings.bind_host, port), identity)
            self.tsa_ready.set()
            log.info("timestamp authority on %s", self._tsa.url)
            self._tsa.serve_forever()
            return

    @property
    def tsa_port(self) -> int | None:
        return None if self._tsa is None else int(self._tsa.server_address[1])

    def stop(self, grace: float = 5.0) -> None:
        self._stopping.set()
        self.health.enter_graceful_shutdown()
        self.server.stop(grace).wait()
        if self._tsa is not None:
            self._tsa.shutdown()
            self._tsa.server_close()


def serve(settings: Settings) -> None:
    """Runs the signing server until SIGINT/SIGTERM."""
    server = SigningServer(settings)
    server.start()
    wait_for_stop_signal(__name__)
    server.stop()
