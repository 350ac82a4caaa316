"""Open Watch streams are limited per caller (each holds a server thread): the caller beyond
its share is refused RESOURCE_EXHAUSTED with a reason, nobody else is, and a closed stream gives
its place back."""

from __future__ import annotations

import time

import grpc
import pytest

from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop_cli.client import load_form
from tests.support.cases import SAMPLE
from tests.support.participant import credential

pytestmark = pytest.mark.db_independent

PER_CALLER = 20  # OneStopApi.watch_streams_per_caller


def running_case(stub, metadata, key: str) -> str:
    request = pb.SubmitApplicationRequest(idempotency_key=key, form=load_form(SAMPLE))
    # No participants run here: the case stays running, so its stream stays open.
    return stub.SubmitApplication(request, metadata=metadata, timeout=30).application.case_id


def open_stream(stub, metadata, case_id: str):
    stream = stub.WatchApplication(
        pb.WatchApplicationRequest(case_id=case_id), metadata=metadata, timeout=60
    )
    assert next(stream).event.kind == pb.PROGRESS_EVENT_KIND_SNAPSHOT
    return stream


def test_one_caller_holds_at_most_its_share_of_watch_streams(platform, stub) -> None:
    settings = platform.start(("orchestrator",), ONESTOP_PARTICIPANTS="echo").settings
    greedy = credential(settings, "entrepreneur", "greedy")
    other = credential(settings, "entrepreneur", "other")
    case_id = running_case(stub, greedy, "watched")
    streams = [open_stream(stub, greedy, case_id) for _ in range(PER_CALLER)]
    try:
        with pytest.raises(grpc.RpcError) as refused:
            open_stream(stub, greedy, case_id)
        assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "watch streams" in refused.value.details() and "进度订阅" in refused.value.details()
        # Another caller is not affected.
        other_stream = open_stream(stub, other, running_case(stub, other, "theirs"))
        other_stream.cancel()
        # A stream closed gives its place back, as soon as the server hears of the cancel.
        streams.pop().cancel()
        deadline = time.monotonic() + 10
        while True:
            try:
                streams.append(open_stream(stub, greedy, case_id))
                break
            except grpc.RpcError as error:
                assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
                assert time.monotonic() < deadline, "the closed stream's place never came back"
                time.sleep(0.05)  # the server's side of the cancel: nothing to wait on here
    finally:
        for stream in streams:
            stream.cancel()
