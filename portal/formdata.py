"""The application form as the browser sends it (flat ``name → text`` fields, named after the
paths the platform's rejections use) and its conversion to and from ``ApplicationForm``.

Field names are the proto paths without the ``form.`` prefix, e.g.
``shareholders[1].person.id_number``, so a Rejection's field tells exactly where it belongs.
Values are kept exactly as typed (drafts, re-rendered forms); multi-valued fields (check-box
groups) are joined with newlines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from onestop.common.v1 import application_pb2 as apb
from onestop.common.v1 import common_pb2
from portal import catalogue
from portal.i18n import MATERIALS

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
_ROW_KEY = re.compile(r"^(shareholders|officers|employees)\[(\d{1,3})\]\.(.+)$")


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
    match = _ROW_KEY.match(name)
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


# ---------------------------------------------------------------------------- to the proto


@dataclass(frozen=True)
class Converted:
    form: apb.ApplicationForm
    # Problems found while converting (e.g. text in a whole-number field), shaped like the
    # platform's rejections.
    problems: tuple[common_pb2.Rejection, ...]
    # For each row group, the browser's row number of each row in the message (empty rows are
    # left out, so "shareholders[1]" of the message may be the browser's third row).
    row_map: Mapping[str, tuple[int, ...]]


def _enum(enum: object, prefix: str, value: str) -> int:
    try:
        return int(enum.Value(f"{prefix}_{value}"))  # type: ignore[attr-defined]
    except ValueError:
        return 0


def _person(fields: Mapping[str, str], base: str) -> common_pb2.Person:
    get = fields.get
    id_number = get(f"{base}.id_number", "").strip().upper()
    id_type = _enum(common_pb2.IdType, "ID_TYPE", get(f"{base}.id_type", ""))
    nationality = get(f"{base}.nationality", "").strip().upper()
    if not nationality and id_type == common_pb2.ID_TYPE_CITIZEN_ID:
        # A resident ID card is only issued to Chinese citizens.
        nationality = "CHN"
    return common_pb2.Person(
        name=get(f"{base}.name", "").strip(),
        id_type=id_type,
        id_number=id_number,
        phone=get(f"{base}.phone", "").strip(),
        email=get(f"{base}.email", "").strip(),
        nationality=nationality,
    )


def _money(value: str) -> common_pb2.Money:
    return common_pb2.Money(amount=value.strip().replace(",", ""), currency="CNY")


def row_is_empty(fields: Mapping[str, str], group: str, i: int) -> bool:
    typed = ("person.name", "person.id_number", "subscribed.amount", "monthly_wage.amount")
    return not any(fields.get(f"{group}[{i}].{sub}", "").strip() for sub in typed)


def _integer(
    fields: Mapping[str, str], name: str, problems: list[common_pb2.Rejection], default: int = 0
) -> int:
    text = fields.get(name, "").strip()
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        problems.append(
            common_pb2.Rejection(
                field=f"form.{name}",
                rule="integer",
                message_zh=f"“{text}”不是整数，请填写整数",
                message_en=f"'{text}' is not a whole number",
            )
        )
        return default


def to_proto(fields: Mapping[str, str]) -> Converted:
    get = fields.get
    problems: list[common_pb2.Rejection] = []
    form = apb.ApplicationForm(
        name=apb.CompanyName(
            division=get("name.division", "").strip(),
            trade_name=get("name.trade_name", "").strip(),
            industry=get("name.industry", "").strip(),
            organisational_form=get("name.organisational_form", "").strip(),
            industry_code=get("name.industry_code", "").strip(),
        ),
        enterprise_type=_enum(apb.EnterpriseType, "ENTERPRISE_TYPE", get("enterprise_type", "")),
        registered_capital=_money(get("registered_capital.amount", "")),
        operating_term_years=_integer(fields, "operating_term_years", problems),
        work_injury_risk_class=_integer(fields, "work_injury_risk_class", problems),
        legal_representative=_person(fields, "legal_representative"),
    )
    code = get("domicile.division_code", "").strip()
    form.domicile.CopyFrom(
        common_pb2.Address(
            division_code=code,
            province="天津市" if code.startswith("12") else "",
            city="天津市" if code.startswith("12") else "",
            district=catalogue.district_name(code),
            detail=get("domicile.detail", "").strip(),
            postal_code=get("domicile.postal_code", "").strip(),
        )
    )
    for item in values(fields, "business_scope"):
        form.business_scope.append(apb.BusinessScopeItem(name_zh=item))
    row_map: dict[str, list[int]] = {group: [] for group in ROWS}
    for i in range(rows(fields, "shareholders")):
        if row_is_empty(fields, "shareholders", i):
            continue
        row_map["shareholders"].append(i)
        base = f"shareholders[{i}]"
        form.shareholders.append(
            apb.Shareholder(
                person=_person(fields, f"{base}.person"),
                subscribed=_money(get(f"{base}.subscribed.amount", "")),
                form=_enum(apb.ContributionForm, "CONTRIBUTION_FORM", get(f"{base}.form", "")),
                due_date=get(f"{base}.due_date", "").strip(),
            )
        )
    for i in range(rows(fields, "officers")):
        if row_is_empty(fields, "officers", i):
            continue
        row_map["officers"].append(i)
        base = f"officers[{i}]"
        form.officers.append(
            apb.Officer(
                person=_person(fields, f"{base}.person"),
                role=_enum(apb.OfficerRole, "OFFICER_ROLE", get(f"{base}.role", "")),
            )
        )
    form.contact.CopyFrom(
        apb.Contact(
            person=_person(fields, "contact.person"),
            phone=get("contact.phone", "").strip(),
            email=get("contact.email", "").strip(),
        )
    )
    chosen = set(values(fields, "seals"))
    for kind in SEAL_KINDS:
        physical, electronic = f"{kind}.physical" in chosen, f"{kind}.electronic" in chosen
        if physical or electronic:
            form.seals.append(
                apb.SealRequest(
                    kind=_enum(apb.SealKind, "SEAL_KIND", kind),
                    physical=physical,
                    electronic=electronic,
                )
            )
    invoice = form.invoice
    invoice.kinds.extend(
        _enum(apb.InvoiceKind, "INVOICE_KIND", k) for k in values(fields, "invoice.kinds")
    )
    invoice.max_amount_per_invoice.CopyFrom(
        _money(get("invoice.max_amount_per_invoice.amount", ""))
    )
    invoice.monthly_quantity = _integer(fields, "invoice.monthly_quantity", problems)
    sales = get("invoice.expected_annual_sales.amount", "")
    if sales.strip():
        invoice.expected_annual_sales.CopyFrom(_money(sales))
    invoice.request_general_taxpayer = bool(get("invoice.request_general_taxpayer"))
    invoice.declares_proper_accounts = bool(get("invoice.declares_proper_accounts"))
    invoice.finance_contact.CopyFrom(_person(fields, "invoice.finance_contact"))
    for i in range(rows(fields, "employees")):
        if row_is_empty(fields, "employees", i):
            continue
        row_map["employees"].append(i)
        base = f"employees[{i}]"
        form.employees.append(
            apb.Employee(
                person=_person(fields, f"{base}.person"),
                hire_date=get(f"{base}.hire_date", "").strip(),
                monthly_wage=_money(get(f"{base}.monthly_wage.amount", "")),
                position=get(f"{base}.position", "").strip(),
            )
        )
    form.bank.CopyFrom(
        apb.BankChoice(
            bank_code=get("bank.bank_code", "").strip(),
            branch_name=get("bank.branch_name", "").strip(),
        )
    )
    materials = [code for code in values(fields, "commitment.materials") if code in MATERIALS]
    if materials:
        form.commitment.CopyFrom(
            apb.Commitment(
                materials=[
                    apb.MissingMaterial(code=c, name_zh=MATERIALS[c][0], name_en=MATERIALS[c][1])
                    for c in materials
                ],
                commitment_text=get("commitment.commitment_text", "").strip(),
                agreed=bool(get("commitment.agreed")),
            )
        )
    return Converted(form, tuple(problems), {g: tuple(v) for g, v in row_map.items()})


# ---------------------------------------------------------------------------- from the proto


def _name(enum: object, prefix: str, number: int) -> str:
    if not number:
        return ""
    return str(enum.Name(number)).removeprefix(f"{prefix}_")  # type: ignore[attr-defined]


def _put_person(fields: Fields, base: str, person: common_pb2.Person) -> None:
    fields[f"{base}.name"] = person.name
    fields[f"{base}.id_type"] = _name(common_pb2.IdType, "ID_TYPE", person.id_type)
    fields[f"{base}.id_number"] = person.id_number
    if person.phone or base in ("legal_representative", "invoice.finance_contact"):
        fields[f"{base}.phone"] = person.phone
    if person.email or base == "legal_representative":
        fields[f"{base}.email"] = person.email
    if person.nationality:
        fields[f"{base}.nationality"] = person.nationality


def from_proto(form: apb.ApplicationForm) -> Fields:
    """Fields for a form the platform holds (the correction page starts from it)."""
    fields: Fields = {
        "name.division": form.name.division,
        "name.trade_name": form.name.trade_name,
        "name.industry": form.name.industry,
        "name.industry_code": form.name.industry_code,
        "name.organisational_form": form.name.organisational_form,
        "enterprise_type": _name(apb.EnterpriseType, "ENTERPRISE_TYPE", form.enterprise_type),
        "registered_capital.amount": form.registered_capital.amount,
        "operating_term_years": str(form.operating_term_years),
        "work_injury_risk_class": str(form.work_injury_risk_class),
        "domicile.division_code": form.domicile.division_code,
        "domicile.detail": form.domicile.detail,
        "domicile.postal_code": form.domicile.postal_code,
        "business_scope": "\n".join(item.name_zh for item in form.business_scope),
        "contact.phone": form.contact.phone,
        "contact.email": form.contact.email,
        "invoice.max_amount_per_invoice.amount": form.invoice.max_amount_per_invoice.amount,
        "invoice.monthly_quantity": str(form.invoice.monthly_quantity or ""),
        "invoice.expected_annual_sales.amount": form.invoice.expected_annual_sales.amount,
        "invoice.request_general_taxpayer": "1" if form.invoice.request_general_taxpayer else "",
        "invoice.declares_proper_accounts": "1" if form.invoice.declares_proper_accounts else "",
        "invoice.kinds": "\n".join(
            _name(apb.InvoiceKind, "INVOICE_KIND", k) for k in form.invoice.kinds
        ),
        "bank.bank_code": form.bank.bank_code,
        "bank.branch_name": form.bank.branch_name,
        "commitment.materials": "\n".join(m.code for m in form.commitment.materials),
        "commitment.commitment_text": form.commitment.commitment_text,
        "commitment.agreed": "1" if form.commitment.agreed else "",
    }
    _put_person(fields, "legal_representative", form.legal_representative)
    _put_person(fields, "contact.person", form.contact.person)
    _put_person(fields, "invoice.finance_contact", form.invoice.finance_contact)
    seals = []
    for seal in form.seals:
        kind = _name(apb.SealKind, "SEAL_KIND", seal.kind)
        if seal.physical:
            seals.append(f"{kind}.physical")
        if seal.electronic:
            seals.append(f"{kind}.electronic")
    fields["seals"] = "\n".join(seals)
    fields["rows.shareholders"] = str(max(1, len(form.shareholders)))
    for i, holder in enumerate(form.shareholders):
        base = f"shareholders[{i}]"
        _put_person(fields, f"{base}.person", holder.person)
        fields[f"{base}.subscribed.amount"] = holder.subscribed.amount
        fields[f"{base}.form"] = _name(apb.ContributionForm, "CONTRIBUTION_FORM", holder.form)
        fields[f"{base}.due_date"] = holder.due_date
    fields["rows.officers"] = str(max(1, len(form.officers)))
    for i, officer in enumerate(form.officers):
        _put_person(fields, f"officers[{i}].person", officer.person)
        fields[f"officers[{i}].role"] = _name(apb.OfficerRole, "OFFICER_ROLE", officer.role)
    fields["rows.employees"] = str(len(form.employees))
    for i, employee in enumerate(form.employees):
        base = f"employees[{i}]"
        _put_person(fields, f"{base}.person", employee.person)
        fields[f"{base}.hire_date"] = employee.hire_date
        fields[f"{base}.monthly_wage.amount"] = employee.monthly_wage.amount
        fields[f"{base}.position"] = employee.position
    return {k: v for k, v in fields.items() if allowed(k)}


# ---------------------------------------------------------------------------- rejections


@dataclass(frozen=True)
class Problem:
    anchor: str
    rejection: common_pb2.Rejection


def _ancestors(path: str) -> list[str]:
    found = [path]
    while True:
        cut = max(path.rfind("."), path.rfind("["))
        if cut <= 0:
            return found
        path = path[:cut]
        found.append(path)


# Parts of the form the page shows errors under that are neither an input nor a section.
ANCHORS = ("contact.person", "invoice.finance_contact")
_MESSAGE_ROW = re.compile(r"^(shareholders|officers|employees)\[(\d+)\]")


def _browser_path(path: str, row_map: Mapping[str, tuple[int, ...]] | None) -> str:
    match = _MESSAGE_ROW.match(path)
    if not match or row_map is None:
        return path
    group, index = match.group(1), int(match.group(2))
    mapped = row_map.get(group, ())
    if index >= len(mapped):
        return path
    return f"{group}[{mapped[index]}]{path[match.end() :]}"


def place(
    rejections: Iterable[common_pb2.Rejection],
    fields: Mapping[str, str],
    row_map: Mapping[str, tuple[int, ...]] | None = None,
) -> list[Problem]:
    """Where each rejection is shown: its own field, else the nearest row or section."""
    known = set(field_names(fields)) | set(ANCHORS)
    rows_known = {f"{g}[{i}]" for g in ROWS for i in range(rows(fields, g))}
    known |= {f"{row}.person" for row in rows_known}
    placed: list[Problem] = []
    for rejection in rejections:
        path = _browser_path(rejection.field.removeprefix("form."), row_map)
        anchor = "_general"
        for candidate in _ancestors(path):
            if candidate in known:
                anchor = candidate
                break
            if f"{candidate}.amount" in known:
                anchor = f"{candidate}.amount"
                break
            if candidate in rows_known or candidate in SECTIONS:
                anchor = candidate
                break
        placed.append(Problem(anchor, rejection))
    return placed


def _page_inputs() -> tuple[str, ...]:
    ordered = [*SIMPLE, *sorted(MULTI)]
    for anchor in ANCHORS:
        ordered.insert(next(i for i, n in enumerate(ordered) if under(n, anchor)), anchor)
    return tuple(ordered)


def page_order(fields: Mapping[str, str]) -> list[str]:
    """Every place an error may be shown, in the order the page shows them."""
    names = ["_general"]
    for section in PAGE_SECTIONS:
        for path in section.paths:
            names.append(path)
            if path in ROWS:
                for i in range(rows(fields, path)):
                    base = f"{path}[{i}]"
                    names += [base, f"{base}.person"]
                    names += [f"{base}.{sub}" for sub in ROW_FIELDS[path]]
            else:
                names += [n for n in _page_inputs() if under(n, path) and n != path]
    return names


def dom_id(name: str) -> str:
    return "f-" + re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")


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
        match = _ROW_KEY.match(name)
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


# ---------------------------------------------------------------------------- sections


@dataclass(frozen=True)
class Section:
    """One part of the form as the page shows it: a fieldset, checked when the applicant
    leaves it, listed on the review page; ``paths`` are the form paths it holds."""

    key: str
    title: str  # i18n key
    paths: tuple[str, ...]

    @property
    def anchor(self) -> str:
        return self.paths[0]

    @property
    def check_paths(self) -> tuple[str, ...]:
        return tuple(f"form.{p}" for p in self.paths)


PAGE_SECTIONS = (
    Section("name", "form.sec.name", ("name", "enterprise_type")),
    Section("capital", "form.sec.capital", ("registered_capital", "shareholders")),
    Section("scope", "form.sec.scope", ("business_scope",)),
    Section("domicile", "form.sec.domicile", ("domicile", "operating_term_years")),
    Section("people", "form.sec.people", ("legal_representative", "officers", "contact")),
    Section("seals", "form.sec.seals", ("seals",)),
    Section("invoice", "form.sec.invoice", ("invoice",)),
    Section("employees", "form.sec.employees", ("employees", "work_injury_risk_class")),
    Section("bank", "form.sec.bank", ("bank",)),
    Section("commitment", "form.sec.commitment", ("commitment",)),
)
SECTION_BY_KEY = {s.key: s for s in PAGE_SECTIONS}


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


# ---------------------------------------------------------------------------- labels

# Input names with row numbers as "[]" → i18n key of their label.
LABELS = {
    "name": "form.sec.name",
    "name.division": "form.name.division",
    "name.trade_name": "form.name.trade_name",
    "name.industry": "form.name.industry",
    "name.organisational_form": "form.name.organisational_form",
    "name.industry_code": "form.name.industry_code",
    "enterprise_type": "form.enterprise_type",
    "registered_capital": "form.registered_capital",
    "registered_capital.amount": "form.registered_capital",
    "operating_term_years": "form.operating_term_years",
    "work_injury_risk_class": "form.work_injury_risk_class",
    "business_scope": "form.sec.scope",
    "domicile": "form.sec.domicile",
    "domicile.division_code": "form.domicile.division_code",
    "domicile.district": "form.domicile.division_code",
    "domicile.detail": "form.domicile.detail",
    "domicile.postal_code": "form.domicile.postal_code",
    "legal_representative": "form.legal_representative",
    "contact": "form.contact",
    "contact.person": "form.contact",
    "contact.phone": "form.person.phone",
    "contact.email": "form.person.email",
    "shareholders": "form.shareholders",
    "officers": "form.officers",
    "employees": "form.sec.employees",
    "shareholders[]": "form.shareholder",
    "officers[]": "form.officer",
    "employees[]": "form.employee",
    "shareholders[].subscribed": "form.subscribed",
    "shareholders[].subscribed.amount": "form.subscribed",
    "shareholders[].form": "form.contribution_form",
    "shareholders[].due_date": "form.due_date",
    "officers[].role": "form.officer.role",
    "employees[].hire_date": "form.employee.hire_date",
    "employees[].monthly_wage": "form.employee.wage",
    "employees[].monthly_wage.amount": "form.employee.wage",
    "employees[].position": "form.employee.position",
    "seals": "form.sec.seals",
    "invoice": "form.sec.invoice",
    "invoice.kinds": "form.invoice.kinds",
    "invoice.max_amount_per_invoice": "form.invoice.max_amount",
    "invoice.max_amount_per_invoice.amount": "form.invoice.max_amount",
    "invoice.monthly_quantity": "form.invoice.monthly_quantity",
    "invoice.expected_annual_sales": "form.invoice.expected_sales",
    "invoice.expected_annual_sales.amount": "form.invoice.expected_sales",
    "invoice.request_general_taxpayer": "form.invoice.general",
    "invoice.declares_proper_accounts": "form.invoice.accounts",
    "invoice.finance_contact": "form.invoice.finance_contact",
    "bank": "form.sec.bank",
    "bank.bank_code": "form.bank.bank_code",
    "bank.branch_name": "form.bank.branch_name",
    "commitment": "form.sec.commitment",
    "commitment.materials": "form.commitment.materials",
    "commitment.commitment_text": "form.commitment.text",
    "commitment.agreed": "form.commitment.agreed",
}
# The people of the form (path → the input holding their name): a field under one of them is
# labelled "<person> · <field>".
PERSONS = {
    "legal_representative": "legal_representative.name",
    "contact": "contact.person.name",
    "invoice.finance_contact": "invoice.finance_contact.name",
}
PERSON_FIELDS = {
    "name": "form.person.name",
    "id_type": "form.person.id_type",
    "id_number": "form.person.id_number",
    "phone": "form.person.phone",
    "email": "form.person.email",
    "nationality": "form.person.nationality",
}
_INDEX = re.compile(r"\[\d+\]")


@dataclass(frozen=True)
class Label:
    """Where a field is, as i18n keys: the person or row it belongs to (``owner``, with the
    row's number), and the field itself (empty when the path names the owner as a whole)."""

    owner: str
    number: int
    field: str


def label_of(path: str) -> Label:
    """The label of a form path ("form.employees[1].person.id_number" or an input name)."""
    path = path.removeprefix("form.").removeprefix("form")
    if not path:
        return Label("", 0, "form.whole")
    row = _MESSAGE_ROW.match(path)
    if row:
        owner, number = f"form.{row.group(1).removesuffix('s')}", int(row.group(2)) + 1
        rest = path[row.end() :].removeprefix(".")
        if not rest:
            return Label(owner, number, "")
        if rest.startswith("person."):
            return Label(owner, number, _leaf(PERSON_FIELDS, rest.removeprefix("person.")))
        if rest == "person":
            return Label(owner, number, "")
        return Label(owner, number, _generic(f"{row.group(1)}[].{rest}"))
    for person in PERSONS:
        if under(path, person) and path not in (person, f"{person}.person"):
            rest = path.removeprefix(f"{person}.").removeprefix("person.")
            return Label(LABELS[person], 0, _leaf(PERSON_FIELDS, rest))
    return Label("", 0, _generic(path))


def _leaf(table: Mapping[str, str], rest: str) -> str:
    while rest:
        if rest in table:
            return table[rest]
        rest = rest.rpartition(".")[0]
    return ""


def _generic(path: str) -> str:
    generic = _INDEX.sub("[]", path)
    for candidate in _ancestors(generic):
        if candidate in LABELS:
            return LABELS[candidate]
    return ""


# ---------------------------------------------------------------------------- required


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
    match = _ROW_KEY.match(re.sub(r"^(\w+)\[[^\]]*\]", r"\1[0]", name))
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


# ---------------------------------------------------------------------------- corrections


@dataclass(frozen=True)
class Scope:
    """What a correction may change: form paths, as the update mask sends them (empty: the
    whole form)."""

    paths: tuple[str, ...]

    @property
    def whole(self) -> bool:
        return not self.paths

    def holds(self, name: str) -> bool:
        return self.whole or any(under(name, p) for p in self.paths)

    def shows(self, section: Section) -> bool:
        return self.whole or any(
            under(p, s) or under(s, p) for p in self.paths for s in section.paths
        )


_LISTS = ("shareholders", "officers", "employees", "business_scope", "seals")
_LISTS_IN = ("invoice.kinds", "commitment.materials")


def correction_scope(rejections: Iterable[common_pb2.Rejection]) -> Scope:
    """The form paths the named fields ask to correct: a field of a list takes the whole list
    ("employees[1].person.id_number" → "employees"), a field the page has no input for takes
    its nearest part that has inputs ("domicile.district" → "domicile"); "form" is the whole."""
    paths: list[str] = []
    for rejection in rejections:
        path = _scope_path(rejection.field.removeprefix("form.").removeprefix("form"))
        if not path:
            return Scope(())
        if path not in paths:
            paths.append(path)
    kept = [p for p in paths if not any(q != p and under(p, q) for q in paths)]
    return Scope(tuple(kept))


def _scope_path(path: str) -> str:
    for group in (*_LISTS_IN, *_LISTS):
        if under(path, group):
            return group
    inputs = set(SIMPLE) | MULTI
    for candidate in _ancestors(path):
        if any(under(name, candidate) for name in inputs):
            return candidate
    return ""


def corrected(base: Mapping[str, str], posted: Mapping[str, str], scope: Scope) -> Fields:
    """The case's form with the posted inputs of ``scope`` taking the place of its own."""
    if scope.whole:
        return dict(posted)
    merged = {k: v for k, v in base.items() if not scope.holds(k)}
    merged.update({k: v for k, v in posted.items() if scope.holds(k)})
    for group in ROWS:
        if not scope.holds(f"rows.{group}"):
            merged[f"rows.{group}"] = base.get(f"rows.{group}", "")
    return merged
