import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from onestop.common.v1 import application_pb2 as _application_pb2
from onestop.common.v1 import common_pb2 as _common_pb2
from onestop.common.v1 import desk_pb2 as _desk_pb2
from onestop.common.v1 import limits_pb2 as _limits_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LicenseStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LICENSE_STATUS_UNSPECIFIED: _ClassVar[LicenseStatus]
    LICENSE_STATUS_VALID: _ClassVar[LicenseStatus]
    LICENSE_STATUS_REVOKED: _ClassVar[LicenseStatus]

class RevocationCategory(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REVOCATION_CATEGORY_UNSPECIFIED: _ClassVar[RevocationCategory]
    REVOCATION_CATEGORY_OPENING_UNDONE: _ClassVar[RevocationCategory]
    REVOCATION_CATEGORY_COMMITMENT_UNFULFILLED: _ClassVar[RevocationCategory]

class CreditSubjectKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CREDIT_SUBJECT_KIND_UNSPECIFIED: _ClassVar[CreditSubjectKind]
    CREDIT_SUBJECT_KIND_ACCOUNT: _ClassVar[CreditSubjectKind]
    CREDIT_SUBJECT_KIND_ID_NUMBER: _ClassVar[CreditSubjectKind]
LICENSE_STATUS_UNSPECIFIED: LicenseStatus
LICENSE_STATUS_VALID: LicenseStatus
LICENSE_STATUS_REVOKED: LicenseStatus
REVOCATION_CATEGORY_UNSPECIFIED: RevocationCategory
REVOCATION_CATEGORY_OPENING_UNDONE: RevocationCategory
REVOCATION_CATEGORY_COMMITMENT_UNFULFILLED: RevocationCategory
CREDIT_SUBJECT_KIND_UNSPECIFIED: CreditSubjectKind
CREDIT_SUBJECT_KIND_ACCOUNT: CreditSubjectKind
CREDIT_SUBJECT_KIND_ID_NUMBER: CreditSubjectKind

class ValidateApplicationRequest(_message.Message):
    __slots__ = ("form", "applicant_id")
    FORM_FIELD_NUMBER: _ClassVar[int]
    APPLICANT_ID_FIELD_NUMBER: _ClassVar[int]
    form: _application_pb2.ApplicationForm
    applicant_id: str
    def __init__(self, form: _Optional[_Union[_application_pb2.ApplicationForm, _Mapping]] = ..., applicant_id: _Optional[str] = ...) -> None: ...

class ValidateApplicationResponse(_message.Message):
    __slots__ = ("rejections", "flags", "automatic_approval_eligible", "automatic_approval_reasons")
    REJECTIONS_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    AUTOMATIC_APPROVAL_ELIGIBLE_FIELD_NUMBER: _ClassVar[int]
    AUTOMATIC_APPROVAL_REASONS_FIELD_NUMBER: _ClassVar[int]
    rejections: _containers.RepeatedCompositeFieldContainer[_common_pb2.Rejection]
    flags: _containers.RepeatedScalarFieldContainer[str]
    automatic_approval_eligible: bool
    automatic_approval_reasons: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, rejections: _Optional[_Iterable[_Union[_common_pb2.Rejection, _Mapping]]] = ..., flags: _Optional[_Iterable[str]] = ..., automatic_approval_eligible: _Optional[bool] = ..., automatic_approval_reasons: _Optional[_Iterable[str]] = ...) -> None: ...

class CheckNameRequest(_message.Message):
    __slots__ = ("name", "enterprise_type")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_TYPE_FIELD_NUMBER: _ClassVar[int]
    name: _application_pb2.CompanyName
    enterprise_type: _application_pb2.EnterpriseType
    def __init__(self, name: _Optional[_Union[_application_pb2.CompanyName, _Mapping]] = ..., enterprise_type: _Optional[_Union[_application_pb2.EnterpriseType, str]] = ...) -> None: ...

class CheckNameResponse(_message.Message):
    __slots__ = ("available", "full_name", "rejections")
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    REJECTIONS_FIELD_NUMBER: _ClassVar[int]
    available: bool
    full_name: str
    rejections: _containers.RepeatedCompositeFieldContainer[_common_pb2.Rejection]
    def __init__(self, available: _Optional[bool] = ..., full_name: _Optional[str] = ..., rejections: _Optional[_Iterable[_Union[_common_pb2.Rejection, _Mapping]]] = ...) -> None: ...

