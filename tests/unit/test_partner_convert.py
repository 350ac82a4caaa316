"""The public partner API's conversions (orchestrator.partner_convert): Money and Date exactly,
the form field for field, the case's state and steps, and the ListApplications filter grammar."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from google.protobuf import json_format
from google.type import date_pb2, money_pb2

from onestop.common.v1 import application_pb2, common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as v1
from onestop.partner.v1 import partner_pb2 as pb
from onestop_common.errors import InvalidInput
from orchestrator.partner_convert import (
    application_from_internal,
    date_to_internal,
    form_from_internal,
    form_to_internal,
    mask_to_internal,
    money_from_internal,
    money_to_internal,
    parse_filter,
)

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "application.json"


def _sample() -> application_pb2.ApplicationForm:
    document = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return json_format.ParseDict(document, application_pb2.ApplicationForm())


@pytest.mark.parametrize(
    ("units", "nanos", "amount"),
    [
        (1_000_000, 0, "1000000.00"),
        (12, 340_000_000, "12.34"),
        (0, 10_000_000, "0.01"),
        (-5, -500_000_000, "-5.50"),
        (999_999_999_999_999 // 1000, 990_000_000, "999999999999.99"),
    ],
)
def test_money_converts_exactly_both_ways(units: int, nanos: int, amount: str) -> None:
    money = money_pb2.Money(currency_code="CNY", units=units, nanos=nanos)
    internal, problems = money_to_internal(money, "form.registered_capital")
    assert problems == []
    assert internal == common_pb2.Money(amount=amount, currency="CNY")
    assert money_from_internal(internal) == money


@pytest.mark.parametrize(
    ("money", "field", "rule"),
    [
        (money_pb2.Money(currency_code="USD", units=1), "form.x.currency_code", "currency"),
        (money_pb2.Money(units=1), "form.x.currency_code", "currency"),
        (
            money_pb2.Money(currency_code="CNY", units=1, nanos=5_000_000),
            "form.x.nanos",
            "precision",
        ),
        (money_pb2.Money(currency_code="CNY", units=1, nanos=-10_000_000), "form.x.nanos", "range"),
        (money_pb2.Money(currency_code="CNY", nanos=1_000_000_000), "form.x.nanos", "range"),
        (money_pb2.Money(currency_code="CNY", units=10**15), "form.x.units", "range"),
    ],
)
def test_money_that_is_not_whole_fen_in_cny_is_refused_naming_the_field(
    money: money_pb2.Money, field: str, rule: str
) -> None:
    _, problems = money_to_internal(money, "form.x")
    assert [(p.field, p.rule) for p in problems] == [(field, rule)]


def test_dates_must_be_whole_calendar_days() -> None:
    assert date_to_internal(date_pb2.Date(year=2028, month=2, day=29), "d") == ("2028-02-29", [])
    for bad in (
        date_pb2.Date(year=2027, month=2, day=29),
        date_pb2.Date(year=2027, month=6),
        date_pb2.Date(month=6, day=1),
    ):
        _, problems = date_to_internal(bad, "form.employees[0].hire_date")
        assert [p.field for p in problems] == ["form.employees[0].hire_date"]


def test_the_sample_form_round_trips_through_the_partner_form() -> None:
    internal = _sample()
    partner = form_from_internal(internal)
    assert partner.registered_capital == money_pb2.Money(currency_code="CNY", units=1_000_000)
    assert partner.shareholders[0].due_date == date_pb2.Date(year=2030, month=6, day=30)
    assert partner.legal_representative == internal.legal_representative
    assert form_to_internal(partner) == internal


def test_every_bad_amount_and_date_of_a_form_is_named_at_once() -> None:
    partner = form_from_internal(_sample())
    partner.registered_capital.currency_code = "HKD"
    partner.employees[1].monthly_wage.nanos = 1
    partner.shareholders[0].due_date.month = 13
    with pytest.raises(InvalidInput) as refused:
        form_to_internal(partner)
    assert sorted(v.field for v in refused.value.violations) == [
        "form.employees[1].monthly_wage.nanos",
        "form.registered_capital.currency_code",
        "form.shareholders[0].due_date",
    ]


def test_a_withdrawn_case_is_cancelled_and_steps_and_actors_are_enums() -> None:
    internal = v1.Application(
        case_id="OS20261201-0123456789",
        state=common_pb2.CASE_STATE_COMPENSATED,
        failure_reason="cancelled: changed our mind",
        steps=[
            v1.Step(name="license", state=common_pb2.STEP_STATE_DONE, actor="auto:rules-2026"),
            v1.Step(name="bank", state=common_pb2.STEP_STATE_ACCEPTED, actor="bank_clerk"),
            v1.Step(name="seal", state=common_pb2.STEP_STATE_AWAITING_APPLICANT, actor="applicant"),
        ],
    )
    internal.steps[1].after.extend(["license", "seal"])
    partner = application_from_internal(internal)
    assert partner.state == pb.CASE_STATE_CANCELLED
    assert [(s.kind, s.actor) for s in partner.steps] == [
        (pb.Step.KIND_LICENSE, pb.ACTOR_AUTOMATIC),
        (pb.Step.KIND_BANK, pb.ACTOR_BANK_CLERK),
        (pb.Step.KIND_SEAL, pb.ACTOR_APPLICANT),
    ]
    assert list(partner.steps[1].after) == [pb.Step.KIND_LICENSE, pb.Step.KIND_SEAL]
    refused = v1.Application(state=common_pb2.CASE_STATE_COMPENSATED, failure_reason="license: no")
    assert application_from_internal(refused).state == pb.CASE_STATE_COMPENSATED


@pytest.mark.parametrize(
    ("text", "states", "bounds"),
    [
        ("", (), ()),
        ("state = RUNNING", ("running",), ()),
        ("state = COMPLETED OR state = CASE_STATE_CANCELLED", ("completed", "cancelled"), ()),
        (
            "(state = awaiting_applicant OR state = STUCK)"
            ' AND submit_time >= "2026-12-01T00:00:00+08:00"'
            ' AND submit_time < "2027-01-01T00:00:00Z"',
            ("awaiting_applicant", "stuck"),
            (
                (">=", dt.datetime(2026, 11, 30, 16, tzinfo=dt.UTC)),
                ("<", dt.datetime(2027, 1, 1, tzinfo=dt.UTC)),
            ),
        ),
    ],
)
def test_filters_in_the_grammar(text: str, states: tuple[str, ...], bounds: tuple) -> None:
    found = parse_filter(text)
    assert found.states == states
    assert found.submitted == bounds


@pytest.mark.parametrize(
    "text",
    [
        "state = NOPE",
        "state = UNSPECIFIED",
        "applicant_id = 1",
        "state RUNNING",
        "state != RUNNING",
        "state = RUNNING AND",
        "state = RUNNING AND state = FAILED",
        'state = RUNNING OR submit_time > "2026-01-01T00:00:00Z"',
        "(state = RUNNING",
        'submit_time = "2026-01-01T00:00:00Z"',
        'submit_time >= "2026-12-01"',
        'submit_time >= "yesterday"',
        "submit_time >= 2026",
        "state = 'RUNNING'",
    ],
)
def test_a_filter_outside_the_grammar_is_refused_naming_filter(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_filter(text)
    assert [v.field for v in refused.value.violations] == ["filter"]


def test_the_same_filter_binds_page_tokens_alike() -> None:
    one = parse_filter('submit_time >= "2026-12-01T00:00:00+08:00" AND state = RUNNING')
    two = parse_filter('state = RUNNING AND submit_time >= "2026-11-30T16:00:00Z"')
    assert one.canonical() == two.canonical()
    assert one.canonical() != parse_filter("state = RUNNING").canonical()


def test_the_partner_sample_is_the_sample_in_the_public_package() -> None:
    committed = json_format.Parse(
        (SAMPLE.parent / "partner-application.json").read_text(encoding="utf-8"),
        pb.ApplicationForm(),
    )
    assert committed == form_from_internal(_sample())


def test_a_correction_mask_into_an_amount_or_date_takes_the_whole_field() -> None:
    assert mask_to_internal(
        [
            "registered_capital.units",
            "registered_capital.nanos",
            "invoice.max_amount_per_invoice.nanos",
            "invoice.monthly_quantity",
            "employees",
            "bank.branch_name",
        ]
    ) == [
        "registered_capital",
        "invoice.max_amount_per_invoice",
        "invoice.monthly_quantity",
        "employees",
        "bank.branch_name",
    ]
    with pytest.raises(InvalidInput) as refused:
        mask_to_internal(["registered_capital.amount", "bank"])
    assert [v.field for v in refused.value.violations] == ["update_mask"]
