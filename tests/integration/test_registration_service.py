"""The registration service as a real process on the broker and its database, with automatic
approval on: a standard case gets a signed license in one step, a repeated command changes
nothing, two identical names race and one wins, and revocation retires the USCC."""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Iterator

import grpc
import pytest

from onestop.common.v1 import application_pb2, common_pb2
from onestop.registration.v1 import registration_pb2 as pb
from onestop_common import messaging as m
from onestop_common.identifiers import validate_uscc
from onestop_common.pki import PkiStore
from onestop_common.signing import list_attachments, validate_pdf
from orchestrator.amqp import declare_topology
from tests.support.participant import CommandDriver, kombu_bytes, nameko_rpc
from tests.support.registration import (
    Registration,
    new_case,
    registration_service,
    sample_form,
    send_issue_license,
)

DONE = common_pb2.OUTCOME_DONE
CORRECTION = common_pb2.OUTCOME_CORRECTION_REQUESTED


def license_lookup(reg: Registration, uscc: str) -> pb.LookUpLicenseStatusResponse:
    """The license_status AMQP RPC as the bank calls it: a serialized LookUpLicenseStatusRequest
    in (kombu's json carries bytes as base64), the serialized response out."""
    body = pb.LookUpLicenseStatusRequest(uscc=uscc).SerializeToString()
    packed = {"__type__": "base64", "__value__": base64.b64encode(body).decode()}
    answer = nameko_rpc(reg.settings, "registration", "license_status", packed)
    return pb.LookUpLicenseStatusResponse.FromString(kombu_bytes(answer))


@pytest.fixture(scope="module")
def reg(tmp_path_factory) -> Iterator[Registration]:
    with registration_service(tmp_path_factory.mktemp("registration")) as running:
        yield running


def test_a_standard_application_is_approved_automatically_with_a_signed_license(reg):
    case_id, key = reg.issue(sample_form(), applicant="alice")
    result = reg.result(key, outcome=DONE)
    lic = result.license
    assert result.status.decided_by == "auto:auto-approval/2026-11-26.1"
    assert validate_uscc(lic.uscc).ok and lic.uscc.startswith("91120115MA")
    assert (lic.company_name, lic.legal_representative) == ("天津宝坻示例科技有限公司", "张伟")
    assert lic.registered_capital.amount == "1000000.00"
    assert (
        lic.operating_term == "长期" and lic.registration_authority == "天津市宝坻区市场监督管理局"
    )
    assert lic.business_scope.startswith("一般项目：软件开发；信息系统集成服务；")
    # No public address configured: a reserved name, never the loopback address.
    assert lic.qr_payload == (f"https://onestop.invalid/verify/{lic.uscc}/{lic.license_number}?v=1")
    assert lic.status == pb.LICENSE_STATUS_VALID and not lic.committed_materials
    assert len(reg.events("registration.LicenseIssued", case_id)) == 1

    # The owner fetches the PDF; it validates offline against the platform root.
    got = reg.service.GetLicense(
        pb.GetLicenseRequest(case_id=case_id), metadata=reg.as_role("entrepreneur", "alice")
    )
    assert hashlib.sha256(got.pdf).hexdigest() == lic.pdf_sha256
    root = PkiStore(reg.settings.pki_dir, reg.settings.kek).root_certificate()
    report = validate_pdf(got.pdf, trust_root=root)
    assert report.ok, report.pretty()
    (signature,) = report.signatures
    assert signature.certification == "FILL_FORMS"
    assert "OneStop Registration Authority" in signature.signer_subject
    assert signature.timestamp_time is not None
    assert list_attachments(got.pdf) == {}
    assert not validate_pdf(got.pdf[:-200] + b"0" * 200, trust_root=root).ok

    # Nobody else's entrepreneur may fetch it; anyone may ask for its status.
    with pytest.raises(grpc.RpcError) as denied:
        reg.service.GetLicense(
            pb.GetLicenseRequest(uscc=lic.uscc), metadata=reg.as_role("entrepreneur", "mallory")
        )
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
    officer_copy = reg.service.GetLicense(
        pb.GetLicenseRequest(uscc=lic.uscc), metadata=reg.officer()
    )
    assert officer_copy.pdf == got.pdf
    status = reg.service.GetLicenseStatus(pb.GetLicenseStatusRequest(uscc=lic.uscc))
    assert (status.status, status.company_name) == (pb.LICENSE_STATUS_VALID, lic.company_name)
    assert (status.license_number, status.version) == (lic.license_number, 1)
    assert status.date_of_establishment == lic.date_of_establishment
    with pytest.raises(grpc.RpcError) as unknown:
        reg.service.GetLicenseStatus(
            pb.GetLicenseStatusRequest(uscc=lic.uscc, license_number="120115200001010000AA")
        )
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
    looked_up = license_lookup(reg, lic.uscc)
    assert looked_up.license == status
    assert looked_up.license.legal_representative == "张伟"
    explained = reg.desk.ExplainDecision(
        pb.ExplainDecisionRequest(case_id=case_id), metadata=reg.officer()
    )
    assert explained.approved and explained.enabled and explained.replay_matches


