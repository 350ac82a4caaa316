"""Conversions between protobuf messages and Python values: timestamps, Decimal money, rejections
(and those a google.rpc.Status carries), and a message as someone not entitled to the people's
numbers in it sees it. Protobuf only: the gRPC status code an error travels as is
``onestop_common.grpc_status``'s."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from google.rpc import status_pb2

from onestop.common.v1 import common_pb2
from onestop_common.clock import SHANGHAI
from onestop_common.errors import InvalidInput, RuleViolation, violation
from onestop_common.identifiers import mask_account_number, mask_id_number, mask_phone

M = TypeVar("M", bound=Message)


def timestamp(value: datetime | None) -> Timestamp:
    ts = Timestamp()
    if value is not None:
        if value.tzinfo is None:
            raise ValueError("naive datetime: every OneStop time is timezone-aware")
        ts.FromDatetime(value.astimezone(UTC))
    return ts


def set_time(field: Timestamp, value: datetime | None) -> None:
    """Sets a message's optional time; no time leaves the field unset."""
    if value is not None:
        field.CopyFrom(timestamp(value))


def enum_values(enum: EnumTypeWrapper, prefix: str, names: Iterable[str]) -> dict[str, int]:
    """Each name as the code keeps it ("awaiting_applicant") to the proto enum's value of the
    same name after ``prefix`` ("CASE_STATE_AWAITING_APPLICANT")."""
    return {name: enum.Value(f"{prefix}_{name.upper()}") for name in names}


def from_timestamp(ts: Timestamp) -> datetime | None:
    if ts.seconds == 0 and ts.nanos == 0:
        return None
    return ts.ToDatetime(tzinfo=UTC).astimezone(SHANGHAI)


def money(amount: Decimal, currency: str = "CNY") -> common_pb2.Money:
    return common_pb2.Money(amount=format(amount, "f"), currency=currency)


def parse_decimal(text: str, field: str) -> Decimal:
    """A decimal string from a message; anything else is an InvalidInput naming the field."""
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError) as exc:
        raise InvalidInput.of(
            [
                violation(
                    field,
                    "decimal",
                    f"“{text}”不是有效的金额/数值",
                    f"'{text}' is not a decimal number",
                )
            ]
        ) from exc
    if not value.is_finite():
        raise InvalidInput.of(
            [violation(field, "decimal", "数值必须是有限数", "must be a finite number")]
        )
    return value


def parse_date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except (ValueError, TypeError) as exc:
        raise InvalidInput.of(
            [
                violation(
                    field,
                    "date",
                    f"“{text}”不是 YYYY-MM-DD 格式的日期",
                    f"'{text}' is not a YYYY-MM-DD date",
                )
            ]
        ) from exc


# A RuleViolation mirrors a Rejection: the same fields under the same names.
_REJECTION_FIELDS = tuple(f.name for f in dataclasses.fields(RuleViolation))


def rejection(v: RuleViolation) -> common_pb2.Rejection:
    return common_pb2.Rejection(**{name: getattr(v, name) for name in _REJECTION_FIELDS})


def rejections(violations: Iterable[RuleViolation]) -> list[common_pb2.Rejection]:
    return [rejection(v) for v in violations]


def violations_of(items: Iterable[common_pb2.Rejection]) -> tuple[RuleViolation, ...]:
    return tuple(
        RuleViolation(**{name: getattr(r, name) for name in _REJECTION_FIELDS}) for r in items
    )


def rejections_from_status(status: status_pb2.Status) -> Sequence[common_pb2.Rejection]:
    found: list[common_pb2.Rejection] = []
    for detail in status.details:
        box = common_pb2.Rejections()
        if detail.Unpack(box):
            found.extend(box.rejections)
    return found


CITIZEN_ID_TYPE = "citizen_id"
# A document type the form names by a number this version does not know (a newer or a forged
# client): the domains refuse it rather than guess.
UNKNOWN_ID_TYPE = "unknown"


# Fields that name a person or an account, and how each is shown to whoever may not see it whole.
_MASKS = {
    "id_number": mask_id_number,
    "social_security_number": mask_id_number,
    "phone": mask_phone,
    "account_number": mask_account_number,
}


def with_numbers_masked(message: M) -> M:
    """A copy of ``message`` with every ID number, phone and account number in it masked, at any
    depth: what a viewer who is not entitled to them sees."""
    copy = type(message)()
    copy.CopyFrom(message)
    _mask_in_place(copy)
    return copy


def _mask_in_place(message: Message) -> None:
    for descriptor, value in message.ListFields():
        if descriptor.message_type is not None:
            for item in [value] if isinstance(value, Message) else value:
                if isinstance(item, Message):
                    _mask_in_place(item)
        elif descriptor.name in _MASKS and isinstance(value, str):
            setattr(message, descriptor.name, _MASKS[descriptor.name](value))


def id_type_name(id_type: int) -> str:
    """The form's document type as the domains name it ("citizen_id", "passport", …); an
    unspecified type is read as the citizen ID (the form's default)."""
    if id_type in (common_pb2.ID_TYPE_UNSPECIFIED, common_pb2.ID_TYPE_CITIZEN_ID):
        return CITIZEN_ID_TYPE
    if id_type not in common_pb2.IdType.values():
        return UNKNOWN_ID_TYPE
    return common_pb2.IdType.Name(id_type).removeprefix("ID_TYPE_").lower()
