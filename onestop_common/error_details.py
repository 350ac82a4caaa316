"""The standard error details (google.rpc, AIP-193) a OneStop error carries to a gRPC caller, in
the status details (trailer ``grpc-status-details-bin``):

- ``onestop.common.v1.Rejections`` first, as before, for clients written before the others;
- ``google.rpc.ErrorInfo``: the reason (an UPPER_SNAKE constant to branch on), the domain, and
  facts such as the case id;
- ``google.rpc.BadRequest`` for INVALID_ARGUMENT: one field violation per rejection;
- ``google.rpc.LocalizedMessage`` in the language the request's ``accept-language`` prefers
  (Simplified Chinese unless it prefers English);
- ``google.rpc.RequestInfo``: the request id the server logged the error under.

The status message stays bilingual ("English / 中文"): the portal and older clients show it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TypeVar

from google.protobuf import any_pb2
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2

from onestop.common.v1 import common_pb2
from onestop_common.errors import ErrorCode, OneStopError, RuleViolation
from onestop_common.grpc_status import grpc_code
from onestop_common.protoconv import rejections

# Names the platform in ErrorInfo.domain: reasons are unique within it.
DOMAIN = "onestop.gov.cn"
ZH = "zh-CN"
EN = "en"
# An Accept-Language list longer than this is not a browser's: the rest is not read.
MAX_LANGUAGE_RANGES = 20
_QUALITY = re.compile(r"q\s*=\s*([01](?:\.[0-9]{0,3})?)")
Detail = TypeVar("Detail", bound=Message)


def locale_for(accept_language: str) -> str:
    """zh-CN or en, whichever ``accept-language`` (RFC 9110: ranges with q weights) prefers; on a
    tie the one named first, and zh-CN when it names neither (the platform's language)."""
    best, best_quality = ZH, 0.0
    for item in accept_language.split(",")[:MAX_LANGUAGE_RANGES]:
        tag, _, parameters = item.partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in ("zh", "en"):
            continue
        found = _QUALITY.search(parameters)
        quality = float(found.group(1)) if found else 1.0
        if quality > best_quality:
            best, best_quality = (ZH if primary == "zh" else EN), quality
    return best


def standard_status(
    error: OneStopError,
    *,
    locale: str,
    request_id: str,
    info: Mapping[str, str] | None = None,
    max_bytes: int = 0,
) -> status_pb2.Status:
    """The error's status with every detail above; ``info`` adds facts of the request (the
    case id) to ErrorInfo. With ``max_bytes``, the status is made to fit: BadRequest (which
    repeats the rejections for generic clients) gives way first, then the rejections themselves
    (the message already counts them all) — so a client reading Rejections keeps every one as
    long as they fit at all."""
    kept = list(error.violations)
    bad_request = kept
    status = _status(error, kept, bad_request, locale, request_id, info or {})
    while bad_request and max_bytes and status.ByteSize() > max_bytes:
        bad_request = bad_request[: len(bad_request) // 2]
        status = _status(error, kept, bad_request, locale, request_id, info or {})
    while kept and max_bytes and status.ByteSize() > max_bytes:
        kept = kept[: len(kept) // 2]
        status = _status(error, kept, [], locale, request_id, info or {})
    return status


def _status(
    error: OneStopError,
    kept: Sequence[RuleViolation],
    bad_request: Sequence[RuleViolation],
    locale: str,
    request_id: str,
    info: Mapping[str, str],
) -> status_pb2.Status:
    status = status_pb2.Status(code=grpc_code(error).value[0], message=str(error))
    if kept:
        _add(status, common_pb2.Rejections(rejections=rejections(kept)))
    _add(
        status,
        error_details_pb2.ErrorInfo(
            reason=error.reason, domain=DOMAIN, metadata={**info, **error.info}
        ),
    )
    if error.code is ErrorCode.INVALID_ARGUMENT and bad_request:
        _add(
            status,
            error_details_pb2.BadRequest(
                field_violations=[field_violation(v, locale) for v in bad_request]
            ),
        )
    _add(status, localized(error.message, error.message_zh, locale))
    _add(status, error_details_pb2.RequestInfo(request_id=request_id))
    return status


def field_violation(
    violation: RuleViolation, locale: str
) -> error_details_pb2.BadRequest.FieldViolation:
    """A rejection as AIP-193 has it: the field's path, the English description, the rule as a
    reason constant, and, for a Chinese reader, the description in Chinese (an English reader
    has it already: the trailer has no room to say things twice)."""
    english = _with_subject(violation.subject_en, violation.message_en)
    chinese = _with_subject(violation.subject_zh, violation.message_zh)
    found = error_details_pb2.BadRequest.FieldViolation(
        field=violation.field, description=english, reason=reason_constant(violation.rule)
    )
    if locale == ZH and chinese:
        found.localized_message.CopyFrom(localized(english, chinese, locale))
    return found


def localized(english: str, chinese: str, locale: str) -> error_details_pb2.LocalizedMessage:
    if locale == ZH and chinese:
        return error_details_pb2.LocalizedMessage(locale=ZH, message=chinese)
    return error_details_pb2.LocalizedMessage(locale=EN, message=english)


def reason_constant(rule: str) -> str:
    """A rule's name ("max_length") as an AIP-193 reason ("MAX_LENGTH")."""
    constant = re.sub(r"[^A-Z0-9]+", "_", rule.upper()).strip("_")
    return constant if constant[:1].isalpha() else f"RULE_{constant}".rstrip("_")


def _with_subject(subject: str, message: str) -> str:
    return f"{subject}: {message}" if subject else message


def _add(status: status_pb2.Status, detail: Message) -> None:
    box = any_pb2.Any()
    box.Pack(detail)
    status.details.append(box)


def details_of(status: status_pb2.Status, kind: type[Detail]) -> list[Detail]:
    """The details of ``kind`` in ``status`` (for clients and tests)."""
    found: list[Detail] = []
    for box in status.details:
        detail = kind()
        if box.Unpack(detail):
            found.append(detail)
    return found
