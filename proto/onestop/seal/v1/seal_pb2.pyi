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

class SealState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEAL_STATE_UNSPECIFIED: _ClassVar[SealState]
    SEAL_STATE_ORDERED: _ClassVar[SealState]
    SEAL_STATE_ENGRAVED: _ClassVar[SealState]
    SEAL_STATE_ACTIVE: _ClassVar[SealState]
    SEAL_STATE_REVOKED: _ClassVar[SealState]
    SEAL_STATE_CANCELLED: _ClassVar[SealState]

class SignerCapacity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SIGNER_CAPACITY_UNSPECIFIED: _ClassVar[SignerCapacity]
    SIGNER_CAPACITY_OWNER: _ClassVar[SignerCapacity]
    SIGNER_CAPACITY_AUTHORISED_USER: _ClassVar[SignerCapacity]
    SIGNER_CAPACITY_ADMINISTRATOR: _ClassVar[SignerCapacity]

class FilingState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FILING_STATE_UNSPECIFIED: _ClassVar[FilingState]
    FILING_STATE_FILED: _ClassVar[FilingState]
    FILING_STATE_CANCELLED: _ClassVar[FilingState]
SEAL_STATE_UNSPECIFIED: SealState
SEAL_STATE_ORDERED: SealState
SEAL_STATE_ENGRAVED: SealState
SEAL_STATE_ACTIVE: SealState
SEAL_STATE_REVOKED: SealState
SEAL_STATE_CANCELLED: SealState
SIGNER_CAPACITY_UNSPECIFIED: SignerCapacity
SIGNER_CAPACITY_OWNER: SignerCapacity
SIGNER_CAPACITY_AUTHORISED_USER: SignerCapacity
SIGNER_CAPACITY_ADMINISTRATOR: SignerCapacity
FILING_STATE_UNSPECIFIED: FilingState
FILING_STATE_FILED: FilingState
FILING_STATE_CANCELLED: FilingState

class IssueSealsRequest(_message.Message):
    __slots__ = ("context", "uscc", "company_name", "legal_representative_name", "division_code", "seals", "invoice_kinds")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    USCC_FIELD_NUMBER: _ClassVar[int]
    COMPANY_NAME_FIELD_NUMBER: _ClassVar[int]
    LEGAL_REPRESENTATIVE_NAME_FIELD_NUMBER: _ClassVar[int]
    DIVISION_CODE_FIELD_NUMBER: _ClassVar[int]
    SEALS_FIELD_NUMBER: _ClassVar[int]
    INVOICE_KINDS_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.CommandContext
    uscc: str
    company_name: str
    legal_representative_name: str
    division_code: str
    seals: _containers.RepeatedCompositeFieldContainer[_application_pb2.SealRequest]
    invoice_kinds: _containers.RepeatedScalarFieldContainer[_application_pb2.InvoiceKind]
    def __init__(self, context: _Optional[_Union[_common_pb2.CommandContext, _Mapping]] = ..., uscc: _Optional[str] = ..., company_name: _Optional[str] = ..., legal_representative_name: _Optional[str] = ..., division_code: _Optional[str] = ..., seals: _Optional[_Iterable[_Union[_application_pb2.SealRequest, _Mapping]]] = ..., invoice_kinds: _Optional[_Iterable[_Union[_application_pb2.InvoiceKind, str]]] = ...) -> None: ...

