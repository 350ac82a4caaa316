"""What each registration entrypoint does, inside the one transaction the service opens for it:
decode, apply the domain's rules, write through the store, stage events and saga results.

Saga actions run under ``run_saga_action`` (a repeated command gets the stored result and no
second effect); a staff decision that finishes a saga step later emits that step's result with
the command context stored on its task.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from onestop.common.v1 import application_pb2, common_pb2
from onestop.registration.v1 import registration_pb2 as pb
from onestop_common import contracts, desk
from onestop_common.calendar import BusinessCalendar, CalendarError
from onestop_common.errors import Conflict, InvalidInput, NotFound, RuleViolation, violation
from onestop_common.identifiers import mask_id_number, validate_citizen_id, validate_uscc
from onestop_common.identity import Principal, Role, require_role
from onestop_common.nameko_kit import UnitOfWork, offload, run_saga_action
from onestop_common.protoconv import rejections, timestamp
from onestop_common.settings import Settings
from svc_registration import domain, grpc_api, store
from svc_registration.documents import LicenseSigner
from svc_registration.domain import (
    PARTICIPANT,
    Application,
    AutoDecision,
    CreditStatus,
    ReferenceData,
    Validation,
)
from svc_registration.license_pdf import render_license
from svc_registration.models import CommittedMaterialRow, License, NameHold, Task

log = logging.getLogger(__name__)

Outcome = common_pb2.Outcome
TASK_PREFIX = "REG"
MATERIAL_TASK_PREFIX = "MAT"


@dataclass(frozen=True)
class Env:
    """What a handler needs besides its request: settings, business time, calendar, data."""

    settings: Settings
    now: datetime
    calendar: BusinessCalendar
    ref: ReferenceData
    # A license signed outside the transaction for this attempt (see NeedsSignature).
    prepared: PreparedLicense | None = None

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def auto_enabled(self) -> bool:
        return PARTICIPANT in self.settings.auto_approve


# --------------------------------------------------------------------------- assessment


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
                validation, violations=(*validation.violations, _duplicate_name(blocked[0]))
            )
    decision = domain.decide_automatically(domain.auto_inputs(app, validation, credit))
    return Assessment(app, validation, credit, decision)


def _duplicate_name(hold: NameHold) -> RuleViolation:
    return domain.duplicate_name(hold.full_name, hold.state)


def _review_reasons(a: Assessment, env: Env) -> list[str]:
    reasons = [reason.text for reason in a.decision.reasons]
    if not env.auto_enabled:
        reasons.insert(
            0,
            "auto.disabled: automatic approval is switched off for registration / 无人审批未开启",
        )
    return reasons


def _record(uow: UnitOfWork, case_id: str, a: Assessment, env: Env) -> None:
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


# --------------------------------------------------------------------------- IssueLicense


def issue_license(
    uow: UnitOfWork, request: pb.IssueLicenseRequest, env: Env
) -> pb.IssueLicenseResponse:
    return run_saga_action(  # type: ignore[return-value]
        uow,
        "IssueLicense",
        request,
        pb.IssueLicenseResponse,
        lambda u: _issue(u, request, env),
        compensated_by="RevokeLicense",
    )


def _issue(uow: UnitOfWork, request: pb.IssueLicenseRequest, env: Env) -> pb.IssueLicenseResponse:
    ctx = request.context
    session = uow.session
    existing = store.license_for_case(session, ctx.case_id)
    if existing is not None:  # the same case sent again under a new key: same license
        return _done(existing, store.materials_of(session, ctx.case_id), existing.decided_by, env)
    pending = store.open_review_or_awaiting(session, ctx.case_id)
    if pending is not None:
        return pb.IssueLicenseResponse(status=_pending_status(pending, env))
    a = assess(
        uow, request.form, env, case_id=ctx.case_id, applicant_id=ctx.applicant_id, claim=True
    )
    _record(uow, ctx.case_id, a, env)
    if a.validation.violations:
        task = _open_review(uow, request, a, env, awaiting=True)
        return pb.IssueLicenseResponse(status=_correction_status(task, a.validation, env))
    if env.auto_enabled and a.decision.approved:
        decided_by = f"auto:{a.decision.ruleset_version}"
        committed_at = domain.commitment_made_at(a.app.commitment, submitted_at(request, env))
        row, materials = grant(
            uow, env, ctx, a.app, request.form, decided_by=decided_by, committed_at=committed_at
        )
        return _done(row, materials, decided_by, env)
    task = _open_review(uow, request, a, env, awaiting=False)
    return pb.IssueLicenseResponse(
        status=desk.step_status(
            Outcome.OUTCOME_ACCEPTED,
            task_id=task.id,
            reason="waiting for a registration officer: " + "; ".join(_review_reasons(a, env)),
            now=env.now,
        )
    )


def submitted_at(request: pb.IssueLicenseRequest, env: Env) -> datetime:
    """When the applicant submitted the application (see ``grpc_api.submission_time``); a command
    that does not say falls back to the time it is handled, for IssueLicense moments after the
    submission."""
    when = grpc_api.submission_time(request)
    if when is not None:
        return when
    log.warning(
        "case %s: the command says nothing of the submission time; using the time it is handled",
        request.context.case_id,
    )
    return env.now


def _done(
    row: License, materials: Sequence[CommittedMaterialRow], decided_by: str, env: Env
) -> pb.IssueLicenseResponse:
    return pb.IssueLicenseResponse(
        status=desk.step_status(Outcome.OUTCOME_DONE, decided_by=decided_by, now=env.now),
        license=grpc_api.license_message(row, materials),
    )


def _pending_status(task: Task, env: Env) -> common_pb2.StepStatus:
    if task.state == desk.AWAITING_APPLICANT:
        return desk.step_status(
            Outcome.OUTCOME_CORRECTION_REQUESTED,
            task_id=task.id,
            reason=task.reason,
            rejections=_stored_rejections(task),
            now=env.now,
        )
    return desk.step_status(Outcome.OUTCOME_ACCEPTED, task_id=task.id, now=env.now)


def _correction_status(task: Task, validation: Validation, env: Env) -> common_pb2.StepStatus:
    return desk.step_status(
        Outcome.OUTCOME_CORRECTION_REQUESTED,
        task_id=task.id,
        decided_by=f"auto:{domain.RULESET_VERSION}",
        reason=f"the form breaks {len(validation.violations)} rule(s); correct and resubmit",
        rejections=rejections(validation.violations),
        now=env.now,
    )


def _summary(a: Assessment) -> str:
    app = a.app
    label = domain.TYPE_LABELS.get(app.enterprise_type, ("未选择类型", ""))[0]
    parts = [
        label,
        f"注册资本 {app.capital_amount} {app.capital_currency}",
        f"{len(app.shareholders)} 名出资人",
        f"{len(app.scope)} 项经营范围",
    ]
    if app.commitment.used:
        parts.append(f"告知承诺制（缺 {len(app.commitment.materials)} 项材料）")
    return " · ".join(parts)


def _details(
    a: Assessment,
    env: Env,
    violations: Sequence[RuleViolation] = (),
    *,
    committed_at: datetime | None = None,
) -> dict[str, str]:
    app = a.app
    details = {
        "enterprise_type": app.enterprise_type.value,
        "legal_representative": app.legal_representative.name,
        "registered_capital": f"{app.capital_amount} {app.capital_currency}",
        "division_code": app.domicile.division_code,
        "review_reasons": "\n".join(_review_reasons(a, env)),
        "flags": "\n".join(flag.text for flag in a.validation.flags),
        "ruleset_version": a.decision.ruleset_version,
        "commitment": ", ".join(m.code for m in app.commitment.materials),
    }
    if committed_at is not None:
        details.update(_commitment_details(domain.commitment_terms(committed_at)))
    if violations:
        details["rejections"] = json.dumps(
            [
                {"field": v.field, "rule": v.rule, "zh": v.message_zh, "en": v.message_en}
                for v in violations
            ],
            ensure_ascii=False,
        )
    return details


def _commitment_details(terms: domain.CommitmentTerms) -> dict[str, str]:
    """The day of the commitment beside its due date, so nobody counts from the decision."""
    return {
        "commitment_made_at": terms.committed_at.isoformat(),
        "commitment_last_day": terms.last_day.isoformat(),
        "commitment_rule": (
            f"自承诺之日起{domain.COMMITMENT_DAYS}日内补交（{terms.committed_at:%Y-%m-%d} 承诺，"
            f"{terms.last_day:%Y-%m-%d} 24:00 截止） / materials due within "
            f"{domain.COMMITMENT_DAYS} days of the commitment (made {terms.committed_at:%Y-%m-%d}, "
            f"due by the end of {terms.last_day:%Y-%m-%d})"
        ),
    }


def _stored_rejections(task: Task) -> list[common_pb2.Rejection]:
    raw = (task.details or {}).get("rejections")
    if not raw:
        return []
    return [
        common_pb2.Rejection(
            field=item["field"], rule=item["rule"], message_zh=item["zh"], message_en=item["en"]
        )
        for item in json.loads(raw)
    ]


def _open_review(
    uow: UnitOfWork, request: pb.IssueLicenseRequest, a: Assessment, env: Env, *, awaiting: bool
) -> Task:
    committed_at = domain.commitment_made_at(a.app.commitment, submitted_at(request, env))
    opened = desk.open_task(
        uow.session,
        Task,
        prefix=TASK_PREFIX,
        context=request.context,
        request=request,
        now=env.now,
        company_name=a.app.name.full,
        summary=_summary(a),
        details=_details(
            a, env, a.validation.violations if awaiting else (), committed_at=committed_at
        ),
    )
    assert isinstance(opened, Task)
    task = opened
    task.commitment_made_at = committed_at
    if awaiting:
        task.state = desk.AWAITING_APPLICANT
        task.paused_at = env.now
        task.decided_by = f"auto:{domain.RULESET_VERSION}"
        task.reason = "automatic checks found problems in the form"
    uow.session.flush()
    return task


# --------------------------------------------------------------------------- granting


class NeedsSignature(Exception):
    """The transaction must run again with a signed license in hand.

    Signing calls the TSA, and no network call may run inside a database transaction: SQLite
    holds its write lock for the whole transaction, and under eventlet another green thread's
    busy wait on that lock stalls the whole process. So the service rolls back, signs these
    facts outside any transaction, and runs the handler again with the result.
    """

    def __init__(self, case_id: str, facts: domain.LicenseFacts) -> None:
        super().__init__(f"case {case_id} needs a signed license")
        self.case_id = case_id
        self.facts = facts


@dataclass(frozen=True)
class PreparedLicense:
    case_id: str
    facts: domain.LicenseFacts
    pdf: bytes


def prepare_license(need: NeedsSignature, signer: LicenseSigner) -> PreparedLicense:
    """Draws and signs the license (no database: this talks to the TSA)."""
    drawn = offload(render_license, need.facts)
    pdf = signer.sign(drawn, company_name=need.facts.company_name)
    return PreparedLicense(need.case_id, need.facts, pdf)


def license_facts(app: Application, env: Env, uscc: str, number: str) -> domain.LicenseFacts:
    wordings = [domain.normalise_wording(item.name_zh) for item in app.scope]
    return domain.LicenseFacts(
        uscc=uscc,
        license_number=number,
        company_name=app.name.full,
        enterprise_type=app.enterprise_type,
        legal_representative=app.legal_representative.name.strip(),
        registered_capital=Decimal(app.capital_amount.strip()),
        date_of_establishment=env.today,
        operating_term_years=app.operating_term_years,
        domicile=app.domicile.text,
        business_scope=domain.business_scope_text(wordings, env.ref),
        registration_authority=domain.REGISTRATION_AUTHORITY_ZH,
        issued_on=env.today,
        qr_payload=domain.qr_payload(uscc, number),
    )


def _new_license_number(env: Env) -> str:
    return domain.license_number_for(
        domain.REGISTRATION_AREA, env.today, secrets.token_hex(3).upper()
    )


def grant(
    uow: UnitOfWork,
    env: Env,
    ctx: common_pb2.CommandContext,
    app: Application,
    form: application_pb2.ApplicationForm,
    *,
    decided_by: str,
    committed_at: datetime | None,
) -> tuple[License, list[CommittedMaterialRow]]:
    """Registers the USCC, stores the signed license, registers the name, opens the commitment,
    and announces LicenseIssued: all in the caller's transaction. Without a matching signed
    license (``env.prepared``) it asks for one (:class:`NeedsSignature`).

    ``committed_at`` is when the applicant made the commitment (see
    ``domain.commitment_made_at``): its 60 days run from that day, not from this grant.
    """
    if app.commitment.used and committed_at is None:
        raise ValueError(f"case {ctx.case_id}: a commitment needs the time it was made")
    session = uow.session
    prepared = env.prepared
    if prepared is None or prepared.case_id != ctx.case_id:
        uscc = store.draw_uscc(session, app.enterprise_type)
        raise NeedsSignature(ctx.case_id, license_facts(app, env, uscc, _new_license_number(env)))
    facts = prepared.facts
    if facts != license_facts(app, env, facts.uscc, facts.license_number):
        # The form or the date changed since it was signed: sign what is true now.
        raise NeedsSignature(ctx.case_id, license_facts(app, env, facts.uscc, facts.license_number))
    if not store.reserve_uscc(session, facts.uscc, ctx.case_id, env.now):
        uscc = store.draw_uscc(session, app.enterprise_type)
        raise NeedsSignature(ctx.case_id, license_facts(app, env, uscc, facts.license_number))
    pdf, uscc, number, capital = (
        prepared.pdf,
        facts.uscc,
        facts.license_number,
        facts.registered_capital,
    )
    terms = domain.commitment_terms(committed_at) if app.commitment.used and committed_at else None
    due = terms.due_at if terms else None
    row = License(
        uscc=uscc,
        case_id=ctx.case_id,
        applicant_id=ctx.applicant_id,
        license_number=number,
        company_name=facts.company_name,
        enterprise_type=app.enterprise_type.value,
        legal_representative=facts.legal_representative,
        legal_rep_id_type=app.legal_representative.id_type.value,
        legal_rep_id_number=app.legal_representative.id_number,
        registered_capital=format(capital, "f"),
        currency=domain.CURRENCY,
        date_of_establishment=env.today,
        operating_term_years=app.operating_term_years,
        operating_term=facts.term_text,
        domicile=facts.domicile,
        division_code=app.domicile.division_code,
        business_scope=facts.business_scope,
        registration_authority=facts.registration_authority,
        issued_at=env.now,
        decided_by=decided_by,
        qr_payload=facts.qr_payload,
        status="valid",
        revocation_reason="",
        commitment_state="open" if terms else "none",
        committed_at=terms.committed_at if terms else None,
        commitment_due_at=due,
        form=form.SerializeToString(deterministic=True),
        pdf=pdf,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
    )
    store.add_license(session, row)
    store.settle_names(session, ctx.case_id, store.REGISTERED, env.now)
    materials = [
        CommittedMaterialRow(
            case_id=ctx.case_id,
            uscc=uscc,
            code=m.code,
            name_zh=m.name_zh,
            name_en=m.name_en,
            state="outstanding",
            due_at=due,
        )
        for m in app.commitment.materials
    ]
    session.add_all(materials)
    session.flush()
    message = grpc_api.license_message(row, materials)
    uow.emit_event(
        pb.LicenseIssued(case_id=ctx.case_id, license=message), "LicenseIssued", case_id=ctx.case_id
    )
    log.info("case %s: license %s issued by %s", ctx.case_id, uscc, decided_by)
    if terms is not None:
        log.info(
            "case %s: commitment made %s, materials due by the end of %s (granted %s)",
            ctx.case_id,
            terms.committed_at.isoformat(),
            terms.last_day.isoformat(),
            env.now.isoformat(),
        )
    return row, materials


# --------------------------------------------------------------------------- ApplyCorrection


def apply_correction(
    uow: UnitOfWork, request: pb.ApplyCorrectionRequest, env: Env
) -> pb.ApplyCorrectionResponse:
    return run_saga_action(  # type: ignore[return-value]
        uow,
        "ApplyCorrection",
        request,
        pb.ApplyCorrectionResponse,
        lambda u: _correct(u, request, env),
        compensated_by="RevokeLicense",
    )


def _correct(
    uow: UnitOfWork, request: pb.ApplyCorrectionRequest, env: Env
) -> pb.ApplyCorrectionResponse:
    ctx = request.context
    task = store.case_task(uow.session, ctx.case_id, states=(desk.AWAITING_APPLICANT,))
    if task is None:
        return pb.ApplyCorrectionResponse(
            status=desk.step_status(
                Outcome.OUTCOME_REJECTED,
                reason="no correction is pending for this case",
                now=env.now,
            )
        )
    issue_ctx = task.command_context
    a = assess(
        uow, request.form, env, case_id=ctx.case_id, applicant_id=issue_ctx.applicant_id, claim=True
    )
    _record(uow, ctx.case_id, a, env)
    original = pb.IssueLicenseRequest.FromString(task.request)
    corrected = pb.IssueLicenseRequest(context=issue_ctx, form=request.form)
    if original.HasField("submitted_at"):
        corrected.submitted_at.CopyFrom(original.submitted_at)
    task.request = corrected.SerializeToString()
    task.company_name = a.app.name.full
    task.summary = _summary(a)
    # A commitment the case already had keeps its day; one first agreed in this correction was
    # made now (the orchestrator sends the correction when the applicant submits it, and this
    # command's deadline is the original step's, so it cannot say when).
    committed_at = domain.commitment_made_at(
        a.app.commitment, env.now, earlier=task.commitment_made_at
    )
    task.commitment_made_at = committed_at
    if a.validation.violations:
        task.details = _details(a, env, a.validation.violations, committed_at=committed_at)
        return pb.ApplyCorrectionResponse(status=_correction_status(task, a.validation, env))
    task.details = _details(a, env, committed_at=committed_at)
    _resume(task, env)
    if env.auto_enabled and a.decision.approved:
        decided_by = f"auto:{a.decision.ruleset_version}"
        row, materials = grant(
            uow,
            env,
            issue_ctx,
            a.app,
            request.form,
            decided_by=decided_by,
            committed_at=committed_at,
        )
        task.state, task.decided_at, task.decided_by = desk.DONE, env.now, decided_by
        uow.emit_result(
            "IssueLicense",
            pb.IssueLicenseResponse(
                context=issue_ctx,
                status=desk.step_status(
                    Outcome.OUTCOME_DONE, decided_by=decided_by, task_id=task.id, now=env.now
                ),
                license=grpc_api.license_message(row, materials),
            ),
        )
    return pb.ApplyCorrectionResponse(
        status=desk.step_status(
            Outcome.OUTCOME_ACCEPTED,
            task_id=task.id,
            reason="the corrected form passed the checks and is back in the officer's queue",
            now=env.now,
        )
    )


def _resume(task: Task, env: Env) -> None:
    """Back in the queue: the legal clock runs again, the deadline later by the pause."""
    paused_from = task.paused_at or env.now
    try:
        if task.due_at is not None:
            task.due_at = env.calendar.extend(task.due_at, paused_from, env.now)
        if task.warn_at is not None and task.warn_at > paused_from:
            task.warn_at = env.calendar.extend(task.warn_at, paused_from, env.now)
    except CalendarError:
        log.warning("task %s: deadline not extended (calendar unknown for these dates)", task.id)
    task.paused_at = None
    task.state = desk.OPEN
    task.claimed_by = ""
    task.decided_at = None
    task.decided_by = ""


# --------------------------------------------------------------------------- SupplyMaterial


def supply_material(
    uow: UnitOfWork, request: pb.SupplyMaterialRequest, env: Env
) -> pb.SupplyMaterialResponse:
    return run_saga_action(  # type: ignore[return-value]
        uow,
        "SupplyMaterial",
        request,
        pb.SupplyMaterialResponse,
        lambda u: _supply(u, request, env),
        compensated_by="RevokeLicense",
    )


def _material_answer(code: str, outcome: int, env: Env, **kw: str) -> pb.SupplyMaterialResponse:
    return pb.SupplyMaterialResponse(
        material_code=code, status=desk.step_status(outcome, now=env.now, **kw)
    )


def _supply(
    uow: UnitOfWork, request: pb.SupplyMaterialRequest, env: Env
) -> pb.SupplyMaterialResponse:
    ctx, code, session = request.context, request.material_code, uow.session
    row = store.license_for_case(session, ctx.case_id)
    item = store.material(session, ctx.case_id, code)
    if row is None or item is None:
        return _material_answer(
            code,
            Outcome.OUTCOME_REJECTED,
            env,
            reason=f"{code!r} is not a material this case committed to supply",
        )
    if item.state == "accepted":
        return _material_answer(code, Outcome.OUTCOME_DONE, env, reason="already accepted")
    if row.status != "valid" or item.state in ("overdue", "cancelled"):
        return _material_answer(
            code, Outcome.OUTCOME_REJECTED, env, reason=f"the commitment is {item.state}"
        )
    if not request.content:
        return _material_answer(code, Outcome.OUTCOME_REJECTED, env, reason="the file is empty")
    item.state, item.supplied_at = "supplied", env.now
    item.file_name, item.content_type = request.file_name, request.content_type
    item.content, item.reason = request.content, ""
    task = store.material_task(session, ctx.case_id, code)
    if task is None:
        stored = pb.SupplyMaterialRequest()
        stored.CopyFrom(request)
        stored.ClearField("content")  # the file lives in committed_materials
        task = desk.open_task(  # type: ignore[assignment]
            session,
            Task,
            prefix=MATERIAL_TASK_PREFIX,
            context=ctx,
            request=stored,
            now=env.now,
            company_name=row.company_name,
            uscc=row.uscc,
            kind=store.MATERIAL,
            summary=f"补交承诺材料：{item.name_zh}（{code}），文件 {request.file_name}",
            details={
                "material_code": code,
                "material_name": item.name_zh,
                "file_name": request.file_name,
                "content_type": request.content_type,
                "bytes": str(len(request.content)),
                **(
                    _commitment_details(domain.commitment_terms(row.committed_at))
                    if row.committed_at is not None
                    else {}
                ),
            },
        )
        assert task is not None
        # The review has no statutory limit of its own: the commitment's due date is the one.
        task.started_at, task.due_at, task.warn_at = env.now, row.commitment_due_at, None
        task.limit_workdays = ""
    else:
        task.context = ctx.SerializeToString()
    session.flush()
    item.task_id = task.id
    return _material_answer(code, Outcome.OUTCOME_ACCEPTED, env, task_id=task.id)


# --------------------------------------------------------------------------- RevokeLicense


def revoke_license(
    uow: UnitOfWork, request: pb.RevokeLicenseRequest, env: Env
) -> pb.RevokeLicenseResponse:
    return run_saga_action(  # type: ignore[return-value]
        uow, "RevokeLicense", request, pb.RevokeLicenseResponse, lambda u: _revoke(u, request, env)
    )


def _revoke(
    uow: UnitOfWork, request: pb.RevokeLicenseRequest, env: Env
) -> pb.RevokeLicenseResponse:
    ctx, session = request.context, uow.session
    reason = request.reason.strip() or "revoked"
    withdrawn = desk.cancel_case_tasks(session, Task, ctx.case_id, env.now, f"case {reason}")
    row = store.license_for_case(session, ctx.case_id)
    response = pb.RevokeLicenseResponse(
        status=desk.step_status(
            Outcome.OUTCOME_DONE, decided_by="platform", reason=reason, now=env.now
        )
    )
    if row is None:
        store.settle_names(session, ctx.case_id, store.RELEASED, env.now)
        log.info("case %s: nothing to revoke (%d task(s) withdrawn)", ctx.case_id, withdrawn)
        return response
    response.uscc = row.uscc
    if row.status != "revoked":
        row.status, row.revoked_at, row.revocation_reason = "revoked", env.now, reason
        overdue = reason == domain.COMMITMENT_OVERDUE
        for item in store.materials_of(session, ctx.case_id):
            if item.state != "accepted":
                item.state = "overdue" if overdue else "cancelled"
                item.decided_at = item.decided_at or env.now
        if row.commitment_state in ("open", "supplied"):
            row.commitment_state = "overdue" if overdue else "cancelled"
        store.retire_uscc(session, row.uscc, env.now)
        store.settle_names(session, ctx.case_id, store.DEREGISTERED, env.now)
        event = pb.LicenseRevoked(case_id=ctx.case_id, uscc=row.uscc, reason=reason)
        event.revoked_at.CopyFrom(timestamp(env.now))
        uow.emit_event(event, "LicenseRevoked", case_id=ctx.case_id)
        log.info("case %s: license %s revoked (%s)", ctx.case_id, row.uscc, reason)
    if row.revocation_reason == domain.COMMITMENT_OVERDUE:
        _record_dishonesty(uow, row, env)
    assert row.revoked_at is not None
    response.revoked_at.CopyFrom(timestamp(row.revoked_at))
    return response


def _record_dishonesty(uow: UnitOfWork, row: License, env: Env) -> None:
    """失信惩戒: the applicant's account and the legal representative go on the credit list."""
    text = domain.credit_reason_for_overdue(row.case_id, row.company_name)
    origin = f"case:{row.case_id}"
    source = (
        f"{domain.REGISTRATION_AUTHORITY_ZH}: registration revoked for an unfulfilled commitment"
    )
    store.add_credit(
        uow.session,
        kind="account",
        subject_id=row.applicant_id,
        person_name="",
        reason=text,
        origin=origin,
        source=source,
        now=env.now,
    )
    if row.legal_rep_id_number:
        store.add_credit(
            uow.session,
            kind="id_number",
            subject_id=row.legal_rep_id_number,
            person_name=row.legal_representative,
            reason=text,
            origin=origin,
            source=source,
            now=env.now,
        )
    log.info(
        "case %s: applicant %s and legal representative %s recorded on the credit list",
        row.case_id,
        row.applicant_id,
        mask_id_number(row.legal_rep_id_number),
    )


