"""The administrator's page: each desk's backlog now and over the last days, cases by state and
by day, the top reasons for compensation and correction, working and wall-clock time per step
against its limit, SLA breaches, the business calendar and the latest cases. Every chart is
followed by a table with the same figures."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from onestop.common.v1 import desk_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop_common.clock import SHANGHAI
from onestop_common.identity import Role
from onestop_common.protoconv import from_timestamp, timestamp
from portal import charts
from portal import dashboard as dash
from portal.backend import BackendError
from portal.desks import DESKS, DeskSpec
from portal.i18n import enum_label, translator
from portal.store import Account
from portal.views import case_view, when
from portal.web import call, call_orchestrator, lang_of, portal_of, render, require

# The period the figures over time cover.
DAYS = 14
# A desk's tasks of the period are read in pages of 200, at most this many pages.
MAX_PAGES = 10
ALL_TASK_STATES = [s for s in desk_pb2.TaskState.values() if s]
STEPS = ("license", "seal", "invoice", "social_insurance", "bank", "bundle")
_STEP_KEYS = frozenset(f"step.{name}" for name in STEPS)
CASE_SERIES = ("submitted", "in_progress", "completed", "compensated", "failed")


async def admin_page(request: Request) -> Response:
    account = await require(request, {Role.ADMIN})
    lang = lang_of(request)
    plain = translator(lang)

    def t(key: str) -> str:
        return plain(key).replace("{days}", str(DAYS))

    # Business time, as the platform keeps it (a demo or test platform may run it ahead).
    now = portal_of(request).settings.clock().now().astimezone(SHANGHAI)
    moments = dash.day_ends(now, DAYS)
    stats, recent, *desk_tasks = await asyncio.gather(
        call_orchestrator(request, account, "GetStatistics", pb.GetStatisticsRequest(days=DAYS)),
        call_orchestrator(
            request, account, "ListApplications", pb.ListApplicationsRequest(page_size=20)
        ),
        *(_desk_tasks(request, account, spec, moments[0]) for spec in DESKS.values()),
    )

    def step_label(name: str) -> str:
        return t(f"step.{name}") if f"step.{name}" in _STEP_KEYS else name

    by_state = sorted(stats.cases_by_state.items(), key=lambda item: -item[1])
    state_bars = [
        charts.Bar(
            enum_label("case_state", state.upper(), lang),
            count,
            f"{count} {t('admin.cases')}",
            f"state-{state}",
        )
        for state, count in by_state
    ]
    backlog = _backlog(t, moments, now, lang, desk_tasks)
    days = [_day_label(day.day) for day in stats.cases_by_day]
    case_chart = charts.line_chart(
        "by-day",
        t("admin.by_day"),
        days,
        [
            charts.Series(
                t(f"admin.series.{name}"),
                [getattr(day, name) for day in stats.cases_by_day],
                f"series-{i}",
            )
            for i, name in enumerate(CASE_SERIES)
        ],
        t("admin.no_data"),
    )
    reasons = dash.reason_rows(stats.reasons, lang, step_label)
    reason_bars = [
        charts.Bar(f"{r.step} · {r.text}", r.count, str(r.count), "breach") for r in reasons
    ]
    breach_bars = [
        charts.Bar(step_label(s.step), s.in_breach, str(s.in_breach), "breach") for s in stats.steps
    ]
    times = [
        charts.StepTimes(
            step_label(s.step),
            s.median_working_hours,
            s.p95_working_hours,
            s.limit_working_hours or float(s.limit_workdays or 0) * 7,
        )
        for s in stats.steps
    ]
    legend = {"median": t("admin.median"), "p95": t("admin.p95"), "limit": t("admin.limit")}
    return render(
        request,
        "admin.html",
        stats=stats,
        by_state=by_state,
        state_chart=charts.bar_chart(
            "by-state", t("admin.by_state"), state_bars, t("admin.no_data")
        ),
        backlog=backlog,
        case_chart=case_chart,
        case_series=CASE_SERIES,
        case_days=list(zip(days, stats.cases_by_day, strict=True)),
        reasons=reasons,
        reason_chart=charts.bar_chart(
            "reasons", t("admin.reasons"), reason_bars, t("admin.no_reasons")
        ),
        breach_chart=charts.bar_chart(
            "breaches", t("admin.breaches"), breach_bars, t("admin.no_data")
        ),
        breaches=[_breach_row(b, lang, step_label) for b in stats.breaches],
        times_chart=charts.times_chart("times", t("admin.times"), times, legend),
        times=times,
        notes={s.step: dash.office_time_note(s, lang) for s in stats.steps},
        recent=[case_view(a, lang) for a in recent.applications],
        step_label=step_label,
        titles={key: t(f"admin.{key}") for key in ("backlog_days", "by_day", "no_reasons")},
    )


async def _desk_tasks(
    request: Request, account: Account, spec: DeskSpec, since: datetime
) -> list[desk_pb2.DeskTask] | None:
    """The desk's tasks undecided or decided since ``since``; None if the desk did not answer."""
    tasks: list[desk_pb2.DeskTask] = []
    token = ""
    query = desk_pb2.TaskQuery(states=ALL_TASK_STATES, page_size=200)
    query.active_since.CopyFrom(timestamp(since))
    for _ in range(MAX_PAGES):
        query.page_token = token
        try:
            page = await call(
                request,
                account,
                spec.stub,
                spec.component,
                "ListTasks",
                spec.messages.ListTasksRequest(query=query),
            )
        except BackendError:
            return None
        tasks.extend(page.tasks)
        token = page.next_page_token
        if not token:
            break
    return tasks


