"""One base error for every OneStop component, each kind tagged with an ``ErrorCode``.

Errors carry a bilingual message and, for bad input, the list of rejections (field + rule +
Chinese + English) so callers can show each problem next to its field. Nothing here knows a
transport: the gRPC layer maps each code to a status once (``grpc_status.grpc_code``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar


class ErrorCode(StrEnum):
    """What kind of failure an error is; named after the gRPC codes they travel as."""

    INVALID_ARGUMENT = "invalid_argument"
    NOT_FOUND = "not_found"
    FAILED_PRECONDITION = "failed_precondition"
    ALREADY_EXISTS = "already_exists"
    UNAUTHENTICATED = "unauthenticated"
    PERMISSION_DENIED = "permission_denied"
    UNAVAILABLE = "unavailable"
    RESOURCE_EXHAUSTED = "resource_exhausted"
    INTERNAL = "internal"


@dataclass(frozen=True)
class RuleViolation:
    """A broken rule (mirrors onestop.common.v1.Rejection without depending on protobuf)."""

    field: str
    rule: str
    message_zh: str
    message_en: str
    # The person or row the field belongs to ("股东 王芳" / "shareholder 王芳"), and whose rule
    # it is; filled where the whole application is checked (the orchestrator).
    subject_zh: str = ""
    subject_en: str = ""
    participant: str = ""


class OneStopError(Exception):
    code: ClassVar[ErrorCode] = ErrorCode.INTERNAL

    def __init__(
        self,
        message: str,
        *,
        message_zh: str = "",
        violations: Sequence[RuleViolation] = (),
        reason: str = "",
        info: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.message_zh = message_zh
        self.violations = tuple(violations)
        # Why, as a constant a program can branch on (google.rpc.ErrorInfo.reason, UPPER_SNAKE):
        # the code's own name unless the raiser knows a more precise one.
        self.reason = reason or self.code.name
        # Facts a program may use (ErrorInfo.metadata, lowerCamelCase keys): a limit, a state.
        self.info = dict(info or {})

    def __str__(self) -> str:
        if self.message_zh:
            return f"{self.message} / {self.message_zh}"
        return self.message


class InvalidInput(OneStopError):
    code = ErrorCode.INVALID_ARGUMENT

    @classmethod
    def of(cls, violations: Sequence[RuleViolation], *, reason: str = "") -> InvalidInput:
        first = violations[0]
        more = f" (+{len(violations) - 1} more)" if len(violations) > 1 else ""
        return cls(
            f"{first.field}: {first.message_en}{more}",
            message_zh=f"{first.field}：{first.message_zh}{more}",
            violations=violations,
            reason=reason,
        )


class NotFound(OneStopError):
    code = ErrorCode.NOT_FOUND


class Conflict(OneStopError):
    """The request is fine but the state does not allow it now (e.g. a task already decided)."""

    code = ErrorCode.FAILED_PRECONDITION


class AlreadyExists(OneStopError):
    code = ErrorCode.ALREADY_EXISTS


class Unauthenticated(OneStopError):
    code = ErrorCode.UNAUTHENTICATED


class PermissionDenied(OneStopError):
    code = ErrorCode.PERMISSION_DENIED


class ResourceExhausted(OneStopError):
    """The caller holds as much of a shared resource as one caller may (open streams)."""

    code = ErrorCode.RESOURCE_EXHAUSTED


class Unavailable(OneStopError):
    """A dependency is down; the caller may retry."""

    code = ErrorCode.UNAVAILABLE


def violation(field: str, rule: str, zh: str, en: str) -> RuleViolation:
    return RuleViolation(field=field, rule=rule, message_zh=zh, message_en=en)
