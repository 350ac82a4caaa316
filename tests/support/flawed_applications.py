"""A corpus of flawed applications, one flaw each, across the rules of all five participants and
the orchestrator's own completeness check: each must be refused at submission, naming the field
(and the person or row), with nothing created.

Every flaw starts from ``samples/application.json`` (through :func:`base_form`, which gives the
form a context's trade name and employees so runs on a shared platform do not collide) and
changes one thing. A flaw about another case (a trade name taken, an employee enrolled by
another company, a person on the credit list) names a :class:`Setup`; :func:`prepare` makes
those conditions true through the platform's public APIs before the corpus is submitted.

Used by tests/integration/test_flawed_applications.py over gRPC and by the portal's browser
tests, which type the same forms into the web form. What a flaw is, the context of a run and
the setups are in tests/support/flawed_applications_setup.py (re-exported here).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from onestop.common.v1 import application_pb2, common_pb2
from onestop_common.settings import Settings
from tests.support.flawed_applications_setup import (
    BANK_RISK_LISTED,
    BANK_RISK_LISTED_OWNER,
    CREDIT_LISTED_SEED,
    LI_NA_ID,
    SAMPLE,
    SETUP_DESCRIPTIONS,
    TRADE_NAME_CHARACTERS,
    WANG_FANG_ID,
    ZHANG_WEI_ID,
    Flaw,
    FlawContext,
    Mutation,
    Setup,
    Someone,
    base_form,
    citizen_id,
    establish_other_company,
    matching,
    other_company_form,
    put_on_credit_list,
    random_citizen_id,
    wrong_check_character,
)

__all__ = [
    "BANK_RISK_LISTED",
    "BANK_RISK_LISTED_OWNER",
    "CREDIT_LISTED_SEED",
    "FLAWS",
    "LI_NA_ID",
    "PARTICIPANTS",
    "SAMPLE",
    "SETUP_DESCRIPTIONS",
    "TRADE_NAME_CHARACTERS",
    "WANG_FANG_ID",
    "ZHANG_WEI_ID",
    "Flaw",
    "FlawContext",
    "Mutation",
    "Setup",
    "Someone",
    "base_form",
    "by_id",
    "citizen_id",
    "count_by_participant",
    "establish_other_company",
    "matching",
    "other_company_form",
    "prepare",
    "put_on_credit_list",
    "random_citizen_id",
    "wrong_check_character",
]


def prepare(settings: Settings, ctx: FlawContext, flaws: Iterable[Flaw] | None = None) -> list[str]:
    """Makes every setup the flaws need true; returns the ids of the cases it created (they
    are another applicant's, with a license of their own)."""
    needed = {flaw.setup for flaw in (FLAWS if flaws is None else flaws) if flaw.setup}
    cases = []
    if Setup.CREDIT_LIST in needed:
        put_on_credit_list(settings, ctx)
    if Setup.OTHER_COMPANY in needed:
        cases.append(establish_other_company(settings, ctx))
    return cases


# ---- mutation helpers


def _set(**paths: object) -> Mutation:
    """Sets dotted paths (``name__trade_name``) to values."""

    def mutate(form: application_pb2.ApplicationForm, ctx: FlawContext) -> None:
        for path, value in paths.items():
            *parents, last = path.split("__")
            target = form
            for part in parents:
                target = getattr(target, part)
            setattr(target, last, value)

    return mutate


def _people(form: application_pb2.ApplicationForm) -> list[common_pb2.Person]:
    people = [form.legal_representative, form.contact.person, form.invoice.finance_contact]
    people += [holder.person for holder in form.shareholders]
    people += [officer.person for officer in form.officers]
    people += [employee.person for employee in form.employees]
    return people


def _replace_person(old_id: str, name: str | None = None, id_number: str | None = None) -> Mutation:
    """Changes one person everywhere the form names them (same name, same ID throughout), so
    the only thing wrong is the person."""

    def mutate(form: application_pb2.ApplicationForm, ctx: FlawContext) -> None:
        for person in _people(form):
            if person.id_number == old_id:
                if name is not None:
                    person.name = name
                if id_number is not None:
                    person.id_number = id_number

    return mutate


def _legal_rep_is(pick: Callable[[FlawContext], Someone]) -> Mutation:
    def mutate(form: application_pb2.ApplicationForm, ctx: FlawContext) -> None:
        someone = pick(ctx)
        _replace_person(ZHANG_WEI_ID, someone.name, someone.id_number)(form, ctx)

    return mutate


def _set_person_row(row: Any, values: Mapping[str, str]) -> None:
    """Sets a shareholder's or an employee's fields: name and ID number are the person's, an
    amount (subscribed capital, monthly wage) the money's, the rest the row's own."""
    for key, value in values.items():
        if key in ("name", "id_number"):
            setattr(row.person, key, value)
        elif key in ("subscribed", "monthly_wage"):
            getattr(row, key).amount = value
        else:
            setattr(row, key, value)


def _employee(index: int, **values: str) -> Mutation:
    def mutate(form: application_pb2.ApplicationForm, ctx: FlawContext) -> None:
        _set_person_row(form.employees[index], values)

    return mutate


def _employee_named(index: int) -> Callable[[FlawContext], str]:
    return lambda ctx: ctx.employees[index].name


def _without_seal(kind: int) -> Mutation:
    def mutate(form: application_pb2.ApplicationForm, ctx: FlawContext) -> None:
        kept = [seal for seal in form.seals if seal.kind != kind]
        del form.seals[:]
        form.seals.extend(kept)

    return mutate


def _seal(index: int, **values: object) -> Mutation:
    def mutate(form: application_pb2.ApplicationForm, ctx: FlawContext) -> None:
        for key, value in values.items():
            setattr(form.seals[index], key, value)

    return mutate


def _add_seal(kind: int) -> Mutation:
    def mutate(form: application_pb2.ApplicationForm, ctx: FlawContext) -> None:
        form.seals.add(kind=kind, physical=True, electronic=True)

    return mutate


def _no_shareholders(form: application_pb2.ApplicationForm, ctx: FlawContext) -> None:
    del form.shareholders[:]


def _duplicate_employee(form: application_pb2.ApplicationForm, ctx: FlawContext) -> None:
    form.employees[1].person.CopyFrom(form.employees[0].person)


def _enrolled_elsewhere(form: application_pb2.ApplicationForm, ctx: FlawContext) -> None:
    form.employees[1].person.name = ctx.enrolled_employee.name
    form.employees[1].person.id_number = ctx.enrolled_employee.id_number


def _taken_trade_name(form: application_pb2.ApplicationForm, ctx: FlawContext) -> None:
    form.name.trade_name = ctx.taken_trade_name


def _credit_listed_supervisor(form: application_pb2.ApplicationForm, ctx: FlawContext) -> None:
    name, id_number = CREDIT_LISTED_SEED
    _replace_person(WANG_FANG_ID, name, id_number)(form, ctx)


def _unknown_scope_item(form: application_pb2.ApplicationForm, ctx: FlawContext) -> None:
    form.business_scope[1].name_zh = "星际旅行票务代理"


def _special_invoice(form: application_pb2.ApplicationForm, ctx: FlawContext) -> None:
    form.invoice.kinds.append(application_pb2.INVOICE_KIND_DIGITAL_SPECIAL)


def _shareholder(index: int, **values: str) -> Mutation:
    def mutate(form: application_pb2.ApplicationForm, ctx: FlawContext) -> None:
        _set_person_row(form.shareholders[index], values)

    return mutate


_LEGAL_REP_ELSEWHERE = (
    "form.shareholders[0].person",
    "form.officers[0].person",
    "form.officers[1].person",
)
_UNDER_18 = citizen_id("12011520100312033")
_UNDER_16 = citizen_id("12011520120601024")
_LONG_TRADE_NAME = TRADE_NAME_CHARACTERS  # 24 characters: a 32-character company name

# ---- the corpus

FLAWS: tuple[Flaw, ...] = (
    # ---------------------------------------------------------------- orchestrator (completeness)
    Flaw(
        "contact_name_missing",
        "The contact person has no name.",
        "orchestrator",
        _set(contact__person__name=""),
        "form.contact.person.name",
    ),
    Flaw(
        "contact_phone_missing",
        "The contact person has no phone number.",
        "orchestrator",
        _set(contact__phone=""),
        "form.contact.phone",
    ),
    Flaw(
        "contact_phone_malformed",
        "The contact phone number is not a phone number ('12ab').",
        "orchestrator",
        _set(contact__phone="12ab"),
        "form.contact.phone",
    ),
    Flaw(
        "bank_branch_missing",
        "No bank branch is chosen.",
        "orchestrator",
        _set(bank__branch_name=""),
        "form.bank.branch_name",
    ),
    Flaw(
        "legal_representative_name_missing",
        "The legal representative has no name.",
        "orchestrator",
        _set(legal_representative__name=""),
        "form.legal_representative.name",
    ),
    Flaw(
        "no_shareholders",
        "The form lists no shareholder.",
        "orchestrator",
        _no_shareholders,
        "form.shareholders",
    ),
    Flaw(
        "trade_name_missing",
        "The name has no trade name.",
        "orchestrator",
        _set(name__trade_name=""),
        "form.name.trade_name",
    ),
    Flaw(
        "domicile_division_code_malformed",
        "The domicile's division code has five digits.",
        "orchestrator",
        _set(domicile__division_code="12011"),
        "form.domicile.division_code",
    ),
    # ---------------------------------------------------------------- registration
    Flaw(
        "name_prohibited_word",
        "The trade name is a prohibited word (博彩, gambling).",
        "registration",
        _set(name__trade_name="博彩"),
        "form.name.trade_name",
    ),
    Flaw(
        "trade_name_too_short",
        "The trade name has one character.",
        "registration",
        _set(name__trade_name="宝"),
        "form.name.trade_name",
    ),
    Flaw(
        "trade_name_too_long",
        "The trade name has 24 characters: the company name (32) fits no seal (the seal's "
        "30-character limit on the company name is the rule that catches it today).",
        "registration",
        _set(name__trade_name=_LONG_TRADE_NAME),
        "form.name",
        prefix=True,
    ),
    Flaw(
        "trade_name_not_chinese",
        "The trade name has Latin letters (宝坻AB).",
        "registration",
        _set(name__trade_name="宝坻AB"),
        "form.name.trade_name",
    ),
    Flaw(
        "trade_name_taken",
        "A registered company in the area already holds the trade name in the same industry.",
        "registration",
        _taken_trade_name,
        "form.name.trade_name",
        setup=Setup.OTHER_COMPANY,
    ),
    Flaw(
        "organisational_form_wrong_for_type",
        "The name ends in 工作室 (a sole proprietorship's form) for a limited liability company.",
        "registration",
        _set(name__organisational_form="工作室"),
        "form.name.organisational_form",
    ),
    Flaw(
        "industry_not_in_catalogue",
        "The industry code ZZ is not in GB/T 4754.",
        "registration",
        _set(name__industry_code="ZZ"),
        "form.name.industry_code",
    ),
    Flaw(
        "industry_word_mismatch",
        "The industry word 餐饮 (catering) does not describe industry I (software and IT).",
        "registration",
        _set(name__industry="餐饮"),
        "form.name.industry",
    ),
    Flaw(
        "name_division_outside_area",
        "The name begins with 北京, not the registration area's division.",
        "registration",
        _set(name__division="北京"),
        "form.name.division",
    ),
    Flaw(
        "enterprise_type_unspecified",
        "No enterprise type is chosen.",
        "registration",
        _set(enterprise_type=application_pb2.ENTERPRISE_TYPE_UNSPECIFIED),
        "form.enterprise_type",
    ),
    Flaw(
        "enterprise_type_unknown",
        "The enterprise type is 99, a value the contract does not define.",
        "registration",
        _set(enterprise_type=99),
        "form.enterprise_type",
    ),
    Flaw(
        "capital_not_positive",
        "The registered capital is 0.",
        "registration",
        _set(registered_capital__amount="0"),
        "form.registered_capital",
        prefix=True,
    ),
    Flaw(
        "capital_too_many_decimals",
        "The registered capital has three decimals (1000000.001).",
        "registration",
        _set(registered_capital__amount="1000000.001"),
        "form.registered_capital",
        prefix=True,
    ),
    Flaw(
        "subscriptions_do_not_add_up",
        "The shareholders subscribe 900000 of a registered capital of 1000000.",
        "registration",
        _shareholder(1, subscribed="300000.00"),
        "form.shareholders",
    ),
    Flaw(
        "contribution_due_after_five_years",
        "A shareholder pays in 2035, more than five years after establishment.",
        "registration",
        _shareholder(0, due_date="2035-06-30"),
        "form.shareholders[0].due_date",
        subject="张伟",
    ),
    Flaw(
        "legal_representative_id_check_character",
        "The legal representative's ID number has a wrong check character.",
        "registration",
        _replace_person(ZHANG_WEI_ID, id_number=wrong_check_character(ZHANG_WEI_ID)),
        "form.legal_representative.id_number",
        subject="张伟",
        also=_LEGAL_REP_ELSEWHERE,
    ),
    Flaw(
        "legal_representative_id_17_digits",
        "The legal representative's ID number has 17 digits.",
        "registration",
        _replace_person(ZHANG_WEI_ID, id_number=ZHANG_WEI_ID[:17]),
        "form.legal_representative.id_number",
        subject="张伟",
        also=_LEGAL_REP_ELSEWHERE,
    ),
    Flaw(
        "legal_representative_under_18",
        "The legal representative was born in 2010.",
        "registration",
        _replace_person(ZHANG_WEI_ID, id_number=_UNDER_18),
        "form.legal_representative.id_number",
        subject="张伟",
        also=_LEGAL_REP_ELSEWHERE,
    ),
    Flaw(
        "shareholder_id_check_character",
        "Shareholder 李娜's ID number has a wrong check character (in her shareholder entry).",
        "registration",
        _shareholder(1, id_number=wrong_check_character(LI_NA_ID)),
        "form.shareholders[1].person.id_number",
        subject="李娜",
    ),
    Flaw(
        "shareholder_id_missing",
        "Shareholder 李娜 (a beneficial owner: 40%) gives no ID number.",
        "registration",
        _shareholder(1, id_number=""),
        "form.shareholders[1].person.id_number",
        subject="李娜",
    ),
    Flaw(
        "scope_item_unknown",
        "A business scope item is not a catalogue wording.",
        "registration",
        _unknown_scope_item,
        "form.business_scope[1].name_zh",
        prefix=True,
    ),
    Flaw(
        "domicile_outside_area",
        "The domicile is in 和平区 (120101), which this registration authority does not serve.",
        "registration",
        _set(domicile__division_code="120101", domicile__district="和平区"),
        "form.domicile.division_code",
    ),
    Flaw(
        "legal_representative_credit_listed",
        "The legal representative is on the credit list (put there by an administrator).",
        "registration",
        _legal_rep_is(lambda ctx: ctx.credit_listed),
        "form.legal_representative.id_number",
        subject=lambda ctx: ctx.credit_listed.name,
        also=_LEGAL_REP_ELSEWHERE,
        setup=Setup.CREDIT_LIST,
    ),
    Flaw(
        "supervisor_credit_listed",
        "The supervisor is on the seeded credit list (a judgment defaulter may not be a "
        "supervisor, Company Law 2023 Art. 178).",
        "registration",
        _credit_listed_supervisor,
        "form.officers[2].person.id_number",
        prefix=True,
        subject=CREDIT_LISTED_SEED[0],
        also=("form.officers[2].person",),
    ),
    # ---------------------------------------------------------------- seal
    Flaw(
        "no_finance_seal",
        "No finance seal is ordered (the platform's seal policy requires it).",
        "seal",
        _without_seal(application_pb2.SEAL_KIND_FINANCE),
        "form.seals",
    ),
    Flaw(
        "no_official_seal",
        "No official seal is ordered (the platform's seal policy requires it).",
        "seal",
        _without_seal(application_pb2.SEAL_KIND_OFFICIAL),
        "form.seals",
    ),
    Flaw(
        "seal_kind_unspecified",
        "The third seal (the invoice seal, optional here) has no kind.",
        "seal",
        _seal(2, kind=application_pb2.SEAL_KIND_UNSPECIFIED),
        "form.seals[2].kind",
    ),
    Flaw(
        "seal_neither_physical_nor_electronic",
        "The finance seal is asked for neither as a physical nor as an electronic seal.",
        "seal",
        _seal(1, physical=False, electronic=False),
        "form.seals[1]",
        prefix=True,
    ),
    Flaw(
        "seal_kind_twice",
        "The official seal is ordered twice.",
        "seal",
        _add_seal(application_pb2.SEAL_KIND_OFFICIAL),
        "form.seals[4].kind",
        prefix=True,
        also=("form.seals[4]",),
    ),
    Flaw(
        "legal_representative_name_too_long_for_seal",
        "The legal representative's name (6 characters) cannot be engraved on a name seal.",
        "seal",
        _replace_person(ZHANG_WEI_ID, name="欧阳张伟伟伟"),
        "form.legal_representative.name",
        subject="欧阳张伟伟伟",
    ),
    # ---------------------------------------------------------------- invoice
    Flaw(
        "special_invoice_without_general_taxpayer",
        "Special VAT invoices are asked for by a small-scale taxpayer.",
        "invoice",
        _special_invoice,
        "form.invoice.kinds",
    ),
    Flaw(
        "general_taxpayer_without_proper_accounts",
        "General taxpayer status is asked for without declaring proper accounts.",
        "invoice",
        _set(invoice__request_general_taxpayer=True, invoice__declares_proper_accounts=False),
        "form.invoice.declares_proper_accounts",
    ),
    Flaw(
        "finance_contact_id_missing",
        "The finance contact (办税人) is named but gives no ID number (real-name data). A form "
        "with no finance contact at all is not a flaw: the legal representative acts.",
        "invoice",
        _set(invoice__finance_contact__id_number=""),
        "form.invoice.finance_contact.id_number",
        subject="李娜",
    ),
    Flaw(
        "finance_contact_id_check_character",
        "The finance contact's ID number has a wrong check character.",
        "invoice",
        _set(invoice__finance_contact__id_number=wrong_check_character(LI_NA_ID)),
        "form.invoice.finance_contact.id_number",
        subject="李娜",
    ),
    Flaw(
        "expected_sales_negative",
        "The expected annual sales are negative.",
        "invoice",
        _set(invoice__expected_annual_sales__amount="-100.00"),
        "form.invoice.expected_annual_sales",
        prefix=True,
    ),
    Flaw(
        "monthly_invoice_quantity_negative",
        "The monthly number of invoices is negative.",
        "invoice",
        _set(invoice__monthly_quantity=-5),
        "form.invoice.monthly_quantity",
    ),
    # ---------------------------------------------------------------- social insurance
    Flaw(
        "employee_id_17_digits",
        "Employee 1's ID number has 17 digits.",
        "social_insurance",
        lambda form, ctx: _employee(0, id_number=ctx.employees[0].id_number[:17])(form, ctx),
        "form.employees[0].person.id_number",
        subject=_employee_named(0),
    ),
    Flaw(
        "employee_id_check_character",
        "Employee 2's ID number has a wrong check character.",
        "social_insurance",
        lambda form, ctx: _employee(1, id_number=wrong_check_character(ctx.employees[1].id_number))(
            form, ctx
        ),
        "form.employees[1].person.id_number",
        subject=_employee_named(1),
    ),
    Flaw(
        "employee_under_16",
        "Employee 2 was born in 2012.",
        "social_insurance",
        _employee(1, id_number=_UNDER_16),
        "form.employees[1].person.id_number",
        subject=_employee_named(1),
    ),
    Flaw(
        "employee_listed_twice",
        "The same employee is listed twice (row 2 repeats row 1).",
        "social_insurance",
        _duplicate_employee,
        "form.employees[1].person.id_number",
        subject=_employee_named(0),
    ),
    Flaw(
        "employee_enrolled_by_another_company",
        "Employee 2 is enrolled in social insurance by another company.",
        "social_insurance",
        _enrolled_elsewhere,
        "form.employees[1].person.id_number",
        subject=lambda ctx: ctx.enrolled_employee.name,
        setup=Setup.OTHER_COMPANY,
    ),
    Flaw(
        "employee_hire_date_malformed",
        "Employee 1's hire date is written 2026/11/26.",
        "social_insurance",
        _employee(0, hire_date="2026/11/26"),
        "form.employees[0].hire_date",
        subject=_employee_named(0),
    ),
    Flaw(
        "employee_wage_zero",
        "Employee 2's monthly wage is 0.",
        "social_insurance",
        _employee(1, monthly_wage="0"),
        "form.employees[1].monthly_wage",
        prefix=True,
        subject=_employee_named(1),
    ),
    Flaw(
        "employee_name_missing",
        "Employee 1 has no name.",
        "social_insurance",
        _employee(0, name=""),
        "form.employees[0].person.name",
    ),
    Flaw(
        "risk_class_zero",
        "The work-injury risk class is 0.",
        "social_insurance",
        _set(work_injury_risk_class=0),
        "form.work_injury_risk_class",
    ),
    Flaw(
        "risk_class_nine",
        "The work-injury risk class is 9 (classes run 1 to 8).",
        "social_insurance",
        _set(work_injury_risk_class=9),
        "form.work_injury_risk_class",
    ),
    # ---------------------------------------------------------------- bank
    Flaw(
        "bank_code_unknown",
        "The bank code 999 is no bank on offer.",
        "bank",
        _set(bank__bank_code="999"),
        "form.bank.bank_code",
    ),
    Flaw(
        "bank_branch_unknown",
        "The branch is not a branch of the chosen bank (中国工商银行月球支行).",
        "bank",
        _set(bank__branch_name="中国工商银行月球支行"),
        "form.bank.branch_name",
    ),
    Flaw(
        "bank_branch_of_another_bank",
        "The branch belongs to another bank (an Agricultural Bank branch for ICBC).",
        "bank",
        _set(bank__branch_name="中国农业银行天津宝坻支行"),
        "form.bank.branch_name",
    ),
    Flaw(
        "legal_representative_on_bank_risk_list",
        "The legal representative is on the bank's risk list.",
        "bank",
        _replace_person(ZHANG_WEI_ID, *BANK_RISK_LISTED),
        "form.legal_representative.id_number",
        subject=BANK_RISK_LISTED[0],
        also=_LEGAL_REP_ELSEWHERE,
    ),
    Flaw(
        "beneficial_owner_on_bank_risk_list",
        "Shareholder 2 (40%, a beneficial owner) is on the bank's risk list.",
        "bank",
        _replace_person(LI_NA_ID, *BANK_RISK_LISTED_OWNER),
        "form.shareholders[1].person.id_number",
        subject=BANK_RISK_LISTED_OWNER[0],
        also=("form.contact.person", "form.invoice.finance_contact"),
    ),
    Flaw(
        "legal_representative_id_missing",
        "The legal representative gives no ID number: the bank cannot identify the person who "
        "opens the account (KYC), nor can registration or tax.",
        "bank",
        _set(legal_representative__id_number=""),
        "form.legal_representative.id_number",
        subject="张伟",
    ),
)

PARTICIPANTS = ("orchestrator", "registration", "seal", "invoice", "social_insurance", "bank")


def by_id(flaw_id: str) -> Flaw:
    return next(flaw for flaw in FLAWS if flaw.id == flaw_id)


def count_by_participant(flaws: Iterable[Flaw] = FLAWS) -> dict[str, int]:
    counts = dict.fromkeys(PARTICIPANTS, 0)
    for flaw in flaws:
        counts[flaw.participant] += 1
    return counts
