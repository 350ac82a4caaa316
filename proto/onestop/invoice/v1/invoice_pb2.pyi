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

class TaxpayerState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TAXPAYER_STATE_UNSPECIFIED: _ClassVar[TaxpayerState]
    TAXPAYER_STATE_PENDING_APPROVAL: _ClassVar[TaxpayerState]
    TAXPAYER_STATE_ACTIVE: _ClassVar[TaxpayerState]
    TAXPAYER_STATE_REJECTED: _ClassVar[TaxpayerState]
    TAXPAYER_STATE_CANCELLED: _ClassVar[TaxpayerState]

class VatStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VAT_STATUS_UNSPECIFIED: _ClassVar[VatStatus]
    VAT_STATUS_SMALL_SCALE: _ClassVar[VatStatus]
    VAT_STATUS_GENERAL: _ClassVar[VatStatus]

class CreditLineChangeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CREDIT_LINE_CHANGE_KIND_UNSPECIFIED: _ClassVar[CreditLineChangeKind]
    CREDIT_LINE_CHANGE_KIND_GRANTED: _ClassVar[CreditLineChangeKind]
    CREDIT_LINE_CHANGE_KIND_ADJUSTED: _ClassVar[CreditLineChangeKind]

class RedLetterParty(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RED_LETTER_PARTY_UNSPECIFIED: _ClassVar[RedLetterParty]
    RED_LETTER_PARTY_SELLER: _ClassVar[RedLetterParty]
    RED_LETTER_PARTY_BUYER: _ClassVar[RedLetterParty]

class RedLetterFormState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RED_LETTER_FORM_STATE_UNSPECIFIED: _ClassVar[RedLetterFormState]
    RED_LETTER_FORM_STATE_PENDING: _ClassVar[RedLetterFormState]
    RED_LETTER_FORM_STATE_CONFIRMED: _ClassVar[RedLetterFormState]
    RED_LETTER_FORM_STATE_DECLINED: _ClassVar[RedLetterFormState]
    RED_LETTER_FORM_STATE_WITHDRAWN: _ClassVar[RedLetterFormState]
    RED_LETTER_FORM_STATE_EXPIRED: _ClassVar[RedLetterFormState]
TAXPAYER_STATE_UNSPECIFIED: TaxpayerState
TAXPAYER_STATE_PENDING_APPROVAL: TaxpayerState
TAXPAYER_STATE_ACTIVE: TaxpayerState
TAXPAYER_STATE_REJECTED: TaxpayerState
TAXPAYER_STATE_CANCELLED: TaxpayerState
VAT_STATUS_UNSPECIFIED: VatStatus
VAT_STATUS_SMALL_SCALE: VatStatus
VAT_STATUS_GENERAL: VatStatus
CREDIT_LINE_CHANGE_KIND_UNSPECIFIED: CreditLineChangeKind
CREDIT_LINE_CHANGE_KIND_GRANTED: CreditLineChangeKind
CREDIT_LINE_CHANGE_KIND_ADJUSTED: CreditLineChangeKind
RED_LETTER_PARTY_UNSPECIFIED: RedLetterParty
RED_LETTER_PARTY_SELLER: RedLetterParty
RED_LETTER_PARTY_BUYER: RedLetterParty
RED_LETTER_FORM_STATE_UNSPECIFIED: RedLetterFormState
RED_LETTER_FORM_STATE_PENDING: RedLetterFormState
RED_LETTER_FORM_STATE_CONFIRMED: RedLetterFormState
RED_LETTER_FORM_STATE_DECLINED: RedLetterFormState
RED_LETTER_FORM_STATE_WITHDRAWN: RedLetterFormState
RED_LETTER_FORM_STATE_EXPIRED: RedLetterFormState

class RegisterTaxpayerRequest(_message.Message):
    __slots__ = ("context", "uscc", "company_name", "legal_representative", "invoice", "division_code", "domicile", "enterprise_type")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    USCC_FIELD_NUMBER: _ClassVar[int]
    COMPANY_NAME_FIELD_NUMBER: _ClassVar[int]
    LEGAL_REPRESENTATIVE_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    DIVISION_CODE_FIELD_NUMBER: _ClassVar[int]
    DOMICILE_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_TYPE_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.CommandContext
    uscc: str
    company_name: str
    legal_representative: _common_pb2.Person
    invoice: _application_pb2.InvoiceNeeds
    division_code: str
    domicile: _common_pb2.Address
    enterprise_type: _application_pb2.EnterpriseType
    def __init__(self, context: _Optional[_Union[_common_pb2.CommandContext, _Mapping]] = ..., uscc: _Optional[str] = ..., company_name: _Optional[str] = ..., legal_representative: _Optional[_Union[_common_pb2.Person, _Mapping]] = ..., invoice: _Optional[_Union[_application_pb2.InvoiceNeeds, _Mapping]] = ..., division_code: _Optional[str] = ..., domicile: _Optional[_Union[_common_pb2.Address, _Mapping]] = ..., enterprise_type: _Optional[_Union[_application_pb2.EnterpriseType, str]] = ...) -> None: ...

class RuleReference(_message.Message):
    __slots__ = ("rule", "value", "verified", "source")
    RULE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    rule: str
    value: str
    verified: str
    source: str
    def __init__(self, rule: _Optional[str] = ..., value: _Optional[str] = ..., verified: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class InvoiceQuota(_message.Message):
    __slots__ = ("kinds", "max_amount_per_invoice", "monthly_quantity", "credit_line", "credit_used", "quantity_used", "month", "credit_remaining", "quantity_remaining", "credit_line_basis")
    KINDS_FIELD_NUMBER: _ClassVar[int]
    MAX_AMOUNT_PER_INVOICE_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LINE_FIELD_NUMBER: _ClassVar[int]
    CREDIT_USED_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_USED_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    CREDIT_REMAINING_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_REMAINING_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LINE_BASIS_FIELD_NUMBER: _ClassVar[int]
    kinds: _containers.RepeatedScalarFieldContainer[_application_pb2.InvoiceKind]
    max_amount_per_invoice: _common_pb2.Money
    monthly_quantity: int
    credit_line: _common_pb2.Money
    credit_used: _common_pb2.Money
    quantity_used: int
    month: str
    credit_remaining: _common_pb2.Money
    quantity_remaining: int
    credit_line_basis: str
    def __init__(self, kinds: _Optional[_Iterable[_Union[_application_pb2.InvoiceKind, str]]] = ..., max_amount_per_invoice: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., monthly_quantity: _Optional[int] = ..., credit_line: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., credit_used: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., quantity_used: _Optional[int] = ..., month: _Optional[str] = ..., credit_remaining: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., quantity_remaining: _Optional[int] = ..., credit_line_basis: _Optional[str] = ...) -> None: ...

class CreditLineChange(_message.Message):
    __slots__ = ("taxpayer_id", "kind", "old_credit_line", "new_credit_line", "changed_by", "changed_at", "reason")
    TAXPAYER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    OLD_CREDIT_LINE_FIELD_NUMBER: _ClassVar[int]
    NEW_CREDIT_LINE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_BY_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    taxpayer_id: str
    kind: CreditLineChangeKind
    old_credit_line: _common_pb2.Money
    new_credit_line: _common_pb2.Money
    changed_by: str
    changed_at: _timestamp_pb2.Timestamp
    reason: str
    def __init__(self, taxpayer_id: _Optional[str] = ..., kind: _Optional[_Union[CreditLineChangeKind, str]] = ..., old_credit_line: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., new_credit_line: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., changed_by: _Optional[str] = ..., changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class Taxpayer(_message.Message):
    __slots__ = ("taxpayer_id", "company_name", "tax_office", "vat_status", "vat_status_legal_basis", "vat_rate", "quota", "legal_representative_name", "legal_representative_id_masked", "finance_contact_name", "registered_at", "cancelled", "cancelled_at", "state", "finance_contact_id_masked", "division_code", "rules")
    TAXPAYER_ID_FIELD_NUMBER: _ClassVar[int]
    COMPANY_NAME_FIELD_NUMBER: _ClassVar[int]
    TAX_OFFICE_FIELD_NUMBER: _ClassVar[int]
    VAT_STATUS_FIELD_NUMBER: _ClassVar[int]
    VAT_STATUS_LEGAL_BASIS_FIELD_NUMBER: _ClassVar[int]
    VAT_RATE_FIELD_NUMBER: _ClassVar[int]
    QUOTA_FIELD_NUMBER: _ClassVar[int]
    LEGAL_REPRESENTATIVE_NAME_FIELD_NUMBER: _ClassVar[int]
    LEGAL_REPRESENTATIVE_ID_MASKED_FIELD_NUMBER: _ClassVar[int]
    FINANCE_CONTACT_NAME_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_AT_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_AT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    FINANCE_CONTACT_ID_MASKED_FIELD_NUMBER: _ClassVar[int]
    DIVISION_CODE_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    taxpayer_id: str
    company_name: str
    tax_office: str
    vat_status: VatStatus
    vat_status_legal_basis: str
    vat_rate: str
    quota: InvoiceQuota
    legal_representative_name: str
    legal_representative_id_masked: str
    finance_contact_name: str
    registered_at: _timestamp_pb2.Timestamp
    cancelled: bool
    cancelled_at: _timestamp_pb2.Timestamp
    state: TaxpayerState
    finance_contact_id_masked: str
    division_code: str
    rules: _containers.RepeatedCompositeFieldContainer[RuleReference]
    def __init__(self, taxpayer_id: _Optional[str] = ..., company_name: _Optional[str] = ..., tax_office: _Optional[str] = ..., vat_status: _Optional[_Union[VatStatus, str]] = ..., vat_status_legal_basis: _Optional[str] = ..., vat_rate: _Optional[str] = ..., quota: _Optional[_Union[InvoiceQuota, _Mapping]] = ..., legal_representative_name: _Optional[str] = ..., legal_representative_id_masked: _Optional[str] = ..., finance_contact_name: _Optional[str] = ..., registered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cancelled: _Optional[bool] = ..., cancelled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[_Union[TaxpayerState, str]] = ..., finance_contact_id_masked: _Optional[str] = ..., division_code: _Optional[str] = ..., rules: _Optional[_Iterable[_Union[RuleReference, _Mapping]]] = ...) -> None: ...

class RegisterTaxpayerResponse(_message.Message):
    __slots__ = ("context", "status", "taxpayer")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TAXPAYER_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.CommandContext
    status: _common_pb2.StepStatus
    taxpayer: Taxpayer
    def __init__(self, context: _Optional[_Union[_common_pb2.CommandContext, _Mapping]] = ..., status: _Optional[_Union[_common_pb2.StepStatus, _Mapping]] = ..., taxpayer: _Optional[_Union[Taxpayer, _Mapping]] = ...) -> None: ...

class CancelTaxRegistrationRequest(_message.Message):
    __slots__ = ("context", "reason")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.CommandContext
    reason: str
    def __init__(self, context: _Optional[_Union[_common_pb2.CommandContext, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelTaxRegistrationResponse(_message.Message):
    __slots__ = ("context", "status", "taxpayer_id", "reversed_invoice_numbers", "original_invoice_numbers", "pending_form_numbers")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TAXPAYER_ID_FIELD_NUMBER: _ClassVar[int]
    REVERSED_INVOICE_NUMBERS_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_INVOICE_NUMBERS_FIELD_NUMBER: _ClassVar[int]
    PENDING_FORM_NUMBERS_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.CommandContext
    status: _common_pb2.StepStatus
    taxpayer_id: str
    reversed_invoice_numbers: _containers.RepeatedScalarFieldContainer[str]
    original_invoice_numbers: _containers.RepeatedScalarFieldContainer[str]
    pending_form_numbers: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, context: _Optional[_Union[_common_pb2.CommandContext, _Mapping]] = ..., status: _Optional[_Union[_common_pb2.StepStatus, _Mapping]] = ..., taxpayer_id: _Optional[str] = ..., reversed_invoice_numbers: _Optional[_Iterable[str]] = ..., original_invoice_numbers: _Optional[_Iterable[str]] = ..., pending_form_numbers: _Optional[_Iterable[str]] = ...) -> None: ...

class GetTaxpayerRequest(_message.Message):
    __slots__ = ("taxpayer_id", "case_id")
    TAXPAYER_ID_FIELD_NUMBER: _ClassVar[int]
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    taxpayer_id: str
    case_id: str
    def __init__(self, taxpayer_id: _Optional[str] = ..., case_id: _Optional[str] = ...) -> None: ...

class GetTaxpayerResponse(_message.Message):
    __slots__ = ("taxpayer", "invoices", "credit_line_history", "red_letter_forms")
    TAXPAYER_FIELD_NUMBER: _ClassVar[int]
    INVOICES_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LINE_HISTORY_FIELD_NUMBER: _ClassVar[int]
    RED_LETTER_FORMS_FIELD_NUMBER: _ClassVar[int]
    taxpayer: Taxpayer
    invoices: _containers.RepeatedCompositeFieldContainer[Invoice]
    credit_line_history: _containers.RepeatedCompositeFieldContainer[CreditLineChange]
    red_letter_forms: _containers.RepeatedCompositeFieldContainer[RedLetterForm]
    def __init__(self, taxpayer: _Optional[_Union[Taxpayer, _Mapping]] = ..., invoices: _Optional[_Iterable[_Union[Invoice, _Mapping]]] = ..., credit_line_history: _Optional[_Iterable[_Union[CreditLineChange, _Mapping]]] = ..., red_letter_forms: _Optional[_Iterable[_Union[RedLetterForm, _Mapping]]] = ...) -> None: ...

class InvoiceLine(_message.Message):
    __slots__ = ("description", "quantity", "unit_price", "amount", "tax_rate", "tax", "vat_exempt", "reverses_line")
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    TAX_RATE_FIELD_NUMBER: _ClassVar[int]
    TAX_FIELD_NUMBER: _ClassVar[int]
    VAT_EXEMPT_FIELD_NUMBER: _ClassVar[int]
    REVERSES_LINE_FIELD_NUMBER: _ClassVar[int]
    description: str
    quantity: str
    unit_price: str
    amount: str
    tax_rate: str
    tax: str
    vat_exempt: bool
    reverses_line: int
    def __init__(self, description: _Optional[str] = ..., quantity: _Optional[str] = ..., unit_price: _Optional[str] = ..., amount: _Optional[str] = ..., tax_rate: _Optional[str] = ..., tax: _Optional[str] = ..., vat_exempt: _Optional[bool] = ..., reverses_line: _Optional[int] = ...) -> None: ...

class Invoice(_message.Message):
    __slots__ = ("number", "kind", "seller_taxpayer_id", "buyer_name", "buyer_taxpayer_id", "lines", "total_amount", "total_tax", "total_with_tax", "issued_at", "reverses", "reversed_by", "rules", "reason", "red_letter_numbers", "reversed_amount", "left_amount", "left_with_tax", "booked_at", "confirmation_number")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SELLER_TAXPAYER_ID_FIELD_NUMBER: _ClassVar[int]
    BUYER_NAME_FIELD_NUMBER: _ClassVar[int]
    BUYER_TAXPAYER_ID_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TAX_FIELD_NUMBER: _ClassVar[int]
    TOTAL_WITH_TAX_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    REVERSES_FIELD_NUMBER: _ClassVar[int]
    REVERSED_BY_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    RED_LETTER_NUMBERS_FIELD_NUMBER: _ClassVar[int]
    REVERSED_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    LEFT_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    LEFT_WITH_TAX_FIELD_NUMBER: _ClassVar[int]
    BOOKED_AT_FIELD_NUMBER: _ClassVar[int]
    CONFIRMATION_NUMBER_FIELD_NUMBER: _ClassVar[int]
    number: str
    kind: _application_pb2.InvoiceKind
    seller_taxpayer_id: str
    buyer_name: str
    buyer_taxpayer_id: str
    lines: _containers.RepeatedCompositeFieldContainer[InvoiceLine]
    total_amount: _common_pb2.Money
    total_tax: _common_pb2.Money
    total_with_tax: _common_pb2.Money
    issued_at: _timestamp_pb2.Timestamp
    reverses: str
    reversed_by: str
    rules: _containers.RepeatedCompositeFieldContainer[RuleReference]
    reason: str
    red_letter_numbers: _containers.RepeatedScalarFieldContainer[str]
    reversed_amount: _common_pb2.Money
    left_amount: _common_pb2.Money
    left_with_tax: _common_pb2.Money
    booked_at: _timestamp_pb2.Timestamp
    confirmation_number: str
    def __init__(self, number: _Optional[str] = ..., kind: _Optional[_Union[_application_pb2.InvoiceKind, str]] = ..., seller_taxpayer_id: _Optional[str] = ..., buyer_name: _Optional[str] = ..., buyer_taxpayer_id: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[InvoiceLine, _Mapping]]] = ..., total_amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., total_tax: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., total_with_tax: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reverses: _Optional[str] = ..., reversed_by: _Optional[str] = ..., rules: _Optional[_Iterable[_Union[RuleReference, _Mapping]]] = ..., reason: _Optional[str] = ..., red_letter_numbers: _Optional[_Iterable[str]] = ..., reversed_amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., left_amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., left_with_tax: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., booked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., confirmation_number: _Optional[str] = ...) -> None: ...

class IssueInvoiceRequest(_message.Message):
    __slots__ = ("taxpayer_id", "kind", "buyer_name", "buyer_taxpayer_id", "lines", "idempotency_key")
    TAXPAYER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    BUYER_NAME_FIELD_NUMBER: _ClassVar[int]
    BUYER_TAXPAYER_ID_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    taxpayer_id: str
    kind: _application_pb2.InvoiceKind
    buyer_name: str
    buyer_taxpayer_id: str
    lines: _containers.RepeatedCompositeFieldContainer[InvoiceLine]
    idempotency_key: str
    def __init__(self, taxpayer_id: _Optional[str] = ..., kind: _Optional[_Union[_application_pb2.InvoiceKind, str]] = ..., buyer_name: _Optional[str] = ..., buyer_taxpayer_id: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[InvoiceLine, _Mapping]]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class IssueInvoiceResponse(_message.Message):
    __slots__ = ("invoice", "quota")
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    QUOTA_FIELD_NUMBER: _ClassVar[int]
    invoice: Invoice
    quota: InvoiceQuota
    def __init__(self, invoice: _Optional[_Union[Invoice, _Mapping]] = ..., quota: _Optional[_Union[InvoiceQuota, _Mapping]] = ...) -> None: ...

class IssueRedLetterInvoiceRequest(_message.Message):
    __slots__ = ("taxpayer_id", "invoice_number", "reason", "idempotency_key", "lines", "amount")
    TAXPAYER_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    taxpayer_id: str
    invoice_number: str
    reason: str
    idempotency_key: str
    lines: _containers.RepeatedCompositeFieldContainer[RedLetterLine]
    amount: str
    def __init__(self, taxpayer_id: _Optional[str] = ..., invoice_number: _Optional[str] = ..., reason: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[RedLetterLine, _Mapping]]] = ..., amount: _Optional[str] = ...) -> None: ...

class RedLetterLine(_message.Message):
    __slots__ = ("line_number", "amount")
    LINE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    line_number: int
    amount: str
    def __init__(self, line_number: _Optional[int] = ..., amount: _Optional[str] = ...) -> None: ...

class IssueRedLetterInvoiceResponse(_message.Message):
    __slots__ = ("invoice", "quota")
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    QUOTA_FIELD_NUMBER: _ClassVar[int]
    invoice: Invoice
    quota: InvoiceQuota
    def __init__(self, invoice: _Optional[_Union[Invoice, _Mapping]] = ..., quota: _Optional[_Union[InvoiceQuota, _Mapping]] = ...) -> None: ...

class RecordInvoiceBookingRequest(_message.Message):
    __slots__ = ("seller_taxpayer_id", "invoice_number")
    SELLER_TAXPAYER_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    seller_taxpayer_id: str
    invoice_number: str
    def __init__(self, seller_taxpayer_id: _Optional[str] = ..., invoice_number: _Optional[str] = ...) -> None: ...

class RecordInvoiceBookingResponse(_message.Message):
    __slots__ = ("invoice",)
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    invoice: Invoice
    def __init__(self, invoice: _Optional[_Union[Invoice, _Mapping]] = ...) -> None: ...

class RedLetterForm(_message.Message):
    __slots__ = ("number", "seller_taxpayer_id", "buyer_taxpayer_id", "blue_invoice_number", "requested_by", "requested_at", "expires_at", "state", "lines", "total_amount", "total_tax", "total_with_tax", "reason", "answered_by", "answered_at", "answer_reason", "red_letter_invoice_number", "rules")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    SELLER_TAXPAYER_ID_FIELD_NUMBER: _ClassVar[int]
    BUYER_TAXPAYER_ID_FIELD_NUMBER: _ClassVar[int]
    BLUE_INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TAX_FIELD_NUMBER: _ClassVar[int]
    TOTAL_WITH_TAX_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_BY_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_AT_FIELD_NUMBER: _ClassVar[int]
    ANSWER_REASON_FIELD_NUMBER: _ClassVar[int]
    RED_LETTER_INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    number: str
    seller_taxpayer_id: str
    buyer_taxpayer_id: str
    blue_invoice_number: str
    requested_by: RedLetterParty
    requested_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    state: RedLetterFormState
    lines: _containers.RepeatedCompositeFieldContainer[InvoiceLine]
    total_amount: _common_pb2.Money
    total_tax: _common_pb2.Money
    total_with_tax: _common_pb2.Money
    reason: str
    answered_by: RedLetterParty
    answered_at: _timestamp_pb2.Timestamp
    answer_reason: str
    red_letter_invoice_number: str
    rules: _containers.RepeatedCompositeFieldContainer[RuleReference]
    def __init__(self, number: _Optional[str] = ..., seller_taxpayer_id: _Optional[str] = ..., buyer_taxpayer_id: _Optional[str] = ..., blue_invoice_number: _Optional[str] = ..., requested_by: _Optional[_Union[RedLetterParty, str]] = ..., requested_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[_Union[RedLetterFormState, str]] = ..., lines: _Optional[_Iterable[_Union[InvoiceLine, _Mapping]]] = ..., total_amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., total_tax: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., total_with_tax: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., reason: _Optional[str] = ..., answered_by: _Optional[_Union[RedLetterParty, str]] = ..., answered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., answer_reason: _Optional[str] = ..., red_letter_invoice_number: _Optional[str] = ..., rules: _Optional[_Iterable[_Union[RuleReference, _Mapping]]] = ...) -> None: ...

class RequestRedLetterFormRequest(_message.Message):
    __slots__ = ("seller_taxpayer_id", "invoice_number", "acting_as", "lines", "amount", "reason", "idempotency_key")
    SELLER_TAXPAYER_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ACTING_AS_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    seller_taxpayer_id: str
    invoice_number: str
    acting_as: RedLetterParty
    lines: _containers.RepeatedCompositeFieldContainer[RedLetterLine]
    amount: str
    reason: str
    idempotency_key: str
    def __init__(self, seller_taxpayer_id: _Optional[str] = ..., invoice_number: _Optional[str] = ..., acting_as: _Optional[_Union[RedLetterParty, str]] = ..., lines: _Optional[_Iterable[_Union[RedLetterLine, _Mapping]]] = ..., amount: _Optional[str] = ..., reason: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class RequestRedLetterFormResponse(_message.Message):
    __slots__ = ("form",)
    FORM_FIELD_NUMBER: _ClassVar[int]
    form: RedLetterForm
    def __init__(self, form: _Optional[_Union[RedLetterForm, _Mapping]] = ...) -> None: ...

class ConfirmRedLetterFormRequest(_message.Message):
    __slots__ = ("seller_taxpayer_id", "form_number", "acting_as")
    SELLER_TAXPAYER_ID_FIELD_NUMBER: _ClassVar[int]
    FORM_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ACTING_AS_FIELD_NUMBER: _ClassVar[int]
    seller_taxpayer_id: str
    form_number: str
    acting_as: RedLetterParty
    def __init__(self, seller_taxpayer_id: _Optional[str] = ..., form_number: _Optional[str] = ..., acting_as: _Optional[_Union[RedLetterParty, str]] = ...) -> None: ...

class ConfirmRedLetterFormResponse(_message.Message):
    __slots__ = ("form", "invoice")
    FORM_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    form: RedLetterForm
    invoice: Invoice
    def __init__(self, form: _Optional[_Union[RedLetterForm, _Mapping]] = ..., invoice: _Optional[_Union[Invoice, _Mapping]] = ...) -> None: ...

class DeclineRedLetterFormRequest(_message.Message):
    __slots__ = ("seller_taxpayer_id", "form_number", "acting_as", "reason")
    SELLER_TAXPAYER_ID_FIELD_NUMBER: _ClassVar[int]
    FORM_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ACTING_AS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    seller_taxpayer_id: str
    form_number: str
    acting_as: RedLetterParty
    reason: str
    def __init__(self, seller_taxpayer_id: _Optional[str] = ..., form_number: _Optional[str] = ..., acting_as: _Optional[_Union[RedLetterParty, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class DeclineRedLetterFormResponse(_message.Message):
    __slots__ = ("form",)
    FORM_FIELD_NUMBER: _ClassVar[int]
    form: RedLetterForm
    def __init__(self, form: _Optional[_Union[RedLetterForm, _Mapping]] = ...) -> None: ...

class GetRedLetterFormRequest(_message.Message):
    __slots__ = ("seller_taxpayer_id", "form_number")
    SELLER_TAXPAYER_ID_FIELD_NUMBER: _ClassVar[int]
    FORM_NUMBER_FIELD_NUMBER: _ClassVar[int]
    seller_taxpayer_id: str
    form_number: str
    def __init__(self, seller_taxpayer_id: _Optional[str] = ..., form_number: _Optional[str] = ...) -> None: ...

class GetRedLetterFormResponse(_message.Message):
    __slots__ = ("form", "blue_invoice")
    FORM_FIELD_NUMBER: _ClassVar[int]
    BLUE_INVOICE_FIELD_NUMBER: _ClassVar[int]
    form: RedLetterForm
    blue_invoice: Invoice
    def __init__(self, form: _Optional[_Union[RedLetterForm, _Mapping]] = ..., blue_invoice: _Optional[_Union[Invoice, _Mapping]] = ...) -> None: ...

class TaxpayerRegistered(_message.Message):
    __slots__ = ("case_id", "taxpayer")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    TAXPAYER_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    taxpayer: Taxpayer
    def __init__(self, case_id: _Optional[str] = ..., taxpayer: _Optional[_Union[Taxpayer, _Mapping]] = ...) -> None: ...

class TaxRegistrationCancelled(_message.Message):
    __slots__ = ("case_id", "taxpayer_id", "reversed_invoice_numbers", "original_invoice_numbers", "pending_form_numbers")
    CASE_ID_FIELD_NUMBER: _ClassVar[int]
    TAXPAYER_ID_FIELD_NUMBER: _ClassVar[int]
    REVERSED_INVOICE_NUMBERS_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_INVOICE_NUMBERS_FIELD_NUMBER: _ClassVar[int]
    PENDING_FORM_NUMBERS_FIELD_NUMBER: _ClassVar[int]
    case_id: str
    taxpayer_id: str
    reversed_invoice_numbers: _containers.RepeatedScalarFieldContainer[str]
    original_invoice_numbers: _containers.RepeatedScalarFieldContainer[str]
    pending_form_numbers: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, case_id: _Optional[str] = ..., taxpayer_id: _Optional[str] = ..., reversed_invoice_numbers: _Optional[_Iterable[str]] = ..., original_invoice_numbers: _Optional[_Iterable[str]] = ..., pending_form_numbers: _Optional[_Iterable[str]] = ...) -> None: ...

class GetTaskResponse(_message.Message):
    __slots__ = ("task", "taxpayer", "requested")
    TASK_FIELD_NUMBER: _ClassVar[int]
    TAXPAYER_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_FIELD_NUMBER: _ClassVar[int]
    task: _desk_pb2.DeskTask
    taxpayer: Taxpayer
    requested: _application_pb2.InvoiceNeeds
    def __init__(self, task: _Optional[_Union[_desk_pb2.DeskTask, _Mapping]] = ..., taxpayer: _Optional[_Union[Taxpayer, _Mapping]] = ..., requested: _Optional[_Union[_application_pb2.InvoiceNeeds, _Mapping]] = ...) -> None: ...

class ApproveTaskRequest(_message.Message):
    __slots__ = ("task_id", "kinds", "max_amount_per_invoice", "monthly_quantity", "credit_line", "vat_status", "comment")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    MAX_AMOUNT_PER_INVOICE_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LINE_FIELD_NUMBER: _ClassVar[int]
    VAT_STATUS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    kinds: _containers.RepeatedScalarFieldContainer[_application_pb2.InvoiceKind]
    max_amount_per_invoice: _common_pb2.Money
    monthly_quantity: int
    credit_line: _common_pb2.Money
    vat_status: VatStatus
    comment: str
    def __init__(self, task_id: _Optional[str] = ..., kinds: _Optional[_Iterable[_Union[_application_pb2.InvoiceKind, str]]] = ..., max_amount_per_invoice: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., monthly_quantity: _Optional[int] = ..., credit_line: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., vat_status: _Optional[_Union[VatStatus, str]] = ..., comment: _Optional[str] = ...) -> None: ...

class ApproveTaskResponse(_message.Message):
    __slots__ = ("task", "taxpayer")
    TASK_FIELD_NUMBER: _ClassVar[int]
    TAXPAYER_FIELD_NUMBER: _ClassVar[int]
    task: _desk_pb2.DeskTask
    taxpayer: Taxpayer
    def __init__(self, task: _Optional[_Union[_desk_pb2.DeskTask, _Mapping]] = ..., taxpayer: _Optional[_Union[Taxpayer, _Mapping]] = ...) -> None: ...

class AdjustCreditLineRequest(_message.Message):
    __slots__ = ("taxpayer_id", "credit_line", "reason", "idempotency_key")
    TAXPAYER_ID_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LINE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    taxpayer_id: str
    credit_line: _common_pb2.Money
    reason: str
    idempotency_key: str
    def __init__(self, taxpayer_id: _Optional[str] = ..., credit_line: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., reason: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class AdjustCreditLineResponse(_message.Message):
    __slots__ = ("taxpayer", "change", "credit_line_history")
    TAXPAYER_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    CREDIT_LINE_HISTORY_FIELD_NUMBER: _ClassVar[int]
    taxpayer: Taxpayer
    change: CreditLineChange
    credit_line_history: _containers.RepeatedCompositeFieldContainer[CreditLineChange]
    def __init__(self, taxpayer: _Optional[_Union[Taxpayer, _Mapping]] = ..., change: _Optional[_Union[CreditLineChange, _Mapping]] = ..., credit_line_history: _Optional[_Iterable[_Union[CreditLineChange, _Mapping]]] = ...) -> None: ...
