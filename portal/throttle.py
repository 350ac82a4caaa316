"""Sign-in throttling that every portal replica shares (kept in the portal's database).

Failures are counted three ways, each with its own exponential back-off, so that guessing is
slowed where it happens and nobody else is locked out:

- one account from one client address (the common attack, and a user's own typos): the first
  few failures are free, then each further one doubles the wait;
- one client address against many accounts (password spraying): a higher allowance;
- one account from many addresses (a distributed attack): a higher allowance still;
- accounts made by self-registration from one address (mass sign-up): a few an hour.

So an account attacked from one address stays open to its owner elsewhere, and other accounts
stay open from that address. Which address is the client's is decided by the trusted-proxy
configuration (``ONESTOP_PORTAL_TRUSTED_PROXIES``): X-Forwarded-For is believed only from those.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class BackOff:
    # Failures within the window that cost nothing.
    free_failures: int
    # The wait after the first failure beyond them; it doubles with each further one.
    first_wait: timedelta
    longest_wait: timedelta
    # Failures older than this (since the last one) are forgotten.
    window: timedelta

    def wait_after(self, failures: int) -> timedelta:
        if failures <= self.free_failures:
            return timedelta(0)
        doublings = min(failures - self.free_failures - 1, 20)
        return min(self.first_wait * (2**doublings), self.longest_wait)


ONE_ACCOUNT_ONE_ADDRESS = BackOff(
    4, timedelta(seconds=30), timedelta(minutes=15), timedelta(hours=1)
)
ONE_ADDRESS = BackOff(20, timedelta(seconds=30), timedelta(hours=1), timedelta(hours=1))
# Accounts made by self-registration from one address: a few an hour, then a doubling wait.
SIGN_UPS = BackOff(3, timedelta(minutes=5), timedelta(hours=6), timedelta(hours=6))
ONE_ACCOUNT = BackOff(50, timedelta(seconds=30), timedelta(minutes=15), timedelta(hours=1))


@dataclass(frozen=True)
class ThrottleKey:
    key: str
    policy: BackOff


def sign_in_keys(username: str, address: str) -> tuple[ThrottleKey, ...]:
    return (
        ThrottleKey(f"pair:{username}|{address}", ONE_ACCOUNT_ONE_ADDRESS),
        ThrottleKey(f"addr:{address}", ONE_ADDRESS),
        ThrottleKey(f"user:{username}", ONE_ACCOUNT),
    )


def sign_up_key(address: str) -> ThrottleKey:
    return ThrottleKey(f"signup:{address}", SIGN_UPS)


def retry_after_seconds(blocked_until: datetime | None, now: datetime) -> int:
    if blocked_until is None or blocked_until <= now:
        return 0
    return max(1, int((blocked_until - now).total_seconds() + 0.999))
