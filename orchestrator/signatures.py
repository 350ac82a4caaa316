"""Who must confirm an application before it starts, and how a person is recognised.

Real registration (全程电子化) asks every natural person the application names — the legal
representative, the shareholders, the directors, the supervisors and the manager — to verify
their identity and sign the application themselves. A person is one ID document (type and
number) however many roles they hold; they are recognised by the ID number the real-name
identity provider verified for them (``Principal.person_id``) and their verified name.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import timedelta

from onestop.common.v1 import application_pb2, common_pb2
from onestop_common.identifiers import mask_id_number

# Unsigned this long after submission (calendar days), the application ends.
SIGNING_PERIOD = timedelta(days=7)

LEGAL_REPRESENTATIVE = "legal_representative"
SHAREHOLDER = "shareholder"
_OFFICER_ROLES = {
    application_pb2.OFFICER_ROLE_CHAIR: "chair",
    application_pb2.OFFICER_ROLE_DIRECTOR: "director",
    application_pb2.OFFICER_ROLE_SOLE_DIRECTOR: "sole_director",
    application_pb2.OFFICER_ROLE_SUPERVISOR: "supervisor",
    application_pb2.OFFICER_ROLE_MANAGER: "manager",
    application_pb2.OFFICER_ROLE_EXECUTIVE_PARTNER: "executive_partner",
}
ROLE_LABELS = {
    LEGAL_REPRESENTATIVE: ("法定代表人", "legal representative"),
    SHAREHOLDER: ("股东", "shareholder"),
    "chair": ("董事长", "chair"),
    "director": ("董事", "director"),
    "sole_director": ("董事", "sole director"),
    "supervisor": ("监事", "supervisor"),
    "manager": ("经理", "manager"),
    "executive_partner": ("执行事务合伙人", "executive partner"),
    "officer": ("高级管理人员", "officer"),
}


@dataclass
class NamedPerson:
    """One natural person of the form, with every role they hold in it."""

    name: str
    id_type: int
    id_number: str
    roles: list[str] = field(default_factory=list)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


def normalised_id(id_number: str) -> str:
    # The check character of a citizen ID may be typed as "x".
    return id_number.strip().upper()


def persons_to_sign(form: application_pb2.ApplicationForm) -> list[NamedPerson]:
    """The natural persons the form names, in the order it names them, each once."""
    found: dict[tuple[int, str], NamedPerson] = {}

    def add(person: common_pb2.Person, role: str) -> None:
        if not person.id_number.strip():
            return
        key = (person.id_type, normalised_id(person.id_number))
        named = found.setdefault(
            key, NamedPerson(person.name.strip(), person.id_type, normalised_id(person.id_number))
        )
        if role not in named.roles:
            named.roles.append(role)

    if form.HasField("legal_representative"):
        add(form.legal_representative, LEGAL_REPRESENTATIVE)
    for shareholder in form.shareholders:
        add(shareholder.person, SHAREHOLDER)
    for officer in form.officers:
        add(officer.person, _OFFICER_ROLES.get(officer.role, "officer"))
    return list(found.values())


def person_digest(secret: str, id_number: str) -> str:
    """The platform's keyed digest of an ID number: the same person always gives the same digest,
    so a signature request is found by it, but the number cannot be read back from it (an
    unkeyed hash of an 18-digit ID number is quickly brute-forced)."""
    key = hashlib.sha256(b"onestop person digest\n" + secret.encode()).digest()
    return hmac.new(key, normalised_id(id_number).encode(), hashlib.sha256).hexdigest()


def role_text(roles: list[str], lang: str = "zh") -> str:
    """The roles as a reader says them ("法定代表人、股东", "legal representative, shareholder")."""
    if lang == "zh":
        return "、".join(ROLE_LABELS.get(r, (r, r))[0] for r in roles)
    return ", ".join(ROLE_LABELS.get(r, (r, r))[1] for r in roles)


def signature_field(position: int) -> str:
    """The application PDF's signature field of the person at ``position`` (0-based)."""
    return f"person-{position + 1}"


def form_sha256(form: application_pb2.ApplicationForm) -> str:
    return hashlib.sha256(form.SerializeToString(deterministic=True)).hexdigest()
