"""The provider's RS256 signing key: made on first start, kept in the data directory encrypted
with the platform's key-encryption key (like every other private key), published as a JWKS."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import RSAKey

from onestop_common.pki import load_private_key, serialize_private_key

ALGORITHM = "RS256"
KEY_FILE = Path("idp") / "signing_key.pem"


@dataclass(frozen=True)
class SigningKey:
    # repr=False: the private half never reaches a log line or a traceback's locals dump.
    key: RSAKey = field(repr=False)

    @property
    def kid(self) -> str:
        return str(self.key.kid)

    def jwks(self) -> dict[str, Any]:
        """The public key set clients verify ID tokens with."""
        public = self.key.as_dict(private=False, use="sig", alg=ALGORITHM)
        return {"keys": [public]}


def load_or_create(data_dir: Path, kek: bytes) -> SigningKey:
    path = data_dir / KEY_FILE
    if not path.exists():
        _create(path, kek)
    private = load_private_key(path.read_bytes(), kek, what=str(path))
    if not isinstance(private, rsa.RSAPrivateKey):
        raise ValueError(f"{path} holds no RSA key; delete it and a new one is made")
    key = RSAKey.import_key(private)
    key.ensure_kid()  # the RFC 7638 thumbprint: the same key keeps the same kid
    return SigningKey(key)


def _create(path: Path, kek: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = serialize_private_key(rsa.generate_private_key(public_exponent=65537, key_size=2048), kek)
    # O_EXCL: when two providers start together, one writes and the other reads its key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
