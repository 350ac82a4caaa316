"""The saga on the real broker with echo participants (services that do no domain work)."""

from __future__ import annotations

from onestop.common.v1 import common_pb2
from onestop_common.settings import SERVICES
from tests.support.cases import step_states, submit_sample, watch_until

PLATFORM = ("orchestrator", *SERVICES)


def test_happy_path_through_participants_answering_over_rabbitmq(platform, stub):
    supervisor = platform.start(PLATFORM, ONESTOP_PARTICIPANTS="echo")
    app = submit_sample(stub, supervisor.settings, applicant="alice", key="k-1")
    final, events = watch_until(stub, supervisor.settings, app.case_id, applicant="alice")
    assert final.state == common_pb2.CASE_STATE_COMPLETED
    assert set(step_states(final).values()) == {"done"}
    done = [e.step for e in events if e.step_state == common_pb2.STEP_STATE_DONE]
    assert done[0] == "license"
    assert done.index("bank") > done.index("seal")
