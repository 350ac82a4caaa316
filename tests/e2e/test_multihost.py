"""Many machines, made on this one (issue 13): three hosts as network namespaces, a RabbitMQ
cluster of three nodes (quorum queues replicated across them), PostgreSQL on the first host, the
orchestrator, the five services and the signing server on two hosts each, the portal on the third.
During a batch of real cases one host fails: its RabbitMQ node and every platform process on it
are killed. Every case still completes, each service's effects are exactly one per case, and the
bundles verify on a fourth host that ran none of the platform — with the public addresses
configured, which the certificates and bundles carry.

Run alone (CI does: ``pytest -m multihost``), as root: it builds network namespaces, and the
cluster and twenty processes want the machine's two cores to themselves.
"""

from __future__ import annotations

import random
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from cryptography.hazmat.primitives import serialization
from pypdf import PdfReader

from onestop.common.v1 import common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop_cli.chaos import APPLICANT, BOT_CLERKS, _effects, _submit_all
from onestop_cli.demo import StaffBots, demo_forms, download_bundle, platform_channels
from onestop_common.grpc_options import channel_options
from onestop_common.identity import Role, bearer, issue_token
from onestop_common.pki import PkiStore, crl_urls
from onestop_common.settings import Settings
from tests.support.multihost import VERIFIER_HOST, MultiHostPlatform, hosts, stop_broker, tail_logs

CASES = 8
FAILED_HOST = "h2"
# The batch bounds itself; pytest's limit only catches a hang beyond it.
FINAL_WITHIN_SECONDS = 240.0
pytestmark = [pytest.mark.multihost, pytest.mark.timeout(600)]
FINAL = {
    common_pb2.CASE_STATE_COMPLETED,
    common_pb2.CASE_STATE_COMPENSATED,
    common_pb2.CASE_STATE_FAILED,
}


def say(line: str) -> None:
    print(line, flush=True)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MultiHostPlatform]:
    with hosts() as topology:
        started = time.monotonic()
        running = MultiHostPlatform(topology, Path(tmp_path_factory.mktemp("multihost")), say)
        try:
            running.start()
            took = time.monotonic() - started
            say(f"platform up on {len(running.supervisors)} hosts in {took:.0f} s")
            yield running
        finally:
            running.stop()


def test_every_case_completes_once_when_a_host_fails_and_bundles_verify_elsewhere(
    platform: MultiHostPlatform, tmp_path: Path
) -> None:
    settings = platform.client_settings()
    channels = platform_channels(settings)
    stub = pb_grpc.OneStopServiceStub(
        grpc.insecure_channel(settings.grpc_target("orchestrator"), options=channel_options())
    )
    metadata = bearer(issue_token(settings.token_secret, subject=APPLICANT, role=Role.ENTREPRENEUR))
    forms = demo_forms(random.Random(20261203), CASES)
    bots = StaffBots.for_forms(settings, channels, forms, lambda line: None, workers=BOT_CLERKS)
    bots.start()
    started = time.monotonic()
    try:
        case_ids = _submit_all(stub, metadata, forms, settings.token_secret)
        bots.cases.update(case_ids)
        say(f"submitted and signed {len(case_ids)} cases in {time.monotonic() - started:.1f} s")
        failure = HostFailure(platform, stub, metadata, case_ids)
        failure.start()
        states = wait_final(stub, metadata, case_ids, started)
        failure.join()
    finally:
        bots.stop()
        for channel in channels.values():
            channel.close()
    wall = time.monotonic() - started

    counts = Counter(common_pb2.CaseState.Name(app.state) for app in states.values())
    effects = _effects(settings, states)
    bundles, verified = verify_bundles_on_a_stranger(platform, stub, metadata, states, tmp_path)
    say(
        f"multi-host: {CASES} cases in {wall:.0f} s — {dict(counts)}; host {FAILED_HOST} failed "
        f"{failure.after:.1f} s in (RabbitMQ node and {len(failure.killed)} processes: "
        f"{', '.join(failure.killed)}); next case completed {failure.recovered_in:.1f} s after "
        f"the failure; effects exact: { {s: c.exact for s, c in effects.items()} }; bundles "
        f"verified on {VERIFIER_HOST}: {bundles if verified.returncode == 0 else 'NOT ALL'}"
    )
    logs = tail_logs(platform.base)
    assert counts == {"CASE_STATE_COMPLETED": CASES}, logs
    assert failure.killed and len(failure.killed) == 7  # signer, orchestrator, five services
    assert {service: count.exact for service, count in effects.items()} == dict.fromkeys(
        ("registration", "seal", "invoice", "social_insurance", "bank"), CASES
    ), {service: count.problems for service, count in effects.items()}
    assert bundles == CASES and verified.returncode == 0, verified.stdout[-4000:] + verified.stderr
    assert platform.unexpected_exits() == [], logs
    carries_public_addresses_only(next(tmp_path.glob("*.pdf")), settings)


