"""The rules of company registration in Baodi, pure: the application form as values, every check
that form must pass (all problems at once, field by field, in Chinese and English), the
automatic-approval rule set, USCC assignment and the printed fields of the business license.

No I/O, nameko, SQLAlchemy or protobuf here: the reference data arrives as :class:`ReferenceData`
(loaded by ``svc_registration.reference``), the credit list as :class:`CreditStatus`, time as
arguments.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from onestop_common.clock import SHANGHAI, to_shanghai
from onestop_common.errors import RuleViolation, violation
from onestop_common.identifiers import (
    USCC_ALPHABET,
    make_orgcode,
    make_uscc,
    mask_id_number,
    parse_citizen_id,
    validate_citizen_id,
    validate_orgcode,
)

PARTICIPANT = "registration"

# The registration authority this service stands for: Baodi district, Tianjin (GB/T 2260).
REGISTRATION_AREA = "120115"
REGISTRATION_AUTHORITY_ZH = "天津市宝坻区市场监督管理局"
REGISTRATION_AUTHORITY_EN = (
    "Market Supervision and Administration Bureau of Baodi District, Tianjin"
)
# GB 32100-2015: registration-management authority code 9 = market regulation (工商/市场监管).
AUTHORITY_CODE = "9"
CURRENCY = "CNY"

# 告知承诺制: the seed document gives the applicant 60 days "自承诺之日起" (from the day of the
# commitment) to supply the promised materials; see ``commitment_terms``.
COMMITMENT_DAYS = 60
NAME_RESERVATION_MONTHS = 2
DEREGISTERED_NAME_HOLD_DAYS = 365
CONTRIBUTION_YEARS = 5
LLC_MAX_SHAREHOLDERS = 50
ADULT_AGE = 18

# What the QR code on the license points at: the public status lookup (GetLicenseStatus).
STATUS_LOOKUP = "onestop://registration/license-status"


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

# GB 32100-2015 Annex A, authority 9: category 1 企业 (enterprise), 2 个体工商户 (individual
# business), 3 农民专业合作社 (farmers' cooperative). A sole proprietorship (个人独资企业) and a
# partnership (合伙企业) are enterprises in law (个人独资企业法 Art.2, 合伙企业法 Art.2), not
# individual businesses, so every type this service registers takes category 1.
USCC_CATEGORY = {
    EnterpriseType.LLC: "1",
    EnterpriseType.ONE_PERSON_LLC: "1",
    EnterpriseType.SOLE_PROPRIETORSHIP: "1",
    EnterpriseType.PARTNERSHIP: "1",
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


# --------------------------------------------------------------------------- reference data


@dataclass(frozen=True)
class ProhibitedPattern:
    article: str
    category: str
    pattern: re.Pattern[str] | None
    kind: str  # "prohibited" or "restricted"
    note: str
    verified: str
    source: str


@dataclass(frozen=True)
class Industry:
    section: str
    division_code: str
    name_zh: str
    name_en: str
    name_words: tuple[str, ...]
    # The source's parenthesised remark instead of words, e.g. "not for companies".
    remark: str
    verified: str
    source: str

    @property
    def code(self) -> str:
        return self.division_code or self.section

    @property
    def not_for_companies(self) -> bool:
        return "not for companies" in self.remark

    @property
    def restricted(self) -> bool:
        return bool(self.remark) and not self.not_for_companies


@dataclass(frozen=True)
class ScopeEntry:
    name_zh: str
    kind: str  # "general" or "licensed"
    approving_department: str
    verified: str
    source: str


@dataclass(frozen=True)
class PaidInIndustry:
    no: int
    industry_zh: str
    legal_basis: str
    match_words: tuple[str, ...]
    verified: str
    source: str


@dataclass(frozen=True)
class Division:
    code: str
    name_zh: str
    name_en: str
    level: str


@dataclass(frozen=True)
class OrgForm:
    enterprise_type: EnterpriseType
    form: str
    verified: str
    source: str


@dataclass(frozen=True)
class ReferenceData:
    prohibited: tuple[ProhibitedPattern, ...]
    industries: Mapping[str, Industry]
    scope: Mapping[str, ScopeEntry]
    paid_in: tuple[PaidInIndustry, ...]
    divisions: Mapping[str, Division]
    org_forms: tuple[OrgForm, ...]
    # File name -> content hash: the data a decision used, for replay.
    versions: Mapping[str, str] = field(default_factory=dict)

    @property
    def data_version(self) -> str:
        return ",".join(f"{name}@{digest}" for name, digest in sorted(self.versions.items()))

    def forms_for(self, enterprise_type: EnterpriseType) -> tuple[str, ...]:
        return tuple(f.form for f in self.org_forms if f.enterprise_type is enterprise_type)

    def section_of(self, code: str) -> str | None:
        industry = self.industries.get(code)
        return industry.section if industry else None

    def industry_words(self, code: str) -> frozenset[str]:
        """Words that may stand for ``code`` in a name: its own, its section's and, for a
        section, its divisions'."""
        industry = self.industries.get(code)
        if industry is None:
            return frozenset()
        related = [
            other
            for other in self.industries.values()
            if other.section == industry.section
            and (other.code == industry.section or not industry.division_code)
        ]
        words = {word for other in (industry, *related) for word in other.name_words}
        return frozenset(words)

    def all_industry_words(self) -> frozenset[str]:
        return frozenset(word for ind in self.industries.values() for word in ind.name_words)

    def place_names(self) -> frozenset[str]:
        """Division names with and without their suffix (天津市 and 天津)."""
        names: set[str] = set()
        for division in self.divisions.values():
            names.add(division.name_zh)
            names.add(strip_division_suffix(division.name_zh))
        return frozenset(n for n in names if n)

    def area_prefixes(self, area: str) -> frozenset[str]:
        """What the administrative-division part of a name may say for ``area``: the district,
        its city or province, with or without suffixes, and the two combined (天津宝坻)."""
        district = self.divisions.get(area)
        parent = self.divisions.get(area[:2] + "0000")
        forms: set[str] = set()
        district_forms = _name_forms(district.name_zh) if district else set()
        parent_forms = _name_forms(parent.name_zh) if parent else set()
        forms |= district_forms | parent_forms
        forms |= {p + d for p in parent_forms for d in district_forms}
        return frozenset(forms)


_DIVISION_SUFFIXES = ("特别行政区", "自治区", "新区", "省", "市", "区", "县")


def strip_division_suffix(name: str) -> str:
    for suffix in _DIVISION_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _name_forms(name: str) -> set[str]:
    return {name, strip_division_suffix(name)}


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Flag:
    """Not an error, but a reason for a person to look: prior approval, restricted words, …"""

    code: str
    message_zh: str
    message_en: str

    @property
    def text(self) -> str:
        return f"{self.code}: {self.message_en} / {self.message_zh}"


@dataclass(frozen=True)
class CreditStatus:
    """Which of the application's people are on the bad-credit list (looked up by the store)."""

    applicant_listed: bool = False
    # Paths of listed people in the form: "legal_representative", "shareholders[0]", …
    listed_people: frozenset[str] = frozenset()
    # Those of them listed as judgment defaulters (失信被执行人), who may hold no office.
    barred_people: frozenset[str] = frozenset()

    @property
    def legal_representative_listed(self) -> bool:
        return "legal_representative" in self.listed_people

    @property
    def clean(self) -> bool:
        return not self.applicant_listed and not self.listed_people


