"""The public API as partner engineers hold it against Google's API design guide (issue 16), over
real gRPC to a real orchestrator process: server reflection, standard error details (AIP-193),
codes that tell malformed input from state and never reveal another applicant's case, signed
page tokens (AIP-158), and Watch streams that resume from a sequence number."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor_pool, json_format, message_factory
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2
from grpc_reflection.v1alpha import reflection_pb2
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)
from grpc_status import rpc_status

from onestop.common.v1 import common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop.partner.v1 import partner_pb2, partner_pb2_grpc
from onestop_cli.client import load_form
from onestop_common.error_details import DOMAIN, details_of
from onestop_common.settings import SERVICES, SIGNER, Settings
from tests.integration.test_partner_mtls import issue
from tests.support.cases import SAMPLE, submit_sample, watch_until
from tests.support.infra import PlatformFactory, fresh_platform, settings_for, signing_server
from tests.support.participant import credential

ECHO = {"ONESTOP_PARTICIPANTS": "echo"}
UNKNOWN_CASE = "OS20250301-0000000000"
# The sample form in the public partner package's JSON (Money and Date).
PARTNER_SAMPLE = Path(SAMPLE).parent / "partner-application.json"


@pytest.fixture(scope="module")
def running_platform(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[PlatformFactory, Settings]]:
    """The orchestrator alone: no participant answers, so every case stays running (or
    compensating once cancelled). Tests use applicants of their own."""
    with fresh_platform(tmp_path_factory.mktemp("running-only")) as factory:
        yield factory, factory.start(("orchestrator",), **ECHO).settings


@pytest.fixture(scope="module")
def running_only(running_platform: tuple[PlatformFactory, Settings]) -> Settings:
    return running_platform[1]


@pytest.fixture(scope="module")
def whole_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """The orchestrator and the five services as echo participants: cases run to their end."""
    with fresh_platform(tmp_path_factory.mktemp("whole")) as factory:
        yield factory.start(("orchestrator", *SERVICES), **ECHO).settings


@pytest.fixture(scope="module")
def whole_api(whole_platform: Settings) -> Iterator[pb_grpc.OneStopServiceStub]:
    with grpc.insecure_channel(whole_platform.grpc_target("orchestrator")) as channel:
        yield pb_grpc.OneStopServiceStub(channel)


@pytest.fixture(scope="module")
def api(running_only: Settings) -> Iterator[pb_grpc.OneStopServiceStub]:
    with grpc.insecure_channel(running_only.grpc_target("orchestrator")) as channel:
        yield pb_grpc.OneStopServiceStub(channel)


@pytest.fixture(scope="module")
def partner_api(running_only: Settings) -> Iterator[partner_pb2_grpc.ApplicationServiceStub]:
    with grpc.insecure_channel(running_only.grpc_target("orchestrator")) as channel:
        yield partner_pb2_grpc.ApplicationServiceStub(channel)


def partner_form() -> partner_pb2.ApplicationForm:
    return json_format.Parse(
        PARTNER_SAMPLE.read_text(encoding="utf-8"), partner_pb2.ApplicationForm()
    )


def as_entrepreneur(settings: Settings, who: str, language: str = "") -> tuple[Any, ...]:
    extra = (("accept-language", language),) if language else ()
    return (*credential(settings, "entrepreneur", who), *extra)


def refused(call: Callable[[], Any]) -> tuple[grpc.RpcError, status_pb2.Status]:
    """Runs ``call``, which must fail: the error and its rich status."""
    with pytest.raises(grpc.RpcError) as raised:
        result = call()
        if isinstance(result, Iterator):
            list(result)  # a stream fails while it is read
    status = rpc_status.from_call(raised.value)  # type: ignore[arg-type]
    assert status is not None, raised.value
    return raised.value, status


def one(status: status_pb2.Status, kind: type[Message]) -> Any:
    (found,) = details_of(status, kind)
    return found


# --------------------------------------------------------------------------- standard errors


@pytest.mark.db_independent
def test_bad_input_carries_the_standard_details_in_the_callers_language(api, running_only):
    form = load_form(SAMPLE)
    form.legal_representative.name = ""
    form.contact.phone = "12"
    request = pb.SubmitApplicationRequest(idempotency_key="bad-1", form=form)

    error, status = refused(
        lambda: api.SubmitApplication(
            request, metadata=as_entrepreneur(running_only, "ada", "en-GB,en;q=0.9"), timeout=30
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    info = one(status, error_details_pb2.ErrorInfo)
    assert (info.reason, info.domain) == ("INVALID_ARGUMENT", DOMAIN)
    violations = {v.field: v for v in one(status, error_details_pb2.BadRequest).field_violations}
    assert set(violations) == {"form.legal_representative.name", "form.contact.phone"}
    phone = violations["form.contact.phone"]
    assert phone.reason == "PHONE_FORMAT" and "11-digit" in phone.description
    localized = one(status, error_details_pb2.LocalizedMessage)
    assert localized.locale == "en" and "required" in localized.message + phone.description
    request_id = one(status, error_details_pb2.RequestInfo).request_id
    assert len(request_id) == 32
    # The old detail is still there, first, for clients written before these.
    old = common_pb2.Rejections()
    assert status.details[0].Unpack(old) and len(old.rejections) == 2

    # No accept-language: Chinese, the platform's language; and a new request id.
    _, chinese = refused(
        lambda: api.SubmitApplication(
            request, metadata=as_entrepreneur(running_only, "ada"), timeout=30
        )
    )
    assert one(chinese, error_details_pb2.LocalizedMessage).locale == "zh-CN"
    violations = {v.field: v for v in one(chinese, error_details_pb2.BadRequest).field_violations}
    assert "格式不正确" in violations["form.contact.phone"].localized_message.message
    assert one(chinese, error_details_pb2.RequestInfo).request_id != request_id


@pytest.mark.db_independent
def test_refusals_before_any_handler_carry_the_details_too(api, running_only):
    # No credential: the permission gate refuses before the request is looked at.
    _, status = refused(
        lambda: api.GetApplication(pb.GetApplicationRequest(case_id=UNKNOWN_CASE), timeout=10)
    )
    assert status.code == grpc.StatusCode.UNAUTHENTICATED.value[0]
    assert one(status, error_details_pb2.ErrorInfo).reason == "UNAUTHENTICATED"
    assert one(status, error_details_pb2.RequestInfo).request_id
    # A role the table refuses, in English.
    officer = (*credential(running_only, "officer", "li.ming"), ("accept-language", "en"))
    _, status = refused(
        lambda: api.CancelApplication(
            pb.CancelApplicationRequest(case_id=UNKNOWN_CASE), metadata=officer, timeout=10
        )
    )
    assert status.code == grpc.StatusCode.PERMISSION_DENIED.value[0]
    assert one(status, error_details_pb2.LocalizedMessage).locale == "en"


# --------------------------------------------------------------------------- codes


@pytest.mark.db_independent
@pytest.mark.parametrize(("case_id", "rule"), [("", "required"), ("OS-NO-SUCH", "format")])
def test_an_empty_or_malformed_case_id_is_invalid_argument_naming_it(
    api, running_only, case_id, rule
):
    me = as_entrepreneur(running_only, "bo")
    calls = {
        "get": lambda: api.GetApplication(pb.GetApplicationRequest(case_id=case_id), metadata=me),
        "watch": lambda: api.WatchApplication(
            pb.WatchApplicationRequest(case_id=case_id), metadata=me, timeout=10
        ),
        "cancel": lambda: api.CancelApplication(
            pb.CancelApplicationRequest(case_id=case_id), metadata=me
        ),
        "bundle": lambda: api.GetBundle(pb.GetBundleRequest(case_id=case_id), metadata=me),
    }
    for name, call in calls.items():
        error, status = refused(call)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, name
        (violation,) = one(status, error_details_pb2.BadRequest).field_violations
        assert (violation.field, violation.reason) == ("case_id", rule.upper()), name
        # A malformed id is not echoed back as a fact about a case.
        assert "caseId" not in one(status, error_details_pb2.ErrorInfo).metadata


def _not_found_answer(call: Callable[[], Any]) -> tuple[Any, ...]:
    """What a caller learns from a refusal, less the request id (new for every call)."""
    error, status = refused(call)
    info = one(status, error_details_pb2.ErrorInfo)
    localized = one(status, error_details_pb2.LocalizedMessage)
    return error.code(), error.details(), info.reason, dict(info.metadata), localized.message


@pytest.mark.db_independent
def test_another_applicants_case_is_not_found_exactly_like_an_unknown_id(api, running_only):
    owner = as_entrepreneur(running_only, "carla")
    mallory = as_entrepreneur(running_only, "mallory")
    theirs = submit_sample(api, running_only, applicant="carla", key="carla-1").case_id

    def answers(case_id: str) -> dict[str, tuple[Any, ...]]:
        calls: dict[str, Callable[[], Any]] = {
            "get": lambda: api.GetApplication(
                pb.GetApplicationRequest(case_id=case_id), metadata=mallory
            ),
            "watch": lambda: api.WatchApplication(
                pb.WatchApplicationRequest(case_id=case_id), metadata=mallory, timeout=10
            ),
            "cancel": lambda: api.CancelApplication(
                pb.CancelApplicationRequest(case_id=case_id), metadata=mallory
            ),
            "correct": lambda: api.CorrectApplication(
                pb.CorrectApplicationRequest(case_id=case_id, form=load_form(SAMPLE)),
                metadata=mallory,
            ),
            "bundle": lambda: api.GetBundle(pb.GetBundleRequest(case_id=case_id), metadata=mallory),
        }
        return {name: _not_found_answer(call) for name, call in calls.items()}

    foreign, unknown = answers(theirs), answers(UNKNOWN_CASE)
    for name, answer in foreign.items():
        assert answer[0] == grpc.StatusCode.NOT_FOUND, name
        assert answer[2] == "CASE_NOT_FOUND", name
        # Word for word the same, but for the id each names.
        assert answer[1:] == tuple(
            _swap_id(part, UNKNOWN_CASE, theirs) for part in unknown[name][1:]
        ), name
    # Its owner, staff and administrators still read it; nobody else changed it.
    for reader in (owner, credential(running_only, "officer", "li.ming")):
        seen = api.GetApplication(pb.GetApplicationRequest(case_id=theirs), metadata=reader)
        assert seen.application.state == common_pb2.CASE_STATE_RUNNING
    admin = credential(running_only, "admin", "root")
    assert api.GetApplication(pb.GetApplicationRequest(case_id=theirs), metadata=admin)


def _swap_id(part: Any, old: str, new: str) -> Any:
    if isinstance(part, str):
        return part.replace(old, new)
    if isinstance(part, dict):
        return {key: _swap_id(value, old, new) for key, value in part.items()}
    return part


@pytest.mark.db_independent
def test_the_bundle_of_a_running_case_is_failed_precondition(api, running_only):
    me = as_entrepreneur(running_only, "dora", "en")
    case_id = submit_sample(api, running_only, applicant="dora", key="dora-1").case_id
    error, status = refused(
        lambda: list(api.GetBundle(pb.GetBundleRequest(case_id=case_id), metadata=me))
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    info = one(status, error_details_pb2.ErrorInfo)
    assert info.reason == "BUNDLE_NOT_READY"
    assert dict(info.metadata) == {"caseId": case_id, "state": "running"}


@pytest.mark.db_independent
def test_cancelling_twice_returns_the_cancelled_case(api, running_only):
    me = as_entrepreneur(running_only, "emil")
    case_id = submit_sample(api, running_only, applicant="emil", key="emil-1").case_id
    cancel = pb.CancelApplicationRequest(case_id=case_id, reason="changed my mind")
    first = api.CancelApplication(cancel, metadata=me, timeout=10).application
    again = api.CancelApplication(cancel, metadata=me, timeout=10).application
    assert first.state in (common_pb2.CASE_STATE_COMPENSATING, common_pb2.CASE_STATE_FAILED)
    assert again.state == first.state
    assert "changed my mind" in again.failure_reason
    # Recorded once.
    assert again.version == first.version


# --------------------------------------------------------------------------- pagination


def list_page(
    api: pb_grpc.OneStopServiceStub,
    settings: Settings,
    who: str,
    size: int,
    token: str = "",
    states: tuple[int, ...] = (),
) -> pb.ListApplicationsResponse:
    request = pb.ListApplicationsRequest(page_size=size, page_token=token, states=states)
    return api.ListApplications(request, metadata=as_entrepreneur(settings, who), timeout=10)


def test_paging_while_cases_arrive_neither_repeats_nor_skips_a_case(api, running_only):
    existing = [
        submit_sample(api, running_only, applicant="fay", key=f"fay-{n}").case_id for n in range(7)
    ]
    seen: list[str] = []
    arrived: list[str] = []
    token = ""
    while True:
        page = list_page(api, running_only, "fay", 3, token)
        assert page.total == len(existing) + len(arrived)
        seen += [a.case_id for a in page.applications]
        # A new case between two pages: an offset would now show one case again.
        key = f"fay-new-{len(arrived)}"
        arrived.append(submit_sample(api, running_only, applicant="fay", key=key).case_id)
        token = page.next_page_token
        if not token:
            break
    assert len(seen) == len(set(seen)) == len(existing)
    assert set(seen) == set(existing)
    # Newest first; and a new list starts with the newest of all.
    assert seen == existing[::-1]
    assert list_page(api, running_only, "fay", 1).applications[0].case_id == arrived[-1]


@pytest.mark.db_independent
def test_bad_tampered_or_foreign_page_tokens_and_sizes_are_invalid_argument(api, running_only):
    for n in range(3):
        submit_sample(api, running_only, applicant="gus", key=f"gus-{n}")
    token = list_page(api, running_only, "gus", 2).next_page_token
    assert token
    payload, mac = token.split(".")
    running = (common_pb2.CASE_STATE_RUNNING,)
    refusals = {
        "malformed": lambda: list_page(api, running_only, "gus", 2, "abc"),
        "tampered": lambda: list_page(api, running_only, "gus", 2, f"{payload}x.{mac}"),
        "other filters": lambda: list_page(api, running_only, "gus", 2, token, running),
        "other caller": lambda: list_page(api, running_only, "hal", 2, token),
    }
    for what, call in refusals.items():
        error, status = refused(call)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, what
        assert one(status, error_details_pb2.ErrorInfo).reason == "INVALID_PAGE_TOKEN", what
        (violation,) = one(status, error_details_pb2.BadRequest).field_violations
        assert violation.field == "page_token", what
    for size in (-1, 201):
        error, status = refused(lambda size=size: list_page(api, running_only, "gus", size))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, size
        (violation,) = one(status, error_details_pb2.BadRequest).field_violations
        assert violation.field == "page_size", size
    # The page size may change from one page to the next.
    rest = list_page(api, running_only, "gus", 200, token)
    assert len(rest.applications) == 1 and not rest.next_page_token
    assert len(list_page(api, running_only, "gus", 0).applications) == 3  # 0: the default


# --------------------------------------------------------------------------- reflection


class ReflectedApi:
    """A client built from what the server says about itself (server reflection), with no
    generated code: message classes come from the descriptors the server sends."""

    def __init__(self, channel: grpc.Channel, service: str) -> None:
        self.channel = channel
        self.database = ProtoReflectionDescriptorDatabase(channel)
        self.pool = descriptor_pool.DescriptorPool(self.database)
        self.service = self.pool.FindServiceByName(service)

    def services(self) -> set[str]:
        return set(self.database.get_services())

    def call(self, method: str, fields: dict[str, Any], metadata: Any) -> dict[str, Any]:
        request, unary = self._prepare(self.channel.unary_unary, method, fields)
        return json_format.MessageToDict(unary(request, metadata=metadata, timeout=30))

    def stream(self, method: str, fields: dict[str, Any], metadata: Any) -> Iterator[dict]:
        request, streaming = self._prepare(self.channel.unary_stream, method, fields)
        for message in streaming(request, metadata=metadata, timeout=120):
            yield json_format.MessageToDict(message)

    def _prepare(
        self, open_method: Callable[..., Any], method: str, fields: dict[str, Any]
    ) -> tuple[Message, Any]:
        """The request built from ``fields`` and the callable ``open_method`` (the channel's
        unary or streaming kind) makes for ``method``, both typed from the server's descriptors."""
        descriptor = self.service.methods_by_name[method]
        request = json_format.ParseDict(
            fields, message_factory.GetMessageClass(descriptor.input_type)()
        )
        output = message_factory.GetMessageClass(descriptor.output_type)
        opened = open_method(
            f"/{self.service.full_name}/{method}",
            request_serializer=type(request).SerializeToString,
            response_deserializer=output.FromString,
        )
        return request, opened


