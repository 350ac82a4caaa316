"""The keys the signing server holds: the platform's own identities, loaded once from the PKI
directory (lazily: the PKI may be made after the server starts), and wrapped keys unwrapped with the
key encryption key for the signatures that name them, kept in memory for a while so a company's
repeated signatures do not decrypt its key each time."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from cryptography import x509

from onestop.signing.v1 import signing_pb2 as pb
from onestop_common.errors import InvalidInput, Unavailable, violation
from onestop_common.pki import (
    PkiError,
    PkiStore,
    SigningIdentity,
    Validity,
    crl_urls,
    generate_key,
    issue_person_certificate,
    key_algorithm,
    load_private_key,
)
from onestop_common.settings import Settings
from onestop_common.signing import InProcessTimestamper

T = TypeVar("T")

PLATFORM_IDENTITIES = {
    pb.PLATFORM_KEY_REGISTRATION: "registration-signer",
    pb.PLATFORM_KEY_PLATFORM: "platform-signer",
}
TSA_IDENTITY = "tsa-signer"
# The CA that certifies persons' one-signature keys, and the certificate whose CRL location it
# shares.
PERSON_CA = "platform"
PERSON_CA_SIBLING = "platform-signer"
_CLOCK_SKEW = timedelta(minutes=5)
UNWRAPPED_KEYS_KEPT = 512


class PkiNotReady(Unavailable):
    """The PKI directory is missing or unreadable: nothing can be signed yet."""


class KeyRing:
    """Thread-safe: the gRPC server signs on many threads at once."""

    def __init__(self, settings: Settings) -> None:
        self._store = PkiStore(settings.pki_dir, settings.kek)
        self._kek = settings.kek
        self._lock = threading.Lock()
        self._identities: dict[str, SigningIdentity] = {}
        self._unwrapped: OrderedDict[bytes, SigningIdentity] = OrderedDict()
        self._timestamper: InProcessTimestamper | None = None
        self._root: x509.Certificate | None = None

    def __repr__(self) -> str:
        return f"KeyRing({self._store!r})"

    def platform(self, key: int) -> SigningIdentity:
        name = PLATFORM_IDENTITIES.get(key)
        if name is None:
            raise InvalidInput.of(
                [violation("platform_key", "known_key", "未知的平台密钥", "unknown platform key")]
            )
        return self._identity(name)

    def tsa_identity(self) -> SigningIdentity:
        return self._identity(TSA_IDENTITY)

    def timestamper(self) -> InProcessTimestamper:
        with self._lock:
            if self._timestamper is None:
                identity = self._load(lambda: self._store.load_identity(TSA_IDENTITY))
                self._timestamper = InProcessTimestamper(identity)
            return self._timestamper

    def root(self) -> x509.Certificate:
        with self._lock:
            if self._root is None:
                self._root = self._load(self._store.root_certificate)
            return self._root

    def unwrap(self, wrapped: pb.WrappedKey) -> SigningIdentity:
        """The identity of a wrapped key; refused unless the key matches its certificate."""
        cache_key = hashlib.sha256(wrapped.encrypted_key + wrapped.certificate_der).digest()
        with self._lock:
            found = self._unwrapped.get(cache_key)
            if found is not None:
                self._unwrapped.move_to_end(cache_key)
                return found
        identity = _unwrapped_identity(wrapped, self._kek)
        with self._lock:
            self._unwrapped[cache_key] = identity
            while len(self._unwrapped) > UNWRAPPED_KEYS_KEPT:
                self._unwrapped.popitem(last=False)
        return identity

    def person(self, person: pb.PersonKey) -> SigningIdentity:
        """A new key certified for one person's one signature; it is never stored, so the
        certificate cannot sign anything else."""
        _check_person(person)
        ca = self._identity(PERSON_CA)
        published = crl_urls(self._identity(PERSON_CA_SIBLING).certificate)
        key = generate_key(ca.algorithm)
        now = datetime.now(UTC)
        certificate = issue_person_certificate(
            ca,
            key.public_key(),
            name=person.name,
            masked_id_number=person.masked_id_number,
            person_digest=person.person_digest,
            not_before=now - _CLOCK_SKEW,
            # As long as the platform's own signers: the timestamp proves when it signed, and
            # the key is gone once the signature is made.
            not_after=min(now + Validity().signer, ca.certificate.not_valid_after_utc),
            crl_url=published[0] if published else None,
        )
        return SigningIdentity(key, certificate, (ca.certificate, *ca.chain), key_algorithm(key))

    def _identity(self, name: str) -> SigningIdentity:
        with self._lock:
            identity = self._identities.get(name)
            if identity is None:
                identity = self._load(lambda: self._store.load_identity(name))
                self._identities[name] = identity
            return identity

    @staticmethod
    def _load(read: Callable[[], T]) -> T:
        try:
            return read()
        except PkiError as error:
            raise PkiNotReady(
                f"the platform PKI is not usable yet ({error}); run `onestop pki init` or start "
                "the platform with `onestop up`, then retry",
                message_zh="平台证书体系尚未就绪，请先初始化证书（onestop pki init）后重试",
            ) from None


def _check_person(person: pb.PersonKey) -> None:
    missing = [
        name
        for name, value in (
            ("name", person.name),
            ("masked_id_number", person.masked_id_number),
            ("person_digest", person.person_digest),
        )
        if not value.strip()
    ]
    if missing:
        raise InvalidInput.of(
            [
                violation(
                    f"person.{name}", "required", "签名人信息不完整", f"person.{name} is empty"
                )
                for name in missing
            ]
        )


def _unwrapped_identity(wrapped: pb.WrappedKey, kek: bytes) -> SigningIdentity:
    try:
        certificate = x509.load_der_x509_certificate(wrapped.certificate_der)
        chain = tuple(x509.load_der_x509_certificate(der) for der in wrapped.chain_der)
        key = load_private_key(wrapped.encrypted_key, kek, what="a wrapped key")
        return SigningIdentity(key, certificate, chain, key_algorithm(key))
    except (ValueError, PkiError) as error:
        raise InvalidInput.of(
            [
                violation(
                    "wrapped_key",
                    "usable_key",
                    "密钥无法解封或与证书不匹配",
                    f"the wrapped key cannot be unwrapped or does not match its certificate "
                    f"({type(error).__name__})",
                )
            ]
        ) from None
