"""The public partner API (onestop.partner.v1.ApplicationService) over grpcio: each call converted
to the internal API's request (orchestrator.api, onestop.orchestrator.v1), carried out by the same
code, and its answer converted back. Same permission table, credentials, limits and errors."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import grpc
from google.protobuf.message import Message

from onestop.orchestrator.v1 import orchestrator_pb2 as v1
from onestop.partner.v1 import partner_pb2 as pb
from orchestrator import api as internal
from orchestrator import grpc_handlers
from orchestrator.api import READERS, OneStopApi, WatchItem
from orchestrator.models import AuditEntry
from orchestrator.partner_convert import (
    ENGINE_STATES,
    STEP_KINDS,
    application_from_internal,
    case_state,
    form_to_internal,
    mask_to_internal,
    parse_filter,
)
from orchestrator.views import STEP_STATE_OF_ACTION, STEP_STATES

SERVICE = pb.DESCRIPTOR.services_by_name["ApplicationService"]
PARTNER_STATES = {name: value for value, name in ENGINE_STATES.items()}
SIGNATURE_ACTIONS = {
    "application_signed": pb.PersonSignature.STATE_SIGNED,
    "application_declined": pb.PersonSignature.STATE_DECLINED,
    "signatures_expired": pb.PersonSignature.STATE_WAITING,
}
MATERIAL_ACTIONS = frozenset(
    {"material_supplied", "material_accepted", "material_refused", "commitment_fulfilled"}
)


def _guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    """As the internal API's guard: size limits and the case id first, then the call; every
    error answered once, the same way (orchestrator.api.refuse_call)."""

    def wrapper(self: PartnerApi, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            internal._intake(request)
            return method(self, request, context)
        except Exception as error:
            internal.refuse_call(context, method.__name__, request, error)

    wrapper.__name__ = method.__name__
    return wrapper


def _guarded_stream(method: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
    def wrapper(self: PartnerApi, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        try:
            internal._intake(request)
            yield from method(self, request, context)
        except Exception as error:
            internal.refuse_call(context, method.__name__, request, error)

    wrapper.__name__ = method.__name__
    return wrapper


@dataclass
class PartnerApi:
    """Serves onestop.partner.v1 with ``api``'s logic (one OneStopApi per process)."""

    api: OneStopApi

    def add_to_server(self, server: grpc.Server) -> None:
        grpc_handlers.add_servicer(server, self, SERVICE, self.api._gate)

    def _call(self, name: str, request: Message, context: grpc.ServicerContext) -> Any:
        """The internal RPC ``name`` without its own guard (this API's guard answers errors),
        after the internal request's own intake checks."""
        internal._intake(request)
        return getattr(OneStopApi, name).__wrapped__(self.api, request, context)

    # ------------------------------------------------------------------ RPCs

    @_guarded
    def SubmitApplication(
        self, request: pb.SubmitApplicationRequest, context: grpc.ServicerContext
    ) -> pb.SubmitApplicationResponse:
        answer = self._call(
            "SubmitApplication",
            v1.SubmitApplicationRequest(
                idempotency_key=request.idempotency_key,
                form=form_to_internal(request.form),
                validate_only=request.validate_only,
            ),
            context,
        )
        response = pb.SubmitApplicationResponse(created=answer.created)
        if answer.HasField("application"):
            response.application.CopyFrom(application_from_internal(answer.application))
        if answer.HasField("validation"):
            response.validation.CopyFrom(_validation(answer.validation))
        return response

    @_guarded
    def ValidateApplication(
        self, request: pb.ValidateApplicationRequest, context: grpc.ServicerContext
    ) -> pb.ValidateApplicationResponse:
        answer = self._call(
            "ValidateApplication",
            v1.ValidateApplicationRequest(form=form_to_internal(request.form)),
            context,
        )
        return _validation(answer)

    @_guarded
    def GetApplication(
        self, request: pb.GetApplicationRequest, context: grpc.ServicerContext
    ) -> pb.GetApplicationResponse:
        answer = self._call(
            "GetApplication", v1.GetApplicationRequest(case_id=request.case_id), context
        )
        return pb.GetApplicationResponse(application=application_from_internal(answer.application))

    @_guarded
    def ListApplications(
        self, request: pb.ListApplicationsRequest, context: grpc.ServicerContext
    ) -> pb.ListApplicationsResponse:
        principal = self.api._require(context, READERS)
        found = parse_filter(request.filter)
        answer = self.api.list_cases(
            request,
            principal,
            "",
            list(found.states),
            submitted=found.submitted,
            query_key=found.canonical(),
            cancelled_apart=True,
        )
        return pb.ListApplicationsResponse(
            applications=[application_from_internal(a) for a in answer.applications],
            next_page_token=answer.next_page_token,
            total_size=answer.total,
        )

    @_guarded_stream
    def WatchApplication(
        self, request: pb.WatchApplicationRequest, context: grpc.ServicerContext
    ) -> Iterator[pb.WatchApplicationResponse]:
        principal = self.api._require(context, READERS)
        self.api._watch_slots.take(principal, context)
        for item in self.api.watch_entries(request, context, principal):
            application = application_from_internal(item.application)
            yield pb.WatchApplicationResponse(
                event=progress_event(item, application), application=application
            )

    @_guarded
    def CancelApplication(
        self, request: pb.CancelApplicationRequest, context: grpc.ServicerContext
    ) -> pb.CancelApplicationResponse:
        answer = self._call(
            "CancelApplication",
            v1.CancelApplicationRequest(case_id=request.case_id, reason=request.reason),
            context,
        )
        return pb.CancelApplicationResponse(
            application=application_from_internal(answer.application)
        )

    @_guarded
    def CorrectApplication(
        self, request: pb.CorrectApplicationRequest, context: grpc.ServicerContext
    ) -> pb.CorrectApplicationResponse:
        correction = v1.CorrectApplicationRequest(
            case_id=request.case_id, form=form_to_internal(request.form)
        )
        correction.update_mask.paths.extend(mask_to_internal(request.update_mask.paths))
        answer = self._call("CorrectApplication", correction, context)
        return pb.CorrectApplicationResponse(
            application=application_from_internal(answer.application)
        )

    @_guarded
    def FulfillCommitment(
        self, request: pb.FulfillCommitmentRequest, context: grpc.ServicerContext
    ) -> pb.FulfillCommitmentResponse:
        answer = self._call(
            "FulfillCommitment",
            v1.FulfillCommitmentRequest(
                case_id=request.case_id,
                material_code=request.material_code,
                file_name=request.file_name,
                content=request.content,
                content_type=request.content_type,
            ),
            context,
        )
        return pb.FulfillCommitmentResponse(
            application=application_from_internal(answer.application)
        )

    @_guarded_stream
    def GetBundle(
        self, request: pb.GetBundleRequest, context: grpc.ServicerContext
    ) -> Iterator[pb.GetBundleResponse]:
        chunks = self._call("GetBundle", v1.GetBundleRequest(case_id=request.case_id), context)
        for chunk in chunks:
            yield pb.GetBundleResponse(
                chunk=chunk.chunk,
                total_size=chunk.total_size,
                sha256=chunk.sha256,
                file_name=chunk.file_name,
            )


