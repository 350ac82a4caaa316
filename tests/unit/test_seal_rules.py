"""The seal rules without anything running: seal codes, the seal set, completion, engraving,
filing numbers, certificate lifetimes, CRL renewal, where an impression may go, and who besides
the owner may sign (authorised users)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from svc_seal import domain
from svc_seal.domain import (
    GrantFacts,
    GrantInput,
    PageBox,
    PlannedSeal,
    RequestedSeal,
    SealFacts,
    SealOrderInput,
    SealState,
)
from svc_seal.impression import MM, SealKind

USCC = "91120115MA05L7XY3R"
A4 = PageBox(0, 0, 595.28, 841.89)
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def _seals(*kinds: SealKind, physical: bool = True, electronic: bool = True):
    return tuple(RequestedSeal(kind, physical, electronic) for kind in kinds)


REQUIRED_KINDS = domain.seal_policy().required_kinds()
FULL_SET = _seals(*REQUIRED_KINDS)
ORDER = SealOrderInput(
    uscc=USCC,
    company_name="天津宝坻示例科技有限公司",
    legal_representative_name="张三丰",
    division_code="120115",
    seals=FULL_SET,
)


def _rules(order: SealOrderInput) -> list[tuple[str, str]]:
    return [(v.field, v.rule) for v in domain.order_violations(order)]


# --------------------------------------------------------------------------- seal codes


def test_seal_code_is_area_then_seal_maker_then_serial() -> None:
    prefix = domain.seal_code_prefix("120115", "001")
    assert prefix == "1201001"
    assert domain.make_seal_code(prefix, 1) == "1201001000001"
    assert domain.make_seal_code(prefix, 999_999) == "1201001999999"


@pytest.mark.parametrize("serial", [0, -1, 1_000_000])
def test_serial_outside_six_digits_is_refused(serial: int) -> None:
    with pytest.raises(ValueError, match=r"outside 1\.\.999999"):
        domain.make_seal_code("1201001", serial)


@pytest.mark.parametrize(
    ("division", "maker", "message"),
    [
        ("12011", "001", "division code"),
        ("120115", "01", "seal maker id"),
        ("120115", "A01", "seal maker id"),
    ],
)
def test_prefix_needs_six_digit_division_and_three_digit_maker(
    division: str, maker: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        domain.seal_code_prefix(division, maker)


def test_seal_maker_id_problem_names_the_setting() -> None:
    assert domain.seal_maker_id_problem("001") is None
    problem = domain.seal_maker_id_problem("1")
    assert problem is not None and "ONESTOP_SEAL_MAKER_ID" in problem


@given(
    division=st.from_regex(r"\d{6}", fullmatch=True),
    maker=st.from_regex(r"\d{3}", fullmatch=True),
    serials=st.sets(st.integers(1, domain.MAX_SERIAL), min_size=2, max_size=20),
)
def test_codes_are_13_digits_parse_back_and_never_repeat(
    division: str, maker: str, serials: set[int]
) -> None:
    prefix = domain.seal_code_prefix(division, maker)
    codes = {domain.make_seal_code(prefix, serial) for serial in serials}
    assert len(codes) == len(serials)
    for code in codes:
        assert domain.SEAL_CODE.fullmatch(code)
        parsed = domain.parse_seal_code(code)
        assert (parsed.area, parsed.seal_maker_id) == (division[:4], maker)
        assert parsed.serial in serials


@pytest.mark.parametrize("code", ["120100100000", "12010010000011", "120100100000X", ""])
def test_malformed_seal_code_is_rejected_with_its_rule(code: str) -> None:
    (problem,) = domain.seal_code_violations(code)
    assert (problem.field, problem.rule) == ("seal_code", "seal_code_format")
    assert "13" in problem.message_zh and "13 digits" in problem.message_en
    with pytest.raises(ValueError):
        domain.parse_seal_code(code)


# --------------------------------------------------------------------------- the seal set


def test_the_standard_set_is_accepted() -> None:
    assert domain.order_violations(ORDER) == []
    with_contract = replace(ORDER, seals=(*FULL_SET, *_seals(SealKind.CONTRACT)))
    assert domain.order_violations(with_contract) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"uscc": "91120115MA05L7XY3Z"}, ("uscc", "uscc.alphabet")),
        ({"uscc": "91120115MA05L7XY4R"}, ("uscc", "uscc.check_char")),
        ({"company_name": " "}, ("company_name", "seal_text_length")),
        ({"company_name": "天" * 31}, ("company_name", "seal_text_length")),
        ({"division_code": "12011"}, ("division_code", "format")),
        (
            {"legal_representative_name": "John Smith"},
            ("form.legal_representative.name", "name_seal_text"),
        ),
        ({"legal_representative_name": "张"}, ("form.legal_representative.name", "name_seal_text")),
    ],
    ids=[
        "uscc-letter-z",
        "uscc-check",
        "blank-name",
        "name-too-long",
        "division",
        "latin-rep-name",
        "one-char-rep",
    ],
)
def test_each_bad_order_value_gets_its_rejection(
    change: dict[str, str], expected: tuple[str, str]
) -> None:
    assert expected in _rules(replace(ORDER, **change))  # type: ignore[arg-type]


def test_legacy_pilot_uscc_is_not_refused() -> None:
    # Fails the check character, but positions 9-17 are a valid organisation code: a lawful
    # early pilot code the license already stands for.
    assert domain.order_violations(replace(ORDER, uscc="91120115MA05L7XY3A")) == []


def test_name_seal_rule_applies_only_when_the_name_seal_is_ordered() -> None:
    without_name_seal = replace(
        ORDER, legal_representative_name="John Smith", seals=_seals(*REQUIRED_KINDS[:3])
    )
    assert ("form.legal_representative.name", "name_seal_text") not in _rules(without_name_seal)


def test_missing_required_seal_is_named_as_the_platforms_policy_not_law() -> None:
    order = replace(ORDER, seals=_seals(SealKind.OFFICIAL, SealKind.FINANCE, SealKind.LEGAL_REP))
    (problem,) = domain.order_violations(order)
    assert (problem.field, problem.rule) == ("form.seals", "required_seal")
    assert "发票专用章" in problem.message_zh and "invoice" in problem.message_en
    assert problem.message_zh.startswith("本平台要求") and "并非法律规定" in problem.message_zh
    assert problem.message_en.startswith("the platform asks")
    assert "not a legal requirement" in problem.message_en
    assert "数电票" in problem.message_zh and "digital invoices" in problem.message_en


def test_duplicate_unspecified_and_formless_seals_are_rejected_per_line() -> None:
    seals = (
        *FULL_SET,
        RequestedSeal(SealKind.FINANCE, True, False),
        RequestedSeal(None, True, True),
        RequestedSeal(SealKind.CONTRACT, False, False),
    )
    assert _rules(replace(ORDER, seals=seals)) == [
        ("form.seals[4].kind", "duplicate"),
        ("form.seals[5].kind", "required"),
        ("form.seals[6]", "physical_or_electronic"),
    ]


def test_empty_seal_set_names_every_required_seal() -> None:
    rules = _rules(replace(ORDER, seals=()))
    assert rules == [("form.seals", "required_seal")] * len(REQUIRED_KINDS)


def test_plan_orders_the_seals_and_sizes_them() -> None:
    seals = (
        *_seals(SealKind.CONTRACT),
        *_seals(SealKind.LEGAL_REP, SealKind.INVOICE, physical=False),
        *_seals(SealKind.OFFICIAL, SealKind.FINANCE),
    )
    planned = domain.plan_seals(replace(ORDER, seals=seals))
    assert [(p.kind, p.width_mm, p.height_mm) for p in planned] == [
        (SealKind.OFFICIAL, 40.0, 40.0),
        (SealKind.FINANCE, 40.0, 40.0),
        (SealKind.INVOICE, 40.0, 30.0),
        (SealKind.LEGAL_REP, 20.0, 20.0),
        (SealKind.CONTRACT, 40.0, 40.0),
    ]
    assert [p.physical for p in planned] == [True, True, False, False, True]


def test_each_seal_carries_its_own_text() -> None:
    planned = {p.kind: p for p in domain.plan_seals(replace(ORDER, seals=FULL_SET))}
    code = "1201001000007"
    assert planned[SealKind.OFFICIAL].text(ORDER, code) == f"天津宝坻示例科技有限公司 {code}"
    assert planned[SealKind.FINANCE].text(ORDER, code).endswith(f"财务专用章 {code}")
    assert planned[SealKind.INVOICE].text(ORDER, code) == (
        f"天津宝坻示例科技有限公司 {USCC} 发票专用章 {code}"
    )
    assert planned[SealKind.LEGAL_REP].text(ORDER, code) == "张三丰"
    spec = planned[SealKind.INVOICE].spec(ORDER, code)
    assert (spec.uscc, spec.person_name) == (USCC, "")


# --------------------------------------------------------------------------- completion


def _planned(physical: bool, electronic: bool) -> PlannedSeal:
    return PlannedSeal(SealKind.OFFICIAL, physical, electronic, 40.0, 40.0)


@pytest.mark.parametrize(
    ("seals", "auto_approve", "automatic"),
    [
        ([_planned(False, True)], frozenset({"seal"}), True),
        ([_planned(False, True)], frozenset({"registration"}), False),
        ([_planned(False, True), _planned(True, True)], frozenset({"seal"}), False),
        ([_planned(True, False)], frozenset({"seal"}), False),
        ([], frozenset({"seal"}), False),
    ],
    ids=["electronic-only", "not-configured", "mixed", "physical", "empty"],
)
def test_only_electronic_sets_complete_without_the_seal_maker(
    seals: list[PlannedSeal], auto_approve: frozenset[str], automatic: bool
) -> None:
    assert domain.completes_automatically(seals, auto_approve) is automatic


def _facts(code: str, physical: bool, electronic: bool, state: SealState) -> SealFacts:
    return SealFacts(code, SealKind.OFFICIAL, physical, electronic, state)


ORDER_SEALS = [
    _facts("1201001000001", True, True, SealState.ORDERED),
    _facts("1201001000002", True, False, SealState.ENGRAVED),
    _facts("1201001000003", False, True, SealState.ORDERED),
]


def test_completion_waits_for_every_physical_seal() -> None:
    assert domain.not_engraved(ORDER_SEALS) == ["1201001000001"]
    assert domain.not_engraved(ORDER_SEALS[1:]) == []


def test_mark_engraved_without_codes_takes_every_physical_seal_still_to_engrave() -> None:
    assert domain.engrave_selection(ORDER_SEALS, []) == (["1201001000001"], [])


def test_mark_engraved_refuses_foreign_and_electronic_only_codes() -> None:
    chosen, problems = domain.engrave_selection(
        ORDER_SEALS, ["1201001000009", "1201001000003", "1201001000001"]
    )
    assert chosen == ["1201001000001"]
    assert [(p.field, p.rule) for p in problems] == [
        ("seal_codes[0]", "in_order"),
        ("seal_codes[1]", "physical_only"),
    ]


def test_summary_lists_each_seal_and_its_form() -> None:
    line = domain.summary([(SealKind.OFFICIAL, True, True), (SealKind.INVOICE, False, True)])
    assert line == "2 seals: 公章（实物+电子）、发票专用章（电子）"


# --------------------------------------------------------------------------- filing, PKI times


def test_filing_number_is_date_and_seal_code() -> None:
    assert domain.filing_number("1201001000001", NOW) == "GA202611261201001000001"


def test_certificate_starts_before_now_and_never_outlives_its_ca() -> None:
    start, end = domain.certificate_window(NOW, NOW + timedelta(days=10 * 365))
    assert start == NOW - domain.CLOCK_SKEW
    assert end == NOW + domain.CERTIFICATE_LIFETIME
    _, capped = domain.certificate_window(NOW, NOW + timedelta(days=30))
    assert capped == NOW + timedelta(days=30)


@pytest.mark.parametrize(
    ("age", "due"),
    [(None, True), (timedelta(hours=1), False), (timedelta(days=1), True)],
    ids=["none-yet", "fresh", "a-day-old"],
)
def test_crl_is_renewed_long_before_it_expires(age: timedelta | None, due: bool) -> None:
    if age is None:
        assert domain.crl_due(None, None, NOW)
        return
    this_update = NOW - age
    assert domain.crl_due(this_update, this_update + domain.CRL_LIFETIME, NOW) is due


def test_crl_near_its_end_is_renewed_even_if_recent() -> None:
    assert domain.crl_due(NOW - timedelta(hours=1), NOW + timedelta(days=2), NOW)


# --------------------------------------------------------------------------- placing a seal


def test_impression_inside_the_page_is_fine() -> None:
    assert domain.placement_violations([A4], 0, 100, 100, SealKind.OFFICIAL) == []
    right_edge = 595.28 - 40 * MM
    assert domain.placement_violations([A4], 0, right_edge, 0, SealKind.OFFICIAL) == []


@pytest.mark.parametrize(
    ("page", "x", "y", "expected"),
    [
        (1, 100.0, 100.0, ("page", "page_exists")),
        (-1, 100.0, 100.0, ("page", "page_exists")),
        (0, -1.0, 100.0, ("x", "on_page")),
        (0, 500.0, 100.0, ("x", "on_page")),
        (0, 100.0, 800.0, ("x", "on_page")),
        (0, float("nan"), 100.0, ("x", "finite")),
    ],
    ids=["no-such-page", "negative-page", "left-of-page", "past-right-edge", "past-top", "nan"],
)
def test_impression_off_the_page_is_rejected(
    page: int, x: float, y: float, expected: tuple[str, str]
) -> None:
    (problem,) = domain.placement_violations([A4], page, x, y, SealKind.OFFICIAL)
    assert (problem.field, problem.rule) == expected
    assert problem.message_zh and problem.message_en


def test_the_smaller_name_seal_fits_where_a_round_seal_does_not() -> None:
    x = 595.28 - 25 * MM
    assert domain.placement_violations([A4], 0, x, 10, SealKind.OFFICIAL)
    assert domain.placement_violations([A4], 0, x, 10, SealKind.LEGAL_REP) == []


def test_each_new_impression_gets_a_new_field() -> None:
    assert domain.signature_field_name("1201001000001", []) == "seal-1201001000001-1"
    taken = ["seal-1201001000001-1", "seal-1201001000001-2", "Other"]
    assert domain.signature_field_name("1201001000001", taken) == "seal-1201001000001-3"


# --------------------------------------------------------------------------- authorised users

ALL_ELECTRONIC = frozenset(REQUIRED_KINDS)
GRANT = GrantInput(
    subject="frank", kinds=(SealKind.FINANCE,), valid_until=NOW + timedelta(days=30), note=""
)


def _grant_rules(grant: GrantInput, company_kinds: frozenset[SealKind] = ALL_ELECTRONIC):
    found = domain.grant_violations(grant, owner="alice", company_kinds=company_kinds, now=NOW)
    assert all(v.message_zh and v.message_en for v in found)
    return [(v.field, v.rule) for v in found]


def test_a_grant_for_a_seal_the_company_has_is_accepted() -> None:
    assert _grant_rules(GRANT) == []
    assert _grant_rules(replace(GRANT, kinds=(), valid_until=None)) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"subject": ""}, ("subject", "required")),
        ({"subject": "x" * 121}, ("subject", "max_length")),
        ({"subject": "alice"}, ("subject", "not_owner")),
        ({"kinds": (None,)}, ("kinds[0]", "seal_kind")),
        (
            {"kinds": (SealKind.FINANCE, SealKind.CONTRACT)},
            ("kinds[1]", "electronic_seal_of_company"),
        ),
        ({"valid_until": NOW}, ("valid_until", "future")),
        ({"valid_until": NOW - timedelta(seconds=1)}, ("valid_until", "future")),
        ({"note": "备" * 501}, ("note", "max_length")),
    ],
    ids=[
        "no-subject",
        "long-subject",
        "owner",
        "unknown-kind",
        "kind-not-held",
        "until-now",
        "in-the-past",
        "long-note",
    ],
)
def test_each_bad_grant_value_gets_its_rejection(
    change: dict[str, object], expected: tuple[str, str]
) -> None:
    assert _grant_rules(replace(GRANT, **change)) == [expected]  # type: ignore[arg-type]


def test_valid_until_is_compared_as_an_instant_whatever_its_zone() -> None:
    # 10:30 in Shanghai is 02:30 UTC, before NOW (10:00 UTC): in the past despite the "10:30".
    shanghai = timezone(timedelta(hours=8))
    earlier = datetime(2026, 11, 26, 10, 30, tzinfo=shanghai)
    assert _grant_rules(replace(GRANT, valid_until=earlier)) == [("valid_until", "future")]
    later = datetime(2026, 11, 26, 18, 30, tzinfo=shanghai)
    assert _grant_rules(replace(GRANT, valid_until=later)) == []
    with pytest.raises(ValueError, match="naive"):
        _grant_rules(replace(GRANT, valid_until=datetime(2026, 12, 1)))


def test_no_electronic_seal_means_nothing_to_authorise() -> None:
    assert _grant_rules(replace(GRANT, kinds=()), frozenset()) == [
        ("kinds", "electronic_seal_of_company")
    ]
    assert _grant_rules(GRANT, frozenset({SealKind.OFFICIAL})) == [
        ("kinds[0]", "electronic_seal_of_company")
    ]


def test_an_empty_grant_covers_every_electronic_seal_in_the_usual_order() -> None:
    company = frozenset({SealKind.INVOICE, SealKind.OFFICIAL, SealKind.CONTRACT})
    assert domain.granted_kinds((), company) == (
        SealKind.OFFICIAL,
        SealKind.INVOICE,
        SealKind.CONTRACT,
    )
    twice = (SealKind.FINANCE, SealKind.OFFICIAL, SealKind.FINANCE)
    assert domain.granted_kinds(twice, ALL_ELECTRONIC) == (SealKind.OFFICIAL, SealKind.FINANCE)


def test_revoking_needs_a_subject_and_a_reason() -> None:
    assert domain.revoke_violations("frank", "离职") == []
    rules = [(v.field, v.rule) for v in domain.revoke_violations("", "")]
    assert rules == [("subject", "required"), ("reason", "required")]
    (long_reason,) = domain.revoke_violations("frank", "x" * 501)
    assert (long_reason.field, long_reason.rule) == ("reason", "max_length")


FINANCE_ONLY = GrantFacts(
    kinds=frozenset({SealKind.FINANCE}), valid_until=NOW + timedelta(hours=1), revoked_at=None
)


def test_an_active_grant_lets_its_holder_sign_with_the_kinds_it_covers() -> None:
    assert FINANCE_ONLY.active(NOW)
    assert domain.grant_refusal("frank", FINANCE_ONLY, NOW) is None
    assert domain.kind_refusal("frank", FINANCE_ONLY, SealKind.FINANCE) is None
    refusal = domain.kind_refusal("frank", FINANCE_ONLY, SealKind.OFFICIAL)
    assert refusal is not None
    assert (refusal.field, refusal.rule) == ("kind", "authorised_kind")
    assert "财务专用章" in refusal.message_zh and "official" in refusal.message_en


@pytest.mark.parametrize(
    ("grant", "rule"),
    [
        (None, "authorised_user"),
        (replace(FINANCE_ONLY, revoked_at=NOW - timedelta(minutes=1)), "authorisation_revoked"),
        (replace(FINANCE_ONLY, valid_until=NOW), "authorisation_expired"),
        (replace(FINANCE_ONLY, valid_until=NOW - timedelta(days=1)), "authorisation_expired"),
    ],
    ids=["no-grant", "revoked", "expires-now", "expired"],
)
def test_no_active_grant_no_signature(grant: GrantFacts | None, rule: str) -> None:
    refusal = domain.grant_refusal("frank", grant, NOW)
    assert refusal is not None and (refusal.field, refusal.rule) == ("subject", rule)
    assert "frank" in refusal.message_zh and "frank" in refusal.message_en
    if grant is not None:
        assert not grant.active(NOW)


def test_a_grant_without_end_lasts_until_revoked() -> None:
    forever = replace(FINANCE_ONLY, valid_until=None)
    assert forever.active(NOW + timedelta(days=3650))
    assert domain.grant_refusal("frank", forever, NOW + timedelta(days=3650)) is None
