"""The company start-up saga: one application fanned out to the five services, with the legal
limits of the Baodi reform (1.5 + 0.5 + 1 working days on the critical path, 3 in all).

Each step's command is built from the form and the results of the steps before it, so nobody
types anything twice: the seal order gets the USCC from the license, the bank gets the seal codes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from google.protobuf import field_mask_pb2

from onestop.bank.v1 import bank_pb2
from onestop.common.v1 import application_pb2
from onestop.invoice.v1 import invoice_pb2
from onestop.orchestrator.v1 import orchestrator_pb2
from onestop.registration.v1 import registration_pb2
from onestop.seal.v1 import seal_pb2
from onestop.social_insurance.v1 import social_insurance_pb2
from onestop_common.commitment import commitment_due
from onestop_common.identifiers import mask_account_number
from onestop_common.protoconv import from_timestamp, timestamp
from orchestrator.definition import (
    CaseFacts,
    Definitions,
    RetryPolicy,
    SagaData,
    saga,
    workdays,
)

SealKind = application_pb2.SealKind


def company_name(form: application_pb2.ApplicationForm) -> str:
    n = form.name
    return f"{n.division}{n.trade_name}{n.industry}{n.organisational_form}"


def _license(data: SagaData) -> registration_pb2.License:
    if "license" in data.results:
        return data.result("license").license  # type: ignore[no-any-return]
    return registration_pb2.License()


def _uscc(data: SagaData) -> str:
    return _license(data).uscc


def _name(data: SagaData) -> str:
    return _license(data).company_name or company_name(data.form)


def _division(data: SagaData) -> str:
    return _license(data).division_code or data.form.domicile.division_code


def issue_license(data: SagaData) -> registration_pb2.IssueLicenseRequest:
    request = registration_pb2.IssueLicenseRequest(form=data.form)
    if data.submitted_at is not None:
        # The day of the commitment, from which its 60 days run.
        request.submitted_at.CopyFrom(timestamp(data.submitted_at))
    return request


# What the business license records of the form, and what the registration officer decided on:
# the company, its people and its place. The rest of the form (seals, invoices, employees, the
# bank, the contact person) is for the other steps and may be corrected while the license stands.
LICENSE_RECORDS = (
    "name",
    "enterprise_type",
    "registered_capital",
    "business_scope",
    "domicile",
    "legal_representative",
    "shareholders",
    "officers",
    "commitment",
    "operating_term_years",
)


def license_record(data: SagaData) -> application_pb2.ApplicationForm:
    record = application_pb2.ApplicationForm()
    field_mask_pb2.FieldMask(paths=LICENSE_RECORDS).MergeMessage(data.form, record)
    return record


def revoke_license(data: SagaData) -> registration_pb2.RevokeLicenseRequest:
    return registration_pb2.RevokeLicenseRequest(reason=data.reason)


def issue_seals(data: SagaData) -> seal_pb2.IssueSealsRequest:
    return seal_pb2.IssueSealsRequest(
        uscc=_uscc(data),
        company_name=_name(data),
        legal_representative_name=data.form.legal_representative.name,
        division_code=_division(data),
        seals=data.form.seals,
        invoice_kinds=data.form.invoice.kinds,
    )


def revoke_seals(data: SagaData) -> seal_pb2.RevokeSealsRequest:
    return seal_pb2.RevokeSealsRequest(reason=data.reason)


def register_taxpayer(data: SagaData) -> invoice_pb2.RegisterTaxpayerRequest:
    return invoice_pb2.RegisterTaxpayerRequest(
        uscc=_uscc(data),
        company_name=_name(data),
        legal_representative=data.form.legal_representative,
        invoice=data.form.invoice,
        division_code=_division(data),
        domicile=data.form.domicile,
        enterprise_type=data.form.enterprise_type,
    )


def cancel_tax_registration(data: SagaData) -> invoice_pb2.CancelTaxRegistrationRequest:
    return invoice_pb2.CancelTaxRegistrationRequest(reason=data.reason)


def register_employer(data: SagaData) -> social_insurance_pb2.RegisterEmployerRequest:
    return social_insurance_pb2.RegisterEmployerRequest(
        uscc=_uscc(data),
        company_name=_name(data),
        legal_representative=data.form.legal_representative,
        employees=data.form.employees,
        division_code=_division(data),
        domicile=data.form.domicile,
        work_injury_risk_class=data.form.work_injury_risk_class,
        date_of_establishment=_license(data).date_of_establishment,
    )


def cancel_employer_registration(
    data: SagaData,
) -> social_insurance_pb2.CancelEmployerRegistrationRequest:
    return social_insurance_pb2.CancelEmployerRegistrationRequest(reason=data.reason)


def _seal_code(data: SagaData, kind: int) -> str:
    if "seal" not in data.results:
        return ""
    for seal in data.result("seal").seals:
        if seal.kind == kind:
            return str(seal.seal_code)
    return ""


def open_account(data: SagaData) -> bank_pb2.OpenAccountRequest:
    return bank_pb2.OpenAccountRequest(
        uscc=_uscc(data),
        company_name=_name(data),
        legal_representative=data.form.legal_representative,
        shareholders=data.form.shareholders,
        bank=data.form.bank,
        registered_capital=data.form.registered_capital,
        finance_seal_code=_seal_code(data, SealKind.SEAL_KIND_FINANCE),
        legal_rep_seal_code=_seal_code(data, SealKind.SEAL_KIND_LEGAL_REP),
        domicile=data.form.domicile,
    )


def close_account(data: SagaData) -> bank_pb2.CloseAccountRequest:
    return bank_pb2.CloseAccountRequest(reason=data.reason)


# --------------------------------------------------------------------------- what each step tells


def license_facts(response: Any, data: SagaData) -> CaseFacts:
    """The company is known by its USCC and registered name from now on; a commitment opens if
    materials were promised. The registration service sets the due date; if it did not, 60 days
    from the day of the commitment (the submission; 自承诺之日起60日内)."""
    license_ = response.license
    materials = tuple(m.code for m in license_.committed_materials)
    due = from_timestamp(license_.commitment_due_at)
    if materials and due is None and data.submitted_at is not None:
        due = commitment_due(data.submitted_at)
    return CaseFacts(
        identifier=license_.uscc,
        company_name=license_.company_name,
        commitment_materials=materials,
        commitment_due=due,
    )


def license_summary(response: Any) -> str:
    return f"USCC {response.license.uscc}" if response.license.uscc else ""


def seal_summary(response: Any) -> str:
    return f"{len(response.seals)} seals" if response.seals else ""


def invoice_summary(response: Any) -> str:
    number = response.taxpayer.taxpayer_id
    return f"taxpayer {number}" if number else ""


def social_insurance_summary(response: Any) -> str:
    number = response.employer.registration_number
    return f"SI registration {number}" if number else ""


def bank_summary(response: Any) -> str:
    number = response.account.account_number
    return f"account {mask_account_number(number)}" if number else ""


def build_bundle(data: SagaData) -> orchestrator_pb2.BuildBundleRequest:
    return orchestrator_pb2.BuildBundleRequest()


# The bundle has no legal limit of its own; it is assembled automatically in seconds.
BUNDLE_LIMIT = workdays("0.1")
# Retried patiently: a missing bundle is never a reason to undo a company.
BUNDLE_RETRY = RetryPolicy(
    max_attempts=50, initial_delay=timedelta(seconds=2), max_delay=timedelta(minutes=10)
)


OPEN_COMPANY = (
    saga("open_company", limit=workdays(3))
    .step(
        "license",
        participant="registration",
        action="IssueLicense",
        compensation="RevokeLicense",
        command=issue_license,
        compensation_command=revoke_license,
        limit=workdays("1.5"),
        actor="officer",
        description="business license + USCC (营业执照)",
        side_commands=("ApplyCorrection", "SupplyMaterial"),
        inputs=license_record,
        summary=license_summary,
        case_facts=license_facts,
        title_zh="营业执照",
        change_command="ChangeLicense",
        takes_commitment=True,
    )
    .step(
        "seal",
        after=["license"],
        participant="seal",
        action="IssueSeals",
        compensation="RevokeSeals",
        command=issue_seals,
        compensation_command=revoke_seals,
        limit=workdays("0.5"),
        actor="seal_maker",
        description="company seals + electronic seals, police filing (刻章备案)",
        summary=seal_summary,
        title_zh="印章刻制",
    )
    .step(
        "invoice",
        after=["license"],
        participant="invoice",
        action="RegisterTaxpayer",
        compensation="CancelTaxRegistration",
        command=register_taxpayer,
        compensation_command=cancel_tax_registration,
        limit=workdays(1),
        actor="tax_staff",
        description="tax registration + first invoices (税务登记, 发票)",
        summary=invoice_summary,
        title_zh="税务登记及发票",
    )
    .step(
        "social_insurance",
        after=["license"],
        participant="social_insurance",
        action="RegisterEmployer",
        compensation="CancelEmployerRegistration",
        command=register_employer,
        compensation_command=cancel_employer_registration,
        limit=workdays(1),
        actor="si_clerk",
        description="social insurance registration + enrolment (社保登记)",
        summary=social_insurance_summary,
        title_zh="社保登记",
    )
    .step(
        "bank",
        after=["license", "seal"],
        participant="bank",
        action="OpenAccount",
        compensation="CloseAccount",
        command=open_account,
        compensation_command=close_account,
        limit=workdays(1),
        actor="bank_clerk",
        description="basic deposit account (基本存款账户)",
        summary=bank_summary,
        title_zh="银行开户",
    )
    .step(
        "bundle",
        after=["license", "seal", "invoice", "social_insurance", "bank"],
        participant="orchestrator",
        action="BuildBundle",
        compensation=None,
        command=build_bundle,
        limit=BUNDLE_LIMIT,
        actor="automatic",
        retry=BUNDLE_RETRY,
        description="the signed e-license bundle (电子证照包)",
        title_zh="电子证照包",
    )
)

# The five steps the reform's limits are written for (the bundle is ours).
LEGAL_STEPS = ("license", "seal", "invoice", "social_insurance", "bank")

DEFINITIONS = Definitions.of(OPEN_COMPANY)