class IssueLicenseRequest(_message.Message):
    __slots__ = ("context", "form", "submitted_at")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    FORM_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.CommandContext
    form: _application_pb2.ApplicationForm
    submitted_at: _timestamp_pb2.Timestamp
    def __init__(self, context: _Optional[_Union[_common_pb2.CommandContext, _Mapping]] = ..., form: _Optional[_Union[_application_pb2.ApplicationForm, _Mapping]] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class License(_message.Message):
    __slots__ = ("uscc", "company_name", "enterprise_type", "legal_representative", "registered_capital", "date_of_establishment", "operating_term", "domicile", "business_scope", "registration_authority", "issued_at", "qr_payload", "status", "division_code", "pdf_sha256", "committed_materials", "commitment_due_at", "license_number", "revoked_at", "revocation_reason", "commitment_state", "commitment_items", "committed_at", "commitment_last_day", "version", "changed_at")
    USCC_FIELD_NUMBER: _ClassVar[int]
    COMPANY_NAME_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_TYPE_FIELD_NUMBER: _ClassVar[int]
    LEGAL_REPRESENTATIVE_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_CAPITAL_FIELD_NUMBER: _ClassVar[int]
    DATE_OF_ESTABLISHMENT_FIELD_NUMBER: _ClassVar[int]
    OPERATING_TERM_FIELD_NUMBER: _ClassVar[int]
    DOMICILE_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_SCOPE_FIELD_NUMBER: _ClassVar[int]
    REGISTRATION_AUTHORITY_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    QR_PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DIVISION_CODE_FIELD_NUMBER: _ClassVar[int]
    PDF_SHA256_FIELD_NUMBER: _ClassVar[int]
    COMMITTED_MATERIALS_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_DUE_AT_FIELD_NUMBER: _ClassVar[int]
    LICENSE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    REVOCATION_REASON_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_STATE_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_ITEMS_FIELD_NUMBER: _ClassVar[int]
    COMMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_LAST_DAY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    uscc: str
    company_name: str
    enterprise_type: str
    legal_representative: str
    registered_capital: _common_pb2.Money
    date_of_establishment: str
    operating_term: str
    domicile: str
    business_scope: str
    registration_authority: str
    issued_at: _timestamp_pb2.Timestamp
    qr_payload: str
    status: LicenseStatus
    division_code: str
    pdf_sha256: str
    committed_materials: _containers.RepeatedCompositeFieldContainer[_application_pb2.MissingMaterial]
    commitment_due_at: _timestamp_pb2.Timestamp
    license_number: str
    revoked_at: _timestamp_pb2.Timestamp
    revocation_reason: str
    commitment_state: str
    commitment_items: _containers.RepeatedCompositeFieldContainer[CommittedMaterial]
    committed_at: _timestamp_pb2.Timestamp
    commitment_last_day: str
    version: int
    changed_at: _timestamp_pb2.Timestamp
    def __init__(self, uscc: _Optional[str] = ..., company_name: _Optional[str] = ..., enterprise_type: _Optional[str] = ..., legal_representative: _Optional[str] = ..., registered_capital: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., date_of_establishment: _Optional[str] = ..., operating_term: _Optional[str] = ..., domicile: _Optional[str] = ..., business_scope: _Optional[str] = ..., registration_authority: _Optional[str] = ..., issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., qr_payload: _Optional[str] = ..., status: _Optional[_Union[LicenseStatus, str]] = ..., division_code: _Optional[str] = ..., pdf_sha256: _Optional[str] = ..., committed_materials: _Optional[_Iterable[_Union[_application_pb2.MissingMaterial, _Mapping]]] = ..., commitment_due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., license_number: _Optional[str] = ..., revoked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revocation_reason: _Optional[str] = ..., commitment_state: _Optional[str] = ..., commitment_items: _Optional[_Iterable[_Union[CommittedMaterial, _Mapping]]] = ..., committed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., commitment_last_day: _Optional[str] = ..., version: _Optional[int] = ..., changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CommittedMaterial(_message.Message):
    __slots__ = ("code", "name_zh", "name_en", "state", "supplied_at", "decided_at", "reason")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_ZH_FIELD_NUMBER: _ClassVar[int]
    NAME_EN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    SUPPLIED_AT_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    code: str
    name_zh: str
    name_en: str
    state: str
    supplied_at: _timestamp_pb2.Timestamp
    decided_at: _timestamp_pb2.Timestamp
    reason: str
    def __init__(self, code: _Optional[str] = ..., name_zh: _Optional[str] = ..., name_en: _Optional[str] = ..., state: _Optional[str] = ..., supplied_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., decided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class IssueLicenseResponse(_message.Message):
    __slots__ = ("context", "status", "license")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LICENSE_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.CommandContext
    status: _common_pb2.StepStatus
    license: License
    def __init__(self, context: _Optional[_Union[_common_pb2.CommandContext, _Mapping]] = ..., status: _Optional[_Union[_common_pb2.StepStatus, _Mapping]] = ..., license: _Optional[_Union[License, _Mapping]] = ...) -> None: ...

class RevokeLicenseRequest(_message.Message):
    __slots__ = ("context", "reason")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.CommandContext
    reason: str
    def __init__(self, context: _Optional[_Union[_common_pb2.CommandContext, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class RevokeLicenseResponse(_message.Message):
    __slots__ = ("context", "status", "uscc", "revoked_at")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    USCC_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.CommandContext
    status: _common_pb2.StepStatus
    uscc: str
    revoked_at: _timestamp_pb2.Timestamp
    def __init__(self, context: _Optional[_Union[_common_pb2.CommandContext, _Mapping]] = ..., status: _Optional[_Union[_common_pb2.StepStatus, _Mapping]] = ..., uscc: _Optional[str] = ..., revoked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ApplyCorrectionRequest(_message.Message):
    __slots__ = ("context", "form")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    FORM_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.CommandContext
    form: _application_pb2.ApplicationForm
    def __init__(self, context: _Optional[_Union[_common_pb2.CommandContext, _Mapping]] = ..., form: _Optional[_Union[_application_pb2.ApplicationForm, _Mapping]] = ...) -> None: ...

class ApplyCorrectionResponse(_message.Message):
    __slots__ = ("context", "status")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.CommandContext
    status: _common_pb2.StepStatus
    def __init__(self, context: _Optional[_Union[_common_pb2.CommandContext, _Mapping]] = ..., status: _Optional[_Union[_common_pb2.StepStatus, _Mapping]] = ...) -> None: ...

class SupplyMaterialRequest(_message.Message):
    __slots__ = ("context", "material_code", "file_name", "content", "content_type")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    MATERIAL_CODE_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.CommandContext
    material_code: str
    file_name: str
    content: bytes
    content_type: str
    def __init__(self, context: _Optional[_Union[_common_pb2.CommandContext, _Mapping]] = ..., material_code: _Optional[str] = ..., file_name: _Optional[str] = ..., content: _Optional[bytes] = ..., content_type: _Optional[str] = ...) -> None: ...

class SupplyMaterialResponse(_message.Message):
    __slots__ = ("context", "status", "material_code")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MATERIAL_CODE_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.CommandContext
    status: _common_pb2.StepStatus
    material_code: str
    def __init__(self, context: _Optional[_Union[_common_pb2.CommandContext, _Mapping]] = ..., status: _Optional[_Union[_common_pb2.StepStatus, _Mapping]] = ..., material_code: _Optional[str] = ...) -> None: ...

class ChangeLicenseRequest(_message.Message):
    __slots__ = ("context", "form", "corrected_fields")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    FORM_FIELD_NUMBER: _ClassVar[int]
    CORRECTED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.CommandContext
    form: _application_pb2.ApplicationForm
    corrected_fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, context: _Optional[_Union[_common_pb2.CommandContext, _Mapping]] = ..., form: _Optional[_Union[_application_pb2.ApplicationForm, _Mapping]] = ..., corrected_fields: _Optional[_Iterable[str]] = ...) -> None: ...

class LicenseChange(_message.Message):
    __slots__ = ("item", "label_zh", "label_en", "before", "after")
    ITEM_FIELD_NUMBER: _ClassVar[int]
    LABEL_ZH_FIELD_NUMBER: _ClassVar[int]
    LABEL_EN_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    item: str
    label_zh: str
    label_en: str
    before: str
    after: str
    def __init__(self, item: _Optional[str] = ..., label_zh: _Optional[str] = ..., label_en: _Optional[str] = ..., before: _Optional[str] = ..., after: _Optional[str] = ...) -> None: ...

class ChangeLicenseResponse(_message.Message):
    __slots__ = ("context", "status", "license", "changes")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LICENSE_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.CommandContext
    status: _common_pb2.StepStatus
    license: License
    changes: _containers.RepeatedCompositeFieldContainer[LicenseChange]
    def __init__(self, context: _Optional[_Union[_common_pb2.CommandContext, _Mapping]] = ..., status: _Optional[_Union[_common_pb2.StepStatus, _Mapping]] = ..., license: _Optional[_Union[License, _Mapping]] = ..., changes: _Optional[_Iterable[_Union[LicenseChange, _Mapping]]] = ...) -> None: ...

class GetLicenseRequest(_message.Message):
    __slots__ = ("uscc", "case_id")
    USCC_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    uscc: str
    case_id: str
    def __init__(self, uscc: _Optional[str] = ..., case_id: _Optional[str] = ...) -> None: ...

class GetLicenseResponse(_message.Message):
    __slots__ = ("license", "pdf")
    LICENSE_FIELD_NUMBER: _ClassVar[int]
    PDF_FIELD_NUMBER: _ClassVar[int]
    license: License
    pdf: bytes
    def __init__(self, license: _Optional[_Union[License, _Mapping]] = ..., pdf: _Optional[bytes] = ...) -> None: ...

class GetLicenseStatusRequest(_message.Message):
    __slots__ = ("uscc", "license_number")
    USCC_FIELD_NUMBER: _ClassVar[int]
    LICENSE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    uscc: str
    license_number: str
    def __init__(self, uscc: _Optional[str] = ..., license_number: _Optional[str] = ...) -> None: ...

class GetLicenseStatusResponse(_message.Message):
    __slots__ = ("uscc", "status", "company_name", "revocation_reason", "revoked_at", "legal_representative", "issued_at", "license_number", "version", "date_of_establishment", "revocation_category", "changed_at")
    USCC_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    COMPANY_NAME_FIELD_NUMBER: _ClassVar[int]
    REVOCATION_REASON_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    LEGAL_REPRESENTATIVE_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    LICENSE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DATE_OF_ESTABLISHMENT_FIELD_NUMBER: _ClassVar[int]
    REVOCATION_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    uscc: str
    status: LicenseStatus
    company_name: str
    revocation_reason: str
    revoked_at: _timestamp_pb2.Timestamp
    legal_representative: str
    issued_at: _timestamp_pb2.Timestamp
    license_number: str
    version: int
    date_of_establishment: str
    revocation_category: RevocationCategory
    changed_at: _timestamp_pb2.Timestamp
    def __init__(self, uscc: _Optional[str] = ..., status: _Optional[_Union[LicenseStatus, str]] = ..., company_name: _Optional[str] = ..., revocation_reason: _Optional[str] = ..., revoked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., legal_representative: _Optional[str] = ..., issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., license_number: _Optional[str] = ..., version: _Optional[int] = ..., date_of_establishment: _Optional[str] = ..., revocation_category: _Optional[_Union[RevocationCategory, str]] = ..., changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LookUpLicenseStatusRequest(_message.Message):
    __slots__ = ("uscc",)
    USCC_FIELD_NUMBER: _ClassVar[int]
    uscc: str
    def __init__(self, uscc: _Optional[str] = ...) -> None: ...

class LookUpLicenseStatusResponse(_message.Message):
    __slots__ = ("license",)
    LICENSE_FIELD_NUMBER: _ClassVar[int]
    license: GetLicenseStatusResponse
    def __init__(self, license: _Optional[_Union[GetLicenseStatusResponse, _Mapping]] = ...) -> None: ...

class LicenseIssued(_message.Message):
    __slots__ = ("case_id", "license")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    LICENSE_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    license: License
    def __init__(self, case_id: _Optional[str] = ..., license: _Optional[_Union[License, _Mapping]] = ...) -> None: ...

class LicenseChanged(_message.Message):
    __slots__ = ("case_id", "license", "changes")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    LICENSE_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    license: License
    changes: _containers.RepeatedCompositeFieldContainer[LicenseChange]
    def __init__(self, case_id: _Optional[str] = ..., license: _Optional[_Union[License, _Mapping]] = ..., changes: _Optional[_Iterable[_Union[LicenseChange, _Mapping]]] = ...) -> None: ...

class LicenseRevoked(_message.Message):
    __slots__ = ("case_id", "uscc", "reason", "revoked_at")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    USCC_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    uscc: str
    reason: str
    revoked_at: _timestamp_pb2.Timestamp
    def __init__(self, case_id: _Optional[str] = ..., uscc: _Optional[str] = ..., reason: _Optional[str] = ..., revoked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListTasksRequest(_message.Message):
    __slots__ = ("query",)
    QUERY_FIELD_NUMBER: _ClassVar[int]
    query: _desk_pb2.TaskQuery
    def __init__(self, query: _Optional[_Union[_desk_pb2.TaskQuery, _Mapping]] = ...) -> None: ...

class ListTasksResponse(_message.Message):
    __slots__ = ("tasks", "next_page_token")
    TASKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[_desk_pb2.DeskTask]
    next_page_token: str
    def __init__(self, tasks: _Optional[_Iterable[_Union[_desk_pb2.DeskTask, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetTaskRequest(_message.Message):
    __slots__ = ("task_id",)
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    def __init__(self, task_id: _Optional[str] = ...) -> None: ...

class GetTaskResponse(_message.Message):
    __slots__ = ("task", "form", "review_reasons")
    TASK_FIELD_NUMBER: _ClassVar[int]
    FORM_FIELD_NUMBER: _ClassVar[int]
    REVIEW_REASONS_FIELD_NUMBER: _ClassVar[int]
    task: _desk_pb2.DeskTask
    form: _application_pb2.ApplicationForm
    review_reasons: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, task: _Optional[_Union[_desk_pb2.DeskTask, _Mapping]] = ..., form: _Optional[_Union[_application_pb2.ApplicationForm, _Mapping]] = ..., review_reasons: _Optional[_Iterable[str]] = ...) -> None: ...

class ClaimTaskRequest(_message.Message):
    __slots__ = ("task_id",)
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    def __init__(self, task_id: _Optional[str] = ...) -> None: ...

class ClaimTaskResponse(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: _desk_pb2.DeskTask
    def __init__(self, task: _Optional[_Union[_desk_pb2.DeskTask, _Mapping]] = ...) -> None: ...

class ApproveTaskRequest(_message.Message):
    __slots__ = ("task_id", "comment")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    comment: str
    def __init__(self, task_id: _Optional[str] = ..., comment: _Optional[str] = ...) -> None: ...

class ApproveTaskResponse(_message.Message):
    __slots__ = ("task", "license")
    TASK_FIELD_NUMBER: _ClassVar[int]
    LICENSE_FIELD_NUMBER: _ClassVar[int]
    task: _desk_pb2.DeskTask
    license: License
    def __init__(self, task: _Optional[_Union[_desk_pb2.DeskTask, _Mapping]] = ..., license: _Optional[_Union[License, _Mapping]] = ...) -> None: ...

class RejectTaskRequest(_message.Message):
    __slots__ = ("task_id", "reason", "rejections")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REJECTIONS_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    reason: str
    rejections: _containers.RepeatedCompositeFieldContainer[_common_pb2.Rejection]
    def __init__(self, task_id: _Optional[str] = ..., reason: _Optional[str] = ..., rejections: _Optional[_Iterable[_Union[_common_pb2.Rejection, _Mapping]]] = ...) -> None: ...

class RejectTaskResponse(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: _desk_pb2.DeskTask
    def __init__(self, task: _Optional[_Union[_desk_pb2.DeskTask, _Mapping]] = ...) -> None: ...

class RequestCorrectionRequest(_message.Message):
    __slots__ = ("task_id", "reason", "rejections")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REJECTIONS_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    reason: str
    rejections: _containers.RepeatedCompositeFieldContainer[_common_pb2.Rejection]
    def __init__(self, task_id: _Optional[str] = ..., reason: _Optional[str] = ..., rejections: _Optional[_Iterable[_Union[_common_pb2.Rejection, _Mapping]]] = ...) -> None: ...

class RequestCorrectionResponse(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: _desk_pb2.DeskTask
    def __init__(self, task: _Optional[_Union[_desk_pb2.DeskTask, _Mapping]] = ...) -> None: ...

class ExplainDecisionRequest(_message.Message):
    __slots__ = ("case_id",)
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    def __init__(self, case_id: _Optional[str] = ...) -> None: ...

class ExplainDecisionResponse(_message.Message):
    __slots__ = ("case_id", "ruleset_version", "data_version", "inputs_json", "approved", "reasons", "decided_at", "enabled", "replay_matches")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    RULESET_VERSION_FIELD_NUMBER: _ClassVar[int]
    DATA_VERSION_FIELD_NUMBER: _ClassVar[int]
    INPUTS_JSON_FIELD_NUMBER: _ClassVar[int]
    APPROVED_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    REPLAY_MATCHES_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    ruleset_version: str
    data_version: str
    inputs_json: str
    approved: bool
    reasons: _containers.RepeatedScalarFieldContainer[str]
    decided_at: _timestamp_pb2.Timestamp
    enabled: bool
    replay_matches: bool
    def __init__(self, case_id: _Optional[str] = ..., ruleset_version: _Optional[str] = ..., data_version: _Optional[str] = ..., inputs_json: _Optional[str] = ..., approved: _Optional[bool] = ..., reasons: _Optional[_Iterable[str]] = ..., decided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., enabled: _Optional[bool] = ..., replay_matches: _Optional[bool] = ...) -> None: ...

class CreditEntry(_message.Message):
    __slots__ = ("entry_id", "subject_kind", "subject_id", "person_name", "reason", "origin", "listed_at", "removed_at", "source")
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_KIND_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    LISTED_AT_FIELD_NUMBER: _ClassVar[int]
    REMOVED_AT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    entry_id: int
    subject_kind: CreditSubjectKind
    subject_id: str
    person_name: str
    reason: str
    origin: str
    listed_at: _timestamp_pb2.Timestamp
    removed_at: _timestamp_pb2.Timestamp
    source: str
    def __init__(self, entry_id: _Optional[int] = ..., subject_kind: _Optional[_Union[CreditSubjectKind, str]] = ..., subject_id: _Optional[str] = ..., person_name: _Optional[str] = ..., reason: _Optional[str] = ..., origin: _Optional[str] = ..., listed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., removed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., source: _Optional[str] = ...) -> None: ...

class ListCreditEntriesRequest(_message.Message):
    __slots__ = ("include_removed",)
    INCLUDE_REMOVED_FIELD_NUMBER: _ClassVar[int]
    include_removed: bool
    def __init__(self, include_removed: _Optional[bool] = ...) -> None: ...

class ListCreditEntriesResponse(_message.Message):
    __slots__ = ("entries", "seed_version")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    SEED_VERSION_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[CreditEntry]
    seed_version: str
    def __init__(self, entries: _Optional[_Iterable[_Union[CreditEntry, _Mapping]]] = ..., seed_version: _Optional[str] = ...) -> None: ...

class AddCreditEntryRequest(_message.Message):
    __slots__ = ("subject_kind", "subject_id", "person_name", "reason", "source")
    SUBJECT_KIND_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    subject_kind: CreditSubjectKind
    subject_id: str
    person_name: str
    reason: str
    source: str
    def __init__(self, subject_kind: _Optional[_Union[CreditSubjectKind, str]] = ..., subject_id: _Optional[str] = ..., person_name: _Optional[str] = ..., reason: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class AddCreditEntryResponse(_message.Message):
    __slots__ = ("entry",)
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    entry: CreditEntry
    def __init__(self, entry: _Optional[_Union[CreditEntry, _Mapping]] = ...) -> None: ...

class RemoveCreditEntryRequest(_message.Message):
    __slots__ = ("entry_id", "reason")
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    entry_id: int
    reason: str
    def __init__(self, entry_id: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class RemoveCreditEntryResponse(_message.Message):
    __slots__ = ("entry",)
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    entry: CreditEntry
    def __init__(self, entry: _Optional[_Union[CreditEntry, _Mapping]] = ...) -> None: ...
