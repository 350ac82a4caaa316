"""What each entrypoint of the social insurance service does inside its one transaction: the
domain's rules, the store's writes and the messages they cause (result, events).

Decisions:
- A registration whose form data breaks a rule (an invalid ID number, a person actively enrolled
  with another employer, a duplicate on the form, a bad hire date or wage, a risk class outside
  1-8) is sent back to the applicant at once: CORRECTION_REQUESTED naming each field, nothing
  written, nothing issued elsewhere undone. A clerk cannot lift these (the other employer must end
  an enrolment first), so a task would only wait. What the applicant cannot fix (no USCC, the
  company already registered) is REJECTED, and the case is compensated.
- ``check_application`` runs the same rules (``review``) on the command the saga would build from
  the form, before a case exists, and writes nothing.
- The same case sent again under another key (a re-dispatch, or the corrected form after a
  correction request) is one action: a live registration of the case is answered as it stands,
  otherwise the command is decided afresh. An attempt sent back for correction holds nothing (its
  people and its USCC are free again), so it never blocks the corrected one.
- The clerk's refusal is final (REJECTED) or, when the applicant can fix it, a correction request
  naming the fields; either way the task is closed and the pending registration withdrawn, so
  nothing is left live while the applicant corrects.
- A clean registration (every ID a valid citizen ID, nobody enrolled elsewhere, every enrolment
  within 30 days of hiring) is registered automatically when ``social_insurance`` is in
  ``settings.auto_approve``. Anything else lawful (late enrolment, a non-citizen ID document), or
  every case when automatic approval is off, waits for a clerk: the employer is written
  ``pending`` and its people are reserved (the unique index covers pending enrolments) so no other
  employer can take them while the clerk decides.
- A base outside the floor/ceiling is adjusted and flagged, and does not by itself need a clerk.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy.orm import Session

from onestop.common.v1 import application_pb2, common_pb2, desk_pb2
from onestop.social_insurance.v1 import social_insurance_pb2 as pb
from onestop_common import desk
from onestop_common.clerk_workflow import ClerkWorkflow, still_pending
from onestop_common.decisions import AUTO, REFUSE, route
from onestop_common.errors import RuleViolation, violation
from onestop_common.identity import Principal
from onestop_common.participant import UnitOfWork
from onestop_common.protoconv import rejections
from svc_social_insurance import grpc_api as api
from svc_social_insurance import store
from svc_social_insurance.domain import (
    Assessment,
    RateTable,
    agency_for,
    assess_registration,
    registration_number,
)
from svc_social_insurance.models import PENDING, Counter, Employer, Task
from svc_social_insurance.reference import rate_table

log = logging.getLogger(__name__)
Outcome = common_pb2.Outcome
PARTICIPANT = api.PARTICIPANT
RPC = "RegisterEmployer"
CLERKS = ClerkWorkflow(desk.Queue(Task))


@dataclass(frozen=True)
class Review:
    """Every rule of one registration: what the applicant can correct, and what is final."""

    assessment: Assessment
    correctable: tuple[RuleViolation, ...]
    final: tuple[RuleViolation, ...]


def review(
    session: Session,
    request: pb.RegisterEmployerRequest,
    *,
    today: date,
    table: RateTable,
    company_rules: bool = True,
) -> Review:
    """The rules of the step, for the step and the pre-check alike. People the command's own case
    holds do not count as enrolled elsewhere."""
    employees = api.employees_of(request)
    held = store.enrolled_elsewhere(
        session, (e.id_number for e in employees), except_case=request.context.case_id
    )
    assessment = assess_registration(
        employees,
        risk_class=request.work_injury_risk_class,
        today=today,
        established=api.established_on(request),
        table=table,
        enrolled_elsewhere=held,
    )
    final = _company_violations(session, request) if company_rules else []
    return Review(assessment, _ours(assessment.violations), _ours(final))


def check_application(
    uow: UnitOfWork,
    principal: Principal | None,
    request: application_pb2.CheckApplicationRequest,
    *,
    now: datetime,
) -> application_pb2.CheckApplicationResponse:
    """The form against the step's rules before anything is issued, on the command the saga
    would send (``api.command_from_form``); only reads. ``principal`` is None for the platform's
    AMQP call.

    Skipped because they need the license: "USCC required" and "company already registered"
    (``_company_violations``). The date of establishment is not known yet either; it moves
    enrolment start dates (and so the late-enrolment review), never a refusal.
    """
    if principal is not None and request.case_id:
        owners = {e.applicant_id for e in store.employers_for_case(uow.session, request.case_id)}
        api.require_case_owner(principal, request.case_id, owners)
    table = rate_table()
    command = api.command_from_form(request.form, request.case_id, request.applicant_id)
    found = review(uow.session, command, today=now.date(), table=table, company_rules=False)
    return application_pb2.CheckApplicationResponse(
        rejections=rejections(found.correctable), participant=PARTICIPANT, rule_set=table.version
    )


def register_employer(
    uow: UnitOfWork, request: pb.RegisterEmployerRequest, *, now: datetime, auto_approve: bool
) -> pb.RegisterEmployerResponse:
    session = uow.session
    table = rate_table()
    case = {"case_id": request.context.case_id}
    current = store.live_employer_for_case(session, request.context.case_id)
    if current is not None:
        log.info("the case is registered or waiting already: answered as it stands", extra=case)
        return _as_it_stands(session, current, now)
    found = review(session, request, today=now.date(), table=table)
    if found.final:
        log.info("registration refused: %s", [v.rule for v in found.final], extra=case)
        return _refused((*found.final, *found.correctable))
    if found.correctable:
        log.info("correction requested: %s", [v.rule for v in found.correctable], extra=case)
        return _correction_requested(found.correctable, table, now)
    assessment = found.assessment
    decision = route(assessment, auto_approve=auto_approve)
    assert decision != REFUSE
    automatic = decision == AUTO
    decided_by = f"auto:{table.version}" if automatic else ""
    serial = Counter.next_serial(session, f"si:{request.division_code}")
    try:
        employer = store.add_employer(
            session,
            registration_number=registration_number(request.division_code, serial),
            case_id=request.context.case_id,
            applicant_id=request.context.applicant_id,
            uscc=request.uscc,
            company_name=request.company_name,
            division_code=request.division_code,
            agency=agency_for(request.domicile.district, request.division_code),
            risk_class=request.work_injury_risk_class,
            assessment=assessment,
            rate_table_version=table.version,
            rate_table_note=table.note,
            context=request.context.SerializeToString(),
            now=now,
            registered=automatic,
            decided_by=decided_by,
        )
    except store.EmployerAlreadyRegistered:
        return _refused(_ours(_company_violations(session, request)))
    except store.PersonAlreadyEnrolled:
        # A concurrent case took someone between our check and our insert: assess again.
        again = review(session, request, today=now.date(), table=table)
        return _correction_requested(again.correctable, table, now)
    log.info(
        "employer %s %s, %d enrolments",
        employer.registration_number,
        "registered automatically" if automatic else "waiting for a clerk",
        len(assessment.plans),
        extra=case,
    )
    if automatic:
        return _registered(uow, employer, decided_by, now)
    task = desk.open_task(
        session,
        Task,
        prefix="SI",
        context=request.context,
        request=request,
        now=now,
        company_name=request.company_name,
        uscc=request.uscc,
        summary=api.task_summary(employer),
        details=api.task_details(employer),
    )
    response = pb.RegisterEmployerResponse(
        status=desk.step_status(Outcome.OUTCOME_ACCEPTED, task_id=task.id, now=now),
        employer=api.employer_message(employer, full_ids=False),
    )
    return response


def _as_it_stands(
    session: Session, employer: Employer, now: datetime
) -> pb.RegisterEmployerResponse:
    """A live registration of the case: registered (done) or waiting for the clerk."""
    message = api.employer_message(employer, full_ids=False)
    if employer.state != PENDING:
        status = desk.step_status(Outcome.OUTCOME_DONE, decided_by=employer.decided_by, now=now)
        return pb.RegisterEmployerResponse(status=status, employer=message)
    task = store.open_task_for_case(session, employer.case_id)
    status = desk.step_status(
        Outcome.OUTCOME_ACCEPTED, task_id=task.id if task is not None else "", now=now
    )
    return pb.RegisterEmployerResponse(status=status, employer=message)


def _ours(found: Sequence[RuleViolation]) -> tuple[RuleViolation, ...]:
    return tuple(replace(v, participant=PARTICIPANT) for v in found)


def _company_violations(
    session: Session, request: pb.RegisterEmployerRequest
) -> list[RuleViolation]:
    """Rules on the company, whose data comes from the license: not the applicant's to correct."""
    found: list[RuleViolation] = []
    if not request.uscc:
        found.append(violation("uscc", "required", "缺少统一社会信用代码", "the USCC is missing"))
    elif store.live_employer(session, request.uscc) is not None:
        found.append(
            violation(
                "uscc",
                "already_registered",
                "该企业已办理社保登记",
                "this company already has a social insurance registration",
            )
        )
    return found


