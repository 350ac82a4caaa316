"""What each entrypoint of the social insurance service does inside its one transaction: the
domain's rules, the store's writes and the messages they cause (result, events).

Decisions:
- A registration that breaks a rule (an invalid ID number, a person actively enrolled with another
  employer, a duplicate on the form, a risk class outside 1-8) is REJECTED at once, naming each
  employee field; nothing is written. A clerk cannot lift these: the other employer must end the
  enrolment first, so a task would only wait.
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
from datetime import datetime

from google.protobuf.message import Message
from sqlalchemy.orm import Session

from onestop.common.v1 import common_pb2, desk_pb2
from onestop.social_insurance.v1 import social_insurance_pb2 as pb
from onestop_common import desk
from onestop_common.calendar import BusinessCalendar
from onestop_common.errors import Conflict, RuleViolation, violation
from onestop_common.identity import Principal
from onestop_common.nameko_kit import UnitOfWork
from onestop_common.protoconv import rejections
from svc_social_insurance import grpc_api as api
from svc_social_insurance import store
from svc_social_insurance.domain import (
    AUTO,
    REFUSE,
    agency_for,
    assess_registration,
    registration_number,
    route,
)
from svc_social_insurance.models import PENDING, Employer, Task
from svc_social_insurance.reference import rate_table

log = logging.getLogger(__name__)
Outcome = common_pb2.Outcome
RPC = "RegisterEmployer"
_calendar = BusinessCalendar()


def calendar() -> BusinessCalendar:
    return _calendar


def register_employer(
    uow: UnitOfWork, request: pb.RegisterEmployerRequest, *, now: datetime, auto_approve: bool
) -> pb.RegisterEmployerResponse:
    session = uow.session
    table = rate_table()
    employees = api.employees_of(request)
    assessment = assess_registration(
        employees,
        risk_class=request.work_injury_risk_class,
        today=now.date(),
        established=api.established_on(request),
        table=table,
        enrolled_elsewhere=store.enrolled_elsewhere(session, (e.id_number for e in employees)),
    )
    found = list(assessment.violations) + _company_violations(session, request)
    case = {"case_id": request.context.case_id}
    if found:
        log.info("registration refused: %s", [v.rule for v in found], extra=case)
        return _refused(found)
    decision = route(assessment, auto_approve=auto_approve)
    assert decision != REFUSE
    automatic = decision == AUTO
    decided_by = f"auto:{table.version}" if automatic else ""
    serial = store.next_serial(session, f"si:{request.division_code}")
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
        return _refused(_company_violations(session, request))
    except store.PersonAlreadyEnrolled:
        # A concurrent case took someone between our check and our insert: assess again.
        again = assess_registration(
            employees,
            risk_class=request.work_injury_risk_class,
            today=now.date(),
            established=api.established_on(request),
            table=table,
            enrolled_elsewhere=store.enrolled_elsewhere(session, (e.id_number for e in employees)),
        )
        return _refused(list(again.violations))
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


def _company_violations(
    session: Session, request: pb.RegisterEmployerRequest
) -> list[RuleViolation]:
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
    desk.cancel_case_tasks(session, Task, case_id, now, reason)
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
        status=desk.step_status(
            Outcome.OUTCOME_DONE, decided_by="platform", reason=reason, now=now
        ),
        registration_number=number,
        enrolments_cancelled=cancelled,
    )


# --------------------------------------------------------------------------- the clerk's desk


def list_tasks(
    uow: UnitOfWork, principal: Principal, query: desk_pb2.TaskQuery, now: datetime
) -> pb.ListTasksResponse:
    tasks, token = desk.list_tasks(uow.session, Task, principal, query)
    return pb.ListTasksResponse(
        tasks=[desk.task_message(t, _calendar, now) for t in tasks], next_page_token=token
    )


def get_task(
    uow: UnitOfWork, principal: Principal, task_id: str, now: datetime
) -> pb.GetTaskResponse:
    task = desk.get_task(uow.session, Task, task_id, principal)
    employer = store.employer_for_case(uow.session, task.case_id)
    response = pb.GetTaskResponse(task=desk.task_message(task, _calendar, now))
    if employer is not None:
        response.employer.CopyFrom(api.employer_message(employer, full_ids=True))
    return response


def claim_task(
    uow: UnitOfWork, principal: Principal, task_id: str, now: datetime
) -> pb.ClaimTaskResponse:
    task = desk.get_task(uow.session, Task, task_id, principal, for_update=True)
    desk.claim(task, principal)
    return pb.ClaimTaskResponse(task=desk.task_message(task, _calendar, now))


def _pending_employer(uow: UnitOfWork, task: desk.TaskMixin) -> Employer:
    employer = store.employer_for_case(uow.session, task.case_id, for_update=True)
    if employer is None or employer.state != PENDING:
        raise Conflict(
            f"the registration of task {task.id} is no longer waiting for a decision",
            message_zh=f"任务 {task.id} 对应的社保登记已不在待审核状态",
        )
    return employer


def approve_task(
    uow: UnitOfWork, principal: Principal, request: pb.ApproveTaskRequest, now: datetime
) -> pb.ApproveTaskResponse:
    task = desk.get_task(uow.session, Task, request.task_id, principal, for_update=True)
    desk.decide(task, principal, desk.DONE, now, request.comment)
    employer = _pending_employer(uow, task)
    store.register(employer, now, principal.subject)
    result = _registered(uow, employer, principal.subject, now)
    _answer_saga(uow, task, result)
    return pb.ApproveTaskResponse(
        task=desk.task_message(task, _calendar, now),
        employer=api.employer_message(employer, full_ids=True),
    )


def reject_task(
    uow: UnitOfWork, principal: Principal, request: pb.RejectTaskRequest, now: datetime
) -> pb.RejectTaskResponse:
    reason = desk.required_reason(request.reason)
    task = desk.get_task(uow.session, Task, request.task_id, principal, for_update=True)
    desk.decide(task, principal, desk.REJECTED, now, reason)
    employer = _pending_employer(uow, task)
    store.reject(employer, now, principal.subject, reason)
    result = pb.RegisterEmployerResponse(
        status=desk.step_status(
            Outcome.OUTCOME_REJECTED,
            decided_by=principal.subject,
            reason=reason,
            task_id=task.id,
            now=now,
            rejections=api.clerk_rejection(reason),
        )
    )
    _answer_saga(uow, task, result)
    return pb.RejectTaskResponse(task=desk.task_message(task, _calendar, now))


def _answer_saga(uow: UnitOfWork, task: desk.TaskMixin, result: Message) -> None:
    """The later result of the saga action, routed with the context of the command it answers."""
    getattr(result, "context").CopyFrom(task.command_context)  # noqa: B009
    getattr(result, "status").task_id = task.id  # noqa: B009
    # A redelivered command must now get the final answer, not the old "accepted".
    stored = uow.remembered(task.command_context.idempotency_key)
    if stored is not None:
        stored.result = result.SerializeToString()
    uow.emit_result(RPC, result)
