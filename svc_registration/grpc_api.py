"""Between the registration contract and the domain: protobuf ⇄ domain values, and who may call
what. ID numbers leave this service only for roles that need them (officers, the owner)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from onestop.common.v1 import application_pb2, common_pb2
from onestop.registration.v1 import registration_pb2
from onestop_common.errors import PermissionDenied
from onestop_common.identity import Principal, Role, require_role
from onestop_common.protoconv import from_timestamp, money, timestamp
from svc_registration import domain
from svc_registration.domain import (
    Address,
    Application,
    Commitment,
    CompanyName,
    ContributionForm,
    EnterpriseType,
    IdType,
    Material,
    Officer,
    OfficerRole,
    Person,
    ScopeChoice,
    Shareholder,
)
from svc_registration.models import CommittedMaterialRow, CreditEntryRow, License

ENTERPRISE_TYPES = {
    application_pb2.ENTERPRISE_TYPE_LLC: EnterpriseType.LLC,
    application_pb2.ENTERPRISE_TYPE_ONE_PERSON_LLC: EnterpriseType.ONE_PERSON_LLC,
    application_pb2.ENTERPRISE_TYPE_SOLE_PROPRIETORSHIP: EnterpriseType.SOLE_PROPRIETORSHIP,
    application_pb2.ENTERPRISE_TYPE_PARTNERSHIP: EnterpriseType.PARTNERSHIP,
}
ID_TYPES = {
    common_pb2.ID_TYPE_CITIZEN_ID: IdType.CITIZEN_ID,
    common_pb2.ID_TYPE_PASSPORT: IdType.PASSPORT,
    common_pb2.ID_TYPE_HK_MACAO_PERMIT: IdType.HK_MACAO_PERMIT,
    common_pb2.ID_TYPE_TAIWAN_PERMIT: IdType.TAIWAN_PERMIT,
    common_pb2.ID_TYPE_FOREIGN_PERMANENT_RESIDENT: IdType.FOREIGN_PERMANENT_RESIDENT,
}
OFFICER_ROLES = {
    application_pb2.OFFICER_ROLE_CHAIR: OfficerRole.CHAIR,
    application_pb2.OFFICER_ROLE_DIRECTOR: OfficerRole.DIRECTOR,
    application_pb2.OFFICER_ROLE_SOLE_DIRECTOR: OfficerRole.SOLE_DIRECTOR,
    application_pb2.OFFICER_ROLE_SUPERVISOR: OfficerRole.SUPERVISOR,
    application_pb2.OFFICER_ROLE_MANAGER: OfficerRole.MANAGER,
    application_pb2.OFFICER_ROLE_EXECUTIVE_PARTNER: OfficerRole.EXECUTIVE_PARTNER,
}
CONTRIBUTION_FORMS = {
    application_pb2.CONTRIBUTION_FORM_CURRENCY: ContributionForm.CURRENCY,
    application_pb2.CONTRIBUTION_FORM_IN_KIND: ContributionForm.IN_KIND,
    application_pb2.CONTRIBUTION_FORM_INTELLECTUAL_PROPERTY: ContributionForm.INTELLECTUAL_PROPERTY,
    application_pb2.CONTRIBUTION_FORM_LAND_USE_RIGHT: ContributionForm.LAND_USE_RIGHT,
}
CREDIT_KINDS = {
    registration_pb2.CREDIT_SUBJECT_KIND_ACCOUNT: "account",
    registration_pb2.CREDIT_SUBJECT_KIND_ID_NUMBER: "id_number",
}
CREDIT_KIND_MESSAGES = {value: key for key, value in CREDIT_KINDS.items()}
LICENSE_STATUS = {
    "valid": registration_pb2.LICENSE_STATUS_VALID,
    "revoked": registration_pb2.LICENSE_STATUS_REVOKED,
}

# People who may read a license in full: the platform, staff of the registration authority.
LICENSE_READERS = frozenset({Role.OFFICER, Role.ADMIN, Role.SYSTEM})


# --------------------------------------------------------------------------- decoding


def person(message: common_pb2.Person) -> Person:
    return Person(
        name=message.name,
        id_type=ID_TYPES.get(message.id_type, IdType.UNSPECIFIED),
        # ID numbers are compared exactly: no silent clean-up beyond surrounding spaces.
        id_number=message.id_number.strip(),
        nationality=message.nationality,
    )


def application(form: application_pb2.ApplicationForm) -> Application:
    return Application(
        name=CompanyName(
            division=form.name.division,
            trade_name=form.name.trade_name,
            industry=form.name.industry,
            organisational_form=form.name.organisational_form,
            industry_code=form.name.industry_code,
        ),
        enterprise_type=ENTERPRISE_TYPES.get(form.enterprise_type, EnterpriseType.UNSPECIFIED),
        capital_amount=form.registered_capital.amount,
        capital_currency=form.registered_capital.currency,
        scope=tuple(ScopeChoice(item.code, item.name_zh) for item in form.business_scope),
        domicile=Address(
            division_code=form.domicile.division_code,
            province=form.domicile.province,
            city=form.domicile.city,
            district=form.domicile.district,
            detail=form.domicile.detail,
            postal_code=form.domicile.postal_code,
        ),
        legal_representative=person(form.legal_representative),
        shareholders=tuple(
            Shareholder(
                person=person(holder.person),
                amount=holder.subscribed.amount,
                currency=holder.subscribed.currency,
                form=CONTRIBUTION_FORMS.get(holder.form, ContributionForm.UNSPECIFIED),
                due_date=holder.due_date,
            )
            for holder in form.shareholders
        ),
        officers=tuple(
            Officer(person(o.person), OFFICER_ROLES.get(o.role, OfficerRole.UNSPECIFIED))
            for o in form.officers
        ),
        commitment=Commitment(
            materials=tuple(
                Material(m.code.strip(), m.name_zh.strip(), m.name_en.strip())
                for m in form.commitment.materials
            ),
            text=form.commitment.commitment_text,
            agreed=form.commitment.agreed,
        ),
        operating_term_years=form.operating_term_years,
        enterprise_type_unknown=_unknown_enum(form.enterprise_type, ENTERPRISE_TYPES),
    )


def _unknown_enum(value: int, known: Mapping[int, object]) -> str:
    """The value as text when it is set but not one the mapping knows (proto3 keeps unknown
    enum numbers), else empty: an unknown choice is named as such, not taken for a missing one."""
    return str(value) if value and value not in known else ""


# --------------------------------------------------------------------------- encoding


def submission_time(request: registration_pb2.IssueLicenseRequest) -> datetime | None:
    """When the applicant submitted the application (the day of a commitment it carries).

    The platform says so in ``submitted_at``. A command without it (from an orchestrator that does
    not set it yet) still carries the license step's deadline, whose clock starts when the case
    is submitted: the license is the saga's first step. None when the command has neither.
    """
    for stamp in (request.submitted_at, request.context.deadline.started_at):
        when = from_timestamp(stamp)
        if when is not None:
            return when
    return None


def license_message(
    row: License, materials: Sequence[CommittedMaterialRow] = ()
) -> registration_pb2.License:
    message = registration_pb2.License(
        uscc=row.uscc,
        company_name=row.company_name,
        enterprise_type=domain.TYPE_LABELS[EnterpriseType(row.enterprise_type)][0],
        legal_representative=row.legal_representative,
        registered_capital=money(Decimal(row.registered_capital), row.currency),
        date_of_establishment=row.date_of_establishment.isoformat(),
        operating_term=row.operating_term,
        domicile=row.domicile,
        business_scope=row.business_scope,
        registration_authority=row.registration_authority,
        qr_payload=row.qr_payload,
        status=LICENSE_STATUS[row.status],
        division_code=row.division_code,
        pdf_sha256=row.pdf_sha256,
        license_number=row.license_number,
        revocation_reason=row.revocation_reason,
        commitment_state=row.commitment_state,
    )
    message.issued_at.CopyFrom(timestamp(row.issued_at))
    message.version = row.version or 1
    if row.changed_at is not None:
        message.changed_at.CopyFrom(timestamp(row.changed_at))
    if row.revoked_at is not None:
        message.revoked_at.CopyFrom(timestamp(row.revoked_at))
    if row.commitment_due_at is not None:
        message.commitment_due_at.CopyFrom(timestamp(row.commitment_due_at))
    if row.committed_at is not None:
        # The day the 60 days run from, shown with the due date it gives.
        message.committed_at.CopyFrom(timestamp(row.committed_at))
        message.commitment_last_day = domain.commitment_terms(row.committed_at).last_day.isoformat()
    for item in materials:
        if item.state in ("outstanding", "supplied", "refused"):
            message.committed_materials.append(
                application_pb2.MissingMaterial(
                    code=item.code, name_zh=item.name_zh, name_en=item.name_en
                )
            )
        entry = registration_pb2.CommittedMaterial(
            code=item.code,
            name_zh=item.name_zh,
            name_en=item.name_en,
            state=item.state,
            reason=item.reason,
        )
        if item.supplied_at is not None:
            entry.supplied_at.CopyFrom(timestamp(item.supplied_at))
        if item.decided_at is not None:
            entry.decided_at.CopyFrom(timestamp(item.decided_at))
        message.commitment_items.append(entry)
    return message


def status_response(row: License) -> registration_pb2.GetLicenseStatusResponse:
    response = registration_pb2.GetLicenseStatusResponse(
        uscc=row.uscc,
        status=LICENSE_STATUS[row.status],
        company_name=row.company_name,
        revocation_reason=row.revocation_reason,
        legal_representative=row.legal_representative,
        license_number=row.license_number,
        version=row.version,
        date_of_establishment=row.date_of_establishment.isoformat(),
    )
    response.issued_at.CopyFrom(timestamp(row.issued_at))
    if row.revoked_at is not None:
        response.revoked_at.CopyFrom(timestamp(row.revoked_at))
        response.revocation_category = (
            registration_pb2.REVOCATION_CATEGORY_COMMITMENT_UNFULFILLED
            if row.revocation_reason == domain.COMMITMENT_OVERDUE
            else registration_pb2.REVOCATION_CATEGORY_OPENING_UNDONE
        )
    if row.changed_at is not None:
        response.changed_at.CopyFrom(timestamp(row.changed_at))
    return response


def credit_entry(row: CreditEntryRow, *, reveal: bool) -> registration_pb2.CreditEntry:
    message = registration_pb2.CreditEntry(
        entry_id=row.id,
        subject_kind=CREDIT_KIND_MESSAGES[row.subject_kind],
        subject_id=row.subject_id
        if reveal
        else domain.mask_subject(row.subject_kind, row.subject_id),
        person_name=row.person_name,
        reason=row.reason,
        origin=row.origin,
        source=row.source,
    )
    message.listed_at.CopyFrom(timestamp(row.listed_at))
    if row.removed_at is not None:
        message.removed_at.CopyFrom(timestamp(row.removed_at))
    return message


# --------------------------------------------------------------------------- who may call


def require_officer(principal: Principal) -> None:
    require_role(principal, frozenset({Role.OFFICER}))


def require_license_reader(principal: Principal, row: License) -> None:
    """The owner (the case's applicant), officers, administrators and the platform."""
    if principal.role in LICENSE_READERS:
        return
    if principal.role is Role.ENTREPRENEUR and principal.subject == row.applicant_id:
        return
    raise PermissionDenied(
        "only the applicant of the case, registration officers and administrators may fetch "
        "this license; anyone may ask for its status",
        message_zh="只有本案申请人、登记人员和管理员可以获取该执照；任何人都可以查询执照状态",
    )


def applicant_for_check(principal: Principal, requested: str) -> str:
    """Whose credit ValidateApplication checks: an entrepreneur only their own."""
    if principal.role is Role.ENTREPRENEUR:
        if requested and requested != principal.subject:
            raise PermissionDenied(
                "an entrepreneur may check only their own credit standing",
                message_zh="申请人只能查询本人的信用状况",
            )
        return principal.subject
    return requested


def require_case_owner(principal: Principal, case_id: str, owners: set[str]) -> None:
    """An entrepreneur re-checks only their own case: what a case holds is set aside for it."""
    if principal.role is Role.ENTREPRENEUR and owners and owners != {principal.subject}:
        raise PermissionDenied(
            f"case {case_id} is not yours to check",
            message_zh=f"案件 {case_id} 不属于您，不能以其名义核查",
        )
