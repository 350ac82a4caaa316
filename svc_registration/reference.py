"""Loads the registration reference data (CSV files in ``data/``, each row with its source and
verification state) into the domain's :class:`ReferenceData`, once per process.

Each file's version is the SHA-256 of its bytes (first 12 hex digits): a decision records the
versions it used, so changing a word list is visible in every later decision.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from svc_registration.domain import (
    Division,
    EnterpriseType,
    Industry,
    OrgForm,
    PaidInIndustry,
    ProhibitedPattern,
    ReferenceData,
    ScopeEntry,
    normalise_wording,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
FILES = (
    "name_prohibited.csv",
    "industries.csv",
    "business_scope.csv",
    "paid_in_capital_industries.csv",
    "divisions.csv",
    "organisational_forms.csv",
)
CREDIT_SEED = "credit_list.csv"


class ReferenceDataError(RuntimeError):
    """A data file is missing or malformed; the message names the file and row."""


@dataclass(frozen=True)
class CreditSeedEntry:
    subject_kind: str
    subject_id: str
    person_name: str
    reason: str
    listed_at: date
    verified: str
    source: str


def file_version(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _rows(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except FileNotFoundError:
        raise ReferenceDataError(f"reference data file {path} is missing") from None
    if rows:
        missing = [column for column in required if column not in rows[0]]
        if missing:
            raise ReferenceDataError(f"{path.name} lacks columns {missing}")
    return rows


def _words(text: str) -> tuple[tuple[str, ...], str]:
    """name_words is `;`-separated words, or a parenthesised remark instead of words."""
    text = text.strip()
    if text.startswith("(") and text.endswith(")"):
        return (), text[1:-1]
    return tuple(word.strip() for word in text.split(";") if word.strip()), ""


def load(directory: Path = DATA_DIR) -> ReferenceData:
    prohibited = []
    for number, row in enumerate(
        _rows(directory / "name_prohibited.csv", ("article", "pattern", "kind", "verified")), 2
    ):
        try:
            pattern = re.compile(row["pattern"]) if row["pattern"].strip() else None
        except re.error as error:
            raise ReferenceDataError(
                f"name_prohibited.csv line {number}: bad pattern ({error})"
            ) from None
        if row["kind"] not in ("prohibited", "restricted"):
            raise ReferenceDataError(f"name_prohibited.csv line {number}: kind {row['kind']!r}")
        prohibited.append(
            ProhibitedPattern(
                row["article"],
                row["category"],
                pattern,
                row["kind"],
                row["note"],
                row["verified"],
                row["source"],
            )
        )
    industries = {}
    for row in _rows(directory / "industries.csv", ("section", "division_code", "name_words")):
        words, remark = _words(row["name_words"])
        industry = Industry(
            row["section"],
            row["division_code"],
            row["name_zh"],
            row["name_en"],
            words,
            remark,
            row["verified"],
            row["source"],
        )
        industries[industry.code] = industry
    scope = {}
    for row in _rows(directory / "business_scope.csv", ("code", "name_zh", "kind", "verified")):
        if row["code"].strip():
            # The shared data has no catalogue codes; one appearing would be unchecked.
            raise ReferenceDataError(f"business_scope.csv has a code for {row['name_zh']!r}")
        wording = normalise_wording(row["name_zh"])
        scope[wording] = ScopeEntry(
            wording, row["kind"], row["approving_department"], row["verified"], row["source"]
        )
    paid_in = tuple(
        PaidInIndustry(
            int(row["no"]),
            row["industry_zh"],
            row["legal_basis"],
            tuple(w for w in row["match_words"].split(";") if w.strip()),
            row["verified"],
            row["source"],
        )
        for row in _rows(directory / "paid_in_capital_industries.csv", ("no", "match_words"))
    )
    divisions = {
        row["code"]: Division(row["code"], row["name_zh"], row["name_en"], row["level"])
        for row in _rows(directory / "divisions.csv", ("code", "name_zh", "level"))
    }
    org_forms = tuple(
        OrgForm(
            EnterpriseType(row["enterprise_type"]),
            normalise_wording(row["form"]),
            row["verified"],
            row["source"],
        )
        for row in _rows(directory / "organisational_forms.csv", ("enterprise_type", "form"))
    )
    versions = {name: file_version(directory / name) for name in FILES}
    return ReferenceData(
        prohibited=tuple(prohibited),
        industries=industries,
        scope=scope,
        paid_in=paid_in,
        divisions=divisions,
        org_forms=org_forms,
        versions=versions,
    )


@functools.cache
def reference() -> ReferenceData:
    """The service's reference data, loaded on first use."""
    return load()


def credit_seed(directory: Path = DATA_DIR) -> tuple[str, tuple[CreditSeedEntry, ...]]:
    """The seed of the bad-credit list and its version."""
    path = directory / CREDIT_SEED
    rows = _rows(path, ("subject_kind", "subject_id", "person_name", "reason", "listed_at"))
    entries = []
    for number, row in enumerate(rows, 2):
        if row["subject_kind"] not in ("account", "id_number"):
            raise ReferenceDataError(f"{CREDIT_SEED} line {number}: {row['subject_kind']!r}")
        entries.append(
            CreditSeedEntry(
                row["subject_kind"],
                row["subject_id"].strip(),
                row["person_name"],
                row["reason"],
                date.fromisoformat(row["listed_at"]),
                row["verified"],
                row["source"],
            )
        )
    return f"{CREDIT_SEED}@{file_version(path)}", tuple(entries)
