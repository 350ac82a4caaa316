"""The commitment route (告知承诺制): how long an applicant has to supply what was promised. One
rule for the registration service (which sets the due date) and the orchestrator (which undoes the
company when it passes)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from onestop_common.clock import SHANGHAI, to_shanghai

# 自承诺之日起60日内: 60 days counted from the day after the commitment.
COMMITMENT_DAYS = 60


def commitment_last_day(committed_at: datetime) -> date:
    """The last day (Asia/Shanghai) to supply what was promised: the 60th after the day of the
    commitment. ``committed_at`` must be timezone-aware."""
    return to_shanghai(committed_at, "committed_at").date() + timedelta(days=COMMITMENT_DAYS)


def commitment_due(committed_at: datetime) -> datetime:
    """The end (24:00, Asia/Shanghai) of the 60th day after the day of the commitment."""
    # 24:00 of the last day is 00:00 of the next (a fixed +08:00 zone: no DST to step over).
    last_day = commitment_last_day(committed_at)
    return datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=SHANGHAI)
