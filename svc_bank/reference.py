"""The bank's configured data: the banks on offer (``data/banks.csv``, copied from the shared
reference data with its source and verified columns), the branches where an account can be
opened (``data/branches.csv``, demo data, unverified) and the seeded risk list
(``data/risk_list.csv``: fictional demo entries, versioned by their ``list_version``). See
``data/README.md``."""

from __future__ import annotations

import csv
import hashlib
import io
from functools import cache
from pathlib import Path

from svc_bank.domain import Bank, RiskEntry, RiskList, branch_key

DATA = Path(__file__).resolve().parent / "data"
BANKS_FILE = DATA / "banks.csv"
BRANCHES_FILE = DATA / "branches.csv"
RISK_LIST_FILE = DATA / "risk_list.csv"


def _rows(path: Path) -> tuple[bytes, list[dict[str, str]]]:
    content = path.read_bytes()
    return content, list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


@cache
def banks() -> dict[str, Bank]:
    _, rows = _rows(BANKS_FILE)
    return {
        row["bank_code"]: Bank(
            code=row["bank_code"],
            name_zh=row["name_zh"],
            name_en=row["name_en"],
            verified=row["verified"],
            source=row["source"],
        )
        for row in rows
    }


@cache
def branches() -> dict[str, tuple[str, ...]]:
    """The branches of each bank that has any listed, by bank code, in the file's order."""
    _, rows = _rows(BRANCHES_FILE)
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row["bank_code"], []).append(branch_key(row["branch_name"]))
    return {code: tuple(names) for code, names in found.items()}


@cache
def reference_version() -> str:
    """The version of the banks and branches the rules ran against (for the audit)."""
    digest = hashlib.sha256(BANKS_FILE.read_bytes() + BRANCHES_FILE.read_bytes())
    return f"bank-ref-{digest.hexdigest()[:8]}+risk-{risk_list().version}"


@cache
def risk_list() -> RiskList:
    content, rows = _rows(RISK_LIST_FILE)
    dated = max((row["list_version"] for row in rows), default="empty")
    return RiskList(
        version=f"{dated}-{hashlib.sha256(content).hexdigest()[:8]}",
        entries={
            row["id_number"]: RiskEntry(row["id_number"], row["name"], row["reason"])
            for row in rows
        },
    )
