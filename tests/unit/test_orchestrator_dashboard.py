"""The dashboard's figures from fixed saga facts: cases by day, the top reasons for compensation
and correction, and a step's working and wall-clock times (with runs outside office hours)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from onestop_common.clock import SHANGHAI
from orchestrator.dashboard import (
    COMPENSATION,
    CORRECTION,
    CaseTimes,
    Reason,
    StepRun,
    cases_by_day,
    period_days,
    step_times,
    top_reasons,
)

pytestmark = pytest.mark.db_independent


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 12, day, hour, tzinfo=SHANGHAI)


def test_the_period_ends_today_oldest_first() -> None:
    assert period_days(date(2026, 12, 3), 3) == [
        date(2026, 12, 1),
        date(2026, 12, 2),
        date(2026, 12, 3),
    ]


def test_cases_by_day_count_submissions_open_cases_and_endings() -> None:
    days = period_days(date(2026, 12, 3), 3)
    cases = [
        CaseTimes(at(1), at(2), "completed"),  # open at the end of day 1 only
        CaseTimes(at(2), at(2, 15), "compensated"),  # submitted and undone the same day
        CaseTimes(at(2), None, "running"),  # still open
        CaseTimes(at(3), at(3, 12), "failed"),
        CaseTimes(datetime(2026, 11, 20, 9, tzinfo=SHANGHAI), None, "running"),  # from before
        CaseTimes(datetime(2026, 11, 20, 9, tzinfo=SHANGHAI), at(3), "completed"),
        CaseTimes(datetime(2026, 11, 1, 9, tzinfo=SHANGHAI), at(3, 9).replace(month=11), "failed"),
    ]
    figures = cases_by_day(cases, days)
    assert [f.submitted for f in figures] == [1, 2, 1]
    assert [f.in_progress for f in figures] == [3, 3, 2]
    assert [(f.completed, f.compensated, f.failed) for f in figures] == [
        (0, 0, 0),
        (1, 1, 0),
        (1, 0, 1),
    ]


def test_a_day_boundary_is_shanghai_midnight_not_utc() -> None:
    # 01:00 on 2 December in Shanghai is 17:00 UTC on the 1st: a case of 2 December.
    early = CaseTimes(at(2, 1).astimezone(UTC), None, "running")
    figures = cases_by_day([early], period_days(date(2026, 12, 2), 2))
    assert [f.submitted for f in figures] == [0, 1]
    assert [f.in_progress for f in figures] == [0, 1]


def test_top_reasons_group_by_step_category_and_rule_most_frequent_first() -> None:
    name = Reason(COMPENSATION, "license", "rejected", "name.prohibited_word", "名称含禁用字词", "")
    name_en = Reason(
        COMPENSATION, "license", "rejected", "name.prohibited_word", "", "prohibited word"
    )
    cancelled = Reason(COMPENSATION, "", "cancelled")
    bank = Reason(COMPENSATION, "bank", "retries_exhausted")
    contact = Reason(CORRECTION, "seal", CORRECTION, "contact.phone", "电话有误", "wrong phone")
    reasons = [name, name_en, name, cancelled, cancelled, bank, contact, contact, contact]
    groups = top_reasons(reasons, n=2)
    # At most two of each kind: the bank's single exhausted retries are left out.
    assert [(g.reason.kind, g.reason.step, g.reason.category, g.count) for g in groups] == [
        (COMPENSATION, "license", "rejected", 3),
        (CORRECTION, "seal", CORRECTION, 3),
        (COMPENSATION, "", "cancelled", 2),
    ]
    # The group keeps the first words given for its rule.
    assert groups[0].reason.message_zh == "名称含禁用字词"
    assert [g.count for g in top_reasons(reasons, n=10)] == [3, 3, 2, 1]


def test_runs_outside_office_hours_have_no_working_time_but_wall_time() -> None:
    times = step_times([StepRun(0.0, 2.5), StepRun(0.0, 14.0), StepRun(3.0, 20.0)])
    assert times.completed == 3
    assert times.without_office_time == 2
    assert times.median_working_hours == 0.0 and times.median_wall_hours == 14.0
    assert times.p95_working_hours == 3.0 and times.p95_wall_hours == 20.0
    assert step_times([]).without_office_time == 0 and step_times([]).median_wall_hours == 0.0
