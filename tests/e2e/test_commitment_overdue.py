"""An unfulfilled commitment (承诺制) on a fast business clock, through the whole platform: the
company is registered with a document promised, the case completes, 60 days pass without the
document, and the orchestrator revokes the approval — every step undone in reverse order, the
license revoked for "commitment_overdue", the applicant and the legal representative put on the
credit list (失信惩戒); the same applicant cannot use the commitment route again."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import grpc
import pytest
from grpc_status import rpc_status

from onestop.common.v1 import common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop.registration.v1 import registration_pb2 as reg_pb
from onestop.registration.v1 import registration_pb2_grpc as reg_grpc
from onestop_cli.demo import demo_form
from onestop_common import messaging as m
from onestop_common.clock import SHANGHAI
from onestop_common.protoconv import rejections_from_status
from onestop_common.settings import Settings
from tests.e2e.test_commitment_route import MATERIAL_CODE, committed
from tests.e2e.test_full_platform import electronic_only
from tests.integration.conftest import PlatformFactory
from tests.support.infra import databases, rabbit_vhost
from tests.support.participant import CommandDriver, credential
from tests.support.staff import PLATFORM, Staff

# 60 calendar days of business time in about 104 s of wall time, all within 2026 (the years the
# business calendar knows). The case itself must complete well within that: it takes a few
# seconds on a quiet machine, and was seen to take over 50 s on one loaded with other platforms.
CLOCK_SPEED = 50_000
CLOCK_START = "2026-06-01T09:30:00+08:00"
LEGAL_STEPS = ("license", "seal", "invoice", "social_insurance", "bank")


# 104 s of wall time by design: run once (SQLite); on PostgreSQL the commitment's revocation is
# covered by tests/integration/test_registration_commitment.py.
pytestmark = pytest.mark.once


@pytest.fixture(scope="module")
def fast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    tmp = Path(tmp_path_factory.mktemp("overdue"))
    with rabbit_vhost() as vhost, databases(tmp) as database_url:
        factory = PlatformFactory(tmp, vhost, database_url)
        try:
            supervisor = factory.start(
                PLATFORM,
                ONESTOP_AUTO_APPROVE="all",
                ONESTOP_CLOCK_START=CLOCK_START,
                ONESTOP_CLOCK_SPEED=str(CLOCK_SPEED),
            )
            yield supervisor.settings
        finally:
            factory.stop()


def case_event(driver: CommandDriver, state: str, case_id: str, timeout: float) -> m.Envelope:
    """Waits for the orchestrator's event that the case reached ``state``."""
    routing_key = f"orchestrator.case.{state}"
    count = 1
    while True:
        found = driver.events(routing_key, timeout=timeout, count=count)
        mine = [e for e in found if e.case_id == case_id]
        if mine:
            return mine[0]
        count = len(found) + 1


def license_of(app: pb.Application) -> pb.Step:
    return next(step for step in app.steps if step.name == "license")


def test_an_unfulfilled_commitment_revokes_the_company_and_lists_both_people(
    fast: Settings,
) -> None:
    applicant = f"promiser-{uuid.uuid4().hex[:6]}"
    me = credential(fast, "entrepreneur", applicant)
    officer = credential(fast, "officer", "officer-on-duty")
    form = committed(electronic_only(demo_form(random.Random())))
    representative = form.legal_representative.id_number
    driver = CommandDriver(fast)
    # A commitment case is never approved automatically: the officer decides at the desk.
    staff = Staff(fast, {"license"})
    channels, cases = staff.channels, staff.cases
    try:
        stub = pb_grpc.OneStopServiceStub(channels["orchestrator"])
        case_id = stub.SubmitApplication(
            pb.SubmitApplicationRequest(idempotency_key=applicant, form=form),
            metadata=me,
            timeout=60,
        ).application.case_id
        cases.add(case_id)

        case_event(driver, "completed", case_id, timeout=240)
        case_event(driver, "compensated", case_id, timeout=240)
        final = stub.GetApplication(
            pb.GetApplicationRequest(case_id=case_id), metadata=me, timeout=30
        ).application
        assert final.commitment.state == pb.COMMITMENT_STATE_OVERDUE
        assert [m_.code for m_ in final.commitment.outstanding] == [MATERIAL_CODE]
        assert "commitment" in final.failure_reason
        states = {step.name: step.state for step in final.steps}
        assert all(states[s] == common_pb2.STEP_STATE_COMPENSATED for s in LEGAL_STEPS), states

        registration = reg_grpc.RegistrationServiceStub(channels["registration"])
        revoked = registration.GetLicense(
            reg_pb.GetLicenseRequest(uscc=final.uscc), metadata=officer, timeout=30
        ).license
        # Due at the end of the 60th day after the day of the commitment (the submission), and
        # the orchestrator kept the same date.
        commitment_day = revoked.committed_at.ToDatetime(tzinfo=SHANGHAI).date()
        due = revoked.commitment_due_at.ToDatetime(tzinfo=SHANGHAI)
        assert revoked.commitment_last_day == (commitment_day + timedelta(days=60)).isoformat()
        assert due == datetime.combine(
            commitment_day + timedelta(days=61), datetime.min.time(), tzinfo=SHANGHAI
        )
        assert final.commitment.due_at == revoked.commitment_due_at
        assert revoked.commitment_state == "overdue"
        status = registration.GetLicenseStatus(
            reg_pb.GetLicenseStatusRequest(uscc=final.uscc), timeout=30
        )
        assert status.status == reg_pb.LICENSE_STATUS_REVOKED
        assert status.revocation_reason == "commitment_overdue"
        listed = registration.ListCreditEntries(
            reg_pb.ListCreditEntriesRequest(), metadata=officer, timeout=30
        )
        mine = sorted(
            (e.subject_kind, e.subject_id) for e in listed.entries if e.origin == f"case:{case_id}"
        )
        assert mine == sorted(
            [
                (reg_pb.CREDIT_SUBJECT_KIND_ACCOUNT, applicant),
                (reg_pb.CREDIT_SUBJECT_KIND_ID_NUMBER, representative),
            ]
        )

        # Listed now: the same applicant's next commitment case is refused at submission with
        # the reason (they may apply without the commitment instead), and nothing is created.
        again = committed(electronic_only(demo_form(random.Random())))
        with pytest.raises(grpc.RpcError) as refused:
            stub.SubmitApplication(
                pb.SubmitApplicationRequest(idempotency_key=f"{applicant}-again", form=again),
                metadata=me,
                timeout=60,
            )
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        status = rpc_status.from_call(refused.value)
        assert status is not None
        assert again.legal_representative.id_number == representative  # the sample's person
        assert sorted(r.rule for r in rejections_from_status(status)) == [
            "commitment.applicant_credit_listed",
            "commitment.legal_representative_credit_listed",
        ]
    finally:
        staff.close()
        driver.close()