@dataclass(frozen=True)
class Validation:
    violations: tuple[RuleViolation, ...]
    flags: tuple[Flag, ...]
    # The industry section the name stands in (for the uniqueness key), if it could be told.
    industry_section: str | None = None

    @property
    def ok(self) -> bool:
        return not self.violations


def _v(path: str, rule: str, zh: str, en: str) -> RuleViolation:
    return violation(path, rule, zh, en)


# --------------------------------------------------------------------------- names

_CJK = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+$")
_PARENS = str.maketrans({"(": "（", ")": "）", " ": "", "\u3000": ""})


def normalise_wording(text: str) -> str:
    """Scope wordings and name forms compare with full-width brackets and no spaces."""
    return text.strip().translate(_PARENS)


def check_name(
    name: CompanyName,
    enterprise_type: EnterpriseType,
    ref: ReferenceData,
    *,
    area: str = REGISTRATION_AREA,
    base: str = "form.name",
) -> Validation:
    """The form of the name and its words; uniqueness needs the database and is the store's."""
    found: list[RuleViolation] = []
    flags: list[Flag] = []
    division, trade = name.division.strip(), name.trade_name.strip()
    industry_word, org_form = name.industry.strip(), normalise_wording(name.organisational_form)

    if not division:
        found.append(
            _v(
                f"{base}.division",
                "name.division_required",
                "名称须以登记机关所在地的行政区划名称开头",
                "the name must begin with the administrative division of the registration area",
            )
        )
    elif division not in ref.area_prefixes(area):
        allowed = "、".join(sorted(ref.area_prefixes(area), key=lambda text: (len(text), text)))
        found.append(
            _v(
                f"{base}.division",
                "name.division_outside_area",
                f"行政区划“{division}”不是本登记机关辖区（可用：{allowed}）",
                f"division '{division}' is not this registration area (use one of: {allowed})",
            )
        )

    found += _trade_name_problems(trade, industry_word, ref, f"{base}.trade_name")
    section, industry_problems, industry_flags = _industry_problems(
        name, ref, f"{base}.industry", f"{base}.industry_code"
    )
    found += industry_problems
    flags += industry_flags
    found += _form_problems(org_form, enterprise_type, ref, f"{base}.organisational_form")

    words_found, word_flags = _prohibited_words(name, ref, base)
    found += words_found
    flags += word_flags
    return Validation(tuple(found), tuple(flags), section)


def _trade_name_problems(
    trade: str, industry_word: str, ref: ReferenceData, path: str
) -> list[RuleViolation]:
    if not trade:
        return [
            _v(path, "name.trade_name_required", "请填写字号", "the trade name (字号) is required")
        ]
    found: list[RuleViolation] = []
    if not _CJK.match(trade):
        found.append(
            _v(
                path,
                "name.trade_name_chinese",
                "字号只能由汉字组成（不含字母、数字、符号或空格）",
                "the trade name must consist of Chinese characters only "
                "(no letters, digits, symbols or spaces)",
            )
        )
    if len(trade) < 2:
        found.append(
            _v(
                path,
                "name.trade_name_length",
                "字号应当由两个以上汉字组成",
                "the trade name must have at least two Chinese characters",
            )
        )
    if trade in ref.place_names():
        found.append(
            _v(
                path,
                "name.trade_name_place",
                f"字号“{trade}”是行政区划名称，不能作为字号",
                f"the trade name '{trade}' is an administrative division name",
            )
        )
    if trade in ref.all_industry_words() or (industry_word and trade == industry_word):
        found.append(
            _v(
                path,
                "name.trade_name_industry_word",
                f"字号“{trade}”是行业用语，不能作为字号",
                f"the trade name '{trade}' is an industry word, not a trade name",
            )
        )
    return found


def _industry_problems(
    name: CompanyName, ref: ReferenceData, word_path: str, code_path: str
) -> tuple[str | None, list[RuleViolation], list[Flag]]:
    word, code = name.industry.strip(), name.industry_code.strip()
    found: list[RuleViolation] = []
    flags: list[Flag] = []
    if not word:
        found.append(
            _v(
                word_path,
                "name.industry_required",
                "请填写行业或经营特点用语",
                "the industry word is required",
            )
        )
    if not code:
        found.append(
            _v(
                code_path,
                "name.industry_code_required",
                "请选择行业用语对应的国民经济行业分类（GB/T 4754）代码",
                "choose the GB/T 4754 industry code the industry word stands for",
            )
        )
        return None, found, flags
    industry = ref.industries.get(code)
    if industry is None:
        found.append(
            _v(
                code_path,
                "name.industry_code_unknown",
                f"“{code}”不是国民经济行业分类（GB/T 4754-2017）的门类或大类代码",
                f"'{code}' is not a GB/T 4754-2017 section or division code",
            )
        )
        return None, found, flags
    if industry.not_for_companies:
        found.append(
            _v(
                code_path,
                "name.industry_not_for_enterprises",
                f"行业“{industry.name_zh}”不适用于企业登记",
                f"the industry '{industry.name_en}' is not open to enterprises",
            )
        )
        return industry.section, found, flags
    if industry.restricted:
        flags.append(
            Flag(
                "name.industry_restricted",
                f"行业“{industry.name_zh}”需经主管部门许可（{industry.remark}），须人工审查",
                f"the industry '{industry.name_en}' needs its regulator's approval "
                f"({industry.remark}); an officer must review",
            )
        )
    allowed = ref.industry_words(code)
    if word and allowed and word not in allowed:
        shown = "、".join(sorted(allowed))
        found.append(
            _v(
                word_path,
                "name.industry_word_mismatch",
                f"行业用语“{word}”不属于“{industry.name_zh}”（可用：{shown}）",
                f"'{word}' does not describe the industry '{industry.name_en}' "
                f"(use one of: {shown})",
            )
        )
    return industry.section, found, flags


def _form_problems(
    org_form: str, enterprise_type: EnterpriseType, ref: ReferenceData, path: str
) -> list[RuleViolation]:
    if not org_form:
        return [
            _v(
                path,
                "name.form_required",
                "请填写组织形式（如“有限公司”）",
                "the organisational form (e.g. 有限公司) is required",
            )
        ]
    if enterprise_type is EnterpriseType.UNSPECIFIED:
        return []  # reported at form.enterprise_type
    allowed = ref.forms_for(enterprise_type)
    if org_form in allowed:
        return []
    label_zh, label_en = TYPE_LABELS[enterprise_type]
    shown = "、".join(allowed)
    return [
        _v(
            path,
            "name.form_mismatch",
            f"组织形式“{org_form}”与企业类型“{label_zh}”不符（可用：{shown}）",
            f"the organisational form '{org_form}' does not fit a {label_en} (use one of: {shown})",
        )
    ]


