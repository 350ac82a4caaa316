"""How a participant decides a saga action from what its rules found: a broken rule refuses it,
a clean case is decided automatically when the service is configured to, and anything else
lawful but unusual waits for a person at the desk. Pure: for domain rules."""

from __future__ import annotations

from onestop_common.errors import RuleViolation

AUTO, CLERK, REFUSE = "auto", "clerk", "refuse"


class Findings:
    """Mixed into a domain's (frozen dataclass) result that declares these two fields."""

    # Broken rules: the action is refused.
    violations: tuple[RuleViolation, ...]
    # Lawful but not standard: a person looks at it (never decided automatically).
    review_reasons: tuple[str, ...]

    @property
    def refused(self) -> bool:
        return bool(self.violations)

    @property
    def clean(self) -> bool:
        return not self.violations and not self.review_reasons


def route(findings: Findings, *, auto_approve: bool) -> str:
    """REFUSE, AUTO (clean, and the service decides clean cases itself) or CLERK."""
    if findings.refused:
        return REFUSE
    if auto_approve and findings.clean:
        return AUTO
    return CLERK
