"""The rules of a seal order: what is wrong with it (each problem naming its field), which seals
to make, whether the applicant can correct it, when it completes by itself, and what the seal
maker may mark engraved."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from onestop_common.errors import RuleViolation, violation
from onestop_common.identifiers import validate_uscc
from svc_seal.domain.codes import DIVISION
from svc_seal.domain.policy import SealPolicy, seal_policy
from svc_seal.domain.seals import (
    KIND_ORDER,
    PARTICIPANT,
    InvoiceKind,
    PlannedSeal,
    RequestedSeal,
    SealFacts,
    SealOrderInput,
    SealState,
)
from svc_seal.impression import SealKind, seal_size_mm

MAX_COMPANY_NAME = 30


def order_violations(
    order: SealOrderInput, policy: SealPolicy | None = None, *, licensed: bool = True
) -> list[RuleViolation]:
    """Everything wrong with a seal order, each naming its field and rule; the seal set is
    checked against ``policy`` (the packaged one by default).

    ``licensed`` False: the application is checked before the license exists (CheckApplication),
    so the USCC rule, the only one that needs the issued license, is skipped; every other rule
    runs exactly as for the saga's order."""
    found: list[RuleViolation] = []
    verdict = validate_uscc(order.uscc)
    # A legacy pilot code fails the check character yet is lawful: the license stands for it.
    if licensed and verdict.status == "invalid":
        found.append(
            violation("uscc", f"uscc.{verdict.rule}", verdict.reason_zh, verdict.reason_en)
        )
    name = order.company_name.strip()
    if not name or len(name) > MAX_COMPANY_NAME:
        found.append(
            violation(
                "company_name",
                "seal_text_length",
                f"企业名称须为1至{MAX_COMPANY_NAME}个字才能刻在印章上，实际为{len(name)}个字",
                f"the company name must have 1 to {MAX_COMPANY_NAME} characters to fit on a "
                f"seal, it has {len(name)}",
            )
        )
    if not DIVISION.fullmatch(order.division_code):
        found.append(
            violation(
                "division_code",
                "format",
                "行政区划代码应为6位数字（印章编码前4位取自其前4位）",
                "the division code must be 6 digits (the seal code starts with its first 4)",
            )
        )
    found += _seal_set_violations(order.seals, order.invoice_kinds, policy or seal_policy())
    kinds = {seal.kind for seal in order.seals}
    if SealKind.LEGAL_REP in kinds and not _fits_name_seal(order.legal_representative_name):
        found.append(
            violation(
                "form.legal_representative.name",
                "name_seal_text",
                "法定代表人名章须刻2至4个汉字（或字母）组成的姓名，"
                f"“{order.legal_representative_name}”无法刻制",
                "the legal representative's name seal needs a name of 2 to 4 letters or "
                f"characters; {order.legal_representative_name!r} cannot be engraved",
            )
        )
    return found


def _fits_name_seal(name: str) -> bool:
    return 2 <= len(name) <= 4 and name.isalpha()


def _seal_set_violations(
    seals: Sequence[RequestedSeal], invoice_kinds: frozenset[InvoiceKind], policy: SealPolicy
) -> list[RuleViolation]:
    found: list[RuleViolation] = []
    seen: set[SealKind] = set()
    for i, seal in enumerate(seals):
        if seal.kind is None and seal.unknown_kind:
            found.append(
                violation(
                    f"form.seals[{i}].kind",
                    "seal_kind",
                    "印章种类无效，请从公章、财务专用章、发票专用章、法定代表人名章、合同专用章中选择",
                    "unknown seal kind: choose the official, finance, invoice, legal "
                    "representative's or contract seal",
                )
            )
            continue
        if seal.kind is None:
            found.append(
                violation(
                    f"form.seals[{i}].kind", "required", "请选择印章种类", "choose the seal kind"
                )
            )
            continue
        if seal.kind in seen:
            found.append(
                violation(
                    f"form.seals[{i}].kind",
                    "duplicate",
                    f"{seal.kind.label_zh}重复申请，每种印章只能刻一枚",
                    f"the {seal.kind.value} seal is requested twice; one seal of each kind",
                )
            )
        seen.add(seal.kind)
        if not (seal.physical or seal.electronic):
            found.append(
                violation(
                    f"form.seals[{i}]",
                    "physical_or_electronic",
                    f"{seal.kind.label_zh}须选择实物印章、电子印章或两者",
                    f"the {seal.kind.value} seal must be physical, electronic or both",
                )
            )
    for kind in policy.required_kinds(invoice_kinds):
        if kind not in seen:
            rule = policy.rule(kind)
            found.append(violation("form.seals", "required_seal", rule.wording_zh, rule.wording_en))
    return found


