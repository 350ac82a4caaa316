"""What a form path is called on the page, as i18n keys: the field, and the person or numbered
row it belongs to ("职工 2 · 身份证号码")."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from portal.formdata.fields import MESSAGE_ROW, ancestors, under

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
    row = MESSAGE_ROW.match(path)
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
    for candidate in ancestors(generic):
        if candidate in LABELS:
            return LABELS[candidate]
    return ""