def _correction_requested(
    found: Sequence[RuleViolation], table: RateTable, now: datetime
) -> pb.RegisterEmployerResponse:
    """Sent back to the applicant: nothing was written, so nothing needs undoing."""
    status = desk.step_status(
        Outcome.OUTCOME_CORRECTION_REQUESTED,
        decided_by=f"auto:{table.version}",
        reason=f"the form breaks {len(found)} social insurance rule(s); correct and resubmit",
        rejections=rejections(found),
        now=now,
    )
    return pb.RegisterEmployerResponse(status=status)


def _refused(found: Sequence[RuleViolation]) -> pb.RegisterEmployerResponse:
    status = desk.step_status(
        Outcome.OUTCOME_REJECTED,
        decided_by="auto",
        reason="; ".join(f"{v.field}: {v.message_en}" for v in found),
        rejections=rejections(found),
    )
    return pb.RegisterEmployerResponse(status=status)


def _registered(
    uow: UnitOfWork, employer: Employer, decided_by: str, now: datetime
) -> pb.RegisterEmployerResponse:
    message = api.employer_message(employer, full_ids=False)
    uow.emit_event(
        pb.EmployerRegistered(case_id=employer.case_id, employer=message),
        "EmployerRegistered",
        case_id=employer.case_id,
    )
    return pb.RegisterEmployerResponse(
        status=desk.step_status(Outcome.OUTCOME_DONE, decided_by=decided_by, now=now),
        employer=message,
    )