def retry_later(uow: UnitOfWork, rpc: str, request: object, reason: str) -> object:
    """A transient failure (PKI or TSA not reachable): RETRY, not remembered under the key, so
    the orchestrator's retry runs the action for real."""
    response = contracts.response_type(PARTICIPANT, rpc)()
    response.context.CopyFrom(request.context)  # type: ignore[attr-defined]
    response.status.CopyFrom(  # type: ignore[attr-defined]
        desk.step_status(Outcome.OUTCOME_RETRY, reason=reason[:500])
    )
    uow.emit_result(rpc, response)
    return response


# --------------------------------------------------------------------------- checks


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
        automatic_approval_reasons=_review_reasons(a, env) if not eligible else [],
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
            found.append(_duplicate_name(blocked[0]))
    return pb.CheckNameResponse(
        available=not found, full_name=name.full, rejections=rejections(found)
    )


# --------------------------------------------------------------------------- licenses


def get_license(
    uow: UnitOfWork, principal: Principal, request: pb.GetLicenseRequest
) -> pb.GetLicenseResponse:
    if not request.uscc and not request.case_id:
        raise InvalidInput.of(
            [
                violation(
                    "uscc", "required", "请提供统一社会信用代码或案件号", "give a USCC or a case id"
                )
            ]
        )
    row = store.find_license(uow.session, uscc=request.uscc, case_id=request.case_id)
    grpc_api.require_license_reader(principal, row)
    materials = store.materials_of(uow.session, row.case_id)
    return pb.GetLicenseResponse(license=grpc_api.license_message(row, materials), pdf=row.pdf)


