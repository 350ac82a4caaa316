"""Certificate revocation lists: building a CA's CRL, and following one at run time
(``CrlWatcher``) so a revocation by another process takes effect on the next call."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from onestop_common.pki.certs import PkiError, SigningIdentity, _authority_key_identifier, _aware

if TYPE_CHECKING:
    from onestop_common.pki.store import PkiStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RevokedEntry:
    """One revoked certificate as listed in a CRL."""

    serial: int
    revoked_at: datetime
    reason: x509.ReasonFlags = x509.ReasonFlags.unspecified


def build_crl(
    ca: SigningIdentity,
    revoked: Iterable[RevokedEntry],
    *,
    this_update: datetime,
    next_update: datetime,
    crl_number: int,
) -> x509.CertificateRevocationList:
    """A CRL signed by ``ca`` listing ``revoked``; ``crl_number`` must grow with each issue."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.certificate.subject)
        .last_update(_aware(this_update, "this_update"))
        .next_update(_aware(next_update, "next_update"))
        .add_extension(x509.CRLNumber(crl_number), critical=False)
        .add_extension(_authority_key_identifier(ca.certificate), critical=False)
    )
    for entry in revoked:
        builder = builder.add_revoked_certificate(_revoked_certificate(entry))
    return builder.sign(ca.private_key, hashes.SHA256())


def _revoked_certificate(entry: RevokedEntry) -> x509.RevokedCertificate:
    builder = (
        x509.RevokedCertificateBuilder()
        .serial_number(entry.serial)
        .revocation_date(_aware(entry.revoked_at, "revoked_at"))
    )
    # RFC 5280 5.3.1: the reason code "unspecified" should be expressed by leaving it out.
    if entry.reason is not x509.ReasonFlags.unspecified:
        builder = builder.add_extension(x509.CRLReason(entry.reason), critical=False)
    return builder.build()


def _revoked_entry(entry: x509.RevokedCertificate) -> RevokedEntry:
    try:
        reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    except x509.ExtensionNotFound:
        reason = x509.ReasonFlags.unspecified
    return RevokedEntry(entry.serial_number, entry.revocation_date_utc, reason)


class CrlWatcher:
    """The revoked serials on one CA's current CRL, for checks on every call: the file is
    stat'ed each time and read again only when it changed (a revocation by another process
    replaces it). A CRL that does not carry the CA's signature is refused."""

    def __init__(self, store: PkiStore, ca: str) -> None:
        self._path = store.directory / f"{ca}.crl.der"
        self._ca = store.load_certificate(ca)
        ski = self._ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        self._issuer_key_id = ski.digest
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._serials: frozenset[int] = frozenset()
        self.revoked_serials()

    def __repr__(self) -> str:
        return f"CrlWatcher({str(self._path)!r})"

    @property
    def issuer_key_id(self) -> bytes:
        """The CA's subject key identifier: certificates it issued carry it as their AKI."""
        return self._issuer_key_id

    def revoked_serials(self) -> frozenset[int]:
        try:
            info = os.stat(self._path)
        except FileNotFoundError:
            raise PkiError(f"{self._path} is missing; run the PKI init first") from None
        stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
        if stamp == self._stamp:
            return self._serials
        with self._lock:
            if stamp != self._stamp:
                crl = x509.load_der_x509_crl(self._path.read_bytes())
                public_key = self._ca.public_key()
                if crl.issuer != self._ca.subject or not crl.is_signature_valid(
                    public_key  # type: ignore[arg-type]
                ):
                    raise PkiError(f"{self._path} is not signed by its CA; restore it")
                # Serials before the stamp: a reader that sees the new stamp sees them too.
                self._serials = frozenset(entry.serial_number for entry in crl)
                self._stamp = stamp
                log.info("loaded %s: %d revoked", self._path.name, len(self._serials))
        return self._serials


def _crl_number(crl: x509.CertificateRevocationList) -> int:
    return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
