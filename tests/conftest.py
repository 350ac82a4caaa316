"""How the suite is spread over pytest-xdist workers: scripts/test runs it with -n 2 and
--dist loadgroup, and the tests of a module that share a module-scoped fixture (most often a
platform started once for the module) form one group, which one worker runs.

With plain --dist load, CI's two workers each started such a platform whenever a module's tests
were split between them (measured: 5-15 s of start-up and stop each time, e.g. the whole
platform of test_full_platform.py twice for its two tests).

pytest-xdist 3.8 passes a test's group from the worker to the scheduler by appending it to the
test's node id, which pytest 9.2 no longer lets it change (pytest-dev/pytest-xdist#1386):
--dist loadgroup then groups nothing, silently. Until xdist handles that, the workers write the
groups to a file that the scheduler below reads; nothing else about loadgroup changes (groups
first, largest first, then every other test on its own).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

# Where the workers write each test's group (handed to them in their workerinput).
GROUPS_KEY = "onestop_xdist_groups"
_groups_dir = pytest.StashKey[str]()


def _shares_a_module_fixture(item: pytest.Item) -> bool:
    if not isinstance(item, pytest.Function):
        return False
    definitions = item._fixtureinfo.name2fixturedefs.values()
    return any(defs and defs[-1].scope == "module" for defs in definitions)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    groups: dict[str, str] = {}
    for item in items:
        if _shares_a_module_fixture(item):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
        names = {
            str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
            for mark in item.iter_markers("xdist_group")
        }
        if names:
            groups[item.nodeid] = "_".join(sorted(names))
    workerinput: dict[str, Any] = getattr(config, "workerinput", {})
    if GROUPS_KEY in workerinput:
        path = Path(workerinput[GROUPS_KEY]) / f"{workerinput['workerid']}.json"
        path.write_text(json.dumps(groups))


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput") and config.getoption("dist", None) == "loadgroup":
        config.stash[_groups_dir] = tempfile.mkdtemp(prefix="onestop-xdist-groups-")


def pytest_unconfigure(config: pytest.Config) -> None:
    if _groups_dir in config.stash:
        shutil.rmtree(config.stash[_groups_dir], ignore_errors=True)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    if _groups_dir in node.config.stash:
        node.workerinput[GROUPS_KEY] = node.config.stash[_groups_dir]


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if _groups_dir not in config.stash:
        return None
    from xdist.scheduler import LoadGroupScheduling

    directory = Path(config.stash[_groups_dir])

    class WrittenGroupScheduling(LoadGroupScheduling):
        """loadgroup, with the groups read from the workers' files (first needed once every
        worker has finished collecting, so every file is there)."""

        groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.groups is None:
                self.groups = {}
                for path in sorted(directory.glob("*.json")):
                    self.groups.update(json.loads(path.read_text()))
            group = self.groups.get(nodeid)
            return group if group is not None else super()._split_scope(nodeid)

    return WrittenGroupScheduling(config, log)
