"""Scans a platform's log files for personal ID numbers written in full (they must be masked:
``identifiers.mask_id_number``). A candidate counts only if it is a valid citizen ID number
(checksum and birth date), so USCCs, serial numbers and timestamps do not."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from onestop_common.identifiers import mask_id_number, validate_citizen_id

CANDIDATE = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")


@dataclass(frozen=True)
class Leak:
    file: str
    line: int
    # Masked here too: the report must not repeat what it found.
    id_number: str


def unmasked_id_numbers(log_dir: Path, *, today: date) -> tuple[list[Leak], int]:
    """The leaks in every file under ``log_dir``, and how many lines were read."""
    leaks: list[Leak] = []
    lines = 0
    for path in sorted(p for p in log_dir.rglob("*") if p.is_file()):
        with path.open(encoding="utf-8", errors="replace") as handle:
            for number, text in enumerate(handle, 1):
                lines += 1
                for match in CANDIDATE.finditer(text):
                    if validate_citizen_id(match.group(0), today=today).ok:
                        leaks.append(Leak(path.name, number, mask_id_number(match.group(0))))
    return leaks, lines
