"""The seal policy: which seals a new company is asked to order, the platform's policy kept as
data (``data/seal_policy.csv``), read once per process."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from svc_seal.domain.seals import KIND_ORDER, InvoiceKind
from svc_seal.impression import SealKind

POLICY_FILE = Path(__file__).resolve().parents[1] / "data" / "seal_policy.csv"


class SealPolicyError(ValueError):
    """The policy file is malformed; the message names the row and column."""


@dataclass(frozen=True)
class SealRule:
    """One seal kind in the platform's policy, with its wording and where it comes from."""

    kind: SealKind
    required: bool
    # When every invoice kind the applicant asks for is one of these, the seal is optional.
    optional_when_invoices_only: frozenset[InvoiceKind]
    basis: str
    wording_zh: str
    wording_en: str
    verified: str
    source: str

    def applies_to(self, invoice_kinds: frozenset[InvoiceKind]) -> bool:
        """Whether an order asking for ``invoice_kinds`` must include this seal."""
        if not self.required:
            return False
        waived = bool(invoice_kinds) and invoice_kinds <= self.optional_when_invoices_only
        return not waived


@dataclass(frozen=True)
class SealPolicy:
    """Which seals a new company is asked to order: the platform's policy, not law."""

    rules: tuple[SealRule, ...]
    version: str = ""
    _by_kind: dict[SealKind, SealRule] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_kind", {rule.kind: rule for rule in self.rules})

    def rule(self, kind: SealKind) -> SealRule:
        return self._by_kind[kind]

    def required_kinds(
        self, invoice_kinds: frozenset[InvoiceKind] = frozenset()
    ) -> tuple[SealKind, ...]:
        """The seals an order asking for ``invoice_kinds`` must include, in the usual order."""
        return tuple(k for k in KIND_ORDER if self._by_kind[k].applies_to(invoice_kinds))


POLICY_COLUMNS = (
    "kind",
    "requirement",
    "optional_when_invoices_only",
    "basis",
    "wording_zh",
    "wording_en",
    "verified",
    "source",
)
POLICY_BASIS = "platform policy"
_REQUIREMENTS = {"required": True, "optional": False}
_VERIFIED = frozenset({"yes", "partial", "unverified"})


def parse_seal_policy(text: str, *, name: str = "seal_policy.csv") -> SealPolicy:
    """The policy in ``text`` (CSV, see data/README.md); SealPolicyError names what is wrong."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in POLICY_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise SealPolicyError(f"{name} lacks columns {missing}")
    rules = [_policy_rule(row, f"{name} row {n}") for n, row in enumerate(reader, start=2)]
    kinds = [rule.kind for rule in rules]
    duplicated = sorted({k.value for k in kinds if kinds.count(k) > 1})
    absent = [k.value for k in KIND_ORDER if k not in kinds]
    if duplicated or absent:
        raise SealPolicyError(
            f"{name} must have one row per seal kind: duplicated {duplicated}, missing {absent}"
        )
    version = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    return SealPolicy(tuple(rules), version=f"{name}@{version}")


def _policy_rule(row: dict[str, str], where: str) -> SealRule:
    def value(column: str) -> str:
        return (row.get(column) or "").strip()

    def bad(column: str, why: str) -> SealPolicyError:
        return SealPolicyError(f"{where}, {column} {value(column)!r}: {why}")

    try:
        kind = SealKind(value("kind"))
    except ValueError:
        raise bad("kind", f"not one of {[k.value for k in SealKind]}") from None
    if value("requirement") not in _REQUIREMENTS:
        raise bad("requirement", "must be 'required' or 'optional'")
    required = _REQUIREMENTS[value("requirement")]
    try:
        waived = frozenset(
            InvoiceKind(part.strip())
            for part in value("optional_when_invoices_only").split(";")
            if part.strip()
        )
    except ValueError:
        kinds = [k.value for k in InvoiceKind]
        raise bad("optional_when_invoices_only", f"';'-separated kinds of {kinds}") from None
    if value("basis") != POLICY_BASIS:
        # A legal requirement needs its statute and its own rule, not a line in a policy file.
        raise bad("basis", f"this file holds only '{POLICY_BASIS}' rows")
    if value("verified") not in _VERIFIED:
        raise bad("verified", f"must be one of {sorted(_VERIFIED)}")
    if not value("source"):
        raise bad("source", "every rule names where it comes from")
    if required and not (value("wording_zh") and value("wording_en")):
        raise bad("wording_zh", "a required seal needs the words the applicant is told")
    return SealRule(
        kind=kind,
        required=required,
        optional_when_invoices_only=waived,
        basis=value("basis"),
        wording_zh=value("wording_zh"),
        wording_en=value("wording_en"),
        verified=value("verified"),
        source=value("source"),
    )


@cache
def seal_policy() -> SealPolicy:
    """The packaged policy, read once per process."""
    try:
        text = POLICY_FILE.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SealPolicyError(f"the seal policy {POLICY_FILE} is missing") from None
    return parse_seal_policy(text, name=POLICY_FILE.name)
