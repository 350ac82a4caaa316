"""The registration officer's review task for a case: opening it, what it shows (summary,
details, the commitment's dates) and the step status a case waiting on it reports."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime

from onestop.common.v1 import common_pb2
from onestop.registration.v1 import registration_pb2 as pb
from onestop_common import desk
from onestop_common.errors import RuleViolation
from onestop_common.participant import UnitOfWork
from onestop_common.protoconv import rejections
from svc_registration import domain, grpc_api
from svc_registration.actions.assessment import Assessment, review_reasons
from svc_registration.actions.env import Env
from svc_registration.domain import Validation
from svc_registration.models import Task

log = logging.getLogger(__name__)

Outcome = common_pb2.Outcome
TASK_PREFIX = "REG"


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


def pending_status(task: Task, env: Env) -> common_pb2.StepStatus:
    if task.state == desk.AWAITING_APPLICANT:
        return desk.step_status(
            Outcome.OUTCOME_CORRECTION_REQUESTED,
            task_id=task.id,
            reason=task.reason,
            rejections=_stored_rejections(task),
            now=env.now,
        )
    return desk.step_status(Outcome.OUTCOME_ACCEPTED, task_id=task.id, now=env.now)


def correction_status(task: Task, validation: Validation, env: Env) -> common_pb2.StepStatus:
    return desk.step_status(
        Outcome.OUTCOME_CORRECTION_REQUESTED,
        task_id=task.id,
        decided_by=f"auto:{domain.RULESET_VERSION}",
        reason=f"the form breaks {len(validation.violations)} rule(s); correct and resubmit",
        rejections=rejections(validation.violations),
        now=env.now,
    )


def task_summary(a: Assessment) -> str:
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


def task_details(
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
        "review_reasons": "\n".join(review_reasons(a, env)),
        "flags": "\n".join(flag.text for flag in a.validation.flags),
        "ruleset_version": a.decision.ruleset_version,
        "commitment": ", ".join(m.code for m in app.commitment.materials),
    }
    if committed_at is not None:
        details.update(commitment_details(domain.commitment_terms(committed_at)))
    if violations:
        details["rejections"] = json.dumps(
            [
                {"field": v.field, "rule": v.rule, "zh": v.message_zh, "en": v.message_en}
                for v in violations
            ],
            ensure_ascii=False,
        )
    return details


def commitment_details(terms: domain.CommitmentTerms) -> dict[str, str]:
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


def open_review(
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
        summary=task_summary(a),
        details=task_details(
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
