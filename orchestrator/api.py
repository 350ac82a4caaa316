"""The public gRPC API (onestop.orchestrator.v1.OneStopService) over grpcio: role checks, input
checks, and the saga engine behind them."""

from __future__ import annotations

import hashlib
import logging
import statistics
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import grpc
from grpc_status import rpc_status
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop_common.errors import (
    InvalidInput,
    NotFound,
    OneStopError,
    PermissionDenied,
    RuleViolation,
    violation,
)
from onestop_common.identity import (
    STAFF_ROLES,
    PartnerTrust,
    Principal,
    Role,
    principal_from_context,
)
from onestop_common.protoconv import internal_status, status_for
from orchestrator import audit
from orchestrator import engine as e
from orchestrator.engine import SagaEngine
from orchestrator.intake import check_form
from orchestrator.models import AuditEntry, Saga
from orchestrator.views import CASE_STATE_NAMES, application_message, progress_event

log = logging.getLogger(__name__)

BUNDLE_CHUNK = 64 * 1024
MAX_PAGE = 200
MAX_MATERIAL_BYTES = 10 * 1024 * 1024
# Case versions kept for watch streams before the ones nobody waits on are forgotten.
MAX_TRACKED_VERSIONS = 10_000
SUBMITTERS = frozenset({Role.ENTREPRENEUR, Role.PARTNER})
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
    """Maps OneStop errors to their gRPC status (with rejections) and hides internal ones."""

    def wrapper(self: OneStopApi, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return method(self, request, context)
        except OneStopError as error:
            context.abort_with_status(rpc_status.to_status(status_for(error)))
        except Exception:
            log.exception("%s failed", method.__name__)
            context.abort_with_status(
                rpc_status.to_status(
                    internal_status("internal error; the platform team has been alerted")
                )
            )

    wrapper.__name__ = method.__name__
    return wrapper


def _guarded_stream(method: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
    def wrapper(self: OneStopApi, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        try:
            yield from method(self, request, context)
        except OneStopError as error:
            context.abort_with_status(rpc_status.to_status(status_for(error)))

    wrapper.__name__ = method.__name__
    return wrapper


@dataclass
class OneStopApi(pb_grpc.OneStopServiceServicer):
    engine: SagaEngine
    token_secret: str
    notifier: CaseNotifier = field(default_factory=CaseNotifier)
    watch_poll_seconds: float = 1.0
    # The partner port's certificate checks (issuing CA, revocations); None: no partner port.
    partner_trust: PartnerTrust | None = None

    # ------------------------------------------------------------------ helpers

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
            raise NotFound(f"no case {case_id}", message_zh=f"案件 {case_id} 不存在")
        _check_can_read(saga, principal)
        message = application_message(
            saga,
            self.engine.definitions[saga.definition],
            self.engine.calendar,
            self.engine.clock.now(),
            with_form=with_form,
        )
        session.expunge(saga)
        return saga, message

    def _read_with_events(
        self, case_id: str, principal: Principal, after_seq: int, *, snapshot: bool
    ) -> tuple[Saga, pb.Application, list[AuditEntry]] | None:
        """The case and its audit entries after ``after_seq`` from one database snapshot, so
        the view sent with the last entry is never older (or newer) than that entry.

        ``snapshot`` is the first read of a watch: it always returns the view, with the form.
        Later reads return None when nothing new happened and leave the unchanging form out.
        """
        with self.engine.readers() as session:
            entries = audit.entries_after(session, case_id, after_seq)
            if not entries and not snapshot:
                return None
            saga, application = self._read(session, case_id, principal, with_form=snapshot)
            return saga, application, entries

    # ------------------------------------------------------------------ RPCs

    @_guarded
    def SubmitApplication(
        self, request: pb.SubmitApplicationRequest, context: grpc.ServicerContext
    ) -> pb.SubmitApplicationResponse:
        principal = self._require(context, SUBMITTERS)
        if not request.idempotency_key.strip():
            raise InvalidInput.of([_idempotency_violation()])
        check_form(request.form)
        case_id, created = self.engine.submit(principal, request.idempotency_key, request.form)
        _, application = self._load(case_id, principal)
        return pb.SubmitApplicationResponse(application=application, created=created)

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
        first = self._read_with_events(request.case_id, principal, 0, snapshot=True)
        assert first is not None  # the first read always returns the view
        saga, application, entries = first
        seen_seq = entries[-1].seq if entries else 0
        yield pb.WatchApplicationResponse(
            event=pb.ProgressEvent(
                case_id=saga.id,
                sequence=seen_seq,
                kind=pb.PROGRESS_EVENT_KIND_SNAPSHOT,
                case_state=application.state,
            ),
            application=application,
        )
        if saga.state in e.TERMINAL_CASE_STATES:
            return
        while context.is_active():
            # Read the version before the database: a change committed after the read
            # below bumps it, so the wait returns at once instead of missing the change.
            version = self.notifier.version(request.case_id)
            update = self._read_with_events(request.case_id, principal, seen_seq, snapshot=False)
            if update is None:
                self.notifier.wait(request.case_id, version, self.watch_poll_seconds)
                continue
            saga, application, entries = update
            for entry in entries:
                yield pb.WatchApplicationResponse(
                    event=progress_event(entry, saga.state), application=application
                )
            seen_seq = entries[-1].seq
            if saga.state in e.TERMINAL_CASE_STATES:
                return

    @_guarded
    def ListApplications(
        self, request: pb.ListApplicationsRequest, context: grpc.ServicerContext
    ) -> pb.ListApplicationsResponse:
        principal = self._require(context, READERS)
        applicant = request.applicant_id
        if principal.role in SUBMITTERS:
            applicant = principal.applicant_id
        page_size = min(request.page_size or 20, MAX_PAGE)
        offset = int(request.page_token or 0)
        query = select(Saga)
        if applicant:
            query = query.where(Saga.applicant_id == applicant)
        states = [CASE_STATE_NAMES[s] for s in request.states if s in CASE_STATE_NAMES]
        if states:
            query = query.where(Saga.state.in_(states))
        with self.engine.readers() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.scalars(
                query.order_by(Saga.submitted_at.desc(), Saga.id).offset(offset).limit(page_size)
            ).all()
            now = self.engine.clock.now()
            apps = [
                application_message(
                    r,
                    self.engine.definitions[r.definition],
                    self.engine.calendar,
                    now,
                    with_form=False,
                )
                for r in rows
            ]
        next_token = str(offset + page_size) if offset + page_size < total else ""
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
        check_form(request.form)
        self.engine.correct(request.case_id, principal, request.form)
        _, application = self._load(request.case_id, principal)
        return pb.CorrectApplicationResponse(application=application)

    @_guarded
    def FulfillCommitment(
        self, request: pb.FulfillCommitmentRequest, context: grpc.ServicerContext
    ) -> pb.FulfillCommitmentResponse:
        principal = self._require(context, SUBMITTERS)
        if not request.content or len(request.content) > MAX_MATERIAL_BYTES:
            raise InvalidInput.of([_material_size_violation(len(request.content))])
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
                raise NotFound(
                    f"no case {request.case_id}", message_zh=f"案件 {request.case_id} 不存在"
                )
            _check_can_read(saga, principal)
            if not saga.bundle:
                raise NotFound(
                    "the bundle is not ready: the case has not completed",
                    message_zh="电子证照包尚未生成：案件尚未办结",
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
    def GetStatistics(
        self, request: pb.GetStatisticsRequest, context: grpc.ServicerContext
    ) -> pb.GetStatisticsResponse:
        self._require(context, frozenset({Role.ADMIN}))
        return self._statistics()

    def _statistics(self) -> pb.GetStatisticsResponse:
        response = pb.GetStatisticsResponse()
        calendar = self.engine.calendar
        with self.engine.readers() as session:
            for state, count in session.execute(
                select(Saga.state, func.count()).group_by(Saga.state)
            ).all():
                response.cases_by_state[state] = count
            durations: dict[str, list[float]] = defaultdict(list)
            breaches: dict[str, int] = defaultdict(int)
            for saga in session.scalars(
                select(Saga).order_by(Saga.submitted_at.desc()).limit(2000)
            ).all():
                for row in saga.steps:
                    breaches[row.name] += int(row.breached)
                    if row.state == e.DONE and row.started_at and row.finished_at:
                        worked = calendar.working_time_between(row.started_at, row.finished_at)
                        durations[row.name].append(worked.total_seconds() / 3600)
        for step_def in self.engine.definitions["open_company"].steps:
            values = sorted(durations[step_def.name])
            response.steps.append(
                pb.StepStatistics(
                    step=step_def.name,
                    limit_workdays=str(step_def.limit),
                    completed=len(values),
                    in_breach=breaches[step_def.name],
                    median_working_hours=statistics.median(values) if values else 0.0,
                    p95_working_hours=_percentile(values, 0.95),
                )
            )
        return response


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    index = min(len(values) - 1, max(0, round(q * (len(values) - 1))))
    return values[index]


def _check_can_read(saga: Saga, principal: Principal) -> None:
    if principal.role in (Role.ADMIN, Role.SYSTEM) or principal.is_staff:
        return
    if principal.owns(saga.applicant_id):
        return
    raise PermissionDenied(
        "this case belongs to another applicant", message_zh="该案件属于其他申请人"
    )


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