def _prohibited_words(
    name: CompanyName, ref: ReferenceData, base: str
) -> tuple[list[RuleViolation], list[Flag]]:
    """Art. 11 and 12 of the 2021 name regulation, as far as the data file has words for them."""
    full = name.full
    spans = _part_spans(name, base)
    found: list[RuleViolation] = []
    flags: list[Flag] = []
    seen: set[tuple[str, str]] = set()
    for entry in ref.prohibited:
        if entry.pattern is None:
            continue
        match = entry.pattern.search(full)
        if match is None:
            continue
        word = match.group(0)
        if (entry.article, word) in seen:
            continue
        seen.add((entry.article, word))
        caveat_zh, caveat_en = _verified_caveat(entry.verified)
        if entry.kind == "prohibited":
            found.append(
                _v(
                    _field_at(spans, match.start(), base),
                    "name.prohibited_word",
                    f"名称含有禁用内容“{word}”（{_article_zh(entry.category)}）{caveat_zh}",
                    f"the name contains '{word}', barred by {entry.article} of the 2021 enterprise "
                    f"name regulation{caveat_en}",
                )
            )
        else:
            flags.append(
                Flag(
                    "name.restricted_word",
                    f"名称含有限制使用的字词“{word}”（{entry.category}），须人工审查{caveat_zh}",
                    f"the name contains '{word}', restricted by {entry.article}; an officer "
                    f"must review{caveat_en}",
                )
            )
    return found, flags


_ARTICLE = re.compile(r"Art\.\s*(\d+)\((\d+)\)")


def _article_zh(text: str) -> str:
    """ "Art.11(1) 损害…" as a Chinese page says it: "第11条第（1）项 损害…"."""
    return _ARTICLE.sub(lambda m: f"第{m.group(1)}条第（{m.group(2)}）项", text)


# How far a reference row was checked, said in Chinese on Chinese pages (no status words).
_CHECKED_ZH = {"partial": "仅部分核对", "unverified": "尚未核对"}


def _checked_zh(verified: str) -> str:
    return _CHECKED_ZH.get(verified, "尚未核对")


def _verified_caveat(verified: str) -> tuple[str, str]:
    if verified == "yes":
        return "", ""
    return (
        f"（所依据的参考数据{_checked_zh(verified)}官方文本，以官方文本为准）",
        f" (reference data {verified}: check the official text)",
    )


def _part_spans(name: CompanyName, base: str) -> list[tuple[int, int, str]]:
    spans = []
    start = 0
    for part, attr in (
        (name.division, "division"),
        (name.trade_name, "trade_name"),
        (name.industry, "industry"),
        (name.organisational_form, "organisational_form"),
    ):
        spans.append((start, start + len(part), f"{base}.{attr}"))
        start += len(part)
    return spans


def _field_at(spans: list[tuple[int, int, str]], offset: int, base: str) -> str:
    for begin, end, path in spans:
        if begin <= offset < end:
            return path
    return base


def name_hold_keys(
    name: CompanyName, section: str, area: str = REGISTRATION_AREA
) -> tuple[str, ...]:
    """The keys a name occupies in its registration area: its trade name within its industry
    (GB/T 4754 section) and its full text. One row per key, unique in the database."""
    return (
        f"trade|{area}|{section}|{name.trade_name.strip()}",
        f"full|{area}|{normalise_wording(name.full)}",
    )


_HOLD_STATES_ZH = {"reserved": "保留中", "registered": "已登记", "deregistered": "注销未满一年"}


def duplicate_name(held_name: str, state: str) -> RuleViolation:
    """The rejection when the name's keys are held by another case (see ``name_hold_keys``)."""
    return _v(
        "form.name.trade_name",
        "name.duplicate",
        f"本登记机关辖区内同行业已有相同字号的企业名称“{held_name}”"
        f"（{_HOLD_STATES_ZH.get(state, state)}），请更换字号",
        f"the registration area already has this trade name in the same industry "
        f"('{held_name}', {state}); choose another trade name",
    )


