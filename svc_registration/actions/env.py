"""What every handler gets besides its request (:class:`Env`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from onestop_common.calendar import BusinessCalendar
from onestop_common.settings import Settings
from svc_registration.actions.signing import PreparedLicense
from svc_registration.domain import PARTICIPANT, ReferenceData


@dataclass(frozen=True)
class Env:
    """What a handler needs besides its request: settings, business time, calendar, data."""

    settings: Settings
    now: datetime
    calendar: BusinessCalendar
    ref: ReferenceData
    # A license signed outside the transaction for this attempt (see NeedsSignature).
    prepared: PreparedLicense | None = None

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def auto_enabled(self) -> bool:
        return PARTICIPANT in self.settings.auto_approve
