"""Fixtures unit tests share: a participant's own database for the in-process tests of its saga
actions (tests/unit/test_*_actions.py), and the world of the e-license bundle tests
(tests/unit/test_bundle*.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from orchestrator.bundle import BundleInputs
from tests.support.bundle import World, build, make_inputs, make_world
from tests.support.service_db import MigratedTemplates, OpenServiceDb, service_db


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> MigratedTemplates:
    return MigratedTemplates(tmp_path_factory.mktemp("templates"))


@pytest.fixture
def open_service_db(
    tmp_path: Path, migrated_templates: MigratedTemplates
) -> Iterator[OpenServiceDb]:
    """Opens a participant's database for this test: a copy of its migrated template in the
    test's directory, closed when the test ends."""
    with ExitStack() as opened:
        yield lambda schema: opened.enter_context(
            service_db(tmp_path, schema, template=migrated_templates.of(schema))
        )


# --------------------------------------------------------------------------- the bundle tests
# Each module builds its own world, once, so that what one module revokes or tampers with stays
# in that module.


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("pki") / "pki")


@pytest.fixture(scope="module")
def inputs(world: World) -> BundleInputs:
    """The step results of the sample application, as the services would fill them in."""
    return make_inputs(world)


@pytest.fixture(scope="module")
def bundle(world: World, inputs: BundleInputs) -> bytes:
    """The bundle built and signed from ``inputs``."""
    return build(world, inputs)
