"""The seal, invoice and bank checks of a whole application agree with their saga steps, without
anything running: the step's command is built from the same form by the saga's own builders
(orchestrator/open_company.py), run through the step's rules, and its problems, named as form
paths, are the check's. Also: which refusals are the applicant's to correct, and the branch
reference data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import pytest

from onestop.common.v1 import application_pb2 as A
from onestop.common.v1.application_pb2 import ApplicationForm
from onestop.registration.v1 import registration_pb2
from onestop_cli.client import load_form
from onestop_common import decisions
from onestop_common.errors import InvalidInput, RuleViolation, violation
from onestop_common.identifiers import make_orgcode, make_uscc
from orchestrator.definition import SagaData
from orchestrator.open_company import issue_seals, open_account, register_taxpayer
from svc_bank import domain as bank
from svc_bank import grpc_api as bank_api
from svc_bank import reference
from svc_invoice import domain as invoice
from svc_invoice import grpc_api as invoice_api
from svc_invoice.rulebook import default_book
from svc_seal import domain as seal
from svc_seal import grpc_api as seal_api
from tests.support.cases import SAMPLE

TODAY = date(2026, 11, 26)
USCC = make_uscc("9", "1", "120115", make_orgcode("MA05L7XY").replace("-", ""))
LISTED_ID = "120115197001010016"


def saga_data(form: ApplicationForm) -> SagaData:
    """The case after its license (and for the bank its seals), as the steps see it."""
    license_ = registration_pb2.IssueLicenseResponse()
    license_.license.uscc = USCC
    license_.license.division_code = form.domicile.division_code
    return SagaData("OS-UNIT", "alice", form, {"license": license_})


Change = Callable[[ApplicationForm], None]


def _no_finance_seal(form: ApplicationForm) -> None:
    kept = [s for s in form.seals if s.kind != A.SEAL_KIND_FINANCE]
    del form.seals[:]
    form.seals.extend(kept)


def _unknown_and_empty_seal(form: ApplicationForm) -> None:
    form.seals.add(kind=42, physical=True)
    form.seals[0].physical = form.seals[0].electronic = False


def _long_foreign_name(form: ApplicationForm) -> None:
    form.legal_representative.name = "John Smith"


def _special_and_general(form: ApplicationForm) -> None:
    form.invoice.kinds.append(A.INVOICE_KIND_DIGITAL_SPECIAL)
    form.invoice.request_general_taxpayer = True
    form.invoice.declares_proper_accounts = False


def _bad_people(form: ApplicationForm) -> None:
    form.invoice.finance_contact.name = ""
    form.invoice.finance_contact.id_number = "120115199006070042"
    form.legal_representative.id_number = ""


def _unknown_kind(form: ApplicationForm) -> None:
    form.invoice.kinds.append(9)  # type: ignore[arg-type]
    form.invoice.monthly_quantity = -1


def _bank_choice(form: ApplicationForm) -> None:
    form.bank.branch_name = "中国工商银行北京分行"
    form.shareholders[1].person.id_number = LISTED_ID


def _unknown_bank(form: ApplicationForm) -> None:
    form.bank.bank_code = "999"
    form.legal_representative.id_number = "120115198503120034"


SEAL_CASES: list[Change] = [_no_finance_seal, _unknown_and_empty_seal, _long_foreign_name]
INVOICE_CASES: list[Change] = [_special_and_general, _bad_people, _unknown_kind]
BANK_CASES: list[Change] = [_bank_choice, _unknown_bank, _bad_people]


def changed(change: Change) -> ApplicationForm:
    form = load_form(SAMPLE)
    change(form)
    return form


def pairs(problems: Sequence[RuleViolation]) -> list[tuple[str, str]]:
    return [(p.field, p.rule) for p in problems]


# --------------------------------------------------------------------------- the seal


@pytest.mark.parametrize("change", SEAL_CASES)
def test_the_seal_check_finds_what_the_seal_step_finds(change: Change) -> None:
    form = changed(change)
    step = seal.order_violations(seal_api.order_input(issue_seals(saga_data(form))))
    check = seal.order_violations(seal_api.form_order_input(form), licensed=False)
    assert step, "the case breaks a rule"
    assert pairs(check) == [(seal.form_path(f), r) for f, r in pairs(step)]
    assert seal.correctable(step)


def test_seal_problems_with_what_the_license_gave_are_final() -> None:
    order = seal_api.order_input(issue_seals(saga_data(load_form(SAMPLE))))
    assert seal.order_violations(order) == []
    broken = seal.order_violations(
        seal.SealOrderInput(
            uscc="91120115MA05XXXX0Z",
            company_name=order.company_name,
            legal_representative_name=order.legal_representative_name,
            division_code="12011",
            seals=order.seals,
        )
    )
    assert {p.field for p in broken} == {"uscc", "division_code"}
    assert not seal.correctable(broken)
    assert seal.form_path("division_code") == "form.domicile.division_code"


# --------------------------------------------------------------------------- the invoice


def _invoice_problems(
    inp: invoice.RegistrationInput, extra: Sequence[RuleViolation], licensed: bool
) -> list[RuleViolation]:
    try:
        invoice.plan_registration(inp, default_book(), TODAY, licensed=licensed)
    except InvalidInput as error:
        return [*extra, *error.violations]
    return list(extra)


@pytest.mark.parametrize("change", INVOICE_CASES)
def test_the_invoice_check_finds_what_the_invoice_step_finds(change: Change) -> None:
    form = changed(change)
    step_input, step_unknown = invoice_api.registration_input(register_taxpayer(saga_data(form)))
    form_input, form_unknown = invoice_api.form_registration_input(form)
    step = _invoice_problems(step_input, step_unknown, licensed=True)
    check = _invoice_problems(form_input, form_unknown, licensed=False)
    assert step, "the case breaks a rule"
    # The same rules fire; the check names them as form paths (CheckApplication maps them).
    assert pairs(check) == pairs(step)
    assert all(invoice.form_path(f).startswith("form.") for f, _ in pairs(check))
    assert invoice.correctable(step)


def test_invoice_problems_with_the_license_or_the_command_are_final() -> None:
    applicant = violation("invoice.kinds", "x", "中", "en")
    assert invoice.correctable([applicant])
    for field in ("uscc", "company_name", "division_code", "context.case_id"):
        assert not invoice.correctable([applicant, violation(field, "x", "中", "en")])
    assert invoice.form_path("invoice.finance_contact.id_number") == (
        "form.invoice.finance_contact.id_number"
    )
    assert invoice.form_path("company_name") == "form.name"


def test_an_empty_finance_contact_leaves_the_legal_representative_acting() -> None:
    form = load_form(SAMPLE)
    form.invoice.finance_contact.Clear()
    form.invoice.finance_contact.id_type = 1  # what a blank form row sends
    inp, unknown = invoice_api.form_registration_input(form)
    assert inp.finance_contact is None and not unknown
    plan = invoice.plan_registration(inp, default_book(), TODAY, licensed=False)
    assert plan.finance_contact == plan.legal_representative


# --------------------------------------------------------------------------- the bank

VALID = bank.LicenseFact(USCC, "valid", "", "张伟")


def _step_due_diligence(form: ApplicationForm) -> bank.DueDiligence:
    request = open_account(saga_data(form))
    request.finance_seal_code, request.legal_rep_seal_code = "1201001000001", "1201001000002"
    return bank.due_diligence(
        bank_api.application_of(request),
        license=VALID,
        finance_seal=bank.SealFact("1201001000001", "filed", USCC, "finance", "F1"),
        legal_rep_seal=bank.SealFact("1201001000002", "filed", USCC, "legal_rep", "F2"),
        banks=reference.banks(),
        branches=reference.branches(),
        risk_list=reference.risk_list(),
        today=TODAY,
    )


def _check_due_diligence(form: ApplicationForm) -> bank.DueDiligence:
    return bank.due_diligence(
        bank_api.form_application(form),
        license=None,
        finance_seal=None,
        legal_rep_seal=None,
        banks=reference.banks(),
        branches=reference.branches(),
        risk_list=reference.risk_list(),
        today=TODAY,
        issued=False,
    )


@pytest.mark.parametrize("change", BANK_CASES)
def test_the_bank_check_finds_what_the_bank_step_finds(change: Change) -> None:
    form = changed(change)
    step = _step_due_diligence(form).violations
    assert step, "the case breaks a rule"
    assert pairs(_check_due_diligence(form).violations) == pairs(step)


def test_the_sample_passes_the_bank_s_step_and_check_and_opens_automatically() -> None:
    form = load_form(SAMPLE)
    assert _step_due_diligence(form).clean and _check_due_diligence(form).clean


def test_risk_list_and_license_refusals_are_final_the_form_s_own_data_is_not() -> None:
    listed = _step_due_diligence(changed(_bank_choice)).violations
    assert not bank.correctable(listed)  # the risk-list hit
    branch_only = changed(lambda f: setattr(f.bank, "branch_name", "中国工商银行北京分行"))
    assert bank.correctable(_step_due_diligence(branch_only).violations)
    mismatch = violation("form.legal_representative.name", "license_mismatch", "中", "en")
    seal_problem = violation("finance_seal_code", "seal_not_filed", "中", "en")
    assert not bank.correctable([mismatch]) and not bank.correctable([seal_problem])


def test_branches_are_compared_folded_and_unlisted_banks_go_to_the_clerk() -> None:
    form = load_form(SAMPLE)
    form.bank.branch_name = " 中国工商银行天津宝坻支行 "
    assert _step_due_diligence(form).clean
    form.bank.bank_code = "308"  # a bank with no branches on file
    form.bank.branch_name = "招商银行天津分行"
    result = _step_due_diligence(form)
    assert not result.violations and result.review_reasons
    assert decisions.route(result, auto_approve=True) == decisions.CLERK
    form.bank.branch_name = "  "
    assert pairs(_step_due_diligence(form).violations) == [("form.bank.branch_name", "required")]
