"""Every word the portal shows, in Chinese (first) and English, in one place: the tables
``data/messages.csv`` (key, zh, en) and ``data/enum_labels.csv`` (kind, value, zh, en), which a
translator edits without touching the code.

Templates call ``t("key")``; an unknown key raises so a missing translation fails the tests
instead of showing a bare key to a user.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from pathlib import Path

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

DATA = Path(__file__).resolve().parent / "data"


def _rows(file_name: str) -> list[dict[str, str]]:
    with (DATA / file_name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _labels(rows: Iterable[tuple[str, str, str]], file_name: str) -> dict[str, tuple[str, str]]:
    """Key → (Chinese, English); a key given twice is a mistake in the file, not an override."""
    labels: dict[str, tuple[str, str]] = {}
    for key, zh, en in rows:
        if key in labels:
            raise ValueError(f"{file_name}: {key!r} is translated twice")
        labels[key] = (zh, en)
    return labels


def _enum_labels() -> dict[str, dict[str, tuple[str, str]]]:
    rows = _rows("enum_labels.csv")
    kinds = dict.fromkeys(row["kind"] for row in rows)  # each once, in the file's order
    return {
        kind: _labels(
            ((r["value"], r["zh"], r["en"]) for r in rows if r["kind"] == kind), "enum_labels.csv"
        )
        for kind in kinds
    }


# Every message the templates and pages show, by key ("nav.home").
S = _labels(((r["key"], r["zh"], r["en"]) for r in _rows("messages.csv")), "messages.csv")
# The label of each value of an enum the pages show, by enum ("case_state") and value ("RUNNING").
ENUM_LABELS = _enum_labels()

# Materials an applicant may promise under the commitment route (codes as the registration
# service expects them: lowercase, 2–40 characters).
MATERIALS: dict[str, tuple[str, str]] = {
    "domicile_proof": ("住所（经营场所）使用证明", "proof of the right to use the premises"),
    "articles_of_association": ("公司章程（签署版）", "signed articles of association"),
    "shareholder_resolution": ("股东会决议", "shareholders' resolution"),
    "lease_contract": ("房屋租赁合同", "lease contract"),
}


def pick_lang(value: str | None) -> str:
    return value if value in LANGS else DEFAULT_LANG


def translate(key: str, lang: str) -> str:
    zh, en = S[key]
    return en if lang == "en" else zh


def translator(lang: str) -> Callable[[str], str]:
    def t(key: str) -> str:
        return translate(key, lang)

    return t


def enum_label(kind: str, value: str, lang: str) -> str:
    labels = ENUM_LABELS[kind].get(value)
    if labels is None:
        return value
    return labels[1] if lang == "en" else labels[0]


def enum_labels(kind: str, value: str) -> tuple[str, str]:
    """Both labels of a value (Chinese, English), for places that show the two together."""
    return ENUM_LABELS[kind].get(value, (value, value))


def pair(zh: str, en: str, lang: str) -> str:
    return en if lang == "en" else zh
