"""The saga engine where the calendar runs out (no official schedule for next year yet): nothing
raises — commands, compensations and views go on and say which year is missing — and once the
year is imported the missing deadlines are computed and audited."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from onestop.common.v1 import common_pb2
from onestop_common.calendar import BusinessCalendar
from onestop_common.calendar_schedule import ScheduleRegistry, parse_schedule
from onestop_common.clock import SHANGHAI
from orchestrator import engine as e
from orchestrator.models import AuditEntry, Saga
from orchestrator.views import application_message
from tests.support.saga_harness import Harness, Outcome

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "calendar" / "2027.json"


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def test_a_refusal_after_the_known_days_compensates_then_the_import_gives_deadlines(
    tmp_path: Path,
) -> None:
    h = Harness(f"sqlite:///{tmp_path}/o.db", at(12, 23, 15))
    registry = ScheduleRegistry()
    h.engine.calendar = BusinessCalendar(schedules=registry)
    case_id = h.submit()
    assert h.case(case_id).due_at is None  # 3 days from Wed 15:00 reach into the unknown
    [license_] = h.take_commands()
    assert h.case(case_id).steps[0].due_at == at(12, 25, 10, 30)  # known: before Dec 26
    h.answer(license_)
    parallel = h.take_commands()
    for command in parallel:
        if command.step != "seal":
            h.answer(command)

    h.clock.set(at(12, 28, 10))  # Monday: its schedule depends on 2027's arrangement
    h.engine.fire_due_timers()  # SLA breaches of the three steps: no error
    seal = next(c for c in parallel if c.step == "seal")
    h.answer(seal, Outcome.OUTCOME_REJECTED, reason="the seal design does not meet the rules")
    undo = [c for c in h.take_commands() if c.rpc.startswith("Cancel")]
    assert [c.rpc for c in undo] == ["CancelEmployerRegistration"]
    # The command still carries the step's deadline; the time left waits for 2027.
    assert undo[0].request.context.deadline.awaiting_calendar_year == 2027
    assert h.case(case_id).state == e.COMPENSATING

    with h.sessions() as session:
        saga = session.get(Saga, case_id)
        assert saga is not None
        view = application_message(
            saga, h.engine.definitions["open_company"], h.engine.calendar, h.clock.now()
        )
    assert view.state == common_pb2.CASE_STATE_COMPENSATING
    assert view.deadline.awaiting_calendar_year == 2027
    assert not view.deadline.HasField("due_at")

    registry.add(parse_schedule(json.loads(FIXTURE.read_text(encoding="utf-8"))))
    assert h.engine.compute_missing_deadlines() == 1
    # Wed 2 h + Thu 7 h + Fri 7 h + (weekend) + Mon 5 h = 21 h.
    assert h.case(case_id).due_at == at(12, 28, 15)
    with h.sessions() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.saga_id == case_id)
        ).all()
    assert "deadline_unknown" in actions and "deadlines_computed" in actions
    assert h.engine.compute_missing_deadlines() == 0  # nothing left to compute
