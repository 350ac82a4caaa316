"""How long an electronic seal's certificate lives and when the seal CA's CRL is renewed."""

from __future__ import annotations

from datetime import datetime, timedelta

# A seal certificate lives this long, or until its CA expires if that comes first.
CERTIFICATE_LIFETIME = timedelta(days=3 * 365 + 1)
# Validators may run on a clock slightly behind ours.
CLOCK_SKEW = timedelta(minutes=5)
# The CRL is valid for a week and re-issued once it is a day old (or at once on revocation).
CRL_LIFETIME = timedelta(days=7)
CRL_RENEW_AFTER = timedelta(days=1)


def certificate_window(now: datetime, ca_not_after: datetime) -> tuple[datetime, datetime]:
    """Validity of a new seal certificate: from a little before now, never past its CA."""
    return now - CLOCK_SKEW, min(now + CERTIFICATE_LIFETIME, ca_not_after)


def crl_due(this_update: datetime | None, next_update: datetime | None, now: datetime) -> bool:
    """Whether the current CRL should be replaced (none yet, a day old, or near its end)."""
    if this_update is None or next_update is None:
        return True
    return now - this_update >= CRL_RENEW_AFTER or next_update - now <= CRL_LIFETIME / 2
