"""The administrator's page: cases by state, steps past their limits, working time per step
against its limit, and the latest cases."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop_common.identity import Role
from portal import charts
from portal.i18n import enum_label, translator
from portal.views import case_view
from portal.web import (
    call_orchestrator,
    lang_of,
    render,
    require,
)


async def admin_page(request: Request) -> Response:
    account = await require(request, {Role.ADMIN})
    stats = await call_orchestrator(
        request,
        account,
        "GetStatistics",
        pb.GetStatisticsRequest(),
    )
    recent = await call_orchestrator(
        request,
        account,
        "ListApplications",
        pb.ListApplicationsRequest(page_size=20),
    )
    lang = lang_of(request)
    t = translator(lang)
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
    step_label = lambda name: t(f"step.{name}") if f"step.{name}" in _STEP_KEYS else name  # noqa: E731
    breach_bars = [
        charts.Bar(step_label(s.step), s.in_breach, str(s.in_breach), "breach") for s in stats.steps
    ]
    times = [
        charts.StepTimes(
            step_label(s.step),
            s.median_working_hours,
            s.p95_working_hours,
            float(s.limit_workdays or 0) * 7,
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
        breach_chart=charts.bar_chart(
            "breaches", t("admin.breaches"), breach_bars, t("admin.no_data")
        ),
        times_chart=charts.times_chart("times", t("admin.times"), times, legend),
        times=times,
        recent=[case_view(a, lang) for a in recent.applications],
        step_label=step_label,
    )


_STEP_KEYS = frozenset(
    f"step.{name}" for name in ("license", "seal", "invoice", "social_insurance", "bank", "bundle")
)


def routes() -> list[BaseRoute]:
    return [Route("/admin", admin_page)]
