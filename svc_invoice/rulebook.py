"""Loads the invoice service's rule data (svc_invoice/data/*.csv) into a domain RuleBook, once
at start; the CSV files keep each value's source and verification."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from svc_invoice.domain import Policy, Rule, RuleBook, TaxOffice

DATA_DIR = Path(__file__).resolve().parent / "data"
RULE_FILES = ("tax_rules.csv", "vat_registration_rules.csv", "einvoice_rules.csv")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _day(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    if len(text) == 4:
        return date(int(text), 1, 1)
    return date.fromisoformat(text)


def load_rules(data_dir: Path = DATA_DIR) -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for name in RULE_FILES:
        for row in _rows(data_dir / name):
            rules[row["rule"]] = Rule(
                name=row["rule"],
                value=row["value"],
                effective_from=_day(row["effective_from"]),
                effective_to=_day(row["effective_to"]),
                verified=row["verified"],
                source=row["source"],
            )
    return rules


def load_policy_rules(data_dir: Path = DATA_DIR) -> dict[str, Rule]:
    return {
        row["setting"]: Rule(
            row["setting"], row["value"], None, None, row["verified"], row["source"]
        )
        for row in _rows(data_dir / "invoice_policy.csv")
    }


def load_book(data_dir: Path = DATA_DIR) -> RuleBook:
    settings = load_policy_rules(data_dir)

    def value(name: str) -> str:
        return settings[name].value.strip()

    policy = Policy(
        standard_max_amount_per_invoice=Decimal(value("standard_max_amount_per_invoice")),
        standard_monthly_quantity_ordinary=int(value("standard_monthly_quantity_ordinary")),
        standard_monthly_quantity_special=int(value("standard_monthly_quantity_special")),
        standard_credit_line=Decimal(value("standard_credit_line")),
        desk_max_amount_per_invoice=Decimal(value("desk_max_amount_per_invoice")),
        desk_max_monthly_quantity=int(value("desk_max_monthly_quantity")),
        desk_max_credit_line=Decimal(value("desk_max_credit_line")),
        issuing_channel=value("issuing_channel"),
        max_lines_per_invoice=int(value("max_lines_per_invoice")),
        form_letter=value("red_letter_form_letter"),
        rule_set_version=value("rule_set_version"),
    )
    offices = {
        row["division_code"]: TaxOffice(
            row["division_code"],
            row["division_name"],
            row["tax_office"],
            row["verified"],
            row["source"],
        )
        for row in _rows(data_dir / "tax_offices.csv")
    }
    rules = load_rules(data_dir)
    rules.update({f"policy_{name}": rule for name, rule in settings.items()})
    return RuleBook(rules=rules, offices=offices, policy=policy)


@cache
def default_book() -> RuleBook:
    return load_book()
