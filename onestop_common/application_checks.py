"""What every participant does alike around the check of an application and a correctable refusal:
decode an AMQP check request as strictly as gRPC does, say whose rule each rejection is, and turn a
desk's "return for correction" (退回补正) into the rejections the applicant sees."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from google.protobuf.message import DecodeError

from onestop.common.v1 import application_pb2, common_pb2
from onestop_common.errors import InvalidInput, RuleViolation, violation
from onestop_common.limits import enforce_limits
from onestop_common.protoconv import rejections


def decode_check_request(body: bytes) -> application_pb2.CheckApplicationRequest:
    """A CheckApplicationRequest from the AMQP RPC, checked as the gRPC entrypoint checks every
    request: bytes that are not one, or a field over its limit, are InvalidInput."""
    try:
        request = application_pb2.CheckApplicationRequest.FromString(bytes(body))
    except (DecodeError, TypeError) as error:
        name = application_pb2.CheckApplicationRequest.DESCRIPTOR.full_name
        raise InvalidInput(
            f"the request is not a valid {name} ({type(error).__name__})",
            message_zh=f"请求不是有效的 {name}",
        ) from error
    request.DiscardUnknownFields()
    enforce_limits(request)
    return request


def participant_rejections(
    problems: Iterable[RuleViolation], participant: str
) -> list[common_pb2.Rejection]:
    """Rejections answered by one participant, each saying whose rule it is."""
    found = rejections(problems)
    for item in found:
        item.participant = participant
    return found


@dataclass(frozen=True)
class Desk:
    """Who returns a case for correction, in the words the applicant reads."""

    participant: str
    staff_zh: str
    staff_en: str
    default_rule: str
    # A form path staff of this desk typically name, for the error message's example.
    example_field: str

    def rejections(self, problems: Iterable[RuleViolation]) -> list[common_pb2.Rejection]:
        """This participant's rejections of the application (participant_rejections)."""
        return participant_rejections(problems, self.participant)

    def correction_fields(
        self, fields: Sequence[common_pb2.Rejection], reason: str
    ) -> list[common_pb2.Rejection]:
        """What this desk's return for correction asks of the applicant (correction_fields)."""
        return correction_fields(self, fields, reason)


def correction_fields(
    desk: Desk, fields: Sequence[common_pb2.Rejection], reason: str
) -> list[common_pb2.Rejection]:
    """What a correctable refusal asks the applicant to correct: at least one form field, each
    answered as this participant's; a field without its own words carries the reason."""
    if not fields:
        raise InvalidInput.of(
            [
                violation(
                    "fields",
                    "required",
                    "退回申请人修改时，须指明至少一项需要修改的申请表内容",
                    "a correctable refusal must name at least one field of the application "
                    "for the applicant to correct",
                )
            ]
        )
    problems = [
        violation(
            f"fields[{i}].field",
            "form_path",
            f"须指明申请表中的字段（以“form.”开头的路径，例如 {desk.example_field}）",
            "name a field of the application form (a path starting with 'form.', e.g. "
            f"{desk.example_field})",
        )
        for i, item in enumerate(fields)
        if not item.field.strip().startswith("form.")
    ]
    if problems:
        raise InvalidInput.of(problems)
    return [
        common_pb2.Rejection(
            field=item.field.strip(),
            rule=item.rule.strip() or desk.default_rule,
            message_zh=item.message_zh.strip() or f"{desk.staff_zh}要求修改：{reason}",
            message_en=item.message_en.strip()
            or f"{desk.staff_en} asks for a correction: {reason}",
            participant=desk.participant,
        )
        for item in fields
    ]
