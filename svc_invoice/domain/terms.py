"""What the invoice rules talk about everywhere: VAT status, invoice kinds, the taxpayer's
states, the errors for a request the state refuses, and the one rule every change shares (say
why)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from decimal import Decimal

from onestop_common.errors import Conflict, RuleViolation, violation

PARTICIPANT = "invoice"
CENT = Decimal("0.01")


class VatStatus(enum.StrEnum):
    SMALL_SCALE = "small_scale"  # 小规模纳税人
    GENERAL = "general"  # 一般纳税人


class InvoiceKind(enum.StrEnum):
    DIGITAL_ORDINARY = "digital_ordinary"  # 数电票（普通发票）
    DIGITAL_SPECIAL = "digital_special"  # 数电票（增值税专用发票）


KIND_NAMES_ZH = {
    InvoiceKind.DIGITAL_ORDINARY: "数电票（普通发票）",
    InvoiceKind.DIGITAL_SPECIAL: "数电票（增值税专用发票）",
}
STATUS_NAMES_ZH = {VatStatus.SMALL_SCALE: "小规模纳税人", VatStatus.GENERAL: "一般纳税人"}


class TaxpayerState(enum.StrEnum):
    PENDING_APPROVAL = "pending_approval"
    ACTIVE = "active"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class Refused(Conflict):
    """The request is well formed but the state refuses it (FAILED_PRECONDITION), naming the
    field and the rule."""

    @classmethod
    def of(cls, violations: Sequence[RuleViolation]) -> Refused:
        first = violations[0]
        return cls(
            f"{first.field}: {first.message_en}",
            message_zh=f"{first.field}：{first.message_zh}",
            violations=violations,
        )


class QuotaExceeded(Refused):
    """The invoice is fine but the month's credit line cannot take it."""


def reason_violations(reason: str, field: str = "reason") -> list[RuleViolation]:
    if reason.strip():
        return []
    return [violation(field, "required", "请说明原因", "give the reason")]
