"""What every seal use case needs besides its unit of work: settings, the seal PKI, business
time and the business calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from onestop_common.calendar import BusinessCalendar
from onestop_common.settings import Settings
from svc_seal.dependencies import SealPki


@cache
def business_calendar() -> BusinessCalendar:
    return BusinessCalendar()


@dataclass(frozen=True)
class Env:
    """What every use case needs besides its unit of work."""

    settings: Settings
    pki: SealPki
    # Business time (Asia/Shanghai) for records; PKI artefacts use ``pki.clock`` (wall time).
    now: datetime

    @property
    def calendar(self) -> BusinessCalendar:
        return business_calendar()