def test_a_repeated_command_gets_the_same_result_and_no_second_uscc(reg):
    form = sample_form("重复命令")
    case_id, key = reg.issue(form, applicant="alice")
    first = reg.result(key, outcome=DONE)
    reg.issue(form, case_id=case_id, applicant="alice", key=key)
    replies = reg.driver.results(key, count=2)
    assert replies[1] == replies[0]
    # A re-dispatch under another key for the same case returns the same license too.
    _, other_key = reg.issue(form, case_id=case_id, applicant="alice", key=f"{key}:2")
    assert reg.result(other_key, outcome=DONE).license.uscc == first.license.uscc
    assert len(reg.events("registration.LicenseIssued", case_id)) == 1


def test_two_concurrent_identical_names_in_one_industry_exactly_one_wins(reg):
    keys: list[str] = []
    lock = threading.Lock()
    # Two separate publishers, released together.
    drivers = [CommandDriver(reg.settings) for _ in range(2)]
    try:
        barrier = threading.Barrier(2)

        def race(driver: CommandDriver, applicant: str) -> None:
            request = pb.IssueLicenseRequest(form=sample_form("并发竞名"))
            barrier.wait()
            key = send_issue_license(driver, request, new_case(), applicant)
            with lock:
                keys.append(key)

        threads = [
            threading.Thread(target=race, args=(drivers[0], "alice")),
            threading.Thread(target=race, args=(drivers[1], "bob")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for driver in drivers:
            driver.close()
    results = [reg.result(key) for key in keys]
    outcomes = sorted(r.status.outcome for r in results)
    assert outcomes == sorted([DONE, CORRECTION])
    loser = next(r for r in results if r.status.outcome == CORRECTION)
    assert [(x.field, x.rule) for x in loser.status.rejections] == [
        ("form.name.trade_name", "name.duplicate")
    ]
    assert "天津并发竞名科技有限公司" in loser.status.rejections[0].message_zh
    # The same trade name in another industry section is another name.
    other = sample_form("并发竞名")
    other.name.industry, other.name.industry_code = "餐饮", "H"
    other.business_scope[0].name_zh = "餐饮管理"
    _, key = reg.issue(other, applicant="carol")
    assert reg.result(key).status.outcome == common_pb2.OUTCOME_ACCEPTED  # 餐饮管理 is unverified


def test_revocation_is_idempotent_retires_the_uscc_and_keeps_the_name_a_year(reg):
    case_id, key = reg.issue(sample_form("撤销示例"), applicant="alice")
    uscc = reg.result(key, outcome=DONE).license.uscc
    first_key = reg.revoke(case_id, "bank refused the account")
    first = reg.result(first_key, outcome=DONE)
    assert first.uscc == uscc
    second_key = reg.revoke(case_id, "bank refused the account", round_=2)
    second = reg.result(second_key, outcome=DONE)
    assert second.revoked_at == first.revoked_at
    assert len(reg.events("registration.LicenseRevoked", case_id)) == 1
    status = reg.service.GetLicenseStatus(pb.GetLicenseStatusRequest(uscc=uscc))
    assert status.status == pb.LICENSE_STATUS_REVOKED
    assert status.revocation_reason == "bank refused the account"
    assert status.revocation_category == pb.REVOCATION_CATEGORY_OPENING_UNDONE
    record = license_lookup(reg, uscc).license
    assert record.status == pb.LICENSE_STATUS_REVOKED and record.revoked_at.seconds > 0
    assert not license_lookup(reg, "91350100M000100Y43").HasField("license")
    assert not license_lookup(reg, "not a USCC").HasField("license")

    # Another applicant cannot take the revoked company's name for a year.
    _, taken_key = reg.issue(sample_form("撤销示例"), applicant="bob")
    taken = reg.result(taken_key)
    assert taken.status.outcome == CORRECTION
    assert [x.rule for x in taken.status.rejections] == ["name.duplicate"]
    # An IssueLicense arriving after the case's compensation is refused, never granted anew.
    late = reg.issue(
        sample_form("撤销示例"), case_id=case_id, applicant="alice", key=f"{case_id}:late"
    )[1]
    refused = reg.result(late)
    assert refused.status.outcome == common_pb2.OUTCOME_REJECTED and not refused.license.uscc


def test_the_form_and_name_checks_answer_every_problem_and_change_nothing(reg):
    gina = reg.as_role("entrepreneur", "gina")
    bad = sample_form("检查示例")
    bad.registered_capital.amount = "0"
    bad.legal_representative.id_number = "120115198503120034"
    checked = reg.service.ValidateApplication(
        pb.ValidateApplicationRequest(form=bad), metadata=gina
    )
    assert [(r.field, r.rule) for r in checked.rejections] == [
        ("form.registered_capital.amount", "money.positive"),
        ("form.legal_representative.id_number", "id_number.check_char"),
        ("form.legal_representative", "legal_representative.not_director_or_manager"),
    ]
    assert not checked.automatic_approval_eligible
    assert checked.automatic_approval_reasons[0].startswith("auto.checks_failed")
    good = reg.service.ValidateApplication(
        pb.ValidateApplicationRequest(form=sample_form("检查示例")), metadata=gina
    )
    assert list(good.rejections) == [] and good.automatic_approval_eligible
    with pytest.raises(grpc.RpcError) as other:
        reg.service.ValidateApplication(
            pb.ValidateApplicationRequest(form=bad, applicant_id="alice"), metadata=gina
        )
    assert other.value.code() == grpc.StatusCode.PERMISSION_DENIED

    name = sample_form("检查示例").name
    free = reg.service.CheckName(
        pb.CheckNameRequest(name=name, enterprise_type=application_pb2.ENTERPRISE_TYPE_LLC),
        metadata=gina,
    )
    assert (free.available, free.full_name) == (True, "天津检查示例科技有限公司")
    _, key = reg.issue(sample_form("检查示例"), applicant="gina")
    reg.result(key, outcome=DONE)
    taken = reg.service.CheckName(
        pb.CheckNameRequest(name=name, enterprise_type=application_pb2.ENTERPRISE_TYPE_LLC),
        metadata=gina,
    )
    assert not taken.available
    assert [r.rule for r in taken.rejections] == ["name.duplicate"]
    name.trade_name = "赌场"
    barred = reg.service.CheckName(
        pb.CheckNameRequest(name=name, enterprise_type=application_pb2.ENTERPRISE_TYPE_LLC),
        metadata=gina,
    )
    assert [(r.field, r.rule) for r in barred.rejections] == [
        ("form.name.trade_name", "name.prohibited_word")
    ]


def test_without_the_timestamp_authority_the_step_is_retried_not_failed(platform):
    supervisor = platform.start(("registration",))  # creates the PKI; no TSA is listening
    driver = CommandDriver(supervisor.settings)
    try:
        declare_topology(driver.channel, [m.service_queue("registration")])
        case_id = new_case()
        key = driver.send(
            "registration",
            "IssueLicense",
            pb.IssueLicenseRequest(form=sample_form("时间戳缺席")),
            case_id=case_id,
            step="license",
            key=f"{case_id}:license:IssueLicense",
        )
        result = driver.result(key)
        assert result.status.outcome == common_pb2.OUTCOME_RETRY
        assert "timestamp" in result.status.reason
        # Nothing was kept: the retried command runs the action for real (here: RETRY again).
        driver.send(
            "registration",
            "IssueLicense",
            pb.IssueLicenseRequest(form=sample_form("时间戳缺席")),
            case_id=case_id,
            step="license",
            key=key,
        )
        assert [r.status.outcome for r in driver.results(key, count=2)] == [
            common_pb2.OUTCOME_RETRY
        ] * 2
    finally:
        driver.close()
