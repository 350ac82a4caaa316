import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
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

class SignatureState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SIGNATURE_STATE_UNSPECIFIED: _ClassVar[SignatureState]
    SIGNATURE_STATE_WAITING: _ClassVar[SignatureState]
    SIGNATURE_STATE_SIGNED: _ClassVar[SignatureState]
    SIGNATURE_STATE_DECLINED: _ClassVar[SignatureState]

class CommitmentState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMMITMENT_STATE_UNSPECIFIED: _ClassVar[CommitmentState]
    COMMITMENT_STATE_NONE: _ClassVar[CommitmentState]
    COMMITMENT_STATE_OPEN: _ClassVar[CommitmentState]
    COMMITMENT_STATE_SUPPLIED: _ClassVar[CommitmentState]
    COMMITMENT_STATE_FULFILLED: _ClassVar[CommitmentState]
    COMMITMENT_STATE_OVERDUE: _ClassVar[CommitmentState]

class ProgressEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROGRESS_EVENT_KIND_UNSPECIFIED: _ClassVar[ProgressEventKind]
    PROGRESS_EVENT_KIND_SNAPSHOT: _ClassVar[ProgressEventKind]
    PROGRESS_EVENT_KIND_STEP_CHANGED: _ClassVar[ProgressEventKind]
    PROGRESS_EVENT_KIND_CASE_CHANGED: _ClassVar[ProgressEventKind]
    PROGRESS_EVENT_KIND_SLA_WARNING: _ClassVar[ProgressEventKind]
    PROGRESS_EVENT_KIND_SLA_BREACH: _ClassVar[ProgressEventKind]
SIGNATURE_STATE_UNSPECIFIED: SignatureState
SIGNATURE_STATE_WAITING: SignatureState
SIGNATURE_STATE_SIGNED: SignatureState
SIGNATURE_STATE_DECLINED: SignatureState
COMMITMENT_STATE_UNSPECIFIED: CommitmentState
COMMITMENT_STATE_NONE: CommitmentState
COMMITMENT_STATE_OPEN: CommitmentState
COMMITMENT_STATE_SUPPLIED: CommitmentState
COMMITMENT_STATE_FULFILLED: CommitmentState
COMMITMENT_STATE_OVERDUE: CommitmentState
PROGRESS_EVENT_KIND_UNSPECIFIED: ProgressEventKind
PROGRESS_EVENT_KIND_SNAPSHOT: ProgressEventKind
PROGRESS_EVENT_KIND_STEP_CHANGED: ProgressEventKind
PROGRESS_EVENT_KIND_CASE_CHANGED: ProgressEventKind
PROGRESS_EVENT_KIND_SLA_WARNING: ProgressEventKind
PROGRESS_EVENT_KIND_SLA_BREACH: ProgressEventKind

class BuildBundleRequest(_message.Message):
    __slots__ = ("context",)
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.CommandContext
    def __init__(self, context: _Optional[_Union[_common_pb2.CommandContext, _Mapping]] = ...) -> None: ...

class BuildBundleResponse(_message.Message):
    __slots__ = ("context", "status", "sha256", "size")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.CommandContext
    status: _common_pb2.StepStatus
    sha256: str
    size: int
    def __init__(self, context: _Optional[_Union[_common_pb2.CommandContext, _Mapping]] = ..., status: _Optional[_Union[_common_pb2.StepStatus, _Mapping]] = ..., sha256: _Optional[str] = ..., size: _Optional[int] = ...) -> None: ...

class SubmitApplicationRequest(_message.Message):
    __slots__ = ("idempotency_key", "form", "validate_only")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    FORM_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    form: _application_pb2.ApplicationForm
    validate_only: bool
    def __init__(self, idempotency_key: _Optional[str] = ..., form: _Optional[_Union[_application_pb2.ApplicationForm, _Mapping]] = ..., validate_only: _Optional[bool] = ...) -> None: ...

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
    __slots__ = ("form", "sections")
    FORM_FIELD_NUMBER: _ClassVar[int]
    SECTIONS_FIELD_NUMBER: _ClassVar[int]
    form: _application_pb2.ApplicationForm
    sections: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, form: _Optional[_Union[_application_pb2.ApplicationForm, _Mapping]] = ..., sections: _Optional[_Iterable[str]] = ...) -> None: ...

