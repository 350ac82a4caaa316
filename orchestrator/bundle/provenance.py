"""Where the figures behind the bundle come from and how far each was checked.

An official document carries no working notes: the pages show the registered facts only, and
the sources and verification levels go into the manifest's ``provenance`` section (and the
admin views), where a reader who needs them finds every one.
"""

from __future__ import annotations

import re
from typing import Any

from orchestrator.bundle.model import BundleInputs

# Verification levels as the services report them ("policy" is OneStop's own configuration),
# weakest first.
_LEVELS = ("unverified", "partial", "policy", "yes")

# svc_invoice appends its Rule.caveat_zh / caveat_en to the texts it composes (the VAT status's
# legal basis). They are verification notes, not part of the legal text.
_CAVEATS = (
    (re.compile(r"（核实程度：(?P<level>[^，）]*)，[^）]*）"), None),
    (re.compile(r"（OneStop 平台配置，非法定规则）"), "policy"),
    (re.compile(r"\s*\(verified: (?P<level>[^ )]*) — [^)]*\)"), None),
    (re.compile(r"\s*\(OneStop policy, not a legal rule\)"), "policy"),
)

ABOUT = (
    "Where each rule and rate behind the figures on the pages comes from, and how far it was "
    "checked: verification is 'yes' (checked against the cited source), 'partial', "
    "'unverified' or 'policy' (OneStop's own configuration, not a legal rule); verified is true "
    "for 'yes' only. The pages carry none of these notes."
)


def official_text(text: str) -> tuple[str, tuple[str, ...]]:
    """``text`` without the verification caveats a service appended, and the caveats removed."""
    removed: list[str] = []
    for pattern, _level in _CAVEATS:
        removed += [m.group(0).strip() for m in pattern.finditer(text)]
        text = pattern.sub("", text)
    return text, tuple(removed)


def _caveat_levels(caveats: tuple[str, ...]) -> list[str]:
    levels = []
    for caveat in caveats:
        for pattern, level in _CAVEATS:
            match = pattern.search(caveat)
            if match:
                levels.append(level or match.group("level"))
                break
    return levels


def weakest(levels: list[str]) -> str:
    """The weakest of ``levels``; an unknown level counts as unverified."""
    if not levels:
        return "yes"
    return min(levels, key=lambda level: _LEVELS.index(level) if level in _LEVELS else -1)


def _item(step: str, figure: str, value: str, source: str, level: str) -> dict[str, Any]:
    level = level or "unverified"
    return {
        "step": step,
        "figure": figure,
        "value": value,
        "source": source,
        "verification": level,
        "verified": level == "yes",
    }


def provenance(inputs: BundleInputs) -> dict[str, Any]:
    """The manifest's ``provenance`` section: one item per rule or rate, with its source."""
    tax = inputs.taxpayer
    items = [
        _item("invoice", f"rules.{rule.rule}", rule.value, rule.source, rule.verified)
        for rule in tax.rules
    ]
    notes: dict[str, Any] = {}
    if tax.vat_status_legal_basis:
        shown, caveats = official_text(tax.vat_status_legal_basis)
        item = _item(
            "invoice",
            "vat_status_legal_basis",
            shown,
            "svc_invoice, composed from the rules it cites (see the invoice rules)",
            weakest(_caveat_levels(caveats)),
        )
        if caveats:
            item["caveats"] = list(caveats)
        items.append(item)
    employer = inputs.employer
    rates: dict[str, dict[str, Any]] = {}
    for enrolment in employer.enrolments:
        for line in enrolment.contributions:
            entry = rates.setdefault(
                line.insurance,
                {"rates": (line.employer_rate, line.employee_rate), "levels": []},
            )
            entry["levels"].append(line.verified or "unverified")
    table = f"social insurance rate table {employer.rate_table_version or '(no version)'}"
    for insurance, entry in rates.items():
        employer_rate, employee_rate = entry["rates"]
        items.append(
            _item(
                "social_insurance",
                f"rates.{insurance}",
                f"employer {employer_rate}, employee {employee_rate}",
                table,
                weakest(entry["levels"]),
            )
        )
    if employer.rate_table_version or employer.rate_table_note:
        notes["social_insurance"] = {
            "rate_table_version": employer.rate_table_version,
            "rate_table_note": employer.rate_table_note,
        }
    return {
        "about": ABOUT,
        "items": items,
        "not_verified": sum(not item["verified"] for item in items),
        "notes": notes,
    }
