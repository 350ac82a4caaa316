"""Registered capital and the shareholders' subscriptions: amounts in CNY, their sum, the form and
the due date of each contribution (five years for a company), and the paid-in-capital flag."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from onestop_common.decimals import parse_decimal as parse_amount
from onestop_common.errors import RuleViolation
from svc_registration.domain.form import CURRENCY, LLC_TYPES, Application, ContributionForm
from svc_registration.domain.reference_data import ReferenceData, _checked_zh, normalise_wording
from svc_registration.domain.results import Flag, _v

CONTRIBUTION_YEARS = 5


def _money_problems(
    path: str, amount: str, currency: str, what_zh: str, what_en: str
) -> tuple[Decimal | None, list[RuleViolation]]:
    found: list[RuleViolation] = []
    if not amount.strip():
        return None, [
            _v(f"{path}.amount", "money.required", f"请填写{what_zh}", f"{what_en} is required")
        ]
    value = parse_amount(amount)
    if value is None:
        return None, [
            _v(
                f"{path}.amount",
                "money.decimal",
                f"{what_zh}“{amount}”不是有效的十进制金额",
                f"{what_en} '{amount}' is not a decimal amount",
            )
        ]
    if value <= 0:
        found.append(
            _v(
                f"{path}.amount",
                "money.positive",
                f"{what_zh}必须大于零",
                f"{what_en} must be greater than zero",
            )
        )
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        found.append(
            _v(
                f"{path}.amount",
                "money.cents",
                f"{what_zh}最多保留两位小数（到分）",
                f"{what_en} has more than two decimal places",
            )
        )
    if currency != CURRENCY:
        found.append(
            _v(
                f"{path}.currency",
                "money.currency",
                f"币种须为人民币（CNY），实际为“{currency}”",
                f"the currency must be CNY, got '{currency}'",
            )
        )
    return (value if not found else None), found


def five_years_after(day: date) -> date:
    try:
        return day.replace(year=day.year + CONTRIBUTION_YEARS)
    except ValueError:  # 29 February
        return day.replace(year=day.year + CONTRIBUTION_YEARS, day=28)


def capital_problems(app: Application, today: date) -> list[RuleViolation]:
    found: list[RuleViolation] = []
    total, problems = _money_problems(
        "form.registered_capital",
        app.capital_amount,
        app.capital_currency,
        "注册资本（出资额）",
        "the registered capital",
    )
    found += problems
    amounts: list[Decimal | None] = []
    for i, holder in enumerate(app.shareholders):
        path = f"form.shareholders[{i}]"
        amount, problems = _money_problems(
            f"{path}.subscribed", holder.amount, holder.currency, "认缴出资额", "the subscription"
        )
        found += problems
        amounts.append(amount)
        if holder.form is ContributionForm.UNSPECIFIED:
            found.append(
                _v(
                    f"{path}.form",
                    "contribution.form_required",
                    "请选择出资方式（货币、实物、知识产权或土地使用权）",
                    "choose the form of contribution (currency, in kind, IP or land-use right)",
                )
            )
        found += _due_date_problems(f"{path}.due_date", holder.due_date, app, today)
    if total is not None and amounts and all(a is not None for a in amounts):
        subscribed = sum((a for a in amounts if a is not None), Decimal(0))
        if subscribed != total:
            found.append(
                _v(
                    "form.shareholders",
                    "capital.sum_mismatch",
                    f"各出资人认缴出资额合计 {subscribed} 元，与注册资本 {total} 元不相等",
                    f"the subscriptions add up to {subscribed} CNY but the registered capital "
                    f"is {total} CNY",
                )
            )
    return found


def _due_date_problems(path: str, text: str, app: Application, today: date) -> list[RuleViolation]:
    is_company = app.enterprise_type in LLC_TYPES
    if not text.strip():
        if not is_company:
            return []
        return [
            _v(
                path,
                "contribution.due_date_required",
                "请填写认缴出资的缴足期限（成立之日起五年内）",
                "give the date the subscription is paid in full (within five years)",
            )
        ]
    try:
        due = date.fromisoformat(text.strip())
    except ValueError:
        return [
            _v(
                path,
                "contribution.due_date_format",
                f"“{text}”不是 YYYY-MM-DD 格式的日期",
                f"'{text}' is not a YYYY-MM-DD date",
            )
        ]
    if due < today:
        return [
            _v(
                path,
                "contribution.due_date_past",
                "缴足期限不能早于成立日期（今天）",
                "the payment date cannot be before the date of establishment (today)",
            )
        ]
    limit = five_years_after(today)
    if is_company and due > limit:
        return [
            _v(
                path,
                "contribution.due_date_5_years",
                f"有限责任公司股东认缴的出资额应自成立之日起五年内缴足（最迟 {limit.isoformat()}，"
                "公司法第四十七条）",
                f"an LLC's subscribed capital must be paid within five years of establishment "
                f"(by {limit.isoformat()}, Company Law 2023 Art. 47)",
            )
        ]
    return []


def paid_in_flags(app: Application, ref: ReferenceData) -> list[Flag]:
    texts = [app.name.full, *(normalise_wording(s.name_zh) for s in app.scope)]
    flags = []
    for industry in ref.paid_in:
        hit = next((w for w in industry.match_words for t in texts if w and w in t), None)
        if hit is None:
            continue
        flags.append(
            Flag(
                "capital.paid_in_industry",
                f"可能属于实行注册资本实缴登记的行业“{industry.industry_zh}”"
                f"（{industry.legal_basis}；该数据{_checked_zh(industry.verified)}官方文本），"
                "须人工审查",
                f"may be a paid-in-capital industry ({industry.industry_zh}, "
                f"{industry.legal_basis}; reference data {industry.verified}); an officer must "
                "review",
            )
        )
    return flags
