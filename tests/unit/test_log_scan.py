"""The log scanner the end-to-end tests use finds a full ID number, and only a real one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.support.log_scan import unmasked_id_numbers


def test_a_full_id_number_is_found_and_reported_masked(tmp_path: Path) -> None:
    (tmp_path / "svc.log").write_text(
        "case X: legal representative 120115198503120033 checked\n"
        "masked 120***********0033, USCC 91120116MA05X0YK3J, serial 123456789012345678\n",
        encoding="utf-8",
    )
    leaks, lines = unmasked_id_numbers(tmp_path, today=date(2026, 12, 3))
    assert lines == 2
    assert [(leak.file, leak.line, leak.id_number) for leak in leaks] == [
        ("svc.log", 1, "120***********0033")
    ]
