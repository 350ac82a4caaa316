"""The form's inputs to an ``ApplicationForm`` and back: what the portal sends the platform, and
the inputs of a form the platform holds (a case's page, a correction, a task at a desk)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from onestop.common.v1 import application_pb2 as apb
from onestop.common.v1 import common_pb2
from portal import catalogue
from portal.formdata.fields import ROWS, SEAL_KINDS, Fields, allowed, row_is_empty, rows, values
from portal.i18n import MATERIALS

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


def _filled_rows(
    fields: Mapping[str, str], group: str, row_map: dict[str, list[int]]
) -> Iterator[str]:
    """The bases ("officers[2]") of the group's rows that have anything in them; ``row_map``
    notes the browser's row number of each (empty rows do not reach the message)."""
    for i in range(rows(fields, group)):
        if row_is_empty(fields, group, i):
            continue
        row_map[group].append(i)
        yield f"{group}[{i}]"


def _shareholder(fields: Mapping[str, str], base: str) -> apb.Shareholder:
    get = fields.get
    return apb.Shareholder(
        person=_person(fields, f"{base}.person"),
        subscribed=_money(get(f"{base}.subscribed.amount", "")),
        form=_enum(apb.ContributionForm, "CONTRIBUTION_FORM", get(f"{base}.form", "")),
        due_date=get(f"{base}.due_date", "").strip(),
    )


def _officer(fields: Mapping[str, str], base: str) -> apb.Officer:
    return apb.Officer(
        person=_person(fields, f"{base}.person"),
        role=_enum(apb.OfficerRole, "OFFICER_ROLE", fields.get(f"{base}.role", "")),
    )


def _employee(fields: Mapping[str, str], base: str) -> apb.Employee:
    get = fields.get
    return apb.Employee(
        person=_person(fields, f"{base}.person"),
        hire_date=get(f"{base}.hire_date", "").strip(),
        monthly_wage=_money(get(f"{base}.monthly_wage.amount", "")),
        position=get(f"{base}.position", "").strip(),
    )


# How each row group's message rows are made from its inputs.
ROW_BUILDERS: dict[str, Callable[[Mapping[str, str], str], Any]] = {
    "shareholders": _shareholder,
    "officers": _officer,
    "employees": _employee,
}


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
    for group, build in ROW_BUILDERS.items():
        rows_of_group = getattr(form, group)
        for base in _filled_rows(fields, group, row_map):
            rows_of_group.append(build(fields, base))
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
