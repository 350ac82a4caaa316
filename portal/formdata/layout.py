"""The form's page: its sections (fieldsets, checked as the applicant leaves each one), every
place an error may be shown in the page's order, and where each rejection is shown."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from onestop.common.v1 import common_pb2
from portal.formdata.fields import (
    MESSAGE_ROW,
    MULTI,
    ROW_FIELDS,
    ROWS,
    SECTIONS,
    SIMPLE,
    ancestors,
    field_names,
    rows,
    under,
)

# ---------------------------------------------------------------------------- sections


@dataclass(frozen=True)
class Section:
    """One part of the form as the page shows it: a fieldset, checked when the applicant
    leaves it, listed on the review page; ``paths`` are the form paths it holds."""

    key: str
    title: str  # i18n key
    paths: tuple[str, ...]

    @property
    def anchor(self) -> str:
        return self.paths[0]

    @property
    def check_paths(self) -> tuple[str, ...]:
        return tuple(f"form.{p}" for p in self.paths)


PAGE_SECTIONS = (
    Section("name", "form.sec.name", ("name", "enterprise_type")),
    Section("capital", "form.sec.capital", ("registered_capital", "shareholders")),
    Section("scope", "form.sec.scope", ("business_scope",)),
    Section("domicile", "form.sec.domicile", ("domicile", "operating_term_years")),
    Section("people", "form.sec.people", ("legal_representative", "officers", "contact")),
    Section("seals", "form.sec.seals", ("seals",)),
    Section("invoice", "form.sec.invoice", ("invoice",)),
    Section("employees", "form.sec.employees", ("employees", "work_injury_risk_class")),
    Section("bank", "form.sec.bank", ("bank",)),
    Section("commitment", "form.sec.commitment", ("commitment",)),
)
SECTION_BY_KEY = {s.key: s for s in PAGE_SECTIONS}


# ---------------------------------------------------------------------------- rejections


@dataclass(frozen=True)
class Problem:
    anchor: str
    rejection: common_pb2.Rejection


# Parts of the form the page shows errors under that are neither an input nor a section.
ANCHORS = ("contact.person", "invoice.finance_contact")


def _browser_path(path: str, row_map: Mapping[str, tuple[int, ...]] | None) -> str:
    match = MESSAGE_ROW.match(path)
    if not match or row_map is None:
        return path
    group, index = match.group(1), int(match.group(2))
    mapped = row_map.get(group, ())
    if index >= len(mapped):
        return path
    return f"{group}[{mapped[index]}]{path[match.end() :]}"


def place(
    rejections: Iterable[common_pb2.Rejection],
    fields: Mapping[str, str],
    row_map: Mapping[str, tuple[int, ...]] | None = None,
) -> list[Problem]:
    """Where each rejection is shown: its own field, else the nearest row or section."""
    known = set(field_names(fields)) | set(ANCHORS)
    rows_known = {f"{g}[{i}]" for g in ROWS for i in range(rows(fields, g))}
    known |= {f"{row}.person" for row in rows_known}
    placed: list[Problem] = []
    for rejection in rejections:
        path = _browser_path(rejection.field.removeprefix("form."), row_map)
        anchor = "_general"
        for candidate in ancestors(path):
            if candidate in known:
                anchor = candidate
                break
            if f"{candidate}.amount" in known:
                anchor = f"{candidate}.amount"
                break
            if candidate in rows_known or candidate in SECTIONS:
                anchor = candidate
                break
        placed.append(Problem(anchor, rejection))
    return placed


def _page_inputs() -> tuple[str, ...]:
    ordered = [*SIMPLE, *sorted(MULTI)]
    for anchor in ANCHORS:
        ordered.insert(next(i for i, n in enumerate(ordered) if under(n, anchor)), anchor)
    return tuple(ordered)


def page_order(fields: Mapping[str, str]) -> list[str]:
    """Every place an error may be shown, in the order the page shows them."""
    names = ["_general"]
    for section in PAGE_SECTIONS:
        for path in section.paths:
            names.append(path)
            if path in ROWS:
                for i in range(rows(fields, path)):
                    base = f"{path}[{i}]"
                    names += [base, f"{base}.person"]
                    names += [f"{base}.{sub}" for sub in ROW_FIELDS[path]]
            else:
                names += [n for n in _page_inputs() if under(n, path) and n != path]
    return names


def dom_id(name: str) -> str:
    return "f-" + re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")