def _checked_uscc(uscc: str) -> str:
    verdict = validate_uscc(uscc)
    if verdict.status == "invalid":
        raise InvalidInput.of(
            [violation("uscc", f"uscc.{verdict.rule}", verdict.reason_zh, verdict.reason_en)]
        )
    return uscc


def get_license_status(
    uow: UnitOfWork, request: pb.GetLicenseStatusRequest
) -> pb.GetLicenseStatusResponse:
    uscc = _checked_uscc(request.uscc)
    row = store.license_by_uscc(uow.session, uscc)
    if row is None:
        raise NotFound(
            f"no license with USCC {uscc} was issued by this registration authority",
            message_zh=f"本登记机关未核发统一社会信用代码为 {uscc} 的营业执照",
        )
    return grpc_api.status_response(row)


def license_status_record(uow: UnitOfWork, uscc: str) -> dict[str, object]:
    return grpc_api.status_record(store.license_by_uscc(uow.session, str(uscc).strip()), uscc)


# --------------------------------------------------------------------------- the desk


def list_tasks(
    uow: UnitOfWork, principal: Principal, request: pb.ListTasksRequest, env: Env
) -> pb.ListTasksResponse:
    rows, token = desk.list_tasks(uow.session, Task, principal, request.query)
    return pb.ListTasksResponse(
        tasks=[desk.task_message(row, env.calendar, env.now) for row in rows],
        next_page_token=token,
    )


