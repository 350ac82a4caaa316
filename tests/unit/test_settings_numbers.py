"""Numbers in the environment (onestop_common.settings): read when set, the default when not,
and refused naming the variable and what it must be when unreadable."""

from __future__ import annotations

from pathlib import Path

import pytest

from onestop_common.settings import SettingsError, load_settings


def test_numbers_are_read_when_set_and_defaulted_when_not(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "ONESTOP_DATA_DIR": str(tmp_path),
            "ONESTOP_SIGNER_REPLICAS": "3",
            "ONESTOP_CLOCK_SPEED": "2.5",
        }
    )
    assert (settings.signer_replicas, settings.clock_speed) == (3, 2.5)
    assert load_settings({"ONESTOP_DATA_DIR": str(tmp_path)}).outbox_poll_seconds == 0.5


# A variable, an unreadable value for it, and the rule the refusal states.
UNREADABLE = {
    "ONESTOP_GRPC_PORT_BASE": ("50x", "must be a whole number"),
    "ONESTOP_CLOCK_SPEED": ("fast", "must be a number"),
    "ONESTOP_OUTBOX_POLL_SECONDS": ("0", "must be positive"),
}


@pytest.mark.parametrize("name", UNREADABLE)
def test_an_unreadable_number_is_refused_naming_the_variable(tmp_path: Path, name: str) -> None:
    value, rule = UNREADABLE[name]
    with pytest.raises(SettingsError) as refused:
        load_settings({"ONESTOP_DATA_DIR": str(tmp_path), name: value})
    assert str(refused.value) == f"{name} {rule}, got {value!r}"
