"""The public gRPC API (onestop.orchestrator.v1.OneStopService) over grpcio: size limits and input
checks at intake, role checks, and the saga engine behind them."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import grpc
from google.protobuf.message import Message
from sqlalchemy import and_, func, or_, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from onestop.common.v1 import application_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop_common import permissions
from onestop_common.calendar import BusinessCalendar
from onestop_common.errors import (
    Conflict,
    InvalidInput,
    OneStopError,
    PermissionDenied,
    RuleViolation,
    Unavailable,
    violation,
)
from onestop_common.identity import (
    STAFF_ROLES,
    PartnerTrust,
    Principal,
    Role,
    principal_from_context,
)
from onestop_common.limits import enforce_limits
from onestop_common.protoconv import rejections, violations_of
from orchestrator import audit, dashboard_query, grpc_handlers
from orchestrator import engine as e
from orchestrator.caller_slots import CallerSlots
from orchestrator.engine import CASE_ID_FORMAT, SagaEngine, corrected_form
from orchestrator.engine.states import CANCELLED_CODE
from orchestrator.intake import form_violations
from orchestrator.models import AuditEntry, Saga, SagaStep
from orchestrator.page_tokens import PageTokens, Position, query_fingerprint
from orchestrator.precheck import ParticipantChecks, answer_within_contract, name_subject
from orchestrator.signing_api import PersonSigner, SigningRpcs
from orchestrator.views import (
    CASE_STATE_NAMES,
    StateAtEvent,
    application_message,
    progress_event,
)

log = logging.getLogger(__name__)

BUNDLE_CHUNK = 64 * 1024
MAX_PAGE = 200
DEFAULT_PAGE = 50
MAX_MATERIAL_BYTES = 10 * 1024 * 1024
# SQLite's words for "the database cannot be used now" (its OperationalError also covers bugs
# such as a syntax error).
SQLITE_UNAVAILABLE = ("locked", "busy", "unable to open", "disk i/o", "readonly", "is full")
# Case versions kept for watch streams before the ones nobody waits on are forgotten.
MAX_TRACKED_VERSIONS = 10_000
SUBMITTERS = frozenset({Role.ENTREPRENEUR, Role.PARTNER})
# A withdrawn case, as the partner API lists it apart (the engine keeps it compensated or failed).
CANCELLED_STATE = "cancelled"
_SUBMITTED: dict[str, Callable[[datetime], Any]] = {
    ">=": lambda moment: Saga.submitted_at >= moment,
    ">": lambda moment: Saga.submitted_at > moment,
    "<=": lambda moment: Saga.submitted_at <= moment,
    "<": lambda moment: Saga.submitted_at < moment,
}
READERS = frozenset({Role.ENTREPRENEUR, Role.PARTNER, *STAFF_ROLES})


class CaseNotifier:
    """Wakes the WatchApplication streams of a case when it changes in this process (streams
    of cases changed by another replica find out by polling).

    Each waiting stream has its own event, registered under its case: a commit wakes only the
    streams watching the cases it touched, not every open stream.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._versions: dict[str, int] = defaultdict(int)
        self._waiting: dict[str, set[threading.Event]] = defaultdict(set)

    def notify(self, case_ids: Any) -> None:
        with self._lock:
            for case_id in case_ids:
                self._versions[case_id] += 1
                for waiter in self._waiting.get(case_id, ()):
                    waiter.set()
            if len(self._versions) > MAX_TRACKED_VERSIONS:
                # Forget cases nobody waits on. A stream that read a forgotten version sees
                # "changed" and reads the database once more: harmless.
                self._versions = defaultdict(
                    int, {k: v for k, v in self._versions.items() if k in self._waiting}
                )

    def version(self, case_id: str) -> int:
        with self._lock:
            return self._versions.get(case_id, 0)

    def wait(self, case_id: str, seen: int, timeout: float) -> None:
        """Returns when the case's version is no longer ``seen``, or after ``timeout``."""
        waiter = threading.Event()
        with self._lock:
            if self._versions.get(case_id, 0) != seen:
                return
            self._waiting[case_id].add(waiter)
        try:
            waiter.wait(timeout)
        finally:
            with self._lock:
                waiters = self._waiting.get(case_id)
                if waiters is not None:
                    waiters.discard(waiter)
                    if not waiters:
                        del self._waiting[case_id]


