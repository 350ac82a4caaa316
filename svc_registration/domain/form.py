"""The registration application form as values: who registers (the authority and its area), the
enterprise types, officer roles and identity documents, and the frozen dataclasses of the form."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from onestop_common import jurisdiction

PARTICIPANT = "registration"

# The registration authority this service stands for: Baodi district, Tianjin (GB/T 2260).
REGISTRATION_AREA = jurisdiction.REGISTRATION_AREA
REGISTRATION_AUTHORITY_ZH = "天津市宝坻区市场监督管理局"
REGISTRATION_AUTHORITY_EN = (
    "Market Supervision and Administration Bureau of Baodi District, Tianjin"
)
CURRENCY = "CNY"


class EnterpriseType(enum.StrEnum):
    UNSPECIFIED = "unspecified"
    LLC = "llc"
    ONE_PERSON_LLC = "one_person_llc"
    SOLE_PROPRIETORSHIP = "sole_proprietorship"
    PARTNERSHIP = "partnership"


LLC_TYPES = frozenset({EnterpriseType.LLC, EnterpriseType.ONE_PERSON_LLC})

TYPE_LABELS = {
    EnterpriseType.LLC: (
        "有限责任公司（自然人投资或控股）",
        "limited liability company (natural-person owned)",
    ),
    EnterpriseType.ONE_PERSON_LLC: (
        "有限责任公司（自然人独资）",
        "one-person limited liability company",
    ),
    EnterpriseType.SOLE_PROPRIETORSHIP: ("个人独资企业", "sole proprietorship"),
    EnterpriseType.PARTNERSHIP: ("普通合伙企业", "general partnership"),
}


class OfficerRole(enum.StrEnum):
    UNSPECIFIED = "unspecified"
    CHAIR = "chair"
    DIRECTOR = "director"
    SOLE_DIRECTOR = "sole_director"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    EXECUTIVE_PARTNER = "executive_partner"


DIRECTOR_ROLES = frozenset({OfficerRole.CHAIR, OfficerRole.DIRECTOR, OfficerRole.SOLE_DIRECTOR})
ROLES_BY_TYPE = {
    EnterpriseType.LLC: DIRECTOR_ROLES | {OfficerRole.SUPERVISOR, OfficerRole.MANAGER},
    EnterpriseType.ONE_PERSON_LLC: DIRECTOR_ROLES | {OfficerRole.SUPERVISOR, OfficerRole.MANAGER},
    EnterpriseType.SOLE_PROPRIETORSHIP: frozenset({OfficerRole.MANAGER}),
    EnterpriseType.PARTNERSHIP: frozenset({OfficerRole.EXECUTIVE_PARTNER, OfficerRole.MANAGER}),
}
ROLE_LABELS = {
    OfficerRole.CHAIR: ("董事长", "chair"),
    OfficerRole.DIRECTOR: ("董事", "director"),
    OfficerRole.SOLE_DIRECTOR: ("董事（不设董事会）", "sole director"),
    OfficerRole.SUPERVISOR: ("监事", "supervisor"),
    OfficerRole.MANAGER: ("经理", "manager"),
    OfficerRole.EXECUTIVE_PARTNER: ("执行事务合伙人", "executive partner"),
}


class IdType(enum.StrEnum):
    UNSPECIFIED = "unspecified"
    CITIZEN_ID = "citizen_id"
    PASSPORT = "passport"
    HK_MACAO_PERMIT = "hk_macao_permit"
    TAIWAN_PERMIT = "taiwan_permit"
    FOREIGN_PERMANENT_RESIDENT = "foreign_permanent_resident"


class ContributionForm(enum.StrEnum):
    UNSPECIFIED = "unspecified"
    CURRENCY = "currency"
    IN_KIND = "in_kind"
    INTELLECTUAL_PROPERTY = "intellectual_property"
    LAND_USE_RIGHT = "land_use_right"


# --------------------------------------------------------------------------- the form


@dataclass(frozen=True)
class Person:
    name: str
    id_type: IdType
    id_number: str
    nationality: str = ""

    @property
    def identity(self) -> tuple[str, str]:
        return (self.id_type.value, self.id_number)


@dataclass(frozen=True)
class Shareholder:
    person: Person
    amount: str
    currency: str
    form: ContributionForm
    due_date: str


@dataclass(frozen=True)
class Officer:
    person: Person
    role: OfficerRole


@dataclass(frozen=True)
class ScopeChoice:
    code: str
    name_zh: str


@dataclass(frozen=True)
class Address:
    division_code: str
    province: str = ""
    city: str = ""
    district: str = ""
    detail: str = ""
    postal_code: str = ""

    @property
    def text(self) -> str:
        parts = [self.province, self.city if self.city != self.province else "", self.district]
        return "".join(part for part in parts if part) + self.detail


@dataclass(frozen=True)
class CompanyName:
    division: str
    trade_name: str
    industry: str
    organisational_form: str
    industry_code: str = ""

    @property
    def full(self) -> str:
        return f"{self.division}{self.trade_name}{self.industry}{self.organisational_form}"


@dataclass(frozen=True)
class Material:
    code: str
    name_zh: str
    name_en: str = ""


@dataclass(frozen=True)
class Commitment:
    materials: tuple[Material, ...] = ()
    text: str = ""
    agreed: bool = False

    @property
    def used(self) -> bool:
        return bool(self.materials)


@dataclass(frozen=True)
class Application:
    name: CompanyName
    enterprise_type: EnterpriseType
    capital_amount: str
    capital_currency: str
    scope: tuple[ScopeChoice, ...]
    domicile: Address
    legal_representative: Person
    shareholders: tuple[Shareholder, ...]
    officers: tuple[Officer, ...]
    commitment: Commitment = field(default_factory=Commitment)
    operating_term_years: int = 0
    # What the form sent as the enterprise type when it names no type known here (a number from
    # a newer or a forged client, e.g. "99"); ``enterprise_type`` is then UNSPECIFIED.
    enterprise_type_unknown: str = ""
