"""Size limits of the contracts (onestop_common.limits) and the public API's intake: what is
refused, how the refusal names the field and the rule, and that it never repeats the input."""

from __future__ import annotations

import sqlite3

import grpc
import psycopg2
import pytest
from google.protobuf.descriptor import FieldDescriptor
from google.rpc import error_details_pb2
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import exc as sa_exc

from onestop.bank.v1 import bank_pb2
from onestop.common.v1 import application_pb2, common_pb2, desk_pb2, limits_pb2
from onestop.invoice.v1 import invoice_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.partner.v1 import partner_pb2
from onestop.registration.v1 import registration_pb2
from onestop.seal.v1 import seal_pb2
from onestop.social_insurance.v1 import social_insurance_pb2
from onestop_cli.client import load_form
from onestop_common.error_details import details_of, standard_status
from onestop_common.errors import InvalidInput
from onestop_common.grpc_options import MAX_DOCUMENT_BYTES, MAX_MESSAGE_BYTES, channel_options
from onestop_common.grpc_status import grpc_code
from onestop_common.limits import (
    DEFAULT_MAX_ITEMS,
    DEFAULT_MAX_LENGTH,
    EXCERPT_CHARACTERS,
    MAX_VIOLATIONS,
    enforce_limits,
    excerpt,
    limit_violations,
)
from orchestrator import api, grpc_handlers
from orchestrator.intake import form_violations
from orchestrator.page_tokens import PageTokens
from tests.support.cases import SAMPLE

TEN_MB = 10 * 1024 * 1024
CONTRACTS = (
    common_pb2,
    application_pb2,
    desk_pb2,
    pb,
    partner_pb2,
    registration_pb2,
    seal_pb2,
    invoice_pb2,
    social_insurance_pb2,
    bank_pb2,
)


def sample_request() -> pb.SubmitApplicationRequest:
    return pb.SubmitApplicationRequest(idempotency_key="k-1", form=load_form(SAMPLE))


def by_field(request: object) -> dict[str, tuple[str, str, str]]:
    return {v.field: (v.rule, v.message_zh, v.message_en) for v in limit_violations(request)}  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the sample


def test_the_sample_form_is_within_every_limit():
    # How fast the check is is measured by a benchmark, never asserted here (a loaded machine
    # failed the old wall-clock assertion).
    request = sample_request()
    assert limit_violations(request) == []
    enforce_limits(request)


# --------------------------------------------------------------------------- strings


def test_a_10_mb_domicile_detail_is_refused_naming_the_field_without_repeating_it():
    request = sample_request()
    request.form.domicile.detail = "宝" * TEN_MB
    found = limit_violations(request)
    assert [(v.field, v.rule) for v in found] == [("form.domicile.detail", "max_length")]
    only = found[0]
    assert only.message_en == f"at most {DEFAULT_MAX_LENGTH} characters (got {TEN_MB})"
    assert only.message_zh == f"不能超过 {DEFAULT_MAX_LENGTH} 个字符（现为 {TEN_MB} 个）"
    with pytest.raises(InvalidInput) as raised:
        enforce_limits(request)
    assert grpc_code(raised.value) is grpc.StatusCode.INVALID_ARGUMENT
    text = str(raised.value)
    assert "form.domicile.detail" in text
    assert len(text) < 300
    assert "宝宝" not in text


def test_limits_count_characters_not_bytes_and_the_limit_itself_is_allowed():
    request = sample_request()
    request.form.domicile.detail = "宝" * DEFAULT_MAX_LENGTH  # 600 bytes of UTF-8
    assert limit_violations(request) == []
    request.form.domicile.detail += "宝"
    assert by_field(request)["form.domicile.detail"][0] == "max_length"


def test_explicit_limits_override_the_default_at_any_depth():
    request = sample_request()
    request.form.shareholders[1].person.id_number = "1" * 33
    request.form.name.trade_name = "名" * 51
    request.form.commitment.commitment_text = "承" * 2000
    found = by_field(request)
    assert found["form.shareholders[1].person.id_number"] == (
        "max_length",
        "不能超过 32 个字符（现为 33 个）",
        "at most 32 characters (got 33)",
    )
    assert found["form.name.trade_name"][0] == "max_length"
    assert "form.commitment.commitment_text" not in found  # free text: 2000