def _validation(answer: v1.ValidateApplicationResponse) -> pb.ValidateApplicationResponse:
    return pb.ValidateApplicationResponse(passed=answer.passed, rejections=answer.rejections)


def _detail(entry: AuditEntry) -> dict[str, Any]:
    try:
        found = json.loads(entry.detail) if entry.detail else {}
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _partner_state(name: str, application: pb.Application) -> pb.CaseState.ValueType:
    """An engine state name as the partner API shows it; a withdrawn case's final state is
    CANCELLED (final states do not change, so the case read with the event tells)."""
    if name in ("compensated", "failed") and application.state == pb.CASE_STATE_CANCELLED:
        return pb.CASE_STATE_CANCELLED
    return PARTNER_STATES.get(name, pb.CASE_STATE_UNSPECIFIED)


def progress_event(item: WatchItem, application: pb.Application) -> pb.ProgressEvent:
    """The typed event for one watch item (the snapshot, or an audit entry)."""
    entry = item.entry
    if entry is None:
        return pb.ProgressEvent(
            sequence=item.sequence,
            case_state=case_state(item.application),
            snapshot=pb.Snapshot(),
        )
    event = pb.ProgressEvent(sequence=entry.seq, case_state=_partner_state(item.state, application))
    event.occur_time.FromDatetime(entry.at)
    detail = _detail(entry)
    step = STEP_KINDS.get(entry.step, pb.Step.KIND_UNSPECIFIED)
    to_step_state = entry.to_state or STEP_STATE_OF_ACTION.get(entry.action, "")
    if entry.action.endswith(("sla_warning", "sla_breach")):
        event.deadline_alert.step = step
        event.deadline_alert.breached = entry.action.endswith("breach")
        due = _moment(detail.get("due_at"))
        if due is not None:
            event.deadline_alert.due_time.FromDatetime(due)
    elif entry.step and to_step_state in STEP_STATES:
        event.step_changed.step = step
        event.step_changed.to_state = STEP_STATES[to_step_state]
        if entry.from_state in STEP_STATES:
            event.step_changed.from_state = STEP_STATES[entry.from_state]
    elif not entry.step and entry.to_state:
        event.case_changed.to_state = _partner_state(entry.to_state, application)
        event.case_changed.from_state = PARTNER_STATES.get(
            entry.from_state, pb.CASE_STATE_UNSPECIFIED
        )
    elif entry.action in SIGNATURE_ACTIONS:
        event.signature_changed.name = str(detail.get("name", ""))
        event.signature_changed.state = SIGNATURE_ACTIONS[entry.action]
    elif entry.action in MATERIAL_ACTIONS:
        event.material_changed.material_code = str(detail.get("material", ""))
        event.material_changed.commitment_state = application.commitment.state
    else:
        event.other.action = entry.action
    return event


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
