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
LEGACY_HINT = (
    "  hint: possibly a legacy pilot-era code (positions 9–17 are a valid organisation code) or "
    "a typing error; verify with the registry / "
    "提示：可能是试点期间的旧代码或录入错误，请向登记机关核实"
)


def _validators(today: date) -> dict[str, Callable[[str], Verdict]]:
    return {
        "uscc": validate_uscc,
        "orgcode": validate_orgcode,
        "id": lambda value: validate_citizen_id(value, today=today),
    }


def run_check(kind: str, value: str, *, out: TextIO = sys.stdout, today: date | None = None) -> int:
    """Print the verdict; exit 0 if valid, 1 if invalid (a legacy code with a hint), 2 for an
    unknown kind."""
    # The clock is read here, at the edge, so the identifier rules stay pure.
    validators = _validators(today or date.today())
    validate = validators.get(kind)
    if validate is None:
        known = "|".join(validators)
        print(f"未知类型 {kind!r}，可选：{known}", file=out)
        print(f"unknown kind {kind!r}; expected one of {known}", file=out)
        return EXIT_USAGE
    verdict = validate(value)
    # repr keeps stray spaces visible and control characters inert on the terminal. A legacy code
    # does not conform to the standard: it is invalid, with the hint of what it may be.
    print(f"{'valid' if verdict.ok else 'invalid'}: {verdict.kind} {value!r}", file=out)
    if verdict.status == "legacy":
        print(LEGACY_HINT, file=out)
    print(f"  {verdict.reason_zh}", file=out)
    print(f"  {verdict.reason_en}", file=out)
    return EXIT_VALID if verdict.ok else EXIT_REJECTED
