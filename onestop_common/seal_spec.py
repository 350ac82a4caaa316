"""What is engraved on a company seal and how big it is: the kinds, a seal's specification and its
size, shared by the seal service (which makes seals) and the bundle (which draws them)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

MM = 72 / 25.4

_SEAL_CODE = re.compile(r"\d{13}")
# GB 32100: digits and capitals without I, O, Z, S, V; the check digit is the registry's business.
_USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")
_MAX_NAME_CHARS = 30


class SealKind(StrEnum):
    """The seals a new company has engraved; the value names the fixture and the API field."""

    OFFICIAL = "official"
    FINANCE = "finance"
    INVOICE = "invoice"
    LEGAL_REP = "legal_rep"
    CONTRACT = "contract"

    @property
    def label_zh(self) -> str:
        return _LABELS_ZH[self]


_LABELS_ZH = {
    SealKind.OFFICIAL: "公章",
    SealKind.FINANCE: "财务专用章",
    SealKind.INVOICE: "发票专用章",
    SealKind.LEGAL_REP: "法定代表人名章",
    SealKind.CONTRACT: "合同专用章",
}

ROUND_KINDS = frozenset({SealKind.OFFICIAL, SealKind.FINANCE, SealKind.CONTRACT})


@dataclass(frozen=True)
class SealSpec:
    """What is engraved on one seal; `uscc` only matters for the invoice seal, `person_name`
    only for the legal representative's name seal."""

    kind: SealKind
    company_name: str
    seal_code: str
    uscc: str = ""
    person_name: str = ""

    def __post_init__(self) -> None:
        if not self.company_name.strip() or len(self.company_name) > _MAX_NAME_CHARS:
            raise ValueError(
                f"company_name must have 1 to {_MAX_NAME_CHARS} characters to fit on a seal, "
                f"got {self.company_name!r}"
            )
        if not _SEAL_CODE.fullmatch(self.seal_code):
            raise ValueError(f"seal_code must be 13 digits, got {self.seal_code!r}")
        if self.kind is SealKind.INVOICE and not _USCC.fullmatch(self.uscc):
            raise ValueError(
                f"the invoice seal needs the 18-character unified social credit code, "
                f"got {self.uscc!r}"
            )
        name = self.person_name
        if self.kind is SealKind.LEGAL_REP and not (2 <= len(name) <= 4 and name.isalpha()):
            raise ValueError(
                f"the name seal needs the legal representative's name in 2 to 4 characters, "
                f"got {self.person_name!r}"
            )


def seal_size_mm(kind: SealKind) -> tuple[float, float]:
    """Width and height of the seal's bounding box in millimetres."""
    if kind in ROUND_KINDS:
        return (40.0, 40.0)
    if kind is SealKind.INVOICE:
        return (40.0, 30.0)
    return (20.0, 20.0)