def get_task(uow: UnitOfWork, principal: Principal, task_id: str, env: Env) -> pb.GetTaskResponse:
    task = desk.get_task(uow.session, Task, task_id, principal)
    response = pb.GetTaskResponse(task=desk.task_message(task, env.calendar, env.now))
    if task.kind == store.REVIEW:
        response.form.CopyFrom(pb.IssueLicenseRequest.FromString(task.request).form)
    else:
        row = store.license_for_case(uow.session, task.case_id)
        if row is not None:
            response.form.ParseFromString(row.form)
    reasons = (task.details or {}).get("review_reasons", "")
    response.review_reasons.extend(line for line in reasons.split("\n") if line)
    return response


def claim_task(
    uow: UnitOfWork, principal: Principal, task_id: str, env: Env
) -> pb.ClaimTaskResponse:
    task = store.task_for_update(uow.session, task_id)
    desk.claim(task, principal)
    return pb.ClaimTaskResponse(task=desk.task_message(task, env.calendar, env.now))


def approve_task(
    uow: UnitOfWork, principal: Principal, request: pb.ApproveTaskRequest, env: Env
) -> pb.ApproveTaskResponse:
    task = store.task_for_update(uow.session, request.task_id)
    if task.kind == store.MATERIAL:
        return _accept_material(uow, principal, task, request.comment, env)
    desk.ensure_decidable(task, principal)
    original = pb.IssueLicenseRequest.FromString(task.request)
    ctx = task.command_context
    a = assess(
        uow, original.form, env, case_id=ctx.case_id, applicant_id=ctx.applicant_id, claim=True
    )
    if a.validation.violations:
        raise Conflict(
            "the form no longer passes the checks; request a correction instead",
            message_zh="该申请已不能通过校验，请改为要求补正",
            violations=a.validation.violations,
        )
    # The day of the commitment was recorded when the form came in; a task opened before that
    # was recorded has the submission time in its stored command.
    committed_at = task.commitment_made_at or domain.commitment_made_at(
        a.app.commitment, submitted_at(original, env)
    )
    row, materials = grant(
        uow,
        env,
        ctx,
        a.app,
        original.form,
        decided_by=principal.subject,
        committed_at=committed_at,
    )
    desk.decide(task, principal, desk.DONE, env.now, request.comment)
    message = grpc_api.license_message(row, materials)
    uow.emit_result(
        "IssueLicense",
        pb.IssueLicenseResponse(
            context=ctx,
            status=desk.step_status(
                Outcome.OUTCOME_DONE,
                decided_by=principal.subject,
                task_id=task.id,
                reason=request.comment,
                now=env.now,
            ),
            license=message,
        ),
    )
    return pb.ApproveTaskResponse(
        task=desk.task_message(task, env.calendar, env.now), license=message
    )


