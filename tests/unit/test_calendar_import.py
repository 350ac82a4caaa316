"""An operator-maintained calendar: a year's official schedule imported as data (validated), the
calendar answering from it where the library has no data (and over the library where both do),
never guessing a year neither knows, and saying when business time stands still."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from onestop_common.calendar import BusinessCalendar, DayKind, UnknownCalendarYear, differences
from onestop_common.calendar_schedule import (
    ScheduleError,
    ScheduleRegistry,
    load_schedule_file,
    parse_schedule,
)
from onestop_common.clock import SHANGHAI

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "calendar" / "2027.json"


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def fixture() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def calendar_with(*schedules: dict[str, Any]) -> BusinessCalendar:
    return BusinessCalendar(schedules=ScheduleRegistry(parse_schedule(s) for s in schedules))


def test_the_fixture_accounts_for_every_day_of_the_year() -> None:
    schedule = load_schedule_file(FIXTURE.read_text(encoding="utf-8"))
    counts = schedule.counts()
    assert sum(counts.values()) == 365
    assert counts == {"working": 243, "adjusted_working": 6, "weekend": 88, "holiday": 28}
    assert schedule.notice.number == "TEST-2027"
    # The canonical form reads back to the same schedule.
    assert parse_schedule(schedule.to_json()).sha256 == schedule.sha256


def _broken(change: Any) -> list[str]:
    data = copy.deepcopy(fixture())
    change(data)
    with pytest.raises(ScheduleError) as error:
        parse_schedule(data)
    return error.value.problems


def test_an_adjusted_working_day_on_a_weekday_is_a_contradiction() -> None:
    problems = _broken(
        lambda d: d["adjusted_working_days"].append({"name": "春节", "day": "2027-02-17"})
    )
    assert any(
        "2027-02-17" in p and "Saturday or Sunday" in p and "周六或周日" in p for p in problems
    )


def test_a_day_both_off_and_worked_is_refused() -> None:
    problems = _broken(
        lambda d: d["adjusted_working_days"].append({"name": "元旦", "day": "2027-01-02"})
    )
    assert any(
        "2027-01-02" in p and "both a holiday and an adjusted working day" in p for p in problems
    )


def test_days_outside_the_year_and_its_new_year_reach_back_are_refused() -> None:
    problems = _broken(lambda d: d["holidays"][0]["days"].append("2026-12-20"))
    assert any("2026-12-20" in p and "outside 2026-12-26 to 2027-12-31" in p for p in problems)


def test_every_problem_is_named_at_once() -> None:
    def damage(d: dict[str, Any]) -> None:
        del d["notice"]["url"]
        d["holidays"][0]["days"] = ["2027-01-02", "2027-13-40"]

    problems = _broken(damage)
    assert any("notice.url" in p for p in problems)
    assert any("2027-13-40" in p and "YYYY-MM-DD" in p for p in problems)
    assert any("New Year's Day" in p and "元旦" in p for p in problems)


def test_not_json_is_refused_with_the_line() -> None:
    with pytest.raises(ScheduleError) as error:
        load_schedule_file('{"year": 2027,\n  oops}')
    assert "line 2" in error.value.problems[0]


def test_without_the_next_year_late_december_and_the_new_year_are_refused() -> None:
    cal = calendar_with()
    with pytest.raises(UnknownCalendarYear) as error:
        cal.add_working_time(at(2026, 12, 24, 10), 3)
    assert error.value.year == 2027
    assert "onestop calendar import" in str(error.value)
    assert cal.knows_year(2026) and not cal.knows_year(2027)


def test_an_imported_year_gives_deadlines_across_its_holidays_to_the_minute() -> None:
    cal = calendar_with(fixture())
    # 2026-12-24 Thu 10:00 + 3 days: Thu 6 h, Fri 7 h, (Dec 26-27 weekend), Mon 7 h, Tue 1 h.
    assert cal.add_working_time(at(2026, 12, 24, 10), 3) == at(2026, 12, 29, 10)
    # Across New Year's Day (Jan 1-3 off): Thu 4 h, then Monday 3 h.
    assert cal.add_working_time(at(2026, 12, 31, 13), 1) == at(2027, 1, 4, 12)
    # The case of the must-show test: 3 days from Dec 31 16:30.
    assert cal.add_working_time(at(2026, 12, 31, 16, 30), 3) == at(2027, 1, 6, 16, 30)
    # Across the Spring Festival (Feb 5-12 off, Feb 13-14 a weekend).
    assert cal.add_working_time(at(2027, 2, 4, 16), 1) == at(2027, 2, 15, 16)
    # The adjusted Saturday Feb 20 is worked.
    assert cal.add_working_time(at(2027, 2, 19, 16), 1) == at(2027, 2, 20, 16)
    assert cal.day_info(date(2027, 2, 20)).kind is DayKind.ADJUSTED_WORKDAY
    assert cal.day_info(date(2027, 10, 4)).holiday == "国庆节"


def test_an_import_overrides_the_library_and_the_difference_is_reported() -> None:
    data = fixture()
    data["year"] = 2026
    data["holidays"] = [
        {"name": "元旦", "days": ["2026-01-01"]},
        {"name": "临时调整", "days": ["2026-11-27"]},  # a Friday the library works
    ]
    data["adjusted_working_days"] = []
    schedule = parse_schedule(data)
    found = {day: (library, imported) for day, library, imported in differences(schedule)}
    assert found[date(2026, 11, 27)] == (DayKind.WORKDAY, DayKind.HOLIDAY)
    cal = BusinessCalendar(schedules=ScheduleRegistry([schedule]))
    assert not cal.is_working_day(date(2026, 11, 27))
    assert BusinessCalendar(schedules=ScheduleRegistry()).is_working_day(date(2026, 11, 27))


def test_a_new_year_arrangement_reaching_back_decides_late_december() -> None:
    data = fixture()
    data["adjusted_working_days"].append({"name": "元旦", "day": "2026-12-27"})  # a Sunday
    cal = calendar_with(data)
    assert cal.day_info(date(2026, 12, 27)).kind is DayKind.ADJUSTED_WORKDAY
    assert cal.day_info(date(2026, 12, 26)).kind is DayKind.WEEKEND  # from the library


def test_an_import_reaches_calendars_that_already_refused() -> None:
    registry = ScheduleRegistry()
    cal = BusinessCalendar(schedules=registry)
    with pytest.raises(UnknownCalendarYear):
        cal.day_info(date(2027, 1, 4))
    registry.add(parse_schedule(fixture()))
    assert cal.day_info(date(2027, 1, 4)).kind is DayKind.WORKDAY
    assert cal.coverage(range(2026, 2029)) == {
        2026: "library",
        2027: "imported",
        2028: "missing",
    }


def test_the_calendar_says_when_business_time_stands_still() -> None:
    cal = calendar_with(fixture())
    assert cal.standstill(at(2026, 11, 26, 10)) is None
    zh, en = cal.standstill(at(2026, 10, 2, 10)) or ("", "")
    assert "国庆节" in zh and "National Day" in en
    assert "weekend" in (cal.standstill(at(2026, 11, 28, 10)) or ("", ""))[1]
    assert "outside office hours" in (cal.standstill(at(2026, 11, 26, 20)) or ("", ""))[1]
    assert "春节" in (cal.standstill(at(2027, 2, 8, 10)) or ("", ""))[0]
