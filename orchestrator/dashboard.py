"""The dashboard's figures from the saga store's facts, as pure functions of plain records: cases
by day, the most frequent reasons for compensation and correction, and a step's times.

The GetStatistics handler (``orchestrator.api``) reads the rows and maps the results to protobuf;
everything here is tested with fixed data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from onestop_common.clock import SHANGHAI

# The finished states a day counts apart; any other state is "in progress" until finished_at.
FINISHED_STATES = ("completed", "compensated", "failed")
# The reasons a case was undone, as the engine codes them (engine.flow._fail), and the kind of
# reason sent back to the applicant.
COMPENSATION, CORRECTION = "compensation", "correction"


@dataclass(frozen=True)
class CaseTimes:
    submitted_at: datetime
    finished_at: datetime | None
    state: str


@dataclass(frozen=True)
class DayCounts:
    day: date
    submitted: int = 0
    in_progress: int = 0
    completed: int = 0
    compensated: int = 0
    failed: int = 0


def period_days(today: date, days: int) -> list[date]:
    """The ``days`` calendar days up to and including ``today``, oldest first."""
    return [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def cases_by_day(cases: Iterable[CaseTimes], days: Sequence[date]) -> list[DayCounts]:
    """Per day (Asia/Shanghai): cases submitted that day, under way at its end (submitted by
    then and not finished by then), and finished that day by how they ended. A finished case
    without a finishing time counts as under way from its submission on."""
    if not days:
        return []
    index = {day: i for i, day in enumerate(days)}
    submitted = [0] * len(days)
    finished = [Counter[str]() for _ in days]
    # Cases under way at the end of day i: started on or before it, not finished by then.
    starts = [0] * (len(days) + 1)
    for case in cases:
        start_day = case.submitted_at.astimezone(SHANGHAI).date()
        end_day = (
            case.finished_at.astimezone(SHANGHAI).date() if case.finished_at is not None else None
        )
        if start_day in index:
            submitted[index[start_day]] += 1
        if end_day is not None and end_day in index and case.state in FINISHED_STATES:
            finished[index[end_day]][case.state] += 1
        first = 0 if start_day < days[0] else index.get(start_day)
        if first is None:
            continue  # submitted after the period
        last = len(days) if end_day is None or end_day > days[-1] else index.get(end_day, -1)
        if last > first:
            starts[first] += 1
            starts[last] -= 1
    result, running = [], 0
    for i, day in enumerate(days):
        running += starts[i]
        result.append(
            DayCounts(
                day,
                submitted=submitted[i],
                in_progress=running,
                completed=finished[i]["completed"],
                compensated=finished[i]["compensated"],
                failed=finished[i]["failed"],
            )
        )
    return result


@dataclass(frozen=True)
class Reason:
    """One compensation or correction: which step, which category, which rule and its words."""

    kind: str
    step: str
    category: str
    rule: str = ""
    message_zh: str = ""
    message_en: str = ""


@dataclass(frozen=True)
class ReasonGroup:
    reason: Reason
    count: int


def top_reasons(reasons: Iterable[Reason], n: int = 10) -> list[ReasonGroup]:
    """The ``n`` most frequent reasons of each kind, grouped by step, category and rule, most
    frequent first (ties: by kind, step, category, rule). A group's words are the first non-empty
    ones given for its rule."""
    counts: Counter[tuple[str, str, str, str]] = Counter()
    words: dict[tuple[str, str, str, str], tuple[str, str]] = {}
    for r in reasons:
        key = (r.kind, r.step, r.category, r.rule)
        counts[key] += 1
        if key not in words or not any(words[key]):
            words[key] = (r.message_zh, r.message_en)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    taken: Counter[str] = Counter()
    groups = []
    for key, count in ordered:
        if taken[key[0]] >= n:
            continue
        taken[key[0]] += 1
        zh, en = words[key]
        groups.append(ReasonGroup(Reason(*key, message_zh=zh, message_en=en), count))
    return groups


@dataclass(frozen=True)
class StepRun:
    """A done step's time from dispatch to done: office time (working hours) and wall-clock."""

    working_hours: float
    wall_hours: float


@dataclass(frozen=True)
class StepTimes:
    completed: int
    median_working_hours: float
    p95_working_hours: float
    median_wall_hours: float
    p95_wall_hours: float
    # Runs with no office time at all although wall-clock time passed (outside office hours).
    without_office_time: int


def step_times(runs: Sequence[StepRun]) -> StepTimes:
    working = sorted(r.working_hours for r in runs)
    wall = sorted(r.wall_hours for r in runs)
    return StepTimes(
        completed=len(runs),
        median_working_hours=median(working),
        p95_working_hours=percentile(working, 0.95),
        median_wall_hours=median(wall),
        p95_wall_hours=percentile(wall, 0.95),
        without_office_time=sum(1 for r in runs if r.working_hours == 0 and r.wall_hours > 0),
    )


def median(values: Sequence[float]) -> float:
    """The median of sorted ``values``; 0 for none."""
    if not values:
        return 0.0
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle]) / 2


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q`` quantile of sorted ``values``; 0 for none."""
    if not values:
        return 0.0
    index = min(len(values) - 1, max(0, round(q * (len(values) - 1))))
    return values[index]
