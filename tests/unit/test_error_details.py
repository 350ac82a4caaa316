"""The standard error details (onestop_common.error_details, AIP-193): what each error carries
beside the old Rejections, and which language the caller's accept-language picks. That the
orchestrator sends them over real gRPC is tests/integration/test_partner_api.py."""

from __future__ import annotations

import pytest
from google.rpc import code_pb2, error_details_pb2

from onestop.common.v1 import common_pb2
from onestop_common.error_details import (
    DOMAIN,
    EN,
    ZH,
    details_of,
    locale_for,
    reason_constant,
    standard_status,
)
from onestop_common.errors import Conflict, InvalidInput, RuleViolation, violation


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        ("", ZH),
        ("en", EN),
        ("en-US,en;q=0.9", EN),
        ("zh-CN,zh;q=0.9,en;q=0.8", ZH),
        ("en;q=0.5, zh;q=0.8", ZH),
        ("fr, en;q=0.3", EN),
        ("fr, de", ZH),
        ("en;q=0", ZH),  # q=0: not acceptable
        ("EN-gb", EN),
        ("zh-TW", ZH),  # the one Chinese the platform writes
        ("en;q=oops", EN),  # a weight it cannot read counts as 1
    ],
)
def test_accept_language_picks_chinese_or_english(header: str, locale: str) -> None:
    assert locale_for(header) == locale


def test_an_invalid_argument_carries_every_standard_detail_and_the_old_rejections() -> None:
    rejection = RuleViolation(
        field="form.shareholders[1].id_number",
        rule="check_digit",
        message_zh="身份证号码校验位错误",
        message_en="the ID number's check digit is wrong",
        subject_zh="股东 王芳",
        subject_en="shareholder 王芳",
    )
    error = InvalidInput.of([rejection])
    status = standard_status(
        error, locale=EN, request_id="req-1", info={"caseId": "OS20250301-3F2A9C01B7"}
    )

    assert status.code == code_pb2.INVALID_ARGUMENT
    # Old clients read Rejections from the first detail.
    old = common_pb2.Rejections()
    assert status.details[0].Unpack(old)
    assert old.rejections[0].rule == "check_digit"
    (info,) = details_of(status, error_details_pb2.ErrorInfo)
    assert (info.reason, info.domain) == ("INVALID_ARGUMENT", DOMAIN)
    assert dict(info.metadata) == {"caseId": "OS20250301-3F2A9C01B7"}
    (bad,) = details_of(status, error_details_pb2.BadRequest)
    (field,) = bad.field_violations
    assert field.field == "form.shareholders[1].id_number"
    assert field.reason == "CHECK_DIGIT"
    assert field.description == "shareholder 王芳: the ID number's check digit is wrong"
    # Said once in English: the description is English already.
    assert not field.HasField("localized_message")
    (message,) = details_of(status, error_details_pb2.LocalizedMessage)
    assert message.locale == EN and "check digit" in message.message
    (request,) = details_of(status, error_details_pb2.RequestInfo)
    assert request.request_id == "req-1"


def test_the_localized_messages_follow_the_locale() -> None:
    error = InvalidInput.of(
        [violation("page_size", "range", "每页条数须在 0 到 200 之间", "0..200")]
    )
    status = standard_status(error, locale=ZH, request_id="r")
    (message,) = details_of(status, error_details_pb2.LocalizedMessage)
    assert (message.locale, message.message) == (ZH, "page_size：每页条数须在 0 到 200 之间")
    (bad,) = details_of(status, error_details_pb2.BadRequest)
    assert bad.field_violations[0].localized_message.message == "每页条数须在 0 到 200 之间"


def test_a_state_error_names_its_reason_and_facts_and_has_no_field_violations() -> None:
    error = Conflict(
        "the bundle is not ready",
        message_zh="电子证照包尚未生成",
        reason="BUNDLE_NOT_READY",
        info={"state": "running"},
    )
    status = standard_status(error, locale=ZH, request_id="r", info={"caseId": "OS1"})
    assert status.code == code_pb2.FAILED_PRECONDITION
    (info,) = details_of(status, error_details_pb2.ErrorInfo)
    assert info.reason == "BUNDLE_NOT_READY"
    assert dict(info.metadata) == {"caseId": "OS1", "state": "running"}
    assert details_of(status, error_details_pb2.BadRequest) == []
    assert details_of(status, common_pb2.Rejections) == []
    # The message every client already shows stays bilingual.
    assert status.message == "the bundle is not ready / 电子证照包尚未生成"


def test_an_error_without_chinese_words_is_localized_in_english() -> None:
    status = standard_status(Conflict("only English here"), locale=ZH, request_id="r")
    (message,) = details_of(status, error_details_pb2.LocalizedMessage)
    assert (message.locale, message.message) == (EN, "only English here")


@pytest.mark.parametrize(
    ("rule", "constant"),
    [
        ("max_length", "MAX_LENGTH"),
        ("control-characters", "CONTROL_CHARACTERS"),
        ("registration.name.duplicate", "REGISTRATION_NAME_DUPLICATE"),
        ("", "RULE"),
        ("3rd", "RULE_3RD"),
    ],
)
def test_a_rule_becomes_an_upper_snake_reason(rule: str, constant: str) -> None:
    assert reason_constant(rule) == constant
