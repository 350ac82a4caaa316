import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from onestop.common.v1 import common_pb2 as _common_pb2
from onestop.common.v1 import limits_pb2 as _limits_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TaskState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TASK_STATE_UNSPECIFIED: _ClassVar[TaskState]
    TASK_STATE_OPEN: _ClassVar[TaskState]
    TASK_STATE_CLAIMED: _ClassVar[TaskState]
    TASK_STATE_AWAITING_APPLICANT: _ClassVar[TaskState]
    TASK_STATE_DONE: _ClassVar[TaskState]
    TASK_STATE_REJECTED: _ClassVar[TaskState]
    TASK_STATE_CANCELLED: _ClassVar[TaskState]
TASK_STATE_UNSPECIFIED: TaskState
TASK_STATE_OPEN: TaskState
TASK_STATE_CLAIMED: TaskState
TASK_STATE_AWAITING_APPLICANT: TaskState
TASK_STATE_DONE: TaskState
TASK_STATE_REJECTED: TaskState
TASK_STATE_CANCELLED: TaskState

class DeskTask(_message.Message):
    __slots__ = ("task_id", "case_id", "step", "state", "company_name", "uscc", "summary", "deadline", "claimed_by", "created_at", "assignee_org", "details", "reason", "decided_by", "decided_at")
    class DetailsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    COMPANY_NAME_FIELD_NUMBER: _ClassVar[int]
    USCC_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    CLAIMED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_ORG_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    case_id: str
    step: str
    state: TaskState
    company_name: str
    uscc: str
    summary: str
    deadline: _common_pb2.Deadline
    claimed_by: str
    created_at: _timestamp_pb2.Timestamp
    assignee_org: str
    details: _containers.ScalarMap[str, str]
    reason: str
    decided_by: str
    decided_at: _timestamp_pb2.Timestamp
    def __init__(self, task_id: _Optional[str] = ..., case_id: _Optional[str] = ..., step: _Optional[str] = ..., state: _Optional[_Union[TaskState, str]] = ..., company_name: _Optional[str] = ..., uscc: _Optional[str] = ..., summary: _Optional[str] = ..., deadline: _Optional[_Union[_common_pb2.Deadline, _Mapping]] = ..., claimed_by: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., assignee_org: _Optional[str] = ..., details: _Optional[_Mapping[str, str]] = ..., reason: _Optional[str] = ..., decided_by: _Optional[str] = ..., decided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TaskQuery(_message.Message):
    __slots__ = ("states", "page_size", "page_token", "decided_by_me", "active_since")
    STATES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_ME_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_SINCE_FIELD_NUMBER: _ClassVar[int]
    states: _containers.RepeatedScalarFieldContainer[TaskState]
    page_size: int
    page_token: str
    decided_by_me: bool
    active_since: _timestamp_pb2.Timestamp
    def __init__(self, states: _Optional[_Iterable[_Union[TaskState, str]]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., decided_by_me: _Optional[bool] = ..., active_since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListTasksRequest(_message.Message):
    __slots__ = ("query",)
    QUERY_FIELD_NUMBER: _ClassVar[int]
    query: TaskQuery
    def __init__(self, query: _Optional[_Union[TaskQuery, _Mapping]] = ...) -> None: ...

class ListTasksResponse(_message.Message):
    __slots__ = ("tasks", "next_page_token")
    TASKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[DeskTask]
    next_page_token: str
    def __init__(self, tasks: _Optional[_Iterable[_Union[DeskTask, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetTaskRequest(_message.Message):
    __slots__ = ("task_id",)
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    def __init__(self, task_id: _Optional[str] = ...) -> None: ...

class ClaimTaskRequest(_message.Message):
    __slots__ = ("task_id",)
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    def __init__(self, task_id: _Optional[str] = ...) -> None: ...

class ClaimTaskResponse(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: DeskTask
    def __init__(self, task: _Optional[_Union[DeskTask, _Mapping]] = ...) -> None: ...

class ApproveTaskRequest(_message.Message):
    __slots__ = ("task_id", "comment")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    comment: str
    def __init__(self, task_id: _Optional[str] = ..., comment: _Optional[str] = ...) -> None: ...

class RejectTaskRequest(_message.Message):
    __slots__ = ("task_id", "reason", "correctable", "fields")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CORRECTABLE_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    reason: str
    correctable: bool
    fields: _containers.RepeatedCompositeFieldContainer[_common_pb2.Rejection]
    def __init__(self, task_id: _Optional[str] = ..., reason: _Optional[str] = ..., correctable: _Optional[bool] = ..., fields: _Optional[_Iterable[_Union[_common_pb2.Rejection, _Mapping]]] = ...) -> None: ...

class RejectTaskResponse(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: DeskTask
    def __init__(self, task: _Optional[_Union[DeskTask, _Mapping]] = ...) -> None: ...
