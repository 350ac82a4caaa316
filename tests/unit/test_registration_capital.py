"""Registered capital and subscriptions with a bad value each and the exact rejection it gets,
the open payment date of a sole proprietorship, and the paid-in-capital flag."""

from __future__ import annotations

from dataclasses import replace

from svc_registration.domain import ContributionForm, ScopeChoice
from tests.support.registration_forms import BASE, SOLE, ZHANG, Case, check, holder, rejections, v

CASES: list[Case] = [
    (
        "capital missing",
        lambda a: replace(a, capital_amount=""),
        [
            v(
                "form.registered_capital.amount",
                "money.required",
                "请填写注册资本（出资额）",
                "the registered capital is required",
            )
        ],
    ),
    (
        "capital not a decimal",
        lambda a: replace(a, capital_amount="一百万"),
        [
            v(
                "form.registered_capital.amount",
                "money.decimal",
                "注册资本（出资额）“一百万”不是有效的十进制金额",
                "the registered capital '一百万' is not a decimal amount",
            )
        ],
    ),
    (
        "capital zero",
        lambda a: replace(a, capital_amount="0", shareholders=()),
        [
            v(
                "form.registered_capital.amount",
                "money.positive",
                "注册资本（出资额）必须大于零",
                "the registered capital must be greater than zero",
            ),
            v(
                "form.shareholders",
                "shareholders.required",
                "至少需要一名股东（出资人）",
                "at least one shareholder (investor) is required",
            ),
        ],
    ),
    (
        "capital with fractions of a cent",
        lambda a: replace(
            a,
            capital_amount="1000000.001",
            shareholders=(a.shareholders[0], replace(a.shareholders[1], amount="400000.001")),
        ),
        [
            v(
                "form.registered_capital.amount",
                "money.cents",
                "注册资本（出资额）最多保留两位小数（到分）",
                "the registered capital has more than two decimal places",
            ),
            v(
                "form.shareholders[1].subscribed.amount",
                "money.cents",
                "认缴出资额最多保留两位小数（到分）",
                "the subscription has more than two decimal places",
            ),
        ],
    ),
    (
        "capital in dollars",
        lambda a: replace(a, capital_currency="USD"),
        [
            v(
                "form.registered_capital.currency",
                "money.currency",
                "币种须为人民币（CNY），实际为“USD”",
                "the currency must be CNY, got 'USD'",
            )
        ],
    ),
    (
        "subscriptions do not add up (Decimal, not float)",
        lambda a: replace(a, capital_amount="1000000.01"),
        [
            v(
                "form.shareholders",
                "capital.sum_mismatch",
                "各出资人认缴出资额合计 1000000.00 元，与注册资本 1000000.01 元不相等",
                "the subscriptions add up to 1000000.00 CNY but the registered capital is "
                "1000000.01 CNY",
            )
        ],
    ),
    (
        "contribution form missing",
        lambda a: replace(
            a,
            shareholders=(
                replace(a.shareholders[0], form=ContributionForm.UNSPECIFIED),
                a.shareholders[1],
            ),
        ),
        [
            v(
                "form.shareholders[0].form",
                "contribution.form_required",
                "请选择出资方式（货币、实物、知识产权或土地使用权）",
                "choose the form of contribution (currency, in kind, IP or land-use right)",
            )
        ],
    ),
    (
        "LLC contribution without a due date",
        lambda a: replace(
            a, shareholders=(replace(a.shareholders[0], due_date=""), a.shareholders[1])
        ),
        [
            v(
                "form.shareholders[0].due_date",
                "contribution.due_date_required",
                "请填写认缴出资的缴足期限（成立之日起五年内）",
                "give the date the subscription is paid in full (within five years)",
            )
        ],
    ),
    (
        "due date not a date",
        lambda a: replace(
            a, shareholders=(replace(a.shareholders[0], due_date="2030-02-30"), a.shareholders[1])
        ),
        [
            v(
                "form.shareholders[0].due_date",
                "contribution.due_date_format",
                "“2030-02-30”不是 YYYY-MM-DD 格式的日期",
                "'2030-02-30' is not a YYYY-MM-DD date",
            )
        ],
    ),
    (
        "due date in the past",
        lambda a: replace(
            a, shareholders=(replace(a.shareholders[0], due_date="2026-11-25"), a.shareholders[1])
        ),
        [
            v(
                "form.shareholders[0].due_date",
                "contribution.due_date_past",
                "缴足期限不能早于成立日期（今天）",
                "the payment date cannot be before the date of establishment (today)",
            )
        ],
    ),
    (
        "due date one day beyond five years",
        lambda a: replace(
            a, shareholders=(replace(a.shareholders[0], due_date="2031-11-27"), a.shareholders[1])
        ),
        [
            v(
                "form.shareholders[0].due_date",
                "contribution.due_date_5_years",
                "有限责任公司股东认缴的出资额应自成立之日起五年内缴足（最迟 2031-11-26，"
                "公司法第四十七条）",
                "an LLC's subscribed capital must be paid within five years of establishment (by "
                "2031-11-26, Company Law 2023 Art. 47)",
            )
        ],
    ),
]


test_a_bad_value_gets_exactly_its_rejection = rejections(CASES)


def test_a_sole_proprietorship_may_leave_the_payment_date_open():
    sole = replace(SOLE, shareholders=(holder(ZHANG, "1000000.00", due=""),))
    assert check(sole).violations == ()


def test_a_paid_in_capital_industry_is_flagged_with_its_legal_basis():
    app = replace(BASE, scope=(ScopeChoice("", "劳务派遣服务"),))
    flags = check(app).flags
    paid_in = [f for f in flags if f.code == "capital.paid_in_industry"]
    assert len(paid_in) == 1
    assert "劳务派遣企业" in paid_in[0].message_zh and "劳动合同法" in paid_in[0].message_zh
