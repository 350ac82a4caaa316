"""The business scope: each item a standard wording of the catalogue, once, with flags for
licensed activities and for catalogue entries not yet checked against the official text."""

from __future__ import annotations

from collections.abc import Sequence

from onestop_common.errors import RuleViolation
from svc_registration.domain.form import ScopeChoice
from svc_registration.domain.reference_data import ReferenceData, _checked_zh, normalise_wording
from svc_registration.domain.results import Flag, _v


def scope_problems(
    scope: Sequence[ScopeChoice], ref: ReferenceData
) -> tuple[list[RuleViolation], list[Flag]]:
    found: list[RuleViolation] = []
    flags: list[Flag] = []
    if not scope:
        return [
            _v(
                "form.business_scope",
                "business_scope.required",
                "请至少选择一项经营范围",
                "choose at least one business scope item",
            )
        ], flags
    seen: dict[str, int] = {}
    for i, item in enumerate(scope):
        path = f"form.business_scope[{i}]"
        wording = normalise_wording(item.name_zh)
        if item.code.strip():
            found.append(
                _v(
                    f"{path}.code",
                    "business_scope.code_unverifiable",
                    "所用经营范围目录没有条目代码，无法核对；请留空代码，只填规范表述",
                    "the catalogue in use has no item codes, so a code cannot be checked; "
                    "leave the code empty and give the standard wording",
                )
            )
        entry = ref.scope.get(wording)
        if entry is None:
            found.append(
                _v(
                    f"{path}.name_zh",
                    "business_scope.unknown",
                    f"“{item.name_zh}”不是经营范围规范表述目录中的条目",
                    f"'{item.name_zh}' is not a standard business-scope wording in the catalogue",
                )
            )
            continue
        if wording in seen:
            found.append(
                _v(
                    f"{path}.name_zh",
                    "business_scope.duplicate",
                    f"与第 {seen[wording] + 1} 项重复",
                    f"the same item as number {seen[wording] + 1}",
                )
            )
            continue
        seen[wording] = i
        if entry.kind == "licensed":
            dept = entry.approving_department or "主管部门"
            flags.append(
                Flag(
                    "business_scope.licensed",
                    f"“{entry.name_zh}”为许可项目，须经{dept}批准（审批部门未经核实），"
                    "不能自动审批",
                    f"'{entry.name_zh}' is a licensed activity needing approval by {dept} "
                    "(approving department not verified); no automatic approval",
                )
            )
        if entry.verified != "yes":
            flags.append(
                Flag(
                    "business_scope.unverified_entry",
                    f"目录条目“{entry.name_zh}”{_checked_zh(entry.verified)}官方目录，"
                    "须人工确认表述",
                    f"the catalogue entry '{entry.name_zh}' is {entry.verified}; an officer "
                    "must confirm the wording",
                )
            )
    return found, flags