@pytest.mark.parametrize(
    ("field_text", "allowed"),
    [("abc\x00def", False), ("first\nsecond", False), ("tab\there", False), ("普通", True)],
)
def test_a_single_line_string_may_not_hold_control_characters(field_text, allowed):
    request = sample_request()
    request.form.legal_representative.name = field_text
    found = by_field(request)
    if allowed:
        assert found == {}
        return
    rule, zh, en = found["form.legal_representative.name"]
    assert rule == "control_characters"
    assert "U+00" in en and "单行" in zh
    assert field_text not in en and field_text not in zh


def test_free_text_may_hold_line_breaks_but_not_other_control_characters():
    request = pb.CancelApplicationRequest(case_id="OS1", reason="第一行\r\n第二行\tend")
    assert limit_violations(request) == []
    request.reason = "bell\x07"
    assert by_field(request)["reason"][0] == "control_characters"
    request.reason = "c1\x85"  # NEL, a C1 control
    assert by_field(request)["reason"][0] == "control_characters"


@given(st.text(max_size=DEFAULT_MAX_LENGTH * 2))
def test_a_string_is_refused_exactly_when_too_long_or_holding_a_control_character(value):
    request = pb.SubmitApplicationRequest(idempotency_key=value)
    found = by_field(request)
    too_long = len(value) > DEFAULT_MAX_LENGTH
    control = any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in value)
    if too_long:
        assert found["idempotency_key"][0] == "max_length"
    elif control:
        assert found["idempotency_key"][0] == "control_characters"
    else:
        assert found == {}


# --------------------------------------------------------------------------- lists, maps, bytes


def test_a_list_over_its_count_is_refused_as_a_whole_without_looking_at_each_item():
    request = sample_request()
    template = request.form.shareholders[0]
    for _ in range(DEFAULT_MAX_ITEMS - len(request.form.shareholders)):
        request.form.shareholders.add().CopyFrom(template)
    assert limit_violations(request) == []
    bad = request.form.shareholders.add()
    bad.CopyFrom(template)
    bad.person.name = "x" * 1000
    found = limit_violations(request)
    assert [(v.field, v.rule) for v in found] == [("form.shareholders", "max_items")]
    assert found[0].message_en == f"at most {DEFAULT_MAX_ITEMS} items (got {DEFAULT_MAX_ITEMS + 1})"
    assert found[0].message_zh == f"最多 {DEFAULT_MAX_ITEMS} 项（现为 {DEFAULT_MAX_ITEMS + 1} 项）"


def test_the_form_allows_a_thousand_employees_and_refuses_more():
    request = sample_request()
    template = request.form.employees[0]
    for _ in range(1000 - len(request.form.employees)):
        request.form.employees.add().CopyFrom(template)
    assert limit_violations(request) == []
    request.form.employees.add().CopyFrom(template)
    assert by_field(request)["form.employees"][0] == "max_items"


def test_a_repeated_enum_is_counted():
    request = pb.ListApplicationsRequest(states=[common_pb2.CASE_STATE_RUNNING] * 11)
    assert by_field(request)["states"][0] == "max_items"


def test_map_entries_are_counted_and_a_long_key_appears_only_as_an_excerpt():
    task = desk_pb2.DeskTask()
    long_key = "k" * 500
    task.details[long_key] = "v"
    task.details["note"] = "第一行\n第二行"  # map values of `details` are free text
    found = limit_violations(task, "task")
    assert len(found) == 1
    shown = f'task.details["{"k" * EXCERPT_CHARACTERS}…"]'
    assert (found[0].field, found[0].rule) == (shown, "max_length")
    for index in range(100):
        task.details[f"k{index}"] = "v"
    assert [(v.field, v.rule) for v in limit_violations(task)] == [("details", "max_items")]


def test_a_material_may_be_10_mib_and_no_more():
    request = pb.FulfillCommitmentRequest(case_id="OS1", content=b"%" * TEN_MB)
    assert limit_violations(request) == []
    request.content += b"%"
    assert by_field(request)["content"] == (
        "max_bytes",
        f"不能超过 10 MiB（现为 {TEN_MB + 1} 字节）",
        f"at most 10 MiB (got {TEN_MB + 1} bytes)",
    )


def test_the_number_of_violations_reported_is_bounded():
    request = sample_request()
    for index in range(DEFAULT_MAX_ITEMS - len(request.form.shareholders)):
        holder = request.form.shareholders.add()
        holder.person.name = f"{index}" + "x" * 200
    assert len(limit_violations(request)) == MAX_VIOLATIONS
    assert len(limit_violations(request, limit=3)) == 3


def test_a_prefix_starts_every_path():
    form = load_form(SAMPLE)
    form.bank.branch_name = "行" * 101
    assert [v.field for v in limit_violations(form, "form")] == ["form.bank.branch_name"]


