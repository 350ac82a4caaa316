"""The reference data the rules read, as values (loaded by ``svc_registration.reference``): the
name regulation's words, GB/T 4754 industries, the business-scope catalogue, paid-in-capital
industries, administrative divisions and organisational forms; and how its wordings compare."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from svc_registration.domain.form import EnterpriseType


@dataclass(frozen=True)
class ProhibitedPattern:
    article: str
    category: str
    pattern: re.Pattern[str] | None
    kind: str  # "prohibited" or "restricted"
    note: str
    verified: str
    source: str


@dataclass(frozen=True)
class Industry:
    section: str
    division_code: str
    name_zh: str
    name_en: str
    name_words: tuple[str, ...]
    # The source's parenthesised remark instead of words, e.g. "not for companies".
    remark: str
    verified: str
    source: str

    @property
    def code(self) -> str:
        return self.division_code or self.section

    @property
    def not_for_companies(self) -> bool:
        return "not for companies" in self.remark

    @property
    def restricted(self) -> bool:
        return bool(self.remark) and not self.not_for_companies


@dataclass(frozen=True)
class ScopeEntry:
    name_zh: str
    kind: str  # "general" or "licensed"
    approving_department: str
    verified: str
    source: str


@dataclass(frozen=True)
class PaidInIndustry:
    no: int
    industry_zh: str
    legal_basis: str
    match_words: tuple[str, ...]
    verified: str
    source: str


@dataclass(frozen=True)
class Division:
    code: str
    name_zh: str
    name_en: str
    level: str


@dataclass(frozen=True)
class OrgForm:
    enterprise_type: EnterpriseType
    form: str
    verified: str
    source: str


@dataclass(frozen=True)
class ReferenceData:
    prohibited: tuple[ProhibitedPattern, ...]
    industries: Mapping[str, Industry]
    scope: Mapping[str, ScopeEntry]
    paid_in: tuple[PaidInIndustry, ...]
    divisions: Mapping[str, Division]
    org_forms: tuple[OrgForm, ...]
    # File name -> content hash: the data a decision used, for replay.
    versions: Mapping[str, str] = field(default_factory=dict)

    @property
    def data_version(self) -> str:
        return ",".join(f"{name}@{digest}" for name, digest in sorted(self.versions.items()))

    def forms_for(self, enterprise_type: EnterpriseType) -> tuple[str, ...]:
        return tuple(f.form for f in self.org_forms if f.enterprise_type is enterprise_type)

    def section_of(self, code: str) -> str | None:
        industry = self.industries.get(code)
        return industry.section if industry else None

    def industry_words(self, code: str) -> frozenset[str]:
        """Words that may stand for ``code`` in a name: its own, its section's and, for a
        section, its divisions'."""
        industry = self.industries.get(code)
        if industry is None:
            return frozenset()
        related = [
            other
            for other in self.industries.values()
            if other.section == industry.section
            and (other.code == industry.section or not industry.division_code)
        ]
        words = {word for other in (industry, *related) for word in other.name_words}
        return frozenset(words)

    def all_industry_words(self) -> frozenset[str]:
        return frozenset(word for ind in self.industries.values() for word in ind.name_words)

    def place_names(self) -> frozenset[str]:
        """Division names with and without their suffix (天津市 and 天津)."""
        names: set[str] = set()
        for division in self.divisions.values():
            names.add(division.name_zh)
            names.add(strip_division_suffix(division.name_zh))
        return frozenset(n for n in names if n)

    def area_prefixes(self, area: str) -> frozenset[str]:
        """What the administrative-division part of a name may say for ``area``: the district,
        its city or province, with or without suffixes, and the two combined (天津宝坻)."""
        district = self.divisions.get(area)
        parent = self.divisions.get(area[:2] + "0000")
        forms: set[str] = set()
        district_forms = _name_forms(district.name_zh) if district else set()
        parent_forms = _name_forms(parent.name_zh) if parent else set()
        forms |= district_forms | parent_forms
        forms |= {p + d for p in parent_forms for d in district_forms}
        return frozenset(forms)


_DIVISION_SUFFIXES = ("特别行政区", "自治区", "新区", "省", "市", "区", "县")


def strip_division_suffix(name: str) -> str:
    for suffix in _DIVISION_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _name_forms(name: str) -> set[str]:
    return {name, strip_division_suffix(name)}


_PARENS = str.maketrans({"(": "（", ")": "）", " ": "", "\u3000": ""})


def normalise_wording(text: str) -> str:
    """Scope wordings and name forms compare with full-width brackets and no spaces."""
    return text.strip().translate(_PARENS)


# How far a reference row was checked, said in Chinese on Chinese pages (no status words).
_CHECKED_ZH = {"partial": "仅部分核对", "unverified": "尚未核对"}


def _checked_zh(verified: str) -> str:
    return _CHECKED_ZH.get(verified, "尚未核对")
