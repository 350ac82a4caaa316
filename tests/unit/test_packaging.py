"""Every top-level package of the repository is installed by ``pip install -e .``: a component
missing from pyproject's package list runs under the tests (which put the checkout on the path)
but not from an installed ``onestop`` in any other directory."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOT_INSTALLED = {"tests", "scripts"}  # run from the checkout only


def test_every_top_level_package_is_in_pyprojects_package_list() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = sorted(
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in NOT_INSTALLED
    )
    assert packages, "no top-level packages found"
    missing = [name for name in packages if not any(fnmatch.fnmatch(name, p) for p in patterns)]
    assert missing == [], f"not installed by pip install -e .: {missing}"
