"""The saga engine: turns submissions, participant results, timers and applicant actions into state
transitions of a persisted case, each in ONE database transaction with its outgoing commands
(outbox) and its audit entries.

The engine does no I/O besides the database: commands and events are staged in the outbox and a
relay publishes them. That keeps it testable with a fake clock and no broker, and makes a crash at
any point harmless: what committed is complete, what did not never happened.

It names no step: what is particular to a saga is declared on its definition
(orchestrator/definition.py, orchestrator/open_company.py). Its parts:

- core.py    — settings, one transaction on a case, state changes, outbox, timers
- intake.py  — submissions and the applicant's actions (cancel, correct, supply a material)
- consent.py — every person the form names confirms and signs before the case starts
- changes.py — a correction that changes a done step's record: a change registration (变更登记)
- results.py — participants' answers and dead letters
- timers.py  — answers overdue, SLA warnings and breaches, retries, a commitment's due time
- flow.py    — the next steps dispatched, failures compensated in reverse order
- clock.py   — business-time deadlines, pauses, deadlines once a calendar year is imported
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator.engine.clock import ClockMixin
from orchestrator.engine.consent import ConsentMixin, SigningTarget, StaleApplicationPdf
from orchestrator.engine.core import (
    EngineCore,
    _company_name,
    _iso,
    _summary,
    action_key,
    new_case_id,
    rejection_list,
)
from orchestrator.engine.flow import FlowMixin
from orchestrator.engine.intake import IntakeMixin, corrected_form
from orchestrator.engine.results import ResultsMixin, dead_letter_reason
from orchestrator.engine.states import (
    ACCEPTED,
    ANSWER_TIMERS,
    AWAITING_ANSWER,
    AWAITING_APPLICANT,
    AWAITING_RESULT,
    AWAITING_SIGNATURES,
    CANCELLED,
    CASE_AWAITING_APPLICANT,
    CASE_ID_FORMAT,
    COMPENSATED,
    COMPENSATING,
    COMPLETED,
    DEAD_LETTER_RESEND,
    DISPATCHED,
    DONE,
    FAILED,
    MAX_STALE_RETRIES,
    PENDING,
    RUNNING,
    RUNNING_CLOCK_STATES,
    STARTED_STATES,
    STEP_COMPENSATED,
    STEP_COMPENSATING,
    STEP_FAILED,
    STEP_STUCK,
    STUCK,
    TERMINAL_CASE_STATES,
    TIMER_CLAIM,
    WARN_FRACTION,
    CaseNotFound,
    Outcome,
    _Tx,
)
from orchestrator.engine.timers import TimersMixin


@dataclass
class SagaEngine(
    IntakeMixin, ConsentMixin, ResultsMixin, TimersMixin, FlowMixin, ClockMixin, EngineCore
):
    """The engine, its parts put together."""


__all__ = [
    "ACCEPTED",
    "ANSWER_TIMERS",
    "AWAITING_ANSWER",
    "AWAITING_APPLICANT",
    "AWAITING_RESULT",
    "AWAITING_SIGNATURES",
    "CANCELLED",
    "CASE_AWAITING_APPLICANT",
    "CASE_ID_FORMAT",
    "COMPENSATED",
    "COMPENSATING",
    "COMPLETED",
    "DEAD_LETTER_RESEND",
    "DISPATCHED",
    "DONE",
    "FAILED",
    "MAX_STALE_RETRIES",
    "PENDING",
    "RUNNING",
    "RUNNING_CLOCK_STATES",
    "STARTED_STATES",
    "STEP_COMPENSATED",
    "STEP_COMPENSATING",
    "STEP_FAILED",
    "STEP_STUCK",
    "STUCK",
    "TERMINAL_CASE_STATES",
    "TIMER_CLAIM",
    "WARN_FRACTION",
    "CaseNotFound",
    "EngineCore",
    "Outcome",
    "SagaEngine",
    "SigningTarget",
    "StaleApplicationPdf",
    "_Tx",
    "_company_name",
    "_iso",
    "_summary",
    "action_key",
    "corrected_form",
    "dead_letter_reason",
    "new_case_id",
    "rejection_list",
]