def _accept_material(
    uow: UnitOfWork, principal: Principal, task: Task, comment: str, env: Env
) -> pb.ApproveTaskResponse:
    desk.decide(task, principal, desk.DONE, env.now, comment)
    code = (task.details or {}).get("material_code", "")
    item = store.material(uow.session, task.case_id, code)
    row = store.license_for_case(uow.session, task.case_id)
    if item is None or row is None:
        raise NotFound(f"no committed material {code!r} for case {task.case_id}")
    item.state, item.decided_at, item.decided_by, item.reason = (
        "accepted",
        env.now,
        principal.subject,
        comment,
    )
    materials = store.materials_of(uow.session, task.case_id)
    if all(m.state == "accepted" for m in materials) and row.commitment_state == "open":
        row.commitment_state = "fulfilled"
    uow.emit_result(
        "SupplyMaterial",
        pb.SupplyMaterialResponse(
            context=task.command_context,
            material_code=code,
            status=desk.step_status(
                Outcome.OUTCOME_DONE, decided_by=principal.subject, task_id=task.id, now=env.now
            ),
        ),
    )
    return pb.ApproveTaskResponse(
        task=desk.task_message(task, env.calendar, env.now),
        license=grpc_api.license_message(row, materials),
    )


def _officer_rejections(
    reason: str, given: Sequence[common_pb2.Rejection], rule: str
) -> list[common_pb2.Rejection]:
    if not reason.strip() and not given:
        raise InvalidInput.of(
            [
                violation(
                    "reason",
                    "required",
                    "请说明理由或列出需要更正的字段",
                    "give a reason or list the fields to correct",
                )
            ]
        )
    if given:
        return list(given)
    return [common_pb2.Rejection(field="form", rule=rule, message_zh=reason, message_en=reason)]


