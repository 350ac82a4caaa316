"""The seal service's hold on the platform PKI: the seal CA's key (loaded once, lazily, because
the PKI may be created after the service starts), seal keys and certificates, CRLs, and signatures
with a company's seal — made by the platform's signing server, to which the seal's key travels
wrapped (encrypted with the key encryption key) as it is stored here.

PKI times (certificate validity, CRL and revocation dates) are wall-clock: validators compare
them with real time, whatever the business clock of a demo says.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from nameko.extensions import DependencyProvider

from onestop.signing.v1 import signing_pb2
from onestop_common.clock import SystemClock
from onestop_common.errors import Unavailable
from onestop_common.green_grpc import GreenSignerTransport
from onestop_common.nameko_kit import current_settings
from onestop_common.pki import (
    PkiError,
    PkiStore,
    RevokedEntry,
    SigningIdentity,
    build_crl,
    generate_key,
    issue_seal_certificate,
    key_algorithm,
    serialize_private_key,
)
from onestop_common.settings import Settings
from onestop_common.signer_client import SignatureSpec, SignerClient, wrapped_key
from svc_seal.domain import CRL_LIFETIME, certificate_window, seal_maker_id_problem

SEAL_CA = "seal"


class PkiUnavailable(Unavailable):
    """The PKI directory is missing or unreadable: nothing can be certified or signed yet."""


@dataclass(frozen=True)
class IssuedCertificate:
    certificate: x509.Certificate
    encrypted_key: bytes
    algorithm: str

    @property
    def pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    @property
    def serial_hex(self) -> str:
        return f"{self.certificate.serial_number:x}"


class SealPki:
    """Everything the seal service does with keys and certificates."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._store = PkiStore(settings.pki_dir, settings.kek)
        self._lock = threading.Lock()
        self._ca: SigningIdentity | None = None
        self._signer = SignerClient(
            GreenSignerTransport(settings.signing_targets()), settings.token_secret, subject="seal"
        )
        self.clock = SystemClock()

    def __repr__(self) -> str:
        return f"SealPki({self._store!r})"

    @property
    def crl_url(self) -> str:
        return f"{self._settings.crl_base_url}/{SEAL_CA}.crl"

    def ca(self) -> SigningIdentity:
        with self._lock:
            if self._ca is None:
                self._ca = self._load(lambda: self._store.load_identity(SEAL_CA))
            return self._ca

    def root(self) -> x509.Certificate:
        return self._load(self._store.root_certificate)

    def ca_crl_der(self, ca: str) -> bytes:
        """Another CA's current CRL as the PKI directory holds it (root, tsa, …)."""
        crl = self._load(lambda: self._store.load_crl(ca))
        return crl.public_bytes(serialization.Encoding.DER)

    def _load(self, read: Any) -> Any:
        try:
            return read()
        except PkiError as error:
            raise PkiUnavailable(
                f"the platform PKI is not usable yet ({error}); start the orchestrator or run "
                "`onestop pki init`, then retry",
                message_zh="平台证书体系尚未就绪，请先启动编排服务或执行 onestop pki init 后重试",
            ) from None

    def certify(
        self, *, company_name: str, uscc: str, seal_type: str, seal_code: str
    ) -> IssuedCertificate:
        """A key pair made here and its certificate from the seal CA."""
        ca = self.ca()
        key = generate_key(ca.algorithm)
        not_before, not_after = certificate_window(
            self.clock.now(), ca.certificate.not_valid_after_utc
        )
        certificate = issue_seal_certificate(
            ca,
            key.public_key(),
            company_name=company_name,
            uscc=uscc,
            seal_type=seal_type,
            seal_code=seal_code,
            not_before=not_before,
            not_after=not_after,
            crl_url=self.crl_url,
        )
        return IssuedCertificate(
            certificate,
            serialize_private_key(key, self._settings.kek),
            key_algorithm(key).value,
        )

    def sign_with_seal(
        self, pdf: bytes, encrypted_key: bytes, certificate_pem: str, spec: SignatureSpec
    ) -> signing_pb2.SignPdfResponse:
        """A PAdES signature with a company seal, timestamped, by the signing server."""
        certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
        key = wrapped_key(encrypted_key, certificate, (self.ca().certificate,))
        return self._signer.sign_response(pdf, key, spec)

    def build_crl(
        self, revoked: list[tuple[str, datetime]], crl_number: int, now: datetime
    ) -> tuple[bytes, datetime]:
        """The seal CA's CRL listing ``revoked`` (serial hex, time): its DER and nextUpdate."""
        entries = [RevokedEntry(int(serial, 16), at) for serial, at in revoked]
        next_update = now + CRL_LIFETIME
        crl = build_crl(
            self.ca(), entries, this_update=now, next_update=next_update, crl_number=crl_number
        )
        return crl.public_bytes(serialization.Encoding.DER), next_update

    def validation_crls(self, seal_crl_der: bytes) -> tuple[bytes, ...]:
        """What a sealed PDF embeds to validate offline: the seal CA's fresh CRL, and the root's
        and the timestamp authority's CRLs (the seal CA certificate travels with the key)."""
        return (seal_crl_der, self.ca_crl_der("root"), self.ca_crl_der("tsa"))


class Pki(DependencyProvider):
    """Gives each worker the service's ``SealPki`` (one per container, keys kept loaded)."""

    def setup(self) -> None:
        settings = current_settings()
        problem = seal_maker_id_problem(settings.seal_maker_id)
        if problem:
            raise RuntimeError(problem)
        self.pki = SealPki(settings)

    def get_dependency(self, worker_ctx: Any) -> SealPki:
        return self.pki