# What the step's order names outside the form, and where the form holds it: the company name is
# composed from the form's name parts, the division is the domicile's.
FORM_PATHS = {"company_name": "form.name", "division_code": "form.domicile.division_code"}


def form_path(field_: str) -> str:
    """The path into the application form of a field this service's rules name."""
    return FORM_PATHS.get(field_, field_)


def correctable(problems: Iterable[RuleViolation]) -> bool:
    """Whether the applicant can fix every problem by correcting the form (the seals asked for,
    the legal representative's name). The USCC, the company name and the division come from the
    issued license: a problem with them at the step is final, not the applicant's to correct."""
    return all(p.field.startswith("form.") for p in problems)


def plan_seals(order: SealOrderInput) -> tuple[PlannedSeal, ...]:
    """The seals to make, in the usual order; call only after ``order_violations`` is empty."""
    by_kind = {seal.kind: seal for seal in order.seals if seal.kind is not None}
    planned = []
    for kind in KIND_ORDER:
        seal = by_kind.get(kind)
        if seal is None:
            continue
        width, height = seal_size_mm(kind)
        planned.append(PlannedSeal(kind, seal.physical, seal.electronic, width, height))
    return tuple(planned)


def electronic_only(seals: Iterable[PlannedSeal | SealFacts]) -> bool:
    seals = list(seals)
    return bool(seals) and all(seal.electronic and not seal.physical for seal in seals)


def completes_automatically(seals: Sequence[PlannedSeal], auto_approve: frozenset[str]) -> bool:
    """Electronic-only sets need no seal maker's hands, when the platform is set to allow it."""
    return PARTICIPANT in auto_approve and electronic_only(seals)


def summary(kinds: Iterable[tuple[SealKind, bool, bool]]) -> str:
    """One line for the desk queue: "4 seals: 公章 (实物+电子), …"."""
    parts = []
    for kind, physical, electronic in kinds:
        form = "实物+电子" if physical and electronic else ("实物" if physical else "电子")
        parts.append(f"{kind.label_zh}（{form}）")
    return f"{len(parts)} seals: " + "、".join(parts)


# --------------------------------------------------------------------------- the seal maker


def not_engraved(seals: Iterable[SealFacts]) -> list[str]:
    """Physical seals still to be engraved before the order can be completed."""
    return [s.seal_code for s in seals if s.physical and s.state is SealState.ORDERED]


def engrave_selection(
    seals: Sequence[SealFacts], codes: Sequence[str]
) -> tuple[list[str], list[RuleViolation]]:
    """Which seals to mark engraved: the listed codes, or every physical seal when none are."""
    if not codes:
        return [s.seal_code for s in seals if s.physical and s.state is SealState.ORDERED], []
    by_code = {s.seal_code: s for s in seals}
    chosen: list[str] = []
    found: list[RuleViolation] = []
    for i, code in enumerate(codes):
        seal = by_code.get(code)
        field = f"seal_codes[{i}]"
        if seal is None:
            found.append(
                violation(
                    field,
                    "in_order",
                    f"印章编码{code}不属于该订单",
                    f"seal code {code} is not part of this order",
                )
            )
        elif not seal.physical:
            found.append(
                violation(
                    field,
                    "physical_only",
                    f"{code}是电子印章，无需刻制；电子印章在完成订单时生成",
                    f"{code} is electronic only: nothing to engrave, it is made at completion",
                )
            )
        elif seal.state is SealState.ORDERED:
            chosen.append(code)
    return chosen, found
