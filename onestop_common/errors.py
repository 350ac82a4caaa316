"""One base error for every OneStop component, each kind mapped once to a gRPC status code.

Errors carry a bilingual message and, for bad input, the list of rejections (field + rule +
Chinese + English) so callers can show each problem next to its field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import grpc


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
    status_code: grpc.StatusCode = grpc.StatusCode.INTERNAL

    def __init__(
        self,
        message: str,
        *,
        message_zh: str = "",
        violations: Sequence[RuleViolation] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.message_zh = message_zh
        self.violations = tuple(violations)

    def __str__(self) -> str:
        if self.message_zh:
            return f"{self.message} / {self.message_zh}"
        return self.message


class InvalidInput(OneStopError):
    status_code = grpc.StatusCode.INVALID_ARGUMENT

    @classmethod
    def of(cls, violations: Sequence[RuleViolation]) -> InvalidInput:
        first = violations[0]
        more = f" (+{len(violations) - 1} more)" if len(violations) > 1 else ""
        return cls(
            f"{first.field}: {first.message_en}{more}",
            message_zh=f"{first.field}：{first.message_zh}{more}",
            violations=violations,
        )


class NotFound(OneStopError):
    status_code = grpc.StatusCode.NOT_FOUND


class Conflict(OneStopError):
    """The request is fine but the state does not allow it now (e.g. a task already decided)."""

    status_code = grpc.StatusCode.FAILED_PRECONDITION


class AlreadyExists(OneStopError):
    status_code = grpc.StatusCode.ALREADY_EXISTS


class Unauthenticated(OneStopError):
    status_code = grpc.StatusCode.UNAUTHENTICATED


class PermissionDenied(OneStopError):
    status_code = grpc.StatusCode.PERMISSION_DENIED


class Unavailable(OneStopError):
    """A dependency is down; the caller may retry."""

    status_code = grpc.StatusCode.UNAVAILABLE


def violation(field: str, rule: str, zh: str, en: str) -> RuleViolation:
    return RuleViolation(field=field, rule=rule, message_zh=zh, message_en=en)
