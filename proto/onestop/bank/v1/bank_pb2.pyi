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

class OpenAccountRequest(_message.Message):
    __slots__ = ("context", "uscc", "company_name", "legal_representative", "shareholders", "bank", "registered_capital", "finance_seal_code", "legal_rep_seal_code", "domicile")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    USCC_FIELD_NUMBER: _ClassVar[int]
    COMPANY_NAME_FIELD_NUMBER: _ClassVar[int]
    LEGAL_REPRESENTATIVE_FIELD_NUMBER: _ClassVar[int]
    SHAREHOLDERS_FIELD_NUMBER: _ClassVar[int]
    BANK_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_CAPITAL_FIELD_NUMBER: _ClassVar[int]
    FINANCE_SEAL_CODE_FIELD_NUMBER: _ClassVar[int]
    LEGAL_REP_SEAL_CODE_FIELD_NUMBER: _ClassVar[int]
    DOMICILE_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.CommandContext
    uscc: str
    company_name: str
    legal_representative: _common_pb2.Person
    shareholders: _containers.RepeatedCompositeFieldContainer[_application_pb2.Shareholder]
    bank: _application_pb2.BankChoice
    registered_capital: _common_pb2.Money
    finance_seal_code: str
    legal_rep_seal_code: str
    domicile: _common_pb2.Address
    def __init__(self, context: _Optional[_Union[_common_pb2.CommandContext, _Mapping]] = ..., uscc: _Optional[str] = ..., company_name: _Optional[str] = ..., legal_representative: _Optional[_Union[_common_pb2.Person, _Mapping]] = ..., shareholders: _Optional[_Iterable[_Union[_application_pb2.Shareholder, _Mapping]]] = ..., bank: _Optional[_Union[_application_pb2.BankChoice, _Mapping]] = ..., registered_capital: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., finance_seal_code: _Optional[str] = ..., legal_rep_seal_code: _Optional[str] = ..., domicile: _Optional[_Union[_common_pb2.Address, _Mapping]] = ...) -> None: ...

class DueDiligenceCheck(_message.Message):
    __slots__ = ("check", "passed", "detail")
    CHECK_FIELD_NUMBER: _ClassVar[int]
    PASSED_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    check: str
    passed: bool
    detail: str
    def __init__(self, check: _Optional[str] = ..., passed: _Optional[bool] = ..., detail: _Optional[str] = ...) -> None: ...

class BeneficialOwner(_message.Message):
    __slots__ = ("name", "id_number_masked", "share")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ID_NUMBER_MASKED_FIELD_NUMBER: _ClassVar[int]
    SHARE_FIELD_NUMBER: _ClassVar[int]
    name: str
    id_number_masked: str
    share: str
    def __init__(self, name: _Optional[str] = ..., id_number_masked: _Optional[str] = ..., share: _Optional[str] = ...) -> None: ...

class Account(_message.Message):
    __slots__ = ("account_number", "bank_code", "bank_name", "branch_name", "account_type", "uscc", "company_name", "opened_at", "filing_number", "notice_number", "balance", "due_diligence", "beneficial_owners", "closed", "closed_at", "specimen_seal_codes", "filed_at", "filing_cancelled", "state", "risk_list_version")
    ACCOUNT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    BANK_CODE_FIELD_NUMBER: _ClassVar[int]
    BANK_NAME_FIELD_NUMBER: _ClassVar[int]
    BRANCH_NAME_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_TYPE_FIELD_NUMBER: _ClassVar[int]
    USCC_FIELD_NUMBER: _ClassVar[int]
    COMPANY_NAME_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_FIELD_NUMBER: _ClassVar[int]
    FILING_NUMBER_FIELD_NUMBER: _ClassVar[int]
    NOTICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    DUE_DILIGENCE_FIELD_NUMBER: _ClassVar[int]
    BENEFICIAL_OWNERS_FIELD_NUMBER: _ClassVar[int]
    CLOSED_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_FIELD_NUMBER: _ClassVar[int]
    SPECIMEN_SEAL_CODES_FIELD_NUMBER: _ClassVar[int]
    FILED_AT_FIELD_NUMBER: _ClassVar[int]
    FILING_CANCELLED_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RISK_LIST_VERSION_FIELD_NUMBER: _ClassVar[int]
    account_number: str
    bank_code: str
    bank_name: str
    branch_name: str
    account_type: str
    uscc: str
    company_name: str
    opened_at: _timestamp_pb2.Timestamp
    filing_number: str
    notice_number: str
    balance: _common_pb2.Money
    due_diligence: _containers.RepeatedCompositeFieldContainer[DueDiligenceCheck]
    beneficial_owners: _containers.RepeatedCompositeFieldContainer[BeneficialOwner]
    closed: bool
    closed_at: _timestamp_pb2.Timestamp
    specimen_seal_codes: _containers.RepeatedScalarFieldContainer[str]
    filed_at: _timestamp_pb2.Timestamp
    filing_cancelled: bool
    state: str
    risk_list_version: str
    def __init__(self, account_number: _Optional[str] = ..., bank_code: _Optional[str] = ..., bank_name: _Optional[str] = ..., branch_name: _Optional[str] = ..., account_type: _Optional[str] = ..., uscc: _Optional[str] = ..., company_name: _Optional[str] = ..., opened_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., filing_number: _Optional[str] = ..., notice_number: _Optional[str] = ..., balance: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., due_diligence: _Optional[_Iterable[_Union[DueDiligenceCheck, _Mapping]]] = ..., beneficial_owners: _Optional[_Iterable[_Union[BeneficialOwner, _Mapping]]] = ..., closed: _Optional[bool] = ..., closed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., specimen_seal_codes: _Optional[_Iterable[str]] = ..., filed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., filing_cancelled: _Optional[bool] = ..., state: _Optional[str] = ..., risk_list_version: _Optional[str] = ...) -> None: ...

