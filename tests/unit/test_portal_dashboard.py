"""The administrator's dashboard: the backlog over time worked out from task times, the reasons
and the "outside office hours" note in the page's language, labels that fit their charts, and
the page itself rendered by the portal's own route against a stand-in platform in Chinese and
English (backlog and reasons tables, an SVG chart before each, no code in the visible text)."""

from __future__ import annotations

import itertools
import re
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

import grpc

from onestop.common.v1 import desk_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop_common.clock import SHANGHAI
from onestop_common.protoconv import timestamp
from onestop_common.settings import Settings
from portal import charts
from portal import dashboard as dash
from portal.app import create_app
from portal.backend import Unavailable
from portal.store import PortalStore
from tests.support.portal import offline_settings, portal_store, sign_in
from tests.unit.test_portal_desk_pages import SNAKE, visible

pytestmark = pytest.mark.db_independent

NOW = datetime.now(UTC)


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 12, day, hour, tzinfo=SHANGHAI)


def test_the_backlog_at_each_moment_counts_tasks_created_and_not_yet_decided() -> None:
    spans = [
        dash.TaskSpan(at(1, 9), at(2, 15)),  # waited over the night of the 1st
        dash.TaskSpan(at(2, 9), None),  # still waiting
        dash.TaskSpan(at(2, 10), at(2, 11)),  # decided the same morning
        dash.TaskSpan(at(3, 9), at(3, 9)),  # sent back automatically: never waited
    ]
    moments = [at(2, 0), at(3, 0), at(3, 12)]
    assert dash.backlog_at(spans, moments) == [1, 1, 1]
    half_past = timedelta(minutes=30)
    assert dash.backlog_at(spans, [at(2, 9) + half_past, at(2, 10) + half_past]) == [2, 3]


def test_a_task_span_ends_at_its_decision_and_an_open_task_has_none() -> None:
    task = desk_pb2.DeskTask(state=desk_pb2.TASK_STATE_DONE)
    task.created_at.CopyFrom(timestamp(at(1, 9)))
    task.decided_at.CopyFrom(timestamp(at(1, 15)))
    assert dash.task_span(task) == dash.TaskSpan(at(1, 9), at(1, 15))
    # Reopened after a correction: it waits again, whatever it was decided before.
    task.state = desk_pb2.TASK_STATE_OPEN
    assert dash.task_span(task) == dash.TaskSpan(at(1, 9), None)
    automatic = desk_pb2.DeskTask(state=desk_pb2.TASK_STATE_AWAITING_APPLICANT)
    automatic.created_at.CopyFrom(timestamp(at(1, 9)))
    assert dash.task_span(automatic) == dash.TaskSpan(at(1, 9), at(1, 9))


def test_the_day_ends_are_shanghai_midnights_then_now() -> None:
    now = at(3, 1).astimezone(UTC)  # 17:00 UTC on the 2nd
    ends = dash.day_ends(now, 3)
    assert ends == [at(2, 0), at(3, 0), now]
    assert [dash.moment_label(m, now, "en") for m in ends] == ["12-01", "12-02", "now"]


def test_no_office_time_is_said_in_words() -> None:
    all_outside = pb.StepStatistics(step="license", completed=3, without_office_time=3)
    assert dash.office_time_note(all_outside, "en") == (
        "cases ran outside office hours: working time 0"
    )
    assert "办公时间以外" in dash.office_time_note(all_outside, "zh")
    some = pb.StepStatistics(step="seal", completed=5, without_office_time=2)
    assert dash.office_time_note(some, "en").startswith("2 of 5 ran outside office hours")
    assert dash.office_time_note(pb.StepStatistics(completed=4), "en") == ""


def test_reasons_are_words_in_the_pages_language_never_codes() -> None:
    reasons = [
        pb.ReasonCount(
            kind="compensation",
            step="license",
            category="rejected",
            rule="name.prohibited_word",
            message_zh="名称含有禁用字词",
            message_en="the name has a prohibited word",
            count=4,
        ),
        pb.ReasonCount(kind="correction", step="seal", category="correction", count=2),
        pb.ReasonCount(kind="compensation", category="brand_new_code", count=1),
    ]
    zh = dash.reason_rows(reasons, "zh", lambda step: {"license": "营业执照"}.get(step, step))
    assert [(r.step, r.text, r.count) for r in zh[:1]] == [("营业执照", "名称含有禁用字词", 4)]
    en = dash.reason_rows(reasons, "en", str)
    assert [r.text for r in en] == [
        "the name has a prohibited word",
        "sent back to the applicant",
        "other reason",
    ]
    assert en[2].step == "whole case"
    assert not any(SNAKE.search(f"{r.kind} {r.text} {r.category}") for r in zh + en)


def test_a_long_label_widens_the_label_column_instead_of_being_cut() -> None:
    label = "处理受阻（已上报运维）"
    svg = charts.bar_chart("s", "t", [charts.Bar(label, 3, "3")], "none")
    assert f">{label}</text>" in svg
    x = float(re.search(r'<text x="([\d.]+)"[^>]*text-anchor="end"', svg).group(1))  # type: ignore[union-attr]
    assert x >= charts.text_width(label)


