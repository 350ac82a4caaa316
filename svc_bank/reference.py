"""The bank's configured data: the banks on offer (``data/banks.csv``, copied from the shared
reference data with its source and verified columns) and the seeded risk list
(``data/risk_list.csv``: fictional demo entries, versioned by their ``list_version``)."""

from __future__ import annotations

import csv
import hashlib
import io
from functools import cache
from pathlib import Path

from svc_bank.domain import Bank, RiskEntry, RiskList

DATA = Path(__file__).resolve().parent / "data"
BANKS_FILE = DATA / "banks.csv"
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