ONE_STOP = "onestop.orchestrator.v1.OneStopService"
PARTNER = "onestop.partner.v1.ApplicationService"


@pytest.mark.db_independent
def test_a_client_with_only_reflection_submits_and_watches_a_case_to_its_end(whole_platform):
    """The public partner package, from what the server says about itself: typed events from
    the snapshot to the completed case, and the list's filter."""
    settings = whole_platform
    me = credential(settings, "entrepreneur", "rei")
    with grpc.insecure_channel(settings.grpc_target("orchestrator")) as channel:
        api = ReflectedApi(channel, PARTNER)
        assert {
            PARTNER,
            ONE_STOP,
            "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
        } <= api.services()
        form = json.loads(PARTNER_SAMPLE.read_text(encoding="utf-8"))
        submitted = api.call("SubmitApplication", {"idempotencyKey": "rei-1", "form": form}, me)
        case_id = submitted["application"]["caseId"]
        assert submitted["created"] is True
        updates = list(api.stream("WatchApplication", {"caseId": case_id}, me))
        since = submitted["application"]["submitTime"]
        listed = {
            text: api.call("ListApplications", {"filter": text}, me).get("applications", [])
            for text in (
                f'state = COMPLETED AND submit_time >= "{since}"',
                f'state = RUNNING OR state = CANCELLED AND submit_time >= "{since}"',
                f'submit_time < "{since}"',
            )
        }
        with pytest.raises(grpc.RpcError) as bad_filter:
            api.call("ListApplications", {"filter": "state = DONE"}, me)
    first, *events = [u["event"] for u in updates]
    assert "snapshot" in first
    assert updates[-1]["application"]["state"] == "CASE_STATE_COMPLETED"
    # Every event typed: no free text, no JSON in a string.
    assert all(len(set(e) & DETAILS) == 1 and "message" not in e for e in events)
    changed = [e["stepChanged"] for e in events if "stepChanged" in e]
    assert changed[0]["step"] == "KIND_LICENSE"
    assert {c["step"] for c in changed if c["toState"] == "STEP_STATE_DONE"} == {
        "KIND_LICENSE",
        "KIND_SEAL",
        "KIND_INVOICE",
        "KIND_SOCIAL_INSURANCE",
        "KIND_BANK",
        "KIND_BUNDLE",
    }
    assert events[-1]["caseChanged"]["toState"] == "CASE_STATE_COMPLETED"
    sequences = [int(e.get("sequence", 0)) for e in events]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
    assert [a["caseId"] for a in listed[f'state = COMPLETED AND submit_time >= "{since}"']] == [
        case_id
    ]
    assert all(not found for text, found in listed.items() if "COMPLETED" not in text)
    assert bad_filter.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    status = rpc_status.from_call(bad_filter.value)  # type: ignore[arg-type]
    assert status is not None
    (violation,) = one(status, error_details_pb2.BadRequest).field_violations
    assert violation.field == "filter"