def add_months(moment: datetime, months: int) -> datetime:
    """The same day ``months`` later, or the month's last day when it has no such day."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    for day in range(moment.day, 27, -1):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return moment.replace(year=year, month=month, day=min(moment.day, 28))


def reservation_expiry(now: datetime) -> datetime:
    return add_months(now, NAME_RESERVATION_MONTHS)


def deregistered_hold_expiry(now: datetime) -> datetime:
    return now + timedelta(days=DEREGISTERED_NAME_HOLD_DAYS)


# --------------------------------------------------------------------------- the whole form


def validate_application(
    app: Application,
    ref: ReferenceData,
    *,
    today: date,
    credit: CreditStatus = CreditStatus(),
    area: str = REGISTRATION_AREA,
) -> Validation:
    """Every rule of the registration step, all at once."""
    found: list[RuleViolation] = []
    flags: list[Flag] = []
    if app.enterprise_type_unknown:
        found.append(
            _v(
                "form.enterprise_type",
                "enterprise_type.unknown",
                f"企业类型“{app.enterprise_type_unknown}”不在可选范围内，请选择有限责任公司、"
                "一人有限责任公司、个人独资企业或普通合伙企业",
                f"enterprise type '{app.enterprise_type_unknown}' is not one of the choices: "
                "choose LLC, one-person LLC, sole proprietorship or general partnership",
            )
        )
    elif app.enterprise_type is EnterpriseType.UNSPECIFIED:
        found.append(
            _v(
                "form.enterprise_type",
                "enterprise_type.required",
                "请选择企业类型（有限责任公司、一人有限责任公司、个人独资企业或普通合伙企业）",
                "choose the enterprise type (LLC, one-person LLC, sole proprietorship or "
                "general partnership)",
            )
        )
    name = check_name(app.name, app.enterprise_type, ref, area=area)
    found += name.violations
    flags += name.flags
    found += _capital_problems(app, today)
    found += _people_problems(app, today)
    scope_found, scope_flags = _scope_problems(app.scope, ref)
    found += scope_found
    flags += scope_flags
    flags += _paid_in_flags(app, ref)
    found += _domicile_problems(app.domicile, ref, area)
    if app.operating_term_years < 0:
        found.append(
            _v(
                "form.operating_term_years",
                "operating_term.negative",
                "营业期限不能为负数（0 表示长期）",
                "the operating term cannot be negative (0 means no fixed term)",
            )
        )
    found += _commitment_problems(app.commitment, credit)
    found += _office_bar_problems(app, credit)
    return Validation(tuple(found), tuple(flags), name.industry_section)


def parse_amount(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        return None
    return value if value.is_finite() else None


def _money_problems(
    path: str, amount: str, currency: str, what_zh: str, what_en: str
) -> tuple[Decimal | None, list[RuleViolation]]:
    found: list[RuleViolation] = []
    if not amount.strip():
        return None, [
            _v(f"{path}.amount", "money.required", f"请填写{what_zh}", f"{what_en} is required")
        ]
    value = parse_amount(amount)
    if value is None:
        return None, [
            _v(
                f"{path}.amount",
                "money.decimal",
                f"{what_zh}“{amount}”不是有效的十进制金额",
                f"{what_en} '{amount}' is not a decimal amount",
            )
        ]
    if value <= 0:
        found.append(
            _v(
                f"{path}.amount",
                "money.positive",
                f"{what_zh}必须大于零",
                f"{what_en} must be greater than zero",
            )
        )
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        found.append(
            _v(
                f"{path}.amount",
                "money.cents",
                f"{what_zh}最多保留两位小数（到分）",
                f"{what_en} has more than two decimal places",
            )
        )
    if currency != CURRENCY:
        found.append(
            _v(
                f"{path}.currency",
                "money.currency",
                f"币种须为人民币（CNY），实际为“{currency}”",
                f"the currency must be CNY, got '{currency}'",
            )
        )
    return (value if not found else None), found


def five_years_after(day: date) -> date:
    try:
        return day.replace(year=day.year + CONTRIBUTION_YEARS)
    except ValueError:  # 29 February
        return day.replace(year=day.year + CONTRIBUTION_YEARS, day=28)


def _capital_problems(app: Application, today: date) -> list[RuleViolation]:
    found: list[RuleViolation] = []
    total, problems = _money_problems(
        "form.registered_capital",
        app.capital_amount,
        app.capital_currency,
        "注册资本（出资额）",
        "the registered capital",
    )
    found += problems
    amounts: list[Decimal | None] = []
    for i, holder in enumerate(app.shareholders):
        path = f"form.shareholders[{i}]"
        amount, problems = _money_problems(
            f"{path}.subscribed", holder.amount, holder.currency, "认缴出资额", "the subscription"
        )
        found += problems
        amounts.append(amount)
        if holder.form is ContributionForm.UNSPECIFIED:
            found.append(
                _v(
                    f"{path}.form",
                    "contribution.form_required",
                    "请选择出资方式（货币、实物、知识产权或土地使用权）",
                    "choose the form of contribution (currency, in kind, IP or land-use right)",
                )
            )
        found += _due_date_problems(f"{path}.due_date", holder.due_date, app, today)
    if total is not None and amounts and all(a is not None for a in amounts):
        subscribed = sum((a for a in amounts if a is not None), Decimal(0))
        if subscribed != total:
            found.append(
                _v(
                    "form.shareholders",
                    "capital.sum_mismatch",
                    f"各出资人认缴出资额合计 {subscribed} 元，与注册资本 {total} 元不相等",
                    f"the subscriptions add up to {subscribed} CNY but the registered capital "
                    f"is {total} CNY",
                )
            )
    return found


def _due_date_problems(path: str, text: str, app: Application, today: date) -> list[RuleViolation]:
    is_company = app.enterprise_type in LLC_TYPES
    if not text.strip():
        if not is_company:
            return []
        return [
            _v(
                path,
                "contribution.due_date_required",
                "请填写认缴出资的缴足期限（成立之日起五年内）",
                "give the date the subscription is paid in full (within five years)",
            )
        ]
    try:
        due = date.fromisoformat(text.strip())
    except ValueError:
        return [
            _v(
                path,
                "contribution.due_date_format",
                f"“{text}”不是 YYYY-MM-DD 格式的日期",
                f"'{text}' is not a YYYY-MM-DD date",
            )
        ]
    if due < today:
        return [
            _v(
                path,
                "contribution.due_date_past",
                "缴足期限不能早于成立日期（今天）",
                "the payment date cannot be before the date of establishment (today)",
            )
        ]
    limit = five_years_after(today)
    if is_company and due > limit:
        return [
            _v(
                path,
                "contribution.due_date_5_years",
                f"有限责任公司股东认缴的出资额应自成立之日起五年内缴足（最迟 {limit.isoformat()}，"
                "公司法第四十七条）",
                f"an LLC's subscribed capital must be paid within five years of establishment "
                f"(by {limit.isoformat()}, Company Law 2023 Art. 47)",
            )
        ]
    return []


_OTHER_ID = re.compile(r"^[A-Z0-9]{5,20}$")


def _person_problems(path: str, person: Person, today: date) -> list[RuleViolation]:
    found: list[RuleViolation] = []
    if not person.name.strip():
        found.append(
            _v(f"{path}.name", "person.name_required", "请填写姓名", "the name is required")
        )
    if person.id_type is IdType.UNSPECIFIED:
        found.append(
            _v(
                f"{path}.id_type",
                "person.id_type_required",
                "请选择证件类型",
                "choose the type of identity document",
            )
        )
        return found
    number = person.id_number
    if not number:
        found.append(
            _v(
                f"{path}.id_number",
                "person.id_number_required",
                "请填写证件号码",
                "the identity document number is required",
            )
        )
        return found
    if person.id_type is IdType.CITIZEN_ID:
        verdict = validate_citizen_id(number, today=today)
        if not verdict.ok:
            found.append(
                _v(
                    f"{path}.id_number",
                    f"id_number.{verdict.rule}",
                    verdict.reason_zh,
                    verdict.reason_en,
                )
            )
            return found
        age = parse_citizen_id(number, today=today).age_on(today)
        if age < ADULT_AGE:
            found.append(
                _v(
                    f"{path}.id_number",
                    "person.age",
                    f"须年满 {ADULT_AGE} 周岁（按身份证出生日期计算为 {age} 岁）",
                    f"must be at least {ADULT_AGE} years old (the ID number gives {age})",
                )
            )
    elif not _OTHER_ID.match(number):
        found.append(
            _v(
                f"{path}.id_number",
                "id_number.format",
                "证件号码应为 5–20 位数字或大写字母",
                "the document number must be 5–20 digits or uppercase letters",
            )
        )
    return found


def _people_problems(app: Application, today: date) -> list[RuleViolation]:
    found: list[RuleViolation] = []
    etype = app.enterprise_type
    found += _person_problems("form.legal_representative", app.legal_representative, today)
    for i, holder in enumerate(app.shareholders):
        found += _person_problems(f"form.shareholders[{i}].person", holder.person, today)
    for i, officer in enumerate(app.officers):
        found += _person_problems(f"form.officers[{i}].person", officer.person, today)
    found += _name_consistency(app)
    found += _shareholder_count_problems(app)
    seen: dict[tuple[str, str], int] = {}
    for i, holder in enumerate(app.shareholders):
        key = holder.person.identity
        if holder.person.id_number and key in seen:
            found.append(
                _v(
                    f"form.shareholders[{i}].person.id_number",
                    "shareholders.duplicate",
                    f"与第 {seen[key] + 1} 位出资人是同一人，请合并为一项出资",
                    f"the same person as shareholder {seen[key] + 1}; combine the subscriptions",
                )
            )
        seen.setdefault(key, i)
    if etype is EnterpriseType.UNSPECIFIED:
        return found
    found += _officer_problems(app)
    found += _legal_rep_problems(app)
    return found


def _name_consistency(app: Application) -> list[RuleViolation]:
    """One ID number, one name: the same person must be written the same way everywhere."""
    names: dict[tuple[str, str], str] = {}
    people = [("form.legal_representative", app.legal_representative)]
    people += [(f"form.shareholders[{i}].person", h.person) for i, h in enumerate(app.shareholders)]
    people += [(f"form.officers[{i}].person", o.person) for i, o in enumerate(app.officers)]
    found = []
    for path, person in people:
        if not person.id_number or not person.name.strip():
            continue
        first = names.setdefault(person.identity, person.name.strip())
        if first != person.name.strip():
            found.append(
                _v(
                    f"{path}.name",
                    "person.name_mismatch",
                    f"同一证件号码在表中登记为“{first}”，此处为“{person.name.strip()}”",
                    "the same ID number appears elsewhere in the form with a different name",
                )
            )
    return found


def _shareholder_count_problems(app: Application) -> list[RuleViolation]:
    count = len(app.shareholders)
    etype = app.enterprise_type
    if count == 0:
        return [
            _v(
                "form.shareholders",
                "shareholders.required",
                "至少需要一名股东（出资人）",
                "at least one shareholder (investor) is required",
            )
        ]
    if etype is EnterpriseType.LLC and count > LLC_MAX_SHAREHOLDERS:
        return [
            _v(
                "form.shareholders",
                "shareholders.max_50",
                f"有限责任公司股东不得超过 {LLC_MAX_SHAREHOLDERS} 人（实际 {count} 人）",
                f"an LLC has at most {LLC_MAX_SHAREHOLDERS} shareholders, got {count}",
            )
        ]
    if etype is EnterpriseType.ONE_PERSON_LLC and count != 1:
        return [
            _v(
                "form.shareholders",
                "shareholders.one_person",
                f"自然人独资的有限责任公司只能有一名股东（实际 {count} 人）",
                f"a one-person LLC has exactly one shareholder, got {count}",
            )
        ]
    if etype is EnterpriseType.SOLE_PROPRIETORSHIP and count != 1:
        return [
            _v(
                "form.shareholders",
                "shareholders.sole_investor",
                f"个人独资企业只能由一名自然人投资（实际 {count} 人）",
                f"a sole proprietorship has exactly one investor, got {count}",
            )
        ]
    if etype is EnterpriseType.PARTNERSHIP and count < 2:
        return [
            _v(
                "form.shareholders",
                "shareholders.partnership_min_2",
                "普通合伙企业至少需要两名合伙人",
                "a general partnership needs at least two partners",
            )
        ]
    return []


def _officer_problems(app: Application) -> list[RuleViolation]:
    etype = app.enterprise_type
    found: list[RuleViolation] = []
    allowed = ROLES_BY_TYPE[etype]
    type_zh, type_en = TYPE_LABELS[etype]
    seen: set[tuple[tuple[str, str], OfficerRole]] = set()
    for i, officer in enumerate(app.officers):
        path = f"form.officers[{i}].role"
        if officer.role is OfficerRole.UNSPECIFIED:
            found.append(
                _v(path, "officers.role_required", "请选择职务", "choose the officer's role")
            )
            continue
        if officer.role not in allowed:
            role_zh, role_en = ROLE_LABELS[officer.role]
            found.append(
                _v(
                    path,
                    "officers.role_not_for_type",
                    f"{type_zh}不设“{role_zh}”",
                    f"a {type_en} has no {role_en}",
                )
            )
        key = (officer.person.identity, officer.role)
        if key in seen:
            found.append(
                _v(
                    path,
                    "officers.duplicate",
                    "同一人重复登记了相同职务",
                    "the same person is listed twice in the same role",
                )
            )
        seen.add(key)
    roles = [o.role for o in app.officers]
    if etype in LLC_TYPES:
        if not any(role in DIRECTOR_ROLES for role in roles):
            found.append(
                _v(
                    "form.officers",
                    "officers.director_required",
                    "公司须设董事会或一名董事",
                    "a company needs a board of directors or a sole director",
                )
            )
        if OfficerRole.SOLE_DIRECTOR in roles and (
            OfficerRole.CHAIR in roles or OfficerRole.DIRECTOR in roles
        ):
            found.append(
                _v(
                    "form.officers",
                    "officers.sole_director_with_board",
                    "设一名董事（不设董事会）时不能同时登记董事长或其他董事",
                    "a sole director excludes a chair or other directors",
                )
            )
        for role, rule in (
            (OfficerRole.SOLE_DIRECTOR, "officers.one_sole_director"),
            (OfficerRole.CHAIR, "officers.one_chair"),
            (OfficerRole.MANAGER, "officers.one_manager"),
        ):
            if roles.count(role) > 1:
                role_zh, role_en = ROLE_LABELS[role]
                found.append(
                    _v(
                        "form.officers",
                        rule,
                        f"只能登记一名{role_zh}",
                        f"only one {role_en} may be registered",
                    )
                )
        managers = {
            o.person.identity
            for o in app.officers
            if o.role in DIRECTOR_ROLES | {OfficerRole.MANAGER}
        }
        for i, officer in enumerate(app.officers):
            if officer.role is OfficerRole.SUPERVISOR and officer.person.identity in managers:
                found.append(
                    _v(
                        f"form.officers[{i}].person",
                        "officers.supervisor_conflict",
                        "董事、高级管理人员不得兼任监事",
                        "a director or manager cannot also be a supervisor",
                    )
                )
    if etype is EnterpriseType.PARTNERSHIP:
        partners = {h.person.identity for h in app.shareholders}
        executives = [
            (i, o) for i, o in enumerate(app.officers) if o.role is OfficerRole.EXECUTIVE_PARTNER
        ]
        if not executives:
            found.append(
                _v(
                    "form.officers",
                    "officers.executive_partner_required",
                    "请登记执行事务合伙人",
                    "name the executive partner",
                )
            )
        for i, officer in executives:
            if officer.person.identity not in partners:
                found.append(
                    _v(
                        f"form.officers[{i}].person",
                        "officers.executive_partner_not_partner",
                        "执行事务合伙人必须是合伙人",
                        "the executive partner must be one of the partners",
                    )
                )
    return found


def _legal_rep_problems(app: Application) -> list[RuleViolation]:
    rep = app.legal_representative.identity
    path = "form.legal_representative"
    etype = app.enterprise_type
    if not app.legal_representative.id_number:
        return []
    if etype in LLC_TYPES:
        eligible = {
            o.person.identity
            for o in app.officers
            if o.role in DIRECTOR_ROLES | {OfficerRole.MANAGER}
        }
        if rep not in eligible:
            return [
                _v(
                    path,
                    "legal_representative.not_director_or_manager",
                    "法定代表人应由代表公司执行公司事务的董事或者经理担任（公司法第十条），"
                    "请在董事或经理中登记此人",
                    "the legal representative must be a director or the manager "
                    "(Company Law 2023 Art. 10); list them as an officer",
                )
            ]
    elif etype is EnterpriseType.SOLE_PROPRIETORSHIP:
        if app.shareholders and rep != app.shareholders[0].person.identity:
            return [
                _v(
                    path,
                    "legal_representative.not_investor",
                    "个人独资企业的负责人应为投资人本人",
                    "a sole proprietorship is represented by its investor",
                )
            ]
    elif etype is EnterpriseType.PARTNERSHIP:
        executives = {
            o.person.identity for o in app.officers if o.role is OfficerRole.EXECUTIVE_PARTNER
        }
        if rep not in executives:
            return [
                _v(
                    path,
                    "legal_representative.not_executive_partner",
                    "合伙企业由执行事务合伙人对外代表",
                    "a partnership is represented by an executive partner",
                )
            ]
    return []


def _scope_problems(
    scope: Sequence[ScopeChoice], ref: ReferenceData
) -> tuple[list[RuleViolation], list[Flag]]:
    found: list[RuleViolation] = []
    flags: list[Flag] = []
    if not scope:
        return [
            _v(
                "form.business_scope",
                "business_scope.required",
                "请至少选择一项经营范围",
                "choose at least one business scope item",
            )
        ], flags
    seen: dict[str, int] = {}
    for i, item in enumerate(scope):
        path = f"form.business_scope[{i}]"
        wording = normalise_wording(item.name_zh)
        if item.code.strip():
            found.append(
                _v(
                    f"{path}.code",
                    "business_scope.code_unverifiable",
                    "所用经营范围目录没有条目代码，无法核对；请留空代码，只填规范表述",
                    "the catalogue in use has no item codes, so a code cannot be checked; "
                    "leave the code empty and give the standard wording",
                )
            )
        entry = ref.scope.get(wording)
        if entry is None:
            found.append(
                _v(
                    f"{path}.name_zh",
                    "business_scope.unknown",
                    f"“{item.name_zh}”不是经营范围规范表述目录中的条目",
                    f"'{item.name_zh}' is not a standard business-scope wording in the catalogue",
                )
            )
            continue
        if wording in seen:
            found.append(
                _v(
                    f"{path}.name_zh",
                    "business_scope.duplicate",
                    f"与第 {seen[wording] + 1} 项重复",
                    f"the same item as number {seen[wording] + 1}",
                )
            )
            continue
        seen[wording] = i
        if entry.kind == "licensed":
            dept = entry.approving_department or "主管部门"
            flags.append(
                Flag(
                    "business_scope.licensed",
                    f"“{entry.name_zh}”为许可项目，须经{dept}批准（审批部门未经核实），"
                    "不能自动审批",
                    f"'{entry.name_zh}' is a licensed activity needing approval by {dept} "
                    "(approving department not verified); no automatic approval",
                )
            )
        if entry.verified != "yes":
            flags.append(
                Flag(
                    "business_scope.unverified_entry",
                    f"目录条目“{entry.name_zh}”{_checked_zh(entry.verified)}官方目录，"
                    "须人工确认表述",
                    f"the catalogue entry '{entry.name_zh}' is {entry.verified}; an officer "
                    "must confirm the wording",
                )
            )
    return found, flags


def _paid_in_flags(app: Application, ref: ReferenceData) -> list[Flag]:
    texts = [app.name.full, *(normalise_wording(s.name_zh) for s in app.scope)]
    flags = []
    for industry in ref.paid_in:
        hit = next((w for w in industry.match_words for t in texts if w and w in t), None)
        if hit is None:
            continue
        flags.append(
            Flag(
                "capital.paid_in_industry",
                f"可能属于实行注册资本实缴登记的行业“{industry.industry_zh}”"
                f"（{industry.legal_basis}；该数据{_checked_zh(industry.verified)}官方文本），"
                "须人工审查",
                f"may be a paid-in-capital industry ({industry.industry_zh}, "
                f"{industry.legal_basis}; reference data {industry.verified}); an officer must "
                "review",
            )
        )
    return flags


_POSTAL = re.compile(r"^\d{6}$")
_DIVISION_CODE = re.compile(r"^\d{6}$")


def _domicile_problems(address: Address, ref: ReferenceData, area: str) -> list[RuleViolation]:
    found: list[RuleViolation] = []
    path = "form.domicile"
    area_name = ref.divisions[area].name_zh if area in ref.divisions else area
    if not _DIVISION_CODE.match(address.division_code):
        found.append(
            _v(
                f"{path}.division_code",
                "domicile.division_code_format",
                "住所的行政区划代码应为 6 位数字",
                "the domicile's division code must be six digits",
            )
        )
    elif address.division_code != area:
        found.append(
            _v(
                f"{path}.division_code",
                "domicile.outside_area",
                f"住所须位于本登记机关辖区（{area_name}，{area}）内",
                f"the domicile must lie in this registration area ({area_name}, {area})",
            )
        )
    elif address.district.strip() and address.district.strip() not in _name_forms(area_name):
        found.append(
            _v(
                f"{path}.district",
                "domicile.district_mismatch",
                f"区县“{address.district}”与行政区划代码 {area}（{area_name}）不一致",
                f"district '{address.district}' does not match division code {area}",
            )
        )
    if not address.detail.strip():
        found.append(
            _v(
                f"{path}.detail",
                "domicile.detail_required",
                "请填写住所的详细地址（街道、门牌号、楼栋和房间）",
                "give the street address (street, number, building and room)",
            )
        )
    if address.postal_code and not _POSTAL.match(address.postal_code):
        found.append(
            _v(
                f"{path}.postal_code",
                "domicile.postal_code_format",
                "邮政编码应为 6 位数字",
                "the postal code must be six digits",
            )
        )
    return found


_MATERIAL_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def _commitment_problems(commitment: Commitment, credit: CreditStatus) -> list[RuleViolation]:
    if not commitment.used:
        return []
    path = "form.commitment"
    found: list[RuleViolation] = []
    if not commitment.agreed:
        found.append(
            _v(
                f"{path}.agreed",
                "commitment.not_agreed",
                "使用告知承诺制须勾选同意承诺书",
                "the commitment route needs the applicant's agreement to the written commitment",
            )
        )
    if not commitment.text.strip():
        found.append(
            _v(
                f"{path}.commitment_text",
                "commitment.text_required",
                "请填写承诺内容（在 60 日内补交所列材料）",
                "give the text of the commitment (to supply the listed materials within 60 days)",
            )
        )
    seen: set[str] = set()
    for i, material in enumerate(commitment.materials):
        mpath = f"{path}.materials[{i}]"
        if not _MATERIAL_CODE.match(material.code):
            found.append(
                _v(
                    f"{mpath}.code",
                    "commitment.material_code",
                    "材料代码应为 2–40 位小写字母、数字或下划线，以字母开头",
                    "a material code is 2–40 lowercase letters, digits or underscores, "
                    "starting with a letter",
                )
            )
        elif material.code in seen:
            found.append(
                _v(
                    f"{mpath}.code",
                    "commitment.material_duplicate",
                    "同一材料重复承诺",
                    "the same material is listed twice",
                )
            )
        seen.add(material.code)
        if not material.name_zh.strip():
            found.append(
                _v(
                    f"{mpath}.name_zh",
                    "commitment.material_name_required",
                    "请填写所承诺材料的名称",
                    "name the promised material",
                )
            )
    if credit.applicant_listed:
        found.append(
            _v(
                path,
                "commitment.applicant_credit_listed",
                "申请人在失信名单中，不能适用告知承诺制，请提交全部材料",
                "the applicant is on the bad-credit list and cannot use the commitment route; "
                "submit every material",
            )
        )
    if credit.legal_representative_listed and "legal_representative" not in credit.barred_people:
        found.append(
            _v(
                "form.legal_representative.id_number",
                "commitment.legal_representative_credit_listed",
                "法定代表人在失信名单中，不能适用告知承诺制，请提交全部材料",
                "the legal representative is on the bad-credit list, so the commitment route "
                "is closed; submit every material",
            )
        )
    return found


def credit_people(app: Application) -> dict[str, Person]:
    """The people whose credit matters, by their path in the form."""
    people = {"legal_representative": app.legal_representative}
    for i, holder in enumerate(app.shareholders):
        people[f"shareholders[{i}]"] = holder.person
    for i, officer in enumerate(app.officers):
        people[f"officers[{i}].person"] = officer.person
    return {path: person for path, person in people.items() if person.id_number}


def _office_bar_problems(app: Application, credit: CreditStatus) -> list[RuleViolation]:
    """A judgment defaulter (失信被执行人) may not be the company's legal representative,
    director, supervisor or manager (Company Law 2023 Art. 178(1)(5)). Other listings (a broken
    commitment) close the commitment route only; shareholders are never barred (an investment is
    not an office), their listing goes to an officer's review."""
    offices = ["legal_representative"] + [f"officers[{i}].person" for i in range(len(app.officers))]
    found = []
    for path in offices:
        if path not in credit.barred_people:
            continue
        field = (
            "form.legal_representative.id_number"
            if path == "legal_representative"
            else f"form.{path}.id_number"
        )
        found.append(
            _v(
                field,
                "credit.office_barred",
                "该人员被列为失信被执行人，不得担任公司的法定代表人、董事、监事或高级管理人员"
                "（《公司法》第一百七十八条第一款第五项）；如已移出名单，请联系登记机关",
                "this person is listed as a judgment defaulter and may not be the company's "
                "legal representative, a director, supervisor or manager (Company Law 2023 "
                "Art. 178(1)(5)); if the listing has ended, contact the registration authority",
            )
        )
    return found