class OpenAccountResponse(_message.Message):
    __slots__ = ("context", "status", "account")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.CommandContext
    status: _common_pb2.StepStatus
    account: Account
    def __init__(self, context: _Optional[_Union[_common_pb2.CommandContext, _Mapping]] = ..., status: _Optional[_Union[_common_pb2.StepStatus, _Mapping]] = ..., account: _Optional[_Union[Account, _Mapping]] = ...) -> None: ...

class CloseAccountRequest(_message.Message):
    __slots__ = ("context", "reason")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.CommandContext
    reason: str
    def __init__(self, context: _Optional[_Union[_common_pb2.CommandContext, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class CloseAccountResponse(_message.Message):
    __slots__ = ("context", "status", "account_number")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.CommandContext
    status: _common_pb2.StepStatus
    account_number: str
    def __init__(self, context: _Optional[_Union[_common_pb2.CommandContext, _Mapping]] = ..., status: _Optional[_Union[_common_pb2.StepStatus, _Mapping]] = ..., account_number: _Optional[str] = ...) -> None: ...

class GetAccountRequest(_message.Message):
    __slots__ = ("uscc",)
    USCC_FIELD_NUMBER: _ClassVar[int]
    uscc: str
    def __init__(self, uscc: _Optional[str] = ...) -> None: ...

class GetAccountResponse(_message.Message):
    __slots__ = ("account",)
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    account: Account
    def __init__(self, account: _Optional[_Union[Account, _Mapping]] = ...) -> None: ...

class Bank(_message.Message):
    __slots__ = ("bank_code", "name_zh", "name_en")
    BANK_CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_ZH_FIELD_NUMBER: _ClassVar[int]
    NAME_EN_FIELD_NUMBER: _ClassVar[int]
    bank_code: str
    name_zh: str
    name_en: str
    def __init__(self, bank_code: _Optional[str] = ..., name_zh: _Optional[str] = ..., name_en: _Optional[str] = ...) -> None: ...

class ListBanksRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListBanksResponse(_message.Message):
    __slots__ = ("banks",)
    BANKS_FIELD_NUMBER: _ClassVar[int]
    banks: _containers.RepeatedCompositeFieldContainer[Bank]
    def __init__(self, banks: _Optional[_Iterable[_Union[Bank, _Mapping]]] = ...) -> None: ...

class AccountOpened(_message.Message):
    __slots__ = ("case_id", "account")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    account: Account
    def __init__(self, case_id: _Optional[str] = ..., account: _Optional[_Union[Account, _Mapping]] = ...) -> None: ...

class AccountClosed(_message.Message):
    __slots__ = ("case_id", "account_number", "reason")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    account_number: str
    reason: str
    def __init__(self, case_id: _Optional[str] = ..., account_number: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class GetTaskResponse(_message.Message):
    __slots__ = ("task", "account", "due_diligence")
    TASK_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    DUE_DILIGENCE_FIELD_NUMBER: _ClassVar[int]
    task: _desk_pb2.DeskTask
    account: Account
    due_diligence: _containers.RepeatedCompositeFieldContainer[DueDiligenceCheck]
    def __init__(self, task: _Optional[_Union[_desk_pb2.DeskTask, _Mapping]] = ..., account: _Optional[_Union[Account, _Mapping]] = ..., due_diligence: _Optional[_Iterable[_Union[DueDiligenceCheck, _Mapping]]] = ...) -> None: ...

class ApproveTaskResponse(_message.Message):
    __slots__ = ("task", "account")
    TASK_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    task: _desk_pb2.DeskTask
    account: Account
    def __init__(self, task: _Optional[_Union[_desk_pb2.DeskTask, _Mapping]] = ..., account: _Optional[_Union[Account, _Mapping]] = ...) -> None: ...