def test_excerpt_keeps_at_most_32_characters_on_one_line():
    assert excerpt("short") == "short"
    assert excerpt("x" * 1000) == "x" * EXCERPT_CHARACTERS + "…"
    assert excerpt("a\nb\x00c") == "a\ufffdb\ufffdc"


# --------------------------------------------------------------------------- the contracts


def _all_fields():
    for module in CONTRACTS:
        for message in module.DESCRIPTOR.message_types_by_name.values():
            yield from _fields_of(message)


def _fields_of(message):
    yield from ((message, field) for field in message.fields)
    for nested in message.nested_types:
        yield from _fields_of(nested)


def test_every_limit_option_sits_on_a_field_of_the_right_kind():
    wrong = []
    for message, field in _all_fields():
        options = field.GetOptions()
        entry = field.message_type
        is_map = entry is not None and entry.GetOptions().map_entry
        value = entry.fields_by_name["value"] if is_map else field
        where = f"{message.full_name}.{field.name}"
        if options.HasExtension(limits_pb2.max_items) and not field.is_repeated:
            wrong.append(f"{where}: max_items on a single field")
        if (
            options.HasExtension(limits_pb2.max_length) or options.Extensions[limits_pb2.multiline]
        ) and value.type != FieldDescriptor.TYPE_STRING:
            wrong.append(f"{where}: max_length/multiline on a non-string")
        if options.HasExtension(limits_pb2.max_bytes) and value.type != FieldDescriptor.TYPE_BYTES:
            wrong.append(f"{where}: max_bytes on a non-bytes field")
        for extension in (limits_pb2.max_items, limits_pb2.max_length, limits_pb2.max_bytes):
            if options.HasExtension(extension) and options.Extensions[extension] == 0:
                wrong.append(f"{where}: a limit of 0")
    assert wrong == []


def test_documents_fit_the_platform_message_limit():
    request = pb.FulfillCommitmentRequest(
        case_id="OS1", material_code="m", file_name="f" * 255, content=b"%" * MAX_DOCUMENT_BYTES
    )
    assert limit_violations(request) == []
    assert request.ByteSize() < MAX_MESSAGE_BYTES
    assert dict(channel_options())["grpc.max_receive_message_length"] == MAX_MESSAGE_BYTES


def test_every_message_of_every_contract_can_be_checked():
    for module in CONTRACTS:
        for descriptor in module.DESCRIPTOR.message_types_by_name.values():
            message = getattr(module, descriptor.name)()
            assert limit_violations(message) == []


# --------------------------------------------------------------------------- the API's intake


def test_intake_drops_unknown_fields_before_anything_is_stored():
    request = sample_request()
    # Field 99 is not in the contract: a 100 KB blob nobody would check.
    stowaway = bytes([0x9A, 0x06]) + _varint(100_000) + b"z" * 100_000
    parsed = pb.SubmitApplicationRequest.FromString(request.SerializeToString() + stowaway)
    assert parsed.ByteSize() > 100_000
    api._intake(parsed)
    assert parsed == request
    assert parsed.ByteSize() == request.ByteSize()


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def test_intake_answers_a_material_out_of_bounds_in_its_own_words():
    for content in (b"", b"%" * (TEN_MB + 1)):
        with pytest.raises(InvalidInput) as raised:
            api._intake(pb.FulfillCommitmentRequest(case_id="OS1", content=content))
        (only,) = raised.value.violations
        assert (only.field, only.rule) == ("content", "size")
        assert "材料文件大小须在 1 字节到 10 MB 之间" in only.message_zh


@pytest.mark.parametrize(
    ("page_size", "page_token", "field"),
    [
        (0, "abc", "page_token"),
        (0, "-5", "page_token"),
        (0, "²", "page_token"),
        (0, "1" * 10, "page_token"),
        (0, "a.b", "page_token"),
        (-1, "", "page_size"),
        (api.MAX_PAGE + 1, "", "page_size"),
    ],
)
def test_a_bad_page_is_invalid_argument_naming_the_field(page_size, page_token, field):
    request = pb.ListApplicationsRequest(page_size=page_size, page_token=page_token)
    with pytest.raises(InvalidInput) as raised:
        api._page(request, PageTokens("secret"), "query")
    (only,) = raised.value.violations
    assert only.field == field
    assert only.message_zh and only.message_en


