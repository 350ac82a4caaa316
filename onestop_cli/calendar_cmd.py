"""The `deadline` command: when a limit in working days runs out, and which days it skipped."""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TextIO

from onestop_common.calendar import BusinessCalendar, CalendarError, DayInfo, DayKind
from onestop_common.clock import SHANGHAI

EXIT_OK = 0
EXIT_FAILED = 1


def run_deadline(
    start: str,
    workdays: str,
    *,
    out: TextIO = sys.stdout,
    calendar: BusinessCalendar | None = None,
) -> int:
    """Print the deadline ``workdays`` working days after ``start`` (ISO 8601) and why.

    A ``start`` without an offset is read as Asia/Shanghai, the zone limits are counted in.
    """
    calendar = calendar or BusinessCalendar()
    try:
        begin = _parse_start(start)
        limit = _parse_workdays(workdays)
    except ValueError as exc:
        print(exc, file=out)
        return EXIT_FAILED
    try:
        deadline = calendar.add_working_time(begin, limit)
        days = [calendar.day_info(day) for day in _dates(begin.date(), deadline.date())]
    except CalendarError as exc:
        print(exc, file=out)
        return EXIT_FAILED
    print(deadline.isoformat(), file=out)
    print(_explain(calendar, limit, days), file=out)
    return EXIT_OK


def _parse_start(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"开始时间 {text!r} 不是 ISO 8601 格式，例如 2026-09-30T14:00 / "
            f"start {text!r} is not ISO 8601, e.g. 2026-09-30T14:00 (Asia/Shanghai if no offset)"
        ) from None
    if value.tzinfo is None:
        return value.replace(tzinfo=SHANGHAI)
    return value.astimezone(SHANGHAI)


def _parse_workdays(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value <= 0:
        raise ValueError(
            f"工作日数 {text!r} 必须是正数，例如 1.5 / "
            f"workdays {text!r} must be a positive number, e.g. 1.5"
        )
    return value


def _dates(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _explain(calendar: BusinessCalendar, limit: Decimal, days: list[DayInfo]) -> str:
    hours = (limit * calendar.hours_per_day).normalize()
    periods = ", ".join(f"{b:%H:%M}-{e:%H:%M}" for b, e in calendar.office_hours)
    skipped = _ranges([d for d in days if not d.working]) or "none"
    adjusted = _ranges([d for d in days if d.kind is DayKind.ADJUSTED_WORKDAY]) or "none"
    return (
        f"{limit.normalize():f} working days x {calendar.hours_per_day.normalize():f} h/day "
        f"= {hours:f} office hours ({periods}, Asia/Shanghai); "
        f"skipped: {skipped}; adjusted working days counted: {adjusted}"
    )


def _ranges(days: list[DayInfo]) -> str:
    """Consecutive days of the same kind and festival, as '2026-10-01..2026-10-07 holiday'."""
    runs: list[list[DayInfo]] = []
    for day in days:
        last = runs[-1][-1] if runs else None
        if (
            last is not None
            and day.day - last.day == timedelta(days=1)
            and (day.kind, day.holiday) == (last.kind, last.holiday)
        ):
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(_describe_run(run) for run in runs)


def _describe_run(run: list[DayInfo]) -> str:
    first, last = run[0], run[-1]
    when = f"{first.day:%Y-%m-%d %a}"
    if last is not first:
        when += f"..{last.day:%Y-%m-%d %a}"
    label = first.kind.value.replace("_", " ")
    return f"{when} ({first.holiday} {label})" if first.holiday else f"{when} ({label})"
