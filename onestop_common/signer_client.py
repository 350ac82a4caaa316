"""Asking the signing server for a signature: the request built from the same arguments as
``signing.sign_pdf``, and its errors turned into OneStop errors (UNAVAILABLE and DEADLINE_EXCEEDED
are :class:`Unavailable`: the caller retries later).

The transport is the caller's: grpcio in the orchestrator and tools (:class:`GrpcioTransport`),
nameko-grpc's green HTTP/2 inside the eventlet services (``onestop_common.green_grpc``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeAlias

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from onestop.signing.v1 import signing_pb2 as pb
from onestop_common.errors import (
    InvalidInput,
    OneStopError,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
)
from onestop_common.identity import Role, bearer, issue_token
from onestop_common.pki import SigningIdentity
from onestop_common.protoconv import violations_of
from onestop_common.signing import (
    Appearance,
    Attachment,
    FieldSpec,
    Timestamper,
    ValidationMaterial,
    sign_pdf,
)

SIGN_TIMEOUT_SECONDS = 60.0
_DOCMDP = {
    "fill_forms": pb.DOC_MDP_FILL_FORMS,
    "no_changes": pb.DOC_MDP_NO_CHANGES,
    "annotate": pb.DOC_MDP_ANNOTATE,
}


# A platform key (pb.PlatformKey), a wrapped seal key, or a person's one-signature key.
SignerKey: TypeAlias = int | pb.WrappedKey | pb.PersonKey


class SignerUnavailable(Unavailable):
    """No replica of the signing server answered in time: retry later."""


class Transport(Protocol):
    def sign(
        self, request: pb.SignPdfRequest, metadata: Sequence[tuple[str, str]], timeout: float
    ) -> pb.SignPdfResponse: ...


@dataclass
class SignatureSpec:
    """What to sign and how; mirrors the keyword arguments of ``signing.sign_pdf``."""

    field_name: str
    reason: str | None = None
    location: str | None = None
    timestamp: bool = True
    certify: bool = False
    docmdp: str = "fill_forms"
    appearance: Appearance | None = None
    embed_validation: bool = False
    crls: Sequence[bytes] = ()
    extra_certificates: Sequence[x509.Certificate] = ()
    attachments: Sequence[Attachment] = ()
    lta: bool = False
    extra_empty_fields: Sequence[FieldSpec] = field(default_factory=tuple)


def wrapped_key(
    encrypted_key: bytes, certificate: x509.Certificate, chain: Sequence[x509.Certificate]
) -> pb.WrappedKey:
    return pb.WrappedKey(
        encrypted_key=encrypted_key,
        certificate_der=_der(certificate),
        chain_der=[_der(c) for c in chain],
    )


def sign_request(pdf: bytes, key: SignerKey, spec: SignatureSpec) -> pb.SignPdfRequest:
    request = pb.SignPdfRequest(
        pdf=pdf,
        field_name=spec.field_name,
        reason=spec.reason or "",
        location=spec.location or "",
        timestamp=spec.timestamp,
        certify=spec.certify,
        docmdp=_DOCMDP[spec.docmdp],
        embed_validation=spec.embed_validation,
        crls=list(spec.crls),
        extra_certificates=[_der(c) for c in spec.extra_certificates],
        attachments=[
            pb.Attachment(name=a.name, data=a.data, mime=a.mime, description=a.description or "")
            for a in spec.attachments
        ],
        lta=spec.lta,
        extra_empty_fields=[
            pb.FieldSpec(name=f.name, page=f.page, box=_box(f.box) if f.box else None)
            for f in spec.extra_empty_fields
        ],
    )
    if isinstance(key, pb.WrappedKey):
        request.wrapped_key.CopyFrom(key)
    elif isinstance(key, pb.PersonKey):
        request.person.CopyFrom(key)
    else:
        request.platform_key = key  # type: ignore[assignment]
    if spec.appearance is not None:
        request.appearance.CopyFrom(
            pb.Appearance(
                pdf=spec.appearance.pdf,
                box=_box(spec.appearance.box),
                page=spec.appearance.page,
            )
        )
    return request


@dataclass
class SignerClient:
    """Signs through the signing server as one platform component (``subject``)."""

    transport: Transport
    token_secret: str = field(repr=False)
    subject: str
    timeout: float = SIGN_TIMEOUT_SECONDS

    def sign(self, pdf: bytes, key: SignerKey, spec: SignatureSpec) -> bytes:
        return self.sign_response(pdf, key, spec).signed_pdf

    def sign_response(self, pdf: bytes, key: SignerKey, spec: SignatureSpec) -> pb.SignPdfResponse:
        token = issue_token(self.token_secret, subject=self.subject, role=Role.SYSTEM)
        return self.transport.sign(sign_request(pdf, key, spec), bearer(token), self.timeout)


def error_for(code_name: str, message: str, details: Any = None) -> OneStopError:
    """The OneStop error for a gRPC status from the signing server (by the code's name)."""
    if code_name in ("UNAVAILABLE", "DEADLINE_EXCEEDED", "RESOURCE_EXHAUSTED", "ABORTED"):
        return SignerUnavailable(
            f"the signing server did not sign ({code_name}: {message[:200]}); retry later",
            message_zh="签名服务暂不可用，请稍后重试",
        )
    if code_name == "INVALID_ARGUMENT":
        violations = violations_of(details or ())
        if violations:
            return InvalidInput.of(violations)
        return InvalidInput(message[:300])
    if code_name == "PERMISSION_DENIED":
        return PermissionDenied(message[:300])
    if code_name == "UNAUTHENTICATED":
        return Unauthenticated(message[:300])
    return OneStopError(f"the signing server failed ({code_name}: {message[:200]})")


class GrpcioTransport:
    """grpcio, for processes without eventlet; one channel per replica, failing over in turn."""

    def __init__(self, targets: Sequence[str], max_message_bytes: int) -> None:
        import grpc

        from onestop.signing.v1 import signing_pb2_grpc
        from onestop_common.grpc_options import channel_options

        # A connection of its own (grpc shares one between like channels by default): replicas
        # behind one port take connections, so each caller should hold its own.
        options = [*channel_options(max_message_bytes), ("grpc.use_local_subchannel_pool", 1)]
        self._grpc = grpc
        self._channels = [grpc.insecure_channel(t, options=options) for t in targets]
        self._stubs = [signing_pb2_grpc.SigningServiceStub(c) for c in self._channels]
        self._next = 0

    def sign(
        self, request: pb.SignPdfRequest, metadata: Sequence[tuple[str, str]], timeout: float
    ) -> pb.SignPdfResponse:
        from google.rpc import status_pb2

        from onestop_common.protoconv import rejections_from_status

        last: OneStopError | None = None
        for _ in range(len(self._stubs)):
            stub = self._stubs[self._next % len(self._stubs)]
            self._next += 1
            try:
                return stub.SignPdf(request, metadata=metadata, timeout=timeout)  # type: ignore[no-any-return]
            except self._grpc.RpcError as error:
                code = error.code().name  # type: ignore[attr-defined]
                details: list[Any] = []
                for key, value in error.trailing_metadata() or ():  # type: ignore[attr-defined]
                    if key == "grpc-status-details-bin":
                        details = list(rejections_from_status(status_pb2.Status.FromString(value)))
                last = error_for(code, error.details() or "", details)  # type: ignore[attr-defined]
                if not isinstance(last, SignerUnavailable):
                    raise last from None
        assert last is not None
        raise last

    def close(self) -> None:
        for channel in self._channels:
            channel.close()


def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def _box(box: tuple[float, float, float, float]) -> pb.Box:
    x1, y1, x2, y2 = box
    return pb.Box(x1=x1, y1=y1, x2=x2, y2=y2)


class PdfSigner(Protocol):
    """Signs PDFs with one identity, wherever its key is."""

    @property
    def certificate(self) -> x509.Certificate: ...

    def sign(self, pdf: bytes, spec: SignatureSpec) -> bytes: ...


@dataclass
class LocalPdfSigner:
    """Signs in this process with a loaded key (offline tools and tests; never under eventlet)."""

    identity: SigningIdentity
    timestamper: Timestamper | None
    trust_root: x509.Certificate

    @property
    def certificate(self) -> x509.Certificate:
        return self.identity.certificate

    def sign(self, pdf: bytes, spec: SignatureSpec) -> bytes:
        material = None
        if spec.embed_validation:
            material = ValidationMaterial(
                trust_root=self.trust_root,
                crls=tuple(spec.crls),
                extra_certs=tuple(spec.extra_certificates),
            )
        return sign_pdf(
            pdf,
            self.identity,
            field_name=spec.field_name,
            reason=spec.reason,
            location=spec.location,
            timestamper=self.timestamper if spec.timestamp else None,
            certify=spec.certify,
            docmdp=spec.docmdp,  # type: ignore[arg-type]
            extra_empty_fields=spec.extra_empty_fields,
            appearance=spec.appearance,
            embed_validation=material,
            attachments=spec.attachments,
            lta=spec.lta,
        )


@dataclass
class RemotePdfSigner:
    """Signs through the signing server with one of the platform's keys."""

    client: SignerClient
    key: int
    certificate: x509.Certificate

    def sign(self, pdf: bytes, spec: SignatureSpec) -> bytes:
        return self.client.sign(pdf, self.key, spec)
