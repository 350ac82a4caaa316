"""Seal codes (刻章编码: 4 area digits, 3 seal-maker digits, 6 serial digits) and the police
filing number made from one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from onestop_common.errors import RuleViolation, violation

# Seal code (刻章编码): 4 area digits + 3 seal-maker digits + 6 serial digits.
AREA_DIGITS = 4
MAKER_DIGITS = 3
SERIAL_DIGITS = 6
MAX_SERIAL = 10**SERIAL_DIGITS - 1
SEAL_CODE = re.compile(r"\d{13}")
_MAKER_ID = re.compile(r"\d{3}")
DIVISION = re.compile(r"\d{6}")


def seal_maker_id_problem(seal_maker_id: str) -> str | None:
    if _MAKER_ID.fullmatch(seal_maker_id):
        return None
    return f"the seal maker id must be 3 digits (ONESTOP_SEAL_MAKER_ID), got {seal_maker_id!r}"


def seal_code_prefix(division_code: str, seal_maker_id: str) -> str:
    """The first 7 digits: the area (first 4 digits of the division code) and the seal maker."""
    if not DIVISION.fullmatch(division_code):
        raise ValueError(f"division code must be 6 digits, got {division_code!r}")
    problem = seal_maker_id_problem(seal_maker_id)
    if problem:
        raise ValueError(problem)
    return division_code[:AREA_DIGITS] + seal_maker_id


def make_seal_code(prefix: str, serial: int) -> str:
    if not re.fullmatch(r"\d{7}", prefix):
        raise ValueError(f"seal code prefix must be 7 digits, got {prefix!r}")
    if not 1 <= serial <= MAX_SERIAL:
        raise ValueError(
            f"serial {serial} is outside 1..{MAX_SERIAL}: the seal maker's numbers for area "
            f"{prefix[:AREA_DIGITS]} are used up"
        )
    return f"{prefix}{serial:0{SERIAL_DIGITS}d}"


@dataclass(frozen=True)
class SealCode:
    area: str
    seal_maker_id: str
    serial: int


def parse_seal_code(code: str) -> SealCode:
    if not SEAL_CODE.fullmatch(code):
        raise ValueError(f"a seal code is 13 digits, got {code!r}")
    return SealCode(
        code[:AREA_DIGITS],
        code[AREA_DIGITS : AREA_DIGITS + MAKER_DIGITS],
        int(code[AREA_DIGITS + MAKER_DIGITS :]),
    )


def seal_code_violations(code: str, field: str = "seal_code") -> list[RuleViolation]:
    if SEAL_CODE.fullmatch(code):
        return []
    return [
        violation(
            field,
            "seal_code_format",
            f"印章编码应为13位数字，“{code}”不是",
            f"a seal code is 13 digits, {code!r} is not",
        )
    ]


def filing_number(seal_code: str, filed_at: datetime) -> str:
    """The police filing number (公安备案号): our own format, "GA" + filing date + seal code.

    The public security bureau's real numbering was not available; this one is unique because
    the seal code is.
    """
    return f"GA{filed_at:%Y%m%d}{seal_code}"