class Seal(_message.Message):
    __slots__ = ("seal_code", "kind", "state", "physical", "electronic", "width_mm", "height_mm", "text", "certificate_pem", "certificate_serial", "certificate_not_before", "certificate_not_after", "filing_number", "filed_at", "impression_pdf", "revoked_at", "engraved_at", "uscc", "company_name")
    SEAL_CODE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PHYSICAL_FIELD_NUMBER: _ClassVar[int]
    ELECTRONIC_FIELD_NUMBER: _ClassVar[int]
    WIDTH_MM_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_MM_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_PEM_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_SERIAL_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_NOT_BEFORE_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_NOT_AFTER_FIELD_NUMBER: _ClassVar[int]
    FILING_NUMBER_FIELD_NUMBER: _ClassVar[int]
    FILED_AT_FIELD_NUMBER: _ClassVar[int]
    IMPRESSION_PDF_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    ENGRAVED_AT_FIELD_NUMBER: _ClassVar[int]
    USCC_FIELD_NUMBER: _ClassVar[int]
    COMPANY_NAME_FIELD_NUMBER: _ClassVar[int]
    seal_code: str
    kind: _application_pb2.SealKind
    state: SealState
    physical: bool
    electronic: bool
    width_mm: float
    height_mm: float
    text: str
    certificate_pem: str
    certificate_serial: str
    certificate_not_before: _timestamp_pb2.Timestamp
    certificate_not_after: _timestamp_pb2.Timestamp
    filing_number: str
    filed_at: _timestamp_pb2.Timestamp
    impression_pdf: bytes
    revoked_at: _timestamp_pb2.Timestamp
    engraved_at: _timestamp_pb2.Timestamp
    uscc: str
    company_name: str
    def __init__(self, seal_code: _Optional[str] = ..., kind: _Optional[_Union[_application_pb2.SealKind, str]] = ..., state: _Optional[_Union[SealState, str]] = ..., physical: _Optional[bool] = ..., electronic: _Optional[bool] = ..., width_mm: _Optional[float] = ..., height_mm: _Optional[float] = ..., text: _Optional[str] = ..., certificate_pem: _Optional[str] = ..., certificate_serial: _Optional[str] = ..., certificate_not_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., certificate_not_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., filing_number: _Optional[str] = ..., filed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., impression_pdf: _Optional[bytes] = ..., revoked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., engraved_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., uscc: _Optional[str] = ..., company_name: _Optional[str] = ...) -> None: ...

class IssueSealsResponse(_message.Message):
    __slots__ = ("context", "status", "seals", "seal_maker_id", "seal_maker_name")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SEALS_FIELD_NUMBER: _ClassVar[int]
    SEAL_MAKER_ID_FIELD_NUMBER: _ClassVar[int]
    SEAL_MAKER_NAME_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.CommandContext
    status: _common_pb2.StepStatus
    seals: _containers.RepeatedCompositeFieldContainer[Seal]
    seal_maker_id: str
    seal_maker_name: str
    def __init__(self, context: _Optional[_Union[_common_pb2.CommandContext, _Mapping]] = ..., status: _Optional[_Union[_common_pb2.StepStatus, _Mapping]] = ..., seals: _Optional[_Iterable[_Union[Seal, _Mapping]]] = ..., seal_maker_id: _Optional[str] = ..., seal_maker_name: _Optional[str] = ...) -> None: ...

