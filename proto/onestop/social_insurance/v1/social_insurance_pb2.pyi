import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from onestop.common.v1 import application_pb2 as _application_pb2
from onestop.common.v1 import common_pb2 as _common_pb2
from onestop.common.v1 import desk_pb2 as _desk_pb2
from onestop.common.v1 import limits_pb2 as _limits_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RegisterEmployerRequest(_message.Message):
    __slots__ = ("context", "uscc", "company_name", "legal_representative", "employees", "division_code", "domicile", "work_injury_risk_class", "date_of_establishment")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    USCC_FIELD_NUMBER: _ClassVar[int]
    COMPANY_NAME_FIELD_NUMBER: _ClassVar[int]
    LEGAL_REPRESENTATIVE_FIELD_NUMBER: _ClassVar[int]
    EMPLOYEES_FIELD_NUMBER: _ClassVar[int]
    DIVISION_CODE_FIELD_NUMBER: _ClassVar[int]
    DOMICILE_FIELD_NUMBER: _ClassVar[int]
    WORK_INJURY_RISK_CLASS_FIELD_NUMBER: _ClassVar[int]
    DATE_OF_ESTABLISHMENT_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.CommandContext
    uscc: str
    company_name: str
    legal_representative: _common_pb2.Person
    employees: _containers.RepeatedCompositeFieldContainer[_application_pb2.Employee]
    division_code: str
    domicile: _common_pb2.Address
    work_injury_risk_class: int
    date_of_establishment: str
    def __init__(self, context: _Optional[_Union[_common_pb2.CommandContext, _Mapping]] = ..., uscc: _Optional[str] = ..., company_name: _Optional[str] = ..., legal_representative: _Optional[_Union[_common_pb2.Person, _Mapping]] = ..., employees: _Optional[_Iterable[_Union[_application_pb2.Employee, _Mapping]]] = ..., division_code: _Optional[str] = ..., domicile: _Optional[_Union[_common_pb2.Address, _Mapping]] = ..., work_injury_risk_class: _Optional[int] = ..., date_of_establishment: _Optional[str] = ...) -> None: ...

class Contribution(_message.Message):
    __slots__ = ("insurance", "employer_rate", "employee_rate", "employer_amount", "employee_amount", "verified")
    INSURANCE_FIELD_NUMBER: _ClassVar[int]
    EMPLOYER_RATE_FIELD_NUMBER: _ClassVar[int]
    EMPLOYEE_RATE_FIELD_NUMBER: _ClassVar[int]
    EMPLOYER_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    EMPLOYEE_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_FIELD_NUMBER: _ClassVar[int]
    insurance: str
    employer_rate: str
    employee_rate: str
    employer_amount: _common_pb2.Money
    employee_amount: _common_pb2.Money
    verified: str
    def __init__(self, insurance: _Optional[str] = ..., employer_rate: _Optional[str] = ..., employee_rate: _Optional[str] = ..., employer_amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., employee_amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., verified: _Optional[str] = ...) -> None: ...

class Enrolment(_message.Message):
    __slots__ = ("social_security_number", "name", "start_date", "contribution_base", "base_adjusted", "late_enrolment", "contributions", "employer_total", "employee_total", "active", "hire_date")
    SOCIAL_SECURITY_NUMBER_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTION_BASE_FIELD_NUMBER: _ClassVar[int]
    BASE_ADJUSTED_FIELD_NUMBER: _ClassVar[int]
    LATE_ENROLMENT_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTIONS_FIELD_NUMBER: _ClassVar[int]
    EMPLOYER_TOTAL_FIELD_NUMBER: _ClassVar[int]
    EMPLOYEE_TOTAL_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    HIRE_DATE_FIELD_NUMBER: _ClassVar[int]
    social_security_number: str
    name: str
    start_date: str
    contribution_base: _common_pb2.Money
    base_adjusted: bool
    late_enrolment: bool
    contributions: _containers.RepeatedCompositeFieldContainer[Contribution]
    employer_total: _common_pb2.Money
    employee_total: _common_pb2.Money
    active: bool
    hire_date: str
    def __init__(self, social_security_number: _Optional[str] = ..., name: _Optional[str] = ..., start_date: _Optional[str] = ..., contribution_base: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., base_adjusted: _Optional[bool] = ..., late_enrolment: _Optional[bool] = ..., contributions: _Optional[_Iterable[_Union[Contribution, _Mapping]]] = ..., employer_total: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., employee_total: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., active: _Optional[bool] = ..., hire_date: _Optional[str] = ...) -> None: ...

