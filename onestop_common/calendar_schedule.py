"""A year's official holiday schedule as data: the State Council's notice (国务院办公厅关于
某年部分节假日安排的通知) turned into holidays and adjusted working days (调休), validated before
an operator may import it, and the process-wide registry every ``BusinessCalendar`` consults.

The schedule is published each autumn for the coming year; the ``chinesecalendar`` library only
knows a year once a release ships it. An imported year overrides the library where both know it.

The file format (JSON, UTF-8)::

    {
      "year": 2027,
      "notice": {"title": "…", "number": "国办发明电〔2026〕…号", "date": "2026-11-…",
                 "url": "https://www.gov.cn/…"},
      "holidays": [{"name": "元旦", "name_en": "New Year's Day", "days": ["2027-01-01", …]}, …],
      "adjusted_working_days": [{"name": "春节", "day": "2027-02-…"}, …]
    }

``holidays`` lists every day off of each holiday (weekend days inside the break included);
``adjusted_working_days`` the Saturdays and Sundays worked instead. Every other day of the year is
a working day from Monday to Friday and a rest day on Saturday and Sunday.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

# The New Year arrangement of a year may reach back into the previous December (the Saturday
# before the week of 1 January is never earlier than 26 December).
REACH_BACK = (12, 26)
FIRST_YEAR, LAST_YEAR = 2000, 2100


class ScheduleError(ValueError):
    """The file is not a usable schedule; ``problems`` lists every reason, in both languages."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Notice:
    """The official notice a schedule comes from."""

    title: str
    number: str
    published: date
    url: str


