"""GetStatistics' answer: reads the saga store (columns, never whole cases with their sealed forms)
and hands the facts to the pure functions of ``orchestrator.dashboard``."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from onestop.common.v1 import common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop_common.calendar import BusinessCalendar, CalendarError
from onestop_common.clock import SHANGHAI
from onestop_common.protoconv import timestamp
from orchestrator import dashboard as d
from orchestrator import engine as e
from orchestrator.definition import SagaDef
from orchestrator.models import AuditEntry, Saga, SagaStep

DEFAULT_DAYS = 14
MAX_DAYS = 90
# Step times are taken from the latest cases, whatever the period.
LATEST_CASES = 2000
TOP_REASONS = 10
MAX_BREACHES = 50


def period(days: int) -> int:
    return DEFAULT_DAYS if days <= 0 else min(days, MAX_DAYS)


def statistics(
    session: Session, definition: SagaDef, calendar: BusinessCalendar, now: datetime, days: int
) -> pb.GetStatisticsResponse:
    days = period(days)
    response = pb.GetStatisticsResponse(days=days)
    _by_state(session, response)
    day_list = d.period_days(now.astimezone(SHANGHAI).date(), days)
    start = datetime.combine(day_list[0], datetime.min.time(), SHANGHAI)
    open_or_recent = or_(Saga.finished_at.is_(None), Saga.finished_at >= start)
    cases = session.execute(
        select(
            Saga.id,
            Saga.submitted_at,
            Saga.finished_at,
            Saga.state,
            Saga.compensation_reason,
            Saga.rejections,
            Saga.company_name,
            Saga.breached,
            Saga.due_at,
        ).where(open_or_recent)
    ).all()
    for day in d.cases_by_day(
        (d.CaseTimes(c.submitted_at, c.finished_at, c.state) for c in cases), day_list
    ):
        response.cases_by_day.add(
            day=day.day.isoformat(),
            submitted=day.submitted,
            in_progress=day.in_progress,
            completed=day.completed,
            compensated=day.compensated,
            failed=day.failed,
        )
    # Cases still open, or finished within the period.
    in_period = {c.id: c for c in cases}
    steps = session.execute(
        select(
            SagaStep.saga_id,
            SagaStep.name,
            SagaStep.state,
            SagaStep.breached,
            SagaStep.due_at,
            SagaStep.finished_at,
            SagaStep.rejections,
        ).where(SagaStep.saga_id.in_(select(Saga.id).where(open_or_recent)))
    ).all()
    steps = [s for s in steps if s.saga_id in in_period]
    words = _rule_words([c.rejections for c in in_period.values()] + [s.rejections for s in steps])
    failed_step = {s.saga_id: s.name for s in steps if s.state == e.STEP_FAILED}
    reasons = list(_compensations(in_period.values(), failed_step))
    reasons += _corrections(session, start, words)
    for group in d.top_reasons(reasons, TOP_REASONS):
        r = group.reason
        response.reasons.add(
            kind=r.kind,
            step=r.step,
            category=r.category,
            rule=r.rule,
            message_zh=r.message_zh,
            message_en=r.message_en,
            count=group.count,
        )
    _breaches(response, in_period, steps)
    _step_times(session, response, definition, calendar)
    return response


def _by_state(session: Session, response: pb.GetStatisticsResponse) -> None:
    for state, count in session.execute(
        select(Saga.state, func.count()).group_by(Saga.state)
    ).all():
        response.cases_by_state[state] = count
    # A running case with a stuck step counts as stuck: it needs an operator.
    stuck = session.scalar(
        select(func.count(func.distinct(SagaStep.saga_id)))
        .join(Saga, Saga.id == SagaStep.saga_id)
        .where(Saga.state == e.RUNNING, SagaStep.state == e.STEP_STUCK)
    )
    if stuck:
        response.cases_by_state[e.RUNNING] -= stuck
        response.cases_by_state[e.STUCK] += stuck


def _rejections(data: bytes | None) -> list[common_pb2.Rejection]:
    return list(common_pb2.Rejections.FromString(data).rejections) if data else []


def _rule_words(blobs: Iterable[bytes | None]) -> dict[str, tuple[str, str]]:
    """Each rule's words (Chinese, English) as a participant last gave them."""
    words: dict[str, tuple[str, str]] = {}
    for blob in blobs:
        for r in _rejections(blob):
            if r.rule and (r.message_zh or r.message_en):
                words[r.rule] = (r.message_zh, r.message_en)
    return words


