"""The automatic-approval rule set (versioned, replayable), USCC assignment, the printed fields of
the license, and the reference data the rules stand on."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onestop_common.identifiers import validate_orgcode, validate_uscc
from svc_registration import domain, grpc_api, license_pdf
from svc_registration.domain import CreditStatus, EnterpriseType, LicenseFacts
from svc_registration.reference import credit_seed, reference
from tests.support.registration import sample_form

TODAY = date(2026, 11, 26)
REF = reference()
BASE = grpc_api.application(sample_form())

CLEAN = {
    "enterprise_type": "llc",
    "violations": [],
    "flags": [],
    "committed_materials": 0,
    "applicant_credit_listed": False,
    "credit_listed_people": [],
    "non_citizen_ids": 0,
}


# --------------------------------------------------------------------------- automatic approval


def test_a_clean_standard_case_is_approved_by_the_current_rule_set():
    decision = domain.decide_automatically(CLEAN)
    assert decision.approved
    assert decision.ruleset_version == domain.RULESET_VERSION == "auto-approval/2026-11-26.1"
    assert decision.reasons == ()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"enterprise_type": "partnership"}, "auto.enterprise_type"),
        ({"enterprise_type": "sole_proprietorship"}, "auto.enterprise_type"),
        ({"violations": ["name.duplicate"]}, "auto.checks_failed"),
        ({"flags": ["business_scope.licensed"]}, "auto.flag.business_scope.licensed"),
        (
            {"flags": ["business_scope.unverified_entry"]},
            "auto.flag.business_scope.unverified_entry",
        ),
        ({"flags": ["name.restricted_word"]}, "auto.flag.name.restricted_word"),
        ({"flags": ["capital.paid_in_industry"]}, "auto.flag.capital.paid_in_industry"),
        ({"applicant_credit_listed": True}, "auto.credit"),
        ({"credit_listed_people": ["shareholders[0]"]}, "auto.credit"),
        ({"committed_materials": 1}, "auto.missing_materials"),
        ({"non_citizen_ids": 1}, "auto.identity_documents"),
    ],
)
def test_each_rule_of_the_set_refers_the_case_to_an_officer(change, code):
    decision = domain.decide_automatically({**CLEAN, **change})
    assert not decision.approved
    assert [reason.code for reason in decision.reasons] == [code]
    assert all(reason.message_zh and reason.message_en for reason in decision.reasons)


def test_a_decision_records_exactly_what_it_looked_at_and_replays_to_the_same_result():
    committed = replace(
        BASE,
        commitment=domain.Commitment((domain.Material("lease", "租赁合同"),), "承诺", True),
        scope=(domain.ScopeChoice("", "互联网信息服务"),),
    )
    validation = domain.validate_application(committed, REF, today=TODAY)
    inputs = domain.auto_inputs(committed, validation, CreditStatus())
    assert inputs == {
        "enterprise_type": "llc",
        "violations": [],
        "flags": ["business_scope.licensed", "business_scope.unverified_entry"],
        "committed_materials": 1,
        "applicant_credit_listed": False,
        "credit_listed_people": [],
        "non_citizen_ids": 0,
    }
    first = domain.decide_automatically(inputs)
    again = domain.decide_automatically(dict(first.inputs), first.ruleset_version)
    assert again == first
    assert [r.code for r in first.reasons] == [
        "auto.flag.business_scope.licensed",
        "auto.flag.business_scope.unverified_entry",
        "auto.missing_materials",
    ]


def test_decision_inputs_hold_no_identity_numbers():
    validation = domain.validate_application(BASE, REF, today=TODAY)
    text = repr(domain.auto_inputs(BASE, validation, CreditStatus()))
    assert BASE.legal_representative.id_number not in text


def test_an_unknown_rule_set_version_is_refused_not_guessed():
    with pytest.raises(KeyError, match="auto-approval/1999"):
        domain.decide_automatically(CLEAN, "auto-approval/1999")


# --------------------------------------------------------------------------- USCC


def test_a_new_organisation_code_is_ma_plus_six_plus_its_gb11714_check():
    code = domain.new_org_code("05W2DY")
    assert code[:8] == "MA05W2DY" and len(code) == 9
    assert validate_orgcode(code).ok


def test_the_uscc_is_authority_9_category_1_baodi_and_the_organisation_code():
    org = domain.new_org_code("05W2DY")
    uscc = domain.uscc_for(EnterpriseType.LLC, org)
    assert uscc[:8] == "91120115"
    assert uscc[8:17] == org
    assert validate_uscc(uscc).ok


@pytest.mark.parametrize("etype", list(domain.USCC_CATEGORY))
def test_every_registered_type_is_an_enterprise_category_1(etype):
    # Sole proprietorships and partnerships are enterprises (category 1), not individual
    # businesses (category 2): see domain.USCC_CATEGORY.
    assert domain.uscc_for(etype, domain.new_org_code("ABCDEF"))[1] == "1"


def test_no_uscc_for_an_unspecified_type():
    with pytest.raises(ValueError):
        domain.uscc_for(EnterpriseType.UNSPECIFIED, domain.new_org_code("ABCDEF"))


@given(st.text(alphabet=domain.ORG_CODE_ALPHABET, min_size=6, max_size=6))
def test_every_drawn_code_makes_a_valid_uscc(random_part):
    org = domain.new_org_code(random_part)
    assert validate_orgcode(org).ok
    uscc = domain.uscc_for(EnterpriseType.ONE_PERSON_LLC, org)
    assert validate_uscc(uscc).ok


@pytest.mark.parametrize("bad", ["ABCDE", "ABCDEFG", "ABCDEI", "abcdef", "ABCDEO"])
def test_a_random_part_a_uscc_cannot_hold_is_refused(bad):
    with pytest.raises(ValueError):
        domain.new_org_code(bad)


# --------------------------------------------------------------------------- the license


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("1000000", "壹佰万元整"),
        ("1000000.00", "壹佰万元整"),
        ("10005", "壹万零伍元整"),
        ("100100", "壹拾万零壹佰元整"),
        ("1010000", "壹佰零壹万元整"),
        ("100000000", "壹亿元整"),
        ("100010000", "壹亿零壹万元整"),
        ("30000.50", "叁万元伍角"),
        ("1.05", "壹元零伍分"),
        ("0.50", "伍角"),
        ("0", "零元整"),
        ("1234567.89", "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
    ],
)
def test_capital_is_printed_in_financial_capitals(amount, text):
    assert domain.rmb_uppercase(Decimal(amount)) == text


def test_negative_amounts_have_no_capitals():
    with pytest.raises(ValueError):
        domain.rmb_uppercase(Decimal("-1"))


def test_operating_term():
    assert domain.operating_term(TODAY, 0) == ("长期", "no fixed term")
    assert domain.operating_term(TODAY, 20) == (
        "2026年11月26日 至 2046年11月25日",
        "2026-11-26 to 2046-11-25",
    )


def facts(etype: EnterpriseType) -> LicenseFacts:
    return LicenseFacts(
        uscc="91120115MA05W2DY4U",
        license_number="1201152026112600A1B2",
        company_name="天津宝坻示例科技有限公司",
        enterprise_type=etype,
        legal_representative="张伟",
        registered_capital=Decimal("1000000.00"),
        date_of_establishment=TODAY,
        operating_term_years=0,
        domicile="天津市宝坻区宝旺道6号",
        business_scope="一般项目：软件开发。",
        registration_authority=domain.REGISTRATION_AUTHORITY_ZH,
        issued_on=TODAY,
        qr_payload=domain.qr_payload("", "91120115MA05W2DY4U", "1201152026112600A1B2", 1),
    )


def test_the_labels_follow_the_enterprise_type():
    llc = facts(EnterpriseType.LLC)
    assert (llc.legal_rep_label, llc.capital_label, llc.domicile_label, llc.term_label) == (
        "法定代表人",
        "注册资本",
        "住所",
        "营业期限",
    )
    assert llc.capital_text == "人民币壹佰万元整"
    partnership = facts(EnterpriseType.PARTNERSHIP)
    assert (partnership.legal_rep_label, partnership.domicile_label, partnership.term_label) == (
        "执行事务合伙人",
        "主要经营场所",
        "合伙期限",
    )
    assert facts(EnterpriseType.SOLE_PROPRIETORSHIP).legal_rep_label == "投资人"


def test_the_qr_code_carries_the_public_verification_page_of_the_license_version():
    payload = domain.qr_payload(
        "https://onestop.example.gov.cn", "91120115MA05W2DY4U", "1201152026112600A1B2", 2
    )
    assert payload == (
        "https://onestop.example.gov.cn/verify/91120115MA05W2DY4U/1201152026112600A1B2?v=2"
    )


def test_the_license_pdf_draws_its_qr_code_from_the_verification_url(monkeypatch):
    drawn: list[str] = []
    widget = license_pdf.QrCodeWidget

    def spy(payload: str, **options: object) -> object:
        drawn.append(payload)
        return widget(payload, **options)

    monkeypatch.setattr(license_pdf, "QrCodeWidget", spy)
    assert license_pdf.render_license(facts(EnterpriseType.LLC)).startswith(b"%PDF")
    assert drawn == ["https://onestop.invalid/verify/91120115MA05W2DY4U/1201152026112600A1B2?v=1"]


def test_scope_prints_general_items_then_licensed_ones_with_the_proviso():
    text = domain.business_scope_text(["软件开发", "互联网信息服务", "信息系统集成服务"], REF)
    assert text.startswith("一般项目：软件开发；信息系统集成服务。许可项目：互联网信息服务。")
    assert "经相关部门批准后方可开展经营活动" in text


# --------------------------------------------------------------------------- reference data


def test_the_reference_data_is_complete_and_sourced():
    articles = {p.article for p in REF.prohibited}
    assert {f"Art.11({n})" for n in range(1, 10)} <= articles and "Art.12" in articles
    assert all(p.source and p.verified in ("partial", "unverified") for p in REF.prohibited)
    assert len(REF.scope) >= 40
    assert all(entry.source and entry.verified for entry in REF.scope.values())
    assert len(REF.paid_in) == 27
    assert REF.divisions["120115"].name_zh == "宝坻区"
    assert {f.enterprise_type for f in REF.org_forms} == set(domain.USCC_CATEGORY)


def test_the_data_version_names_every_file_by_content_hash():
    version = REF.data_version
    assert "name_prohibited.csv@" in version and "business_scope.csv@" in version
    assert version == reference().data_version


def test_the_credit_seed_is_versioned_synthetic_and_its_numbers_valid():
    from onestop_common.identifiers import validate_citizen_id

    version, entries = credit_seed()
    assert version.startswith("credit_list.csv@")
    assert entries and all(e.verified == "synthetic" for e in entries)
    assert all(validate_citizen_id(e.subject_id, today=TODAY).ok for e in entries)
