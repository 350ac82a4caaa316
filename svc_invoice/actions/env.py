"""What the invoice flows need besides the transaction: rule data, business time,
configuration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from onestop_common.calendar import BusinessCalendar
from svc_invoice.domain import RuleBook


@dataclass(frozen=True)
class Env:
    """What the flows need besides the transaction: rule data, business time, configuration."""

    book: RuleBook
    now: datetime
    auto_approve: bool
    calendar: BusinessCalendar

    @property
    def auto_decider(self) -> str:
        return f"auto:{self.book.policy.rule_set_version}"
