"""The inputs a form must have filled: the page's required marks (*), and a rejection for each
required input left empty, named as the page shows it, before a round trip to the platform."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from onestop.common.v1 import common_pb2
from portal.formdata.fields import (
    MULTI,
    ROW_FIELDS,
    ROW_KEY,
    SIMPLE,
    row_is_empty,
    rows,
    under,
)
from portal.formdata.labels import PERSONS, label_of

# Inputs that must be filled (marked * on the page), as the orchestrator's completeness check
# and the participants' rules need them; a row group's fields count for the rows the applicant
# started, and the form needs at least one shareholder. The finance contact is optional (the
# legal representative acts without one); once started it is checked whole by the tax rules.
REQUIRED = frozenset(
    {
        "name.division",
        "name.trade_name",
        "name.industry",
        "name.organisational_form",
        "name.industry_code",
        "enterprise_type",
        "registered_capital.amount",
        "business_scope",
        "domicile.division_code",
        "domicile.detail",
        "legal_representative.name",
        "legal_representative.id_type",
        "legal_representative.id_number",
        "contact.person.name",
        "contact.phone",
        "bank.bank_code",
        "bank.branch_name",
    }
)
REQUIRED_IN_ROW = {
    "shareholders": frozenset(
        {"person.name", "person.id_type", "person.id_number", "subscribed.amount", "form"}
        | {"due_date"}
    ),
    "officers": frozenset({"person.name", "person.id_type", "person.id_number", "role"}),
    "employees": frozenset(
        {"person.name", "person.id_type", "person.id_number", "hire_date", "monthly_wage.amount"}
    ),
}
CHOSEN = frozenset(
    {"business_scope", "enterprise_type", "name.organisational_form", "name.industry_code"}
    | {"domicile.division_code", "bank.bank_code"}
)


def required(name: str) -> bool:
    """Whether the page marks the input ``name`` as required (a row's field: required once the
    row is started; the page's row templates number their row with a placeholder)."""
    if name in REQUIRED:
        return True
    match = ROW_KEY.match(re.sub(r"^(\w+)\[[^\]]*\]", r"\1[0]", name))
    return bool(match and match.group(3) in REQUIRED_IN_ROW[match.group(1)])


def missing(
    fields: Mapping[str, str], translate: Callable[[str, str], str]
) -> list[common_pb2.Rejection]:
    """A rejection for each required input left empty, with the browser's row numbers (the
    platform checks the same again; this names them before a round trip)."""
    found: list[common_pb2.Rejection] = []

    def reject(name: str, owner: tuple[str, str] = ("", "")) -> None:
        label = label_of(name)
        verb_zh = (
            "请选择" if name in CHOSEN or name.endswith(("id_type", ".form", ".role")) else "请填写"
        )
        zh, en = translate(label.field, "zh"), translate(label.field, "en")
        found.append(
            common_pb2.Rejection(
                field=f"form.{name}",
                rule="required",
                message_zh=f"{verb_zh}{zh}",
                message_en=f"{en}: required",
                subject_zh=owner[0],
                subject_en=owner[1],
                participant="portal",
            )
        )

    for name in sorted(REQUIRED, key=_order):
        if not fields.get(name, "").strip():
            reject(name, _owner(name, fields, translate))
    for group, subs in REQUIRED_IN_ROW.items():
        started = [i for i in range(rows(fields, group)) if not row_is_empty(fields, group, i)]
        if not started and group == "shareholders":
            started = [0]
        for i in started:
            for sub in ROW_FIELDS[group]:
                if sub in subs and not fields.get(f"{group}[{i}].{sub}", "").strip():
                    name = f"{group}[{i}].{sub}"
                    reject(name, _owner(name, fields, translate))
    return found


def _order(name: str) -> int:
    order = list(SIMPLE) + sorted(MULTI)
    return order.index(name) if name in order else len(order)


def _owner(
    name: str, fields: Mapping[str, str], translate: Callable[[str, str], str]
) -> tuple[str, str]:
    """The person or row ``name`` belongs to, as the page shows it ("职工 2（李雷）")."""
    label = label_of(name)
    if not label.owner:
        return "", ""
    if label.number:
        person = name[: name.index("]") + 1] + ".person.name"
    else:
        person = next((n for p, n in PERSONS.items() if under(name, p)), "")
    who = fields.get(person, "").strip() if person else ""
    zh, en = translate(label.owner, "zh"), translate(label.owner, "en")
    if label.number:
        zh, en = f"{zh} {label.number}", f"{en} {label.number}"
    if who:
        zh, en = f"{zh}（{who}）", f"{en} ({who})"
    return zh, en
