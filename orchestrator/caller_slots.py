"""How much of the server one caller may hold at once: calls in progress, open Watch streams.

One caller (a partner, an account) must not take every server thread: each caller gets at most
``limit`` slots, given back when the call ends for any reason (gRPC's termination callback runs
on a client's cancel too, not only when the handler returns)."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

import grpc

from onestop_common.errors import ResourceExhausted
from onestop_common.identity import Principal


@dataclass
class CallerSlots:
    limit: int
    # What a slot is, for the refusal: ("watch streams", "进度订阅").
    what_en: str
    what_zh: str
    _held: Counter[str] = field(default_factory=Counter, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def take(self, principal: Principal, context: grpc.ServicerContext) -> None:
        """One slot for the call behind ``context``, returned when the call terminates;
        ResourceExhausted when the caller holds ``limit`` already."""
        caller = f"{principal.role.value}:{principal.subject}"
        with self._lock:
            if self._held[caller] >= self.limit:
                raise ResourceExhausted(
                    f"{self.limit} {self.what_en} are open for this caller already; wait for "
                    "one to finish",
                    message_zh=f"该调用方已有 {self.limit} 个{self.what_zh}在进行，请稍后再试",
                    reason="CONCURRENCY_LIMIT_EXCEEDED",
                    info={"limit": str(self.limit), "resource": self.what_en},
                )
            self._held[caller] += 1
        released = threading.Event()

        def release() -> None:
            with self._lock:
                if not released.is_set():
                    released.set()
                    self._held[caller] -= 1
                    if not self._held[caller]:
                        del self._held[caller]

        if not context.add_callback(release):
            # The call has already terminated: nothing will call back.
            release()

    def held(self, principal: Principal) -> int:
        with self._lock:
            return self._held[f"{principal.role.value}:{principal.subject}"]
