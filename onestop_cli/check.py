"""The `check` command: validate one identifier and print the verdict in Chinese and English."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from typing import TextIO

from onestop_common.identifiers import (
    Verdict,
    validate_citizen_id,
    validate_orgcode,
    validate_uscc,
)

EXIT_VALID = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2


def _validators(today: date) -> dict[str, Callable[[str], Verdict]]:
    return {
        "uscc": validate_uscc,
        "orgcode": validate_orgcode,
        "id": lambda value: validate_citizen_id(value, today=today),
    }


def run_check(kind: str, value: str, *, out: TextIO = sys.stdout, today: date | None = None) -> int:
    """Print the verdict; exit 0 if valid, 1 if invalid or legacy, 2 for an unknown kind."""
    # The clock is read here, at the edge, so the identifier rules stay pure.
    validators = _validators(today or date.today())
    validate = validators.get(kind)
    if validate is None:
        known = "|".join(validators)
        print(f"未知类型 {kind!r}，可选：{known}", file=out)
        print(f"unknown kind {kind!r}; expected one of {known}", file=out)
        return EXIT_USAGE
    verdict = validate(value)
    # repr keeps stray spaces visible and control characters inert on the terminal.
    print(f"{verdict.status}: {verdict.kind} {value!r}", file=out)
    print(f"  {verdict.reason_zh}", file=out)
    print(f"  {verdict.reason_en}", file=out)
    return EXIT_VALID if verdict.ok else EXIT_REJECTED