class ParticipantCheck(_message.Message):
    __slots__ = ("participant", "answered", "rejections", "elapsed_ms", "rule_set")
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_FIELD_NUMBER: _ClassVar[int]
    REJECTIONS_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_MS_FIELD_NUMBER: _ClassVar[int]
    RULE_SET_FIELD_NUMBER: _ClassVar[int]
    participant: str
    answered: bool
    rejections: int
    elapsed_ms: float
    rule_set: str
    def __init__(self, participant: _Optional[str] = ..., answered: _Optional[bool] = ..., rejections: _Optional[int] = ..., elapsed_ms: _Optional[float] = ..., rule_set: _Optional[str] = ...) -> None: ...

class ValidateApplicationResponse(_message.Message):
    __slots__ = ("passed", "rejections", "checks", "elapsed_ms")
    PASSED_FIELD_NUMBER: _ClassVar[int]
    REJECTIONS_FIELD_NUMBER: _ClassVar[int]
    CHECKS_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_MS_FIELD_NUMBER: _ClassVar[int]
    passed: bool
    rejections: _containers.RepeatedCompositeFieldContainer[_common_pb2.Rejection]
    checks: _containers.RepeatedCompositeFieldContainer[ParticipantCheck]
    elapsed_ms: float
    def __init__(self, passed: _Optional[bool] = ..., rejections: _Optional[_Iterable[_Union[_common_pb2.Rejection, _Mapping]]] = ..., checks: _Optional[_Iterable[_Union[ParticipantCheck, _Mapping]]] = ..., elapsed_ms: _Optional[float] = ...) -> None: ...

class GetApplicationRequest(_message.Message):
    __slots__ = ("case_id",)
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    def __init__(self, case_id: _Optional[str] = ...) -> None: ...

class GetApplicationResponse(_message.Message):
    __slots__ = ("application",)
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    application: Application
    def __init__(self, application: _Optional[_Union[Application, _Mapping]] = ...) -> None: ...

class WatchApplicationRequest(_message.Message):
    __slots__ = ("case_id", "after_sequence")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    after_sequence: int
    def __init__(self, case_id: _Optional[str] = ..., after_sequence: _Optional[int] = ...) -> None: ...

class WatchApplicationResponse(_message.Message):
    __slots__ = ("event", "application")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    event: ProgressEvent
    application: Application
    def __init__(self, event: _Optional[_Union[ProgressEvent, _Mapping]] = ..., application: _Optional[_Union[Application, _Mapping]] = ...) -> None: ...