@dataclass(frozen=True)
class YearSchedule:
    year: int
    notice: Notice
    # Day → the holiday it belongs to (Chinese name; English where given).
    holidays: Mapping[date, str]
    adjusted_working_days: Mapping[date, str]
    names_en: Mapping[str, str] = field(default_factory=dict)

    @property
    def first_day(self) -> date:
        return date(self.year - 1, *REACH_BACK)

    def covers(self, day: date) -> bool:
        """Whether this schedule decides ``day``: its own year, and late December before it when
        the schedule names that day."""
        if day.year == self.year:
            return True
        return day in self.holidays or day in self.adjusted_working_days

    def to_json(self) -> dict[str, Any]:
        """The canonical file form (sorted), from which ``sha256`` is computed."""
        groups: dict[str, list[str]] = {}
        for day, name in sorted(self.holidays.items()):
            groups.setdefault(name, []).append(day.isoformat())
        return {
            "year": self.year,
            "notice": {
                "title": self.notice.title,
                "number": self.notice.number,
                "date": self.notice.published.isoformat(),
                "url": self.notice.url,
            },
            "holidays": [
                {"name": name, "name_en": self.names_en.get(name, ""), "days": days}
                for name, days in groups.items()
            ],
            "adjusted_working_days": [
                {"name": name, "day": day.isoformat()}
                for day, name in sorted(self.adjusted_working_days.items())
            ],
        }

    @property
    def sha256(self) -> str:
        canonical = json.dumps(self.to_json(), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def counts(self) -> dict[str, int]:
        """How the year's days divide: every date of the year accounted for."""
        counts = {"working": 0, "adjusted_working": 0, "weekend": 0, "holiday": 0}
        day = date(self.year, 1, 1)
        while day.year == self.year:
            if day in self.holidays:
                counts["holiday"] += 1
            elif day in self.adjusted_working_days:
                counts["adjusted_working"] += 1
            elif day.weekday() >= 5:
                counts["weekend"] += 1
            else:
                counts["working"] += 1
            day += timedelta(days=1)
        return counts


def parse_schedule(data: Any) -> YearSchedule:
    """A validated schedule from the file's JSON; ScheduleError names every problem."""
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise ScheduleError(["文件应为一个 JSON 对象 / the file must hold one JSON object"])
    year = data.get("year")
    if not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ScheduleError(
            [
                f"year 应为 {FIRST_YEAR}–{LAST_YEAR} 的整数 / year must be a whole number "
                f"{FIRST_YEAR} to {LAST_YEAR}, got {str(year)[:20]!r}"
            ]
        )
    notice = _notice(data.get("notice"), year, problems)
    holidays, names_en = _holidays(data.get("holidays"), year, problems)
    adjusted = _adjusted(data.get("adjusted_working_days"), year, problems)
    for day in sorted(set(holidays) & set(adjusted)):
        problems.append(
            f"{day} 既是假日又是调休上班日 / {day} is both a holiday and an adjusted working day"
        )
    if date(year, 1, 1) not in holidays:
        problems.append(
            f"{year}-01-01（元旦）不在假日中 / {year}-01-01 (New Year's Day) is not a holiday"
        )
    if problems or notice is None:
        raise ScheduleError(problems)
    return YearSchedule(year, notice, holidays, adjusted, names_en)


def load_schedule_file(text: str) -> YearSchedule:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ScheduleError(
            [f"不是有效的 JSON（第 {error.lineno} 行）/ not valid JSON (line {error.lineno})"]
        ) from None
    return parse_schedule(data)


def _notice(raw: Any, year: int, problems: list[str]) -> Notice | None:
    if not isinstance(raw, Mapping):
        problems.append("缺少 notice（通知的标题、文号、日期、网址）/ notice is missing")
        return None
    found = {}
    for key in ("title", "number", "date", "url"):
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip() or len(value) > 500:
            problems.append(f"notice.{key} 必填 / notice.{key} is required (1–500 characters)")
        else:
            found[key] = value.strip()
    if len(found) < 4:
        return None
    published = _day(found["date"], "notice.date", problems)
    if not found["url"].startswith(("https://", "http://")):
        problems.append("notice.url 应为网址 / notice.url must be an http(s) address")
    if published is not None and published >= date(year + 1, 1, 1):
        problems.append("通知日期不能晚于该年度 / notice.date cannot be after the year it arranges")
    if published is None:
        return None
    return Notice(found["title"], found["number"], published, found["url"])


def _holidays(raw: Any, year: int, problems: list[str]) -> tuple[dict[date, str], dict[str, str]]:
    holidays: dict[date, str] = {}
    names_en: dict[str, str] = {}
    if not isinstance(raw, list) or not raw:
        problems.append("holidays 应为非空列表 / holidays must be a non-empty list")
        return holidays, names_en
    for n, item in enumerate(raw):
        where = f"holidays[{n}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            problems.append(f"{where} 需要 name 与 days / {where} needs a name and days")
            continue
        name = item["name"].strip()[:50]
        names_en[name] = str(item.get("name_en", ""))[:80]
        days = item.get("days")
        if not isinstance(days, list) or not days:
            problems.append(f"{where}.days 应为非空日期列表 / {where}.days must list dates")
            continue
        for text in days:
            day = _day(text, f"{where}.days", problems)
            if day is None:
                continue
            if not _in_range(day, year):
                problems.append(_outside(day, year, f"{where}.days"))
            elif day in holidays:
                problems.append(f"{day} 重复列出 / {day} is listed twice")
            else:
                holidays[day] = name
    return holidays, names_en


def _adjusted(raw: Any, year: int, problems: list[str]) -> dict[date, str]:
    adjusted: dict[date, str] = {}
    if raw is None:
        return adjusted
    if not isinstance(raw, list):
        problems.append("adjusted_working_days 应为列表 / adjusted_working_days must be a list")
        return adjusted
    for n, item in enumerate(raw):
        where = f"adjusted_working_days[{n}]"
        if not isinstance(item, Mapping):
            problems.append(f"{where} 需要 name 与 day / {where} needs a name and a day")
            continue
        day = _day(item.get("day"), f"{where}.day", problems)
        if day is None:
            continue
        if not _in_range(day, year):
            problems.append(_outside(day, year, f"{where}.day"))
        elif day.weekday() < 5:
            # A weekday is worked anyway: calling it "adjusted" contradicts the calendar.
            problems.append(
                f"{where}：{day} 是工作日，调休上班日只能是周六或周日 / {where}: {day} is a "
                f"weekday; an adjusted working day is a Saturday or Sunday"
            )
        elif day in adjusted:
            problems.append(f"{day} 重复列出 / {day} is listed twice")
        else:
            adjusted[day] = str(item.get("name", "")).strip()[:50]
    return adjusted


def _day(text: Any, where: str, problems: list[str]) -> date | None:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        problems.append(
            f"{where}：{str(text)[:20]!r} 不是 YYYY-MM-DD 日期 / {where}: "
            f"{str(text)[:20]!r} is not a YYYY-MM-DD date"
        )
        return None


def _in_range(day: date, year: int) -> bool:
    return date(year - 1, *REACH_BACK) <= day <= date(year, 12, 31)


def _outside(day: date, year: int, where: str) -> str:
    first = date(year - 1, *REACH_BACK)
    return (
        f"{where}：{day} 不在 {first}–{year}-12-31 之内 / {where}: {day} is outside "
        f"{first} to {year}-12-31"
    )


class ScheduleRegistry:
    """The imported schedules this process knows, by year; ``version`` moves on every change so
    calendars drop what they cached. Thread-safe."""

    def __init__(self, schedules: Iterable[YearSchedule] = ()) -> None:
        self._lock = threading.Lock()
        self._by_year: dict[int, YearSchedule] = {s.year: s for s in schedules}
        self.version = 0

    def get(self, year: int) -> YearSchedule | None:
        return self._by_year.get(year)

    def years(self) -> list[int]:
        return sorted(self._by_year)

    def replace_all(self, schedules: Iterable[YearSchedule]) -> bool:
        """Sets the known schedules; True if anything changed."""
        new = {s.year: s for s in schedules}
        with self._lock:
            same = {y: s.sha256 for y, s in new.items()} == {
                y: s.sha256 for y, s in self._by_year.items()
            }
            if same:
                return False
            self._by_year = new
            self.version += 1
            return True

    def add(self, schedule: YearSchedule) -> None:
        with self._lock:
            self._by_year[schedule.year] = schedule
            self.version += 1


# The schedules of this process: the orchestrator loads them from its database, the services
# from the orchestrator. Every BusinessCalendar made without its own registry reads this one.
IMPORTED = ScheduleRegistry()
