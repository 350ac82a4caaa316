"""Official holiday schedules in the orchestrator's database: an operator's import (validated,
recorded in a hash-chained history, its differences from the installed library reported), the
schedules in force for this process's calendars, and the internal CalendarService that hands them
to the platform's other processes."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import grpc
from grpc_status import rpc_status
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from onestop.calendar.v1 import calendar_pb2 as pb
from onestop.calendar.v1 import calendar_pb2_grpc as pb_grpc
from onestop_common import permissions
from onestop_common.calendar import DayKind, differences
from onestop_common.calendar_schedule import (
    IMPORTED,
    ScheduleError,
    ScheduleRegistry,
    YearSchedule,
    parse_schedule,
)
from onestop_common.db import transaction
from onestop_common.errors import OneStopError
from onestop_common.grpc_status import status_for
from onestop_common.identity import principal_from_metadata
from orchestrator.models import CalendarImport

log = logging.getLogger(__name__)

GENESIS = "0" * 64


@dataclass(frozen=True)
class ImportReport:
    year: int
    sha256: str
    # False when the same schedule was in force already (nothing written).
    recorded: bool
    replaced_sha256: str | None
    differences: list[tuple[date, DayKind, DayKind]]
    counts: dict[str, int]


def import_schedule(
    sessions: sessionmaker[Session], schedule: YearSchedule, actor: str
) -> ImportReport:
    """Records ``schedule`` as the one in force for its year, unless it already is."""
    diffs = differences(schedule)
    with transaction(sessions) as session:
        current = _latest_of_year(session, schedule.year)
        if current is not None and current.sha256 == schedule.sha256:
            return ImportReport(
                schedule.year, schedule.sha256, False, current.sha256, diffs, schedule.counts()
            )
        last = session.scalars(
            select(CalendarImport).order_by(CalendarImport.id.desc()).limit(1).with_for_update()
        ).first()
        row = CalendarImport(
            year=schedule.year,
            schedule=schedule.to_json(),
            sha256=schedule.sha256,
            notice_number=schedule.notice.number,
            imported_at=datetime.now(UTC),
            imported_by=actor,
            differences=[[d.isoformat(), lib.value, imp.value] for d, lib, imp in diffs],
            prev_hash=last.hash if last is not None else GENESIS,
        )
        row.hash = _digest(row)
        session.add(row)
    log.info("calendar %d imported by %s (%s)", schedule.year, actor, schedule.sha256[:12])
    return ImportReport(
        schedule.year,
        schedule.sha256,
        True,
        current.sha256 if current is not None else None,
        diffs,
        schedule.counts(),
    )


def schedules_in_force(session: Session) -> list[YearSchedule]:
    latest = select(func.max(CalendarImport.id)).group_by(CalendarImport.year).scalar_subquery()
    rows = session.scalars(select(CalendarImport).where(CalendarImport.id.in_(latest))).all()
    found = []
    for row in rows:
        try:
            found.append(parse_schedule(row.schedule))
        except ScheduleError as error:  # validated at import: only an edited row gets here
            log.error("calendar %d in the database is not a valid schedule: %s", row.year, error)
    return found


def history(session: Session) -> list[CalendarImport]:
    return list(session.scalars(select(CalendarImport).order_by(CalendarImport.id)).all())


def verify_history(session: Session) -> list[str]:
    """Problems in the import history's hash chain (none: intact)."""
    problems = []
    expected = GENESIS
    for row in history(session):
        if row.prev_hash != expected:
            problems.append(f"import {row.id} ({row.year}): link to the previous one is broken")
        if _digest(row) != row.hash:
            problems.append(f"import {row.id} ({row.year}): content does not match its hash")
        expected = row.hash
    return problems


def refresh(sessions: sessionmaker[Session], registry: ScheduleRegistry = IMPORTED) -> bool:
    """Loads the schedules in force into ``registry``; True if they changed."""
    with sessions() as session:
        schedules = schedules_in_force(session)
    return registry.replace_all(schedules)


def _latest_of_year(session: Session, year: int) -> CalendarImport | None:
    return session.scalars(
        select(CalendarImport)
        .where(CalendarImport.year == year)
        .order_by(CalendarImport.id.desc())
        .limit(1)
    ).first()


def _digest(row: CalendarImport) -> str:
    imported_at = row.imported_at
    if imported_at.tzinfo is None:  # SQLite hands back naive UTC
        imported_at = imported_at.replace(tzinfo=UTC)
    content = json.dumps(
        [
            row.year,
            row.sha256,
            row.notice_number,
            imported_at.astimezone(UTC).isoformat(timespec="microseconds"),
            row.imported_by,
            row.prev_hash,
        ],
        ensure_ascii=False,
    )
    return hashlib.sha256(content.encode()).hexdigest()


METHOD = "/onestop.calendar.v1.CalendarService/ListCalendarYears"


class CalendarServicer(pb_grpc.CalendarServiceServicer):
    """Serves the schedules in force to the platform's processes (role system only)."""

    def __init__(self, sessions: sessionmaker[Session], token_secret: str) -> None:
        self._sessions = sessions
        self._secret = token_secret

    def ListCalendarYears(self, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            principal = principal_from_metadata(self._secret, context.invocation_metadata())
            permissions.authorize(principal, METHOD)  # platform processes only
        except OneStopError as error:
            context.abort_with_status(rpc_status.to_status(status_for(error)))
        with self._sessions() as session:
            schedules = schedules_in_force(session)
        return pb.ListCalendarYearsResponse(
            years=[
                pb.CalendarYear(
                    year=s.year,
                    schedule_json=json.dumps(s.to_json(), ensure_ascii=False, sort_keys=True),
                    sha256=s.sha256,
                )
                for s in schedules
            ]
        )
