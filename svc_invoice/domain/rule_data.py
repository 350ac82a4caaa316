"""The rule values as the rules use them: one :class:`Rule` per row of a rule file (with its
source and how far it was verified), the competent tax offices, OneStop's policy limits, and the
:class:`RuleBook` that answers "which rate on this day" (loaded by :mod:`svc_invoice.rulebook`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from svc_invoice.domain.terms import VatStatus


@dataclass(frozen=True)
class Rule:
    """One row of a rule file: what it says, when it applies, where it comes from."""

    name: str
    value: str
    effective_from: date | None
    effective_to: date | None
    verified: str
    source: str

    def in_force(self, day: date) -> bool:
        if self.effective_from is not None and day < self.effective_from:
            return False
        return self.effective_to is None or day <= self.effective_to

    @property
    def settled(self) -> bool:
        return self.verified == "yes"

    @property
    def caveat_en(self) -> str:
        if self.verified == "yes":
            return ""
        if self.verified == "policy":
            return " (OneStop policy, not a legal rule)"
        return f" (verified: {self.verified} — not settled law, check before relying on it)"

    @property
    def caveat_zh(self) -> str:
        if self.verified == "yes":
            return ""
        if self.verified == "policy":
            return "（OneStop 平台配置，非法定规则）"
        return f"（核实程度：{self.verified}，非确定法规，使用前请核实）"


@dataclass(frozen=True)
class TaxOffice:
    division_code: str
    division_name: str
    name: str
    verified: str
    source: str

    def as_rule(self) -> Rule:
        return Rule(
            name=f"tax_office_{self.division_code}",
            value=self.name,
            effective_from=None,
            effective_to=None,
            verified=self.verified,
            source=self.source,
        )


@dataclass(frozen=True)
class Policy:
    """OneStop's configured limits (data/invoice_policy.csv)."""

    standard_max_amount_per_invoice: Decimal
    standard_monthly_quantity_ordinary: int
    standard_monthly_quantity_special: int
    standard_credit_line: Decimal
    desk_max_amount_per_invoice: Decimal
    desk_max_monthly_quantity: int
    desk_max_credit_line: Decimal
    issuing_channel: str
    max_lines_per_invoice: int
    # First character of a red-letter confirmation form's number (OneStop's numbering).
    form_letter: str
    rule_set_version: str


@dataclass(frozen=True)
class RuleBook:
    rules: Mapping[str, Rule]
    offices: Mapping[str, TaxOffice]
    policy: Policy

    def rule(self, name: str) -> Rule:
        try:
            return self.rules[name]
        except KeyError as exc:
            raise KeyError(f"rule {name!r} is missing from svc_invoice/data") from exc

    def threshold(self) -> Decimal:
        return leading_decimal(self.rule("small_scale_threshold_annual_sales").value)

    def small_scale_rate(self, day: date) -> tuple[Decimal, Rule]:
        """1% while the reduction is in force (to 2027-12-31 per the data file), else 3%."""
        reduced = self.rule("small_scale_reduced_rate")
        if reduced.in_force(day):
            return percent(reduced.value), reduced
        levy = self.rule("small_scale_levy_rate")
        return percent(levy.value), levy

    def general_rates(self, day: date) -> dict[Decimal, Rule]:
        names = (
            "general_rate_goods",
            "general_rate_transport_construction_realestate",
            "general_rate_modern_services",
        )
        rates = {}
        for name in names:
            rule = self.rule(name)
            if rule.in_force(day):
                rates[percent(rule.value)] = rule
        return rates

    def default_general_rate(self, day: date) -> tuple[Decimal, Rule]:
        rule = self.rule("general_rate_goods")
        return percent(rule.value), rule

    def province_code(self) -> tuple[str, Rule]:
        rule = self.rule("einvoice_province_code_tianjin")
        return rule.value.strip(), rule

    def in_force(self, name: str, day: date) -> Rule | None:
        """The rule if the data has it and it applies on ``day``: rates offered only where the
        rule data has them."""
        rule = self.rules.get(name)
        return rule if rule is not None and rule.in_force(day) else None

    def extra_rates(self, status: VatStatus, day: date) -> dict[Decimal, Rule]:
        """Rates a line may name besides the taxpayer's usual ones: the 5% levy rate (simple
        method, both statuses) and the zero rate (general taxpayers only)."""
        rates = {}
        levy = self.in_force("levy_rate_5", day)
        if levy is not None:
            rates[percent(levy.value)] = levy
        zero = self.in_force("zero_rate", day)
        if zero is not None and status is VatStatus.GENERAL:
            rates[percent(zero.value)] = zero
        return rates

    def credit_counts_tax(self) -> tuple[bool, Rule]:
        """Whether the credit line counts amounts including VAT (einvoice_credit_line_basis)."""
        rule = self.rule("einvoice_credit_line_basis")
        basis = rule.value.strip()
        if basis not in ("excluding_vat", "including_vat"):
            raise ValueError("einvoice_credit_line_basis must be excluding_vat or including_vat")
        return basis == "including_vat", rule


_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%")
_LEADING = re.compile(r"^\s*(\d+(?:\.\d+)?)")


def percent(text: str) -> Decimal:
    """ "13%" → 0.13; "1% (on sales subject to 3%)" → 0.01 (the leading figure)."""
    match = _PERCENT.match(text)
    if match is None:
        raise ValueError(f"not a percentage: {text!r}")
    return Decimal(match.group(1)) / 100


def leading_decimal(text: str) -> Decimal:
    match = _LEADING.match(text)
    if match is None:
        raise ValueError(f"no leading number in {text!r}")
    return Decimal(match.group(1))
