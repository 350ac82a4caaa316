"""A PKI directory on disk (``PkiStore``): creates the hierarchy once, keeps every private key
encrypted with the key-encryption key (KEK), and re-issues CRLs, partner certificates and the TLS
server certificate under a lock shared by every process that uses the directory."""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace as dataclass_replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from onestop_common.pki.certs import (
    _BY_NAME,
    _CLOCK_SKEW,
    _PROFILES,
    CA_NAMES,
    ROOT,
    TLS_CA,
    TLS_SERVER,
    TLS_SERVER_NAMES,
    KeyAlgorithm,
    PkiError,
    PrivateKey,
    SigningIdentity,
    Validity,
    _aware,
    _build_certificate,
    _chain_without_root,
    _crl_urls,
    _Issuer,
    _name,
    _names_server,
    _Profile,
    _profile_extensions,
    generate_key,
    key_algorithm,
)
from onestop_common.pki.crl import RevokedEntry, _crl_number, _revoked_entry, build_crl
from onestop_common.pki.partners import (
    PARTNER_INDEX,
    PARTNER_VALIDITY,
    PartnerCertificate,
    PartnerCredentials,
    _check_organization,
    check_partner_id,
    format_serial,
    issue_partner_certificate,
)
from onestop_common.settings import Settings

log = logging.getLogger(__name__)

# Where the default settings publish the revocation lists (the seal service on one host).
DEFAULT_CRL_BASE_URL = Settings().crl_base_url
_CRL_LIFETIME = Validity().crl


def serialize_private_key(key: PrivateKey, kek: bytes) -> bytes:
    """PKCS#8 PEM of ``key`` encrypted with the key-encryption key."""
    _check_kek(kek)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(kek),
    )


