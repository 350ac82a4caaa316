"""The registration authority's signature on the business license: its key from the platform PKI
(loaded once, lazily: the PKI may be created after the service starts), the platform TSA, and the
CRLs embedded for offline validation (PAdES B-LT).

PKI times (certificate validity, CRL dates, the signing time) are wall-clock, whatever the business
clock of a demo says: validators compare them with real time.
"""

from __future__ import annotations

import threading
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from nameko.extensions import DependencyProvider

from onestop_common.errors import Unavailable
from onestop_common.nameko_kit import current_settings
from onestop_common.pki import PkiError, PkiStore, SigningIdentity
from onestop_common.settings import Settings
from onestop_common.signing import HttpTimestamper, SigningError, ValidationMaterial, sign_pdf
from svc_registration.license_pdf import SIGNATURE_FIELD

SIGNER = "registration-signer"
# The CAs whose CRLs a validator needs: the root (for the intermediates), the registration CA (for
# the signer) and the timestamp CA (for the TSA's token).
CRL_ISSUERS = ("root", "registration", "tsa")


class PkiUnavailable(Unavailable):
    """The PKI or the TSA cannot be used yet: a saga command waiting on it is retried."""


class LicenseSigner:
    """Signs license PDFs as the registration authority (certification signature, FILL_FORMS)."""

    def __init__(self, settings: Settings) -> None:
        self._store = PkiStore(settings.pki_dir, settings.kek)
        self._timestamper = HttpTimestamper(settings.tsa_url)
        self._lock = threading.Lock()
        self._identity: SigningIdentity | None = None

    def __repr__(self) -> str:
        return f"LicenseSigner({self._store!r})"

    def identity(self) -> SigningIdentity:
        with self._lock:
            if self._identity is None:
                self._identity = self._load(lambda: self._store.load_identity(SIGNER))
            return self._identity

    def root(self) -> x509.Certificate:
        return self._load(self._store.root_certificate)  # type: ignore[no-any-return]

    def validation_material(self) -> ValidationMaterial:
        # Read on every signature: a CRL renewed on disk is picked up without a restart.
        crls = tuple(
            self._load(lambda ca=ca: self._store.load_crl(ca)).public_bytes(
                serialization.Encoding.DER
            )
            for ca in CRL_ISSUERS
        )
        return ValidationMaterial(trust_root=self.root(), crls=crls)

    def sign(self, pdf: bytes, *, company_name: str) -> bytes:
        identity = self.identity()
        try:
            return sign_pdf(
                pdf,
                identity,
                field_name=SIGNATURE_FIELD,
                reason=f"营业执照 / business license: {company_name}",
                location="天津市宝坻区 / Baodi, Tianjin",
                timestamper=self._timestamper,
                certify=True,
                docmdp="fill_forms",
                embed_validation=self.validation_material(),
            )
        except SigningError as error:
            # The TSA is down or a CRL is stale: nothing is issued, the command is retried.
            raise PkiUnavailable(
                f"the license could not be signed ({error}); retry when the platform TSA and "
                "CRLs are available",
                message_zh="营业执照暂时无法签章（时间戳服务或证书吊销列表不可用），请稍后重试",
            ) from error

    @staticmethod
    def _load(read: Any) -> Any:
        try:
            return read()
        except PkiError as error:
            raise PkiUnavailable(
                f"the platform PKI is not usable yet ({error}); start the orchestrator or run "
                "`onestop pki init`, then retry",
                message_zh="平台证书体系尚未就绪，请先启动编排服务或初始化证书后重试",
            ) from None


class Signer(DependencyProvider):
    """Gives each worker the container's ``LicenseSigner`` (the key stays loaded)."""

    def setup(self) -> None:
        self.signer = LicenseSigner(current_settings())

    def get_dependency(self, worker_ctx: Any) -> LicenseSigner:
        return self.signer
