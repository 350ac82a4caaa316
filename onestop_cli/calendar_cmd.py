"""The `calendar` commands: when a limit in working days runs out and which days it skipped
(`deadline`), importing a year's official holiday schedule (`import`) and what a year's calendar
is made of (`show`)."""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO

from onestop_common.calendar import (
    BusinessCalendar,
    CalendarError,
    DayInfo,
    DayKind,
    UnknownCalendarYear,
)
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


# ---------------------------------------------------------------------------- imported years


def _orchestrator_sessions() -> Any:
    from onestop_common.db import make_engine, make_session_factory, upgrade_schema
    from onestop_common.settings import load_settings
    from orchestrator.process import MIGRATIONS

    settings = load_settings()
    engine = make_engine(settings.database_url_for("orchestrator"), kek=settings.kek)
    upgrade_schema(engine, MIGRATIONS, "alembic_version_orchestrator")
    return make_session_factory(engine)


def load_imported_years(out: TextIO = sys.stderr) -> None:
    """Puts the years operators imported into this process's calendars (the library's years only,
    with a warning, when the platform's database cannot be read)."""
    from orchestrator import calendar_store

    try:
        calendar_store.refresh(_orchestrator_sessions())
    except Exception as error:  # the command still answers from the library's years
        print(f"warning: imported calendar years not read ({type(error).__name__})", file=out)


def run_import(path: str, actor: str, *, out: TextIO = sys.stdout) -> int:
    """``onestop calendar import FILE``: validate a year's official schedule and put it in force."""
    from onestop_common.calendar_schedule import ScheduleError, load_schedule_file
    from orchestrator import calendar_store

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        print(f"无法读取 / cannot read {path}: {error.strerror}", file=out)
        return EXIT_FAILED
    try:
        schedule = load_schedule_file(text)
    except ScheduleError as error:
        print(
            f"日程文件有 {len(error.problems)} 处问题，未导入 / the schedule was NOT imported:",
            file=out,
        )
        for problem in error.problems:
            print(f"  - {problem}", file=out)
        return EXIT_FAILED
    report = calendar_store.import_schedule(_orchestrator_sessions(), schedule, actor)
    notice = schedule.notice
    print(
        f"{schedule.year}: {notice.title} ({notice.number}, {notice.published}, {notice.url})",
        file=out,
    )
    counts = report.counts
    print(
        f"  {counts['working']} working days, {counts['adjusted_working']} adjusted working "
        f"days (调休), {counts['holiday']} holiday days, {counts['weekend']} weekend days "
        f"= {sum(counts.values())} days",
        file=out,
    )
    if not report.recorded:
        print("  already in force (same schedule): nothing changed / 已生效，未作改动", file=out)
        return EXIT_OK
    for day, library, imported in report.differences:
        print(
            f"  differs from the installed library on {day:%Y-%m-%d %a}: "
            f"library {library.value}, imported {imported.value} (the import wins)",
            file=out,
        )
    replaced = f", replacing {report.replaced_sha256[:12]}" if report.replaced_sha256 else ""
    print(
        f"  imported as {report.sha256[:12]} by {actor}{replaced}; running orchestrators pick "
        "it up within seconds and compute the deadlines that waited for it / 已导入",
        file=out,
    )
    return EXIT_OK


def run_show(year: int, *, out: TextIO = sys.stdout) -> int:
    """``onestop calendar show YEAR``: where the year's schedule comes from, and its days off."""
    from onestop_common.calendar_schedule import IMPORTED
    from orchestrator import calendar_store

    sessions = _orchestrator_sessions()
    calendar_store.refresh(sessions)
    calendar = BusinessCalendar()
    for shown, source in calendar.coverage(range(year - 1, year + 2)).items():
        print(f"{shown}: {source}", file=out)
    with sessions() as session:
        problems = calendar_store.verify_history(session)
    for problem in problems:
        print(f"import history BROKEN: {problem}", file=out)
    schedule = IMPORTED.get(year)
    if schedule is not None:
        notice = schedule.notice
        print(f"{year} as imported: {notice.title} ({notice.number}, {notice.url})", file=out)
    if not calendar.knows_year(year):
        print(
            f"{year}: no official schedule — deadlines in {year} are not computed until it is "
            f"imported (onestop calendar import FILE) / {year} 年安排尚未导入",
            file=out,
        )
        return EXIT_FAILED
    days = []
    for day in _dates(date(year, 1, 1), date(year, 12, 31)):
        try:
            days.append(calendar.day_info(day))
        except UnknownCalendarYear as exc:
            print(
                f"from {day}: unknown until the {exc.year} schedule is imported (its New Year "
                f"arrangement may move working days into late {year}) / {exc.message_zh}",
                file=out,
            )
            break
    off = [d for d in days if d.kind in (DayKind.HOLIDAY, DayKind.ADJUSTED_WORKDAY)]
    print(f"holidays and adjusted working days: {_ranges(off) or 'none'}", file=out)
    return EXIT_FAILED if problems else EXIT_OK
