"""The checks the public API makes before a form enters a saga: is it complete and well-formed?
The rules of company law (names, capital, people, scope) are the registration service's and are
applied by its ValidateApplication and its saga step. Sizes are not checked here: the API checks
every request's size limits (onestop_common.limits) before anything else."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from onestop.common.v1 import application_pb2
from onestop_common.errors import InvalidInput, RuleViolation, violation
from onestop_common.limits import excerpt

_DIVISION = re.compile(r"^\d{6}$")
# A mainland mobile number, or a landline with its area code (022-12345678, 02212345678).
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def form_violations(form: application_pb2.ApplicationForm) -> list[RuleViolation]:
    found: list[RuleViolation] = []
    required_text = {
        "form.name.division": form.name.division,
        "form.name.trade_name": form.name.trade_name,
        "form.name.industry": form.name.industry,
        "form.name.organisational_form": form.name.organisational_form,
        "form.legal_representative.name": form.legal_representative.name,
        "form.domicile.detail": form.domicile.detail,
        "form.contact.person.name": form.contact.person.name,
        "form.contact.phone": form.contact.phone,
        "form.bank.bank_code": form.bank.bank_code,
        "form.bank.branch_name": form.bank.branch_name,
    }
    for field, value in required_text.items():
        if not value.strip():
            found.append(violation(field, "required", "此项必填", "this field is required"))
    if form.contact.phone.strip() and not _PHONE.match(form.contact.phone.strip()):
        shown = excerpt(form.contact.phone)
        found.append(
            violation(
                "form.contact.phone",
                "phone_format",
                f"联系电话“{shown}”格式不正确：应为 11 位手机号码或带区号的固定电话",
                f"the phone number '{shown}' is not an 11-digit mobile number or a landline "
                "with its area code",
            )
        )
    if form.enterprise_type == application_pb2.ENTERPRISE_TYPE_UNSPECIFIED:
        found.append(
            violation(
                "form.enterprise_type", "required", "请选择企业类型", "choose an enterprise type"
            )
        )
    if not _DIVISION.match(form.domicile.division_code):
        found.append(
            violation(
                "form.domicile.division_code",
                "format",
                "住所的行政区划代码应为 6 位数字",
                "the domicile's division code must be 6 digits",
            )
        )
    found += _money("form.registered_capital", form.registered_capital.amount, positive=True)
    if not form.shareholders:
        found.append(
            violation(
                "form.shareholders",
                "required",
                "至少需要一名股东（出资人）",
                "at least one shareholder (investor) is required",
            )
        )
    for i, holder in enumerate(form.shareholders):
        found += _money(
            f"form.shareholders[{i}].subscribed", holder.subscribed.amount, positive=True
        )
    for i, employee in enumerate(form.employees):
        found += _money(
            f"form.employees[{i}].monthly_wage", employee.monthly_wage.amount, positive=True
        )
    return found


def _money(field: str, text: str, *, positive: bool) -> list[RuleViolation]:
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        shown = excerpt(text)
        return [
            violation(field, "decimal", f"“{shown}”不是有效金额", f"'{shown}' is not an amount")
        ]
    if not value.is_finite() or (positive and value <= 0):
        return [
            violation(field, "positive", "金额必须大于零", "the amount must be greater than zero")
        ]
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        return [violation(field, "cents", "金额最多保留两位小数", "at most two decimal places")]
    return []


def check_form(form: application_pb2.ApplicationForm) -> None:
    found = form_violations(form)
    if found:
        raise InvalidInput.of(found)
