"""Changing the saga while cases are in flight: a case finishes on the definition version it
started with; a new version applies to new cases only."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from onestop_common.clock import SHANGHAI
from orchestrator.definition import Definitions, SagaDef
from orchestrator.open_company import DEFINITIONS, OPEN_COMPANY
from tests.support.saga_harness import Harness, e

THURSDAY = datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI)


def without_social_insurance(definition: SagaDef) -> SagaDef:
    """Version 2: social insurance is registered elsewhere from now on."""
    steps = tuple(
        replace(s, after=tuple(d for d in s.after if d != "social_insurance"))
        for s in definition.steps
        if s.name != "social_insurance"
    )
    return replace(definition, version=definition.version + 1, steps=steps)


@pytest.fixture
def h(tmp_path):
    return Harness(f"sqlite:///{tmp_path}/orchestrator.db", THURSDAY)


def test_a_new_version_applies_to_new_cases_and_old_cases_finish_on_theirs(h):
    first = h.submit(key="before")
    [license_cmd] = h.take_commands()
    h.answer(license_cmd)  # the first case is under way when the definition changes
    in_flight = h.take_commands()
    assert "social_insurance" in {c.step for c in in_flight}

    v2 = without_social_insurance(OPEN_COMPANY)
    h.engine.definitions = DEFINITIONS.adding(v2)
    second = h.submit(key="after")

    assert h.case(first).definition_version == 1
    assert h.case(second).definition_version == 2
    assert "social_insurance" in h.step_states(first)
    assert "social_insurance" not in h.step_states(second)

    for command in in_flight:
        h.answer(command)
    sent = h.run_until_quiet()
    assert h.case(first).state == e.COMPLETED
    assert h.case(second).state == e.COMPLETED
    by_case = {(c.request.context.case_id, c.step) for c in sent}
    assert (second, "social_insurance") not in by_case
    # The second case's bundle waited only for the steps of its own version.
    assert h.step_states(second) == {step.name: e.DONE for step in v2.steps}
    assert h.step_states(first) == {step.name: e.DONE for step in OPEN_COMPANY.steps}


def test_the_latest_version_is_the_one_new_cases_get():
    v2 = without_social_insurance(OPEN_COMPANY)
    both = Definitions.of(OPEN_COMPANY, v2)
    assert both.latest("open_company") is v2
    assert both["open_company"] is v2
    assert both.get("open_company", 1) is OPEN_COMPANY


def test_a_version_declared_twice_or_missing_is_refused_clearly():
    with pytest.raises(ValueError, match="declared twice"):
        Definitions.of(OPEN_COMPANY, OPEN_COMPANY)
    with pytest.raises(KeyError, match="cases in flight"):
        DEFINITIONS.get("open_company", 7)
    with pytest.raises(KeyError, match="no saga named"):
        DEFINITIONS.latest("close_company")