def _guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    """Checks the request's size limits and case id before anything else, maps OneStop errors to
    their gRPC status (with rejections and the standard details), a database outage to
    UNAVAILABLE, and hides internal errors."""

    def wrapper(self: OneStopApi, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            _intake(request)
            return method(self, request, context)
        except Exception as error:
            refuse_call(context, method.__name__, request, error)

    wrapper.__name__ = method.__name__
    wrapper.__wrapped__ = method  # type: ignore[attr-defined]
    return wrapper


def _guarded_stream(method: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
    def wrapper(self: OneStopApi, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        try:
            _intake(request)
            yield from method(self, request, context)
        except Exception as error:
            refuse_call(context, method.__name__, request, error)

    wrapper.__name__ = method.__name__
    wrapper.__wrapped__ = method  # type: ignore[attr-defined]
    return wrapper


def _intake(request: Message) -> None:
    """What every request goes through first: fields this version does not know are dropped
    (they would be stored and passed on unchecked), then every size limit of the contract."""
    request.DiscardUnknownFields()
    if isinstance(request, pb.FulfillCommitmentRequest) and (
        not request.content or len(request.content) > MAX_MATERIAL_BYTES
    ):
        # Its own wording names both bounds (the generic limit knows only the upper one).
        raise InvalidInput.of([_material_size_violation(len(request.content))])
    enforce_limits(request)
    _check_case_id(request)


def _check_case_id(request: Message) -> None:
    """A request naming a case names one the platform could have made: an empty or malformed id
    is the caller's mistake (INVALID_ARGUMENT), not an unknown case."""
    if "case_id" not in request.DESCRIPTOR.fields_by_name:
        return
    case_id = getattr(request, "case_id")  # noqa: B009 - not every request has one
    if not case_id:
        raise InvalidInput.of(
            [violation("case_id", "required", "请提供案件编号", "a case_id is required")]
        )
    if not CASE_ID_FORMAT.fullmatch(case_id):
        raise InvalidInput.of(
            [
                violation(
                    "case_id",
                    "format",
                    "案件编号格式不正确：应为提交申请时返回的编号，如 OS20250301-3F2A9C01B7",
                    "not a case id: pass the one SubmitApplication returned, such as "
                    "OS20250301-3F2A9C01B7",
                )
            ]
        )


def _case_info(request: Any) -> dict[str, str]:
    """The request's case, for an error's ErrorInfo, when it names one well-formed (never an
    arbitrary string the caller sent)."""
    case_id = getattr(request, "case_id", "")
    if isinstance(case_id, str) and CASE_ID_FORMAT.fullmatch(case_id):
        return {"caseId": case_id}
    return {}


def refuse_call(context: grpc.ServicerContext, name: str, request: Any, error: Exception) -> None:
    """Ends a failed call: a OneStop error with its status and details, a database outage as
    UNAVAILABLE, anything else as INTERNAL (logged, never shown)."""
    request_id = grpc_handlers.new_request_id()
    if isinstance(error, OneStopError):
        refusal = error
    elif database_unavailable(error):
        log.warning(
            "%s (request %s): the database is unavailable: %s",
            name,
            request_id,
            _first_line(error),
        )
        refusal = Unavailable(
            "the case database is unavailable at the moment; try again in a minute",
            message_zh="案件数据库暂时不可用，请稍后重试",
            reason="DATABASE_UNAVAILABLE",
        )
    else:
        log.exception("%s failed (request %s)", name, request_id, exc_info=error)
        refusal = OneStopError(
            "internal error; the platform team has been alerted",
            message_zh="平台内部错误，运维人员已收到告警",
        )
    grpc_handlers.refuse(
        context, refusal, method=name, info=_case_info(request), request_id=request_id
    )


def database_unavailable(error: BaseException) -> bool:
    """True when ``error`` (or what caused it) says the database cannot be reached or used
    right now (down, connections lost, locked, pool exhausted), not that a query is wrong."""
    seen: BaseException | None = error
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, (sa_exc.TimeoutError, sa_exc.DisconnectionError)):
            return True
        if isinstance(seen, sa_exc.DBAPIError):
            if seen.connection_invalidated or isinstance(seen, sa_exc.InterfaceError):
                return True
            if isinstance(seen, sa_exc.OperationalError):
                if isinstance(seen.orig, sqlite3.Error):
                    text = str(seen.orig).lower()
                    return any(words in text for words in SQLITE_UNAVAILABLE)
                return True
            return False
        seen = seen.__cause__
    return False


def _first_line(error: BaseException) -> str:
    # The driver's own words: SQLAlchemy's text adds the statement and its parameters.
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0][:200] if lines else ''}"


