"""ChangeLicense, a side command of the license step, and the officer's decision on it.

A correction of the application that changes what the issued license records is a change
registration (变更登记), not a reason to revoke: the changed form is checked against the same
rules as an application, a registration officer reviews the changed items, and on approval the
license is re-issued under the same USCC as the next version (the version it replaces is kept,
signed PDF included). A refusal leaves the license as it was and the correction goes back to the
applicant.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import cast

from onestop.common.v1 import application_pb2, common_pb2
from onestop.registration.v1 import registration_pb2 as pb
from onestop_common import desk
from onestop_common.calendar import CalendarError
from onestop_common.errors import Conflict
from onestop_common.identity import Principal
from onestop_common.participant import UnitOfWork
from onestop_common.protoconv import rejections
from svc_registration import domain, grpc_api, store
from svc_registration.actions.assessment import assess, assess_to_decide
from svc_registration.actions.env import Env, saga_action
from svc_registration.actions.granting import license_facts
from svc_registration.actions.signing import NeedsSignature
from svc_registration.models import License, LicenseChangeRow, Task

log = logging.getLogger(__name__)

Outcome = common_pb2.Outcome
CHANGE_TASK_PREFIX = "CHG"


def change_items(row: License, form: application_pb2.ApplicationForm) -> list[pb.LicenseChange]:
    before = grpc_api.application(application_pb2.ApplicationForm.FromString(row.form))
    return [
        pb.LicenseChange(**dataclasses.asdict(item))
        for item in domain.license_changes(before, grpc_api.application(form))
    ]


def _answer(
    outcome: int, env: Env, row: License | None = None, **status: object
) -> pb.ChangeLicenseResponse:
    response = pb.ChangeLicenseResponse(
        status=desk.step_status(outcome, now=env.now, **status)  # type: ignore[arg-type]
    )
    if row is not None:
        response.license.CopyFrom(grpc_api.license_message(row))
    return response


def _open_change(
    uow: UnitOfWork, request: pb.ChangeLicenseRequest, env: Env
) -> pb.ChangeLicenseResponse:
    ctx, session = request.context, uow.session
    row = store.license_for_case(session, ctx.case_id)
    if row is None or row.status != "valid":
        return _answer(
            Outcome.OUTCOME_REJECTED,
            env,
            reason="this case has no valid license to change",
            rejections=[_rejection("change.no_license", "本案件没有可变更的有效营业执照")],
        )
    items = change_items(row, request.form)
    if not items:  # nothing the license records changed: it stands as it is
        return _answer(Outcome.OUTCOME_DONE, env, row, decided_by="auto:no_change")
    a = assess(
        uow, request.form, env, case_id=ctx.case_id, applicant_id=ctx.applicant_id, claim=True
    )
    if a.validation.violations:
        return _answer(
            Outcome.OUTCOME_CORRECTION_REQUESTED,
            env,
            row,
            decided_by=f"auto:{domain.RULESET_VERSION}",
            reason=f"the changed form breaks {len(a.validation.violations)} rule(s)",
            rejections=rejections(a.validation.violations),
        )
    task = _open_task(uow, request, row, items, env)
    log.info(
        "case %s: change registration %s opened (%d item(s))", ctx.case_id, task.id, len(items)
    )
    response = _answer(Outcome.OUTCOME_ACCEPTED, env, row, task_id=task.id)
    response.changes.extend(items)
    return response


def _open_task(
    uow: UnitOfWork,
    request: pb.ChangeLicenseRequest,
    row: License,
    items: Sequence[pb.LicenseChange],
    env: Env,
) -> Task:
    task = desk.open_task(
        uow.session,
        Task,
        prefix=CHANGE_TASK_PREFIX,
        context=request.context,
        request=request,
        now=env.now,
        company_name=row.company_name,
        uscc=row.uscc,
        kind=store.CHANGE,
        summary=domain.change_summary(
            [domain.ChangeItem(i.item, i.label_zh, i.label_en, i.before, i.after) for i in items]
        ),
        # Keyed for the desk's labels (detail.changed.<item>): what it records → what it will.
        details={
            **{f"changed.{i.item}": f"{i.before}\n→ {i.after}" for i in items},
            "corrected_fields": "\n".join(request.corrected_fields),
        },
    )
    # The change has a review time of its own, from now (the license step's ran out long ago).
    limit = Decimal(domain.CHANGE_REVIEW_WORKDAYS)
    task.started_at, task.limit_workdays = env.now, domain.CHANGE_REVIEW_WORKDAYS
    try:
        task.due_at = env.calendar.add_working_time(env.now, limit)
        task.warn_at = env.calendar.add_working_time(env.now, limit * Decimal("0.8"))
    except CalendarError:  # the year's working days are not imported yet: no deadline guessed
        task.due_at = task.warn_at = None
    uow.session.flush()
    return cast(Task, task)


def _rejection(rule: str, zh: str, en: str = "") -> common_pb2.Rejection:
    return common_pb2.Rejection(field="form", rule=rule, message_zh=zh, message_en=en or zh)


# --------------------------------------------------------------------------- the officer decides


def approve_change(
    uow: UnitOfWork, principal: Principal, task: Task, comment: str, env: Env
) -> pb.ApproveTaskResponse:
    """Re-issues the license as the next version: the same USCC and license number, the
    establishment date it had, the changed facts, a new signed PDF (asked for with
    :class:`NeedsSignature` like the first one)."""
    desk.ensure_decidable(task, principal)
    request = pb.ChangeLicenseRequest.FromString(task.request)
    ctx = task.command_context
    row = store.license_for_case(uow.session, task.case_id)
    if row is None or row.status != "valid":
        raise Conflict(
            "the license of this case is no longer valid; refuse the change",
            message_zh="该案件的营业执照已不再有效，请驳回变更申请",
        )
    a = assess_to_decide(uow, request.form, ctx, env)
    items = change_items(row, request.form)
    facts = dataclasses.replace(
        license_facts(a.app, env, row.uscc, row.license_number, row.version + 1),
        date_of_establishment=row.date_of_establishment,
    )
    prepared = env.prepared
    if prepared is None or prepared.case_id != ctx.case_id or prepared.facts != facts:
        raise NeedsSignature(ctx.case_id, facts)
    materials = store.materials_of(uow.session, row.case_id)
    _keep_replaced_version(uow, row, items, principal.subject, task.id, env)
    _reissue(row, request.form, facts, prepared.pdf, env)
    store.register_changed_name(uow.session, row.case_id, row.company_name, env.now)
    desk.decide(task, principal, desk.DONE, env.now, comment)
    message = grpc_api.license_message(row, materials)
    uow.emit_event(
        pb.LicenseChanged(case_id=row.case_id, license=message, changes=items),
        "LicenseChanged",
        case_id=row.case_id,
    )
    answer = pb.ChangeLicenseResponse(
        status=desk.step_status(
            Outcome.OUTCOME_DONE,
            decided_by=principal.subject,
            task_id=task.id,
            reason=comment,
            now=env.now,
        ),
        license=message,
        changes=items,
    )
    uow.answer_later("ChangeLicense", ctx, answer)
    log.info("case %s: license %s re-issued as version %d", row.case_id, row.uscc, row.version)
    return pb.ApproveTaskResponse(
        task=desk.task_message(task, env.calendar, env.now), license=message
    )


def _keep_replaced_version(
    uow: UnitOfWork,
    row: License,
    items: Sequence[pb.LicenseChange],
    decided_by: str,
    task_id: str,
    env: Env,
) -> None:
    uow.session.add(
        LicenseChangeRow(
            uscc=row.uscc,
            case_id=row.case_id,
            version=row.version + 1,
            changes=[{"item": i.item, "before": i.before, "after": i.after} for i in items],
            decided_by=decided_by,
            decided_at=env.now,
            task_id=task_id,
            previous_form=row.form,
            previous_pdf=row.pdf,
            previous_pdf_sha256=row.pdf_sha256,
        )
    )


def _reissue(
    row: License,
    form: application_pb2.ApplicationForm,
    facts: domain.LicenseFacts,
    pdf: bytes,
    env: Env,
) -> None:
    """The license row becomes the next version; USCC, number and establishment date stay."""
    app = grpc_api.application(form)
    row.company_name = facts.company_name
    row.enterprise_type = app.enterprise_type.value
    row.legal_representative = facts.legal_representative
    row.legal_rep_id_type = app.legal_representative.id_type.value
    row.legal_rep_id_number = app.legal_representative.id_number
    row.registered_capital = format(facts.registered_capital, "f")
    row.operating_term_years = app.operating_term_years
    row.operating_term = facts.term_text
    row.domicile = facts.domicile
    row.division_code = app.domicile.division_code
    row.business_scope = facts.business_scope
    row.qr_payload = facts.qr_payload
    row.form = form.SerializeToString(deterministic=True)
    row.pdf, row.pdf_sha256 = pdf, hashlib.sha256(pdf).hexdigest()
    row.version += 1
    row.issued_at = row.changed_at = env.now


def refuse_change(
    uow: UnitOfWork,
    principal: Principal,
    task: Task,
    reason: str,
    found: Sequence[common_pb2.Rejection],
    env: Env,
    *,
    correctable: bool,
) -> None:
    """The officer refuses the change (REJECTED) or asks for other data (CORRECTION_REQUESTED):
    the license stays as it was; the orchestrator gives the correction back to the applicant."""
    desk.decide(task, principal, desk.REJECTED, env.now, reason)
    row = store.license_for_case(uow.session, task.case_id)
    outcome = Outcome.OUTCOME_CORRECTION_REQUESTED if correctable else Outcome.OUTCOME_REJECTED
    answer = _answer(
        outcome,
        env,
        row,
        decided_by=principal.subject,
        task_id=task.id,
        reason=reason,
        rejections=found,
    )
    uow.answer_later("ChangeLicense", task.command_context, answer)


change_license = saga_action(
    "ChangeLicense", pb.ChangeLicenseResponse, _open_change, compensated_by="RevokeLicense"
)
