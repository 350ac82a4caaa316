"""scripts/audit.py reads pip-audit's report right: a vulnerability fails CI, a run where no
vulnerability service answered says so and fails only when the audit is required. pip-audit's
service is outside the platform, so a stand-in executable writes the report it would write."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

VULNERABLE = {
    "dependencies": [
        {
            "name": "jinja2",
            "version": "2.10",
            "vulns": [{"id": "GHSA-462w-v97r-4m45", "fix_versions": ["2.10.1"]}],
        },
        {"name": "grpcio", "version": "1.85.1", "vulns": []},
    ],
    "fixes": [],
}
UNFIXED = {
    "dependencies": [
        {
            "name": "grpcio",
            "version": "1.85.1",
            "vulns": [{"id": "PYSEC-0000-1", "fix_versions": []}],
        }
    ],
    "fixes": [],
}
CLEAN = {"dependencies": [{"name": "grpcio", "version": "1.85.1", "vulns": []}], "fixes": []}
UNKNOWN = {
    "dependencies": [
        {"name": "grpcio", "skip_reason": "Dependency not found on PyPI and could not be audited"}
    ],
    "fixes": [],
}


def stand_in(tmp_path: Path, by_service: dict[str, dict | None]) -> Path:
    """A pip-audit that writes ``by_service[service]`` as its JSON report (None: cannot connect)."""
    script = tmp_path / "pip-audit"
    script.write_text(
        f"""#!{sys.executable}
import json, sys
reports = {json.dumps(by_service)!r}
args = sys.argv[1:]
report = json.loads(reports)[args[args.index("--vulnerability-service") + 1]]
if report is None:
    sys.exit("requests.exceptions.ConnectionError: api.osv.dev unreachable")
open(args[args.index("--output") + 1], "w").write(json.dumps(report))
"""
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def run_audit(pip_audit: Path, required: bool = False) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ONESTOP_PIP_AUDIT": str(pip_audit),
        "ONESTOP_AUDIT_REQUIRED": "1" if required else "0",
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "audit.py")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_known_vulnerability_fails_and_names_the_package_and_the_fix(tmp_path: Path) -> None:
    done = run_audit(stand_in(tmp_path, {"osv": VULNERABLE, "pypi": CLEAN}))
    assert done.returncode == 1
    assert "VULNERABLE jinja2 2.10: GHSA-462w-v97r-4m45 (fixed in 2.10.1)" in done.stdout


def test_the_pypi_service_is_asked_when_osv_cannot_be_reached(tmp_path: Path) -> None:
    done = run_audit(stand_in(tmp_path, {"osv": None, "pypi": CLEAN}))
    assert done.returncode == 0, done.stdout
    assert "osv: no answer" in done.stdout
    assert "no known vulnerabilities" in done.stdout


@pytest.mark.parametrize(("required", "code"), [(False, 0), (True, 1)])
def test_an_unchecked_run_says_so_and_fails_only_when_required(
    tmp_path: Path, required: bool, code: int
) -> None:
    done = run_audit(stand_in(tmp_path, {"osv": None, "pypi": UNKNOWN}), required=required)
    assert done.returncode == code
    assert "NOT CHECKED" in done.stdout
    assert "no known vulnerabilities" not in done.stdout


def test_a_vulnerability_without_a_fixed_release_is_shown_but_does_not_fail(tmp_path: Path) -> None:
    done = run_audit(stand_in(tmp_path, {"osv": UNFIXED, "pypi": CLEAN}))
    assert done.returncode == 0
    assert "VULNERABLE grpcio 1.85.1: PYSEC-0000-1 (no fixed release yet)" in done.stdout