DETAILS = {
    "snapshot",
    "stepChanged",
    "caseChanged",
    "deadlineAlert",
    "signatureChanged",
    "materialChanged",
    "other",
}


@pytest.mark.db_independent
def test_reflection_only_describes_and_the_partner_port_still_wants_a_certificate(
    running_platform,
):
    factory, settings = running_platform
    with grpc.insecure_channel(settings.grpc_target("orchestrator")) as channel:
        api = ReflectedApi(channel, PARTNER)  # no credential needed to read the contract
        assert "SubmitApplication" in api.service.methods_by_name
        with pytest.raises(grpc.RpcError) as refused_call:
            api.call("GetApplication", {"caseId": UNKNOWN_CASE}, ())
        assert refused_call.value.code() == grpc.StatusCode.UNAUTHENTICATED
    partner = issue(factory, "acme-bank")
    with grpc.secure_channel(
        settings.partner_grpc_target(),
        grpc.ssl_channel_credentials(partner.trust, partner.key, partner.certificate_chain),
    ) as channel:
        api = ReflectedApi(channel, PARTNER)
        assert {PARTNER, ONE_STOP} <= api.services()
        # The certificate alone says who is calling, on the public package as on v1.
        assert api.call("ListApplications", {}, ()) == {}
        with pytest.raises(grpc.RpcError) as unknown:
            api.call("GetApplication", {"caseId": UNKNOWN_CASE}, ())
        assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
    with grpc.secure_channel(
        settings.partner_grpc_target(), grpc.ssl_channel_credentials(partner.trust)
    ) as channel:
        with pytest.raises(grpc.RpcError) as refused_handshake:
            ProtoReflectionDescriptorDatabase(channel).get_services()
        assert refused_handshake.value.code() == grpc.StatusCode.UNAVAILABLE


