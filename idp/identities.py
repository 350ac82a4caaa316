"""The verified test identities the local provider offers (``data/test_identities.csv``, under
version control): who a developer or a test may sign in as."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from onestop_common.identifiers import mask_id_number, validate_citizen_id

IDENTITIES = Path(__file__).resolve().parent / "data" / "test_identities.csv"


@dataclass(frozen=True)
class Identity:
    """A person the provider vouches for: an opaque subject, the name and the ID number."""

    subject: str
    name: str
    id_number: str

    def __repr__(self) -> str:
        # Identities end up in logs and test reports; an ID number must not.
        return f"Identity({self.subject!r}, {self.name!r}, {mask_id_number(self.id_number)!r})"

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


def load_identities(path: Path = IDENTITIES, *, today: date | None = None) -> dict[str, Identity]:
    """The identities by subject; a row with an invalid ID number or a repeated subject is a
    mistake in the file and stops the provider from starting."""
    today = today or date.today()
    identities: dict[str, Identity] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            identity = Identity(row["sub"].strip(), row["name"].strip(), row["id_number"].strip())
            verdict = validate_citizen_id(identity.id_number, today=today)
            if not verdict.ok:
                raise ValueError(f"{path.name} line {line}: {verdict.reason_en}")
            if not identity.subject or identity.subject in identities:
                raise ValueError(f"{path.name} line {line}: empty or repeated subject")
            identities[identity.subject] = identity
    return identities
