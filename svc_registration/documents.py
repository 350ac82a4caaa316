"""The registration authority's signature on the business license, made by the platform's signing
server (which holds the registration authority's key), with the platform timestamp and the CRLs
embedded for offline validation (PAdES B-LT).

PKI times (certificate validity, CRL dates, the signing time) are wall-clock, whatever the business
clock of a demo says: validators compare them with real time.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import serialization
from nameko.extensions import DependencyProvider

from onestop.signing.v1 import signing_pb2
from onestop_common import fonts
from onestop_common.errors import Unavailable
from onestop_common.green_grpc import GreenSignerTransport
from onestop_common.nameko_kit import current_settings
from onestop_common.pki import PkiError, PkiStore
from onestop_common.settings import Settings
from onestop_common.signer_client import SignatureSpec, SignerClient
from svc_registration.license_pdf import SIGNATURE_FIELD

# The CAs whose CRLs a validator needs: the root (for the intermediates), the registration CA (for
# the signer) and the timestamp CA (for the TSA's token).
CRL_ISSUERS = ("root", "registration", "tsa")


class PkiUnavailable(Unavailable):
    """The PKI or the signing server cannot be used yet: a saga command waiting on it is retried."""


class LicenseSigner:
    """Has license PDFs signed as the registration authority (certification, FILL_FORMS)."""

    def __init__(self, settings: Settings) -> None:
        self._store = PkiStore(settings.pki_dir, settings.kek)
        self._client = SignerClient(
            GreenSignerTransport(settings.signing_targets()),
            settings.token_secret,
            subject="registration",
        )

    def __repr__(self) -> str:
        return f"LicenseSigner({self._store!r}, {self._client.transport!r})"

    def crls(self) -> tuple[bytes, ...]:
        # Read on every signature: a CRL renewed on disk is picked up without a restart.
        try:
            return tuple(
                self._store.load_crl(ca).public_bytes(serialization.Encoding.DER)
                for ca in CRL_ISSUERS
            )
        except PkiError as error:
            raise PkiUnavailable(
                f"the platform PKI is not usable yet ({error}); start the platform with "
                "`onestop up` or run `onestop pki init`, then retry",
                message_zh="平台证书体系尚未就绪，请先启动平台或初始化证书后重试",
            ) from None

    def sign(self, pdf: bytes, *, company_name: str) -> bytes:
        spec = SignatureSpec(
            field_name=SIGNATURE_FIELD,
            reason=f"营业执照 / business license: {company_name}",
            location="天津市宝坻区 / Baodi, Tianjin",
            timestamp=True,
            certify=True,
            docmdp="fill_forms",
            embed_validation=True,
            crls=self.crls(),
        )
        try:
            return self._client.sign(pdf, signing_pb2.PLATFORM_KEY_REGISTRATION, spec)
        except Unavailable as error:
            # The signing server or its TSA is down: nothing is issued, the command is retried.
            raise PkiUnavailable(
                f"the license could not be signed ({error.message}); retry when the platform's "
                "signing server and timestamp authority are available",
                message_zh="营业执照暂时无法签章（签名服务或时间戳服务不可用），请稍后重试",
            ) from error


class Signer(DependencyProvider):
    """Gives each worker the container's ``LicenseSigner`` (one connection to the signing
    server, shared)."""

    def setup(self) -> None:
        self.signer = LicenseSigner(current_settings())
        # Licenses are drawn on native threads (offload): fonts are registered here, on the hub.
        fonts.register_all()

    def get_dependency(self, worker_ctx: Any) -> LicenseSigner:
        return self.signer