def load_private_key(data: bytes, kek: bytes, *, what: str = "the private key") -> PrivateKey:
    """Decrypt a key written by ``serialize_private_key``; ``what`` names it in errors."""
    _check_kek(kek)
    try:
        key = serialization.load_pem_private_key(data, password=kek)
    except (ValueError, TypeError):
        # The library's message is harmless, but chaining it would drag the PEM along in
        # some debuggers' locals; the cause is nearly always a different KEK.
        raise PkiError(
            f"key-encryption key does not open {what}; check ONESTOP_KEK "
            "(it must be the key the PKI was created with)"
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise PkiError(f"{what} is a {type(key).__name__}; use ECDSA P-256 or RSA-2048")
    key_algorithm(key)
    return key


def rewrapped_private_key(data: bytes, kek: bytes, older: bytes) -> bytes | None:
    """A key written by ``serialize_private_key`` with the ``older`` KEK, encrypted with ``kek``
    instead (a KEK rotation); None if ``kek`` opens it already (the rotation ran before)."""
    try:
        load_private_key(data, kek)
        return None
    except PkiError:
        return serialize_private_key(load_private_key(data, older), kek)


def _check_kek(kek: bytes) -> None:
    if not isinstance(kek, bytes) or not 1 <= len(kek) <= 1023:
        raise PkiError("the key-encryption key must be 1 to 1023 bytes; set ONESTOP_KEK")


class PkiStore:
    """A PKI directory: creates the hierarchy once, then hands out certificates and keys."""

    def __init__(self, directory: Path, kek: bytes) -> None:
        _check_kek(kek)
        self._directory = Path(directory)
        self._kek = kek

    def __repr__(self) -> str:
        return f"PkiStore({str(self._directory)!r})"

    @property
    def directory(self) -> Path:
        return self._directory

    def expected_files(self) -> tuple[str, ...]:
        """Every file a complete PKI directory holds."""
        names = [f"{p.name}.pem" for p in _PROFILES] + [f"{p.name}.key.pem" for p in _PROFILES]
        return (*names, *(f"{ca}.crl.der" for ca in CA_NAMES))

    def is_complete(self) -> bool:
        return all((self._directory / name).exists() for name in self.expected_files())

    def init(
        self,
        algorithm: KeyAlgorithm = KeyAlgorithm.ECDSA_P256,
        now: datetime | None = None,
        crl_base_url: str = DEFAULT_CRL_BASE_URL,
        validity: Validity | None = None,
        tls_server_names: Sequence[str] = TLS_SERVER_NAMES,
    ) -> None:
        """Create the hierarchy unless it exists; a partial directory is refused."""
        present = [n for n in self.expected_files() if (self._directory / n).exists()]
        if present and len(present) == len(self.expected_files()):
            # Fail now rather than at the first signature if the KEK changed since.
            self.load_identity(ROOT)
            return
        if present:
            raise PkiError(
                f"PKI directory {self._directory} is incomplete ({len(present)} of "
                f"{len(self.expected_files())} files); an interrupted init leaves it so. "
                "Remove the directory and run init again, or restore it from backup"
            )
        moment = _aware(now or datetime.now(UTC), "now")
        self._create(
            algorithm, moment, crl_base_url, validity or Validity(), tuple(tls_server_names)
        )

    def _create(
        self,
        algorithm: KeyAlgorithm,
        now: datetime,
        crl_base_url: str,
        validity: Validity,
        tls_server_names: tuple[str, ...],
    ) -> None:
        self._directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        identities: dict[str, SigningIdentity] = {}
        for profile in _PROFILES:
            identity = self._issue_profile(
                profile, algorithm, now, crl_base_url, validity, identities, tls_server_names
            )
            identities[profile.name] = identity
            self._write_identity(profile.name, identity)
        for ca in CA_NAMES:
            crl = build_crl(
                identities[ca], (), this_update=now, next_update=now + validity.crl, crl_number=1
            )
            self.save_crl(ca, crl)
        log.info("created PKI (%s) in %s", algorithm.value, self._directory)

    def _issue_profile(
        self,
        profile: _Profile,
        algorithm: KeyAlgorithm,
        now: datetime,
        crl_base_url: str,
        validity: Validity,
        identities: dict[str, SigningIdentity],
        tls_server_names: tuple[str, ...],
    ) -> SigningIdentity:
        key = generate_key(profile.algorithm or algorithm)
        issuer = identities[profile.issuer] if profile.issuer else None
        crl_url = f"{crl_base_url.rstrip('/')}/{profile.issuer}.crl" if profile.issuer else None
        lifetime = {
            "ca": validity.root if issuer is None else validity.intermediate,
            "signer": validity.signer,
            "tsa": validity.signer,
            "tls": validity.tls,
        }[profile.kind]
        cert = _build_certificate(
            _Issuer(issuer, crl_url),
            _name(profile.common_name),
            key.public_key(),
            not_before=now - _CLOCK_SKEW,
            not_after=now + lifetime,
            extensions=_profile_extensions(profile, key, tls_server_names),
            self_key=key,
        )
        chain = () if issuer is None else (issuer.certificate, *issuer.chain)
        return SigningIdentity(key, cert, _chain_without_root(chain), key_algorithm(key))

    def _write_identity(self, name: str, identity: SigningIdentity) -> None:
        pem = identity.certificate.public_bytes(serialization.Encoding.PEM)
        _write_file(self._directory / f"{name}.pem", pem, 0o644)
        key_pem = serialize_private_key(identity.private_key, self._kek)
        _write_file(self._directory / f"{name}.key.pem", key_pem, 0o600)

    def rewrap_keys(self, older: bytes) -> int:
        """Encrypts with this store's KEK every private key the ``older`` KEK encrypted (a KEK
        rotation); keys under this store's KEK already are left as they are, so running it again
        finishes an interrupted rotation. How many keys were rewritten."""
        if not self._directory.is_dir():
            return 0
        rewritten = 0
        with self.locked():
            for path in sorted(self._directory.glob("*.key.pem")):
                data = rewrapped_private_key(path.read_bytes(), self._kek, older)
                if data is not None:
                    _write_file(path, data, 0o600)
                    rewritten += 1
        return rewritten

    def load_certificate(self, name: str) -> x509.Certificate:
        """The certificate ``<name>.pem`` (a CA, an end entity, or ``root``)."""
        return x509.load_pem_x509_certificate(self._read(f"{name}.pem"))

    def root_certificate(self) -> x509.Certificate:
        return self.load_certificate(ROOT)

    def load_identity(self, name: str) -> SigningIdentity:
        """Key, certificate and chain (issuer first, root excluded) of ``name``."""
        profile = _BY_NAME.get(name)
        if profile is None:
            raise PkiError(f"unknown PKI identity {name!r}; known: {', '.join(_BY_NAME)}")
        key = load_private_key(
            self._read(f"{name}.key.pem"), self._kek, what=f"{self._directory / name}.key.pem"
        )
        chain: list[x509.Certificate] = []
        issuer = profile.issuer
        while issuer is not None and issuer != ROOT:
            chain.append(self.load_certificate(issuer))
            issuer = _BY_NAME[issuer].issuer
        return SigningIdentity(key, self.load_certificate(name), tuple(chain), key_algorithm(key))

    def load_crl(self, ca: str) -> x509.CertificateRevocationList:
        """The current CRL of ``ca`` (``<ca>.crl.der``)."""
        return x509.load_der_x509_crl(self._read(f"{ca}.crl.der"))

    def save_crl(self, ca: str, crl: x509.CertificateRevocationList) -> None:
        """Replace ``<ca>.crl.der`` atomically, e.g. after revoking a seal."""
        if ca not in CA_NAMES:
            raise PkiError(f"unknown CA {ca!r}; known: {', '.join(CA_NAMES)}")
        der = crl.public_bytes(serialization.Encoding.DER)
        _write_file(self._directory / f"{ca}.crl.der", der, 0o644)

    def renew_crl(
        self,
        ca: str,
        revoked: Iterable[RevokedEntry] = (),
        *,
        now: datetime,
        lifetime: timedelta = _CRL_LIFETIME,
    ) -> x509.CertificateRevocationList:
        """Re-issue and save the CRL of ``ca`` with the next CRL number.

        Hard-fail validation rejects every chain once a CRL passes its nextUpdate, so a
        periodic job must call this well within ``lifetime`` for every CA.
        """
        number = _crl_number(self.load_crl(ca)) + 1
        crl = build_crl(
            self.load_identity(ca),
            revoked,
            this_update=now,
            next_update=now + lifetime,
            crl_number=number,
        )
        self.save_crl(ca, crl)
        return crl

    def revoked_entries(self, ca: str) -> list[RevokedEntry]:
        """The entries of the current CRL of ``ca``, reasons kept, to re-issue it with."""
        return [_revoked_entry(entry) for entry in self.load_crl(ca)]

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Serialises read-modify-write updates (a CRL, the partner index, a reissued
        certificate) between the processes and commands that share this directory."""
        fd = os.open(self._directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    # ------------------------------------------------------------------ TLS server

    def ensure_tls_server_names(
        self, names: Sequence[str] = TLS_SERVER_NAMES, now: datetime | None = None
    ) -> bool:
        """Reissues the TLS server certificate (with a new key) if it lacks a name clients
        connect to (one made by an older version, or before ONESTOP_TLS_SERVER_NAMES named
        another host); True if it did. The new certificate carries ``names``."""
        # Looked at before locking: a read-only PKI directory with a good certificate is fine.
        if _names_server(self.load_certificate(TLS_SERVER), names):
            return False
        with self.locked():
            current = self.load_certificate(TLS_SERVER)
            if _names_server(current, names):
                return False
            moment = _aware(now or datetime.now(UTC), "now")
            ca = self.load_identity(TLS_CA)
            key = generate_key(key_algorithm(current.public_key()))  # type: ignore[arg-type]
            crl_urls = _crl_urls(current)
            cert = _build_certificate(
                _Issuer(ca, crl_urls[0] if crl_urls else None),
                current.subject,
                key.public_key(),
                not_before=moment - _CLOCK_SKEW,
                not_after=min(moment + Validity().tls, ca.certificate.not_valid_after_utc),
                extensions=_profile_extensions(_BY_NAME[TLS_SERVER], key, names),
            )
            identity = SigningIdentity(key, cert, (ca.certificate,), key_algorithm(key))
            self._write_identity(TLS_SERVER, identity)
            log.warning(
                "reissued the TLS server certificate (serial %#x) to name %s",
                cert.serial_number,
                ", ".join(names),
            )
            return True

    # ------------------------------------------------------------------ partners

    def issue_partner(
        self,
        partner_id: str,
        organization: str = "",
        *,
        now: datetime | None = None,
        lifetime: timedelta = PARTNER_VALIDITY,
        crl_base_url: str = DEFAULT_CRL_BASE_URL,
    ) -> PartnerCredentials:
        """A new client key and certificate for ``partner_id``, recorded in the partner index.
        The key is returned, never stored: it is the partner's."""
        check_partner_id(partner_id)
        _check_organization(organization.strip())
        moment = _aware(now or datetime.now(UTC), "now")
        ca = self.load_identity(TLS_CA)
        key = generate_key(ca.algorithm)
        cert = issue_partner_certificate(
            ca,
            key.public_key(),
            partner_id=partner_id,
            organization=organization,
            not_before=moment - _CLOCK_SKEW,
            not_after=min(moment + lifetime, ca.certificate.not_valid_after_utc),
            crl_url=f"{crl_base_url.rstrip('/')}/{TLS_CA}.crl",
        )
        record = PartnerCertificate(
            serial=cert.serial_number,
            partner_id=partner_id,
            org=organization.strip(),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
        )
        with self.locked():
            self._write_partners([*self.partner_certificates(), record])
        log.info(
            "issued partner certificate %s for %s", format_serial(cert.serial_number), partner_id
        )
        return PartnerCredentials(key, cert, ca.certificate, self.root_certificate())

    def partner_certificates(self) -> list[PartnerCertificate]:
        """Every partner certificate issued, oldest first."""
        path = self._directory / PARTNER_INDEX
        if not path.exists():
            return []
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return [PartnerCertificate.from_json(item) for item in data["certificates"]]
        except (ValueError, OSError, KeyError, TypeError) as error:
            raise PkiError(f"{path} cannot be read ({error!r}); restore it from backup") from None

    def revoke_partner(
        self,
        serial: int,
        reason: str,
        *,
        now: datetime | None = None,
        crl_reason: x509.ReasonFlags = x509.ReasonFlags.unspecified,
    ) -> PartnerCertificate:
        """Puts the partner certificate ``serial`` on the TLS CA's CRL (re-issued at once with
        the next number) and marks it revoked in the index; revoking twice changes nothing."""
        moment = _aware(now or datetime.now(UTC), "now")
        with self.locked():
            records = self.partner_certificates()
            found = [record for record in records if record.serial == serial]
            if not found:
                raise PkiError(
                    f"没有序列号为 {format_serial(serial)} 的合作方证书 / no partner certificate "
                    f"has serial {format_serial(serial)}; see `onestop pki partner list`"
                )
            record = found[0]
            entries = self.revoked_entries(TLS_CA)
            # The CRL decides; the index only describes. A crash between the two writes
            # leaves the serial on the CRL, and repeating the command completes the index.
            if all(entry.serial != serial for entry in entries):
                entries.append(RevokedEntry(serial, moment, crl_reason))
                self.renew_crl(TLS_CA, entries, now=moment)
                log.info("revoked partner certificate %s", format_serial(serial))
            if record.revoked_at is not None:
                return record
            revoked = dataclass_replace(record, revoked_at=moment, reason=reason.strip())
            self._write_partners([revoked if r.serial == serial else r for r in records])
            return revoked

    def _write_partners(self, records: Sequence[PartnerCertificate]) -> None:
        data = {"certificates": [record.to_json() for record in records]}
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        _write_file(self._directory / PARTNER_INDEX, text.encode("utf-8"), 0o644)

    def _read(self, file_name: str) -> bytes:
        path = self._directory / file_name
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise PkiError(f"{path} is missing; run the PKI init first") from None


def _write_file(path: Path, data: bytes, mode: int) -> None:
    # Write then rename, so a crash never leaves a half-written key or certificate.
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    # fchmod too: os.open's mode is masked by the umask, and a stale temp file keeps its own.
    os.fchmod(fd, mode)
    with os.fdopen(fd, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(tmp, path)