@dataclass(frozen=True)
class WatchItem:
    """One message of a watch stream before either API renders it: the snapshot (no entry; the
    case with its form) or an audit entry with the case's displayed state right after it and
    the case, without its form, as read with it."""

    entry: AuditEntry | None
    state: str
    application: pb.Application
    sequence: int


@dataclass
class OneStopApi(SigningRpcs, pb_grpc.OneStopServiceServicer):
    engine: SagaEngine
    token_secret: str
    notifier: CaseNotifier = field(default_factory=CaseNotifier)
    watch_poll_seconds: float = 1.0
    # The longest a Watch stream lives; the client watches again and starts from a snapshot.
    watch_max_seconds: float = 3600.0
    # Open Watch streams one caller may hold at once (each holds a server thread).
    watch_streams_per_caller: int = 20
    # Other calls one caller may have in progress at once: beyond them, RESOURCE_EXHAUSTED,
    # so one partner's burst cannot take every server thread from the others.
    calls_per_caller: int = 32
    # The partner port's certificate checks (issuing CA, revocations); None: no partner port.
    partner_trust: PartnerTrust | None = None
    # The participants' checks of a whole application; None: the form's completeness only
    # (echo participants, which have no rules).
    checks: ParticipantChecks | None = None
    # Signs the application PDF for each person who confirms it (the signing server).
    person_signer: PersonSigner | None = None

    # ------------------------------------------------------------------ helpers

    def add_to_server(self, server: grpc.Server) -> None:
        """Serves this API on ``server``; an undecodable request is answered INVALID_ARGUMENT."""
        grpc_handlers.add_servicer(
            server, self, pb.DESCRIPTOR.services_by_name["OneStopService"], self._gate
        )

    def __post_init__(self) -> None:
        self._page_tokens = PageTokens(self.token_secret)
        self._watch_slots = CallerSlots(self.watch_streams_per_caller, "watch streams", "进度订阅")
        self._call_slots = CallerSlots(self.calls_per_caller, "calls", "请求")

    def _gate(self, context: grpc.ServicerContext, method: str) -> None:
        principal = self._principal(context)
        permissions.authorize(principal, method)
        # The platform's own processes are not throttled; a Watch holds a stream slot instead.
        if principal.role is not Role.SYSTEM and not method.endswith("/WatchApplication"):
            self._call_slots.take(principal, context)

    def _principal(self, context: grpc.ServicerContext) -> Principal:
        return principal_from_context(context, self.token_secret, self.partner_trust)

    def _require(self, context: grpc.ServicerContext, allowed: frozenset[Role]) -> Principal:
        principal = self._principal(context)
        if principal.role not in allowed and principal.role is not Role.ADMIN:
            raise PermissionDenied(
                f"role {principal.role.value} may not call this method",
                message_zh=f"角色 {principal.role.value} 无权调用此接口",
            )
        return principal

    def _load(
        self, case_id: str, principal: Principal, *, with_form: bool = True
    ) -> tuple[Saga, pb.Application]:
        with self.engine.readers() as session:
            return self._read(session, case_id, principal, with_form=with_form)

    def _read(
        self, session: Session, case_id: str, principal: Principal, *, with_form: bool
    ) -> tuple[Saga, pb.Application]:
        saga = session.get(Saga, case_id)
        if saga is None:
            raise e.CaseNotFound(case_id)
        _check_can_read(saga, principal)
        message = application_message(
            saga,
            self.engine.definition_of(saga),
            self.engine.calendar,
            self.engine.clock.now(),
            with_form=with_form,
            full_numbers=_sees_full_numbers(saga, principal),
        )
        session.expunge(saga)
        return saga, message

    def _read_with_events(
        self, case_id: str, principal: Principal, after_seq: int
    ) -> tuple[Saga, pb.Application, list[AuditEntry]] | None:
        """The case (without its unchanging form) and its audit entries after ``after_seq``
        from one database snapshot, so the view sent with the last entry is never older (or
        newer) than that entry; None when there are none."""
        with self.engine.readers() as session:
            entries = audit.entries_after(session, case_id, after_seq)
            if not entries:
                return None
            saga, application = self._read(session, case_id, principal, with_form=False)
            return saga, application, entries

    # ------------------------------------------------------------------ RPCs

    @_guarded
    def SubmitApplication(
        self, request: pb.SubmitApplicationRequest, context: grpc.ServicerContext
    ) -> pb.SubmitApplicationResponse:
        principal = self._require(context, SUBMITTERS)
        if request.validate_only:
            validation = answer_within_contract(self._validate(request.form, principal))
            return pb.SubmitApplicationResponse(validation=validation)
        if not request.idempotency_key.strip():
            raise InvalidInput.of([_idempotency_violation()])
        known = self.engine.find_submission(principal, request.idempotency_key, request.form)
        if known is None:
            # A repeated request (same key) is not checked again: its own case would now hold
            # the name it asks for.
            validation = self._validate(request.form, principal)
            if not validation.passed:
                raise InvalidInput.of(violations_of(validation.rejections))
            precheck = checks_summary(validation)
        else:
            precheck = {}
        case_id, created = self.engine.submit(
            principal, request.idempotency_key, request.form, precheck=precheck
        )
        # Not the form: the caller has it, and echoing a large one could make the answer bigger
        # than the caller accepts, leaving it with a case whose id it never learns.
        _, application = self._load(case_id, principal, with_form=False)
        return pb.SubmitApplicationResponse(application=application, created=created)

    @_guarded
    def ValidateApplication(
        self, request: pb.ValidateApplicationRequest, context: grpc.ServicerContext
    ) -> pb.ValidateApplicationResponse:
        principal = self._require(context, SUBMITTERS)
        validation = self._validate(request.form, principal, sections=list(request.sections))
        return answer_within_contract(validation)

    def _validate(
        self,
        form: application_pb2.ApplicationForm,
        principal: Principal,
        *,
        case_id: str = "",
        sections: list[str] | None = None,
    ) -> pb.ValidateApplicationResponse:
        if self.checks is None:
            found = [name_subject(v, form) for v in form_violations(form)]
            return pb.ValidateApplicationResponse(
                passed=not found,
                rejections=rejections(found),
                checks=[pb.ParticipantCheck(participant="orchestrator", answered=True)],
            )
        return self.checks.check(
            form, applicant_id=principal.applicant_id, case_id=case_id, sections=sections or ()
        )

    @_guarded
    def GetApplication(
        self, request: pb.GetApplicationRequest, context: grpc.ServicerContext
    ) -> pb.GetApplicationResponse:
        principal = self._require(context, READERS)
        _, application = self._load(request.case_id, principal)
        return pb.GetApplicationResponse(application=application)

    @_guarded_stream
    def WatchApplication(
        self, request: pb.WatchApplicationRequest, context: grpc.ServicerContext
    ) -> Iterator[pb.WatchApplicationResponse]:
        principal = self._require(context, READERS)
        self._watch_slots.take(principal, context)
        yield from self._watch(request, context, principal)

    def _watch(
        self,
        request: pb.WatchApplicationRequest,
        context: grpc.ServicerContext,
        principal: Principal,
    ) -> Iterator[pb.WatchApplicationResponse]:
        for item in self.watch_entries(request, context, principal):
            if item.entry is None:
                event = pb.ProgressEvent(
                    case_id=item.application.case_id,
                    sequence=item.sequence,
                    kind=pb.PROGRESS_EVENT_KIND_SNAPSHOT,
                    case_state=item.application.state,
                )
            else:
                event = progress_event(item.entry, item.state)
            yield pb.WatchApplicationResponse(event=event, application=item.application)

    def watch_entries(
        self, request: Any, context: grpc.ServicerContext, principal: Principal
    ) -> Iterator[WatchItem]:
        """A watch stream's content, for either API to render: the snapshot first, then each
        audit entry to send. ``request`` has ``case_id`` and an optional ``after_sequence``."""
        saga, application = self._load(request.case_id, principal)
        replay_after = _replay_after(request, saga)
        yield WatchItem(None, "", application, saga.audit_seq)
        if saga.state in e.TERMINAL_CASE_STATES and replay_after >= saga.audit_seq:
            return
        yield from self._follow(request.case_id, context, principal, replay_after)

    def _follow(
        self,
        case_id: str,
        context: grpc.ServicerContext,
        principal: Principal,
        sent_seq: int,
    ) -> Iterator[WatchItem]:
        """The case's events after ``sent_seq``: those already in its trail (the replay), then
        each as it happens, until the case ends. The whole trail is read, so each event carries
        the case's state right after it, as a live watcher saw it."""
        states = StateAtEvent()
        read_seq = 0
        ends_at = time.monotonic() + self.watch_max_seconds
        while context.is_active():
            if time.monotonic() >= ends_at:
                return  # a stream does not live for ever: the client watches again (snapshot)
            # The caller is who they were: a partner certificate revoked (or a credential
            # expired) since the stream opened ends it, UNAUTHENTICATED.
            self._principal(context)
            # Read the version before the database: a change committed after the read
            # below bumps it, so the wait returns at once instead of missing the change.
            version = self.notifier.version(case_id)
            update = self._read_with_events(case_id, principal, read_seq)
            if update is None:
                self.notifier.wait(case_id, version, self.watch_poll_seconds)
                continue
            saga, application, entries = update
            for entry in entries:
                state = states.after(entry)
                if entry.seq > sent_seq:
                    yield WatchItem(entry, state, application, entry.seq)
            read_seq = entries[-1].seq
            sent_seq = max(sent_seq, read_seq)
            if saga.state in e.TERMINAL_CASE_STATES:
                return

    @_guarded
    def ListApplications(
        self, request: pb.ListApplicationsRequest, context: grpc.ServicerContext
    ) -> pb.ListApplicationsResponse:
        principal = self._require(context, READERS)
        states = [CASE_STATE_NAMES[s] for s in request.states if s in CASE_STATE_NAMES]
        return self.list_cases(request, principal, request.applicant_id, states)

    def list_cases(
        self,
        request: Any,
        principal: Principal,
        applicant: str,
        states: list[str],
        *,
        submitted: tuple[tuple[str, datetime], ...] = (),
        query_key: str = "",
        cancelled_apart: bool = False,
    ) -> pb.ListApplicationsResponse:
        """One page of cases for either API: ``request`` has ``page_size`` and ``page_token``;
        ``states`` are displayed state names, ``submitted`` bounds on the submission time
        (operator, moment); ``query_key`` names any other part of the query the page token is
        bound to. ``cancelled_apart``: "cancelled" is a state of its own (a withdrawn case),
        and "compensated" and "failed" leave such cases out."""
        if principal.role in SUBMITTERS:
            applicant = principal.applicant_id
        fingerprint = query_fingerprint(
            f"{principal.role.value}:{principal.subject}", applicant, [*states, query_key]
        )
        page_size, after = _page(request, self._page_tokens, fingerprint)
        query = select(Saga)
        if applicant:
            query = query.where(Saga.applicant_id == applicant)
        if states:
            query = query.where(_in_states(states, cancelled_apart=cancelled_apart))
        for op, moment in submitted:
            query = query.where(_SUBMITTED[op](moment))
        with self.engine.readers() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            if after is not None:
                query = query.where(_listed_after(after))
            # One more than the page: whether there is a next page, without a second query.
            rows = session.scalars(
                query.order_by(Saga.submitted_at.desc(), Saga.id).limit(page_size + 1)
            ).all()
            more, rows = len(rows) > page_size, rows[:page_size]
            now = self.engine.clock.now()
            apps = [
                application_message(
                    r,
                    self.engine.definition_of(r),
                    self.engine.calendar,
                    now,
                    with_form=False,
                )
                for r in rows
            ]
        next_token = ""
        if more:
            last = Position(rows[-1].submitted_at, rows[-1].id)
            next_token = self._page_tokens.issue(fingerprint, last)
        return pb.ListApplicationsResponse(
            applications=apps, next_page_token=next_token, total=total
        )

    @_guarded
    def CancelApplication(
        self, request: pb.CancelApplicationRequest, context: grpc.ServicerContext
    ) -> pb.CancelApplicationResponse:
        principal = self._require(context, SUBMITTERS)
        self.engine.cancel(request.case_id, principal, request.reason)
        _, application = self._load(request.case_id, principal)
        return pb.CancelApplicationResponse(application=application)

    @_guarded
    def CorrectApplication(
        self, request: pb.CorrectApplicationRequest, context: grpc.ServicerContext
    ) -> pb.CorrectApplicationResponse:
        principal = self._require(context, SUBMITTERS)
        paths = list(request.update_mask.paths)
        current = self.engine.case_form(request.case_id, principal)
        corrected = corrected_form(current, request.form, paths)
        # The corrected application is checked whole, as at submission: a correction that
        # trips another rule is refused now, not by the next step.
        validation = self._validate(corrected, principal, case_id=request.case_id)
        if not validation.passed:
            raise InvalidInput.of(violations_of(validation.rejections))
        self.engine.correct(request.case_id, principal, request.form, paths)
        _, application = self._load(request.case_id, principal)
        return pb.CorrectApplicationResponse(application=application)

    @_guarded
    def FulfillCommitment(
        self, request: pb.FulfillCommitmentRequest, context: grpc.ServicerContext
    ) -> pb.FulfillCommitmentResponse:
        principal = self._require(context, SUBMITTERS)
        self.engine.supply_material(
            request.case_id,
            principal,
            request.material_code,
            request.file_name,
            request.content,
            request.content_type,
        )
        _, application = self._load(request.case_id, principal)
        return pb.FulfillCommitmentResponse(application=application)

    @_guarded_stream
    def GetBundle(
        self, request: pb.GetBundleRequest, context: grpc.ServicerContext
    ) -> Iterator[pb.GetBundleResponse]:
        principal = self._require(context, SUBMITTERS)
        with self.engine.readers() as session:
            saga = session.get(Saga, request.case_id)
            if saga is None:
                raise e.CaseNotFound(request.case_id)
            _check_can_read(saga, principal)
            if not saga.bundle:
                # The case exists and is the caller's: it is its state that does not allow it.
                raise Conflict(
                    "the bundle is not ready: the case has not completed",
                    message_zh="电子证照包尚未生成：案件尚未办结",
                    reason="BUNDLE_NOT_READY",
                    info={"state": saga.state},
                )
            data = saga.bundle
        digest = hashlib.sha256(data).hexdigest()
        for offset in range(0, len(data), BUNDLE_CHUNK):
            chunk = pb.GetBundleResponse(chunk=data[offset : offset + BUNDLE_CHUNK])
            if offset == 0:
                chunk.total_size = len(data)
                chunk.sha256 = digest
                chunk.file_name = f"{request.case_id}-bundle.pdf"
            yield chunk

    @_guarded
    def ListSignatureRequests(
        self, request: pb.ListSignatureRequestsRequest, context: grpc.ServicerContext
    ) -> pb.ListSignatureRequestsResponse:
        return self.list_signature_requests(request, context)

    @_guarded
    def GetApplicationToSign(
        self, request: pb.GetApplicationToSignRequest, context: grpc.ServicerContext
    ) -> pb.GetApplicationToSignResponse:
        return self.get_application_to_sign(request, context)

    @_guarded
    def SignApplication(
        self, request: pb.SignApplicationRequest, context: grpc.ServicerContext
    ) -> pb.SignApplicationResponse:
        return self.sign_application(request, context)

    @_guarded
    def DeclineApplication(
        self, request: pb.DeclineApplicationRequest, context: grpc.ServicerContext
    ) -> pb.DeclineApplicationResponse:
        return self.decline_application(request, context)

    @_guarded
    def GetStatistics(
        self, request: pb.GetStatisticsRequest, context: grpc.ServicerContext
    ) -> pb.GetStatisticsResponse:
        self._require(context, frozenset({Role.ADMIN}))
        return self._statistics(request.days)

    def _statistics(self, days: int = 0) -> pb.GetStatisticsResponse:
        now = self.engine.clock.now()
        definition = self.engine.definitions.latest(self.engine.default_definition)
        with self.engine.readers() as session:
            response = dashboard_query.statistics(
                session, definition, self.engine.calendar, now, days
            )
        response.calendar.CopyFrom(calendar_coverage(self.engine.calendar, now))
        return response


