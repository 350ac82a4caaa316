from onestop.common.v1 import limits_pb2 as _limits_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PlatformKey(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PLATFORM_KEY_UNSPECIFIED: _ClassVar[PlatformKey]
    PLATFORM_KEY_REGISTRATION: _ClassVar[PlatformKey]
    PLATFORM_KEY_PLATFORM: _ClassVar[PlatformKey]

class DocMdp(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DOC_MDP_UNSPECIFIED: _ClassVar[DocMdp]
    DOC_MDP_FILL_FORMS: _ClassVar[DocMdp]
    DOC_MDP_NO_CHANGES: _ClassVar[DocMdp]
    DOC_MDP_ANNOTATE: _ClassVar[DocMdp]
PLATFORM_KEY_UNSPECIFIED: PlatformKey
PLATFORM_KEY_REGISTRATION: PlatformKey
PLATFORM_KEY_PLATFORM: PlatformKey
DOC_MDP_UNSPECIFIED: DocMdp
DOC_MDP_FILL_FORMS: DocMdp
DOC_MDP_NO_CHANGES: DocMdp
DOC_MDP_ANNOTATE: DocMdp

class WrappedKey(_message.Message):
    __slots__ = ("encrypted_key", "certificate_der", "chain_der")
    ENCRYPTED_KEY_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_DER_FIELD_NUMBER: _ClassVar[int]
    CHAIN_DER_FIELD_NUMBER: _ClassVar[int]
    encrypted_key: bytes
    certificate_der: bytes
    chain_der: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, encrypted_key: _Optional[bytes] = ..., certificate_der: _Optional[bytes] = ..., chain_der: _Optional[_Iterable[bytes]] = ...) -> None: ...

class Box(_message.Message):
    __slots__ = ("x1", "y1", "x2", "y2")
    X1_FIELD_NUMBER: _ClassVar[int]
    Y1_FIELD_NUMBER: _ClassVar[int]
    X2_FIELD_NUMBER: _ClassVar[int]
    Y2_FIELD_NUMBER: _ClassVar[int]
    x1: float
    y1: float
    x2: float
    y2: float
    def __init__(self, x1: _Optional[float] = ..., y1: _Optional[float] = ..., x2: _Optional[float] = ..., y2: _Optional[float] = ...) -> None: ...

class Appearance(_message.Message):
    __slots__ = ("pdf", "box", "page")
    PDF_FIELD_NUMBER: _ClassVar[int]
    BOX_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    pdf: bytes
    box: Box
    page: int
    def __init__(self, pdf: _Optional[bytes] = ..., box: _Optional[_Union[Box, _Mapping]] = ..., page: _Optional[int] = ...) -> None: ...

class FieldSpec(_message.Message):
    __slots__ = ("name", "page", "box")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    BOX_FIELD_NUMBER: _ClassVar[int]
    name: str
    page: int
    box: Box
    def __init__(self, name: _Optional[str] = ..., page: _Optional[int] = ..., box: _Optional[_Union[Box, _Mapping]] = ...) -> None: ...

class Attachment(_message.Message):
    __slots__ = ("name", "data", "mime", "description")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    MIME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    data: bytes
    mime: str
    description: str
    def __init__(self, name: _Optional[str] = ..., data: _Optional[bytes] = ..., mime: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class PersonKey(_message.Message):
    __slots__ = ("name", "masked_id_number", "person_digest")
    NAME_FIELD_NUMBER: _ClassVar[int]
    MASKED_ID_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PERSON_DIGEST_FIELD_NUMBER: _ClassVar[int]
    name: str
    masked_id_number: str
    person_digest: str
    def __init__(self, name: _Optional[str] = ..., masked_id_number: _Optional[str] = ..., person_digest: _Optional[str] = ...) -> None: ...

class SignPdfRequest(_message.Message):
    __slots__ = ("pdf", "platform_key", "wrapped_key", "person", "field_name", "reason", "location", "timestamp", "certify", "docmdp", "appearance", "embed_validation", "crls", "extra_certificates", "attachments", "lta", "extra_empty_fields")
    PDF_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_KEY_FIELD_NUMBER: _ClassVar[int]
    WRAPPED_KEY_FIELD_NUMBER: _ClassVar[int]
    PERSON_FIELD_NUMBER: _ClassVar[int]
    FIELD_NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    CERTIFY_FIELD_NUMBER: _ClassVar[int]
    DOCMDP_FIELD_NUMBER: _ClassVar[int]
    APPEARANCE_FIELD_NUMBER: _ClassVar[int]
    EMBED_VALIDATION_FIELD_NUMBER: _ClassVar[int]
    CRLS_FIELD_NUMBER: _ClassVar[int]
    EXTRA_CERTIFICATES_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    LTA_FIELD_NUMBER: _ClassVar[int]
    EXTRA_EMPTY_FIELDS_FIELD_NUMBER: _ClassVar[int]
    pdf: bytes
    platform_key: PlatformKey
    wrapped_key: WrappedKey
    person: PersonKey
    field_name: str
    reason: str
    location: str
    timestamp: bool
    certify: bool
    docmdp: DocMdp
    appearance: Appearance
    embed_validation: bool
    crls: _containers.RepeatedScalarFieldContainer[bytes]
    extra_certificates: _containers.RepeatedScalarFieldContainer[bytes]
    attachments: _containers.RepeatedCompositeFieldContainer[Attachment]
    lta: bool
    extra_empty_fields: _containers.RepeatedCompositeFieldContainer[FieldSpec]
    def __init__(self, pdf: _Optional[bytes] = ..., platform_key: _Optional[_Union[PlatformKey, str]] = ..., wrapped_key: _Optional[_Union[WrappedKey, _Mapping]] = ..., person: _Optional[_Union[PersonKey, _Mapping]] = ..., field_name: _Optional[str] = ..., reason: _Optional[str] = ..., location: _Optional[str] = ..., timestamp: _Optional[bool] = ..., certify: _Optional[bool] = ..., docmdp: _Optional[_Union[DocMdp, str]] = ..., appearance: _Optional[_Union[Appearance, _Mapping]] = ..., embed_validation: _Optional[bool] = ..., crls: _Optional[_Iterable[bytes]] = ..., extra_certificates: _Optional[_Iterable[bytes]] = ..., attachments: _Optional[_Iterable[_Union[Attachment, _Mapping]]] = ..., lta: _Optional[bool] = ..., extra_empty_fields: _Optional[_Iterable[_Union[FieldSpec, _Mapping]]] = ...) -> None: ...

class SignPdfResponse(_message.Message):
    __slots__ = ("signed_pdf", "certificate_serial")
    SIGNED_PDF_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_SERIAL_FIELD_NUMBER: _ClassVar[int]
    signed_pdf: bytes
    certificate_serial: str
    def __init__(self, signed_pdf: _Optional[bytes] = ..., certificate_serial: _Optional[str] = ...) -> None: ...