class RevokeSealsRequest(_message.Message):
    __slots__ = ("context", "reason")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.CommandContext
    reason: str
    def __init__(self, context: _Optional[_Union[_common_pb2.CommandContext, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class RevokeSealsResponse(_message.Message):
    __slots__ = ("context", "status", "revoked_seal_codes", "crl_number")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REVOKED_SEAL_CODES_FIELD_NUMBER: _ClassVar[int]
    CRL_NUMBER_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.CommandContext
    status: _common_pb2.StepStatus
    revoked_seal_codes: _containers.RepeatedScalarFieldContainer[str]
    crl_number: int
    def __init__(self, context: _Optional[_Union[_common_pb2.CommandContext, _Mapping]] = ..., status: _Optional[_Union[_common_pb2.StepStatus, _Mapping]] = ..., revoked_seal_codes: _Optional[_Iterable[str]] = ..., crl_number: _Optional[int] = ...) -> None: ...

class ListSealsRequest(_message.Message):
    __slots__ = ("uscc", "case_id", "include_impressions")
    USCC_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_IMPRESSIONS_FIELD_NUMBER: _ClassVar[int]
    uscc: str
    case_id: str
    include_impressions: bool
    def __init__(self, uscc: _Optional[str] = ..., case_id: _Optional[str] = ..., include_impressions: _Optional[bool] = ...) -> None: ...

class ListSealsResponse(_message.Message):
    __slots__ = ("seals",)
    SEALS_FIELD_NUMBER: _ClassVar[int]
    seals: _containers.RepeatedCompositeFieldContainer[Seal]
    def __init__(self, seals: _Optional[_Iterable[_Union[Seal, _Mapping]]] = ...) -> None: ...

class SignPdfRequest(_message.Message):
    __slots__ = ("uscc", "seal_code", "pdf", "page", "x", "y", "reason", "location", "kind")
    USCC_FIELD_NUMBER: _ClassVar[int]
    SEAL_CODE_FIELD_NUMBER: _ClassVar[int]
    PDF_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    uscc: str
    seal_code: str
    pdf: bytes
    page: int
    x: float
    y: float
    reason: str
    location: str
    kind: _application_pb2.SealKind
    def __init__(self, uscc: _Optional[str] = ..., seal_code: _Optional[str] = ..., pdf: _Optional[bytes] = ..., page: _Optional[int] = ..., x: _Optional[float] = ..., y: _Optional[float] = ..., reason: _Optional[str] = ..., location: _Optional[str] = ..., kind: _Optional[_Union[_application_pb2.SealKind, str]] = ...) -> None: ...

class SignPdfResponse(_message.Message):
    __slots__ = ("signed_pdf", "field_name", "seal_code", "certificate_serial")
    SIGNED_PDF_FIELD_NUMBER: _ClassVar[int]
    FIELD_NAME_FIELD_NUMBER: _ClassVar[int]
    SEAL_CODE_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_SERIAL_FIELD_NUMBER: _ClassVar[int]
    signed_pdf: bytes
    field_name: str
    seal_code: str
    certificate_serial: str
    def __init__(self, signed_pdf: _Optional[bytes] = ..., field_name: _Optional[str] = ..., seal_code: _Optional[str] = ..., certificate_serial: _Optional[str] = ...) -> None: ...

class Signer(_message.Message):
    __slots__ = ("uscc", "subject", "kinds", "valid_until", "granted_by", "granted_at", "revoked_at", "revoked_by", "revoke_reason", "note", "active")
    USCC_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    GRANTED_BY_FIELD_NUMBER: _ClassVar[int]
    GRANTED_AT_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    REVOKED_BY_FIELD_NUMBER: _ClassVar[int]
    REVOKE_REASON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    uscc: str
    subject: str
    kinds: _containers.RepeatedScalarFieldContainer[_application_pb2.SealKind]
    valid_until: _timestamp_pb2.Timestamp
    granted_by: str
    granted_at: _timestamp_pb2.Timestamp
    revoked_at: _timestamp_pb2.Timestamp
    revoked_by: str
    revoke_reason: str
    note: str
    active: bool
    def __init__(self, uscc: _Optional[str] = ..., subject: _Optional[str] = ..., kinds: _Optional[_Iterable[_Union[_application_pb2.SealKind, str]]] = ..., valid_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., granted_by: _Optional[str] = ..., granted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoked_by: _Optional[str] = ..., revoke_reason: _Optional[str] = ..., note: _Optional[str] = ..., active: _Optional[bool] = ...) -> None: ...

class AuthoriseSignerRequest(_message.Message):
    __slots__ = ("uscc", "subject", "kinds", "valid_until", "note")
    USCC_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    uscc: str
    subject: str
    kinds: _containers.RepeatedScalarFieldContainer[_application_pb2.SealKind]
    valid_until: _timestamp_pb2.Timestamp
    note: str
    def __init__(self, uscc: _Optional[str] = ..., subject: _Optional[str] = ..., kinds: _Optional[_Iterable[_Union[_application_pb2.SealKind, str]]] = ..., valid_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., note: _Optional[str] = ...) -> None: ...

class AuthoriseSignerResponse(_message.Message):
    __slots__ = ("signer",)
    SIGNER_FIELD_NUMBER: _ClassVar[int]
    signer: Signer
    def __init__(self, signer: _Optional[_Union[Signer, _Mapping]] = ...) -> None: ...

class RevokeSignerRequest(_message.Message):
    __slots__ = ("uscc", "subject", "reason")
    USCC_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    uscc: str
    subject: str
    reason: str
    def __init__(self, uscc: _Optional[str] = ..., subject: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RevokeSignerResponse(_message.Message):
    __slots__ = ("signer",)
    SIGNER_FIELD_NUMBER: _ClassVar[int]
    signer: Signer
    def __init__(self, signer: _Optional[_Union[Signer, _Mapping]] = ...) -> None: ...

class ListSignersRequest(_message.Message):
    __slots__ = ("uscc", "include_revoked")
    USCC_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_REVOKED_FIELD_NUMBER: _ClassVar[int]
    uscc: str
    include_revoked: bool
    def __init__(self, uscc: _Optional[str] = ..., include_revoked: _Optional[bool] = ...) -> None: ...

class ListSignersResponse(_message.Message):
    __slots__ = ("signers", "caller_capacity")
    SIGNERS_FIELD_NUMBER: _ClassVar[int]
    CALLER_CAPACITY_FIELD_NUMBER: _ClassVar[int]
    signers: _containers.RepeatedCompositeFieldContainer[Signer]
    caller_capacity: SignerCapacity
    def __init__(self, signers: _Optional[_Iterable[_Union[Signer, _Mapping]]] = ..., caller_capacity: _Optional[_Union[SignerCapacity, str]] = ...) -> None: ...

class SealUsage(_message.Message):
    __slots__ = ("seal_code", "uscc", "kind", "signer", "capacity", "input_sha256", "signed_sha256", "field_name", "reason", "signed_at", "certificate_serial")
    SEAL_CODE_FIELD_NUMBER: _ClassVar[int]
    USCC_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SIGNER_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    INPUT_SHA256_FIELD_NUMBER: _ClassVar[int]
    SIGNED_SHA256_FIELD_NUMBER: _ClassVar[int]
    FIELD_NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SIGNED_AT_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_SERIAL_FIELD_NUMBER: _ClassVar[int]
    seal_code: str
    uscc: str
    kind: _application_pb2.SealKind
    signer: str
    capacity: SignerCapacity
    input_sha256: str
    signed_sha256: str
    field_name: str
    reason: str
    signed_at: _timestamp_pb2.Timestamp
    certificate_serial: str
    def __init__(self, seal_code: _Optional[str] = ..., uscc: _Optional[str] = ..., kind: _Optional[_Union[_application_pb2.SealKind, str]] = ..., signer: _Optional[str] = ..., capacity: _Optional[_Union[SignerCapacity, str]] = ..., input_sha256: _Optional[str] = ..., signed_sha256: _Optional[str] = ..., field_name: _Optional[str] = ..., reason: _Optional[str] = ..., signed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., certificate_serial: _Optional[str] = ...) -> None: ...

class ListSealUsagesRequest(_message.Message):
    __slots__ = ("uscc", "page_size", "page_token")
    USCC_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    uscc: str
    page_size: int
    page_token: str
    def __init__(self, uscc: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSealUsagesResponse(_message.Message):
    __slots__ = ("usages", "next_page_token")
    USAGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    usages: _containers.RepeatedCompositeFieldContainer[SealUsage]
    next_page_token: str
    def __init__(self, usages: _Optional[_Iterable[_Union[SealUsage, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetSealFilingRequest(_message.Message):
    __slots__ = ("seal_code",)
    SEAL_CODE_FIELD_NUMBER: _ClassVar[int]
    seal_code: str
    def __init__(self, seal_code: _Optional[str] = ...) -> None: ...

class GetSealFilingResponse(_message.Message):
    __slots__ = ("seal_code", "filing_number", "state", "filed_at", "cancelled_at", "uscc", "company_name", "kind", "seal_maker_id")
    SEAL_CODE_FIELD_NUMBER: _ClassVar[int]
    FILING_NUMBER_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    FILED_AT_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_AT_FIELD_NUMBER: _ClassVar[int]
    USCC_FIELD_NUMBER: _ClassVar[int]
    COMPANY_NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SEAL_MAKER_ID_FIELD_NUMBER: _ClassVar[int]
    seal_code: str
    filing_number: str
    state: FilingState
    filed_at: _timestamp_pb2.Timestamp
    cancelled_at: _timestamp_pb2.Timestamp
    uscc: str
    company_name: str
    kind: _application_pb2.SealKind
    seal_maker_id: str
    def __init__(self, seal_code: _Optional[str] = ..., filing_number: _Optional[str] = ..., state: _Optional[_Union[FilingState, str]] = ..., filed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cancelled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., uscc: _Optional[str] = ..., company_name: _Optional[str] = ..., kind: _Optional[_Union[_application_pb2.SealKind, str]] = ..., seal_maker_id: _Optional[str] = ...) -> None: ...

class LookUpSealFilingRequest(_message.Message):
    __slots__ = ("seal_code",)
    SEAL_CODE_FIELD_NUMBER: _ClassVar[int]
    seal_code: str
    def __init__(self, seal_code: _Optional[str] = ...) -> None: ...

class LookUpSealFilingResponse(_message.Message):
    __slots__ = ("filing",)
    FILING_FIELD_NUMBER: _ClassVar[int]
    filing: GetSealFilingResponse
    def __init__(self, filing: _Optional[_Union[GetSealFilingResponse, _Mapping]] = ...) -> None: ...

class GetCrlRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetCrlResponse(_message.Message):
    __slots__ = ("crl_der", "crl_number", "next_update")
    CRL_DER_FIELD_NUMBER: _ClassVar[int]
    CRL_NUMBER_FIELD_NUMBER: _ClassVar[int]
    NEXT_UPDATE_FIELD_NUMBER: _ClassVar[int]
    crl_der: bytes
    crl_number: int
    next_update: _timestamp_pb2.Timestamp
    def __init__(self, crl_der: _Optional[bytes] = ..., crl_number: _Optional[int] = ..., next_update: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SealsIssued(_message.Message):
    __slots__ = ("case_id", "uscc", "seals")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    USCC_FIELD_NUMBER: _ClassVar[int]
    SEALS_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    uscc: str
    seals: _containers.RepeatedCompositeFieldContainer[Seal]
    def __init__(self, case_id: _Optional[str] = ..., uscc: _Optional[str] = ..., seals: _Optional[_Iterable[_Union[Seal, _Mapping]]] = ...) -> None: ...

class SealsRevoked(_message.Message):
    __slots__ = ("case_id", "uscc", "seal_codes", "reason")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    USCC_FIELD_NUMBER: _ClassVar[int]
    SEAL_CODES_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    uscc: str
    seal_codes: _containers.RepeatedScalarFieldContainer[str]
    reason: str
    def __init__(self, case_id: _Optional[str] = ..., uscc: _Optional[str] = ..., seal_codes: _Optional[_Iterable[str]] = ..., reason: _Optional[str] = ...) -> None: ...

class GetTaskResponse(_message.Message):
    __slots__ = ("task", "seals")
    TASK_FIELD_NUMBER: _ClassVar[int]
    SEALS_FIELD_NUMBER: _ClassVar[int]
    task: _desk_pb2.DeskTask
    seals: _containers.RepeatedCompositeFieldContainer[Seal]
    def __init__(self, task: _Optional[_Union[_desk_pb2.DeskTask, _Mapping]] = ..., seals: _Optional[_Iterable[_Union[Seal, _Mapping]]] = ...) -> None: ...

class MarkEngravedRequest(_message.Message):
    __slots__ = ("task_id", "seal_codes")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    SEAL_CODES_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    seal_codes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, task_id: _Optional[str] = ..., seal_codes: _Optional[_Iterable[str]] = ...) -> None: ...

class MarkEngravedResponse(_message.Message):
    __slots__ = ("task", "seals")
    TASK_FIELD_NUMBER: _ClassVar[int]
    SEALS_FIELD_NUMBER: _ClassVar[int]
    task: _desk_pb2.DeskTask
    seals: _containers.RepeatedCompositeFieldContainer[Seal]
    def __init__(self, task: _Optional[_Union[_desk_pb2.DeskTask, _Mapping]] = ..., seals: _Optional[_Iterable[_Union[Seal, _Mapping]]] = ...) -> None: ...

class CompleteTaskRequest(_message.Message):
    __slots__ = ("task_id",)
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    def __init__(self, task_id: _Optional[str] = ...) -> None: ...

class CompleteTaskResponse(_message.Message):
    __slots__ = ("task", "seals")
    TASK_FIELD_NUMBER: _ClassVar[int]
    SEALS_FIELD_NUMBER: _ClassVar[int]
    task: _desk_pb2.DeskTask
    seals: _containers.RepeatedCompositeFieldContainer[Seal]
    def __init__(self, task: _Optional[_Union[_desk_pb2.DeskTask, _Mapping]] = ..., seals: _Optional[_Iterable[_Union[Seal, _Mapping]]] = ...) -> None: ...