# A credit-list entry whose reason says this bars its person from office (the list keeps one
# reason text per entry; the seed and administrators write 失信被执行人 for judgment defaulters).
OFFICE_BARRING_REASONS = ("失信被执行人", "judgment defaulter")


def bars_office(reason: str) -> bool:
    return any(words in reason for words in OFFICE_BARRING_REASONS)


# --------------------------------------------------------------------------- automatic approval

AUTO_TYPES_V1 = frozenset({EnterpriseType.LLC.value, EnterpriseType.ONE_PERSON_LLC.value})


@dataclass(frozen=True)
class Reason:
    code: str
    message_zh: str
    message_en: str

    @property
    def text(self) -> str:
        return f"{self.code}: {self.message_en} / {self.message_zh}"


@dataclass(frozen=True)
class AutoDecision:
    ruleset_version: str
    approved: bool
    reasons: tuple[Reason, ...]
    inputs: Mapping[str, Any]


def auto_inputs(app: Application, validation: Validation, credit: CreditStatus) -> dict[str, Any]:
    """The facts the rule set looks at, as plain JSON values (no ID numbers)."""
    people = [app.legal_representative, *(h.person for h in app.shareholders)]
    people += [o.person for o in app.officers]
    return {
        "enterprise_type": app.enterprise_type.value,
        "violations": sorted({v.rule for v in validation.violations}),
        "flags": sorted({f.code for f in validation.flags}),
        "committed_materials": len(app.commitment.materials),
        "applicant_credit_listed": credit.applicant_listed,
        "credit_listed_people": sorted(credit.listed_people),
        "non_citizen_ids": sum(1 for p in people if p.id_type is not IdType.CITIZEN_ID),
    }


