"""deploy/: scripts/check_manifests catches broken manifests (a copy of deploy/ with one defect of
each kind the check exists for fails, naming each object; the CI step runs it on the real tree),
and the migrate job brings every component's database to its newest schema."""

from __future__ import annotations

import importlib.util
import io
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from onestop_common.settings import COMPONENTS

REPO = Path(__file__).resolve().parents[2]

# The bank's Deployment without its selector (the schema requires one).
BANK_SELECTOR = """  selector:
    matchLabels:
      app.kubernetes.io/name: onestop
      app.kubernetes.io/component: bank
  template:"""
# The signing server's NetworkPolicy: a misspelt field, which Kubernetes would refuse.
SIGNER_POLICY_SELECTOR = """  name: onestop-signer
spec:
  podSelector:"""
# The seal CRL's NetworkPolicy selecting a component that does not exist: valid to every schema,
# it would silently leave the CRL unreachable.
SEAL_CRL_SELECTOR = "      app.kubernetes.io/component: seal\n  policyTypes"
# The broker: a misspelt field the operator would ignore (its schema is written here).
RABBITMQ_PERSISTENCE = "  persistence:\n    storage: 10Gi"
# The bank process in compose, without its health check.
COMPOSE_BANK_HEALTH = """    command: ["service", "bank"]
    healthcheck:"""


def _break(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{path.name} no longer has {old!r} once: update this test"
    path.write_text(text.replace(old, new))


def test_broken_manifests_fail_naming_each_object(tmp_path: Path) -> None:
    deploy = tmp_path / "deploy"
    shutil.copytree(
        REPO / "deploy", deploy, ignore=shutil.ignore_patterns("secrets", ".env", "__pycache__")
    )
    base = deploy / "k8s" / "base"
    _break(base / "bank.yaml", BANK_SELECTOR, "  template:")
    _break(
        base / "network-policies.yaml",
        SIGNER_POLICY_SELECTOR,
        SIGNER_POLICY_SELECTOR.replace("podSelector", "podSelecter"),
    )
    _break(
        base / "network-policies.yaml",
        SEAL_CRL_SELECTOR,
        SEAL_CRL_SELECTOR.replace("seal", "seals"),
    )
    _break(
        base / "rabbitmq.yaml", RABBITMQ_PERSISTENCE, RABBITMQ_PERSISTENCE.replace("ence", "ance")
    )
    _break(
        deploy / "compose.yaml",
        COMPOSE_BANK_HEALTH,
        COMPOSE_BANK_HEALTH.replace("healthcheck", "x-no-healthcheck"),
    )

    result = subprocess.run(
        [str(REPO / "scripts" / "check_manifests"), str(deploy)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHON": sys.executable},
        timeout=120,
    )

    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    invalid = [line for line in out.splitlines() if line.startswith("INVALID")]
    assert any(
        "k8s/base Deployment/onestop-bank" in line and "'selector' is a required property" in line
        for line in invalid
    ), out
    assert any(
        "NetworkPolicy/onestop-signer" in line and "podSelecter" in line for line in invalid
    ), out
    assert any(
        "NetworkPolicy/onestop-seal-crl" in line and "selects no pod" in line for line in invalid
    ), out
    assert any(
        "RabbitmqCluster/onestop-rabbitmq" in line and "persistance" in line for line in invalid
    ), out
    assert any("service bank" in line and "healthcheck" in line for line in invalid), out
    # The production overlay builds on the base: its copies of the defects are reported too, and
    # nothing else is.
    assert all(
        any(
            name in line
            for name in (
                "onestop-bank",
                "onestop-signer",
                "onestop-seal-crl",
                "onestop-rabbitmq",
                "bank",
            )
        )
        for line in invalid
    ), out


def test_migrate_job_brings_every_component_database_to_its_head(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = importlib.util.spec_from_file_location("migrate_job", REPO / "deploy" / "migrate.py")
    assert spec is not None and spec.loader is not None
    job = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(job)
    monkeypatch.setenv("ONESTOP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ONESTOP_DATABASE_URL", "sqlite:///{data_dir}/{component}.db")
    monkeypatch.setenv("ONESTOP_KEK", "test-kek")
    out = io.StringIO()

    assert job.main(out) == 0

    for component in COMPONENTS:
        head = ScriptDirectory(str(job.migrations_dir(component))).get_current_head()
        with sqlite3.connect(tmp_path / f"{component}.db") as db:
            (revision,) = db.execute(
                f"SELECT version_num FROM alembic_version_{component}"
            ).fetchone()
        assert revision == head, component
        assert f"{component}: schema up to date" in out.getvalue()
