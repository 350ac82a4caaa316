"""Reference lists the form offers (business scope wordings, industries, districts,
organisational forms, banks), read from the owning services' versioned data files.

The registration and bank services own these files and stay the authority: the portal only
offers their entries as choices, and every choice is checked again by ValidateApplication.
A row whose wording is not verified is marked as such where it is shown.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from onestop_common.jurisdiction import SERVED_DIVISIONS

ROOT = Path(__file__).resolve().parent.parent
REGISTRATION_DATA = ROOT / "svc_registration" / "data"
BANK_DATA = ROOT / "svc_bank" / "data"


@dataclass(frozen=True)
class ScopeItem:
    name_zh: str
    kind: str  # "general" or "licensed"
    verified: str
    approving_department: str


@dataclass(frozen=True)
class Choice:
    value: str
    zh: str
    en: str
    verified: str = "yes"

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def scope_items() -> tuple[ScopeItem, ...]:
    return tuple(
        ScopeItem(r["name_zh"], r["kind"], r["verified"], r.get("approving_department", ""))
        for r in _rows(REGISTRATION_DATA / "business_scope.csv")
    )


@cache
def industries() -> tuple[Choice, ...]:
    found = []
    for r in _rows(REGISTRATION_DATA / "industries.csv"):
        code = r["division_code"] or r["section"]
        prefix = f"{r['section']}{r['division_code']}"
        found.append(
            Choice(code, f"{prefix} {r['name_zh']}", f"{prefix} {r['name_en']}", r["verified"])
        )
    return tuple(found)


@cache
def districts() -> tuple[Choice, ...]:
    """Tianjin's districts (the platform serves Tianjin registrations)."""
    return tuple(
        Choice(r["code"], r["name_zh"], r["name_en"], r["verified"])
        for r in _rows(REGISTRATION_DATA / "divisions.csv")
        if r["level"] == "district" and r["code"].startswith("12")
    )


@cache
def served_districts() -> tuple[Choice, ...]:
    """The districts the platform takes applications for: the registration area the
    registration service's rules accept (onestop_common.jurisdiction, shared with them), named
    from its division list, so the choice cannot drift from what the platform accepts."""
    return tuple(choice for choice in districts() if choice.value in SERVED_DIVISIONS)


def district_name(code: str) -> str:
    for choice in districts():
        if choice.value == code:
            return choice.zh
    return ""


@cache
def organisational_forms() -> tuple[Choice, ...]:
    seen: dict[str, Choice] = {}
    for r in _rows(REGISTRATION_DATA / "organisational_forms.csv"):
        seen.setdefault(r["form"], Choice(r["form"], r["form"], r["form"], r["verified"]))
    return tuple(seen.values())


@cache
def banks() -> tuple[Choice, ...]:
    return tuple(
        Choice(r["bank_code"], r["name_zh"], r["name_en"], r["verified"])
        for r in _rows(BANK_DATA / "banks.csv")
    )