def cancel_registration(
    uow: UnitOfWork, request: pb.CancelEmployerRegistrationRequest, *, now: datetime
) -> pb.CancelEmployerRegistrationResponse:
    """Compensation: every live registration of the case cancelled, its people freed, its tasks
    withdrawn. Running it again finds nothing live and answers DONE again."""
    session = uow.session
    case_id = request.context.case_id
    reason = request.reason or "case compensated"
    CLERKS.withdraw_case(uow, case_id, reason, now)
    cancelled = 0
    number = ""
    for employer in store.live_employers_for_case(session, case_id):
        cancelled += store.cancel(employer, now, reason)
        number = employer.registration_number
        uow.emit_event(
            pb.EmployerRegistrationCancelled(case_id=case_id, registration_number=number),
            "EmployerRegistrationCancelled",
            case_id=case_id,
        )
    log.info("registration cancelled: %d enrolments ended", cancelled, extra={"case_id": case_id})
    if not number:
        previous = store.employer_for_case(session, case_id)
        number = previous.registration_number if previous is not None else ""
    return pb.CancelEmployerRegistrationResponse(
        status=desk.compensated(reason, now),
        registration_number=number,
        enrolments_cancelled=cancelled,
    )


# --------------------------------------------------------------------------- the clerk's desk


def get_task(
    uow: UnitOfWork, principal: Principal, task_id: str, now: datetime
) -> pb.GetTaskResponse:
    task = CLERKS.task(uow, principal, task_id)
    employer = store.employer_for_task(uow.session, task)
    response = pb.GetTaskResponse(task=CLERKS.task_message(task, now))
    if employer is not None:
        response.employer.CopyFrom(api.employer_message(employer, full_ids=True))
    return response


def _pending_employer(uow: UnitOfWork, task: desk.TaskMixin) -> Employer:
    employer = store.employer_for_task(uow.session, task, for_update=True)
    return still_pending(
        employer, task, pending=PENDING, what_en="the registration", what_zh="社保登记"
    )


def approve_task(
    uow: UnitOfWork, principal: Principal, request: desk_pb2.ApproveTaskRequest, now: datetime
) -> pb.ApproveTaskResponse:
    task = CLERKS.decided(uow, principal, request.task_id, desk.DONE, now, request.comment)
    employer = _pending_employer(uow, task)
    store.register(employer, now, principal.subject)
    uow.answer_saga(RPC, task, _registered(uow, employer, principal.subject, now))
    return pb.ApproveTaskResponse(
        task=CLERKS.task_message(task, now),
        employer=api.employer_message(employer, full_ids=True),
    )


def reject_task(
    uow: UnitOfWork, principal: Principal, request: desk_pb2.RejectTaskRequest, now: datetime
) -> desk_pb2.RejectTaskResponse:
    """The clerk refuses the pending registration: finally (REJECTED, the case is compensated) or,
    with ``correctable``, as a request to the applicant to correct the named fields (the step
    answers CORRECTION_REQUESTED, and the corrected form comes back as a new command). Either way
    the task is closed and the registration withdrawn, its people free again."""
    fields = api.clerk_fields(request.fields, request.reason, required=request.correctable)
    reason = desk.required_reason(request.reason)
    task = CLERKS.decided(uow, principal, request.task_id, desk.REJECTED, now, reason)
    employer = _pending_employer(uow, task)
    store.reject(employer, now, principal.subject, reason)
    if request.correctable:
        task.details = {**(task.details or {}), "correction_requested": _field_list(fields)}
    status = desk.step_status(
        Outcome.OUTCOME_CORRECTION_REQUESTED if request.correctable else Outcome.OUTCOME_REJECTED,
        decided_by=principal.subject,
        reason=reason,
        task_id=task.id,
        now=now,
        rejections=fields if request.correctable else fields or api.clerk_rejection(reason),
    )
    uow.answer_saga(RPC, task, pb.RegisterEmployerResponse(status=status))
    return desk_pb2.RejectTaskResponse(task=CLERKS.task_message(task, now))


def _field_list(fields: Sequence[common_pb2.Rejection]) -> str:
    return ", ".join(f.field for f in fields)
