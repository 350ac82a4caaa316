"""The assessment every handler that reads a form shares: validation, the name against the
area's holds, the credit list and the automatic-approval decision."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from onestop.common.v1 import application_pb2, common_pb2
from onestop_common.errors import Conflict, RuleViolation
from onestop_common.participant import UnitOfWork
from svc_registration import domain, grpc_api, store
from svc_registration.actions.env import Env
from svc_registration.domain import Application, AutoDecision, CreditStatus, Validation
from svc_registration.models import NameHold

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Assessment:
    app: Application
    validation: Validation
    credit: CreditStatus
    decision: AutoDecision


def assess(
    uow: UnitOfWork,
    form: application_pb2.ApplicationForm,
    env: Env,
    *,
    case_id: str = "",
    applicant_id: str = "",
    claim: bool = False,
) -> Assessment:
    """Validates the form, checks the name against the area's holds (reserving it for the case
    when ``claim``), and runs the automatic-approval rule set over the result."""
    session = uow.session
    app = grpc_api.application(form)
    credit = store.credit_status(session, applicant_id, domain.credit_people(app), env.now)
    validation = domain.validate_application(app, env.ref, today=env.today, credit=credit)
    name_clean = not any(v.field.startswith("form.name") for v in validation.violations)
    section = validation.industry_section
    if name_clean and section:
        keys = domain.name_hold_keys(app.name, section)
        if claim:
            blocked = store.claim_name(
                session,
                keys,
                case_id=case_id,
                applicant_id=applicant_id,
                full_name=app.name.full,
                now=env.now,
            )
            if not blocked:
                store.release_other_names(session, case_id, keys, env.now)
        else:
            blocked = store.name_conflicts(
                session, keys, env.now, case_id=case_id, applicant_id=applicant_id
            )
        if blocked:
            validation = replace(
                validation, violations=(*validation.violations, duplicate_name_of(blocked[0]))
            )
    decision = domain.decide_automatically(domain.auto_inputs(app, validation, credit))
    return Assessment(app, validation, credit, decision)


def assess_to_decide(
    uow: UnitOfWork, form: application_pb2.ApplicationForm, ctx: common_pb2.CommandContext, env: Env
) -> Assessment:
    """The form assessed again when an officer grants it (an application or a change): it must
    still pass every rule, the name held for the case."""
    a = assess(uow, form, env, case_id=ctx.case_id, applicant_id=ctx.applicant_id, claim=True)
    if a.validation.violations:
        raise Conflict(
            "the form no longer passes the checks; ask for a correction instead",
            message_zh="该申请已不能通过校验，请改为要求补正",
            violations=a.validation.violations,
        )
    return a


def duplicate_name_of(hold: NameHold) -> RuleViolation:
    return domain.duplicate_name(hold.full_name, hold.state)


def review_reasons(a: Assessment, env: Env) -> list[str]:
    reasons = [reason.text for reason in a.decision.reasons]
    if not env.auto_enabled:
        reasons.insert(
            0,
            "auto.disabled: automatic approval is switched off for registration / 无人审批未开启",
        )
    return reasons


def record_assessment(uow: UnitOfWork, case_id: str, a: Assessment, env: Env) -> None:
    store.record_decision(
        uow.session,
        case_id,
        a.decision,
        enabled=env.auto_enabled,
        data_version=env.ref.data_version,
        now=env.now,
    )
    log.debug(
        "case %s: automatic decision %s (%s) %s",
        case_id,
        "approve" if a.decision.approved and env.auto_enabled else "refer",
        a.decision.ruleset_version,
        [r.code for r in a.decision.reasons],
    )
