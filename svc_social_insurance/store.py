"""Reads and writes of the social insurance database; every function takes the caller's session
(the unit of work decides when to commit)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from onestop.common.v1.common_pb2 import CommandContext
from onestop_common import desk
from svc_social_insurance.domain import Assessment, EnrolmentPlan
from svc_social_insurance.models import (
    ACTIVE,
    CANCELLED,
    HOLDING,
    PENDING,
    REGISTERED,
    REJECTED,
    Employer,
    Enrolment,
    Task,
)

LIVE = (PENDING, REGISTERED)


class PersonAlreadyEnrolled(Exception):
    """The database refused an enrolment: someone else enrolled the person meanwhile."""


class EmployerAlreadyRegistered(Exception):
    """The database refused a second live registration of the same company."""


def enrolled_elsewhere(
    session: Session, id_numbers: Iterable[str], *, except_case: str = ""
) -> frozenset[str]:
    """Those of the ID numbers held by a pending or active enrolment of any employer but those of
    ``except_case`` (a case's own people do not stand in its way)."""
    wanted = [n for n in set(id_numbers) if n]
    if not wanted:
        return frozenset()
    statement = (
        select(Enrolment.id_number)
        .join(Employer, Enrolment.employer_id == Employer.id)
        .where(Enrolment.id_number_index.in_(wanted), Enrolment.state.in_(HOLDING))
    )
    if except_case:
        statement = statement.where(Employer.case_id != except_case)
    return frozenset(session.scalars(statement).all())


def live_employer(session: Session, uscc: str) -> Employer | None:
    return session.scalars(
        select(Employer)
        .where(Employer.uscc == uscc, Employer.state.in_(LIVE))
        .options(selectinload(Employer.enrolments))
    ).first()


def employer_by_uscc(session: Session, uscc: str) -> Employer | None:
    """The live registration of a company, else its most recent one."""
    found = live_employer(session, uscc)
    if found is not None:
        return found
    return session.scalars(
        select(Employer)
        .where(Employer.uscc == uscc)
        .order_by(Employer.id.desc())
        .options(selectinload(Employer.enrolments))
    ).first()


def employer_for_case(
    session: Session, case_id: str, *, for_update: bool = False
) -> Employer | None:
    """The case's most recent registration (a case registers one employer)."""
    statement = (
        select(Employer)
        .where(Employer.case_id == case_id)
        .order_by(Employer.id.desc())
        .options(selectinload(Employer.enrolments))
    )
    if for_update:
        statement = statement.with_for_update()
    return session.scalars(statement).first()


def employer_for_task(
    session: Session, task: desk.TaskMixin, *, for_update: bool = False
) -> Employer | None:
    """The registration a clerk's task decides: the case's one written by the same command (a
    case may have an earlier attempt sent back for correction), else the case's latest."""
    key = task.command_context.idempotency_key
    statement = (
        select(Employer)
        .where(Employer.case_id == task.case_id)
        .order_by(Employer.id.desc())
        .options(selectinload(Employer.enrolments))
    )
    if for_update:
        statement = statement.with_for_update()
    employers = session.scalars(statement).all()
    for employer in employers:
        if CommandContext.FromString(employer.context).idempotency_key == key:
            return employer
    return employers[0] if employers else None


def employers_for_case(session: Session, case_id: str) -> Sequence[Employer]:
    return session.scalars(select(Employer).where(Employer.case_id == case_id)).all()


def live_employer_for_case(session: Session, case_id: str) -> Employer | None:
    return session.scalars(
        select(Employer)
        .where(Employer.case_id == case_id, Employer.state.in_(LIVE))
        .options(selectinload(Employer.enrolments))
    ).first()


def open_task_for_case(session: Session, case_id: str) -> desk.TaskMixin | None:
    return session.scalars(
        select(Task).where(Task.case_id == case_id, Task.state.in_(desk.ACTIVE))
    ).first()


def live_employers_for_case(session: Session, case_id: str) -> Sequence[Employer]:
    return session.scalars(
        select(Employer)
        .where(Employer.case_id == case_id, Employer.state.in_(LIVE))
        .options(selectinload(Employer.enrolments))
        .with_for_update()
    ).all()


def add_employer(
    session: Session,
    *,
    registration_number: str,
    case_id: str,
    applicant_id: str,
    uscc: str,
    company_name: str,
    division_code: str,
    agency: str,
    risk_class: int,
    assessment: Assessment,
    rate_table_version: str,
    rate_table_note: str,
    context: bytes,
    now: datetime,
    registered: bool,
    decided_by: str = "",
) -> Employer:
    """Writes the registration and its enrolments (pending, or registered/active at once).

    Runs in a savepoint: when the database refuses a person or the company (a concurrent case
    won), the savepoint is rolled back and the caller gets the reason as an exception.
    """
    employer = Employer(
        registration_number=registration_number,
        case_id=case_id,
        applicant_id=applicant_id,
        uscc=uscc,
        company_name=company_name,
        division_code=division_code,
        agency=agency,
        work_injury_risk_class=risk_class,
        state=REGISTERED if registered else PENDING,
        rate_table_version=rate_table_version,
        rate_table_note=rate_table_note,
        employer_total=str(assessment.employer_total),
        employee_total=str(assessment.employee_total),
        review_reasons=list(assessment.review_reasons),
        created_at=now,
        registered_at=now if registered else None,
        decided_by=decided_by,
        context=context,
    )
    employer.enrolments = [
        _enrolment(plan, ACTIVE if registered else PENDING) for plan in assessment.plans
    ]
    try:
        with session.begin_nested():
            session.add(employer)
            session.flush()
    except IntegrityError as exc:
        if live_employer(session, uscc) is not None:
            raise EmployerAlreadyRegistered(uscc) from exc
        raise PersonAlreadyEnrolled() from exc
    return employer


def _enrolment(plan: EnrolmentPlan, state: str) -> Enrolment:
    c = plan.contribution
    return Enrolment(
        position=plan.index,
        name=plan.name,
        id_type=plan.id_type,
        id_number=plan.id_number,
        hire_date=plan.hire_date,
        start_date=plan.start_date,
        monthly_wage=str(plan.wage),
        contribution_base=str(c.base),
        base_adjusted=c.base_adjusted,
        late_enrolment=plan.late_enrolment,
        contributions=[
            {
                "insurance": line.insurance,
                "employer_rate": str(line.employer_rate),
                "employee_rate": str(line.employee_rate),
                "employer_amount": str(line.employer_amount),
                "employee_amount": str(line.employee_amount),
                "verified": line.verified,
            }
            for line in c.lines
        ],
        employer_total=str(c.employer_total),
        employee_total=str(c.employee_total),
        state=state,
    )


def register(employer: Employer, now: datetime, decided_by: str) -> None:
    employer.state = REGISTERED
    employer.registered_at = now
    employer.decided_by = decided_by
    for enrolment in employer.enrolments:
        if enrolment.state == PENDING:
            enrolment.state = ACTIVE


def reject(employer: Employer, now: datetime, decided_by: str, reason: str) -> None:
    """The clerk refused: the people reserved for this case are free again."""
    employer.state = REJECTED
    employer.decided_by = decided_by
    employer.reason = reason
    employer.cancelled_at = now
    for enrolment in employer.enrolments:
        if enrolment.state in HOLDING:
            enrolment.state = REJECTED


def cancel(employer: Employer, now: datetime, reason: str) -> int:
    """Cancels the registration and every enrolment still holding a person; returns how many."""
    employer.state = CANCELLED
    employer.cancelled_at = now
    employer.reason = reason
    ended = 0
    for enrolment in employer.enrolments:
        if enrolment.state in HOLDING:
            enrolment.state = CANCELLED
            enrolment.end_date = _end_date(enrolment.start_date, now.date())
            ended += 1
    return ended


def _end_date(start: date, today: date) -> date:
    return max(start, today)