def test_page_sizes_default_and_stop_at_the_maximum():
    tokens = PageTokens("secret")
    sizes = [api._page(pb.ListApplicationsRequest(page_size=n), tokens, "q")[0] for n in (0, 200)]
    assert sizes == [api.DEFAULT_PAGE, api.MAX_PAGE] == [50, 200]


def test_an_amount_that_is_not_a_number_is_shown_only_as_an_excerpt():
    form = load_form(SAMPLE)
    form.registered_capital.amount = "九" * 40
    (found,) = [v for v in form_violations(form) if v.field == "form.registered_capital"]
    assert "九" * (EXCERPT_CHARACTERS + 1) not in found.message_zh + found.message_en
    assert "九" * EXCERPT_CHARACTERS + "…" in found.message_en


def test_many_rejections_are_trimmed_to_fit_a_trailer_and_the_message_counts_them_all():
    form = load_form(SAMPLE)
    for employee in form.employees:
        employee.monthly_wage.amount = "x"
    template = form.employees[0]
    for _ in range(998):
        form.employees.add().CopyFrom(template)
    error = InvalidInput.of(form_violations(form))
    assert len(error.violations) == 1000
    status = standard_status(
        error, locale="en", request_id="r-1", max_bytes=grpc_handlers.MAX_STATUS_BYTES
    )
    assert status.ByteSize() <= grpc_handlers.MAX_STATUS_BYTES
    assert "(+999 more)" in status.message
    box = common_pb2.Rejections()
    assert status.details[0].Unpack(box)
    assert 0 < len(box.rejections) < 1000
    # BadRequest, which repeats the rejections, gives way first: never more than Rejections.
    for bad_request in details_of(status, error_details_pb2.BadRequest):
        assert len(bad_request.field_violations) <= len(box.rejections)


def test_a_form_with_a_dozen_long_rejections_keeps_every_one_in_rejections():
    """BadRequest is trimmed before a single rejection is dropped (a real case: the credit list
    naming one person in several roles gave 16 long rejections)."""
    form = load_form(SAMPLE)
    for employee in form.employees[:16]:
        employee.monthly_wage.amount = "x"
    while len(form.employees) < 16:
        form.employees.add().CopyFrom(form.employees[0])
    error = InvalidInput.of(form_violations(form))
    wanted = len(error.violations)
    status = standard_status(
        error, locale="en", request_id="r-1", max_bytes=grpc_handlers.MAX_STATUS_BYTES
    )
    assert status.ByteSize() <= grpc_handlers.MAX_STATUS_BYTES
    box = common_pb2.Rejections()
    assert status.details[0].Unpack(box)
    assert len(box.rejections) == wanted


def _wrapped(orig: Exception, **kwargs: object) -> sa_exc.DBAPIError:
    kind = {
        sqlite3.OperationalError: sa_exc.OperationalError,
        psycopg2.OperationalError: sa_exc.OperationalError,
        psycopg2.InterfaceError: sa_exc.InterfaceError,
        psycopg2.IntegrityError: sa_exc.IntegrityError,
        psycopg2.ProgrammingError: sa_exc.ProgrammingError,
    }[type(orig)]
    return kind("SELECT 1", {}, orig, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (_wrapped(sqlite3.OperationalError("database is locked")), True),
        (_wrapped(sqlite3.OperationalError("unable to open database file")), True),
        (_wrapped(sqlite3.OperationalError('near "SELEC": syntax error')), False),
        (_wrapped(sqlite3.OperationalError("no such table: sagas")), False),
        (_wrapped(psycopg2.OperationalError("connection refused")), True),
        (_wrapped(psycopg2.InterfaceError("connection already closed")), True),
        (_wrapped(psycopg2.ProgrammingError("x"), connection_invalidated=True), True),
        (_wrapped(psycopg2.ProgrammingError('relation "sagas" does not exist')), False),
        (_wrapped(psycopg2.IntegrityError("duplicate key")), False),
        (sa_exc.TimeoutError("QueuePool limit of size 20 overflow 10 reached"), True),
        (RuntimeError("a bug"), False),
        (KeyError("open_company"), False),
    ],
)
def test_only_an_outage_of_the_database_counts_as_unavailable(error, unavailable):
    assert api.database_unavailable(error) is unavailable


def test_an_outage_wrapped_by_another_error_is_still_an_outage():
    outage = _wrapped(psycopg2.OperationalError("server closed the connection unexpectedly"))
    try:
        try:
            raise outage
        except sa_exc.OperationalError as cause:
            raise RuntimeError("while submitting") from cause
    except RuntimeError as error:
        assert api.database_unavailable(error)