@pytest.mark.db_independent
def test_the_nameko_services_describe_themselves_over_v1alpha(platform):
    settings = platform.start(("registration",)).settings
    registration = "onestop.registration.v1.RegistrationService"
    with grpc.insecure_channel(settings.grpc_target("registration")) as channel:
        api = ReflectedApi(channel, registration)
        assert api.services() == {
            registration,
            "onestop.registration.v1.RegistrationDesk",
            "grpc.health.v1.Health",
            "grpc.reflection.v1alpha.ServerReflection",
        }
        assert "CheckName" in api.service.methods_by_name
        with pytest.raises(grpc.RpcError) as refused_call:
            api.call("GetLicense", {"uscc": "91120115MA05U1XX3X"}, ())
        assert refused_call.value.code() == grpc.StatusCode.UNAUTHENTICATED
        # nameko-grpc has no v1: clients fall back to v1alpha on UNIMPLEMENTED.
        v1 = channel.stream_stream("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo")
        ask = reflection_pb2.ServerReflectionRequest(list_services="").SerializeToString()
        with pytest.raises(grpc.RpcError) as unimplemented:
            list(v1(iter([ask]), timeout=10))
        assert unimplemented.value.code() == grpc.StatusCode.UNIMPLEMENTED


@pytest.mark.db_independent
def test_the_signing_server_describes_itself(platform):
    settings = settings_for(platform.env())
    with signing_server(settings), grpc.insecure_channel(settings.grpc_target(SIGNER)) as channel:
        api = ReflectedApi(channel, "onestop.signing.v1.SigningService")
        assert "onestop.signing.v1.SigningService" in api.services()
        assert "SignPdf" in api.service.methods_by_name
        with pytest.raises(grpc.RpcError) as refused_call:
            api.call("SignPdf", {"fieldName": "x"}, ())
        assert refused_call.value.code() == grpc.StatusCode.UNAUTHENTICATED


