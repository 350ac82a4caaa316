"""Clocks: real, scaled for demos and manual for tests, all in Asia/Shanghai."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from onestop_common.clock import (
    SHANGHAI,
    ManualClock,
    ScaledClock,
    SystemClock,
    clock_from_settings,
)

START = datetime(2026, 3, 16, 9, 0, tzinfo=SHANGHAI)


class FakeWall:
    """A wall clock that moves only when the test says so."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_system_clock_is_aware_shanghai() -> None:
    now = SystemClock().now()
    assert now.tzinfo is SHANGHAI
    assert abs(now - datetime.now(UTC)) < timedelta(minutes=1)


def test_scaled_clock_runs_an_hour_per_wall_second() -> None:
    wall = FakeWall(datetime(2030, 1, 1, tzinfo=UTC))
    clock = ScaledClock(wall.now, START, 3600, wall)
    assert clock.now() == START
    wall.now += timedelta(seconds=1)
    assert clock.now() == START + timedelta(hours=1)
    wall.now += timedelta(seconds=23)
    assert clock.now() == datetime(2026, 3, 17, 9, 0, tzinfo=SHANGHAI)
    assert clock.now().tzinfo is SHANGHAI


def test_scaled_clock_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="naive"):
        ScaledClock(datetime(2030, 1, 1), START, 60)
    with pytest.raises(ValueError, match="naive"):
        ScaledClock(START, datetime(2026, 3, 16, 9), 60)
    with pytest.raises(ValueError, match="positive"):
        ScaledClock(START, START, 0)


def test_scaled_clock_rejects_a_naive_wall() -> None:
    clock = ScaledClock(START, START, 60, lambda: datetime(2026, 3, 16, 9))
    with pytest.raises(ValueError, match="naive"):
        clock.now()


def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(datetime(2026, 3, 16, 1, 0, tzinfo=UTC))
    assert clock.now() == START and clock.now().tzinfo is SHANGHAI
    assert clock.advance(timedelta(hours=2)) == START + timedelta(hours=2)
    assert clock.set(START) == START
    assert clock.now() == START


def test_manual_clock_refuses_naive_and_backwards_advance() -> None:
    with pytest.raises(ValueError, match="naive"):
        ManualClock(datetime(2026, 3, 16, 9))
    clock = ManualClock(START)
    with pytest.raises(ValueError, match="naive"):
        clock.set(datetime(2026, 3, 16, 10))
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))


def test_wait_for_change_wakes_another_thread() -> None:
    clock = ManualClock(START)
    waiting = threading.Event()
    results: list[tuple[bool, datetime]] = []

    def timer_loop() -> None:
        seen = clock.now()
        waiting.set()
        results.append((clock.wait_for_change(10, since=seen), clock.now()))

    thread = threading.Thread(target=timer_loop)
    thread.start()
    assert waiting.wait(10)
    clock.advance(timedelta(hours=3))
    thread.join(10)
    assert not thread.is_alive()
    assert results == [(True, START + timedelta(hours=3))]


def test_wait_for_change_returns_at_once_if_missed() -> None:
    clock = ManualClock(START)
    seen = clock.now()
    clock.advance(timedelta(minutes=1))
    assert clock.wait_for_change(0, since=seen)


def test_wait_for_change_times_out_without_a_change() -> None:
    assert not ManualClock(START).wait_for_change(0.01)


def test_clock_from_settings() -> None:
    assert isinstance(clock_from_settings(1, None), SystemClock)
    scaled = clock_from_settings(3600, START)
    assert isinstance(scaled, ScaledClock)
    assert scaled.speed == 3600 and scaled.origin_business == START
    assert START <= scaled.now() < START + timedelta(days=1)
    assert isinstance(clock_from_settings(1, START), ScaledClock)
    with pytest.raises(ValueError, match="naive"):
        clock_from_settings(60, datetime(2026, 3, 16, 9))
