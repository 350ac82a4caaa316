"""`onestop submit samples/application.json`, as a newcomer types it, twice: the second time is
the same submission (same key, same case); under a new key the platform says which fields must
change and why — the trade name is taken by the first case — and creates nothing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import PlatformFactory
from tests.support.cases import SAMPLE
from tests.support.infra import databases, rabbit_vhost
from tests.support.staff import PLATFORM


@pytest.fixture
def running(tmp_path: Path) -> Iterator[dict[str, str]]:
    with rabbit_vhost() as vhost, databases(tmp_path) as database_url:
        factory = PlatformFactory(tmp_path, vhost, database_url)
        try:
            factory.start(PLATFORM, ONESTOP_CLOCK_START="2026-11-26T09:30:00+08:00")
            yield factory.env()
        finally:
            factory.stop()


def submit(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "onestop_cli.main", "submit", str(SAMPLE), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_sample_submitted_twice_is_one_case_and_a_new_key_is_told_what_to_change(running):
    first = submit(running)
    assert first.returncode == 0, first.stdout + first.stderr
    assert first.stdout.startswith("submitted: case ")
    case_id = first.stdout.split()[2]

    again = submit(running)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.startswith(f"already submitted: case {case_id} ")

    other = submit(running, "--key", "a-second-company")
    assert other.returncode == 1, other.stdout + other.stderr
    # Errors go to standard error, so a pipe reading the output never takes one for a result.
    assert other.stdout == ""
    lines = other.stderr.splitlines()
    assert lines[0].startswith("error: INVALID_ARGUMENT")
    trade_name = [line for line in lines[1:] if "form.name.trade_name:" in line]
    assert trade_name, other.stderr
    # Said in both languages, and whose rule it is.
    assert "字号" in trade_name[0] and "[registration]" in trade_name[0], other.stderr
    assert not [line for line in lines if "submitted: case" in line]
