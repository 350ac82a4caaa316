"""What the seal rules talk about: the states of a seal and of an order, a seal as the form
requests it, as planned and as it exists, the order itself, and the words engraved on a seal."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from svc_seal.impression import SealKind, SealSpec

PARTICIPANT = "seal"


# The usual order of a seal set (desk queues, plans, the bank's card). Which seals an order must
# include is the platform's policy, kept as data: see ``SealPolicy``.
KIND_ORDER = (
    SealKind.OFFICIAL,
    SealKind.FINANCE,
    SealKind.INVOICE,
    SealKind.LEGAL_REP,
    SealKind.CONTRACT,
)


class SealState(StrEnum):
    ORDERED = "ordered"
    ENGRAVED = "engraved"
    ACTIVE = "active"
    REVOKED = "revoked"
    # The order was rejected or withdrawn before the seal was made.
    CANCELLED = "cancelled"


class OrderState(StrEnum):
    ORDERED = "ordered"
    DONE = "done"
    REJECTED = "rejected"
    REVOKED = "revoked"
    WITHDRAWN = "withdrawn"


# Seals that exist (or are being made) and so must be undone by a compensation.
LIVE_STATES = frozenset({SealState.ORDERED, SealState.ENGRAVED, SealState.ACTIVE})


@dataclass(frozen=True)
class RequestedSeal:
    """One line of the form's seal request; ``kind`` None when the form left it unspecified or
    named a kind this service does not know (``unknown_kind``)."""

    kind: SealKind | None
    physical: bool
    electronic: bool
    unknown_kind: bool = False


class InvoiceKind(StrEnum):
    """The invoices an applicant asks for (ApplicationForm.invoice.kinds), as the seal policy
    needs them: 数电票 carry no seal impression, anything else might be on paper."""

    DIGITAL_ORDINARY = "digital_ordinary"  # 数电票（普通发票）
    DIGITAL_SPECIAL = "digital_special"  # 数电票（增值税专用发票）
    OTHER = "other"  # any kind this service does not know


@dataclass(frozen=True)
class SealOrderInput:
    uscc: str
    company_name: str
    legal_representative_name: str
    division_code: str
    seals: tuple[RequestedSeal, ...]
    # Empty when the order does not say (then the policy's full set applies).
    invoice_kinds: frozenset[InvoiceKind] = frozenset()


@dataclass(frozen=True)
class PlannedSeal:
    """A seal to be made: its kind, form, size and what is engraved on it."""

    kind: SealKind
    physical: bool
    electronic: bool
    width_mm: float
    height_mm: float

    def spec(self, order: SealOrderInput, seal_code: str) -> SealSpec:
        return SealSpec(
            kind=self.kind,
            company_name=order.company_name,
            seal_code=seal_code,
            uscc=order.uscc if self.kind is SealKind.INVOICE else "",
            person_name=order.legal_representative_name if self.kind is SealKind.LEGAL_REP else "",
        )

    def text(self, order: SealOrderInput, seal_code: str) -> str:
        return seal_text(self.spec(order, seal_code))


@dataclass(frozen=True)
class SealFacts:
    """What the rules need to know about an existing seal."""

    seal_code: str
    kind: SealKind
    physical: bool
    electronic: bool
    state: SealState


def seal_text(spec: SealSpec) -> str:
    """The words on a seal, in reading order, as one line."""
    if spec.kind is SealKind.LEGAL_REP:
        return spec.person_name
    words = [spec.company_name]
    if spec.kind is SealKind.INVOICE:
        words.append(spec.uscc)
    if spec.kind is not SealKind.OFFICIAL:
        words.append(spec.kind.label_zh)
    words.append(spec.seal_code)
    return " ".join(words)
