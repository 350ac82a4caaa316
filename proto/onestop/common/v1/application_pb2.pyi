from google.api import field_behavior_pb2 as _field_behavior_pb2
from onestop.common.v1 import common_pb2 as _common_pb2
from onestop.common.v1 import limits_pb2 as _limits_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EnterpriseType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENTERPRISE_TYPE_UNSPECIFIED: _ClassVar[EnterpriseType]
    ENTERPRISE_TYPE_LLC: _ClassVar[EnterpriseType]
    ENTERPRISE_TYPE_ONE_PERSON_LLC: _ClassVar[EnterpriseType]
    ENTERPRISE_TYPE_SOLE_PROPRIETORSHIP: _ClassVar[EnterpriseType]
    ENTERPRISE_TYPE_PARTNERSHIP: _ClassVar[EnterpriseType]

class ContributionForm(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONTRIBUTION_FORM_UNSPECIFIED: _ClassVar[ContributionForm]
    CONTRIBUTION_FORM_CURRENCY: _ClassVar[ContributionForm]
    CONTRIBUTION_FORM_IN_KIND: _ClassVar[ContributionForm]
    CONTRIBUTION_FORM_INTELLECTUAL_PROPERTY: _ClassVar[ContributionForm]
    CONTRIBUTION_FORM_LAND_USE_RIGHT: _ClassVar[ContributionForm]

class OfficerRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OFFICER_ROLE_UNSPECIFIED: _ClassVar[OfficerRole]
    OFFICER_ROLE_CHAIR: _ClassVar[OfficerRole]
    OFFICER_ROLE_DIRECTOR: _ClassVar[OfficerRole]
    OFFICER_ROLE_SOLE_DIRECTOR: _ClassVar[OfficerRole]
    OFFICER_ROLE_SUPERVISOR: _ClassVar[OfficerRole]
    OFFICER_ROLE_MANAGER: _ClassVar[OfficerRole]
    OFFICER_ROLE_EXECUTIVE_PARTNER: _ClassVar[OfficerRole]

class SealKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEAL_KIND_UNSPECIFIED: _ClassVar[SealKind]
    SEAL_KIND_OFFICIAL: _ClassVar[SealKind]
    SEAL_KIND_FINANCE: _ClassVar[SealKind]
    SEAL_KIND_INVOICE: _ClassVar[SealKind]
    SEAL_KIND_LEGAL_REP: _ClassVar[SealKind]
    SEAL_KIND_CONTRACT: _ClassVar[SealKind]

class InvoiceKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INVOICE_KIND_UNSPECIFIED: _ClassVar[InvoiceKind]
    INVOICE_KIND_DIGITAL_ORDINARY: _ClassVar[InvoiceKind]
    INVOICE_KIND_DIGITAL_SPECIAL: _ClassVar[InvoiceKind]
ENTERPRISE_TYPE_UNSPECIFIED: EnterpriseType
ENTERPRISE_TYPE_LLC: EnterpriseType
ENTERPRISE_TYPE_ONE_PERSON_LLC: EnterpriseType
ENTERPRISE_TYPE_SOLE_PROPRIETORSHIP: EnterpriseType
ENTERPRISE_TYPE_PARTNERSHIP: EnterpriseType
CONTRIBUTION_FORM_UNSPECIFIED: ContributionForm
CONTRIBUTION_FORM_CURRENCY: ContributionForm
CONTRIBUTION_FORM_IN_KIND: ContributionForm
CONTRIBUTION_FORM_INTELLECTUAL_PROPERTY: ContributionForm
CONTRIBUTION_FORM_LAND_USE_RIGHT: ContributionForm
OFFICER_ROLE_UNSPECIFIED: OfficerRole
OFFICER_ROLE_CHAIR: OfficerRole
OFFICER_ROLE_DIRECTOR: OfficerRole
OFFICER_ROLE_SOLE_DIRECTOR: OfficerRole
OFFICER_ROLE_SUPERVISOR: OfficerRole
OFFICER_ROLE_MANAGER: OfficerRole
OFFICER_ROLE_EXECUTIVE_PARTNER: OfficerRole
SEAL_KIND_UNSPECIFIED: SealKind
SEAL_KIND_OFFICIAL: SealKind
SEAL_KIND_FINANCE: SealKind
SEAL_KIND_INVOICE: SealKind
SEAL_KIND_LEGAL_REP: SealKind
SEAL_KIND_CONTRACT: SealKind
INVOICE_KIND_UNSPECIFIED: InvoiceKind
INVOICE_KIND_DIGITAL_ORDINARY: InvoiceKind
INVOICE_KIND_DIGITAL_SPECIAL: InvoiceKind

class CompanyName(_message.Message):
    __slots__ = ("division", "trade_name", "industry", "organisational_form", "industry_code")
    DIVISION_FIELD_NUMBER: _ClassVar[int]
    TRADE_NAME_FIELD_NUMBER: _ClassVar[int]
    INDUSTRY_FIELD_NUMBER: _ClassVar[int]
    ORGANISATIONAL_FORM_FIELD_NUMBER: _ClassVar[int]
    INDUSTRY_CODE_FIELD_NUMBER: _ClassVar[int]
    division: str
    trade_name: str
    industry: str
    organisational_form: str
    industry_code: str
    def __init__(self, division: _Optional[str] = ..., trade_name: _Optional[str] = ..., industry: _Optional[str] = ..., organisational_form: _Optional[str] = ..., industry_code: _Optional[str] = ...) -> None: ...

class Shareholder(_message.Message):
    __slots__ = ("person", "subscribed", "form", "due_date")
    PERSON_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIBED_FIELD_NUMBER: _ClassVar[int]
    FORM_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    person: _common_pb2.Person
    subscribed: _common_pb2.Money
    form: ContributionForm
    due_date: str
    def __init__(self, person: _Optional[_Union[_common_pb2.Person, _Mapping]] = ..., subscribed: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., form: _Optional[_Union[ContributionForm, str]] = ..., due_date: _Optional[str] = ...) -> None: ...

class Officer(_message.Message):
    __slots__ = ("person", "role")
    PERSON_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    person: _common_pb2.Person
    role: OfficerRole
    def __init__(self, person: _Optional[_Union[_common_pb2.Person, _Mapping]] = ..., role: _Optional[_Union[OfficerRole, str]] = ...) -> None: ...

class BusinessScopeItem(_message.Message):
    __slots__ = ("code", "name_zh")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_ZH_FIELD_NUMBER: _ClassVar[int]
    code: str
    name_zh: str
    def __init__(self, code: _Optional[str] = ..., name_zh: _Optional[str] = ...) -> None: ...

class Contact(_message.Message):
    __slots__ = ("person", "phone", "email")
    PERSON_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    person: _common_pb2.Person
    phone: str
    email: str
    def __init__(self, person: _Optional[_Union[_common_pb2.Person, _Mapping]] = ..., phone: _Optional[str] = ..., email: _Optional[str] = ...) -> None: ...

class SealRequest(_message.Message):
    __slots__ = ("kind", "physical", "electronic")
    KIND_FIELD_NUMBER: _ClassVar[int]
    PHYSICAL_FIELD_NUMBER: _ClassVar[int]
    ELECTRONIC_FIELD_NUMBER: _ClassVar[int]
    kind: SealKind
    physical: bool
    electronic: bool
    def __init__(self, kind: _Optional[_Union[SealKind, str]] = ..., physical: _Optional[bool] = ..., electronic: _Optional[bool] = ...) -> None: ...

class InvoiceNeeds(_message.Message):
    __slots__ = ("kinds", "max_amount_per_invoice", "monthly_quantity", "expected_annual_sales", "request_general_taxpayer", "declares_proper_accounts", "finance_contact")
    KINDS_FIELD_NUMBER: _ClassVar[int]
    MAX_AMOUNT_PER_INVOICE_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_ANNUAL_SALES_FIELD_NUMBER: _ClassVar[int]
    REQUEST_GENERAL_TAXPAYER_FIELD_NUMBER: _ClassVar[int]
    DECLARES_PROPER_ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    FINANCE_CONTACT_FIELD_NUMBER: _ClassVar[int]
    kinds: _containers.RepeatedScalarFieldContainer[InvoiceKind]
    max_amount_per_invoice: _common_pb2.Money
    monthly_quantity: int
    expected_annual_sales: _common_pb2.Money
    request_general_taxpayer: bool
    declares_proper_accounts: bool
    finance_contact: _common_pb2.Person
    def __init__(self, kinds: _Optional[_Iterable[_Union[InvoiceKind, str]]] = ..., max_amount_per_invoice: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., monthly_quantity: _Optional[int] = ..., expected_annual_sales: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., request_general_taxpayer: _Optional[bool] = ..., declares_proper_accounts: _Optional[bool] = ..., finance_contact: _Optional[_Union[_common_pb2.Person, _Mapping]] = ...) -> None: ...

class Employee(_message.Message):
    __slots__ = ("person", "hire_date", "monthly_wage", "position")
    PERSON_FIELD_NUMBER: _ClassVar[int]
    HIRE_DATE_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_WAGE_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    person: _common_pb2.Person
    hire_date: str
    monthly_wage: _common_pb2.Money
    position: str
    def __init__(self, person: _Optional[_Union[_common_pb2.Person, _Mapping]] = ..., hire_date: _Optional[str] = ..., monthly_wage: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., position: _Optional[str] = ...) -> None: ...

class BankChoice(_message.Message):
    __slots__ = ("bank_code", "branch_name")
    BANK_CODE_FIELD_NUMBER: _ClassVar[int]
    BRANCH_NAME_FIELD_NUMBER: _ClassVar[int]
    bank_code: str
    branch_name: str
    def __init__(self, bank_code: _Optional[str] = ..., branch_name: _Optional[str] = ...) -> None: ...

class MissingMaterial(_message.Message):
    __slots__ = ("code", "name_zh", "name_en")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_ZH_FIELD_NUMBER: _ClassVar[int]
    NAME_EN_FIELD_NUMBER: _ClassVar[int]
    code: str
    name_zh: str
    name_en: str
    def __init__(self, code: _Optional[str] = ..., name_zh: _Optional[str] = ..., name_en: _Optional[str] = ...) -> None: ...

class Commitment(_message.Message):
    __slots__ = ("materials", "commitment_text", "agreed")
    MATERIALS_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_TEXT_FIELD_NUMBER: _ClassVar[int]
    AGREED_FIELD_NUMBER: _ClassVar[int]
    materials: _containers.RepeatedCompositeFieldContainer[MissingMaterial]
    commitment_text: str
    agreed: bool
    def __init__(self, materials: _Optional[_Iterable[_Union[MissingMaterial, _Mapping]]] = ..., commitment_text: _Optional[str] = ..., agreed: _Optional[bool] = ...) -> None: ...

class ApplicationForm(_message.Message):
    __slots__ = ("name", "enterprise_type", "registered_capital", "business_scope", "domicile", "legal_representative", "shareholders", "officers", "contact", "seals", "invoice", "employees", "bank", "commitment", "operating_term_years", "work_injury_risk_class")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_TYPE_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_CAPITAL_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_SCOPE_FIELD_NUMBER: _ClassVar[int]
    DOMICILE_FIELD_NUMBER: _ClassVar[int]
    LEGAL_REPRESENTATIVE_FIELD_NUMBER: _ClassVar[int]
    SHAREHOLDERS_FIELD_NUMBER: _ClassVar[int]
    OFFICERS_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    SEALS_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    EMPLOYEES_FIELD_NUMBER: _ClassVar[int]
    BANK_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    OPERATING_TERM_YEARS_FIELD_NUMBER: _ClassVar[int]
    WORK_INJURY_RISK_CLASS_FIELD_NUMBER: _ClassVar[int]
    name: CompanyName
    enterprise_type: EnterpriseType
    registered_capital: _common_pb2.Money
    business_scope: _containers.RepeatedCompositeFieldContainer[BusinessScopeItem]
    domicile: _common_pb2.Address
    legal_representative: _common_pb2.Person
    shareholders: _containers.RepeatedCompositeFieldContainer[Shareholder]
    officers: _containers.RepeatedCompositeFieldContainer[Officer]
    contact: Contact
    seals: _containers.RepeatedCompositeFieldContainer[SealRequest]
    invoice: InvoiceNeeds
    employees: _containers.RepeatedCompositeFieldContainer[Employee]
    bank: BankChoice
    commitment: Commitment
    operating_term_years: int
    work_injury_risk_class: int
    def __init__(self, name: _Optional[_Union[CompanyName, _Mapping]] = ..., enterprise_type: _Optional[_Union[EnterpriseType, str]] = ..., registered_capital: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., business_scope: _Optional[_Iterable[_Union[BusinessScopeItem, _Mapping]]] = ..., domicile: _Optional[_Union[_common_pb2.Address, _Mapping]] = ..., legal_representative: _Optional[_Union[_common_pb2.Person, _Mapping]] = ..., shareholders: _Optional[_Iterable[_Union[Shareholder, _Mapping]]] = ..., officers: _Optional[_Iterable[_Union[Officer, _Mapping]]] = ..., contact: _Optional[_Union[Contact, _Mapping]] = ..., seals: _Optional[_Iterable[_Union[SealRequest, _Mapping]]] = ..., invoice: _Optional[_Union[InvoiceNeeds, _Mapping]] = ..., employees: _Optional[_Iterable[_Union[Employee, _Mapping]]] = ..., bank: _Optional[_Union[BankChoice, _Mapping]] = ..., commitment: _Optional[_Union[Commitment, _Mapping]] = ..., operating_term_years: _Optional[int] = ..., work_injury_risk_class: _Optional[int] = ...) -> None: ...

class CheckApplicationRequest(_message.Message):
    __slots__ = ("form", "applicant_id", "case_id")
    FORM_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    form: ApplicationForm
    applicant_id: str
    case_id: str
    def __init__(self, form: _Optional[_Union[ApplicationForm, _Mapping]] = ..., applicant_id: _Optional[str] = ..., case_id: _Optional[str] = ...) -> None: ...

class CheckApplicationResponse(_message.Message):
    __slots__ = ("rejections", "participant", "rule_set")
    REJECTIONS_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    RULE_SET_FIELD_NUMBER: _ClassVar[int]
    rejections: _containers.RepeatedCompositeFieldContainer[_common_pb2.Rejection]
    participant: str
    rule_set: str
    def __init__(self, rejections: _Optional[_Iterable[_Union[_common_pb2.Rejection, _Mapping]]] = ..., participant: _Optional[str] = ..., rule_set: _Optional[str] = ...) -> None: ...
