"""GetStatistics' figures read from a real saga store (SQLite) after cases the engine ran on a
fake clock: a case that ran on a Saturday evening (wall-clock time, no office time), one refused
by the license step (a compensation reason with the rule's words) and one sent back for
correction (a correction reason from the audit trail)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from onestop.common.v1 import common_pb2
from onestop_common.clock import SHANGHAI
from orchestrator import dashboard_query
from orchestrator.open_company import OPEN_COMPANY
from tests.support.saga_harness import Harness, Outcome

pytestmark = pytest.mark.db_independent

# Saturday 2026-11-28, 20:00: no office hours until Monday.
SATURDAY_EVENING = datetime(2026, 11, 28, 20, 0, tzinfo=SHANGHAI)
NAME = common_pb2.Rejection(
    field="name.trade_name",
    rule="name.prohibited_word",
    message_zh="字号含有禁用字词",
    message_en="the trade name has a prohibited word",
)
PHONE = common_pb2.Rejection(
    field="contact.phone",
    rule="contact.phone_format",
    message_zh="联系电话格式不对",
    message_en="the contact phone is malformed",
)


def test_the_figures_of_a_completed_a_refused_and_a_corrected_case(tmp_path: Path) -> None:
    h = Harness(f"sqlite:///{tmp_path}/orchestrator.db", SATURDAY_EVENING)
    h.submit(key="evening")
    [license_cmd] = h.take_commands()
    h.advance(timedelta(hours=1))  # the license comes at 21:00, still Saturday
    h.answer(license_cmd)
    h.run_until_quiet()

    h.submit(key="refused")
    [refused] = h.take_commands()
    h.answer(refused, Outcome.OUTCOME_REJECTED, reason="prohibited word", rejections=[NAME])

    h.submit(key="corrected")
    [corrected] = h.take_commands()
    h.answer(corrected, Outcome.OUTCOME_CORRECTION_REQUESTED, reason="phone", rejections=[PHONE])

    with h.engine.readers() as session:
        stats = dashboard_query.statistics(
            session, OPEN_COMPANY, h.engine.calendar, h.clock.now(), days=7
        )

    assert stats.days == 7 and len(stats.cases_by_day) == 7
    today = stats.cases_by_day[-1]
    assert today.day == "2026-11-28"
    assert (today.submitted, today.in_progress, today.completed, today.failed) == (3, 1, 1, 1)
    assert sum(day.submitted for day in stats.cases_by_day[:-1]) == 0

    reasons = {(r.kind, r.step, r.category, r.rule): r for r in stats.reasons}
    refusal = reasons[("compensation", "license", "rejected", "name.prohibited_word")]
    assert (refusal.count, refusal.message_zh) == (1, "字号含有禁用字词")
    correction = reasons[("correction", "license", "correction", "contact.phone_format")]
    assert (correction.count, correction.message_en) == (1, "the contact phone is malformed")

    license_times = next(s for s in stats.steps if s.step == "license")
    assert license_times.completed == 1
    assert license_times.median_working_hours == 0.0
    assert license_times.median_wall_hours == pytest.approx(1.0)
    assert license_times.without_office_time == 1
    assert license_times.limit_working_hours == pytest.approx(10.5)
    assert [s.step for s in stats.steps] == list(OPEN_COMPANY.step_names)
    assert stats.breach_count == 0 and not stats.breaches
