"""A rule violation travels as a Rejection and back (onestop_common.protoconv) with every field:
the subject and the participant as well as the field, rule and both messages."""

from __future__ import annotations

from dataclasses import asdict, replace

from onestop_common.errors import violation
from onestop_common.protoconv import rejection, rejections, violations_of

# A violation as the orchestrator completes it: whose field it is, and whose rule.
WHOLE = replace(
    violation(
        "shareholders[1].id_number", "checksum", "校验位不符", "the check digit does not match"
    ),
    subject_zh="股东 王芳",
    subject_en="shareholder 王芳",
    participant="registration",
)


def test_a_violation_becomes_a_rejection_field_by_field() -> None:
    message = rejection(WHOLE)
    assert {field.name: value for field, value in message.ListFields()} == asdict(WHOLE)


def test_rejections_come_back_as_the_same_violations() -> None:
    plain = violation("name", "required", "必填", "required")
    assert violations_of(rejections([WHOLE, plain])) == (WHOLE, plain)