# From this day of the year on, next year's official schedule is expected (the State Council
# publishes it in the autumn); its absence is then a warning on the dashboard.
NEXT_YEAR_EXPECTED_FROM = (11, 1)


def calendar_coverage(calendar: BusinessCalendar, now: datetime) -> pb.CalendarCoverage:
    coverage = pb.CalendarCoverage()
    for year, source in calendar.coverage(range(now.year, now.year + 3)).items():
        coverage.years[year] = source
    if (now.month, now.day) >= NEXT_YEAR_EXPECTED_FROM and not calendar.knows_year(now.year + 1):
        coverage.next_year_missing = now.year + 1
    return coverage


def _in_states(states: list[str], *, cancelled_apart: bool = False) -> Any:
    """Cases in these states as people see them (views.displayed_state): "stuck" takes in running
    cases with a stuck step, "awaiting_applicant" those waiting for a correction, "running" the
    rest. ``cancelled_apart``: "cancelled" takes compensated and failed cases the applicant
    withdrew, and "compensated" and "failed" the others."""

    def has_step(state: str) -> Any:
        return (
            select(SagaStep.saga_id)
            .where(SagaStep.saga_id == Saga.id, SagaStep.state == state)
            .exists()
        )

    stuck, awaiting = has_step(e.STEP_STUCK), has_step(e.AWAITING_APPLICANT)
    shown = (e.RUNNING, e.CASE_AWAITING_APPLICANT, CANCELLED_STATE)
    stored = [s for s in states if s not in shown]
    withdrawn = and_(
        Saga.state.in_((e.COMPENSATED, e.FAILED)), Saga.compensation_reason == CANCELLED_CODE
    )
    clauses: list[Any] = [Saga.state.in_(stored)]
    if cancelled_apart:
        clauses = [and_(Saga.state.in_(stored), ~withdrawn)]
        if CANCELLED_STATE in states:
            clauses.append(withdrawn)
    if e.RUNNING in states:
        clauses.append(and_(Saga.state == e.RUNNING, ~stuck, ~awaiting))
    if e.STUCK in states:
        clauses.append(and_(Saga.state == e.RUNNING, stuck))
    if e.CASE_AWAITING_APPLICANT in states:
        clauses.append(and_(Saga.state == e.RUNNING, ~stuck, awaiting))
    return or_(*clauses)


