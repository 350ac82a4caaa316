"""The configured rate data: reads the versioned CSV files in ``data/`` (copied from the shared
reference data with their source and verified columns) into the domain's rate table."""

from __future__ import annotations

import csv
import io
from functools import cache
from pathlib import Path

from svc_social_insurance.domain import RateTable, fingerprint, parse_rate_table

DATA = Path(__file__).resolve().parent / "data"
RATES_FILE = DATA / "social_insurance_tianjin.csv"
WORK_INJURY_FILE = DATA / "work_injury_rates.csv"


@cache
def rate_table() -> RateTable:
    rates = RATES_FILE.read_bytes()
    work_injury = WORK_INJURY_FILE.read_bytes()
    return parse_rate_table(
        csv.DictReader(io.StringIO(rates.decode("utf-8"))),
        csv.DictReader(io.StringIO(work_injury.decode("utf-8"))),
        fingerprint=fingerprint(rates, work_injury),
    )
