"""The credit line (授信额度 / 发票总额度) that limits a taxpayer's 数电票: what a month's invoices
use of it, refusing a blue invoice beyond it, the invoice kinds the package grants, and tax
staff's adjustment."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from onestop_common.errors import InvalidInput, RuleViolation, violation
from svc_invoice.domain.amounts import Totals, parse_money
from svc_invoice.domain.registration import Package
from svc_invoice.domain.rule_data import Policy, RuleBook
from svc_invoice.domain.terms import (
    CENT,
    KIND_NAMES_ZH,
    InvoiceKind,
    QuotaExceeded,
    reason_violations,
)

# 数电票 are limited by one credit line per taxpayer (发票总额度, einvoice_credit_line, unverified):
# the most it may invoice in a calendar month (Asia/Shanghai), counted excluding VAT
# (einvoice_credit_line_basis). Blue invoices use it; red-letter invoices count negative in the
# month they are issued and so give it back (einvoice_red_letter_restores_credit). There is no
# monthly quantity and no per-invoice maximum (einvoice_no_quantity_or_per_invoice_limit). Tax
# staff adjust the line (einvoice_credit_line_adjustment); every change is kept with who, when,
# old → new and why.


@dataclass(frozen=True)
class Usage:
    """A month's invoicing against the credit line: how many blue invoices were issued, and the
    net amount counted (blue minus red-letter, on the credit line's basis)."""

    month: str
    quantity: int
    amount: Decimal


def counted(total: Totals, with_tax: bool) -> Decimal:
    """What one invoice counts against the credit line."""
    return total.with_tax if with_tax else total.amount


def remaining_credit(credit_line: Decimal, usage: Usage) -> Decimal:
    """What is left of the month's line; more than the line itself when the month's red-letter
    invoices outweigh its blue ones (they reverse earlier months' invoices)."""
    return max(credit_line - usage.amount, Decimal("0.00"))


def check_kind(package: Package, kind: InvoiceKind) -> None:
    """The invoice kinds the package grants (special invoices only for general taxpayers is
    OneStop's policy, see data/README.md)."""
    if kind not in package.kinds:
        raise InvalidInput.of(
            [
                violation(
                    "kind",
                    "invoice_kind_approved",
                    f"未核定该票种：{KIND_NAMES_ZH[kind]}",
                    f"this invoice kind ({kind.value}) is not approved for the taxpayer",
                )
            ]
        )


def check_credit(credit_line: Decimal, usage: Usage, total: Totals, book: RuleBook) -> None:
    """A blue invoice beyond what is left of the month's credit line is refused."""
    with_tax, basis = book.credit_counts_tax()
    amount = counted(total, with_tax)
    left = remaining_credit(credit_line, usage)
    if amount <= left:
        return
    line_rule = book.rule("einvoice_credit_line")
    what_zh = "价税合计" if with_tax else "不含税金额"
    what_en = "total including VAT" if with_tax else "amount excluding VAT"
    raise QuotaExceeded.of(
        [
            violation(
                "quota.credit_line",
                "credit_line",
                f"{what_zh} {amount} 超过本月（{usage.month}）剩余授信额度 {left}"
                f"（授信额度 {credit_line}，已用 {usage.amount}）；可由税务人员调整授信额度"
                f"{line_rule.caveat_zh}{basis.caveat_zh}",
                f"the {what_en} {amount} exceeds this month's ({usage.month}) remaining credit "
                f"line {left} (line {credit_line}, used {usage.amount}); tax staff may adjust "
                f"the line{line_rule.caveat_en}{basis.caveat_en}",
            )
        ]
    )


def check_credit_adjustment(
    new_line: str, currency: str, reason: str, current: Decimal | None, policy: Policy
) -> Decimal:
    """Tax staff's new credit line: an amount in CNY cents from 0 (invoicing stopped, e.g. after
    a risk finding) up to the desk maximum, different from the current line, with a reason."""
    found: list[RuleViolation] = []
    value = parse_money(
        new_line, "credit_line.amount", found, ceiling=policy.desk_max_credit_line, allow_zero=True
    )
    if currency not in ("", "CNY"):
        found.append(
            violation(
                "credit_line.currency",
                "currency",
                f"授信额度以人民币计，币种不能是 {currency}",
                f"the credit line is in CNY, not {currency}",
            )
        )
    found += reason_violations(reason)
    if value is not None and current is not None and value == current:
        found.append(
            violation(
                "credit_line.amount",
                "unchanged",
                f"新授信额度与现额度 {current} 相同",
                f"the new credit line equals the current line {current}",
            )
        )
    if found:
        raise InvalidInput.of(found)
    assert value is not None
    return value.quantize(CENT)
