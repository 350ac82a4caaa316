"""Helpers for tests that drive whole cases through the public API."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

import grpc

from onestop.common.v1 import common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop_cli.client import load_form
from onestop_common.settings import Settings
from tests.support.participant import credential

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "application.json"
TERMINAL = (
    common_pb2.CASE_STATE_COMPLETED,
    common_pb2.CASE_STATE_COMPENSATED,
    common_pb2.CASE_STATE_FAILED,
)


def submit_sample(
    stub: pb_grpc.OneStopServiceStub,
    settings: Settings,
    *,
    applicant: str,
    key: str,
    trade_name: str | None = None,
) -> pb.Application:
    form = load_form(SAMPLE)
    if trade_name:
        form.name.trade_name = trade_name
    response = stub.SubmitApplication(
        pb.SubmitApplicationRequest(idempotency_key=key, form=form),
        metadata=credential(settings, "entrepreneur", applicant),
        timeout=30,
    )
    return response.application


def watch_until(
    stub: pb_grpc.OneStopServiceStub,
    settings: Settings,
    case_id: str,
    *,
    applicant: str,
    states: Iterable[int] = TERMINAL,
    timeout: float = 60.0,
) -> tuple[pb.Application, list[pb.ProgressEvent]]:
    """Follows WatchApplication until the case reaches one of ``states``; returns the events."""
    wanted = set(states)
    events: list[pb.ProgressEvent] = []
    deadline = time.monotonic() + timeout
    while True:
        stream = stub.WatchApplication(
            pb.WatchApplicationRequest(case_id=case_id),
            metadata=credential(settings, "entrepreneur", applicant),
            timeout=max(1.0, deadline - time.monotonic()),
        )
        last = None
        try:
            for update in stream:
                events.append(update.event)
                last = update.application
                # The server ends the stream after a terminal state's last event; a
                # non-terminal target is returned as soon as it is seen.
                if last.state in wanted and last.state not in TERMINAL:
                    stream.cancel()
                    return last, events
            if last is not None and last.state in wanted:
                return last, events
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.CANCELLED:
                continue
            if error.code() == grpc.StatusCode.DEADLINE_EXCEEDED and last is not None:
                raise TimeoutError(
                    f"case {case_id} did not reach {wanted} in {timeout} s; last seen: "
                    f"{common_pb2.CaseState.Name(last.state)} {step_states(last)}"
                ) from error
            raise
        if time.monotonic() > deadline:
            raise TimeoutError(f"case {case_id} did not reach {wanted} in {timeout} s")


def step_states(app: pb.Application) -> dict[str, str]:
    return {
        s.name: common_pb2.StepState.Name(s.state).removeprefix("STEP_STATE_").lower()
        for s in app.steps
    }


class EventRecorder:
    """Follows a case in the background from now on, so no event is missed while the test acts."""

    def __init__(
        self,
        stub: pb_grpc.OneStopServiceStub,
        settings: Settings,
        case_id: str,
        *,
        applicant: str,
        timeout: float = 60.0,
    ) -> None:
        import threading

        self.events: list[pb.ProgressEvent] = []
        self.final: pb.Application | None = None
        self._stream = stub.WatchApplication(
            pb.WatchApplicationRequest(case_id=case_id),
            metadata=credential(settings, "entrepreneur", applicant),
            timeout=timeout,
        )
        self._first = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._first.wait(timeout)

    def _run(self) -> None:
        for update in self._stream:
            self.events.append(update.event)
            self.final = update.application
            self._first.set()

    def wait(self, timeout: float = 60.0) -> tuple[pb.Application, list[pb.ProgressEvent]]:
        self._thread.join(timeout)
        if self._thread.is_alive() or self.final is None or self.final.state not in TERMINAL:
            raise TimeoutError("the case did not end in time")
        return self.final, self.events


def watch_for(
    stub: pb_grpc.OneStopServiceStub,
    settings: Settings,
    case_id: str,
    condition: Callable[[pb.Application], bool],
    *,
    applicant: str,
    timeout: float = 60.0,
) -> pb.Application:
    """Follows the case until ``condition`` holds for it; the application at that moment."""
    stream = stub.WatchApplication(
        pb.WatchApplicationRequest(case_id=case_id),
        metadata=credential(settings, "entrepreneur", applicant),
        timeout=timeout,
    )
    last = None
    for update in stream:
        last = update.application
        if condition(last):
            stream.cancel()
            return last
    state = common_pb2.CaseState.Name(last.state) if last else "nothing"
    raise AssertionError(f"case {case_id} ended ({state}) before the awaited condition held")
