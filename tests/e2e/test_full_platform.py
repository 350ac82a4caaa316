"""The real five services behind the saga, decided automatically (无人审批 and its equivalents at
every desk): a standard case completes with a bundle that verifies; a case whose legal
representative is on the bank's risk list is refused at the bank and every completed step is
undone in reverse order."""

from __future__ import annotations

import random
from collections.abc import Iterator

import grpc
import pytest
from grpc_status import rpc_status

from onestop.common.v1 import common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop_cli.demo import demo_form, download_bundle
from onestop_cli.verify import verify_bundle
from onestop_common.pki import PkiStore
from onestop_common.protoconv import rejections_from_status
from onestop_common.settings import Settings
from tests.support.cases import EventRecorder
from tests.support.participant import credential
from tests.support.staff import whole_platform

# On the bank's seeded risk list (svc_bank/data/risk_list.csv, a fictional person).
RISKY_NAME, RISKY_ID = "测试甲", "120115197001010016"


@pytest.fixture(scope="module")
def automatic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    with whole_platform(tmp_path_factory.mktemp("automatic"), auto_approve="all") as settings:
        yield settings


def electronic_only(form):
    """Physical seals need a seal maker's hands; an electronic-only set completes automatically."""
    for seal in form.seals:
        seal.physical = False
    return form


def submit(
    settings: Settings, form, applicant: str
) -> tuple[pb_grpc.OneStopServiceStub, str, EventRecorder, grpc.Channel]:
    channel = grpc.insecure_channel(settings.grpc_target("orchestrator"))
    stub = pb_grpc.OneStopServiceStub(channel)
    response = stub.SubmitApplication(
        pb.SubmitApplicationRequest(idempotency_key=f"{applicant}-1", form=form),
        metadata=credential(settings, "entrepreneur", applicant),
        timeout=60,
    )
    case_id = response.application.case_id
    return (
        stub,
        case_id,
        EventRecorder(stub, settings, case_id, applicant=applicant, timeout=120),
        channel,
    )


def test_a_standard_case_completes_automatically_with_a_bundle_that_verifies(automatic):
    form = electronic_only(demo_form(random.Random()))
    stub, case_id, recorder, channel = submit(automatic, form, "auto-applicant")
    with channel:
        final, _ = recorder.wait(120)
        assert final.state == common_pb2.CASE_STATE_COMPLETED, final.failure_reason
        actors = {step.name: step.actor for step in final.steps}
        assert all(actor.startswith("auto") or actor == "automatic" for actor in actors.values()), (
            actors
        )
        pdf = download_bundle(
            stub, credential(automatic, "entrepreneur", "auto-applicant"), case_id
        )
    root = PkiStore(automatic.pki_dir, automatic.kek).root_certificate()
    report = verify_bundle(pdf, trust_root=root)
    assert report.ok, report.pretty()


def test_a_risky_legal_representative_is_refused_before_anything_is_issued(automatic):
    """The bank's risk list is checked with the whole application: the refusal comes at
    submission, naming the person, and no license is issued only to be revoked. (A final refusal
    at the bank's step, and the reverse-order undoing that follows, is `onestop demo --fail-at
    bank`: tests/e2e/test_demo.py.)"""
    form = electronic_only(demo_form(random.Random()))
    original = form.legal_representative.id_number
    for person in (
        form.legal_representative,
        *(s.person for s in form.shareholders),
        *(o.person for o in form.officers),
        form.contact.person,
        form.invoice.finance_contact,
    ):
        if person.id_number == original:
            person.name, person.id_number = RISKY_NAME, RISKY_ID
    with pytest.raises(grpc.RpcError) as refused:
        submit(automatic, form, "risky-applicant")
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    status = rpc_status.from_call(refused.value)
    assert status is not None
    found = rejections_from_status(status)
    risk = [r for r in found if r.participant == "bank" and r.rule == "risk_list"]
    # The same person as legal representative and as shareholder: refused in both places.
    assert [r.field for r in risk] == [
        "form.legal_representative.id_number",
        "form.shareholders[0].person.id_number",
    ]
    assert all(RISKY_NAME in r.subject_zh and RISKY_NAME in r.subject_en for r in risk)
    with grpc.insecure_channel(automatic.grpc_target("orchestrator")) as channel:
        mine = pb_grpc.OneStopServiceStub(channel).ListApplications(
            pb.ListApplicationsRequest(),
            metadata=credential(automatic, "entrepreneur", "risky-applicant"),
            timeout=30,
        )
    assert mine.total == 0
