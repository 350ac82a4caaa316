"""Domain code imports no transport: each pure module (every ``svc_*`` domain, the shared errors,
identifiers, calendar and seal specification), imported alone in a fresh interpreter, leaves gRPC,
protobuf, nameko and SQLAlchemy out of ``sys.modules``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import grpc
import pytest

from onestop_common.errors import ErrorCode, OneStopError
from onestop_common.grpc_status import grpc_code

ROOT = Path(__file__).resolve().parents[2]
TRANSPORTS = ("grpc", "grpc_status", "nameko_grpc", "google.protobuf", "nameko", "sqlalchemy")
SHARED_PURE = (
    "onestop_common.errors",
    "onestop_common.identifiers",
    "onestop_common.calendar",
    "onestop_common.seal_spec",
)
# Imports the module (a package with all its submodules), then prints which transports came
# along and with which module they first did.
PROBE = """
import importlib, json, pkgutil, sys

def found():
    return [t for t in TRANSPORTS if t in sys.modules]

culprits = {}
module = importlib.import_module(NAME)
names = [NAME]
if hasattr(module, "__path__"):
    names += [info.name for info in pkgutil.walk_packages(module.__path__, NAME + ".")]
for name in names:
    importlib.import_module(name)
    for transport in found():
        culprits.setdefault(transport, name)
print(json.dumps(culprits))
"""


def _domain_modules() -> list[str]:
    """``svc_x.domain`` and ``svc_x.domain_*``, modules or packages, as they are on disk."""
    found = set()
    for path in ROOT.glob("svc_*/domain*"):
        if path.suffix == ".py" or (path / "__init__.py").exists():
            found.add(f"{path.parent.name}.{path.stem}")
    return sorted(found)


PURE_MODULES = (*_domain_modules(), *SHARED_PURE)
# Protobuf and SQLAlchemy are theirs to use, gRPC is not: only the transports map an error's
# ErrorCode to a gRPC status (onestop_common.grpc_status).
GRPC_FREE = (
    "onestop_common.protoconv",
    "onestop_common.participant",
    "onestop_common.desk",
    "svc_invoice.actions",
    "svc_social_insurance.workflow",
    "svc_bank.grpc_api",
)


def test_every_service_has_a_pure_domain_to_check() -> None:
    services = {path.name for path in ROOT.glob("svc_*") if path.is_dir()}
    assert services and services == {name.split(".")[0] for name in _domain_modules()}


def _culprits(module: str, transports: tuple[str, ...]) -> dict[str, str]:
    """Which of ``transports`` importing ``module`` alone loads, each with the module it came in
    with."""
    code = f"NAME = {module!r}\nTRANSPORTS = {transports!r}\n{PROBE}"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    found: dict[str, str] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_module_imports_no_transport(module: str) -> None:
    culprits = _culprits(module, TRANSPORTS)
    assert culprits == {}, f"{module} pulls in transports (first with): {culprits}"


@pytest.mark.parametrize("module", GRPC_FREE)
def test_use_case_module_loads_no_grpc(module: str) -> None:
    culprits = _culprits(module, ("grpc", "grpc_status", "nameko_grpc"))
    assert culprits == {}, f"{module} pulls in gRPC (first with): {culprits}"


def test_every_error_code_travels_as_a_grpc_status() -> None:
    class Probe(OneStopError):
        pass

    for code in ErrorCode:
        Probe.code = code
        assert grpc_code(Probe("probe")) is grpc.StatusCode[code.name]
