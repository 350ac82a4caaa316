"""The seal set a new company is asked to order is the platform's policy, kept as rule data
(svc_seal/data/seal_policy.csv) with each rule's wording, source and verification state; an
applicant who asks only for 数电票 is not asked for an invoice seal."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import replace

import pytest

from svc_seal import domain
from svc_seal.domain import InvoiceKind, RequestedSeal, SealOrderInput, SealPolicyError
from svc_seal.impression import SealKind

DIGITAL = frozenset({InvoiceKind.DIGITAL_ORDINARY, InvoiceKind.DIGITAL_SPECIAL})
FOUR = (SealKind.OFFICIAL, SealKind.FINANCE, SealKind.INVOICE, SealKind.LEGAL_REP)
WITHOUT_INVOICE_SEAL = (SealKind.OFFICIAL, SealKind.FINANCE, SealKind.LEGAL_REP)


def _order(*kinds: SealKind, invoices: frozenset[InvoiceKind] = frozenset()) -> SealOrderInput:
    return SealOrderInput(
        uscc="91120115MA05L7XY3R",
        company_name="天津宝坻示例科技有限公司",
        legal_representative_name="张三丰",
        division_code="120115",
        seals=tuple(RequestedSeal(kind, True, True) for kind in kinds),
        invoice_kinds=invoices,
    )


def _rules(order: SealOrderInput, policy: domain.SealPolicy | None = None) -> list[str]:
    return [f"{v.field}:{v.rule}" for v in domain.order_violations(order, policy)]


def _packaged_rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(domain.POLICY_FILE.read_text(encoding="utf-8"))))


def _policy_text(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(domain.POLICY_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _changed(row_kind: str, **changes: str) -> str:
    rows = _packaged_rows()
    for row in rows:
        if row["kind"] == row_kind:
            row.update(changes)
    return _policy_text(rows)


# --------------------------------------------------------------------------- the packaged policy


def test_the_policy_is_loaded_from_its_data_file_with_a_content_version():
    policy = domain.seal_policy()
    digest = hashlib.sha256(domain.POLICY_FILE.read_bytes()).hexdigest()[:12]
    assert policy.version == f"seal_policy.csv@{digest}"
    assert [rule.kind for rule in policy.rules] == list(domain.KIND_ORDER)


def test_every_rule_is_policy_with_its_source_and_an_honest_verified_flag():
    for rule in domain.seal_policy().rules:
        assert rule.basis == "platform policy"
        assert "policy" in rule.source and rule.source.strip()
        # Nothing in the file was read in a Tianjin notice or a statute.
        assert rule.verified == "unverified"
        if rule.required:
            assert rule.wording_zh.startswith("本平台要求") and "并非法律规定" in rule.wording_zh
            assert rule.wording_en.startswith("the platform asks")
            assert "not a legal requirement" in rule.wording_en
            assert rule.kind.label_zh in rule.wording_zh


def test_the_default_set_is_four_seals_and_the_contract_seal_is_optional():
    policy = domain.seal_policy()
    assert policy.required_kinds() == FOUR
    assert not policy.rule(SealKind.CONTRACT).required
    assert _rules(_order(*FOUR)) == []
    assert _rules(_order(*FOUR, SealKind.CONTRACT)) == []


# --------------------------------------------------------------------------- 数电票


@pytest.mark.parametrize(
    "invoices",
    [
        frozenset({InvoiceKind.DIGITAL_ORDINARY}),
        frozenset({InvoiceKind.DIGITAL_SPECIAL}),
        DIGITAL,
    ],
)
def test_an_applicant_asking_only_for_digital_invoices_needs_no_invoice_seal(invoices):
    assert SealKind.INVOICE not in domain.seal_policy().required_kinds(invoices)
    assert _rules(_order(*WITHOUT_INVOICE_SEAL, invoices=invoices)) == []
    # Ordering it anyway is still allowed.
    assert _rules(_order(*FOUR, invoices=invoices)) == []


@pytest.mark.parametrize(
    "invoices",
    [
        frozenset(),  # the order does not say which invoices the company will issue
        frozenset({InvoiceKind.OTHER}),
        frozenset({InvoiceKind.DIGITAL_ORDINARY, InvoiceKind.OTHER}),
    ],
)
def test_the_invoice_seal_is_asked_for_unless_every_invoice_is_digital(invoices):
    (problem,) = domain.order_violations(_order(*WITHOUT_INVOICE_SEAL, invoices=invoices))
    assert (problem.field, problem.rule) == ("form.seals", "required_seal")
    assert "发票专用章" in problem.message_zh and "invoice seal" in problem.message_en


def test_digital_invoices_waive_only_the_invoice_seal():
    problems = domain.order_violations(_order(SealKind.OFFICIAL, invoices=DIGITAL))
    assert [p.message_zh for p in problems] == [
        domain.seal_policy().rule(SealKind.FINANCE).wording_zh,
        domain.seal_policy().rule(SealKind.LEGAL_REP).wording_zh,
    ]


# --------------------------------------------------------------------------- changing the policy


def test_changing_the_data_changes_the_rule():
    relaxed = domain.parse_seal_policy(_changed("finance", requirement="optional"))
    order = _order(SealKind.OFFICIAL, SealKind.INVOICE, SealKind.LEGAL_REP)
    assert _rules(order) == ["form.seals:required_seal"]
    assert _rules(order, relaxed) == []
    assert relaxed.version != domain.seal_policy().version

    stricter = domain.parse_seal_policy(
        _changed(
            "contract",
            requirement="required",
            wording_zh="本平台要求刻制合同专用章（这是本平台的政策，并非法律规定）",
            wording_en="the platform asks for the contract seal (policy, not law)",
        )
    )
    (problem,) = domain.order_violations(_order(*FOUR), stricter)
    assert problem.message_en == "the platform asks for the contract seal (policy, not law)"


def test_an_invoice_rule_without_the_digital_exception_asks_everyone():
    strict = domain.parse_seal_policy(_changed("invoice", optional_when_invoices_only=""))
    assert SealKind.INVOICE in strict.required_kinds(DIGITAL)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_changed("finance", basis="law"), "row 3, basis 'law'"),
        (_changed("invoice", optional_when_invoices_only="paper"), "optional_when_invoices_only"),
        (_changed("official", source=""), "row 2, source ''"),
        (_changed("official", verified="probably"), "verified 'probably'"),
        (_changed("official", requirement="must"), "requirement 'must'"),
        (_changed("legal_rep", wording_en=""), "row 5, wording_zh"),
        (_changed("contract", kind="stamp"), "kind 'stamp'"),
        (_changed("contract", kind="official"), "duplicated ['official'], missing ['contract']"),
        ("kind,requirement\nofficial,required\n", "lacks columns"),
    ],
)
def test_a_malformed_policy_is_refused_naming_the_row_and_column(text, message):
    with pytest.raises(SealPolicyError) as refused:
        domain.parse_seal_policy(text)
    assert message in str(refused.value)


def test_an_order_without_invoice_kinds_keeps_the_full_set():
    order = replace(_order(*WITHOUT_INVOICE_SEAL), invoice_kinds=frozenset())
    assert _rules(order) == ["form.seals:required_seal"]
