"""A withdrawn case in the public partner package: CANCELLED in its view and as a list filter
(orchestrator.api._in_states with cancelled apart), apart from a case refused by a participant;
driven through the saga engine with a fake clock, no broker."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from onestop.partner.v1 import partner_pb2 as pb
from onestop_common.clock import SHANGHAI
from orchestrator import engine as e
from orchestrator.api import _in_states
from orchestrator.models import Saga
from orchestrator.partner_convert import application_from_internal
from orchestrator.views import application_message
from tests.support.saga_harness import Harness

START = datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)  # a Tuesday in office hours


def test_a_withdrawn_case_is_cancelled_and_a_refused_one_compensated(tmp_path: Path) -> None:
    h = Harness(f"sqlite:///{tmp_path}/o.db", START)
    withdrawn = h.submit(key="withdrawn")
    h.take_commands()
    h.engine.cancel(withdrawn, h.applicant, "changed our mind")
    h.run_until_quiet()
    refused = h.submit(key="refused")
    [license_cmd] = h.take_commands()
    h.answer(license_cmd)
    h.run_until_quiet(reject_step="seal")
    running = h.submit(key="running")
    assert (h.case(withdrawn).state, h.case(refused).state) == (e.COMPENSATED, e.COMPENSATED)

    def listed(*states: str) -> set[str]:
        with h.sessions() as session:
            query = select(Saga.id).where(_in_states(list(states), cancelled_apart=True))
            return set(session.scalars(query))

    assert listed("cancelled") == {withdrawn}
    assert listed("compensated") == {refused}
    assert listed("cancelled", "running") == {withdrawn, running}
    with h.sessions() as session:
        select_old = select(Saga.id).where(_in_states(["compensated"]))
        assert set(session.scalars(select_old)) == {withdrawn, refused}  # v1 as before

    def shown(case_id: str) -> int:
        saga = h.case(case_id)
        internal = application_message(
            saga, h.engine.definition_of(saga), h.engine.calendar, h.clock.now()
        )
        return application_from_internal(internal).state

    assert shown(withdrawn) == pb.CASE_STATE_CANCELLED
    assert shown(refused) == pb.CASE_STATE_COMPENSATED
    assert shown(running) == pb.CASE_STATE_RUNNING