# --------------------------------------------------------------------------- watch


def watch(
    api: pb_grpc.OneStopServiceStub, settings: Settings, who: str, case_id: str, **fields: Any
) -> Iterator[pb.WatchApplicationResponse]:
    request = pb.WatchApplicationRequest(case_id=case_id, **fields)
    return api.WatchApplication(request, metadata=as_entrepreneur(settings, who), timeout=60)


@pytest.mark.db_independent
def test_a_finished_case_replays_its_history_and_a_watch_resumes_after_a_sequence(
    whole_api, whole_platform
):
    settings = whole_platform
    case_id = submit_sample(whole_api, settings, applicant="ulla", key="ulla-1").case_id
    _, live = watch_until(whole_api, settings, case_id, applicant="ulla")
    head = live[-1].sequence

    snapshot, *history = list(watch(whole_api, settings, "ulla", case_id))
    assert snapshot.event.kind == pb.PROGRESS_EVENT_KIND_SNAPSHOT
    assert snapshot.event.sequence == head
    assert [u.event.sequence for u in history] == list(range(1, head + 1))
    assert all(u.application.state == common_pb2.CASE_STATE_COMPLETED for u in history)
    # The replay is what a live watcher was told, event for event.
    replayed = {u.event.sequence: u.event for u in history}
    for event in live[1:]:
        assert replayed[event.sequence] == event

    _, *rest = list(watch(whole_api, settings, "ulla", case_id, after_sequence=3))
    assert [u.event for u in rest] == [u.event for u in history[3:]]
    assert len(list(watch(whole_api, settings, "ulla", case_id, after_sequence=head))) == 1
    for wrong in (-1, head + 1):
        error, status = refused(
            lambda wrong=wrong: watch(whole_api, settings, "ulla", case_id, after_sequence=wrong)
        )
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, wrong
        (violation,) = one(status, error_details_pb2.BadRequest).field_violations
        assert violation.field == "after_sequence"

    # A completed case cannot be withdrawn any more.
    error, status = refused(
        lambda: whole_api.CancelApplication(
            pb.CancelApplicationRequest(case_id=case_id),
            metadata=as_entrepreneur(settings, "ulla"),
        )
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert one(status, error_details_pb2.ErrorInfo).reason == "CASE_ALREADY_ENDED"


@pytest.mark.db_independent
def test_a_running_case_is_replayed_from_the_start_then_followed_live(api, running_only):
    case_id = submit_sample(api, running_only, applicant="vera", key="vera-1").case_id
    stream = watch(api, running_only, "vera", case_id, after_sequence=0)
    snapshot = next(stream)
    head = snapshot.event.sequence
    replay = [next(stream) for _ in range(head)]
    assert [u.event.sequence for u in replay] == list(range(1, head + 1))
    # Live from here: the applicant withdraws the case.
    api.CancelApplication(
        pb.CancelApplicationRequest(case_id=case_id, reason="wrong office"),
        metadata=as_entrepreneur(running_only, "vera"),
        timeout=10,
    )
    following = next(stream)
    stream.cancel()
    assert following.event.sequence == head + 1
    assert "cancel_requested" in following.event.message


@pytest.mark.db_independent
def test_compensation_events_say_the_step_is_compensating(whole_api, whole_platform):
    settings = whole_platform
    applicant = "wim-fail-at-seal"
    case_id = submit_sample(whole_api, settings, applicant=applicant, key="wim-1").case_id
    watch_until(whole_api, settings, case_id, applicant=applicant)
    _, *history = list(watch(whole_api, settings, applicant, case_id))
    sent = [u.event for u in history if u.event.message.startswith("compensation_dispatched")]
    assert "license" in {e.step for e in sent}
    assert {e.step_state for e in sent} == {common_pb2.STEP_STATE_COMPENSATING}


# --------------------------------------------------------------------------- onestop.partner.v1


@pytest.mark.db_independent
def test_the_partner_package_converts_money_cancels_idempotently_and_filters(
    partner_api, running_only
):
    me = as_entrepreneur(running_only, "pia", "en")
    submit = partner_pb2.SubmitApplicationRequest(idempotency_key="pia-1", form=partner_form())
    kept = partner_api.SubmitApplication(submit, metadata=me, timeout=30).application
    assert kept.applicant_id == "pia"
    assert kept.state == partner_pb2.CASE_STATE_RUNNING
    assert kept.steps[0].kind == partner_pb2.Step.KIND_LICENSE
    submit.idempotency_key = "pia-2"
    withdrawn = partner_api.SubmitApplication(submit, metadata=me, timeout=30).application

    # Amounts are whole fen in CNY: anything else names the field.
    bad = partner_pb2.SubmitApplicationRequest(idempotency_key="pia-3", form=partner_form())
    bad.form.registered_capital.currency_code = "USD"
    bad.form.employees[0].monthly_wage.nanos = 5_000_000
    error, status = refused(lambda: partner_api.SubmitApplication(bad, metadata=me, timeout=30))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {v.field for v in one(status, error_details_pb2.BadRequest).field_violations} == {
        "form.registered_capital.currency_code",
        "form.employees[0].monthly_wage.nanos",
    }

    # The form comes back as it was sent.
    got = partner_api.GetApplication(
        partner_pb2.GetApplicationRequest(case_id=kept.case_id), metadata=me, timeout=10
    ).application
    assert got.form == partner_form()

    # Another applicant's case is unknown, as on v1.
    error, status = refused(
        lambda: partner_api.GetApplication(
            partner_pb2.GetApplicationRequest(case_id=kept.case_id),
            metadata=as_entrepreneur(running_only, "mallory"),
        )
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert one(status, error_details_pb2.ErrorInfo).reason == "CASE_NOT_FOUND"

    cancel = partner_pb2.CancelApplicationRequest(case_id=withdrawn.case_id, reason="no")
    first = partner_api.CancelApplication(cancel, metadata=me, timeout=10).application
    again = partner_api.CancelApplication(cancel, metadata=me, timeout=10).application
    assert first.state in (partner_pb2.CASE_STATE_COMPENSATING, partner_pb2.CASE_STATE_CANCELLED)
    assert (again.state, again.version) == (first.state, first.version)

    def listed(text: str, token: str = "") -> partner_pb2.ListApplicationsResponse:
        request = partner_pb2.ListApplicationsRequest(filter=text, page_size=1, page_token=token)
        return partner_api.ListApplications(request, metadata=me, timeout=10)

    running = listed("state = RUNNING")
    assert [a.case_id for a in running.applications] == [kept.case_id]
    assert running.total_size == 1 and not running.next_page_token
    either = listed("state = RUNNING OR state = COMPENSATING OR state = CANCELLED")
    assert either.total_size == 2
    assert [a.case_id for a in either.applications] == [withdrawn.case_id]
    rest = listed(
        "state = RUNNING OR state = COMPENSATING OR state = CANCELLED", either.next_page_token
    )
    assert [a.case_id for a in rest.applications] == [kept.case_id]
    # A page token belongs to its filter.
    error, status = refused(lambda: listed("state = RUNNING", either.next_page_token))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert one(status, error_details_pb2.ErrorInfo).reason == "INVALID_PAGE_TOKEN"

    # The withdrawn case's history, typed: the request, then its steps compensating.
    stream = partner_api.WatchApplication(
        partner_pb2.WatchApplicationRequest(case_id=withdrawn.case_id, after_sequence=0),
        metadata=me,
        timeout=30,
    )
    snapshot = next(stream)
    history = [next(stream).event for _ in range(snapshot.event.sequence)]
    stream.cancel()
    assert snapshot.event.WhichOneof("detail") == "snapshot"
    assert "cancel_requested" in {e.other.action for e in history if e.HasField("other")}
    assert any(
        e.step_changed.step == partner_pb2.Step.KIND_LICENSE
        and e.step_changed.to_state == common_pb2.STEP_STATE_COMPENSATING
        for e in history
    )
