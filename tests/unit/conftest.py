"""Fixtures the e-license bundle tests share (tests/unit/test_bundle*.py): each module builds its
own world, once, so that what one module revokes or tampers with stays in that module."""

from __future__ import annotations

import pytest

from orchestrator.bundle import BundleInputs
from tests.support.bundle import World, build, make_inputs, make_world


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