def _rules_v1(inputs: Mapping[str, Any]) -> list[Reason]:
    reasons: list[Reason] = []
    if inputs["enterprise_type"] not in AUTO_TYPES_V1:
        reasons.append(
            Reason(
                "auto.enterprise_type",
                "仅有限责任公司（自然人投资或独资）适用无人审批",
                "only natural-person LLCs and one-person LLCs are approved automatically",
            )
        )
    if inputs["violations"]:
        reasons.append(
            Reason(
                "auto.checks_failed",
                "表单未通过全部校验：" + "、".join(inputs["violations"]),
                "the form fails checks: " + ", ".join(inputs["violations"]),
            )
        )
    flag_reasons = {
        "business_scope.licensed": (
            "经营范围含许可项目（前置/后置审批）",
            "a scope item needs a licence",
        ),
        "business_scope.unverified_entry": (
            "经营范围条目的目录依据未经核实",
            "a scope item's catalogue entry is not verified",
        ),
        "name.restricted_word": ("名称含限制使用的字词", "the name has a restricted word"),
        "name.industry_restricted": (
            "行业需主管部门许可",
            "the industry needs a regulator's approval",
        ),
        "capital.paid_in_industry": (
            "可能属于注册资本实缴行业",
            "may be a paid-in-capital industry",
        ),
    }
    for flag in inputs["flags"]:
        zh, en = flag_reasons.get(flag, (f"须人工审查的标记 {flag}", f"flagged {flag}"))
        reasons.append(Reason(f"auto.flag.{flag}", zh, en))
    if inputs["applicant_credit_listed"] or inputs["credit_listed_people"]:
        reasons.append(
            Reason(
                "auto.credit",
                "申请人或相关人员有失信记录",
                "the applicant or a person in the form is on the bad-credit list",
            )
        )
    if inputs["committed_materials"]:
        reasons.append(
            Reason(
                "auto.missing_materials",
                "适用告知承诺制、有待补交的材料",
                "materials are missing under the commitment route",
            )
        )
    if inputs["non_citizen_ids"]:
        reasons.append(
            Reason(
                "auto.identity_documents",
                "有人使用居民身份证以外的证件，须人工核验",
                "someone uses a document other than a citizen ID; an officer must verify it",
            )
        )
    return reasons


