"""Automatic approval: the facts a versioned rule set looks at, and its decision, replayable
from the stored facts because a version's rules never change."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from svc_registration.domain.form import Application, EnterpriseType, IdType
from svc_registration.domain.results import CreditStatus, Flag, Validation

AUTO_TYPES_V1 = frozenset({EnterpriseType.LLC.value, EnterpriseType.ONE_PERSON_LLC.value})


@dataclass(frozen=True)
class Reason(Flag):
    """One reason of an automatic-approval decision: a code and its words, as a flag has."""


@dataclass(frozen=True)
class AutoDecision:
    ruleset_version: str
    approved: bool
    reasons: tuple[Reason, ...]
    inputs: Mapping[str, Any]


def auto_inputs(app: Application, validation: Validation, credit: CreditStatus) -> dict[str, Any]:
    """The facts the rule set looks at, as plain JSON values (no ID numbers)."""
    people = [app.legal_representative, *(h.person for h in app.shareholders)]
    people += [o.person for o in app.officers]
    return {
        "enterprise_type": app.enterprise_type.value,
        "violations": sorted({v.rule for v in validation.violations}),
        "flags": sorted({f.code for f in validation.flags}),
        "committed_materials": len(app.commitment.materials),
        "applicant_credit_listed": credit.applicant_listed,
        "credit_listed_people": sorted(credit.listed_people),
        "non_citizen_ids": sum(1 for p in people if p.id_type is not IdType.CITIZEN_ID),
    }


def _rules_v1(inputs: Mapping[str, Any]) -> list[Reason]:
    reasons: list[Reason] = []
    if inputs["enterprise_type"] not in AUTO_TYPES_V1:
        reasons.append(
            Reason(
                "auto.enterprise_type",
                "仅有限责任公司（自然人投资或独资）适用无人审批",
                "only natural-person LLCs and one-person LLCs are approved automatically",
            )
        )
    if inputs["violations"]:
        reasons.append(
            Reason(
                "auto.checks_failed",
                "表单未通过全部校验：" + "、".join(inputs["violations"]),
                "the form fails checks: " + ", ".join(inputs["violations"]),
            )
        )
    flag_reasons = {
        "business_scope.licensed": (
            "经营范围含许可项目（前置/后置审批）",
            "a scope item needs a licence",
        ),
        "business_scope.unverified_entry": (
            "经营范围条目的目录依据未经核实",
            "a scope item's catalogue entry is not verified",
        ),
        "name.restricted_word": ("名称含限制使用的字词", "the name has a restricted word"),
        "name.industry_restricted": (
            "行业需主管部门许可",
            "the industry needs a regulator's approval",
        ),
        "capital.paid_in_industry": (
            "可能属于注册资本实缴行业",
            "may be a paid-in-capital industry",
        ),
    }
    for flag in inputs["flags"]:
        zh, en = flag_reasons.get(flag, (f"须人工审查的标记 {flag}", f"flagged {flag}"))
        reasons.append(Reason(f"auto.flag.{flag}", zh, en))
    if inputs["applicant_credit_listed"] or inputs["credit_listed_people"]:
        reasons.append(
            Reason(
                "auto.credit",
                "申请人或相关人员有失信记录",
                "the applicant or a person in the form is on the bad-credit list",
            )
        )
    if inputs["committed_materials"]:
        reasons.append(
            Reason(
                "auto.missing_materials",
                "适用告知承诺制、有待补交的材料",
                "materials are missing under the commitment route",
            )
        )
    if inputs["non_citizen_ids"]:
        reasons.append(
            Reason(
                "auto.identity_documents",
                "有人使用居民身份证以外的证件，须人工核验",
                "someone uses a document other than a citizen ID; an officer must verify it",
            )
        )
    return reasons


RULESET_VERSION = "auto-approval/2026-11-26.1"
RULESETS: dict[str, Callable[[Mapping[str, Any]], list[Reason]]] = {RULESET_VERSION: _rules_v1}


def decide_automatically(
    inputs: Mapping[str, Any], ruleset_version: str = RULESET_VERSION
) -> AutoDecision:
    """Approve only when no rule of the version objects; replaying stored inputs gives the same
    answer because the rules of a version never change (a new rule is a new version)."""
    rules = RULESETS.get(ruleset_version)
    if rules is None:
        raise KeyError(f"unknown automatic-approval rule set {ruleset_version!r}")
    reasons = tuple(rules(inputs))
    return AutoDecision(ruleset_version, not reasons, reasons, dict(inputs))
