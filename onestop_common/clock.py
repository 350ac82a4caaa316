"""Business time for OneStop: real, sped-up for demos, or driven by hand in tests.

Every clock answers ``now()`` with a timezone-aware datetime in Asia/Shanghai, the zone
all legal time limits are counted in. Nothing else in the platform should call
``datetime.now()``; take a ``Clock`` instead, so demos and tests can run days of business
time in seconds.
"""

from __future__ import annotations

import threading
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def to_shanghai(value: datetime, name: str = "datetime") -> datetime:
    """Return ``value`` in Asia/Shanghai; a naive value is refused, never assumed."""
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    # A naive value could be UTC from a server or local time from a form: guessing is how
    # deadlines end up eight hours wrong.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name} {value.isoformat()} is naive; pass a timezone-aware datetime "
            "(e.g. with tzinfo=SHANGHAI)"
        )
    return value.astimezone(SHANGHAI)


class Clock(Protocol):
    """Anything that tells business time."""

    def now(self) -> datetime:
        """The current business time, timezone-aware, in Asia/Shanghai."""
        ...


@dataclass(frozen=True)
class SystemClock:
    """Real time."""

    def now(self) -> datetime:
        return datetime.now(SHANGHAI)


def _system_wall() -> datetime:
    return datetime.now(SHANGHAI)


@dataclass(frozen=True)
class ScaledClock:
    """Business time running ``speed`` times faster than the wall clock, from a chosen origin.

    business now = origin_business + (wall now - origin_wall) x speed. ``wall`` is injectable
    so tests can drive it without sleeping.
    """

    origin_wall: datetime
    origin_business: datetime
    speed: float
    wall: Callable[[], datetime] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        to_shanghai(self.origin_wall, "origin_wall")
        to_shanghai(self.origin_business, "origin_business")
        if not self.speed > 0:
            raise ValueError(f"speed must be positive, got {self.speed!r}")

    def now(self) -> datetime:
        wall_now = to_shanghai((self.wall or _system_wall)(), "wall()")
        elapsed = (wall_now - self.origin_wall) * self.speed
        return (self.origin_business + elapsed).astimezone(SHANGHAI)


class ManualClock:
    """A clock that moves only when told to; other threads can wait for it to move."""

    def __init__(self, start: datetime) -> None:
        self._now = to_shanghai(start, "start")
        self._changes = 0
        self._changed = threading.Condition()

    def now(self) -> datetime:
        with self._changed:
            return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by ``delta`` and wake waiters; returns the new time."""
        if delta < timedelta(0):
            raise ValueError(f"advance() moves forward only; use set() to go back ({delta})")
        with self._changed:
            return self._move_to(self._now + delta)

    def set(self, value: datetime) -> datetime:
        """Jump to ``value`` (either direction) and wake waiters; returns the new time."""
        new_now = to_shanghai(value, "value")
        with self._changed:
            return self._move_to(new_now)

    def wait_for_change(self, timeout: float | None, *, since: datetime | None = None) -> bool:
        """Block until the clock is advanced or set; False if ``timeout`` seconds pass first.

        A loop that reads ``now()`` and then waits would miss a change made in between;
        passing what it read as ``since`` makes the wait return at once in that case.
        """
        with self._changed:
            if since is not None and to_shanghai(since, "since") != self._now:
                return True
            seen = self._changes
            return self._changed.wait_for(lambda: self._changes != seen, timeout)

    def _move_to(self, new_now: datetime) -> datetime:
        # Called with the condition held.
        self._now = new_now.astimezone(SHANGHAI)
        self._changes += 1
        self._changed.notify_all()
        return self._now


def clock_from_settings(
    speed: float, start: datetime | None, origin_wall: datetime | None = None
) -> Clock:
    """The clock the settings ask for: real time unless sped up or started elsewhere.

    Processes that must agree on business time (``onestop up`` and its children) share one
    ``origin_wall``; without it each process would count from its own start.
    """
    if speed == 1 and start is None:
        return SystemClock()
    wall_now = origin_wall or _system_wall()
    return ScaledClock(
        origin_wall=wall_now,
        origin_business=wall_now if start is None else start,
        speed=speed,
    )