def reject_task(
    uow: UnitOfWork, principal: Principal, request: pb.RejectTaskRequest, env: Env
) -> pb.RejectTaskResponse:
    task = store.task_for_update(uow.session, request.task_id)
    found = _officer_rejections(request.reason, request.rejections, "officer.rejected")
    reason = request.reason.strip() or "; ".join(r.message_en for r in found)
    desk.decide(task, principal, desk.REJECTED, env.now, reason)
    status = desk.step_status(
        Outcome.OUTCOME_REJECTED,
        decided_by=principal.subject,
        task_id=task.id,
        reason=reason,
        rejections=found,
        now=env.now,
    )
    if task.kind == store.MATERIAL:
        code = (task.details or {}).get("material_code", "")
        item = store.material(uow.session, task.case_id, code)
        if item is not None:
            item.state, item.decided_at, item.decided_by, item.reason = (
                "refused",
                env.now,
                principal.subject,
                reason,
            )
        uow.emit_result(
            "SupplyMaterial",
            pb.SupplyMaterialResponse(
                context=task.command_context, material_code=code, status=status
            ),
        )
    else:
        uow.emit_result(
            "IssueLicense", pb.IssueLicenseResponse(context=task.command_context, status=status)
        )
    return pb.RejectTaskResponse(task=desk.task_message(task, env.calendar, env.now))