def checks_summary(validation: pb.ValidateApplicationResponse) -> dict[str, Any]:
    """What the case's audit keeps of the checks made before it was created."""
    return {
        "answered": [c.participant for c in validation.checks if c.answered],
        "unanswered": [c.participant for c in validation.checks if not c.answered],
        "elapsed_ms": round(validation.elapsed_ms, 1),
    }


def _check_can_read(saga: Saga, principal: Principal) -> None:
    if principal.role in (Role.ADMIN, Role.SYSTEM) or principal.is_staff:
        return
    if principal.owns(saga.applicant_id):
        return
    # Answered as an unknown id: whether another applicant's case exists is not the caller's.
    raise e.CaseNotFound(saga.id)


def _page(
    request: pb.ListApplicationsRequest, tokens: PageTokens, fingerprint: str
) -> tuple[int, Position | None]:
    """The page size (0: the default) and the last case before the page, from the page token
    (None: the first page)."""
    if not 0 <= request.page_size <= MAX_PAGE:
        raise InvalidInput.of(
            [
                violation(
                    "page_size",
                    "range",
                    f"每页条数须在 0 到 {MAX_PAGE} 之间（0 为默认的 {DEFAULT_PAGE} 条）",
                    f"page_size must be 0 to {MAX_PAGE} (0: the default, {DEFAULT_PAGE})",
                )
            ]
        )
    after = tokens.read(request.page_token, fingerprint) if request.page_token else None
    return request.page_size or DEFAULT_PAGE, after


