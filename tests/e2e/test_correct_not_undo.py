"""A refusal the applicant can fix, at each of the seal, tax, social insurance and bank desks
(the clerk returns the case for correction, 退回补正): the case waits for the applicant with its
clock paused, the applicant corrects only the named fields over gRPC, the step runs again, and the
case completes with the license it had — the same USCC, never revoked — and a bundle that
verifies. The audit shows the pause and the working time it took. A correction of what the license
records is a change registration (变更登记): the license is re-issued, never revoked."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from pathlib import Path

import grpc
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from onestop.common.v1 import common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop.registration.v1 import registration_pb2, registration_pb2_grpc
from onestop_cli.corrections import CORRECTABLE_STEPS, CORRECTIONS, Corrector, corrections_for
from onestop_cli.demo import CaseRun, StaffBots, demo_forms, desks, download_bundle, run_case
from onestop_cli.verify import verify_bundle
from onestop_common.pki import PkiStore
from onestop_common.settings import SERVICES, Settings
from orchestrator.models import AuditEntry
from tests.integration.conftest import PlatformFactory
from tests.support.infra import databases, rabbit_vhost
from tests.support.log_scan import unmasked_id_numbers
from tests.support.participant import credential
from tests.support.staff import PLATFORM


@pytest.fixture(scope="module")
def at_desks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    tmp = tmp_path_factory.mktemp("desks")
    with rabbit_vhost() as vhost, databases(Path(tmp)) as database_url:
        factory = PlatformFactory(Path(tmp), vhost, database_url)
        try:
            supervisor = factory.start(
                PLATFORM,
                ONESTOP_AUTO_APPROVE="none",
                ONESTOP_CLOCK_START="2026-11-26T09:30:00+08:00",
            )
            yield supervisor.settings
        finally:
            factory.stop()


def audit_of(settings: Settings, case_id: str) -> list[AuditEntry]:
    engine = create_engine(settings.database_url_for("orchestrator"))
    try:
        with Session(engine) as session:
            rows = session.scalars(
                select(AuditEntry).where(AuditEntry.saga_id == case_id).order_by(AuditEntry.seq)
            ).all()
            session.expunge_all()
            return list(rows)
    finally:
        engine.dispose()


def test_a_correctable_refusal_at_each_desk_pauses_and_the_license_stands(at_desks):
    settings = at_desks
    forms = dict(zip(CORRECTABLE_STEPS, demo_forms(random.Random(), 4), strict=True))
    channels = {
        n: grpc.insecure_channel(settings.grpc_target(n)) for n in ("orchestrator", *SERVICES)
    }
    cases: set[str] = set()
    bank_codes = {f.bank.bank_code for f in forms.values()}
    bots = StaffBots(settings, desks(settings, channels), cases, None, bank_codes, lambda _: None)
    bots.start()
    stub = pb_grpc.OneStopServiceStub(channels["orchestrator"])
    metadata = credential(settings, "entrepreneur", "corrector")

    def one(step: str) -> tuple[CaseRun, Corrector]:
        corrector = Corrector(stub, metadata, None)

        def submitted(case_id: str) -> None:
            bots.correct_by_case[case_id] = step
            cases.add(case_id)

        return run_case(
            stub, metadata, forms[step], None, submitted, corrector=corrector
        ), corrector

    try:
        with ThreadPoolExecutor(len(forms)) as pool:
            runs = dict(zip(forms, pool.map(one, forms), strict=True))
        registry = registration_pb2_grpc.RegistrationServiceStub(channels["registration"])
        root = PkiStore(settings.pki_dir, settings.kek).root_certificate()
        for step, (run, corrector) in runs.items():
            final = run.application
            assert final is not None
            assert final.state == common_pb2.CASE_STATE_COMPLETED, (step, final.failure_reason)
            assert corrector.paused is not None and step in corrector.paused, step
            waiting = corrector.paused[step]
            # While it waited the case said so, and the license it had is the one it ends with.
            assert waiting.state == common_pb2.CASE_STATE_AWAITING_APPLICANT, step
            [asked] = [s for s in waiting.steps if s.name == step]
            assert [r.field for r in asked.rejections] == [CORRECTIONS[step].field]
            assert asked.deadline.paused, step
            assert waiting.uscc and waiting.uscc == final.uscc, step
            assert not [s.name for s in final.steps if s.state == common_pb2.STEP_STATE_COMPENSATED]
            status = registry.GetLicenseStatus(
                registration_pb2.GetLicenseStatusRequest(uscc=final.uscc), timeout=30
            )
            assert status.status == registration_pb2.LICENSE_STATUS_VALID, step
            [rerun] = [s for s in final.steps if s.name == step]
            assert rerun.attempts == 2, step
            bundle = download_bundle(stub, metadata, final.case_id)
            report = verify_bundle(bundle, trust_root=root)
            assert report.ok, report.pretty()
            trail = audit_of(settings, final.case_id)
            actions = [(a.action, a.step) for a in trail]
            assert ("correction_requested", step) in actions
            assert ("correction_submitted", step) in actions
            resumed = [json.loads(a.detail) for a in trail if a.action == "clock_resumed"]
            assert resumed and resumed[0]["paused_working_seconds"] is not None
            assert not [a for a in trail if a.action.startswith("compensat")], step
    finally:
        bots.stop()
        for channel in channels.values():
            channel.close()


def test_a_correction_of_what_the_license_records_is_a_change_registration(at_desks):
    """The bank questions the registered capital; the applicant halves it (and the subscriptions
    with it). The license records the capital, so the correction goes to the registration
    officer as a change registration (变更登记): the license is re-issued under the same USCC,
    never revoked, and the bank runs again on the corrected form."""
    settings = at_desks
    [form] = demo_forms(random.Random(), 1)
    asked = corrections_for(change_registration=True)
    channels = {
        n: grpc.insecure_channel(settings.grpc_target(n)) for n in ("orchestrator", *SERVICES)
    }
    cases: set[str] = set()
    bots = StaffBots(
        settings,
        desks(settings, channels),
        cases,
        None,
        {form.bank.bank_code},
        lambda _: None,
        corrections=asked,
    )
    bots.start()
    stub = pb_grpc.OneStopServiceStub(channels["orchestrator"])
    metadata = credential(settings, "entrepreneur", "changer")
    corrector = Corrector(stub, metadata, None, corrections=asked)

    def submitted(case_id: str) -> None:
        bots.correct_by_case[case_id] = "bank"
        cases.add(case_id)

    try:
        final = run_case(stub, metadata, form, None, submitted, corrector=corrector).application
        assert final is not None
        assert final.state == common_pb2.CASE_STATE_COMPLETED, final.failure_reason
        assert corrector.paused is not None
        assert corrector.paused["bank"].uscc == final.uscc
        half = f"{Decimal(form.registered_capital.amount) / 2:.2f}"
        case_form = stub.GetApplication(
            pb.GetApplicationRequest(case_id=final.case_id), metadata=metadata, timeout=30
        ).application.form
        assert case_form.registered_capital.amount == half
        registry = registration_pb2_grpc.RegistrationServiceStub(channels["registration"])
        reissued = registry.GetLicense(
            registration_pb2.GetLicenseRequest(uscc=final.uscc),
            metadata=credential(settings, "officer", "reader"),
            timeout=30,
        ).license
        assert (reissued.version, reissued.status) == (2, registration_pb2.LICENSE_STATUS_VALID)
        assert Decimal(reissued.registered_capital.amount) == Decimal(half)
        [bank] = [s for s in final.steps if s.name == "bank"]
        assert bank.attempts == 2
        root = PkiStore(settings.pki_dir, settings.kek).root_certificate()
        report = verify_bundle(download_bundle(stub, metadata, final.case_id), trust_root=root)
        assert report.ok, report.pretty()
        actions = [a.action for a in audit_of(settings, final.case_id)]
        for expected in ("change_requested", "change_task_opened", "record_changed"):
            assert expected in actions
        assert not [a for a in actions if a.startswith("compensat")]
        # Every process's log of the cases run here names people only by masked ID numbers.
        leaks, read = unmasked_id_numbers(settings.data_dir.parent / "logs", today=date.today())
        assert read > 100, "no logs to scan"
        assert leaks == []
    finally:
        bots.stop()
        for channel in channels.values():
            channel.close()
