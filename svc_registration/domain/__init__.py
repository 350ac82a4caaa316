"""The rules of company registration in Baodi, pure: the application form as values, every check
that form must pass (all problems at once, field by field, in Chinese and English), the
automatic-approval rule set, USCC assignment and the printed fields of the business license.

No I/O, nameko, SQLAlchemy or protobuf here: the reference data arrives as :class:`ReferenceData`
(loaded by ``svc_registration.reference``), the credit list as :class:`CreditStatus`, time as
arguments.

One module per responsibility; this package exports their public names, so callers import from
``svc_registration.domain``. A name with a leading underscore is shared inside the package only.

- ``form``: the authority and its area, the enterprise types, roles and the form's dataclasses
- ``reference_data``: the reference data as values, and how wordings compare
- ``results``: violations, flags, the validation result and the credit-list status
- ``names``: the company name's rules, its hold keys and reservation periods
- ``capital``: registered capital, subscriptions, due dates, paid-in-capital industries
- ``people``: identity documents, shareholders, officers and the legal representative
- ``scope``, ``domicile``: the business scope and the domicile
- ``commitment``: the commitment route, the credit list's bars, the 60-day terms, revocation
- ``validate``: ``validate_application``, the whole form at once
- ``auto_approval``: the versioned automatic-approval rule set
- ``uscc``: organisation codes and USCCs
- ``license_text``: what the business license prints
- ``changes``: a change registration's items (变更登记)
"""

from svc_registration.domain.auto_approval import (
    AUTO_TYPES_V1,
    RULESET_VERSION,
    RULESETS,
    AutoDecision,
    Reason,
    auto_inputs,
    decide_automatically,
)
from svc_registration.domain.capital import (
    CONTRIBUTION_YEARS,
    five_years_after,
    parse_amount,
)
from svc_registration.domain.changes import (
    CHANGE_REVIEW_WORKDAYS,
    ChangeItem,
    change_summary,
    license_changes,
)
from svc_registration.domain.commitment import (
    COMMITMENT_DAYS,
    COMMITMENT_OVERDUE,
    OFFICE_BARRING_REASONS,
    CommitmentTerms,
    bars_office,
    commitment_due,
    commitment_made_at,
    commitment_terms,
    credit_people,
    credit_reason_for_overdue,
    mask_subject,
)
from svc_registration.domain.form import (
    CURRENCY,
    DIRECTOR_ROLES,
    LLC_TYPES,
    PARTICIPANT,
    REGISTRATION_AREA,
    REGISTRATION_AUTHORITY_EN,
    REGISTRATION_AUTHORITY_ZH,
    ROLE_LABELS,
    ROLES_BY_TYPE,
    TYPE_LABELS,
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
from svc_registration.domain.license_text import (
    LicenseFacts,
    business_scope_text,
    license_number_for,
    operating_term,
    qr_payload,
    rmb_uppercase,
)
from svc_registration.domain.names import (
    DEREGISTERED_NAME_HOLD_DAYS,
    NAME_RESERVATION_MONTHS,
    add_months,
    check_name,
    deregistered_hold_expiry,
    duplicate_name,
    name_hold_keys,
    reservation_expiry,
)
from svc_registration.domain.people import (
    ADULT_AGE,
    LLC_MAX_SHAREHOLDERS,
)
from svc_registration.domain.reference_data import (
    Division,
    Industry,
    OrgForm,
    PaidInIndustry,
    ProhibitedPattern,
    ReferenceData,
    ScopeEntry,
    normalise_wording,
    strip_division_suffix,
)
from svc_registration.domain.results import (
    CreditStatus,
    Flag,
    Validation,
)
from svc_registration.domain.uscc import (
    AUTHORITY_CODE,
    ORG_CODE_ALPHABET,
    ORG_CODE_PREFIX,
    ORG_CODE_RANDOM_LENGTH,
    USCC_CATEGORY,
    new_org_code,
    uscc_for,
)
from svc_registration.domain.validate import (
    validate_application,
)

__all__ = [
    "ADULT_AGE",
    "AUTHORITY_CODE",
    "AUTO_TYPES_V1",
    "CHANGE_REVIEW_WORKDAYS",
    "COMMITMENT_DAYS",
    "COMMITMENT_OVERDUE",
    "CONTRIBUTION_YEARS",
    "CURRENCY",
    "DEREGISTERED_NAME_HOLD_DAYS",
    "DIRECTOR_ROLES",
    "LLC_MAX_SHAREHOLDERS",
    "LLC_TYPES",
    "NAME_RESERVATION_MONTHS",
    "OFFICE_BARRING_REASONS",
    "ORG_CODE_ALPHABET",
    "ORG_CODE_PREFIX",
    "ORG_CODE_RANDOM_LENGTH",
    "PARTICIPANT",
    "REGISTRATION_AREA",
    "REGISTRATION_AUTHORITY_EN",
    "REGISTRATION_AUTHORITY_ZH",
    "ROLES_BY_TYPE",
    "ROLE_LABELS",
    "RULESETS",
    "RULESET_VERSION",
    "TYPE_LABELS",
    "USCC_CATEGORY",
    "Address",
    "Application",
    "AutoDecision",
    "ChangeItem",
    "Commitment",
    "CommitmentTerms",
    "CompanyName",
    "ContributionForm",
    "CreditStatus",
    "Division",
    "EnterpriseType",
    "Flag",
    "IdType",
    "Industry",
    "LicenseFacts",
    "Material",
    "Officer",
    "OfficerRole",
    "OrgForm",
    "PaidInIndustry",
    "Person",
    "ProhibitedPattern",
    "Reason",
    "ReferenceData",
    "ScopeChoice",
    "ScopeEntry",
    "Shareholder",
    "Validation",
    "add_months",
    "auto_inputs",
    "bars_office",
    "business_scope_text",
    "change_summary",
    "check_name",
    "commitment_due",
    "commitment_made_at",
    "commitment_terms",
    "credit_people",
    "credit_reason_for_overdue",
    "decide_automatically",
    "deregistered_hold_expiry",
    "duplicate_name",
    "five_years_after",
    "license_changes",
    "license_number_for",
    "mask_subject",
    "name_hold_keys",
    "new_org_code",
    "normalise_wording",
    "operating_term",
    "parse_amount",
    "qr_payload",
    "reservation_expiry",
    "rmb_uppercase",
    "strip_division_suffix",
    "uscc_for",
    "validate_application",
]