class Employer(_message.Message):
    __slots__ = ("registration_number", "uscc", "company_name", "agency", "enrolments", "employer_total", "employee_total", "registered_at", "cancelled", "cancelled_at", "rate_table_version", "rate_table_note", "state")
    REGISTRATION_NUMBER_FIELD_NUMBER: _ClassVar[int]
    USCC_FIELD_NUMBER: _ClassVar[int]
    COMPANY_NAME_FIELD_NUMBER: _ClassVar[int]
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    ENROLMENTS_FIELD_NUMBER: _ClassVar[int]
    EMPLOYER_TOTAL_FIELD_NUMBER: _ClassVar[int]
    EMPLOYEE_TOTAL_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_AT_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_AT_FIELD_NUMBER: _ClassVar[int]
    RATE_TABLE_VERSION_FIELD_NUMBER: _ClassVar[int]
    RATE_TABLE_NOTE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    registration_number: str
    uscc: str
    company_name: str
    agency: str
    enrolments: _containers.RepeatedCompositeFieldContainer[Enrolment]
    employer_total: _common_pb2.Money
    employee_total: _common_pb2.Money
    registered_at: _timestamp_pb2.Timestamp
    cancelled: bool
    cancelled_at: _timestamp_pb2.Timestamp
    rate_table_version: str
    rate_table_note: str
    state: str
    def __init__(self, registration_number: _Optional[str] = ..., uscc: _Optional[str] = ..., company_name: _Optional[str] = ..., agency: _Optional[str] = ..., enrolments: _Optional[_Iterable[_Union[Enrolment, _Mapping]]] = ..., employer_total: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., employee_total: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., registered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cancelled: _Optional[bool] = ..., cancelled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rate_table_version: _Optional[str] = ..., rate_table_note: _Optional[str] = ..., state: _Optional[str] = ...) -> None: ...

class RegisterEmployerResponse(_message.Message):
    __slots__ = ("context", "status", "employer")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EMPLOYER_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.CommandContext
    status: _common_pb2.StepStatus
    employer: Employer
    def __init__(self, context: _Optional[_Union[_common_pb2.CommandContext, _Mapping]] = ..., status: _Optional[_Union[_common_pb2.StepStatus, _Mapping]] = ..., employer: _Optional[_Union[Employer, _Mapping]] = ...) -> None: ...

class CancelEmployerRegistrationRequest(_message.Message):
    __slots__ = ("context", "reason")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.CommandContext
    reason: str
    def __init__(self, context: _Optional[_Union[_common_pb2.CommandContext, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelEmployerRegistrationResponse(_message.Message):
    __slots__ = ("context", "status", "registration_number", "enrolments_cancelled")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REGISTRATION_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ENROLMENTS_CANCELLED_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.CommandContext
    status: _common_pb2.StepStatus
    registration_number: str
    enrolments_cancelled: int
    def __init__(self, context: _Optional[_Union[_common_pb2.CommandContext, _Mapping]] = ..., status: _Optional[_Union[_common_pb2.StepStatus, _Mapping]] = ..., registration_number: _Optional[str] = ..., enrolments_cancelled: _Optional[int] = ...) -> None: ...

class GetEmployerRequest(_message.Message):
    __slots__ = ("uscc",)
    USCC_FIELD_NUMBER: _ClassVar[int]
    uscc: str
    def __init__(self, uscc: _Optional[str] = ...) -> None: ...

class GetEmployerResponse(_message.Message):
    __slots__ = ("employer",)
    EMPLOYER_FIELD_NUMBER: _ClassVar[int]
    employer: Employer
    def __init__(self, employer: _Optional[_Union[Employer, _Mapping]] = ...) -> None: ...

class EmployerRegistered(_message.Message):
    __slots__ = ("case_id", "employer")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    EMPLOYER_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    employer: Employer
    def __init__(self, case_id: _Optional[str] = ..., employer: _Optional[_Union[Employer, _Mapping]] = ...) -> None: ...

class EmployerRegistrationCancelled(_message.Message):
    __slots__ = ("case_id", "registration_number")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    REGISTRATION_NUMBER_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    registration_number: str
    def __init__(self, case_id: _Optional[str] = ..., registration_number: _Optional[str] = ...) -> None: ...

class GetTaskResponse(_message.Message):
    __slots__ = ("task", "employer")
    TASK_FIELD_NUMBER: _ClassVar[int]
    EMPLOYER_FIELD_NUMBER: _ClassVar[int]
    task: _desk_pb2.DeskTask
    employer: Employer
    def __init__(self, task: _Optional[_Union[_desk_pb2.DeskTask, _Mapping]] = ..., employer: _Optional[_Union[Employer, _Mapping]] = ...) -> None: ...

class ApproveTaskResponse(_message.Message):
    __slots__ = ("task", "employer")
    TASK_FIELD_NUMBER: _ClassVar[int]
    EMPLOYER_FIELD_NUMBER: _ClassVar[int]
    task: _desk_pb2.DeskTask
    employer: Employer
    def __init__(self, task: _Optional[_Union[_desk_pb2.DeskTask, _Mapping]] = ..., employer: _Optional[_Union[Employer, _Mapping]] = ...) -> None: ...
