"""The commitment route (告知承诺制): how long an applicant has to supply what was promised. One
rule for the registration service (which sets the due date) and the orchestrator (which undoes the
company when it passes)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from onestop_common.clock import SHANGHAI, to_shanghai

# 自承诺之日起60日内: 60 days counted from the day after the commitment.
COMMITMENT_DAYS = 60


def commitment_due(committed_at: datetime) -> datetime:
    """The end (24:00, Asia/Shanghai) of the 60th day after the day of the commitment."""
    last_day = to_shanghai(committed_at, "committed_at").date() + timedelta(days=COMMITMENT_DAYS)
    return datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=SHANGHAI)