# The page, rendered by the portal's route against a stand-in platform.

DESK_COMPONENTS = ("registration", "seal", "invoice", "social_insurance", "bank")


def task(number: int, created_hours_ago: float, decided_hours_ago: float | None) -> Any:
    state = desk_pb2.TASK_STATE_OPEN if decided_hours_ago is None else desk_pb2.TASK_STATE_DONE
    t = desk_pb2.DeskTask(task_id=f"T-{number}", case_id=f"CASE{number:04d}", state=state)
    t.created_at.CopyFrom(timestamp(NOW - timedelta(hours=created_hours_ago)))
    if decided_hours_ago is not None:
        t.decided_at.CopyFrom(timestamp(NOW - timedelta(hours=decided_hours_ago)))
    return t


def busy_desk(desk: int) -> list[Any]:
    """A fortnight of a desk's work: a task every few hours, decided within a day or two, the
    latest still waiting (the same every run)."""
    tasks = []
    for number in range(14 * 24 // (5 + desk)):
        created = number * (5 + desk) + 2
        waited = (number * 7 + desk * 5) % (20 + 6 * desk) + 1
        tasks.append(task(number, created, created - waited if waited < created else None))
    return tasks


def statistics() -> pb.GetStatisticsResponse:
    response = pb.GetStatisticsResponse(days=14, breach_count=1)
    response.cases_by_state.update({"running": 3, "completed": 5, "compensated": 2, "stuck": 1})
    # step, limit (working days), done, in breach, working hours and wall-clock hours (median,
    # p95), done outside office hours (all three licenses: working time 0)
    for step, limit, done, breach, median, p95, wall_median, wall_p95, off_hours in (
        ("license", "1.5", 3, 0, 0.0, 0.0, 2.0, 9.0, 3),
        ("seal", "0.5", 2, 1, 1.5, 4.0, 1.5, 30.0, 0),
        ("invoice", "1", 4, 0, 2.0, 6.5, 4.0, 20.0, 0),
        ("social_insurance", "1", 4, 0, 1.0, 3.0, 2.0, 5.0, 0),
        ("bank", "1", 2, 0, 3.5, 8.0, 7.0, 50.0, 0),
        ("bundle", "0.5", 2, 0, 0.1, 0.2, 0.2, 0.2, 0),
    ):
        response.steps.add(
            step=step,
            limit_workdays=limit,
            completed=done,
            in_breach=breach,
            median_working_hours=median,
            p95_working_hours=p95,
            median_wall_hours=wall_median,
            p95_wall_hours=wall_p95,
            without_office_time=off_hours,
            limit_working_hours=float(limit) * 7,
        )
    today = NOW.astimezone(SHANGHAI).date()
    for k in range(13, -1, -1):
        response.cases_by_day.add(
            day=(today - timedelta(days=k)).isoformat(),
            submitted=3 + k % 4,
            in_progress=4 + (k * 5) % 7,
            completed=2 + k % 3,
            compensated=k % 5 // 3,
            failed=k % 7 // 5,
        )
    response.reasons.add(
        kind="compensation",
        step="license",
        category="rejected",
        rule="name.prohibited_word",
        message_zh="名称含有禁用字词",
        message_en="the name has a prohibited word",
        count=2,
    )
    response.reasons.add(kind="compensation", category="cancelled", count=1)
    response.reasons.add(kind="compensation", step="bank", category="retries_exhausted", count=1)
    response.reasons.add(
        kind="correction",
        step="seal",
        category="correction",
        rule="contact.phone",
        message_zh="联系人手机号码有误",
        message_en="the contact's mobile number is wrong",
        count=3,
    )
    breach = response.breaches.add(
        case_id="CASE0042", company_name="天津星海科技有限公司", step="seal", state="running"
    )
    breach.due_at.CopyFrom(timestamp(NOW - timedelta(hours=5)))
    return response


class FakePlatform:
    """The orchestrator and the five desk services as the dashboard calls them; the bank's desk
    does not answer. ``busy``: every desk answers with a fortnight of tasks (the screenshots)."""

    def __init__(self, busy: bool = False) -> None:
        self.queries: dict[str, desk_pb2.TaskQuery] = {}
        self.busy = busy

    def close(self) -> None:
        pass

    def call(self, account: Any, stub: Any, component: str, method: str, message: Any) -> Any:
        if component == "orchestrator" and method == "GetStatistics":
            return statistics()
        if component == "orchestrator" and method == "ListApplications":
            return pb.ListApplicationsResponse()
        assert component in DESK_COMPONENTS and method == "ListTasks", (component, method)
        self.queries[component] = message.query
        if self.busy:
            return desk_pb2.ListTasksResponse(tasks=busy_desk(DESK_COMPONENTS.index(component)))
        if component == "bank":
            raise Unavailable(grpc.StatusCode.UNAVAILABLE, "down")
        if component == "registration":
            tasks = [task(1, 72, None), task(2, 120, 48), task(3, 500, 400)]
        else:
            tasks = [task(4, 30, None)]
        return desk_pb2.ListTasksResponse(tasks=tasks)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return offline_settings(tmp_path_factory.mktemp("dashboard"))


@pytest.fixture(scope="module")
def store(settings: Settings) -> Iterator[PortalStore]:
    with portal_store(settings, [("ada", "admin", "")], cheap_hashing=True) as store:
        yield store


def admin_page(settings: Settings, store: PortalStore, lang: str) -> tuple[str, FakePlatform]:
    platform = FakePlatform()
    client = TestClient(create_app(settings, store=store, backend=platform), follow_redirects=False)  # type: ignore[arg-type]
    sign_in(client, "ada")
    client.cookies.set("lang", lang)
    response = client.get("/admin")
    assert response.status_code == 200, response.text[:500]
    return response.text, platform


def table(html: str, table_id: str) -> list[list[str]]:
    found = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S)
    assert found, f"no table {table_id}"
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", found.group(0), re.S)
    return [[visible(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)] for r in rows]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_dashboard_shows_backlog_reasons_and_their_charts(
    settings: Settings, store: PortalStore, lang: str
) -> None:
    html, platform = admin_page(settings, store, lang)
    zh = lang == "zh"
    # Each desk was asked for the tasks of the period only.
    assert set(platform.queries) == set(DESK_COMPONENTS)
    assert all(q.HasField("active_since") for q in platform.queries.values())

    now_rows = table(html, "backlog-now")
    officer = next(r for r in now_rows if r[0] == ("登记人员" if zh else "Registration officer"))
    assert officer[1] == "1"  # task 1 waits; task 2 was decided two days ago
    bank = next(r for r in now_rows if r[0] == ("银行柜员" if zh else "Bank clerk"))
    assert bank[1] == (
        "该岗位服务暂时无法访问，数据未知"
        if zh
        else ("This desk's service did not answer: figures unknown")
    )

    days = table(html, "backlog-days")
    assert days[0][:2] == (["日期", "登记人员"] if zh else ["Day", "Registration officer"])
    assert days[-1][0] == ("现在" if zh else "now") and days[-1][1] == "1"
    three_days_ago = f"{(NOW - timedelta(days=3)).astimezone(SHANGHAI):%m-%d}"
    by_day = {row[0]: row[1] for row in days[1:]}
    # At the end of the day three days ago both task 1 (created that day) and task 2 waited.
    assert by_day[three_days_ago] == "2"
    assert len(days) == 1 + 14 and "Bank clerk" not in days[0]

    reasons = table(html, "reason-table")
    assert reasons[1][1:] == (
        ["营业执照", "名称含有禁用字词 （审批部门不予通过）", "2"]
        if zh
        else ["Business license", "the name has a prohibited word (refused at the step)", "2"]
    )
    assert reasons[2][1:3] == (
        ["整个案件", "申请人撤回"] if zh else ["whole case", "withdrawn by the applicant"]
    )

    # A chart before each table: backlog now and over time, by state, by day, reasons, times,
    # breaches; the SVG says what it shows.
    for chart in ("backlog-now", "backlog-days", "by-state", "by-day", "reasons", "times"):
        assert re.search(rf'<svg class="chart"[^>]*aria-labelledby="{chart}-t {chart}-d"', html)
    text = visible(html)
    note = (
        "案件均在办公时间以外办理：工作时间为 0"
        if zh
        else "cases ran outside office hours: working time 0"
    )
    assert note in text
    assert "CASE0042" in text and ("超过法定时限：1" in text if zh else "last 14 days: 1" in text)
    assert not SNAKE.findall(text), SNAKE.findall(text)