class ListApplicationsRequest(_message.Message):
    __slots__ = ("applicant_id", "states", "page_size", "page_token")
    APPLICANT_ID_FIELD_NUMBER: _ClassVar[int]
    STATES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    applicant_id: str
    states: _containers.RepeatedScalarFieldContainer[_common_pb2.CaseState]
    page_size: int
    page_token: str
    def __init__(self, applicant_id: _Optional[str] = ..., states: _Optional[_Iterable[_Union[_common_pb2.CaseState, str]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListApplicationsResponse(_message.Message):
    __slots__ = ("applications", "next_page_token", "total")
    APPLICATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    applications: _containers.RepeatedCompositeFieldContainer[Application]
    next_page_token: str
    total: int
    def __init__(self, applications: _Optional[_Iterable[_Union[Application, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total: _Optional[int] = ...) -> None: ...

class CancelApplicationRequest(_message.Message):
    __slots__ = ("case_id", "reason")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    reason: str
    def __init__(self, case_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelApplicationResponse(_message.Message):
    __slots__ = ("application",)
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    application: Application
    def __init__(self, application: _Optional[_Union[Application, _Mapping]] = ...) -> None: ...

class CorrectApplicationRequest(_message.Message):
    __slots__ = ("case_id", "form", "update_mask")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    FORM_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    form: _application_pb2.ApplicationForm
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, case_id: _Optional[str] = ..., form: _Optional[_Union[_application_pb2.ApplicationForm, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class CorrectApplicationResponse(_message.Message):
    __slots__ = ("application",)
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    application: Application
    def __init__(self, application: _Optional[_Union[Application, _Mapping]] = ...) -> None: ...

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

class FulfillCommitmentResponse(_message.Message):
    __slots__ = ("application",)
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    application: Application
    def __init__(self, application: _Optional[_Union[Application, _Mapping]] = ...) -> None: ...

class PersonSignature(_message.Message):
    __slots__ = ("name", "masked_id_number", "roles", "state", "signed_at", "certificate_serial", "reason")
    NAME_FIELD_NUMBER: _ClassVar[int]
    MASKED_ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    SIGNED_AT_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_SERIAL_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    name: str
    masked_id_number: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    state: SignatureState
    signed_at: _timestamp_pb2.Timestamp
    certificate_serial: str
    reason: str
    def __init__(self, name: _Optional[str] = ..., masked_id_number: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ..., state: _Optional[_Union[SignatureState, str]] = ..., signed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., certificate_serial: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ListSignatureRequestsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SignatureRequest(_message.Message):
    __slots__ = ("case_id", "company_name", "roles", "submitted_at", "expires_at", "state")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    COMPANY_NAME_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    company_name: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    submitted_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    state: SignatureState
    def __init__(self, case_id: _Optional[str] = ..., company_name: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[_Union[SignatureState, str]] = ...) -> None: ...

class ListSignatureRequestsResponse(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[SignatureRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[SignatureRequest, _Mapping]]] = ...) -> None: ...

class GetApplicationToSignRequest(_message.Message):
    __slots__ = ("case_id",)
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    def __init__(self, case_id: _Optional[str] = ...) -> None: ...

class GetApplicationToSignResponse(_message.Message):
    __slots__ = ("request", "pdf", "form_sha256", "signatures")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    PDF_FIELD_NUMBER: _ClassVar[int]
    FORM_SHA256_FIELD_NUMBER: _ClassVar[int]
    SIGNATURES_FIELD_NUMBER: _ClassVar[int]
    request: SignatureRequest
    pdf: bytes
    form_sha256: str
    signatures: _containers.RepeatedCompositeFieldContainer[PersonSignature]
    def __init__(self, request: _Optional[_Union[SignatureRequest, _Mapping]] = ..., pdf: _Optional[bytes] = ..., form_sha256: _Optional[str] = ..., signatures: _Optional[_Iterable[_Union[PersonSignature, _Mapping]]] = ...) -> None: ...

class SignApplicationRequest(_message.Message):
    __slots__ = ("case_id", "form_sha256")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    FORM_SHA256_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    form_sha256: str
    def __init__(self, case_id: _Optional[str] = ..., form_sha256: _Optional[str] = ...) -> None: ...

class SignApplicationResponse(_message.Message):
    __slots__ = ("application",)
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    application: Application
    def __init__(self, application: _Optional[_Union[Application, _Mapping]] = ...) -> None: ...

class DeclineApplicationRequest(_message.Message):
    __slots__ = ("case_id", "reason")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    reason: str
    def __init__(self, case_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DeclineApplicationResponse(_message.Message):
    __slots__ = ("application",)
    APPLICATION_FIELD_NUMBER: _ClassVar[int]
    application: Application
    def __init__(self, application: _Optional[_Union[Application, _Mapping]] = ...) -> None: ...

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

class GetStatisticsRequest(_message.Message):
    __slots__ = ("days",)
    DAYS_FIELD_NUMBER: _ClassVar[int]
    days: int
    def __init__(self, days: _Optional[int] = ...) -> None: ...

class StepStatistics(_message.Message):
    __slots__ = ("step", "limit_workdays", "completed", "in_breach", "median_working_hours", "p95_working_hours", "median_wall_hours", "p95_wall_hours", "without_office_time", "limit_working_hours")
    STEP_FIELD_NUMBER: _ClassVar[int]
    LIMIT_WORKDAYS_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    IN_BREACH_FIELD_NUMBER: _ClassVar[int]
    MEDIAN_WORKING_HOURS_FIELD_NUMBER: _ClassVar[int]
    P95_WORKING_HOURS_FIELD_NUMBER: _ClassVar[int]
    MEDIAN_WALL_HOURS_FIELD_NUMBER: _ClassVar[int]
    P95_WALL_HOURS_FIELD_NUMBER: _ClassVar[int]
    WITHOUT_OFFICE_TIME_FIELD_NUMBER: _ClassVar[int]
    LIMIT_WORKING_HOURS_FIELD_NUMBER: _ClassVar[int]
    step: str
    limit_workdays: str
    completed: int
    in_breach: int
    median_working_hours: float
    p95_working_hours: float
    median_wall_hours: float
    p95_wall_hours: float
    without_office_time: int
    limit_working_hours: float
    def __init__(self, step: _Optional[str] = ..., limit_workdays: _Optional[str] = ..., completed: _Optional[int] = ..., in_breach: _Optional[int] = ..., median_working_hours: _Optional[float] = ..., p95_working_hours: _Optional[float] = ..., median_wall_hours: _Optional[float] = ..., p95_wall_hours: _Optional[float] = ..., without_office_time: _Optional[int] = ..., limit_working_hours: _Optional[float] = ...) -> None: ...

class CasesOnDay(_message.Message):
    __slots__ = ("day", "submitted", "in_progress", "completed", "compensated", "failed")
    DAY_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_FIELD_NUMBER: _ClassVar[int]
    IN_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    COMPENSATED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    day: str
    submitted: int
    in_progress: int
    completed: int
    compensated: int
    failed: int
    def __init__(self, day: _Optional[str] = ..., submitted: _Optional[int] = ..., in_progress: _Optional[int] = ..., completed: _Optional[int] = ..., compensated: _Optional[int] = ..., failed: _Optional[int] = ...) -> None: ...

class ReasonCount(_message.Message):
    __slots__ = ("kind", "step", "category", "rule", "message_zh", "message_en", "count")
    KIND_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ZH_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_EN_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    kind: str
    step: str
    category: str
    rule: str
    message_zh: str
    message_en: str
    count: int
    def __init__(self, kind: _Optional[str] = ..., step: _Optional[str] = ..., category: _Optional[str] = ..., rule: _Optional[str] = ..., message_zh: _Optional[str] = ..., message_en: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class SlaBreach(_message.Message):
    __slots__ = ("case_id", "company_name", "step", "due_at", "finished_at", "state")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    COMPANY_NAME_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    company_name: str
    step: str
    due_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    state: str
    def __init__(self, case_id: _Optional[str] = ..., company_name: _Optional[str] = ..., step: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[str] = ...) -> None: ...

class GetStatisticsResponse(_message.Message):
    __slots__ = ("cases_by_state", "steps", "calendar", "cases_by_day", "reasons", "breaches", "breach_count", "days")
    class CasesByStateEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    CASES_BY_STATE_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    CALENDAR_FIELD_NUMBER: _ClassVar[int]
    CASES_BY_DAY_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    BREACHES_FIELD_NUMBER: _ClassVar[int]
    BREACH_COUNT_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    cases_by_state: _containers.ScalarMap[str, int]
    steps: _containers.RepeatedCompositeFieldContainer[StepStatistics]
    calendar: CalendarCoverage
    cases_by_day: _containers.RepeatedCompositeFieldContainer[CasesOnDay]
    reasons: _containers.RepeatedCompositeFieldContainer[ReasonCount]
    breaches: _containers.RepeatedCompositeFieldContainer[SlaBreach]
    breach_count: int
    days: int
    def __init__(self, cases_by_state: _Optional[_Mapping[str, int]] = ..., steps: _Optional[_Iterable[_Union[StepStatistics, _Mapping]]] = ..., calendar: _Optional[_Union[CalendarCoverage, _Mapping]] = ..., cases_by_day: _Optional[_Iterable[_Union[CasesOnDay, _Mapping]]] = ..., reasons: _Optional[_Iterable[_Union[ReasonCount, _Mapping]]] = ..., breaches: _Optional[_Iterable[_Union[SlaBreach, _Mapping]]] = ..., breach_count: _Optional[int] = ..., days: _Optional[int] = ...) -> None: ...

class CalendarCoverage(_message.Message):
    __slots__ = ("years", "next_year_missing")
    class YearsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: int
        value: str
        def __init__(self, key: _Optional[int] = ..., value: _Optional[str] = ...) -> None: ...
    YEARS_FIELD_NUMBER: _ClassVar[int]
    NEXT_YEAR_MISSING_FIELD_NUMBER: _ClassVar[int]
    years: _containers.ScalarMap[int, str]
    next_year_missing: int
    def __init__(self, years: _Optional[_Mapping[int, str]] = ..., next_year_missing: _Optional[int] = ...) -> None: ...

class Step(_message.Message):
    __slots__ = ("name", "state", "participant", "actor", "deadline", "attempts", "task_id", "started_at", "finished_at", "rejections", "summary", "after")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    REJECTIONS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    name: str
    state: _common_pb2.StepState
    participant: str
    actor: str
    deadline: _common_pb2.Deadline
    attempts: int
    task_id: str
    started_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    rejections: _containers.RepeatedCompositeFieldContainer[_common_pb2.Rejection]
    summary: str
    after: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., state: _Optional[_Union[_common_pb2.StepState, str]] = ..., participant: _Optional[str] = ..., actor: _Optional[str] = ..., deadline: _Optional[_Union[_common_pb2.Deadline, _Mapping]] = ..., attempts: _Optional[int] = ..., task_id: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rejections: _Optional[_Iterable[_Union[_common_pb2.Rejection, _Mapping]]] = ..., summary: _Optional[str] = ..., after: _Optional[_Iterable[str]] = ...) -> None: ...

class CommitmentStatus(_message.Message):
    __slots__ = ("state", "due_at", "outstanding", "supplied")
    STATE_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    OUTSTANDING_FIELD_NUMBER: _ClassVar[int]
    SUPPLIED_FIELD_NUMBER: _ClassVar[int]
    state: CommitmentState
    due_at: _timestamp_pb2.Timestamp
    outstanding: _containers.RepeatedCompositeFieldContainer[_application_pb2.MissingMaterial]
    supplied: _containers.RepeatedCompositeFieldContainer[_application_pb2.MissingMaterial]
    def __init__(self, state: _Optional[_Union[CommitmentState, str]] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., outstanding: _Optional[_Iterable[_Union[_application_pb2.MissingMaterial, _Mapping]]] = ..., supplied: _Optional[_Iterable[_Union[_application_pb2.MissingMaterial, _Mapping]]] = ...) -> None: ...

class Application(_message.Message):
    __slots__ = ("case_id", "applicant_id", "state", "form", "steps", "deadline", "submitted_at", "finished_at", "failure_reason", "rejections", "commitment", "company_name", "uscc", "bundle_ready", "version", "failure_reason_zh", "signatures", "signatures_due_at")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    FORM_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    REJECTIONS_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    COMPANY_NAME_FIELD_NUMBER: _ClassVar[int]
    USCC_FIELD_NUMBER: _ClassVar[int]
    BUNDLE_READY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_ZH_FIELD_NUMBER: _ClassVar[int]
    SIGNATURES_FIELD_NUMBER: _ClassVar[int]
    SIGNATURES_DUE_AT_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    applicant_id: str
    state: _common_pb2.CaseState
    form: _application_pb2.ApplicationForm
    steps: _containers.RepeatedCompositeFieldContainer[Step]
    deadline: _common_pb2.Deadline
    submitted_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    failure_reason: str
    rejections: _containers.RepeatedCompositeFieldContainer[_common_pb2.Rejection]
    commitment: CommitmentStatus
    company_name: str
    uscc: str
    bundle_ready: bool
    version: int
    failure_reason_zh: str
    signatures: _containers.RepeatedCompositeFieldContainer[PersonSignature]
    signatures_due_at: _timestamp_pb2.Timestamp
    def __init__(self, case_id: _Optional[str] = ..., applicant_id: _Optional[str] = ..., state: _Optional[_Union[_common_pb2.CaseState, str]] = ..., form: _Optional[_Union[_application_pb2.ApplicationForm, _Mapping]] = ..., steps: _Optional[_Iterable[_Union[Step, _Mapping]]] = ..., deadline: _Optional[_Union[_common_pb2.Deadline, _Mapping]] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., failure_reason: _Optional[str] = ..., rejections: _Optional[_Iterable[_Union[_common_pb2.Rejection, _Mapping]]] = ..., commitment: _Optional[_Union[CommitmentStatus, _Mapping]] = ..., company_name: _Optional[str] = ..., uscc: _Optional[str] = ..., bundle_ready: _Optional[bool] = ..., version: _Optional[int] = ..., failure_reason_zh: _Optional[str] = ..., signatures: _Optional[_Iterable[_Union[PersonSignature, _Mapping]]] = ..., signatures_due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ProgressEvent(_message.Message):
    __slots__ = ("case_id", "sequence", "occurred_at", "kind", "step", "step_state", "case_state", "message")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    STEP_STATE_FIELD_NUMBER: _ClassVar[int]
    CASE_STATE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    sequence: int
    occurred_at: _timestamp_pb2.Timestamp
    kind: ProgressEventKind
    step: str
    step_state: _common_pb2.StepState
    case_state: _common_pb2.CaseState
    message: str
    def __init__(self, case_id: _Optional[str] = ..., sequence: _Optional[int] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., kind: _Optional[_Union[ProgressEventKind, str]] = ..., step: _Optional[str] = ..., step_state: _Optional[_Union[_common_pb2.StepState, str]] = ..., case_state: _Optional[_Union[_common_pb2.CaseState, str]] = ..., message: _Optional[str] = ...) -> None: ...

class SlaAlert(_message.Message):
    __slots__ = ("case_id", "step", "breached", "deadline", "company_name")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    BREACHED_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    COMPANY_NAME_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    step: str
    breached: bool
    deadline: _common_pb2.Deadline
    company_name: str
    def __init__(self, case_id: _Optional[str] = ..., step: _Optional[str] = ..., breached: _Optional[bool] = ..., deadline: _Optional[_Union[_common_pb2.Deadline, _Mapping]] = ..., company_name: _Optional[str] = ...) -> None: ...

class CaseFinished(_message.Message):
    __slots__ = ("case_id", "state", "reason", "finished_at")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    state: _common_pb2.CaseState
    reason: str
    finished_at: _timestamp_pb2.Timestamp
    def __init__(self, case_id: _Optional[str] = ..., state: _Optional[_Union[_common_pb2.CaseState, str]] = ..., reason: _Optional[str] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
