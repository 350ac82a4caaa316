"""The orchestrator process: the saga engine with its threads around it — the public gRPC API
(a plain port, and a mutual-TLS port for integration partners), the consumer of participant
results, the outbox relay and the timer loop.

Several replicas may run against one PostgreSQL database and one broker: results are competing
consumers, outbox rows and timers are claimed, and case rows are locked while they change.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from concurrent import futures
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from onestop.calendar.v1 import calendar_pb2_grpc
from onestop_common import messaging as m
from onestop_common.calendar import BusinessCalendar
from onestop_common.calendar_schedule import IMPORTED
from onestop_common.clock import Clock, ManualClock
from onestop_common.db import (
    make_engine,
    make_read_session_factory,
    make_session_factory,
    upgrade_schema,
)
from onestop_common.grpc_options import server_options
from onestop_common.lifeline import wait_for_stop_signal
from onestop_common.outbox import OutboxRelay
from onestop_common.pki import (
    TLS_CA,
    TLS_SERVER,
    CrlWatcher,
    PkiStore,
    certificates_pem,
    private_key_pem,
)
from onestop_common.reflection import enable_reflection
from onestop_common.settings import Settings
from onestop_common.signer_client import GrpcioTransport, SignerClient
from onestop_common.transient import backoff, describe
from orchestrator import calendar_store
from orchestrator.amqp import BatchConsumer, ConfirmingPublisher, connect, declare_topology
from orchestrator.api import CaseNotifier, OneStopApi
from orchestrator.bundle_worker import BundleWorker
from orchestrator.calendar_store import CalendarServicer
from orchestrator.engine import SagaEngine
from orchestrator.models import Outbox
from orchestrator.open_company import DEFINITIONS, OPEN_COMPANY
from orchestrator.partner_api import PartnerApi
from orchestrator.precheck import PARTICIPANTS, ParticipantChecks

log = logging.getLogger(__name__)
# A signed application PDF grows by a signature and its certificates per person.
MAX_SIGNED_APPLICATION_BYTES = 8 * 1024 * 1024

MIGRATIONS = __import__("pathlib").Path(__file__).parent / "migrations"
SERVICE_NAME = "onestop.orchestrator.v1.OneStopService"
# The public API for partners, beside the internal one on both ports.
PARTNER_SERVICE_NAME = "onestop.partner.v1.ApplicationService"
# What server reflection describes: every service this server answers.
SERVED_SERVICES = (
    SERVICE_NAME,
    PARTNER_SERVICE_NAME,
    "onestop.calendar.v1.CalendarService",
    health.SERVICE_NAME,
)
# Each WatchApplication stream holds a server thread while it waits: leave room for many.
GRPC_THREADS = 256
MAX_CONCURRENT_RPCS = 2 * GRPC_THREADS
# CAs whose revocation lists the platform (the orchestrator) keeps fresh.
PLATFORM_CAS = ("root", "registration", "platform", "tsa", "tls")
CRL_CHECK_SECONDS = 3600.0
# How soon an imported calendar year reaches this replica.
CALENDAR_POLL_SECONDS = 5.0
CRL_RENEW_BEFORE = timedelta(days=10)
# How often loops look at the database for work another replica (or a crash) left.
POLL_SECONDS = 0.5


@dataclass
class Orchestrator:
    settings: Settings
    clock: Clock | None = None
    grpc_port: int | None = None
    _threads: list[threading.Thread] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _relay_wake: threading.Event = field(default_factory=threading.Event)
    _timer_wake: threading.Event = field(default_factory=threading.Event)
    # The partner (mutual TLS) port once bound; None when there is no PKI to serve it with.
    partner_bound_port: int | None = None

    def start(self) -> None:
        settings = self.settings
        db = make_engine(settings.database_url_for("orchestrator"), kek=settings.kek, pool_size=20)
        upgrade_schema(db, MIGRATIONS, "alembic_version_orchestrator")
        # The imported holiday schedules, before any deadline is computed.
        calendar_store.refresh(make_session_factory(db))
        # The engine keeps what it needs in memory (the case row carries the audit head), so
        # a batch of results is written in one flush at commit.
        self.sessions = make_session_factory(db, autoflush=False)
        self.read_sessions = make_read_session_factory(db)
        self.notifier = CaseNotifier()
        self.engine = SagaEngine(
            self.sessions,
            DEFINITIONS,
            self.clock or settings.clock(),
            BusinessCalendar(),
            clock_speed=settings.clock_speed,
            on_commit=self._committed,
            read_sessions=self.read_sessions,
            answer_within=(
                timedelta(seconds=settings.answer_within_seconds)
                if settings.answer_within_seconds
                else None
            ),
            sends_before_stuck=settings.sends_before_stuck,
            default_definition=OPEN_COMPANY.name,
            person_signatures=settings.person_signatures,
            person_key_secret=settings.token_secret,
        )
        self._declare()
        self.consumer = BatchConsumer(
            settings.amqp_url, m.RESULTS_QUEUE, self.engine.handle_results, name="results-consumer"
        )
        # Dead letters are reported to the cases they belong to; never dead-lettered again.
        self.dead_letter_consumer = BatchConsumer(
            settings.amqp_url,
            m.DEAD_LETTER_REPORTS_QUEUE,
            self.engine.handle_dead_letters,
            name="dead-letter-reports",
            dead_letter_failures=False,
        )
        self.bundles = BundleWorker(
            settings,
            self.sessions,
            self.engine.clock,
            self.engine.calendar,
            on_commit=self._committed,
        )
        # One bundle at a time: building and signing is CPU work, and the queue keeps the rest.
        self.bundle_consumer = BatchConsumer(
            settings.amqp_url,
            m.command_queue("orchestrator"),
            self.bundles.handle,
            name="bundle-builder",
            prefetch=1,
        )
        self._spawn(self._relay_loop, "outbox-relay")
        self._spawn(self._timer_loop, "timers")
        self._spawn(self._crl_loop, "crl-renewal")
        self._spawn(self._calendar_loop, "calendar")
        for consumer in (self.consumer, self.bundle_consumer, self.dead_letter_consumer):
            consumer.start()
            self._threads.append(consumer)
            consumer.ready.wait(10)
        self._start_grpc()
        log.info("orchestrator %s serving gRPC on %s", self.engine.instance_id, self.address)
        if self.partner_bound_port is not None:
            log.info(
                "partners (mutual TLS) on %s:%d", self.settings.bind_host, self.partner_bound_port
            )

    def stop(self, grace: float = 2.0) -> None:
        self._stop.set()
        self._relay_wake.set()
        self._timer_wake.set()
        self.health.enter_graceful_shutdown()
        self.server.stop(grace).wait()
        self.consumer.stop()
        self.bundle_consumer.stop()
        self.dead_letter_consumer.stop()
        for thread in self._threads:
            thread.join(timeout=5)

    @property
    def address(self) -> str:
        return f"{self.settings.grpc_host}:{self.bound_port}"

    # ------------------------------------------------------------------ wiring

    def _committed(self, case_ids: Iterable[str]) -> None:
        # Timers are not woken here: new ones are due hours from now, and the timer loop
        # looks again within POLL_SECONDS anyway.
        ids = list(case_ids)
        self._relay_wake.set()
        self.notifier.notify(ids)

    def _declare(self) -> None:
        # Every participant's command queue too: a command sent before its service ever started
        # must wait in the queue, not vanish as unroutable.
        participants = sorted({s.participant for d in DEFINITIONS for s in d.steps})
        queues = [
            m.results_queue(),
            m.dead_letter_reports_queue(),
            *(m.service_queue(p) for p in participants),
        ]
        connection = connect(self.settings.amqp_url)
        try:
            declare_topology(connection.channel(), queues)
        finally:
            connection.close()

    def _start_grpc(self) -> None:
        self.server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=GRPC_THREADS, thread_name_prefix="grpc"),
            # Beyond this many calls at once (streams included) a new one is refused at once
            # (RESOURCE_EXHAUSTED) instead of queueing without bound.
            maximum_concurrent_rpcs=MAX_CONCURRENT_RPCS,
            # gRPC's default 4 MB would refuse a material upload the API allows (10 MB) with a
            # bare RESOURCE_EXHAUSTED; a little above the limit, the API's own check answers.
            options=server_options(),
        )
        partners = self._partner_tls()
        self.api = OneStopApi(
            self.engine,
            self.settings.token_secret,
            self.notifier,
            partner_trust=partners[1] if partners else None,
            checks=self._participant_checks(),
            person_signer=SignerClient(
                GrpcioTransport(self.settings.signing_targets(), MAX_SIGNED_APPLICATION_BYTES),
                self.settings.token_secret,
                subject="orchestrator",
            ),
        )
        self.api.add_to_server(self.server)
        PartnerApi(self.api).add_to_server(self.server)
        calendar_pb2_grpc.add_CalendarServiceServicer_to_server(
            CalendarServicer(self.read_sessions, self.settings.token_secret), self.server
        )
        self.health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        # Both ports: the partner port's transport has checked the certificate by then.
        enable_reflection(self.server, SERVED_SERVICES)
        port = (
            self.grpc_port
            if self.grpc_port is not None
            else self.settings.grpc_listen_port("orchestrator")
        )
        self.bound_port = self.server.add_insecure_port(f"{self.settings.bind_host}:{port}")
        if self.bound_port == 0:
            raise RuntimeError(f"cannot listen on {self.settings.bind_host}:{port}")
        if partners is not None:
            # The same server, hence the same servicer: the API tells the ports apart by the
            # transport each call arrived on.
            address = f"{self.settings.bind_host}:{self.settings.partner_grpc_port()}"
            self.partner_bound_port = self.server.add_secure_port(address, partners[0])
            if self.partner_bound_port == 0:
                raise RuntimeError(f"cannot listen for partners on {address}")
        self.server.start()
        for name in ("", SERVICE_NAME):
            self.health.set(name, health_pb2.HealthCheckResponse.SERVING)

    def _participant_checks(self) -> ParticipantChecks | None:
        """Every participant checks an application before its case is created; echo
        participants have no rules to check."""
        if self.settings.participant_mode == "echo":
            return None
        return ParticipantChecks(
            targets={p: self.settings.grpc_target(p) for p in PARTICIPANTS},
            token_secret=self.settings.token_secret,
            timeout_seconds=self.settings.precheck_seconds,
        )

    def _partner_tls(self) -> tuple[grpc.ServerCredentials, CrlWatcher] | None:
        """Credentials for the partner port: the platform's TLS server identity, and client
        certificates required to chain to the TLS CA; None (no partner port) without a PKI."""
        store = PkiStore(self.settings.pki_dir, self.settings.kek)
        if not store.is_complete():
            log.warning(
                "no PKI in %s: partner port (mutual TLS) not opened (run `onestop pki init`)",
                self.settings.pki_dir,
            )
            return None
        # A PKI made by an older version may lack a name partners connect to.
        store.ensure_tls_server_names(self.settings.tls_server_names)
        server = store.load_identity(TLS_SERVER)
        # The key goes to gRPC in memory only; on disk it stays encrypted with the KEK.
        key_pem = private_key_pem(server.private_key)
        chain_pem = certificates_pem((server.certificate, *server.chain))
        trusted = certificates_pem((store.load_certificate(TLS_CA), store.root_certificate()))
        credentials = grpc.ssl_server_credentials(
            [(key_pem, chain_pem)], root_certificates=trusted, require_client_auth=True
        )
        return credentials, CrlWatcher(store, TLS_CA)

    def _spawn(self, target: object, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)  # type: ignore[arg-type]
        thread.start()
        self._threads.append(thread)

    # ------------------------------------------------------------------ loops

    def _relay_loop(self) -> None:
        relay = OutboxRelay(self.sessions, Outbox)
        publisher = ConfirmingPublisher(self.settings.amqp_url)
        failures = 0
        while not self._stop.is_set():
            self._relay_wake.clear()
            try:
                while relay.relay_once(publisher.publish):
                    pass
                publisher.keepalive()
                failures = 0
            except Exception as error:
                # The first failure after a quiet spell is usually a dropped connection: publish
                # again at once on a new one (the claim was released); then back off.
                failures += 1
                log.warning("outbox relay: %s; trying again", describe(error))
                publisher.close()
                if failures > 1:
                    self._stop.wait(backoff(failures - 1))
                continue
            self._relay_wake.wait(POLL_SECONDS)
        publisher.close()

    def _timer_loop(self) -> None:
        clock = self.engine.clock
        while not self._stop.is_set():
            self._timer_wake.clear()
            seen = clock.now()
            try:
                self.engine.fire_due_timers()
                wait = self._seconds_until_next_timer()
            except Exception:
                log.exception("timer loop failed; retrying")
                wait = 1.0
            if isinstance(clock, ManualClock):
                # Tests move time by hand: wake as soon as they do.
                clock.wait_for_change(min(wait, POLL_SECONDS), since=seen)
            else:
                self._timer_wake.wait(min(wait, POLL_SECONDS))

    def _calendar_loop(self) -> None:
        """Picks up a year imported by an operator (through any replica's database): the
        calendars see it at once, and open cases waiting for it get their deadlines."""
        # The first round also covers a year imported while this replica was down.
        pending = True
        while not self._stop.wait(CALENDAR_POLL_SECONDS):
            try:
                if calendar_store.refresh(self.read_sessions):
                    log.info("calendar years imported: %s", IMPORTED.years())
                    pending = True
                if pending:
                    changed = self.engine.compute_missing_deadlines()
                    pending = False
                    if changed:
                        log.info("deadlines computed for %d open case(s)", changed)
            except Exception as error:
                log.warning("calendar refresh failed (%s); trying again", describe(error))

    def _crl_loop(self) -> None:
        """Keeps the platform CAs' revocation lists fresh: validation is hard-fail, so an expired
        list would make every signature under that CA untrusted. (The seal service keeps the
        seal CA's list, which changes with every revoked seal.)"""
        while not self._stop.is_set():
            try:
                renew_platform_crls(self.settings, datetime.now(UTC))
            except Exception:
                log.exception("renewing CRLs failed; trying again in an hour")
            self._stop.wait(CRL_CHECK_SECONDS)

    def _seconds_until_next_timer(self) -> float:
        due = self.engine.next_timer_due()
        if due is None:
            return POLL_SECONDS
        business = due - self.engine.clock.now()
        if business <= timedelta(0):
            return 0.0
        return business.total_seconds() / max(self.settings.clock_speed, 1e-9)


def renew_platform_crls(settings: Settings, now: datetime) -> list[str]:
    """Re-issues each platform CA's CRL that has less than CRL_RENEW_BEFORE left (keeping its
    entries); returns the CAs renewed."""
    store = PkiStore(settings.pki_dir, settings.kek)
    if not store.is_complete():
        return []
    renewed = []
    for ca in PLATFORM_CAS:
        if not _crl_due(store, ca, now):
            continue
        # Locked, and looked at again: `onestop pki partner revoke` (or another replica) may
        # rewrite the list from another process meanwhile, and its entries must not be lost.
        with store.locked():
            if not _crl_due(store, ca, now):
                continue
            store.renew_crl(ca, store.revoked_entries(ca), now=now)
        renewed.append(ca)
        log.info("renewed the CRL of the %s CA", ca)
    return renewed


def _crl_due(store: PkiStore, ca: str, now: datetime) -> bool:
    next_update = store.load_crl(ca).next_update_utc
    return next_update is None or next_update - now <= CRL_RENEW_BEFORE


def serve(settings: Settings) -> None:
    """Runs the orchestrator until SIGINT/SIGTERM."""
    orchestrator = Orchestrator(settings)
    orchestrator.start()
    wait_for_stop_signal(__name__)
    orchestrator.stop()
