"""`onestop demo`, the main job, run as a newcomer runs it: the whole platform with the real
services, every staff role played through its desk, the bundle written and verified."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from onestop_cli.verify import verify_bundle
from onestop_common.pki import PkiStore
from onestop_common.settings import load_settings
from tests.support.infra import databases, free_port_base, platform_env, rabbit_vhost

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    with rabbit_vhost() as vhost, databases(tmp_path) as database_url:
        # As the platform runs by default: every person the form names signs before a case starts.
        yield platform_env(
            tmp_path / "data",
            vhost,
            database_url,
            free_port_base(),
            ONESTOP_PERSON_SIGNATURES="required",
        )


def run_demo(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "onestop_cli.main", "demo", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


# Checking the bundle does not depend on the database server; on PostgreSQL the demo's paths run
# in the compensation test below, and many real cases at once in tests/e2e/test_multihost.py.
@pytest.mark.once
def test_demo_ends_with_a_bundle_that_verifies(demo_env, tmp_path):
    result = run_demo(demo_env, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    for role in ("officer", "seal_maker", "tax_staff", "si_clerk", "bank_clerk"):
        assert f"↳ {role} " in out, role
    assert "ended completed" in out
    for person in ("张伟", "李娜", "王芳"):
        assert f"signed by {person}" in out, person
    bundle = tmp_path / "bundle.pdf"
    settings = load_settings(demo_env)
    report = verify_bundle(
        bundle.read_bytes(), trust_root=PkiStore(settings.pki_dir, settings.kek).root_certificate()
    )
    assert report.ok, report.pretty()
    verified = subprocess.run(
        [sys.executable, "-m", "onestop_cli.main", "verify", str(bundle)],
        env=demo_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stdout
    assert verified.stdout.count("application signed by") == 3, verified.stdout


def test_demo_fail_at_bank_compensates_every_completed_step(demo_env, tmp_path):
    result = run_demo(demo_env, tmp_path, "--fail-at", "bank")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "ended compensated" in out
    lines = out.splitlines()
    reverse = ["social_insurance", "invoice", "seal", "license"]
    # The summary: the undone steps in the order they were undone, each with what its undo did.
    at = next(i for i, line in enumerate(lines) if "undone (compensated), in the order" in line)
    assert [s.strip() for s in lines[at].split(":", 1)[1].split(",")] == reverse
    assert [line.split(".", 1)[1].split(":")[0].strip() for line in lines[at + 1 : at + 5]] == (
        reverse
    )
    for line, words in zip(
        lines[at + 1 : at + 5],
        ("enrolment", "invoices voided", "certificates revoked", "license revoked"),
        strict=True,
    ):
        assert words in line, line
    # The console: one block, as it happened, no other line in between.
    start = next(i for i, line in enumerate(lines) if line.startswith("compensation of case"))
    block = []
    for line in lines[start + 1 :]:
        if not line.startswith("  ") or "↳" in line:
            break
        block.append(line.split())
    compensated = [words[0] for words in block if words[1] == "compensated"]
    assert compensated == reverse, block
    assert all(words[1] in ("compensating", "compensated") for words in block), block
    assert "due diligence failed" in out
    assert not (tmp_path / "bundle.pdf").exists()


# Once (SQLite): on PostgreSQL, real cases at once run in tests/e2e/test_multihost.py, with two
# replicas of every process and one host failing.
@pytest.mark.once
def test_demo_runs_twenty_cases_at_once(demo_env, tmp_path):
    result = run_demo(demo_env, tmp_path, "--cases", "20")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "20/20 cases completed" in result.stdout
    assert "throughput" in result.stdout and "latency p99" in result.stdout
