"""What the checks give back: violations and flags (reasons for a person to look), and the
credit-list status of the application's people that some checks take as input."""

from __future__ import annotations

from dataclasses import dataclass

from onestop_common.errors import RuleViolation, violation


@dataclass(frozen=True)
class Flag:
    """Not an error, but a reason for a person to look: prior approval, restricted words, …"""

    code: str
    message_zh: str
    message_en: str

    @property
    def text(self) -> str:
        return f"{self.code}: {self.message_en} / {self.message_zh}"


@dataclass(frozen=True)
class CreditStatus:
    """Which of the application's people are on the bad-credit list (looked up by the store)."""

    applicant_listed: bool = False
    # Paths of listed people in the form: "legal_representative", "shareholders[0]", …
    listed_people: frozenset[str] = frozenset()
    # Those of them listed as judgment defaulters (失信被执行人), who may hold no office.
    barred_people: frozenset[str] = frozenset()

    @property
    def legal_representative_listed(self) -> bool:
        return "legal_representative" in self.listed_people

    @property
    def clean(self) -> bool:
        return not self.applicant_listed and not self.listed_people


@dataclass(frozen=True)
class Validation:
    violations: tuple[RuleViolation, ...]
    flags: tuple[Flag, ...]
    # The industry section the name stands in (for the uniqueness key), if it could be told.
    industry_section: str | None = None

    @property
    def ok(self) -> bool:
        return not self.violations


def _v(path: str, rule: str, zh: str, en: str) -> RuleViolation:
    return violation(path, rule, zh, en)