def request_correction(
    uow: UnitOfWork, principal: Principal, request: pb.RequestCorrectionRequest, env: Env
) -> pb.RequestCorrectionResponse:
    task = store.task_for_update(uow.session, request.task_id)
    store.require_kind(task, store.REVIEW)
    found = _officer_rejections(request.reason, request.rejections, "officer.correction")
    desk.ensure_decidable(task, principal)
    reason = request.reason.strip() or "; ".join(r.message_en for r in found)
    task.state, task.paused_at, task.reason = desk.AWAITING_APPLICANT, env.now, reason
    task.decided_by, task.decided_at = principal.subject, env.now
    details = dict(task.details or {})
    details["rejections"] = json.dumps(
        [{"field": r.field, "rule": r.rule, "zh": r.message_zh, "en": r.message_en} for r in found],
        ensure_ascii=False,
    )
    task.details = details
    uow.emit_result(
        "IssueLicense",
        pb.IssueLicenseResponse(
            context=task.command_context,
            status=desk.step_status(
                Outcome.OUTCOME_CORRECTION_REQUESTED,
                decided_by=principal.subject,
                task_id=task.id,
                reason=reason,
                rejections=found,
                now=env.now,
            ),
        ),
    )
    return pb.RequestCorrectionResponse(task=desk.task_message(task, env.calendar, env.now))


