import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from onestop.common.v1 import limits_pb2 as _limits_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class IdType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ID_TYPE_UNSPECIFIED: _ClassVar[IdType]
    ID_TYPE_CITIZEN_ID: _ClassVar[IdType]
    ID_TYPE_PASSPORT: _ClassVar[IdType]
    ID_TYPE_HK_MACAO_PERMIT: _ClassVar[IdType]
    ID_TYPE_TAIWAN_PERMIT: _ClassVar[IdType]
    ID_TYPE_FOREIGN_PERMANENT_RESIDENT: _ClassVar[IdType]

class Sex(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEX_UNSPECIFIED: _ClassVar[Sex]
    SEX_MALE: _ClassVar[Sex]
    SEX_FEMALE: _ClassVar[Sex]

class CaseState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CASE_STATE_UNSPECIFIED: _ClassVar[CaseState]
    CASE_STATE_RUNNING: _ClassVar[CaseState]
    CASE_STATE_COMPLETED: _ClassVar[CaseState]
    CASE_STATE_COMPENSATING: _ClassVar[CaseState]
    CASE_STATE_COMPENSATED: _ClassVar[CaseState]
    CASE_STATE_STUCK: _ClassVar[CaseState]
    CASE_STATE_FAILED: _ClassVar[CaseState]
    CASE_STATE_AWAITING_APPLICANT: _ClassVar[CaseState]
    CASE_STATE_AWAITING_SIGNATURES: _ClassVar[CaseState]

class StepState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STEP_STATE_UNSPECIFIED: _ClassVar[StepState]
    STEP_STATE_PENDING: _ClassVar[StepState]
    STEP_STATE_DISPATCHED: _ClassVar[StepState]
    STEP_STATE_ACCEPTED: _ClassVar[StepState]
    STEP_STATE_AWAITING_APPLICANT: _ClassVar[StepState]
    STEP_STATE_DONE: _ClassVar[StepState]
    STEP_STATE_FAILED: _ClassVar[StepState]
    STEP_STATE_COMPENSATING: _ClassVar[StepState]
    STEP_STATE_COMPENSATED: _ClassVar[StepState]
    STEP_STATE_CANCELLED: _ClassVar[StepState]
    STEP_STATE_STUCK: _ClassVar[StepState]

class Outcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OUTCOME_UNSPECIFIED: _ClassVar[Outcome]
    OUTCOME_DONE: _ClassVar[Outcome]
    OUTCOME_ACCEPTED: _ClassVar[Outcome]
    OUTCOME_REJECTED: _ClassVar[Outcome]
    OUTCOME_CORRECTION_REQUESTED: _ClassVar[Outcome]
    OUTCOME_RETRY: _ClassVar[Outcome]
ID_TYPE_UNSPECIFIED: IdType
ID_TYPE_CITIZEN_ID: IdType
ID_TYPE_PASSPORT: IdType
ID_TYPE_HK_MACAO_PERMIT: IdType
ID_TYPE_TAIWAN_PERMIT: IdType
ID_TYPE_FOREIGN_PERMANENT_RESIDENT: IdType
SEX_UNSPECIFIED: Sex
SEX_MALE: Sex
SEX_FEMALE: Sex
CASE_STATE_UNSPECIFIED: CaseState
CASE_STATE_RUNNING: CaseState
CASE_STATE_COMPLETED: CaseState
CASE_STATE_COMPENSATING: CaseState
CASE_STATE_COMPENSATED: CaseState
CASE_STATE_STUCK: CaseState
CASE_STATE_FAILED: CaseState
CASE_STATE_AWAITING_APPLICANT: CaseState
CASE_STATE_AWAITING_SIGNATURES: CaseState
STEP_STATE_UNSPECIFIED: StepState
STEP_STATE_PENDING: StepState
STEP_STATE_DISPATCHED: StepState
STEP_STATE_ACCEPTED: StepState
STEP_STATE_AWAITING_APPLICANT: StepState
STEP_STATE_DONE: StepState
STEP_STATE_FAILED: StepState
STEP_STATE_COMPENSATING: StepState
STEP_STATE_COMPENSATED: StepState
STEP_STATE_CANCELLED: StepState
STEP_STATE_STUCK: StepState
OUTCOME_UNSPECIFIED: Outcome
OUTCOME_DONE: Outcome
OUTCOME_ACCEPTED: Outcome
OUTCOME_REJECTED: Outcome
OUTCOME_CORRECTION_REQUESTED: Outcome
OUTCOME_RETRY: Outcome

class Money(_message.Message):
    __slots__ = ("amount", "currency")
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    amount: str
    currency: str
    def __init__(self, amount: _Optional[str] = ..., currency: _Optional[str] = ...) -> None: ...

class Person(_message.Message):
    __slots__ = ("name", "id_type", "id_number", "phone", "email", "nationality")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ID_TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    NATIONALITY_FIELD_NUMBER: _ClassVar[int]
    name: str
    id_type: IdType
    id_number: str
    phone: str
    email: str
    nationality: str
    def __init__(self, name: _Optional[str] = ..., id_type: _Optional[_Union[IdType, str]] = ..., id_number: _Optional[str] = ..., phone: _Optional[str] = ..., email: _Optional[str] = ..., nationality: _Optional[str] = ...) -> None: ...

class Address(_message.Message):
    __slots__ = ("division_code", "province", "city", "district", "detail", "postal_code")
    DIVISION_CODE_FIELD_NUMBER: _ClassVar[int]
    PROVINCE_FIELD_NUMBER: _ClassVar[int]
    CITY_FIELD_NUMBER: _ClassVar[int]
    DISTRICT_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    division_code: str
    province: str
    city: str
    district: str
    detail: str
    postal_code: str
    def __init__(self, division_code: _Optional[str] = ..., province: _Optional[str] = ..., city: _Optional[str] = ..., district: _Optional[str] = ..., detail: _Optional[str] = ..., postal_code: _Optional[str] = ...) -> None: ...

class Rejection(_message.Message):
    __slots__ = ("field", "rule", "message_zh", "message_en", "subject_zh", "subject_en", "participant")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ZH_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_EN_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ZH_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_EN_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    field: str
    rule: str
    message_zh: str
    message_en: str
    subject_zh: str
    subject_en: str
    participant: str
    def __init__(self, field: _Optional[str] = ..., rule: _Optional[str] = ..., message_zh: _Optional[str] = ..., message_en: _Optional[str] = ..., subject_zh: _Optional[str] = ..., subject_en: _Optional[str] = ..., participant: _Optional[str] = ...) -> None: ...

class Rejections(_message.Message):
    __slots__ = ("rejections",)
    REJECTIONS_FIELD_NUMBER: _ClassVar[int]
    rejections: _containers.RepeatedCompositeFieldContainer[Rejection]
    def __init__(self, rejections: _Optional[_Iterable[_Union[Rejection, _Mapping]]] = ...) -> None: ...

class Deadline(_message.Message):
    __slots__ = ("started_at", "limit_workdays", "due_at", "warn_at", "remaining_working_seconds", "as_of", "paused", "warned", "breached", "awaiting_calendar_year")
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_WORKDAYS_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    WARN_AT_FIELD_NUMBER: _ClassVar[int]
    REMAINING_WORKING_SECONDS_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    WARNED_FIELD_NUMBER: _ClassVar[int]
    BREACHED_FIELD_NUMBER: _ClassVar[int]
    AWAITING_CALENDAR_YEAR_FIELD_NUMBER: _ClassVar[int]
    started_at: _timestamp_pb2.Timestamp
    limit_workdays: str
    due_at: _timestamp_pb2.Timestamp
    warn_at: _timestamp_pb2.Timestamp
    remaining_working_seconds: int
    as_of: _timestamp_pb2.Timestamp
    paused: bool
    warned: bool
    breached: bool
    awaiting_calendar_year: int
    def __init__(self, started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., limit_workdays: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., warn_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., remaining_working_seconds: _Optional[int] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., paused: _Optional[bool] = ..., warned: _Optional[bool] = ..., breached: _Optional[bool] = ..., awaiting_calendar_year: _Optional[int] = ...) -> None: ...

class CommandContext(_message.Message):
    __slots__ = ("idempotency_key", "case_id", "step", "deadline", "applicant_id", "attempt")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    case_id: str
    step: str
    deadline: Deadline
    applicant_id: str
    attempt: int
    def __init__(self, idempotency_key: _Optional[str] = ..., case_id: _Optional[str] = ..., step: _Optional[str] = ..., deadline: _Optional[_Union[Deadline, _Mapping]] = ..., applicant_id: _Optional[str] = ..., attempt: _Optional[int] = ...) -> None: ...

class StepStatus(_message.Message):
    __slots__ = ("outcome", "rejections", "task_id", "decided_by", "decided_at", "reason")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REJECTIONS_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    outcome: Outcome
    rejections: _containers.RepeatedCompositeFieldContainer[Rejection]
    task_id: str
    decided_by: str
    decided_at: _timestamp_pb2.Timestamp
    reason: str
    def __init__(self, outcome: _Optional[_Union[Outcome, str]] = ..., rejections: _Optional[_Iterable[_Union[Rejection, _Mapping]]] = ..., task_id: _Optional[str] = ..., decided_by: _Optional[str] = ..., decided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...