def _backlog(
    t: Any,
    moments: list[datetime],
    now: datetime,
    lang: str,
    desk_tasks: list[list[desk_pb2.DeskTask] | None],
) -> dict[str, Any]:
    """Each desk's queue now (a bar chart and a table) and at the end of each day (a line per
    desk and a table with a column per desk)."""
    rows, series = [], []
    for i, ((slug, _spec), tasks) in enumerate(zip(DESKS.items(), desk_tasks, strict=True)):
        label = t(f"role.{slug}")
        if tasks is None:
            rows.append(dash.DeskNow(slug, label, unavailable=True))
            continue
        rows.append(dash.desk_now(slug, label, tasks, now))
        spans = [span for span in map(dash.task_span, tasks) if span is not None]
        series.append(charts.Series(label, dash.backlog_at(spans, moments), f"series-{i}"))
    labels = [dash.moment_label(m, now, lang) for m in moments]
    bars = [
        charts.Bar(r.label, r.waiting, f"{r.waiting} {t('admin.tasks')}")
        for r in rows
        if not r.unavailable
    ]
    return {
        "now": rows,
        "chart_now": charts.bar_chart(
            "backlog-now", t("admin.backlog_now"), bars, t("admin.no_data")
        ),
        "chart_days": charts.line_chart(
            "backlog-days", t("admin.backlog_days"), labels, series, t("admin.no_data")
        ),
        "series": series,
        "days": [(label, [s.values[i] for s in series]) for i, label in enumerate(labels)],
    }


def _day_label(day: str) -> str:
    """A day of the period on an axis: "12-03" for "2026-12-03"."""
    return day[5:] if len(day) == 10 else day


def _breach_row(breach: pb.SlaBreach, lang: str, step_label: Any) -> dict[str, str]:
    due = from_timestamp(breach.due_at)
    finished = from_timestamp(breach.finished_at)
    return {
        "case_id": breach.case_id,
        "company": breach.company_name,
        "step": step_label(breach.step) if breach.step else dash.whole_case(lang),
        "due": when(due),
        "finished": when(finished),
        "state": enum_label("case_state", breach.state.upper(), lang),
    }


def routes() -> list[BaseRoute]:
    return [Route("/admin", admin_page)]