def test_a_line_chart_names_its_latest_moment_and_spaces_its_labels() -> None:
    labels = [f"12-{day:02d}" for day in range(1, 14)] + ["now"]
    svg = charts.line_chart("c", "t", labels, [charts.Series("a", list(range(14)), "s0")], "none")
    drawn = re.findall(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="middle">([^<]+)</text>', svg)
    assert drawn[0][1] == "12-01" and drawn[-1][1] == "now"
    xs = [float(x) for x, _ in drawn]
    widest = charts.text_width("12-01")
    assert all(b - a >= widest for a, b in itertools.pairwise(xs))
    assert all(x + widest / 2 <= charts.WIDTH for x in xs)


def test_a_reason_too_long_for_a_label_column_stands_whole_above_its_bar() -> None:
    reason = "Business license · the name has a prohibited word (refused at the step)"
    svg = charts.bar_chart("r", "t", [charts.Bar(reason, 2, "2")], "none")
    lines = re.findall(r'<text x="0" y="[\d.]+">([^<]+)</text>', svg)
    assert " ".join(lines) == reason and "…" not in svg
    assert all(charts.text_width(line) <= charts.WIDTH for line in lines)
    chinese = "营业执照 · " + "名称含有禁用字词" * 6
    # Broken between characters, or at the space after the step (the space is the break).
    assert "".join(charts.wrap(chinese, 200)).replace(" ", "") == chinese.replace(" ", "")
    assert all(charts.text_width(line) <= 200 for line in charts.wrap(chinese, 200))
