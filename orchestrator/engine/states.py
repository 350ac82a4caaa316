"""Case and step states, the timers' kinds, and the engine's small constants."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from onestop.common.v1 import common_pb2
from onestop_common.errors import (
    NotFound,
)
from onestop_common.limits import excerpt
from orchestrator.definition import (
    SagaDef,
)
from orchestrator.models import Saga, SagaStep

log = logging.getLogger(__name__)


Outcome = common_pb2.Outcome

# Case states (names match onestop.common.v1.CaseState without the prefix).
RUNNING, COMPLETED, COMPENSATING, COMPENSATED, STUCK, FAILED = (
    "running",
    "completed",
    "compensating",
    "compensated",
    "stuck",
    "failed",
)
TERMINAL_CASE_STATES = frozenset({COMPLETED, COMPENSATED, FAILED})
# Stored: filed, but waiting for every person the form names to confirm and sign it
# (engine.consent); no step has started.
AWAITING_SIGNATURES = "awaiting_signatures"
# Shown, never stored: a running case one of whose steps waits for the applicant's correction.
CASE_AWAITING_APPLICANT = "awaiting_applicant"
# Step states.
PENDING, DISPATCHED, ACCEPTED, AWAITING_APPLICANT, DONE = (
    "pending",
    "dispatched",
    "accepted",
    "awaiting_applicant",
    "done",
)
STEP_FAILED, STEP_COMPENSATING, STEP_COMPENSATED, CANCELLED = (
    "failed",
    "compensating",
    "compensated",
    "cancelled",
)
# Sent again and again with no answer (or dead-lettered): escalated, re-sends go on.
STEP_STUCK = "stuck"
# A step that may have (or will have) an effect to undo.
STARTED_STATES = frozenset(
    {DISPATCHED, ACCEPTED, AWAITING_APPLICANT, DONE, STEP_COMPENSATING, STEP_STUCK}
)
RUNNING_CLOCK_STATES = frozenset({DISPATCHED, ACCEPTED, STEP_STUCK})
# A step whose action's result the case is waiting for.
AWAITING_RESULT = frozenset({DISPATCHED, ACCEPTED, AWAITING_APPLICANT, STEP_STUCK})
# A step whose command went out and has not been answered yet.
AWAITING_ANSWER = frozenset({DISPATCHED, STEP_STUCK})

# Timers that send a command again: its answer is overdue, or it (or its result) was dead-lettered.
ANSWER_TIMERS = {
    "answer_due": "no answer in time",
    "answer_lost": "the command or its result was dead-lettered",
}
# How soon a dead-lettered command is sent again, doubling with each unanswered send.
DEAD_LETTER_RESEND = timedelta(seconds=2)
WARN_FRACTION = 0.75
TIMER_CLAIM = timedelta(seconds=60)
MAX_STALE_RETRIES = 5


# Saga.compensation_reason of a case its applicant withdrew.
CANCELLED_CODE = "cancelled"
# What new_case_id makes: "OS" + the day + 10 hexadecimal digits ("OS20250301-3F2A9C01B7").
CASE_ID_FORMAT = re.compile(r"OS[0-9]{8}-[0-9A-F]{10}")


class CaseNotFound(NotFound):
    """No such case, or none the caller may see: both answered alike, so an answer never tells
    whether another applicant's case exists."""

    def __init__(self, case_id: str) -> None:
        shown = excerpt(case_id)
        super().__init__(
            f"no case {shown}", message_zh=f"案件 {shown} 不存在", reason="CASE_NOT_FOUND"
        )


@dataclass
class _Tx:
    """One transaction on one case: the rows, the time, and what to tell watchers afterwards."""

    session: Session
    saga: Saga
    definition: SagaDef
    now: datetime
    actor: str

    def step(self, name: str) -> SagaStep:
        for row in self.saga.steps:
            if row.name == name:
                return row
        raise KeyError(name)

    def states(self) -> dict[str, str]:
        return {row.name: row.state for row in self.saga.steps}
