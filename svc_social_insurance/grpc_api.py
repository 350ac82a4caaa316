"""Protobuf <-> domain mapping of the social insurance service, and who may call what.

ID numbers (= social-security numbers) are shown in full only to the clerk (and administrators);
saga results, events and the entrepreneur's view carry them masked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from onestop.common.v1 import application_pb2, common_pb2
from onestop.social_insurance.v1 import social_insurance_pb2 as pb
from onestop_common.errors import InvalidInput, NotFound, PermissionDenied, violation
from onestop_common.identifiers import mask_id_number
from onestop_common.identity import Principal, Role, require_role
from onestop_common.protoconv import id_type_name, money, timestamp
from svc_social_insurance.domain import CITIZEN_ID, EmployeeInput
from svc_social_insurance.models import ACTIVE, CANCELLED, Employer, Enrolment

PARTICIPANT = "social_insurance"
CLERKS = frozenset({Role.SI_CLERK})
PLATFORM = frozenset({Role.SYSTEM})
FULL_VIEW = frozenset({Role.SI_CLERK, Role.ADMIN, Role.SYSTEM})
# A path into the application form: "form.employees[1].person.id_number".
_FORM_FIELD = re.compile(r"^form(\.[a-z_]+(\[\d+\])?)+$")


def employees_of(request: pb.RegisterEmployerRequest) -> list[EmployeeInput]:
    return [
        EmployeeInput(
            name=e.person.name,
            id_type=id_type_name(e.person.id_type),
            id_number=e.person.id_number,
            hire_date=e.hire_date,
            monthly_wage=e.monthly_wage.amount,
        )
        for e in request.employees
    ]


def established_on(request: pb.RegisterEmployerRequest) -> date | None:
    try:
        return date.fromisoformat(request.date_of_establishment)
    except ValueError:
        return None


def employer_message(employer: Employer, *, full_ids: bool) -> pb.Employer:
    message = pb.Employer(
        registration_number=employer.registration_number,
        uscc=employer.uscc,
        company_name=employer.company_name,
        agency=employer.agency,
        employer_total=money(Decimal(employer.employer_total)),
        employee_total=money(Decimal(employer.employee_total)),
        cancelled=employer.state == CANCELLED,
        rate_table_version=employer.rate_table_version,
        rate_table_note=employer.rate_table_note,
        state=employer.state,
    )
    message.enrolments.extend(enrolment_message(e, full_ids=full_ids) for e in employer.enrolments)
    if employer.registered_at is not None:
        message.registered_at.CopyFrom(timestamp(employer.registered_at))
    if employer.cancelled_at is not None:
        message.cancelled_at.CopyFrom(timestamp(employer.cancelled_at))
    return message


def enrolment_message(enrolment: Enrolment, *, full_ids: bool) -> pb.Enrolment:
    number = enrolment.id_number if full_ids else mask_id_number(enrolment.id_number)
    message = pb.Enrolment(
        social_security_number=number,
        name=enrolment.name,
        start_date=enrolment.start_date.isoformat(),
        hire_date=enrolment.hire_date.isoformat(),
        contribution_base=money(Decimal(enrolment.contribution_base)),
        base_adjusted=enrolment.base_adjusted,
        late_enrolment=enrolment.late_enrolment,
        employer_total=money(Decimal(enrolment.employer_total)),
        employee_total=money(Decimal(enrolment.employee_total)),
        active=enrolment.state == ACTIVE,
    )
    for line in enrolment.contributions:
        message.contributions.append(
            pb.Contribution(
                insurance=line["insurance"],
                employer_rate=line["employer_rate"],
                employee_rate=line["employee_rate"],
                employer_amount=money(Decimal(line["employer_amount"])),
                employee_amount=money(Decimal(line["employee_amount"])),
                verified=line["verified"],
            )
        )
    return message


def task_details(employer: Employer) -> dict[str, str]:
    late = [e.name for e in employer.enrolments if e.late_enrolment]
    adjusted = [e.name for e in employer.enrolments if e.base_adjusted]
    return {
        "registration_number": employer.registration_number,
        "employees": str(len(employer.enrolments)),
        "work_injury_risk_class": str(employer.work_injury_risk_class),
        "employer_total_first_month": employer.employer_total,
        "employee_total_first_month": employer.employee_total,
        "late_enrolment": ", ".join(late),
        "base_adjusted": ", ".join(adjusted),
        "review_reasons": "; ".join(employer.review_reasons),
        "rate_table_version": employer.rate_table_version,
        "rate_table_note": employer.rate_table_note,
    }


def task_summary(employer: Employer) -> str:
    flags = []
    if any(e.late_enrolment for e in employer.enrolments):
        flags.append("late enrolment 逾期参保")
    if any(e.id_type != CITIZEN_ID for e in employer.enrolments):
        flags.append("non-citizen ID 非居民身份证")
    summary = (
        f"{len(employer.enrolments)} employees; first month {employer.employer_total} CNY employer"
        f" + {employer.employee_total} CNY employees (rates unverified)"
    )
    return f"{summary}; {', '.join(flags)}" if flags else summary


def require_clerk(principal: Principal) -> Principal:
    return require_role(principal, CLERKS)


def may_see_employer(principal: Principal, employer: Employer | None, uscc: str) -> bool:
    """Returns whether the caller sees full ID numbers; raises when they may not see it at all."""
    if principal.role in FULL_VIEW:
        if employer is None:
            raise NotFound(
                f"no social insurance registration for {uscc}", message_zh=f"{uscc} 未办理社保登记"
            )
        return True
    if principal.role is Role.ENTREPRENEUR:
        if employer is None or employer.applicant_id != principal.subject:
            # The same answer whether it does not exist or belongs to someone else.
            raise NotFound(
                f"no social insurance registration of yours for {uscc}",
                message_zh=f"未找到您名下 {uscc} 的社保登记",
            )
        return False
    raise PermissionDenied(
        f"role {principal.role.value} may not read social insurance registrations",
        message_zh=f"角色 {principal.role.value} 无权查看社保登记",
    )


def clerk_rejection(reason: str) -> list[common_pb2.Rejection]:
    return [
        common_pb2.Rejection(
            field="form.employees",
            rule="si_clerk_rejected",
            message_zh=f"社保经办人员不予登记：{reason}",
            message_en=f"the social insurance clerk refused the registration: {reason}",
            participant=PARTICIPANT,
        )
    ]


def clerk_fields(
    given: Sequence[common_pb2.Rejection], reason: str, *, required: bool
) -> list[common_pb2.Rejection]:
    """The form fields a clerk names in a refusal, as rejections of this service; a field without
    its own sentence gets the refusal's reason. A correctable refusal (``required``) must name
    at least one field, or the applicant would not know what to correct."""
    if required and not given:
        raise InvalidInput.of(
            [
                violation(
                    "fields",
                    "required",
                    "可更正的驳回须至少指明一个需申请人更正的表单字段",
                    "a correctable refusal must name at least one form field for the applicant "
                    "to correct",
                )
            ]
        )
    bad = [
        violation(
            f"fields[{i}].field",
            "form_field",
            "字段须写作申请表中的路径，以“form.”开头，例如 form.employees[0].person.id_number",
            "a field is a path into the application form starting with 'form.', e.g. "
            "form.employees[0].person.id_number",
        )
        for i, item in enumerate(given)
        if not _FORM_FIELD.match(item.field.strip())
    ]
    if bad:
        raise InvalidInput.of(bad)
    reason = reason.strip()
    return [
        common_pb2.Rejection(
            field=item.field.strip(),
            rule=item.rule.strip() or "si_clerk_correction",
            message_zh=item.message_zh.strip() or f"社保经办人员要求更正：{reason}",
            message_en=item.message_en.strip()
            or f"the social insurance clerk asks for a correction: {reason}",
            subject_zh=item.subject_zh,
            subject_en=item.subject_en,
            participant=PARTICIPANT,
        )
        for item in given
    ]


def command_from_form(
    form: application_pb2.ApplicationForm, case_id: str, applicant_id: str
) -> pb.RegisterEmployerRequest:
    """The RegisterEmployer command the saga builds from the form (orchestrator/open_company.py
    ``register_employer``), as it looks before the license exists: no USCC, no date of
    establishment, the name as the form spells it."""
    name = form.name
    return pb.RegisterEmployerRequest(
        context=common_pb2.CommandContext(case_id=case_id, applicant_id=applicant_id),
        uscc="",
        company_name=f"{name.division}{name.trade_name}{name.industry}{name.organisational_form}",
        legal_representative=form.legal_representative,
        employees=form.employees,
        division_code=form.domicile.division_code,
        domicile=form.domicile,
        work_injury_risk_class=form.work_injury_risk_class,
        date_of_establishment="",
    )


def require_case_owner(principal: Principal, case_id: str, owners: set[str]) -> None:
    """An entrepreneur re-checks only their own case: what a case holds is set aside for it."""
    if principal.role is Role.ENTREPRENEUR and owners and owners != {principal.subject}:
        raise PermissionDenied(
            f"case {case_id} is not yours to check",
            message_zh=f"案件 {case_id} 不属于您，不能以其名义核查",
        )