def _compensations(cases: Iterable[Any], failed_step: dict[str, str]) -> Iterable[d.Reason]:
    """One reason per case undone (or failed), or one per rule its refusal named."""
    for case in cases:
        code = case.compensation_reason
        if not code:
            continue
        step = failed_step.get(case.id, "")
        found = _rejections(case.rejections) if code == "rejected" else []
        rules = {r.rule: r for r in found if r.rule}
        if not rules:
            yield d.Reason(d.COMPENSATION, step, code)
        for rule, r in rules.items():
            yield d.Reason(d.COMPENSATION, step, code, rule, r.message_zh, r.message_en)


def _corrections(
    session: Session, start: datetime, words: dict[str, tuple[str, str]]
) -> list[d.Reason]:
    found = []
    for step, detail in session.execute(
        select(AuditEntry.step, AuditEntry.detail).where(
            AuditEntry.action == "correction_requested", AuditEntry.at >= start
        )
    ).all():
        try:
            rules = json.loads(detail).get("rules") or [] if detail else []
        except (ValueError, AttributeError):
            rules = []
        if not rules:
            found.append(d.Reason(d.CORRECTION, step, d.CORRECTION))
        for rule in dict.fromkeys(rules):
            zh, en = words.get(rule, ("", ""))
            found.append(d.Reason(d.CORRECTION, step, d.CORRECTION, rule, zh, en))
    return found


def _breaches(
    response: pb.GetStatisticsResponse, cases: dict[str, Any], steps: Sequence[Any]
) -> None:
    rows: list[tuple[datetime, pb.SlaBreach]] = []
    for case in cases.values():
        if case.breached:
            rows.append(_breach(case, "", case.due_at, case.finished_at))
    for s in steps:
        if s.breached:
            rows.append(_breach(cases[s.saga_id], s.name, s.due_at, s.finished_at))
    rows.sort(key=lambda row: row[0], reverse=True)
    response.breach_count = len(rows)
    response.breaches.extend(b for _, b in rows[:MAX_BREACHES])


def _breach(
    case: Any, step: str, due_at: datetime | None, finished_at: datetime | None
) -> tuple[datetime, pb.SlaBreach]:
    breach = pb.SlaBreach(
        case_id=case.id, company_name=case.company_name, step=step, state=case.state
    )
    if due_at is not None:
        breach.due_at.CopyFrom(timestamp(due_at))
    if finished_at is not None:
        breach.finished_at.CopyFrom(timestamp(finished_at))
    return (due_at or datetime.min.replace(tzinfo=SHANGHAI)), breach


def _step_times(
    session: Session,
    response: pb.GetStatisticsResponse,
    definition: SagaDef,
    calendar: BusinessCalendar,
) -> None:
    latest = select(Saga.id).order_by(Saga.submitted_at.desc()).limit(LATEST_CASES).subquery()
    runs: dict[str, list[d.StepRun]] = defaultdict(list)
    breaches: dict[str, int] = defaultdict(int)
    for name, state, breached, started_at, finished_at in session.execute(
        select(
            SagaStep.name,
            SagaStep.state,
            SagaStep.breached,
            SagaStep.started_at,
            SagaStep.finished_at,
        ).where(SagaStep.saga_id.in_(select(latest.c.id)))
    ).all():
        breaches[name] += int(breached)
        if state != e.DONE or started_at is None or finished_at is None:
            continue
        try:
            worked = calendar.working_time_between(started_at, finished_at)
        except CalendarError:
            continue  # its days are not in the calendar yet: not counted
        wall = max(timedelta(0), finished_at - started_at)
        runs[name].append(d.StepRun(worked.total_seconds() / 3600, wall.total_seconds() / 3600))
    hours_per_day = float(calendar.hours_per_day)
    for step_def in definition.steps:
        times = d.step_times(runs[step_def.name])
        response.steps.append(
            pb.StepStatistics(
                step=step_def.name,
                limit_workdays=str(step_def.limit),
                completed=times.completed,
                in_breach=breaches[step_def.name],
                median_working_hours=times.median_working_hours,
                p95_working_hours=times.p95_working_hours,
                median_wall_hours=times.median_wall_hours,
                p95_wall_hours=times.p95_wall_hours,
                without_office_time=times.without_office_time,
                limit_working_hours=float(step_def.limit) * hours_per_day,
            )
        )
