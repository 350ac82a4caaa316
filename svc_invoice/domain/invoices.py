"""What identifies an invoice and whom it is for: the 20-digit 数电票 number (year, provincial
bureau, issuing channel, sequence) and the buyer's name and taxpayer ID."""

from __future__ import annotations

import re
from dataclasses import dataclass

from onestop_common.errors import InvalidInput, RuleViolation, violation
from onestop_common.identifiers import validate_uscc
from svc_invoice.domain.terms import InvoiceKind

SEQUENCE_DIGITS = 15
MAX_SEQUENCE = 10**SEQUENCE_DIGITS - 1


# --------------------------------------------------------------------------- numbers


_NUMBER = re.compile(r"^\d{20}$")


def number_prefix(year: int, province_code: str, channel: str) -> str:
    """The first five digits: 2-digit year + 2-digit provincial bureau code + 1-digit channel."""
    if not (len(province_code) == 2 and province_code.isdigit()):
        raise ValueError(f"province code must be 2 digits, got {province_code!r}")
    if not (len(channel) == 1 and channel.isdigit()):
        raise ValueError(f"issuing channel must be 1 digit, got {channel!r}")
    return f"{year % 100:02d}{province_code}{channel}"


def invoice_number(prefix: str, sequence: int) -> str:
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"invoice sequence {sequence} outside 1..{MAX_SEQUENCE}")
    return f"{prefix}{sequence:0{SEQUENCE_DIGITS}d}"


@dataclass(frozen=True)
class NumberParts:
    year: str
    province_code: str
    channel: str
    sequence: int


def parse_invoice_number(number: str) -> NumberParts:
    if not _NUMBER.match(number):
        raise InvalidInput.of(
            [
                violation(
                    "invoice_number",
                    "format",
                    "数电票号码应为 20 位数字",
                    "a digital e-invoice number is 20 digits",
                )
            ]
        )
    return NumberParts(number[:2], number[2:4], number[4], int(number[5:]))


# --------------------------------------------------------------------------- buyers


def buyer_violations(kind: InvoiceKind, name: str, taxpayer_id: str) -> list[RuleViolation]:
    found = []
    if not name.strip():
        found.append(
            violation("buyer_name", "required", "购买方名称必填", "the buyer's name is required")
        )
    if kind is InvoiceKind.DIGITAL_SPECIAL and not taxpayer_id:
        found.append(
            violation(
                "buyer_taxpayer_id",
                "required_for_special",
                "增值税专用发票须填写购买方纳税人识别号",
                "a special VAT invoice needs the buyer's taxpayer ID",
            )
        )
    elif taxpayer_id:
        verdict = validate_uscc(taxpayer_id)
        if not verdict.ok:
            found.append(
                violation("buyer_taxpayer_id", verdict.rule, verdict.reason_zh, verdict.reason_en)
            )
    return found
