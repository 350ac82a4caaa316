"""Business calendar: deadlines hand-computed against the 2026 State Council schedule."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onestop_cli.calendar_cmd import run_deadline
from onestop_common.calendar import (
    BusinessCalendar,
    CalendarError,
    DayKind,
    UnknownCalendarYear,
)
from onestop_common.clock import SHANGHAI

H = timedelta(hours=1)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def cal() -> BusinessCalendar:
    return BusinessCalendar()


# Office hours


def test_default_office_hours_make_a_seven_hour_day(cal: BusinessCalendar) -> None:
    assert cal.hours_per_day == Decimal(7)
    assert cal.working_day == 7 * H
    assert cal.duration_of(1.5) == timedelta(hours=10, minutes=30)


def test_other_office_hours_change_the_day_length() -> None:
    cal = BusinessCalendar(((time(8, 30), time(12, 0)), (time(14, 0), time(18, 0))))
    assert cal.hours_per_day == Decimal("7.5")
    # Fri 2026-03-13 17:00 + 1 day (7.5 h): Fri 1 h, Mon 08:30-12:00 3.5 h, 14:00-17:00 3 h.
    assert cal.add_working_time(at(2026, 3, 13, 17), 1) == at(2026, 3, 16, 17)


@pytest.mark.parametrize(
    "periods",
    [
        (),
        ((time(12), time(9)),),
        ((time(9), time(12)), (time(11), time(17))),
        ((time(9), time(12, 0, 0, 5)),),
    ],
)
def test_bad_office_hours_are_rejected(periods: tuple[tuple[time, time], ...]) -> None:
    with pytest.raises(ValueError):
        BusinessCalendar(periods)


# Working days


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 1, 4),  # Sunday
        date(2026, 2, 14),  # Saturday
        date(2026, 2, 28),  # Saturday
        date(2026, 5, 9),  # Saturday
        date(2026, 9, 20),  # Sunday
        date(2026, 10, 10),  # Saturday
    ],
)
def test_2026_adjusted_weekends_are_worked(cal: BusinessCalendar, day: date) -> None:
    assert day.weekday() >= 5
    assert cal.is_working_day(day)
    assert cal.day_info(day).kind is DayKind.ADJUSTED_WORKDAY


@pytest.mark.parametrize(
    ("day", "holiday"),
    [
        (date(2026, 1, 1), "New Year's Day"),
        (date(2026, 2, 16), "Spring Festival"),
        (date(2026, 2, 23), "Spring Festival"),  # a Monday off in lieu
        (date(2026, 10, 1), "National Day"),
        (date(2026, 10, 7), "National Day"),
    ],
)
def test_2026_statutory_holidays_are_off(cal: BusinessCalendar, day: date, holiday: str) -> None:
    info = cal.day_info(day)
    assert not info.working
    assert (info.kind, info.holiday) == (DayKind.HOLIDAY, holiday)


def test_plain_weekdays_and_weekends(cal: BusinessCalendar) -> None:
    assert cal.day_info(date(2026, 3, 13)).kind is DayKind.WORKDAY
    assert cal.day_info(date(2026, 3, 14)).kind is DayKind.WEEKEND
    assert cal.day_info(date(2026, 10, 8)).kind is DayKind.WORKDAY


def test_a_year_without_installed_schedule_is_refused(cal: BusinessCalendar) -> None:
    with pytest.raises(UnknownCalendarYear) as raised:
        cal.is_working_day(date(2027, 1, 4))
    assert raised.value.year == 2027
    assert "2027" in raised.value.message_zh and "不会猜测" in raised.value.message_zh
    assert "will not be guessed" in raised.value.message_en
    assert isinstance(raised.value, CalendarError)
    with pytest.raises(UnknownCalendarYear):
        cal.is_working_day(date(2003, 12, 31))


def test_first_installed_year_is_answered(cal: BusinessCalendar) -> None:
    assert not cal.is_working_day(date(2004, 1, 1))
    assert cal.is_working_day(date(2004, 1, 17))  # Saturday worked for Spring Festival 2004


def test_late_december_of_last_installed_year_is_refused(cal: BusinessCalendar) -> None:
    # Next year's New Year arrangement has moved working days into late December before
    # (2018-12-29 worked, 2018-12-31 off), and the 2027 schedule is not installed.
    assert not cal.is_working_day(date(2018, 12, 31))
    assert cal.is_working_day(date(2018, 12, 29))
    assert cal.is_working_day(date(2026, 12, 24))
    with pytest.raises(UnknownCalendarYear) as raised:
        cal.is_working_day(date(2026, 12, 28))
    assert raised.value.year == 2027
    assert raised.value.day == date(2026, 12, 28)


def test_deadline_reaching_an_unknown_year_is_refused(cal: BusinessCalendar) -> None:
    with pytest.raises(UnknownCalendarYear):
        cal.add_working_time(at(2026, 12, 24, 16), 3)


# Deadlines


def test_deadline_across_a_weekend(cal: BusinessCalendar) -> None:
    # Fri 15:00-17:00 is 2 h; Mon 09:00-12:00 3 h; 13:00-15:00 the last 2 h.
    assert cal.add_working_time(at(2026, 3, 13, 15), 1) == at(2026, 3, 16, 15)


def test_deadline_across_national_day_counts_the_adjusted_saturday(
    cal: BusinessCalendar,
) -> None:
    # Wed 09-30 14:00-17:00 3 h; Oct 1-7 off; Thu 8 and Fri 9 14 h (17 h);
    # Sat 10 worked: 09:00-12:00 (20 h), 13:00-14:00 (21 h = 3 days).
    assert cal.add_working_time(at(2026, 9, 30, 14), 3) == at(2026, 10, 10, 14)


def test_deadline_across_spring_festival(cal: BusinessCalendar) -> None:
    # Sat 02-14 is worked: 16:00-17:00 1 h; Feb 15-23 off; Tue 24 09:00-12:00 (4 h),
    # 13:00-16:00 (7 h).
    assert cal.add_working_time(at(2026, 2, 14, 16), 1) == at(2026, 2, 24, 16)


def test_start_at_night_counts_from_next_morning(cal: BusinessCalendar) -> None:
    # 0.5 day = 3.5 h: Tue 09:00-12:00, then 13:00-13:30.
    assert cal.add_working_time(at(2026, 3, 16, 22), Decimal("0.5")) == at(2026, 3, 17, 13, 30)


def test_start_at_lunch_counts_from_afternoon(cal: BusinessCalendar) -> None:
    assert cal.add_working_time(at(2026, 3, 17, 12, 30), 0.5) == at(2026, 3, 17, 16, 30)


def test_one_and_a_half_days_land_mid_morning(cal: BusinessCalendar) -> None:
    # 10.5 h: Mon 14:00-17:00 3 h, Tue 7 h, Wed 09:00-09:30.
    assert cal.add_working_time(at(2026, 3, 16, 14), 1.5) == at(2026, 3, 18, 9, 30)


def test_adjusted_sunday_september_20_is_counted(cal: BusinessCalendar) -> None:
    # Fri 09-18 16:00-17:00 1 h; Sat 19 off; Sun 20 worked 09:00-11:30.
    assert cal.add_working_time(at(2026, 9, 18, 16), 0.5) == at(2026, 9, 20, 11, 30)


def test_deadline_at_end_of_office_day_is_that_evening(cal: BusinessCalendar) -> None:
    assert cal.add_working_time(at(2026, 3, 16, 9), 1) == at(2026, 3, 16, 17)


def test_float_and_decimal_workdays_agree_to_the_second(cal: BusinessCalendar) -> None:
    start = at(2026, 3, 16, 9)
    assert cal.add_working_time(start, 0.1) == cal.add_working_time(start, Decimal("0.1"))
    assert cal.add_working_time(start, 0.1) == at(2026, 3, 16, 9, 42)


def test_other_timezones_are_converted(cal: BusinessCalendar) -> None:
    start = datetime(2026, 3, 16, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    deadline = cal.add_working_time(start, 1)
    assert deadline == at(2026, 3, 16, 17)
    assert deadline.tzinfo is SHANGHAI


def test_negative_duration_walks_back(cal: BusinessCalendar) -> None:
    assert cal.add_working_duration(at(2026, 3, 16, 10), -2 * H) == at(2026, 3, 13, 16)


_starts = st.datetimes(datetime(2024, 1, 1), datetime(2026, 11, 30)).map(
    lambda naive: naive.replace(tzinfo=SHANGHAI)
)
_workdays = st.decimals(min_value=0, max_value=5, places=2)


@given(start=_starts, workdays=_workdays)
def test_deadline_is_exactly_the_limit_in_working_time(start: datetime, workdays: Decimal) -> None:
    cal = BusinessCalendar()
    deadline = cal.add_working_time(start, workdays)
    assert deadline >= start
    assert cal.working_time_between(start, deadline) == cal.duration_of(workdays)


@given(
    start=_starts,
    workdays=_workdays,
    paused_after=st.timedeltas(timedelta(0), timedelta(days=2)),
    pause=st.timedeltas(timedelta(0), timedelta(days=5)),
)
def test_extending_equals_adding_the_paused_time(
    start: datetime, workdays: Decimal, paused_after: timedelta, pause: timedelta
) -> None:
    cal = BusinessCalendar()
    deadline = cal.add_working_time(start, workdays)
    paused_from = min(start + paused_after, deadline)
    resumed_at = paused_from + pause
    paused = cal.working_time_between(paused_from, resumed_at)
    extended = cal.extend(deadline, paused_from, resumed_at)
    assert cal.working_time_between(start, extended) == cal.duration_of(workdays) + paused


# Working time between


def test_working_time_between_skips_nights_lunch_and_weekends(cal: BusinessCalendar) -> None:
    # Fri 11:00-12:00 and 13:00-17:00, Mon 09:00-12:00 and 13:00-14:00.
    assert cal.working_time_between(at(2026, 3, 13, 11), at(2026, 3, 16, 14)) == 9 * H
    assert cal.working_time_between(at(2026, 3, 14, 10), at(2026, 3, 14, 16)) == timedelta(0)


def test_working_time_between_is_negative_backwards(cal: BusinessCalendar) -> None:
    # Mon 15:00-17:00 and Tue 09:00-10:00.
    assert cal.working_time_between(at(2026, 3, 17, 10), at(2026, 3, 16, 15)) == -3 * H


def test_working_days_between_is_quantised(cal: BusinessCalendar) -> None:
    # 14.5 h / 7 h = 2.0714...
    assert cal.working_days_between(at(2026, 3, 16, 9), at(2026, 3, 18, 9, 30)) == Decimal("2.07")


def test_remaining_goes_negative_after_breach(cal: BusinessCalendar) -> None:
    deadline = at(2026, 3, 16, 17)
    assert cal.remaining(deadline, at(2026, 3, 16, 16)) == H
    assert cal.remaining(deadline, at(2026, 3, 17, 10)) == -H


# Warnings and pauses


def test_warning_at_three_quarters(cal: BusinessCalendar) -> None:
    # 75% of 7 h = 5.25 h from Mon 09:00: 3 h before lunch, 2.25 h after.
    assert cal.warning_at(at(2026, 3, 16, 9), at(2026, 3, 16, 17)) == at(2026, 3, 16, 15, 15)


def test_pause_extends_deadline_by_exactly_the_paused_working_time(
    cal: BusinessCalendar,
) -> None:
    deadline = at(2026, 3, 16, 17)
    paused_from, resumed_at = at(2026, 3, 16, 10), at(2026, 3, 18, 11)
    # 6 h were left at the pause; from Wed 11:00 they end Thu 10:00.
    extended = cal.extend(deadline, paused_from, resumed_at)
    assert extended == at(2026, 3, 19, 10)
    paused = cal.working_time_between(paused_from, resumed_at)
    assert paused == 15 * H
    assert cal.working_time_between(deadline, extended) == paused


def test_resume_before_pause_is_rejected(cal: BusinessCalendar) -> None:
    with pytest.raises(ValueError):
        cal.extend(at(2026, 3, 16, 17), at(2026, 3, 16, 12), at(2026, 3, 16, 11))


def test_deadline_info_counts_finished_pauses(cal: BusinessCalendar) -> None:
    info = cal.deadline_info(at(2026, 3, 16, 9), 1, at(2026, 3, 19, 9, 30), paused=15 * H)
    assert info.deadline == at(2026, 3, 19, 10)
    assert info.remaining == timedelta(minutes=30)
    assert info.remaining_workdays == Decimal("0.07")
    assert info.warned and not info.breached and not info.paused


def test_deadline_info_freezes_remaining_during_a_pause(cal: BusinessCalendar) -> None:
    start, paused_since = at(2026, 3, 16, 9), at(2026, 3, 16, 10)
    early = cal.deadline_info(start, 1, at(2026, 3, 17, 11), paused_since=paused_since)
    later = cal.deadline_info(start, 1, at(2026, 3, 18, 16), paused_since=paused_since)
    assert early.paused and later.paused
    assert early.remaining == later.remaining == 6 * H
    assert later.deadline == cal.extend(at(2026, 3, 16, 17), paused_since, at(2026, 3, 18, 16))


def test_deadline_info_reports_a_breach(cal: BusinessCalendar) -> None:
    info = cal.deadline_info(at(2026, 3, 16, 9), Decimal("1.5"), at(2026, 3, 17, 15))
    # 10.5 h: Mon 7 h, Tue 09:00-12:00 and 13:00-13:30.
    assert info.deadline == at(2026, 3, 17, 13, 30)
    assert info.warning_at == at(2026, 3, 17, 9, 52) + timedelta(seconds=30)  # 7.875 h in
    assert info.remaining == -timedelta(hours=1, minutes=30)
    assert info.breached and not info.warned
    assert info.limit_workdays == Decimal("1.5")


# Inputs


def test_naive_datetimes_are_rejected(cal: BusinessCalendar) -> None:
    naive = datetime(2026, 3, 16, 9)
    aware = at(2026, 3, 16, 9)
    with pytest.raises(ValueError, match="naive"):
        cal.add_working_time(naive, 1)
    with pytest.raises(ValueError, match="naive"):
        cal.working_time_between(aware, naive)
    with pytest.raises(ValueError, match="naive"):
        cal.deadline_info(aware, 1, naive)


@pytest.mark.parametrize("bad", [True, "1.5", float("nan"), Decimal("Infinity")])
def test_bad_workdays_are_rejected(cal: BusinessCalendar, bad: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        cal.add_working_time(at(2026, 3, 16, 9), bad)  # type: ignore[arg-type]


def test_working_days_are_looked_up_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import chinese_calendar

    cal = BusinessCalendar()
    calls: list[date] = []
    real = chinese_calendar.get_holiday_detail

    def counting(day: date) -> object:
        calls.append(day)
        return real(day)

    monkeypatch.setattr(chinese_calendar, "get_holiday_detail", counting)
    for _ in range(3):
        cal.add_working_time(at(2026, 3, 13, 15), 1)
    assert calls
    assert sorted(set(calls)) == sorted(calls)


# The deadline command


def test_command_prints_deadline_and_explains_skipped_days() -> None:
    out = io.StringIO()
    assert run_deadline("2026-09-30T14:00", "3", out=out) == 0
    deadline, explanation = out.getvalue().splitlines()
    assert deadline == "2026-10-10T14:00:00+08:00"
    assert "7 h/day" in explanation and "09:00-12:00, 13:00-17:00" in explanation
    assert "2026-10-01 Thu..2026-10-07 Wed (National Day holiday)" in explanation
    assert "2026-10-10 Sat (National Day adjusted workday)" in explanation


def test_command_reads_an_offset_and_converts_it() -> None:
    out = io.StringIO()
    assert run_deadline("2026-03-16T01:00:00Z", "1", out=out) == 0
    assert out.getvalue().splitlines()[0] == "2026-03-16T17:00:00+08:00"


@pytest.mark.parametrize(
    ("start", "workdays", "expected"),
    [
        ("2027-01-04T09:00", "1", "2027"),
        ("next tuesday", "1", "ISO 8601"),
        ("2026-03-16T09:00", "-1", "positive"),
        ("2026-03-16T09:00", "one", "positive"),
    ],
)
def test_command_fails_clearly(start: str, workdays: str, expected: str) -> None:
    out = io.StringIO()
    assert run_deadline(start, workdays, out=out) == 1
    assert expected in out.getvalue()