def explain_decision(
    uow: UnitOfWork, request: pb.ExplainDecisionRequest
) -> pb.ExplainDecisionResponse:
    row = store.latest_decision(uow.session, request.case_id)
    replay = domain.decide_automatically(row.inputs, row.ruleset_version)
    response = pb.ExplainDecisionResponse(
        case_id=row.case_id,
        ruleset_version=row.ruleset_version,
        data_version=row.data_version,
        inputs_json=json.dumps(row.inputs, ensure_ascii=False, sort_keys=True),
        approved=row.approved and row.enabled,
        reasons=[f"{r['code']}: {r['message_en']} / {r['message_zh']}" for r in row.reasons],
        enabled=row.enabled,
        replay_matches=replay.approved == row.approved
        and [r.code for r in replay.reasons] == [r["code"] for r in row.reasons],
    )
    response.decided_at.CopyFrom(timestamp(row.decided_at))
    return response


# --------------------------------------------------------------------------- the credit list


def list_credit(
    uow: UnitOfWork, principal: Principal, request: pb.ListCreditEntriesRequest, env: Env
) -> pb.ListCreditEntriesResponse:
    require_role(principal, frozenset({Role.OFFICER}))
    version, rows = store.list_credit(
        uow.session, include_removed=request.include_removed, now=env.now
    )
    return pb.ListCreditEntriesResponse(
        entries=[grpc_api.credit_entry(row, reveal=True) for row in rows], seed_version=version
    )


def add_credit(
    uow: UnitOfWork, principal: Principal, request: pb.AddCreditEntryRequest, env: Env
) -> pb.AddCreditEntryResponse:
    require_role(principal, frozenset({Role.ADMIN}))
    kind = grpc_api.CREDIT_KINDS.get(request.subject_kind)
    subject = request.subject_id.strip()
    found = []
    if kind is None:
        found.append(
            violation(
                "subject_kind", "required", "请选择名单对象类型", "choose the kind of subject"
            )
        )
    if not subject:
        found.append(violation("subject_id", "required", "请填写对象标识", "give the subject id"))
    elif kind == "id_number" and len(subject) == 18:
        verdict = validate_citizen_id(subject, today=env.today)
        if not verdict.ok:
            found.append(
                violation(
                    "subject_id", f"id_number.{verdict.rule}", verdict.reason_zh, verdict.reason_en
                )
            )
    if not request.reason.strip():
        found.append(violation("reason", "required", "请说明列入理由", "give the reason"))
    if found:
        raise InvalidInput.of(found)
    assert kind is not None
    row = store.add_credit(
        uow.session,
        kind=kind,
        subject_id=subject,
        person_name=request.person_name,
        reason=request.reason.strip(),
        origin=f"admin:{principal.subject}",
        source=request.source.strip() or f"entered by administrator {principal.subject}",
        now=env.now,
    )
    return pb.AddCreditEntryResponse(entry=grpc_api.credit_entry(row, reveal=True))


def remove_credit(
    uow: UnitOfWork, principal: Principal, request: pb.RemoveCreditEntryRequest, env: Env
) -> pb.RemoveCreditEntryResponse:
    require_role(principal, frozenset({Role.ADMIN}))
    row = store.remove_credit(
        uow.session, request.entry_id, by=principal.subject, reason=request.reason, now=env.now
    )
    return pb.RemoveCreditEntryResponse(entry=grpc_api.credit_entry(row, reveal=True))
