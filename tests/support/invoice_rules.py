"""What the invoice service's unit tests share: the packaged rule book, a fixed business day,
a valid USCC, the two invoice kinds, and the (field, rule) pairs of a refusal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from onestop_common.errors import Conflict, InvalidInput
from svc_invoice.domain import InvoiceKind
from svc_invoice.rulebook import load_book

BOOK = load_book()
D = Decimal
TODAY = date(2026, 11, 26)
USCC = "91120115MA05XY1276"
ORDINARY = InvoiceKind.DIGITAL_ORDINARY
SPECIAL = InvoiceKind.DIGITAL_SPECIAL


def rules_of(
    exc: pytest.ExceptionInfo[InvalidInput] | pytest.ExceptionInfo[Conflict],
) -> set[tuple[str, str]]:
    return {(v.field, v.rule) for v in exc.value.violations}
