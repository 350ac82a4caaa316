"""One caller's share of the orchestrator's server: calls in progress and open streams are
counted per caller and given back when gRPC says the call terminated (a cancel included)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from onestop_common.errors import ResourceExhausted
from onestop_common.identity import Principal, Role
from orchestrator.caller_slots import CallerSlots


class Call:
    """The part of a grpc.ServicerContext the slots use: termination callbacks."""

    def __init__(self, *, terminated: bool = False) -> None:
        self.callbacks: list[Callable[[], None]] = []
        self.terminated = terminated

    def add_callback(self, callback: Callable[[], None]) -> bool:
        if self.terminated:
            return False
        self.callbacks.append(callback)
        return True

    def end(self) -> None:
        for callback in self.callbacks:
            callback()


GREEDY = Principal("greedy", Role.PARTNER)
OTHER = Principal("other", Role.PARTNER)


def test_a_caller_beyond_its_share_is_refused_and_nobody_else_is() -> None:
    slots = CallerSlots(3, "calls", "请求")
    calls = [Call() for _ in range(3)]
    for call in calls:
        slots.take(GREEDY, call)  # type: ignore[arg-type]
    with pytest.raises(ResourceExhausted) as refused:
        slots.take(GREEDY, Call())  # type: ignore[arg-type]
    assert "3 calls" in refused.value.message and "请求" in refused.value.message_zh
    slots.take(OTHER, Call())  # type: ignore[arg-type]
    # A call that ends gives its place back, once however often gRPC calls back.
    calls[0].end()
    calls[0].end()
    assert slots.held(GREEDY) == 2
    slots.take(GREEDY, Call())  # type: ignore[arg-type]
    assert slots.held(GREEDY) == 3


def test_a_call_already_over_holds_nothing() -> None:
    slots = CallerSlots(1, "calls", "请求")
    slots.take(GREEDY, Call(terminated=True))  # type: ignore[arg-type]
    assert slots.held(GREEDY) == 0
