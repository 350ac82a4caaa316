"""An optional second factor for portal accounts (meant for staff): time-based one-time codes
(RFC 6238, with pyotp), as authenticator apps show them.

The shared secret is kept encrypted with a key derived from the platform's KEK (the database
alone gives it away to nobody), and each code counts once: the time step of the last accepted
code is stored, so a code seen over a shoulder or in a log cannot be replayed.
"""

from __future__ import annotations

import base64
import hmac
from datetime import datetime

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ISSUER = "OneStop"
STEP_SECONDS = 30
# A code from the step before or after now is accepted too (clocks drift, people type slowly).
DRIFT_STEPS = 1


def _box(kek: bytes) -> Fernet:
    if not kek:
        raise ValueError("the KEK is needed to keep one-time-code secrets")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"onestop-portal-totp").derive(
        kek
    )
    return Fernet(base64.urlsafe_b64encode(key))


def new_secret() -> str:
    return pyotp.random_base32()


def seal(secret: str, kek: bytes) -> str:
    return _box(kek).encrypt(secret.encode()).decode()


def unseal(sealed: str, kek: bytes) -> str:
    try:
        return _box(kek).decrypt(sealed.encode()).decode()
    except InvalidToken as error:
        raise ValueError("the one-time-code secret does not open with this KEK") from error


def provisioning_uri(secret: str, username: str) -> str:
    """What an authenticator app scans (otpauth://…)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def accepted_step(secret: str, code: str, now: datetime, last_step: int) -> int | None:
    """The time step ``code`` belongs to, if it is right and newer than the last one used."""
    code = code.strip().replace(" ", "")
    if not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step > last_step and hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None
