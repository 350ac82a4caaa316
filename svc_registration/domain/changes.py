"""A change registration (变更登记): which items the license records differently after a
correction, each with what it recorded before and what it will record, for the officer's review
and the audit. ID numbers are masked; a change hidden by the mask is said in words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from onestop_common.identifiers import mask_id_number
from svc_registration.domain.form import ROLE_LABELS, TYPE_LABELS, Application, Person

# The officer decides a change within the time the license step had (platform policy: the legal
# limit of 变更登记 is not in our verified reference data).
CHANGE_REVIEW_WORKDAYS = "1.5"


@dataclass(frozen=True)
class ChangeItem:
    item: str
    label_zh: str
    label_en: str
    before: str
    after: str


def _person(p: Person) -> str:
    return f"{p.name.strip()}（{mask_id_number(p.id_number)}）"


def _people(people: tuple[Person, ...]) -> list[str]:
    return [_person(p) for p in people]


def _capital(app: Application) -> str:
    return f"{app.capital_amount.strip()} {app.capital_currency or 'CNY'}"


def _shareholders(app: Application) -> str:
    return "；".join(
        f"{_person(s.person)} 认缴 {s.amount.strip()} {s.currency or 'CNY'}"
        for s in app.shareholders
    )


def _officers(app: Application) -> str:
    return "；".join(
        f"{ROLE_LABELS.get(o.role, ('', ''))[0]} {_person(o.person)}" for o in app.officers
    )


def _commitment(app: Application) -> str:
    return "、".join(m.name_zh for m in app.commitment.materials) or "无"


# What the license records, in the order an officer reads it: (item, 中文, English, rendering,
# the exact values compared — so a change the masked rendering hides is still found).
_ITEMS: tuple[
    tuple[str, str, str, Callable[[Application], str], Callable[[Application], object]], ...
] = (
    ("name", "名称", "name", lambda a: a.name.full, lambda a: a.name),
    (
        "enterprise_type",
        "类型",
        "enterprise type",
        lambda a: TYPE_LABELS.get(a.enterprise_type, ("", ""))[0],
        lambda a: a.enterprise_type,
    ),
    (
        "registered_capital",
        "注册资本",
        "registered capital",
        _capital,
        lambda a: (a.capital_amount.strip(), a.capital_currency),
    ),
    (
        "business_scope",
        "经营范围",
        "business scope",
        lambda a: "；".join(s.name_zh for s in a.scope),
        lambda a: a.scope,
    ),
    ("domicile", "住所", "domicile", lambda a: a.domicile.text, lambda a: a.domicile),
    (
        "legal_representative",
        "法定代表人",
        "legal representative",
        lambda a: _person(a.legal_representative),
        lambda a: a.legal_representative,
    ),
    ("shareholders", "股东（出资人）", "shareholders", _shareholders, lambda a: a.shareholders),
    ("officers", "董事、监事、经理", "officers", _officers, lambda a: a.officers),
    ("commitment", "告知承诺材料", "committed materials", _commitment, lambda a: a.commitment),
    (
        "operating_term_years",
        "营业期限（年）",
        "operating term (years)",
        lambda a: str(a.operating_term_years or "长期"),
        lambda a: a.operating_term_years,
    ),
)

ID_NUMBER_CHANGED = "（证件号码有更正）"


def license_changes(before: Application, after: Application) -> list[ChangeItem]:
    """The items the license records differently after the change; none: nothing it records
    changed (a correction of the other parts of the form)."""
    changes: list[ChangeItem] = []
    for item, label_zh, label_en, render, value in _ITEMS:
        if value(before) == value(after):
            continue
        old, new = render(before), render(after)
        if old == new:  # only masked digits of an ID number differ
            new += ID_NUMBER_CHANGED
        changes.append(ChangeItem(item, label_zh, label_en, old, new))
    return changes


def change_summary(changes: list[ChangeItem]) -> str:
    """One line for the officer's queue."""
    return "变更登记：" + "、".join(c.label_zh for c in changes)
