"""The turn of the year without next year's official schedule: open cases whose limits run from
2026-12-31 into January keep running and can be cancelled (compensation included), say which
year's schedule their deadline waits for, and get it — exact to the minute across the imported
New Year holiday — once an operator runs ``onestop calendar import``."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from onestop.common.v1 import common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop_cli.dead_letters import peek
from onestop_common.clock import SHANGHAI
from onestop_common.protoconv import from_timestamp
from onestop_common.settings import SERVICES
from tests.support.cases import step_states, submit_sample, watch_for, watch_until
from tests.support.participant import credential

# The calendar's year boundary; timers on PostgreSQL (claimed by replicas, SLA alerts) are
# test_saga_time_and_replicas'.
pytestmark = pytest.mark.db_independent

ECHO = {"ONESTOP_PARTICIPANTS": "echo"}
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "calendar" / "2027.json"
# New Year's Eve 2026, an afternoon: every limit of a case submitted now runs into 2027. Business
# time runs ten times faster than the wall clock, so the test stays within the afternoon.
START = datetime(2026, 12, 31, 15, 0, tzinfo=SHANGHAI)


def clock() -> dict[str, str]:
    return {
        "ONESTOP_CLOCK_SPEED": "10",
        "ONESTOP_CLOCK_START": START.isoformat(),
        "ONESTOP_CLOCK_ORIGIN": datetime.now(SHANGHAI).isoformat(),
    }


def get(stub, settings, case_id, applicant):  # type: ignore[no-untyped-def]
    return stub.GetApplication(
        pb.GetApplicationRequest(case_id=case_id),
        metadata=credential(settings, "entrepreneur", applicant),
    ).application


def test_cases_across_the_new_year_wait_for_the_schedule_then_get_exact_deadlines(platform, stub):
    env = {**ECHO, **clock()}
    # No bank: the cases wait at the bank step, their limits running into January.
    supervisor = platform.start(("orchestrator", *SERVICES[:-1]), **env)
    settings = supervisor.settings
    staying = submit_sample(stub, settings, applicant="gina", key="k-year-end")
    leaving = submit_sample(stub, settings, applicant="hank", key="k-year-end-2")
    at_bank = lambda a: step_states(a)["bank"] == "dispatched"  # noqa: E731
    app = watch_for(stub, settings, staying.case_id, at_bank, applicant="gina")
    watch_for(stub, settings, leaving.case_id, at_bank, applicant="hank")

    # Nothing is guessed, and the case says why.
    assert app.state == common_pb2.CASE_STATE_RUNNING
    assert app.deadline.awaiting_calendar_year == 2027
    assert not app.deadline.HasField("due_at")
    bank = next(s for s in app.steps if s.name == "bank")
    assert bank.deadline.awaiting_calendar_year == 2027
    status = subprocess.run(
        [sys.executable, "-m", "onestop_cli.main", "status", app.case_id, "--subject", "gina"],
        env=platform.env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "deadline unknown until the 2027 schedule is imported" in status.stdout, status

    # A cancellation compensates with deadlines unknown (this raised before).
    stub.CancelApplication(
        pb.CancelApplicationRequest(case_id=leaving.case_id, reason="found another office"),
        metadata=credential(settings, "entrepreneur", "hank"),
    )
    undoing = get(stub, settings, leaving.case_id, "hank")
    assert undoing.state == common_pb2.CASE_STATE_COMPENSATING

    imported = subprocess.run(
        [sys.executable, "-m", "onestop_cli.main", "calendar", "import", str(FIXTURE)],
        env=platform.env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "365 days" in imported.stdout

    app = watch_for(
        stub,
        settings,
        staying.case_id,
        lambda a: a.deadline.HasField("due_at"),
        applicant="gina",
        timeout=30,
    )
    submitted = from_timestamp(app.submitted_at)
    assert submitted is not None and submitted.date() == START.date() and submitted.hour >= 13
    # 3 working days from New Year's Eve afternoon: the rest of Dec 31, Jan 1-3 off, Jan 4 and
    # Jan 5 whole, and on Jan 6 the hours up to the same time of day.
    due = from_timestamp(app.deadline.due_at)
    expected = submitted.replace(year=2027, month=1, day=6)
    assert due is not None and abs(due - expected) < timedelta(minutes=1)
    assert app.deadline.awaiting_calendar_year == 0

    platform.start(("bank",), **env)
    final, _ = watch_until(stub, settings, staying.case_id, applicant="gina", timeout=60)
    assert final.state == common_pb2.CASE_STATE_COMPLETED
    undone, _ = watch_until(stub, settings, leaving.case_id, applicant="hank", timeout=60)
    assert undone.state == common_pb2.CASE_STATE_COMPENSATED
    assert not peek(settings.amqp_url)
    log = (platform.tmp_path / "logs" / "orchestrator.log").read_text()
    assert " ERROR " not in log and "Traceback" not in log
