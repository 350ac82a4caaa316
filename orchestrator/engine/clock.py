"""Business time: step and case deadlines, pauses while the applicant corrects, deadlines computed
once a calendar year is imported."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from functools import partial

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from onestop.common.v1 import common_pb2
from onestop_common.calendar import CalendarError, UnknownCalendarYear
from onestop_common.protoconv import timestamp
from orchestrator.engine.core import (
    EngineCore,
    _iso,
    note,
)
from orchestrator.engine.states import (
    COMPENSATING,
    RUNNING,
    RUNNING_CLOCK_STATES,
    STUCK,
    WARN_FRACTION,
    _Tx,
)
from orchestrator.models import Saga, SagaStep

log = logging.getLogger(__name__)


class ClockMixin(EngineCore):
    """Business time: step and case deadlines, pauses while the applicant corrects, deadlines
    computed once a calendar year is imported."""

    def compute_missing_deadlines(self) -> int:
        """After a year's schedule was imported: every open case (and running step) that has no
        deadline gets one if the calendar now knows its days, with its SLA timers; audited per
        case. Returns how many cases changed."""
        with self.readers() as session:
            ids = list(
                session.scalars(
                    select(Saga.id).where(
                        Saga.state.in_((RUNNING, COMPENSATING, STUCK)),
                        or_(
                            Saga.due_at.is_(None),
                            Saga.id.in_(
                                select(SagaStep.saga_id).where(
                                    SagaStep.started_at.is_not(None), SagaStep.due_at.is_(None)
                                )
                            ),
                        ),
                    )
                )
            )
        changed: set[str] = set()
        for case_id in ids:
            changed |= self._with_retry(partial(self._compute_deadlines, case_id=case_id))
        self.on_commit(changed)
        return len(changed)

    def _compute_deadlines(self, session: Session, case_id: str) -> set[str]:
        saga = self._lock(session, case_id, missing_ok=True)
        if saga is None:
            return set()
        tx = self._tx(session, saga, actor="calendar")
        computed: list[str] = []
        if saga.due_at is None:
            saga.due_at, saga.warn_at = self._deadline(saga.submitted_at, tx.definition.limit)
            if saga.due_at is not None and saga.warn_at is not None:
                self._schedule(tx, "case_warning", saga.warn_at)
                self._schedule(tx, "case_breach", saga.due_at)
                computed.append("case")
        for row in saga.steps:
            if row.started_at is None or row.due_at is not None or row.finished_at is not None:
                continue
            row.due_at, row.warn_at = self._deadline(row.started_at, Decimal(row.limit_workdays))
            if row.due_at is None:
                continue
            computed.append(row.name)
            if row.state in RUNNING_CLOCK_STATES:
                row.clock_generation += 1
                self._schedule_sla(tx, row)
        if not computed:
            return set()
        note(
            tx,
            actor="calendar",
            action="deadlines_computed",
            detail={
                "for": computed,
                "due_at": _iso(saga.due_at),
                "why": "the official schedule for the missing year was imported",
            },
        )
        self._touch(tx)
        return {case_id}

    def _deadline(self, start: datetime, limit: Decimal) -> tuple[datetime | None, datetime | None]:
        """Due and warning instants, or (None, None) when the calendar does not know the days."""
        try:
            due = self.calendar.add_working_time(start, limit)
            return due, self.calendar.warning_at(start, due, WARN_FRACTION)
        except CalendarError as exc:
            log.warning("no deadline computed: %s", exc)
            return None, None

    def missing_calendar_year(self, start: datetime, limit: Decimal) -> int | None:
        """The year whose official schedule a deadline from ``start`` waits for, if any."""
        try:
            self.calendar.add_working_time(start, limit)
        except UnknownCalendarYear as exc:
            return exc.year
        return None

    def _start_clock(self, tx: _Tx, row: SagaStep, limit: Decimal) -> None:
        row.started_at = tx.now
        row.clock_generation += 1
        row.due_at, row.warn_at = self._deadline(tx.now, limit)
        self._schedule_sla(tx, row)

    def _resume_clock(self, tx: _Tx, row: SagaStep, *, case_clock: bool = True) -> None:
        """The step's clock runs again, its deadline later by the pause; with ``case_clock`` the
        case's too (the pause was the applicant's time; see ``engine.changes`` for one that was
        not)."""
        paused_from = row.paused_at or tx.now
        row.paused_at = None
        row.clock_generation += 1
        if row.due_at is not None:
            try:
                row.due_at = self.calendar.extend(row.due_at, paused_from, tx.now)
                if row.warn_at is not None and row.warn_at > paused_from:
                    row.warn_at = self.calendar.extend(row.warn_at, paused_from, tx.now)
            except CalendarError:
                row.due_at = row.warn_at = None
        if case_clock:
            self._extend_case_clock(tx, paused_from)
        note(
            tx,
            action="clock_resumed",
            step=row.name,
            detail={
                "paused_from": _iso(paused_from),
                "paused_working_seconds": self._working_seconds(paused_from, tx.now),
                "due_at": _iso(row.due_at),
                "case_due_at": _iso(tx.saga.due_at),
            },
        )
        self._schedule_sla(tx, row)

    def _restart_pause(self, tx: _Tx, row: SagaStep) -> None:
        """A paused step's deadline moves by the pause so far, and its pause starts again now,
        for a new reason (the case's clock is left alone)."""
        paused_from = row.paused_at or tx.now
        if row.due_at is not None:
            try:
                row.due_at = self.calendar.extend(row.due_at, paused_from, tx.now)
                if row.warn_at is not None and row.warn_at > paused_from:
                    row.warn_at = self.calendar.extend(row.warn_at, paused_from, tx.now)
            except CalendarError:
                row.due_at = row.warn_at = None
        row.paused_at = tx.now
        row.clock_generation += 1

    def _extend_case_clock(self, tx: _Tx, paused_from: datetime) -> None:
        """The case's own limit pauses with the step that waited for the applicant: its due and
        warning instants move by the working time the applicant took, and new timers are set
        (the old ones find the instants moved and do nothing)."""
        saga = tx.saga
        if saga.due_at is None:
            return
        try:
            saga.due_at = self.calendar.extend(saga.due_at, paused_from, tx.now)
            if saga.warn_at is not None and saga.warn_at > paused_from:
                saga.warn_at = self.calendar.extend(saga.warn_at, paused_from, tx.now)
        except CalendarError:
            return
        if saga.warn_at is not None and not saga.warned:
            self._schedule(tx, "case_warning", saga.warn_at)
        if not saga.breached:
            self._schedule(tx, "case_breach", saga.due_at)

    def _working_seconds(self, start: datetime, end: datetime) -> float | None:
        try:
            return self.calendar.working_time_between(start, end).total_seconds()
        except CalendarError:
            return None

    def _schedule_sla(self, tx: _Tx, row: SagaStep) -> None:
        if row.due_at is None:
            self._note_unknown_deadline(tx, row.name)
            return
        if row.warn_at is not None and not row.warned:
            self._schedule(
                tx, "sla_warning", row.warn_at, step=row.name, generation=row.clock_generation
            )
        if not row.breached:
            self._schedule(
                tx, "sla_breach", row.due_at, step=row.name, generation=row.clock_generation
            )

    def _note_unknown_deadline(self, tx: _Tx, step: str) -> None:
        limit = Decimal(tx.step(step).limit_workdays) if step else tx.definition.limit
        start = tx.step(step).started_at if step else tx.saga.submitted_at
        year = self.missing_calendar_year(start or tx.now, limit)
        note(
            tx,
            actor="calendar",
            action="deadline_unknown",
            step=step,
            detail={
                "awaiting_calendar_year": year,
                "why": f"deadline unknown until the {year} schedule is imported; "
                "no deadline is guessed",
            },
        )

    def _deadline_message(self, tx: _Tx, row: SagaStep) -> common_pb2.Deadline:
        deadline = common_pb2.Deadline(
            limit_workdays=row.limit_workdays,
            paused=row.paused_at is not None,
            warned=row.warned,
            breached=row.breached,
        )
        if row.started_at:
            deadline.started_at.CopyFrom(timestamp(row.started_at))
        if row.due_at:
            deadline.due_at.CopyFrom(timestamp(row.due_at))
            try:
                remaining = self.calendar.working_time_between(tx.now, row.due_at)
            except UnknownCalendarYear as exc:
                # Now lies past the known days (a late step, a compensation at the year's end):
                # the due date stands, the time left is unknown until the year is imported.
                deadline.awaiting_calendar_year = exc.year
            else:
                deadline.remaining_working_seconds = int(remaining.total_seconds())
                deadline.as_of.CopyFrom(timestamp(tx.now))
        elif row.started_at:
            deadline.awaiting_calendar_year = (
                self.missing_calendar_year(row.started_at, Decimal(row.limit_workdays)) or 0
            )
        if row.warn_at:
            deadline.warn_at.CopyFrom(timestamp(row.warn_at))
        return deadline
