import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.type import date_pb2 as _date_pb2
from google.type import money_pb2 as _money_pb2
from onestop.common.v1 import application_pb2 as _application_pb2
from onestop.common.v1 import common_pb2 as _common_pb2
from onestop.common.v1 import limits_pb2 as _limits_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CaseState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CASE_STATE_UNSPECIFIED: _ClassVar[CaseState]
    CASE_STATE_AWAITING_SIGNATURES: _ClassVar[CaseState]
    CASE_STATE_RUNNING: _ClassVar[CaseState]
    CASE_STATE_AWAITING_APPLICANT: _ClassVar[CaseState]
    CASE_STATE_COMPLETED: _ClassVar[CaseState]
    CASE_STATE_COMPENSATING: _ClassVar[CaseState]
    CASE_STATE_COMPENSATED: _ClassVar[CaseState]
    CASE_STATE_FAILED: _ClassVar[CaseState]
    CASE_STATE_CANCELLED: _ClassVar[CaseState]
    CASE_STATE_STUCK: _ClassVar[CaseState]

class Actor(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTOR_UNSPECIFIED: _ClassVar[Actor]
    ACTOR_AUTOMATIC: _ClassVar[Actor]
    ACTOR_APPLICANT: _ClassVar[Actor]
    ACTOR_REGISTRATION_OFFICER: _ClassVar[Actor]
    ACTOR_SEAL_MAKER: _ClassVar[Actor]
    ACTOR_TAX_OFFICER: _ClassVar[Actor]
    ACTOR_SOCIAL_INSURANCE_CLERK: _ClassVar[Actor]
    ACTOR_BANK_CLERK: _ClassVar[Actor]
CASE_STATE_UNSPECIFIED: CaseState
CASE_STATE_AWAITING_SIGNATURES: CaseState
CASE_STATE_RUNNING: CaseState
CASE_STATE_AWAITING_APPLICANT: CaseState
CASE_STATE_COMPLETED: CaseState
CASE_STATE_COMPENSATING: CaseState
CASE_STATE_COMPENSATED: CaseState
CASE_STATE_FAILED: CaseState
CASE_STATE_CANCELLED: CaseState
CASE_STATE_STUCK: CaseState
ACTOR_UNSPECIFIED: Actor
ACTOR_AUTOMATIC: Actor
ACTOR_APPLICANT: Actor
ACTOR_REGISTRATION_OFFICER: Actor
ACTOR_SEAL_MAKER: Actor
ACTOR_TAX_OFFICER: Actor
ACTOR_SOCIAL_INSURANCE_CLERK: Actor
ACTOR_BANK_CLERK: Actor

class Shareholder(_message.Message):
    __slots__ = ("person", "subscribed", "form", "due_date")
    PERSON_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIBED_FIELD_NUMBER: _ClassVar[int]
    FORM_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    person: _common_pb2.Person
    subscribed: _money_pb2.Money
    form: _application_pb2.ContributionForm
    due_date: _date_pb2.Date
    def __init__(self, person: _Optional[_Union[_common_pb2.Person, _Mapping]] = ..., subscribed: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., form: _Optional[_Union[_application_pb2.ContributionForm, str]] = ..., due_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ...) -> None: ...

class InvoiceNeeds(_message.Message):
    __slots__ = ("kinds", "max_amount_per_invoice", "monthly_quantity", "expected_annual_sales", "request_general_taxpayer", "declares_proper_accounts", "finance_contact")
    KINDS_FIELD_NUMBER: _ClassVar[int]
    MAX_AMOUNT_PER_INVOICE_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_ANNUAL_SALES_FIELD_NUMBER: _ClassVar[int]
    REQUEST_GENERAL_TAXPAYER_FIELD_NUMBER: _ClassVar[int]
    DECLARES_PROPER_ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    FINANCE_CONTACT_FIELD_NUMBER: _ClassVar[int]
    kinds: _containers.RepeatedScalarFieldContainer[_application_pb2.InvoiceKind]
    max_amount_per_invoice: _money_pb2.Money
    monthly_quantity: int
    expected_annual_sales: _money_pb2.Money
    request_general_taxpayer: bool
    declares_proper_accounts: bool
    finance_contact: _common_pb2.Person
    def __init__(self, kinds: _Optional[_Iterable[_Union[_application_pb2.InvoiceKind, str]]] = ..., max_amount_per_invoice: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., monthly_quantity: _Optional[int] = ..., expected_annual_sales: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., request_general_taxpayer: _Optional[bool] = ..., declares_proper_accounts: _Optional[bool] = ..., finance_contact: _Optional[_Union[_common_pb2.Person, _Mapping]] = ...) -> None: ...

class Employee(_message.Message):
    __slots__ = ("person", "hire_date", "monthly_wage", "position")
    PERSON_FIELD_NUMBER: _ClassVar[int]
    HIRE_DATE_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_WAGE_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    person: _common_pb2.Person
    hire_date: _date_pb2.Date
    monthly_wage: _money_pb2.Money
    position: str
    def __init__(self, person: _Optional[_Union[_common_pb2.Person, _Mapping]] = ..., hire_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., monthly_wage: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., position: _Optional[str] = ...) -> None: ...

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
    name: _application_pb2.CompanyName
    enterprise_type: _application_pb2.EnterpriseType
    registered_capital: _money_pb2.Money
    business_scope: _containers.RepeatedCompositeFieldContainer[_application_pb2.BusinessScopeItem]
    domicile: _common_pb2.Address
    legal_representative: _common_pb2.Person
    shareholders: _containers.RepeatedCompositeFieldContainer[Shareholder]
    officers: _containers.RepeatedCompositeFieldContainer[_application_pb2.Officer]
    contact: _application_pb2.Contact
    seals: _containers.RepeatedCompositeFieldContainer[_application_pb2.SealRequest]
    invoice: InvoiceNeeds
    employees: _containers.RepeatedCompositeFieldContainer[Employee]
    bank: _application_pb2.BankChoice
    commitment: _application_pb2.Commitment
    operating_term_years: int
    work_injury_risk_class: int
    def __init__(self, name: _Optional[_Union[_application_pb2.CompanyName, _Mapping]] = ..., enterprise_type: _Optional[_Union[_application_pb2.EnterpriseType, str]] = ..., registered_capital: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., business_scope: _Optional[_Iterable[_Union[_application_pb2.BusinessScopeItem, _Mapping]]] = ..., domicile: _Optional[_Union[_common_pb2.Address, _Mapping]] = ..., legal_representative: _Optional[_Union[_common_pb2.Person, _Mapping]] = ..., shareholders: _Optional[_Iterable[_Union[Shareholder, _Mapping]]] = ..., officers: _Optional[_Iterable[_Union[_application_pb2.Officer, _Mapping]]] = ..., contact: _Optional[_Union[_application_pb2.Contact, _Mapping]] = ..., seals: _Optional[_Iterable[_Union[_application_pb2.SealRequest, _Mapping]]] = ..., invoice: _Optional[_Union[InvoiceNeeds, _Mapping]] = ..., employees: _Optional[_Iterable[_Union[Employee, _Mapping]]] = ..., bank: _Optional[_Union[_application_pb2.BankChoice, _Mapping]] = ..., commitment: _Optional[_Union[_application_pb2.Commitment, _Mapping]] = ..., operating_term_years: _Optional[int] = ..., work_injury_risk_class: _Optional[int] = ...) -> None: ...

class Step(_message.Message):
    __slots__ = ("kind", "state", "actor", "deadline", "start_time", "end_time", "rejections", "summary", "after")
    class Kind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        KIND_UNSPECIFIED: _ClassVar[Step.Kind]
        KIND_LICENSE: _ClassVar[Step.Kind]
        KIND_SEAL: _ClassVar[Step.Kind]
        KIND_INVOICE: _ClassVar[Step.Kind]
        KIND_SOCIAL_INSURANCE: _ClassVar[Step.Kind]
        KIND_BANK: _ClassVar[Step.Kind]
        KIND_BUNDLE: _ClassVar[Step.Kind]
    KIND_UNSPECIFIED: Step.Kind
    KIND_LICENSE: Step.Kind
    KIND_SEAL: Step.Kind
    KIND_INVOICE: Step.Kind
    KIND_SOCIAL_INSURANCE: Step.Kind
    KIND_BANK: Step.Kind
    KIND_BUNDLE: Step.Kind
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    REJECTIONS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    kind: Step.Kind
    state: _common_pb2.StepState
    actor: Actor
    deadline: _common_pb2.Deadline
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    rejections: _containers.RepeatedCompositeFieldContainer[_common_pb2.Rejection]
    summary: str
    after: _containers.RepeatedScalarFieldContainer[Step.Kind]
    def __init__(self, kind: _Optional[_Union[Step.Kind, str]] = ..., state: _Optional[_Union[_common_pb2.StepState, str]] = ..., actor: _Optional[_Union[Actor, str]] = ..., deadline: _Optional[_Union[_common_pb2.Deadline, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rejections: _Optional[_Iterable[_Union[_common_pb2.Rejection, _Mapping]]] = ..., summary: _Optional[str] = ..., after: _Optional[_Iterable[_Union[Step.Kind, str]]] = ...) -> None: ...

class Commitment(_message.Message):
    __slots__ = ("state", "due_time", "outstanding_material_codes", "supplied_material_codes")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[Commitment.State]
        STATE_NONE: _ClassVar[Commitment.State]
        STATE_OPEN: _ClassVar[Commitment.State]
        STATE_SUPPLIED: _ClassVar[Commitment.State]
        STATE_FULFILLED: _ClassVar[Commitment.State]
        STATE_OVERDUE: _ClassVar[Commitment.State]
    STATE_UNSPECIFIED: Commitment.State
    STATE_NONE: Commitment.State
    STATE_OPEN: Commitment.State
    STATE_SUPPLIED: Commitment.State
    STATE_FULFILLED: Commitment.State
    STATE_OVERDUE: Commitment.State
    STATE_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    OUTSTANDING_MATERIAL_CODES_FIELD_NUMBER: _ClassVar[int]
    SUPPLIED_MATERIAL_CODES_FIELD_NUMBER: _ClassVar[int]
    state: Commitment.State
    due_time: _timestamp_pb2.Timestamp
    outstanding_material_codes: _containers.RepeatedScalarFieldContainer[str]
    supplied_material_codes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, state: _Optional[_Union[Commitment.State, str]] = ..., due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., outstanding_material_codes: _Optional[_Iterable[str]] = ..., supplied_material_codes: _Optional[_Iterable[str]] = ...) -> None: ...

class PersonSignature(_message.Message):
    __slots__ = ("name", "masked_id_number", "state", "decide_time")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[PersonSignature.State]
        STATE_WAITING: _ClassVar[PersonSignature.State]
        STATE_SIGNED: _ClassVar[PersonSignature.State]
        STATE_DECLINED: _ClassVar[PersonSignature.State]
    STATE_UNSPECIFIED: PersonSignature.State
    STATE_WAITING: PersonSignature.State
    STATE_SIGNED: PersonSignature.State
    STATE_DECLINED: PersonSignature.State
    NAME_FIELD_NUMBER: _ClassVar[int]
    MASKED_ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    DECIDE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    masked_id_number: str
    state: PersonSignature.State
    decide_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., masked_id_number: _Optional[str] = ..., state: _Optional[_Union[PersonSignature.State, str]] = ..., decide_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Application(_message.Message):
    __slots__ = ("case_id", "state", "form", "steps", "deadline", "submit_time", "end_time", "failure_reason", "failure_reason_zh", "rejections", "commitment", "company_name", "uscc", "bundle_ready", "version", "signatures", "signatures_due_time", "applicant_id")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    FORM_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    SUBMIT_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_ZH_FIELD_NUMBER: _ClassVar[int]
    REJECTIONS_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    COMPANY_NAME_FIELD_NUMBER: _ClassVar[int]
    USCC_FIELD_NUMBER: _ClassVar[int]
    BUNDLE_READY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SIGNATURES_FIELD_NUMBER: _ClassVar[int]
    SIGNATURES_DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    state: CaseState
    form: ApplicationForm
    steps: _containers.RepeatedCompositeFieldContainer[Step]
    deadline: _common_pb2.Deadline
    submit_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    failure_reason: str
    failure_reason_zh: str
    rejections: _containers.RepeatedCompositeFieldContainer[_common_pb2.Rejection]
    commitment: Commitment
    company_name: str
    uscc: str
    bundle_ready: bool
    version: int
    signatures: _containers.RepeatedCompositeFieldContainer[PersonSignature]
    signatures_due_time: _timestamp_pb2.Timestamp
    applicant_id: str
    def __init__(self, case_id: _Optional[str] = ..., state: _Optional[_Union[CaseState, str]] = ..., form: _Optional[_Union[ApplicationForm, _Mapping]] = ..., steps: _Optional[_Iterable[_Union[Step, _Mapping]]] = ..., deadline: _Optional[_Union[_common_pb2.Deadline, _Mapping]] = ..., submit_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., failure_reason: _Optional[str] = ..., failure_reason_zh: _Optional[str] = ..., rejections: _Optional[_Iterable[_Union[_common_pb2.Rejection, _Mapping]]] = ..., commitment: _Optional[_Union[Commitment, _Mapping]] = ..., company_name: _Optional[str] = ..., uscc: _Optional[str] = ..., bundle_ready: _Optional[bool] = ..., version: _Optional[int] = ..., signatures: _Optional[_Iterable[_Union[PersonSignature, _Mapping]]] = ..., signatures_due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., applicant_id: _Optional[str] = ...) -> None: ...

class SubmitApplicationRequest(_message.Message):
    __slots__ = ("idempotency_key", "form", "validate_only")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    FORM_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    form: ApplicationForm
    validate_only: bool
    def __init__(self, idempotency_key: _Optional[str] = ..., form: _Optional[_Union[ApplicationForm, _Mapping]] = ..., validate_only: _Optional[bool] = ...) -> None: ...

class SubmitApplicationResponse(_message.Message):
    __slots__ = ("application", "created", "validation")
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_FIELD_NUMBER: _ClassVar[int]
    application: Application
    created: bool
    validation: ValidateApplicationResponse
    def __init__(self, application: _Optional[_Union[Application, _Mapping]] = ..., created: _Optional[bool] = ..., validation: _Optional[_Union[ValidateApplicationResponse, _Mapping]] = ...) -> None: ...

class ValidateApplicationRequest(_message.Message):
    __slots__ = ("form",)
    FORM_FIELD_NUMBER: _ClassVar[int]
    form: ApplicationForm
    def __init__(self, form: _Optional[_Union[ApplicationForm, _Mapping]] = ...) -> None: ...

class ValidateApplicationResponse(_message.Message):
    __slots__ = ("passed", "rejections")
    PASSED_FIELD_NUMBER: _ClassVar[int]
    REJECTIONS_FIELD_NUMBER: _ClassVar[int]
    passed: bool
    rejections: _containers.RepeatedCompositeFieldContainer[_common_pb2.Rejection]
    def __init__(self, passed: _Optional[bool] = ..., rejections: _Optional[_Iterable[_Union[_common_pb2.Rejection, _Mapping]]] = ...) -> None: ...

class GetApplicationRequest(_message.Message):
    __slots__ = ("case_id",)
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    def __init__(self, case_id: _Optional[str] = ...) -> None: ...

class ListApplicationsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "filter")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    filter: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ...) -> None: ...

