"""Checks before or beside a case: the form (ValidateApplication, CheckApplication for the
platform's precheck) and the name alone (CheckName); nothing is written."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from onestop.common.v1 import application_pb2
from onestop.registration.v1 import registration_pb2 as pb
from onestop_common.errors import violation
from onestop_common.identity import Principal
from onestop_common.participant import UnitOfWork
from onestop_common.protoconv import rejections
from svc_registration import domain, grpc_api, store
from svc_registration.actions.assessment import assess, duplicate_name_of, review_reasons
from svc_registration.actions.env import Env
from svc_registration.domain import PARTICIPANT, ReferenceData


def validate_application(
    uow: UnitOfWork, principal: Principal, request: pb.ValidateApplicationRequest, env: Env
) -> pb.ValidateApplicationResponse:
    applicant = grpc_api.applicant_for_check(principal, request.applicant_id)
    a = assess(uow, request.form, env, applicant_id=applicant)
    eligible = a.decision.approved and env.auto_enabled
    return pb.ValidateApplicationResponse(
        rejections=rejections(a.validation.violations),
        flags=[flag.text for flag in a.validation.flags],
        automatic_approval_eligible=eligible,
        automatic_approval_reasons=review_reasons(a, env) if not eligible else [],
    )


def check_application(
    uow: UnitOfWork,
    principal: Principal | None,
    request: application_pb2.CheckApplicationRequest,
    env: Env,
) -> application_pb2.CheckApplicationResponse:
    """The application against registration's rules before a case exists (or again, for a
    correction of case ``request.case_id``): the very ``assess`` that IssueLicense runs, without
    reserving the name. ``principal`` is None for the platform's AMQP call.

    Everything IssueLicense checks applies here: the form's rules, the served area (the domicile
    and the name's division must lie in Baodi, ``domain.REGISTRATION_AREA``), the credit list
    (the commitment route is closed to listed people) and the names other cases hold. Nothing the
    license would add (USCC, license number) is needed by any of them, so no rule is skipped.
    Nothing is written: the assessment runs in a savepoint that is rolled back, so not even the
    credit list's seed (which a first lookup applies) stays behind.
    """
    applicant = request.applicant_id
    if principal is not None:
        applicant = grpc_api.applicant_for_check(principal, request.applicant_id)
        if request.case_id:
            owners = {hold.applicant_id for hold in store.case_holds(uow.session, request.case_id)}
            grpc_api.require_case_owner(principal, request.case_id, owners)
    with read_only(uow):
        a = assess(uow, request.form, env, case_id=request.case_id, applicant_id=applicant)
    found = [replace(v, participant=PARTICIPANT) for v in a.validation.violations]
    return application_pb2.CheckApplicationResponse(
        rejections=rejections(found), participant=PARTICIPANT, rule_set=rule_set(env.ref)
    )


@contextmanager
def read_only(uow: UnitOfWork) -> Iterator[None]:
    """Whatever the block writes is rolled back (a savepoint inside the caller's transaction)."""
    savepoint = uow.session.begin_nested()
    try:
        yield
    finally:
        if savepoint.is_active:
            savepoint.rollback()


def rule_set(ref: ReferenceData) -> str:
    """The rules' version for the audit: the form rules ride with the automatic-approval rule set's
    version; the reference data (word lists, catalogue, divisions) by a digest of its files'."""
    digest = hashlib.sha256(ref.data_version.encode()).hexdigest()[:12]
    return f"{domain.RULESET_VERSION}+data@{digest}"


def check_name(uow: UnitOfWork, request: pb.CheckNameRequest, env: Env) -> pb.CheckNameResponse:
    name = grpc_api.application(application_pb2.ApplicationForm(name=request.name)).name
    etype = grpc_api.ENTERPRISE_TYPES.get(
        request.enterprise_type, domain.EnterpriseType.UNSPECIFIED
    )
    result = domain.check_name(name, etype, env.ref)
    found = list(result.violations)
    if etype is domain.EnterpriseType.UNSPECIFIED:
        found.append(
            violation(
                "enterprise_type",
                "enterprise_type.required",
                "请选择企业类型，以核对组织形式",
                "choose the enterprise type so the organisational form can be checked",
            )
        )
    if not found and result.industry_section:
        blocked = store.name_conflicts(
            uow.session, domain.name_hold_keys(name, result.industry_section), env.now
        )
        if blocked:
            found.append(duplicate_name_of(blocked[0]))
    return pb.CheckNameResponse(
        available=not found, full_name=name.full, rejections=rejections(found)
    )
