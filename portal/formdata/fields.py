"""The form's inputs as the browser sends them: which names exist (simple inputs, check-box
groups, numbered rows), reading a posted form, the defaults of a new form, adding and removing
rows, and how input names and form paths nest."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

Fields = dict[str, str]

MULTI = frozenset({"business_scope", "seals", "invoice.kinds", "commitment.materials"})
ROWS = {"shareholders": (1, 50), "officers": (1, 20), "employees": (0, 100)}
DEFAULT_ROWS = {"shareholders": 2, "officers": 3, "employees": 1}
SEAL_KINDS = ("OFFICIAL", "FINANCE", "INVOICE", "LEGAL_REP", "CONTRACT")
INVOICE_KINDS = ("DIGITAL_ORDINARY", "DIGITAL_SPECIAL")
ENTERPRISE_TYPES = ("LLC", "ONE_PERSON_LLC", "SOLE_PROPRIETORSHIP", "PARTNERSHIP")
CONTRIBUTION_FORMS = ("CURRENCY", "IN_KIND", "INTELLECTUAL_PROPERTY", "LAND_USE_RIGHT")
OFFICER_ROLES = ("CHAIR", "DIRECTOR", "SOLE_DIRECTOR", "SUPERVISOR", "MANAGER", "EXECUTIVE_PARTNER")
ID_TYPES = (
    "CITIZEN_ID",
    "PASSPORT",
    "HK_MACAO_PERMIT",
    "TAIWAN_PERMIT",
    "FOREIGN_PERMANENT_RESIDENT",
)
MAX_VALUE = 2000

SIMPLE = (
    "name.division",
    "name.trade_name",
    "name.industry",
    "name.industry_code",
    "name.organisational_form",
    "enterprise_type",
    "registered_capital.amount",
    "operating_term_years",
    "work_injury_risk_class",
    "domicile.division_code",
    "domicile.detail",
    "domicile.postal_code",
    "legal_representative.name",
    "legal_representative.id_type",
    "legal_representative.id_number",
    "legal_representative.phone",
    "legal_representative.email",
    "legal_representative.nationality",
    "contact.person.name",
    "contact.person.id_type",
    "contact.person.id_number",
    "contact.phone",
    "contact.email",
    "invoice.max_amount_per_invoice.amount",
    "invoice.monthly_quantity",
    "invoice.expected_annual_sales.amount",
    "invoice.request_general_taxpayer",
    "invoice.declares_proper_accounts",
    "invoice.finance_contact.name",
    "invoice.finance_contact.id_type",
    "invoice.finance_contact.id_number",
    "invoice.finance_contact.phone",
    "bank.bank_code",
    "bank.branch_name",
    "commitment.commitment_text",
    "commitment.agreed",
)
ROW_FIELDS = {
    "shareholders": (
        "person.name",
        "person.id_type",
        "person.id_number",
        "person.nationality",
        "subscribed.amount",
        "form",
        "due_date",
    ),
    "officers": ("person.name", "person.id_type", "person.id_number", "role"),
    "employees": (
        "person.name",
        "person.id_type",
        "person.id_number",
        "hire_date",
        "monthly_wage.amount",
        "position",
    ),
}
SECTIONS = (
    "name",
    "enterprise_type",
    "registered_capital",
    "shareholders",
    "officers",
    "business_scope",
    "domicile",
    "legal_representative",
    "contact",
    "seals",
    "invoice",
    "employees",
    "bank",
    "commitment",
)
ROW_KEY = re.compile(r"^(shareholders|officers|employees)\[(\d{1,3})\]\.(.+)$")
MESSAGE_ROW = re.compile(r"^(shareholders|officers|employees)\[(\d+)\]")


def rows(fields: Mapping[str, str], group: str) -> int:
    low, high = ROWS[group]
    try:
        count = int(fields.get(f"rows.{group}", ""))
    except ValueError:
        count = DEFAULT_ROWS[group]
    return max(low, min(high, count))


def field_names(fields: Mapping[str, str]) -> list[str]:
    names = list(SIMPLE) + sorted(MULTI)
    for group, subs in ROW_FIELDS.items():
        for i in range(rows(fields, group)):
            names += [f"{group}[{i}].{sub}" for sub in subs]
    return names


def allowed(name: str) -> bool:
    if name in SIMPLE or name in MULTI or name.removeprefix("rows.") in ROWS:
        return True
    match = ROW_KEY.match(name)
    return bool(match and match.group(3) in ROW_FIELDS[match.group(1)])


def from_multidict(items: Iterable[tuple[str, str]]) -> Fields:
    """The fields of a posted form (unknown names dropped, values bounded)."""
    fields: Fields = {}
    multi: dict[str, list[str]] = {}
    for name, value in items:
        if not isinstance(value, str) or not allowed(name):
            continue
        value = value[:MAX_VALUE]
        if name in MULTI:
            multi.setdefault(name, []).append(value)
        else:
            fields[name] = value
    for name, values in multi.items():
        fields[name] = "\n".join(v for v in values if v)
    for name in MULTI:
        fields.setdefault(name, "")
    return fields


def values(fields: Mapping[str, str], name: str) -> list[str]:
    raw = fields.get(name, "")
    return [v for v in raw.split("\n") if v]


def defaults() -> Fields:
    fields: Fields = {
        "name.division": "天津",
        "name.organisational_form": "有限公司",
        "enterprise_type": "LLC",
        "operating_term_years": "0",
        "work_injury_risk_class": "1",
        "domicile.division_code": "120115",
        "legal_representative.id_type": "CITIZEN_ID",
        "legal_representative.nationality": "CHN",
        "contact.person.id_type": "CITIZEN_ID",
        "invoice.finance_contact.id_type": "CITIZEN_ID",
        "invoice.kinds": "DIGITAL_ORDINARY",
        "invoice.declares_proper_accounts": "1",
        "seals": "\n".join(f"{k}.{m}" for k in SEAL_KINDS[:4] for m in ("physical", "electronic")),
        "business_scope": "",
        "commitment.materials": "",
        "bank.bank_code": "102",
    }
    for group, count in DEFAULT_ROWS.items():
        fields[f"rows.{group}"] = str(count)
    for i in range(DEFAULT_ROWS["shareholders"]):
        fields[f"shareholders[{i}].person.id_type"] = "CITIZEN_ID"
        fields[f"shareholders[{i}].person.nationality"] = "CHN"
        fields[f"shareholders[{i}].form"] = "CURRENCY"
    for i, role in enumerate(("SOLE_DIRECTOR", "MANAGER", "SUPERVISOR")):
        fields[f"officers[{i}].person.id_type"] = "CITIZEN_ID"
        fields[f"officers[{i}].role"] = role
    fields["employees[0].person.id_type"] = "CITIZEN_ID"
    return fields


def add_row(fields: Fields, group: str) -> bool:
    count = rows(fields, group)
    if count >= ROWS[group][1]:
        return False
    fields[f"rows.{group}"] = str(count + 1)
    fields.setdefault(f"{group}[{count}].person.id_type", "CITIZEN_ID")
    if group == "shareholders":
        fields.setdefault(f"{group}[{count}].person.nationality", "CHN")
        fields.setdefault(f"{group}[{count}].form", "CURRENCY")
    return True


def title(fields: Mapping[str, str]) -> str:
    parts = [fields.get(f"name.{p}", "").strip() for p in ("division", "trade_name", "industry")]
    parts.append(fields.get("name.organisational_form", "").strip())
    return "".join(parts)


def row_is_empty(fields: Mapping[str, str], group: str, i: int) -> bool:
    typed = ("person.name", "person.id_number", "subscribed.amount", "monthly_wage.amount")
    return not any(fields.get(f"{group}[{i}].{sub}", "").strip() for sub in typed)


# ---------------------------------------------------------------------------- rows


def remove_row(fields: Fields, group: str, index: int) -> bool:
    """Removes a row and moves the rows after it up by one; a group at its minimum keeps its
    last row, emptied."""
    count = rows(fields, group)
    if group not in ROWS or not 0 <= index < count:
        return False
    prefix = f"{group}["
    kept: dict[int, dict[str, str]] = {}
    for name in [n for n in fields if n.startswith(prefix)]:
        match = ROW_KEY.match(name)
        value = fields.pop(name)
        if match and match.group(1) == group:
            kept.setdefault(int(match.group(2)), {})[match.group(3)] = value
    rows_left = [kept.get(i, {}) for i in range(count) if i != index]
    if len(rows_left) < ROWS[group][0]:
        rows_left.append(row_defaults(group))
    for i, row in enumerate(rows_left):
        for sub, value in row.items():
            fields[f"{group}[{i}].{sub}"] = value
    fields[f"rows.{group}"] = str(len(rows_left))
    return True


def row_defaults(group: str) -> dict[str, str]:
    """What a new row of ``group`` starts with (sub-field → value)."""
    found = {"person.id_type": "CITIZEN_ID"}
    if group == "shareholders":
        found |= {"person.nationality": "CHN", "form": "CURRENCY"}
    return found


def template_fields(fields: Mapping[str, str], placeholder: str) -> Fields:
    """``fields`` plus a new row of each group at index ``placeholder`` (the page's row
    templates, which the script copies when a row is added)."""
    found = dict(fields)
    for group in ROWS:
        for sub, value in row_defaults(group).items():
            found[f"{group}[{placeholder}].{sub}"] = value
    return found


# ---------------------------------------------------------------------------- paths


def ancestors(path: str) -> list[str]:
    """``path`` and the paths that hold it, nearest first ("a[1].b" → a[1].b, a[1], a)."""
    found = [path]
    while True:
        cut = max(path.rfind("."), path.rfind("["))
        if cut <= 0:
            return found
        path = path[:cut]
        found.append(path)


def under(name: str, path: str) -> bool:
    """Whether the input ``name`` (or form path) lies at or under the form path ``path``."""
    if not path:
        return True
    if name == path or name == f"rows.{path}":
        return True
    return name.startswith((f"{path}.", f"{path}["))


def within(field: str, sections: Iterable[str]) -> bool:
    """Whether a rejection's field ("form.x.y") lies in one of ``sections`` ("form.x")."""
    return any(under(field, s) for s in sections)
