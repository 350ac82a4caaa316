"""The public verification page's address: what a license's QR code and an e-license bundle
carry, so a bank or counterparty with a phone reaches the portal's /verify page.

The address is ``{ONESTOP_PORTAL_PUBLIC_URL}/verify/{USCC}/{license number}``, with ``?v=N`` when
the printed document knows its license version. Without a configured public address the
platform prints :data:`PLACEHOLDER_BASE`, a name reserved never to resolve (RFC 2606): a
license must not carry a loopback address nobody else can open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

PLACEHOLDER_BASE = "https://onestop.invalid"
VERIFY_PATH = "/verify"

_LICENSE_NUMBER = re.compile(r"[0-9A-Z]{1,40}")


def verification_url(base: str, uscc: str, license_number: str, version: int = 0) -> str:
    """The page that shows this license's current status; ``version`` (when above 0) lets the
    page say that a scanned document is an older version."""
    root = (base or PLACEHOLDER_BASE).rstrip("/")
    url = f"{root}{VERIFY_PATH}/{quote(uscc, safe='')}/{quote(license_number, safe='')}"
    return f"{url}?v={version}" if version > 0 else url


def valid_license_number(text: str) -> bool:
    """License numbers are digits and capital letters (area, date, random part)."""
    return bool(_LICENSE_NUMBER.fullmatch(text))


@dataclass(frozen=True)
class VerificationTarget:
    """What a verification URL names."""

    uscc: str
    license_number: str
    version: int = 0


def parse_verification_url(url: str) -> VerificationTarget | None:
    """The USCC, license number and version a verification URL names; None for anything else
    (an ``onestop://`` payload of older licenses included)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None
    segments = parts.path.rstrip("/").split("/")
    if len(segments) < 3 or "/" + segments[-3] != VERIFY_PATH:
        return None
    version = 0
    for item in parts.query.split("&"):
        key, _, value = item.partition("=")
        if key == "v" and value.isdigit():
            version = int(value)
    return VerificationTarget(segments[-2], segments[-1], version)
