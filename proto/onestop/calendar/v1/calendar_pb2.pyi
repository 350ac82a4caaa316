from onestop.common.v1 import limits_pb2 as _limits_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListCalendarYearsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CalendarYear(_message.Message):
    __slots__ = ("year", "schedule_json", "sha256")
    YEAR_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_JSON_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    year: int
    schedule_json: str
    sha256: str
    def __init__(self, year: _Optional[int] = ..., schedule_json: _Optional[str] = ..., sha256: _Optional[str] = ...) -> None: ...

class ListCalendarYearsResponse(_message.Message):
    __slots__ = ("years",)
    YEARS_FIELD_NUMBER: _ClassVar[int]
    years: _containers.RepeatedCompositeFieldContainer[CalendarYear]
    def __init__(self, years: _Optional[_Iterable[_Union[CalendarYear, _Mapping]]] = ...) -> None: ...