RULESET_VERSION = "auto-approval/2026-11-26.1"
RULESETS: dict[str, Callable[[Mapping[str, Any]], list[Reason]]] = {RULESET_VERSION: _rules_v1}


def decide_automatically(
    inputs: Mapping[str, Any], ruleset_version: str = RULESET_VERSION
) -> AutoDecision:
    """Approve only when no rule of the version objects; replaying stored inputs gives the same
    answer because the rules of a version never change (a new rule is a new version)."""
    rules = RULESETS.get(ruleset_version)
    if rules is None:
        raise KeyError(f"unknown automatic-approval rule set {ruleset_version!r}")
    reasons = tuple(rules(inputs))
    return AutoDecision(ruleset_version, not reasons, reasons, dict(inputs))


# --------------------------------------------------------------------------- USCC

# Positions 9-17 of a USCC must be USCC characters, so the random part of a new organisation
# code avoids I, O, S, V and Z although GB 11714 itself allows them.
ORG_CODE_ALPHABET = USCC_ALPHABET
ORG_CODE_PREFIX = "MA"
ORG_CODE_RANDOM_LENGTH = 6


def new_org_code(random_part: str) -> str:
    """A new-style organisation code: MA + six random characters + the GB 11714 check."""
    if len(random_part) != ORG_CODE_RANDOM_LENGTH or not set(random_part) <= set(ORG_CODE_ALPHABET):
        raise ValueError("the random part is six USCC characters")
    code = make_orgcode(ORG_CODE_PREFIX + random_part)
    assert validate_orgcode(code).ok
    return code


def uscc_for(enterprise_type: EnterpriseType, org_code: str, area: str = REGISTRATION_AREA) -> str:
    category = USCC_CATEGORY.get(enterprise_type)
    if category is None:
        raise ValueError(f"no USCC category for {enterprise_type}")
    return make_uscc(AUTHORITY_CODE, category, area, org_code)


# --------------------------------------------------------------------------- the license

_DIGITS_ZH = "零壹贰叁肆伍陆柒捌玖"
_UNITS_ZH = ("", "拾", "佰", "仟")
_SECTIONS_ZH = ("", "万", "亿", "万亿")