def test_certificates_carry_the_configured_public_urls(platform: MultiHostPlatform) -> None:
    settings = platform.client_settings()
    store = PkiStore(settings.pki_dir, settings.kek)
    for issued in ("seal", "registration-signer", "tsa-signer", "tls-server"):
        urls = crl_urls(store.load_certificate(issued))
        assert urls and all(url.startswith(settings.crl_base_url + "/") for url in urls)
    assert "127.0.0.1" not in settings.crl_base_url + settings.tsa_url + settings.portal_url


def carries_public_addresses_only(bundle: Path, settings: Settings) -> None:
    """The bundle sends a scanner to the configured public portal and its certificates name the
    configured CRL address; no loopback address anywhere in it."""
    raw = bundle.read_bytes()
    text = " ".join(page.extract_text() or "" for page in PdfReader(bundle).pages)
    assert f"{settings.verification_base_url}/verify/" in text
    assert f"{settings.crl_base_url}/".encode() in raw
    assert b"127.0.0.1" not in raw and b"onestop.invalid" not in raw


class HostFailure(threading.Thread):
    """Once the first case has completed, kills the failed host: its RabbitMQ node, then every
    platform process on it; then notes when the next case completes."""

    def __init__(
        self, platform: MultiHostPlatform, stub: pb_grpc.OneStopServiceStub, metadata: object,
        case_ids: list[str],
    ) -> None:  # fmt: skip
        super().__init__(name="host-failure", daemon=True)
        self.platform, self.stub, self.metadata, self.case_ids = platform, stub, metadata, case_ids
        self.killed: list[str] = []
        self.after = self.recovered_in = 0.0

    def run(self) -> None:
        started = time.monotonic()
        completed_before = self._wait_completed(more_than=0)
        self.after = time.monotonic() - started
        stop_broker(FAILED_HOST)
        self.platform.killed_hosts.add(FAILED_HOST)
        self.killed = self.platform.kill_host_processes(FAILED_HOST)
        failed_at = time.monotonic()
        if completed_before < len(self.case_ids):
            self._wait_completed(more_than=completed_before)
        self.recovered_in = time.monotonic() - failed_at

    def _wait_completed(self, more_than: int) -> int:
        deadline = time.monotonic() + FINAL_WITHIN_SECONDS
        while time.monotonic() < deadline:
            done = sum(
                app.state == common_pb2.CASE_STATE_COMPLETED
                for app in get_all(self.stub, self.metadata, self.case_ids).values()
            )
            if done > more_than:
                return done
            time.sleep(0.5)
        return more_than


def get_all(
    stub: pb_grpc.OneStopServiceStub, metadata: object, case_ids: list[str]
) -> dict[str, pb.Application]:
    found = {}
    for case_id in case_ids:
        try:
            found[case_id] = stub.GetApplication(
                pb.GetApplicationRequest(case_id=case_id),
                metadata=metadata,
                timeout=10,
                wait_for_ready=True,
            ).application
        except grpc.RpcError as error:
            if error.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                raise
    return found


def wait_final(
    stub: pb_grpc.OneStopServiceStub, metadata: object, case_ids: list[str], started: float
) -> dict[str, pb.Application]:
    deadline = time.monotonic() + FINAL_WITHIN_SECONDS
    while True:
        states = get_all(stub, metadata, case_ids)
        if len(states) == len(case_ids) and all(a.state in FINAL for a in states.values()):
            return states
        if time.monotonic() > deadline:
            return states
        counts = Counter(common_pb2.CaseState.Name(a.state) for a in states.values())
        say(f"  t={time.monotonic() - started:4.0f} s  {dict(counts)}")
        time.sleep(2.0)


def verify_bundles_on_a_stranger(
    platform: MultiHostPlatform,
    stub: pb_grpc.OneStopServiceStub,
    metadata: object,
    states: dict[str, pb.Application],
    directory: Path,
) -> tuple[int, subprocess.CompletedProcess[str]]:
    """Every completed case's bundle, downloaded, then verified by ``onestop verify`` on the
    verifier host against the platform's root certificate alone: how many, and the run."""
    settings = platform.client_settings()
    root = directory / "root.pem"
    root.write_bytes(
        PkiStore(settings.pki_dir, settings.kek)
        .root_certificate()
        .public_bytes(serialization.Encoding.PEM)
    )
    pdfs = []
    for case_id, app in states.items():
        if app.state == common_pb2.CASE_STATE_COMPLETED:
            pdf = directory / f"{case_id}.pdf"
            pdf.write_bytes(download_bundle(stub, metadata, case_id, wait_for_ready=True))
            pdfs.append(pdf)
    return len(pdfs), platform.verify_on(VERIFIER_HOST, pdfs, root)