def _listed_after(last: Position) -> Any:
    """The cases after ``last`` in the list's order: submitted earlier, or at the same moment
    with a greater id."""
    return or_(
        Saga.submitted_at < last.submitted_at,
        and_(Saga.submitted_at == last.submitted_at, Saga.id > last.case_id),
    )


def _sees_full_numbers(saga: Saga, principal: Principal) -> bool:
    """The applicant sees the form as they gave it; staff and administrators, who may read any
    case, see its people's ID numbers and phones masked (the desk that decides on a person shows
    that person in full, to the staff whose step it is)."""
    return principal.owns(saga.applicant_id) or principal.role is Role.SYSTEM


def _replay_after(request: pb.WatchApplicationRequest, saga: Saga) -> int:
    """The sequence after which a watch replays the case's events: the client's, or else none
    of a running case's (it sees what happens from now on) and all of a finished one's."""
    if not request.HasField("after_sequence"):
        return 0 if saga.state in e.TERMINAL_CASE_STATES else saga.audit_seq
    if not 0 <= request.after_sequence <= saga.audit_seq:
        raise InvalidInput.of(
            [
                violation(
                    "after_sequence",
                    "range",
                    f"after_sequence 须在 0 到该案件最后一个事件的序号 {saga.audit_seq} 之间",
                    f"after_sequence must be 0 to the case's last event's sequence "
                    f"({saga.audit_seq})",
                )
            ]
        )
    return request.after_sequence


def _idempotency_violation() -> RuleViolation:
    return violation(
        "idempotency_key",
        "required",
        "请提供幂等键（同一申请重复提交时使用同一值）",
        "an idempotency key is required (reuse it when repeating a submission)",
    )


def _material_size_violation(size: int) -> RuleViolation:
    return violation(
        "content",
        "size",
        f"材料文件大小须在 1 字节到 10 MB 之间（当前 {size} 字节）",
        f"the material must be between 1 byte and 10 MB (got {size} bytes)",
    )
