"""Working-time arithmetic for legal time limits: China's working days and our office hours.

Limits such as "registration within 1.5 working days" are counted in office time on
working days, in Asia/Shanghai. Working days follow the State Council's yearly schedule:
statutory holidays are off, and the adjusted weekends (调休) are worked. That schedule is
announced a year at a time and cannot be computed: it comes from the ``chinesecalendar``
library's data and from the years an operator imported (``calendar_schedule``; an imported year
wins where both know it). For a date neither covers this module raises ``UnknownCalendarYear``
rather than guess.

Our configured assumption: office hours are 09:00-12:00 and 13:00-17:00, so one working
day is 7 working hours and 1.5 working days are 10.5 office hours. Pass other periods to
``BusinessCalendar`` if an authority keeps other hours.

This is the only module that imports the holiday data (``chinese_calendar``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import chinese_calendar

from onestop_common.calendar_schedule import IMPORTED, ScheduleRegistry, YearSchedule
from onestop_common.clock import SHANGHAI, to_shanghai

OfficePeriod = tuple[time, time]
DEFAULT_OFFICE_HOURS: tuple[OfficePeriod, ...] = (
    (time(9, 0), time(12, 0)),
    (time(13, 0), time(17, 0)),
)
Workdays = Decimal | float | int

_SECOND = timedelta(seconds=1)
_ANY_DAY = date(2000, 1, 3)
_HOUR_SECONDS = Decimal(3600)
_CENTI = Decimal("0.01")
# A year's New Year arrangement has reached back into the previous December (2006-12-30,
# 2007-12-29, 2011-12-31 and 2018-12-29 were worked; 2007-12-30/31 and 2018-12-30/31 were
# off). The Saturday before the week of 1 January is never earlier than 26 December, so
# from then on the last installed year is only as good as next year's unpublished schedule.
_NEXT_SCHEDULE_REACHES_BACK_TO = (12, 26)
# The library names holidays in English; people here read them in Chinese.
HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
# The last year the installed holiday library knows.
LIBRARY_LAST_YEAR = max(day.year for day in chinese_calendar.holidays)


class CalendarError(Exception):
    """Base of every error raised by the business calendar."""


class UnknownCalendarYear(CalendarError):
    """The official holiday schedule needed for a date is not in the installed data."""

    def __init__(self, year: int, day: date) -> None:
        self.year = year
        self.day = day
        why_zh = why_en = ""
        if day.year < year:
            why_zh = f"，该安排可能调整 {day.year} 年 12 月底的上班日"
            why_en = f"; its New Year arrangement can move working days into late {day.year}"
        self.message_zh = (
            f"已安装的日历数据中没有国务院公布的 {year} 年节假日安排"
            f"（计算 {day.isoformat()} 时需要{why_zh}），不会猜测期限；"
            f"请由运维人员导入 {year} 年的官方安排（onestop calendar import）。"
        )
        self.message_en = (
            f"The official holiday schedule for {year} is not in the calendar data "
            f"(needed for {day.isoformat()}{why_en}); a deadline will not be guessed until an "
            f"operator imports the {year} schedule (`onestop calendar import FILE`)."
        )
        super().__init__(f"{self.message_zh} / {self.message_en}")


class DayKind(enum.Enum):
    """Why a day is or is not worked."""

    WORKDAY = "workday"
    ADJUSTED_WORKDAY = "adjusted_workday"  # a Saturday or Sunday worked under 调休
    WEEKEND = "weekend"
    HOLIDAY = "holiday"  # statutory holiday, including weekends and days off in lieu


@dataclass(frozen=True)
class DayInfo:
    """One calendar day as the business calendar sees it."""

    day: date
    kind: DayKind
    holiday: str | None  # the festival a holiday or an adjusted working day belongs to

    @property
    def working(self) -> bool:
        return self.kind in (DayKind.WORKDAY, DayKind.ADJUSTED_WORKDAY)


@dataclass(frozen=True)
class DeadlineInfo:
    """Where a step stands against its limit at ``now``.

    ``remaining`` is working time and goes negative once the deadline has passed. While
    the step is paused its remaining time is frozen, and ``deadline`` is the one that
    would apply if it resumed at ``now``.
    """

    start: datetime
    limit_workdays: Decimal
    paused_time: timedelta
    deadline: datetime
    warning_at: datetime
    now: datetime
    remaining: timedelta
    remaining_workdays: Decimal
    paused: bool

    @property
    def warned(self) -> bool:
        """Past the warning instant and not yet breached."""
        return self.now >= self.warning_at and not self.breached

    @property
    def breached(self) -> bool:
        return self.remaining < timedelta(0)


class BusinessCalendar:
    """Working days (statutory holidays and 调休) and office hours, in Asia/Shanghai."""

    def __init__(
        self,
        office_hours: tuple[OfficePeriod, ...] = DEFAULT_OFFICE_HOURS,
        schedules: ScheduleRegistry | None = None,
    ) -> None:
        self._office_hours = _validated_office_hours(office_hours)
        self._day_length = sum(
            (_on(_ANY_DAY, end) - _on(_ANY_DAY, begin) for begin, end in self._office_hours),
            timedelta(0),
        )
        self._days: dict[date, DayInfo] = {}
        self._library_last_year = LIBRARY_LAST_YEAR
        # Imported schedules: the process's own registry unless one is given (tests).
        self._schedules = IMPORTED if schedules is None else schedules
        self._seen_version = self._schedules.version

    @property
    def office_hours(self) -> tuple[OfficePeriod, ...]:
        return self._office_hours

    @property
    def hours_per_day(self) -> Decimal:
        """Working hours in one working day (7 with the default office hours)."""
        return Decimal(int(self._day_length.total_seconds())) / _HOUR_SECONDS

    @property
    def working_day(self) -> timedelta:
        """One working day as a duration of office time."""
        return self._day_length

    # Days

    def day_info(self, day: date) -> DayInfo:
        """How ``day`` counts; raises ``UnknownCalendarYear`` if its schedule is not installed."""
        if self._seen_version != self._schedules.version:
            # A year was imported meanwhile: what was cached (or refused) may have changed.
            self._days = {}
            self._seen_version = self._schedules.version
        info = self._days.get(day)
        if info is None:
            info = self._days[day] = self._look_up(day)
        return info

    def is_working_day(self, day: date) -> bool:
        return self.day_info(day).working

    def knows_year(self, year: int) -> bool:
        """Whether the official schedule for ``year`` is available (library or imported)."""
        return self._schedules.get(year) is not None or year <= self._library_last_year

    def coverage(self, years: range) -> dict[int, str]:
        """For each year: "imported", "library", "imported (overrides library)" or "missing"."""
        found = {}
        for year in years:
            imported = self._schedules.get(year) is not None
            library = year <= self._library_last_year
            found[year] = (
                "imported (overrides library)"
                if imported and library
                else "imported"
                if imported
                else "library"
                if library
                else "missing"
            )
        return found

    def _look_up(self, day: date) -> DayInfo:
        late_december = (day.month, day.day) >= _NEXT_SCHEDULE_REACHES_BACK_TO
        if late_december:
            following = self._schedules.get(day.year + 1)
            if following is not None and following.covers(day):
                return _from_schedule(following, day)
            if not self.knows_year(day.year + 1):
                raise UnknownCalendarYear(day.year + 1, day)
        own = self._schedules.get(day.year)
        if own is not None:
            return _from_schedule(own, day)
        return _from_library(day)

    def standstill(self, now: datetime) -> tuple[str, str] | None:
        """Why working time does not advance at ``now`` (zh, en), or None during office hours.
        Limits count office time only: at night, at weekends and on holidays no time is used."""
        now = to_shanghai(now, "now")
        try:
            info = self.day_info(now.date())
        except UnknownCalendarYear as exc:
            return exc.message_zh, exc.message_en
        if info.kind is DayKind.HOLIDAY:
            name = info.holiday or ""
            zh = HOLIDAY_NAMES_ZH.get(name, name)
            en = {v: k for k, v in HOLIDAY_NAMES_ZH.items()}.get(name, name)
            return (
                f"{zh}假期：工作时间不计",
                f"a public holiday ({en}): working time does not advance",
            )
        if info.kind is DayKind.WEEKEND:
            return "周末：工作时间不计", "a weekend: working time does not advance"
        if not any(_on(now.date(), b) <= now < _on(now.date(), e) for b, e in self._office_hours):
            hours = "、".join(f"{b:%H:%M}–{e:%H:%M}" for b, e in self._office_hours)
            return (
                f"办公时间（{hours}）以外：工作时间不计",
                f"outside office hours ({hours.replace('、', ', ')}): working time does not "
                "advance",
            )
        return None

    # Working time

    def add_working_time(self, start: datetime, workdays: Workdays) -> datetime:
        """The instant ``workdays`` working days of office time after ``start``."""
        return self.add_working_duration(start, self.duration_of(workdays))

    def add_working_duration(self, start: datetime, duration: timedelta) -> datetime:
        """The instant ``duration`` of office time after ``start`` (before it, if negative).

        Counting starts at the next office period when ``start`` is outside office hours.
        Going forward the earliest such instant is returned (17:00, not 09:00 next day).
        """
        start = to_shanghai(start, "start")
        if duration == timedelta(0):
            return start
        if duration > timedelta(0):
            return self._forward(start, duration)
        return self._backward(start, -duration)

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Office time in [a, b); negative when ``b`` is before ``a``."""
        a, b = to_shanghai(a, "a"), to_shanghai(b, "b")
        if b < a:
            return -self.working_time_between(b, a)
        total = timedelta(0)
        day = a.date()
        # Stop before b's day when b is its midnight: that day adds nothing, and it may be
        # in a year whose schedule is not installed.
        while _on(day, time(0)) < b:
            for begin, end in self._periods_on(day):
                total += max(timedelta(0), min(end, b) - max(begin, a))
            day += timedelta(days=1)
        return total

    def working_days_between(self, a: datetime, b: datetime) -> Decimal:
        """``working_time_between`` in working days, to 0.01."""
        return self.workdays_of(self.working_time_between(a, b))

    def duration_of(self, workdays: Workdays) -> timedelta:
        """``workdays`` as office time, exact to the second (Decimal arithmetic, no float)."""
        seconds = _as_decimal(workdays) * Decimal(int(self._day_length.total_seconds()))
        return timedelta(seconds=int(seconds.to_integral_value(ROUND_HALF_UP)))

    def workdays_of(self, duration: timedelta) -> Decimal:
        """Office time in working days, to 0.01."""
        seconds = Decimal(duration // _SECOND)
        days = seconds / Decimal(int(self._day_length.total_seconds()))
        return days.quantize(_CENTI, ROUND_HALF_UP)

    # Deadlines

    def remaining(self, deadline: datetime, now: datetime) -> timedelta:
        """Office time left before ``deadline``; negative after a breach."""
        return self.working_time_between(now, deadline)

    def extend(self, deadline: datetime, paused_from: datetime, resumed_at: datetime) -> datetime:
        """The deadline after a pause: the time left when paused, counted again from resumption.

        The step's clock stops while it waits on the applicant, so the new deadline is later
        than the old one by exactly the office time the pause covered.
        """
        if to_shanghai(resumed_at, "resumed_at") < to_shanghai(paused_from, "paused_from"):
            raise ValueError(f"resumed_at {resumed_at} is before paused_from {paused_from}")
        left = self.working_time_between(paused_from, deadline)
        return self.add_working_duration(resumed_at, left)

    def warning_at(self, start: datetime, deadline: datetime, fraction: float = 0.75) -> datetime:
        """When ``fraction`` of the office time from ``start`` to ``deadline`` has been used."""
        span = self.working_time_between(start, deadline)
        return self.add_working_duration(start, _fraction_of(span, fraction))

    def deadline_info(
        self,
        start: datetime,
        limit_workdays: Workdays,
        now: datetime,
        *,
        paused: timedelta = timedelta(0),
        paused_since: datetime | None = None,
        warn_fraction: float = 0.75,
    ) -> DeadlineInfo:
        """A step's deadline and standing at ``now``.

        ``paused`` is the office time covered by finished pauses (the sum of
        ``working_time_between(paused_from, resumed_at)``); ``paused_since`` marks a pause
        still in progress. Either way the paused time does not count against the limit.
        """
        start, now = to_shanghai(start, "start"), to_shanghai(now, "now")
        if paused < timedelta(0):
            raise ValueError(f"paused must not be negative, got {paused}")
        limit = self.duration_of(limit_workdays)
        if paused_since is not None:
            paused_since = to_shanghai(paused_since, "paused_since")
            paused = paused + max(timedelta(0), self.working_time_between(paused_since, now))
        deadline = self._forward(start, limit + paused)
        return DeadlineInfo(
            start=start,
            limit_workdays=_as_decimal(limit_workdays),
            paused_time=paused,
            deadline=deadline,
            warning_at=self._forward(start, _fraction_of(limit, warn_fraction) + paused),
            now=now,
            remaining=self.remaining(deadline, now),
            remaining_workdays=self.workdays_of(self.remaining(deadline, now)),
            paused=paused_since is not None,
        )

    # Walking office periods

    def _periods_on(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        if self.is_working_day(day):
            for begin, end in self._office_hours:
                yield _on(day, begin), _on(day, end)

    def _forward(self, start: datetime, duration: timedelta) -> datetime:
        left = duration
        day = start.date()
        while True:
            for begin, end in self._periods_on(day):
                if end <= start:
                    continue
                begin = max(begin, start)
                if left <= end - begin:
                    return begin + left
                left -= end - begin
            day += timedelta(days=1)

    def _backward(self, start: datetime, duration: timedelta) -> datetime:
        left = duration
        day = start.date()
        while True:
            for begin, end in reversed(list(self._periods_on(day))):
                if begin >= start:
                    continue
                end = min(end, start)
                if left <= end - begin:
                    return end - left
                left -= end - begin
            day -= timedelta(days=1)


def _from_schedule(schedule: YearSchedule, day: date) -> DayInfo:
    weekend = day.weekday() >= 5
    if day in schedule.holidays:
        return DayInfo(day, DayKind.HOLIDAY, schedule.holidays[day])
    if day in schedule.adjusted_working_days:
        return DayInfo(day, DayKind.ADJUSTED_WORKDAY, schedule.adjusted_working_days[day])
    return DayInfo(day, DayKind.WEEKEND if weekend else DayKind.WORKDAY, None)


def _from_library(day: date) -> DayInfo:
    try:
        off, holiday = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError as exc:
        raise UnknownCalendarYear(day.year, day) from exc
    weekend = day.weekday() >= 5
    if not off:
        kind = DayKind.ADJUSTED_WORKDAY if weekend else DayKind.WORKDAY
    else:
        kind = DayKind.HOLIDAY if holiday is not None else DayKind.WEEKEND
    return DayInfo(day, kind, holiday)


def library_day(day: date) -> DayInfo | None:
    """How the library alone sees ``day`` (None if it does not know the year): for reporting
    where an imported schedule differs."""
    try:
        return _from_library(day)
    except UnknownCalendarYear:
        return None


def differences(schedule: YearSchedule) -> list[tuple[date, DayKind, DayKind]]:
    """Days of the schedule's year where the library says otherwise: (day, library, imported)."""
    found = []
    day = date(schedule.year, 1, 1)
    while day.year == schedule.year:
        library = library_day(day)
        imported = _from_schedule(schedule, day)
        if library is not None and library.working != imported.working:
            found.append((day, library.kind, imported.kind))
        day += timedelta(days=1)
    return found


def _on(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=SHANGHAI)


def _validated_office_hours(periods: tuple[OfficePeriod, ...]) -> tuple[OfficePeriod, ...]:
    periods = tuple(periods)
    if not periods:
        raise ValueError("office hours need at least one (start, end) period")
    previous_end: time | None = None
    for begin, end in periods:
        if begin.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("office hours are wall-clock times in Asia/Shanghai; drop tzinfo")
        if begin.microsecond or end.microsecond:
            raise ValueError("office hours are counted in whole seconds")
        if not begin < end:
            raise ValueError(f"office period {begin}-{end} must end after it starts")
        if previous_end is not None and begin < previous_end:
            raise ValueError(f"office period starting {begin} overlaps or is out of order")
        previous_end = end
    return periods


def _as_decimal(workdays: Workdays) -> Decimal:
    if isinstance(workdays, bool) or not isinstance(workdays, Decimal | float | int):
        raise TypeError(f"workdays must be a Decimal, float or int, got {workdays!r}")
    # str() of a float is its shortest round-trip form: 1.1 becomes Decimal("1.1"), not
    # 1.100000000000000088817841970012523233890533447265625.
    value = Decimal(str(workdays)) if isinstance(workdays, float) else Decimal(workdays)
    if not value.is_finite():
        raise ValueError(f"workdays must be finite, got {workdays!r}")
    return value


def _fraction_of(duration: timedelta, fraction: float) -> timedelta:
    share = _as_decimal(fraction)
    if not Decimal(0) <= share <= Decimal(1):
        raise ValueError(f"fraction must be between 0 and 1, got {fraction!r}")
    seconds = (Decimal(duration // _SECOND) * share).to_integral_value(ROUND_HALF_UP)
    return timedelta(seconds=int(seconds))