class ListApplicationsResponse(_message.Message):
    __slots__ = ("applications", "next_page_token", "total_size")
    APPLICATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    applications: _containers.RepeatedCompositeFieldContainer[Application]
    next_page_token: str
    total_size: int
    def __init__(self, applications: _Optional[_Iterable[_Union[Application, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class WatchApplicationRequest(_message.Message):
    __slots__ = ("case_id", "after_sequence")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    after_sequence: int
    def __init__(self, case_id: _Optional[str] = ..., after_sequence: _Optional[int] = ...) -> None: ...

class Snapshot(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StepChanged(_message.Message):
    __slots__ = ("step", "from_state", "to_state")
    STEP_FIELD_NUMBER: _ClassVar[int]
    FROM_STATE_FIELD_NUMBER: _ClassVar[int]
    TO_STATE_FIELD_NUMBER: _ClassVar[int]
    step: Step.Kind
    from_state: _common_pb2.StepState
    to_state: _common_pb2.StepState
    def __init__(self, step: _Optional[_Union[Step.Kind, str]] = ..., from_state: _Optional[_Union[_common_pb2.StepState, str]] = ..., to_state: _Optional[_Union[_common_pb2.StepState, str]] = ...) -> None: ...

class CaseChanged(_message.Message):
    __slots__ = ("from_state", "to_state")
    FROM_STATE_FIELD_NUMBER: _ClassVar[int]
    TO_STATE_FIELD_NUMBER: _ClassVar[int]
    from_state: CaseState
    to_state: CaseState
    def __init__(self, from_state: _Optional[_Union[CaseState, str]] = ..., to_state: _Optional[_Union[CaseState, str]] = ...) -> None: ...

class DeadlineAlert(_message.Message):
    __slots__ = ("step", "breached", "due_time")
    STEP_FIELD_NUMBER: _ClassVar[int]
    BREACHED_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    step: Step.Kind
    breached: bool
    due_time: _timestamp_pb2.Timestamp
    def __init__(self, step: _Optional[_Union[Step.Kind, str]] = ..., breached: _Optional[bool] = ..., due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SignatureChanged(_message.Message):
    __slots__ = ("name", "state")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    name: str
    state: PersonSignature.State
    def __init__(self, name: _Optional[str] = ..., state: _Optional[_Union[PersonSignature.State, str]] = ...) -> None: ...

class MaterialChanged(_message.Message):
    __slots__ = ("material_code", "commitment_state")
    MATERIAL_CODE_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_STATE_FIELD_NUMBER: _ClassVar[int]
    material_code: str
    commitment_state: Commitment.State
    def __init__(self, material_code: _Optional[str] = ..., commitment_state: _Optional[_Union[Commitment.State, str]] = ...) -> None: ...

class OtherEvent(_message.Message):
    __slots__ = ("action",)
    ACTION_FIELD_NUMBER: _ClassVar[int]
    action: str
    def __init__(self, action: _Optional[str] = ...) -> None: ...

class ProgressEvent(_message.Message):
    __slots__ = ("sequence", "occur_time", "case_state", "snapshot", "step_changed", "case_changed", "deadline_alert", "signature_changed", "material_changed", "other")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    OCCUR_TIME_FIELD_NUMBER: _ClassVar[int]
    CASE_STATE_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    STEP_CHANGED_FIELD_NUMBER: _ClassVar[int]
    CASE_CHANGED_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_ALERT_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_CHANGED_FIELD_NUMBER: _ClassVar[int]
    MATERIAL_CHANGED_FIELD_NUMBER: _ClassVar[int]
    OTHER_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    occur_time: _timestamp_pb2.Timestamp
    case_state: CaseState
    snapshot: Snapshot
    step_changed: StepChanged
    case_changed: CaseChanged
    deadline_alert: DeadlineAlert
    signature_changed: SignatureChanged
    material_changed: MaterialChanged
    other: OtherEvent
    def __init__(self, sequence: _Optional[int] = ..., occur_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., case_state: _Optional[_Union[CaseState, str]] = ..., snapshot: _Optional[_Union[Snapshot, _Mapping]] = ..., step_changed: _Optional[_Union[StepChanged, _Mapping]] = ..., case_changed: _Optional[_Union[CaseChanged, _Mapping]] = ..., deadline_alert: _Optional[_Union[DeadlineAlert, _Mapping]] = ..., signature_changed: _Optional[_Union[SignatureChanged, _Mapping]] = ..., material_changed: _Optional[_Union[MaterialChanged, _Mapping]] = ..., other: _Optional[_Union[OtherEvent, _Mapping]] = ...) -> None: ...

class WatchApplicationResponse(_message.Message):
    __slots__ = ("event", "application")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    event: ProgressEvent
    application: Application
    def __init__(self, event: _Optional[_Union[ProgressEvent, _Mapping]] = ..., application: _Optional[_Union[Application, _Mapping]] = ...) -> None: ...

class CancelApplicationRequest(_message.Message):
    __slots__ = ("case_id", "reason")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    reason: str
    def __init__(self, case_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CorrectApplicationRequest(_message.Message):
    __slots__ = ("case_id", "form", "update_mask")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    FORM_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    form: ApplicationForm
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, case_id: _Optional[str] = ..., form: _Optional[_Union[ApplicationForm, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class FulfillCommitmentRequest(_message.Message):
    __slots__ = ("case_id", "material_code", "file_name", "content", "content_type")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    MATERIAL_CODE_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    material_code: str
    file_name: str
    content: bytes
    content_type: str
    def __init__(self, case_id: _Optional[str] = ..., material_code: _Optional[str] = ..., file_name: _Optional[str] = ..., content: _Optional[bytes] = ..., content_type: _Optional[str] = ...) -> None: ...

class GetBundleRequest(_message.Message):
    __slots__ = ("case_id",)
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    def __init__(self, case_id: _Optional[str] = ...) -> None: ...

class GetBundleResponse(_message.Message):
    __slots__ = ("chunk", "total_size", "sha256", "file_name")
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    chunk: bytes
    total_size: int
    sha256: str
    file_name: str
    def __init__(self, chunk: _Optional[bytes] = ..., total_size: _Optional[int] = ..., sha256: _Optional[str] = ..., file_name: _Optional[str] = ...) -> None: ...

class GetApplicationResponse(_message.Message):
    __slots__ = ("application",)
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    application: Application
    def __init__(self, application: _Optional[_Union[Application, _Mapping]] = ...) -> None: ...

class CancelApplicationResponse(_message.Message):
    __slots__ = ("application",)
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    application: Application
    def __init__(self, application: _Optional[_Union[Application, _Mapping]] = ...) -> None: ...

class CorrectApplicationResponse(_message.Message):
    __slots__ = ("application",)
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    application: Application
    def __init__(self, application: _Optional[_Union[Application, _Mapping]] = ...) -> None: ...

class FulfillCommitmentResponse(_message.Message):
    __slots__ = ("application",)
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    application: Application
    def __init__(self, application: _Optional[_Union[Application, _Mapping]] = ...) -> None: ...