def rmb_uppercase(amount: Decimal) -> str:
    """An amount in financial capitals (大写), as a license prints it: 壹佰万元整."""
    if amount < 0 or not amount.is_finite():
        raise ValueError("amount must be a non-negative finite decimal")
    cents = int((amount * 100).to_integral_value())
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    text = _integer_zh(yuan) + "元" if yuan else ""
    if jiao == 0 and fen == 0:
        return (text or "零元") + "整"
    if jiao:
        text += _DIGITS_ZH[jiao] + "角"
    elif yuan:
        text += "零"
    if fen:
        text += _DIGITS_ZH[fen] + "分"
    return text


def _integer_zh(number: int) -> str:
    groups: list[int] = []
    while number:
        groups.append(number % 10000)
        number //= 10000
    text = ""
    need_zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            need_zero = bool(text)
            continue
        if text and (need_zero or group < 1000):
            text += "零"
        text += _group_zh(group) + _SECTIONS_ZH[index]
        need_zero = False
    return text


def _group_zh(group: int) -> str:
    text = ""
    zero = False
    for position in range(3, -1, -1):
        digit = group // 10**position % 10
        if digit == 0:
            zero = bool(text)
            continue
        if zero:
            text += "零"
            zero = False
        text += _DIGITS_ZH[digit] + _UNITS_ZH[position]
    return text


def operating_term(start: date, years: int) -> tuple[str, str]:
    """长期 for no fixed term, else the first and last day of the term."""
    if years <= 0:
        return "长期", "no fixed term"
    try:
        end = start.replace(year=start.year + years)
    except ValueError:
        end = start.replace(year=start.year + years, day=28)
    last = end - timedelta(days=1)
    return (
        f"{start:%Y年%m月%d日} 至 {last:%Y年%m月%d日}",
        f"{start.isoformat()} to {last.isoformat()}",
    )


@dataclass(frozen=True)
class LicenseFacts:
    """Everything printed on the business license."""

    uscc: str
    license_number: str
    company_name: str
    enterprise_type: EnterpriseType
    legal_representative: str
    registered_capital: Decimal
    date_of_establishment: date
    operating_term_years: int
    domicile: str
    business_scope: str
    registration_authority: str
    issued_on: date
    qr_payload: str

    @property
    def type_label(self) -> str:
        return TYPE_LABELS[self.enterprise_type][0]

    @property
    def legal_rep_label(self) -> str:
        return {
            EnterpriseType.SOLE_PROPRIETORSHIP: "投资人",
            EnterpriseType.PARTNERSHIP: "执行事务合伙人",
        }.get(self.enterprise_type, "法定代表人")

    @property
    def capital_label(self) -> str:
        return "注册资本" if self.enterprise_type in LLC_TYPES else "出资额"

    @property
    def domicile_label(self) -> str:
        return "主要经营场所" if self.enterprise_type is EnterpriseType.PARTNERSHIP else "住所"

    @property
    def term_label(self) -> str:
        return "合伙期限" if self.enterprise_type is EnterpriseType.PARTNERSHIP else "营业期限"

    @property
    def capital_text(self) -> str:
        return f"人民币{rmb_uppercase(self.registered_capital)}"

    @property
    def term_text(self) -> str:
        return operating_term(self.date_of_establishment, self.operating_term_years)[0]


def business_scope_text(wordings: Sequence[str], ref: ReferenceData) -> str:
    """The scope as licenses print it: 一般项目 first, then 许可项目 with the usual proviso."""
    general = [w for w in wordings if ref.scope.get(w) and ref.scope[w].kind != "licensed"]
    licensed = [w for w in wordings if ref.scope.get(w) and ref.scope[w].kind == "licensed"]
    parts = []
    if general:
        parts.append("一般项目：" + "；".join(general) + "。")
    if licensed:
        parts.append(
            "许可项目：" + "；".join(licensed) + "。（依法须经批准的项目，经相关部门批准后方可"
            "开展经营活动，具体经营项目以相关部门批准文件或许可证件为准）"
        )
    return "".join(parts)


def qr_payload(uscc: str, license_number: str) -> str:
    return f"{STATUS_LOOKUP}?uscc={uscc}&no={license_number}"


def license_number_for(area: str, issued_on: date, random_part: str) -> str:
    return f"{area}{issued_on:%Y%m%d}{random_part}"


# --------------------------------------------------------------------------- the commitment route
#
# Rule: the promised materials are due "自承诺之日起60日内", within 60 days from the day of the
# commitment (the seed document's wording, as quoted in issue 12; verified: partial, the seed
# text itself was not re-read here). The day of the commitment is the day the applicant signed
# the written commitment: the submission that carried the agreed commitment. The day the license
# is granted does not move it, so an officer deciding three days later takes nothing from the
# applicant and adds nothing either.
#
# Counting: as the Civil Code counts periods in days (民法典 art. 201: the day the period starts
# is not counted, it runs from the next day; art. 203 para. 2: the last day ends at 24:00; read
# in several public reposts of the Code, not the NPC's own page), in Asia/Shanghai. So the last
# day is the day of the commitment + 60 calendar days, and the period ends at 24:00 of it.
# Not applied: art. 203 para. 1 (a last day that is a statutory holiday moves to the day after
# the holiday). The business calendar often cannot know the holidays of the year the period ends
# in when the date is set, and whether that article governs an administrative commitment was not
# checked. Until that is decided, a period ending on a holiday is not extended.


@dataclass(frozen=True)
class CommitmentTerms:
    """When the applicant committed and until when the materials may be supplied."""

    committed_at: datetime
    last_day: date
    due_at: datetime


def commitment_terms(committed_at: datetime) -> CommitmentTerms:
    """The terms for a commitment made at ``committed_at`` (timezone-aware)."""
    made = to_shanghai(committed_at, "committed_at")
    last_day = made.date() + timedelta(days=COMMITMENT_DAYS)
    # 24:00 of the last day is 00:00 of the next (a fixed +08:00 zone: no DST to step over).
    end = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), SHANGHAI)
    return CommitmentTerms(made, last_day, end)


def commitment_due(committed_at: datetime) -> datetime:
    """The instant the commitment period ends: 24:00 of the 60th day after the commitment."""
    return commitment_terms(committed_at).due_at


def commitment_made_at(
    commitment: Commitment, submitted_at: datetime, earlier: datetime | None = None
) -> datetime | None:
    """When the commitment in a submission was made, None if it carries no agreed commitment.

    ``earlier`` is the time already recorded for the case (an earlier submission that carried
    the agreed commitment): a correction that keeps the commitment keeps its day. A commitment
    first agreed in a correction was made when the correction was submitted.
    """
    if not (commitment.used and commitment.agreed):
        return None
    made = earlier if earlier is not None else submitted_at
    return to_shanghai(made, "submitted_at")


# --------------------------------------------------------------------------- revocation

COMMITMENT_OVERDUE = "commitment_overdue"


def credit_reason_for_overdue(case_id: str, company_name: str) -> str:
    return (
        f"未在 {COMMITMENT_DAYS} 日内履行告知承诺，登记被撤销（案件 {case_id}，{company_name}）"
        f" / commitment not fulfilled within {COMMITMENT_DAYS} days, registration revoked"
    )


def mask_subject(kind: str, subject_id: str) -> str:
    return mask_id_number(subject_id) if kind == "id_number" else subject_id
