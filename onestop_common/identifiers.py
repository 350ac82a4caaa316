"""Exact validation of Chinese identifiers: USCC, organisation code and citizen ID number.

Standards: GB 32100-2015 (USCC), GB 11714-1997 (organisation code), GB 11643-1999 (citizen
ID), and the address codes of the residence permits for residents of Hong Kong, Macao and
Taiwan (国务院办公厅《港澳台居民居住证申领发放办法》, 2018). Every rule a verdict names has its
published source and how far it was checked in ``RULE_SOURCES``. Everything here is pure: no
I/O, no clock. Callers pass ``today`` for date rules, and nothing is silently normalised;
``normalise_code`` exists for callers that choose to.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal

Kind = Literal["uscc", "orgcode", "citizen_id"]
Status = Literal["valid", "invalid", "legacy"]

# GB 32100-2015 drops I, O, S, V, Z so that they cannot be misread as 1, 0, 5, U, 2.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# Only authority 9 (market regulation) matters to OneStop; other authorities' categories are
# not restricted here because their tables have been amended since 2015.
_MARKET_REGULATION_CATEGORIES = {"1": "enterprise", "2": "individual business", "3": "cooperative"}

ORGCODE_BODY_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORGCODE_VALUE = {ch: i for i, ch in enumerate(ORGCODE_BODY_ALPHABET)}
ORGCODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

CITIZEN_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CITIZEN_ID_CHECK = "10X98765432"
# The 2-digit province prefixes of GB/T 2260 (31 mainland, 71 Taiwan, 81 Hong Kong, 82 Macao).
# ID numbers keep the county codes of the year they were issued, so only the prefix is checked.
PROVINCE_CODES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23"}
    | {f"{n}" for n in range(31, 38)}
    | {f"{n}" for n in range(41, 47)}
    | {f"{n}" for n in range(50, 55)}
    | {f"{n}" for n in range(61, 66)}
    | {"71", "81", "82"}
)
# 港澳台居民居住证: the 公民身份号码 on the residence permit is made under the citizen ID standard
# with these whole address codes (《港澳台居民居住证申领发放办法》 art. 3). 81 and 82 are
# province prefixes anyway; 83 is no GB/T 2260 division and is valid only as 830000.
RESIDENCE_PERMIT_ADDRESS_CODES = {
    "810000": "香港居民",
    "820000": "澳门居民",
    "830000": "台湾居民",
}

_DIGITS = frozenset("0123456789")

Verified = Literal["yes", "partial", "unverified"]


@dataclass(frozen=True)
class RuleSource:
    """Where a rule comes from and how far that was checked.

    ``verified`` as in the reference data: ``yes`` read in the source (a secondary copy counts,
    and ``checked`` says which), ``partial`` part of it checked (e.g. the standard's worked
    examples reproduced, its text not read), ``unverified`` from general knowledge.
    """

    source: str
    verified: Verified
    checked: str


_GB32100 = "GB 32100-2015 法人和其他组织统一社会信用代码编码规则"
_GB11714 = "GB 11714-1997 全国组织机构代码编制规则"
_GB11643 = "GB 11643-1999 公民身份号码"
_RESIDENCE_PERMITS = "国务院办公厅《港澳台居民居住证申领发放办法》（国办发〔2018〕81号）第三条"
_NOTES = "the standard's text was not read here; shared/notes/identifiers.md"

# Every (kind, rule) a Verdict can name, with its source. "length" and "alphabet" follow from the
# code's structure in the same standard.
RULE_SOURCES: dict[tuple[Kind, str], RuleSource] = {
    ("uscc", "length"): RuleSource(_GB32100, "partial", f"18 characters; {_NOTES}"),
    ("uscc", "alphabet"): RuleSource(
        _GB32100,
        "partial",
        f"31 code characters, digits and capitals without I O S V Z; {_NOTES}",
    ),
    ("uscc", "division"): RuleSource(
        f"{_GB32100}; GB/T 2260",
        "partial",
        f"positions 3–8 are the registering authority's division, six digits; {_NOTES}",
    ),
    ("uscc", "category"): RuleSource(
        _GB32100,
        "partial",
        f"authority 9 (market regulation): 1 enterprise, 2 individual business, 3 farmers' "
        f"cooperative, as the notes give the code table; {_NOTES}",
    ),
    ("uscc", "check_char"): RuleSource(
        _GB32100,
        "partial",
        "mod 31 with weights 3^(i-1) mod 31; reproduces the standard's example "
        f"91350100M000100Y43 (sum 1640); {_NOTES}. Early pilot codes that fail it are lawful "
        "(a Xiamen example in the notes): reported as legacy",
    ),
    ("orgcode", "length"): RuleSource(_GB11714, "partial", f"8 + 1 characters; {_NOTES}"),
    ("orgcode", "format"): RuleSource(
        _GB11714, "partial", f"the hyphenated form XXXXXXXX-X; {_NOTES}"
    ),
    ("orgcode", "alphabet"): RuleSource(_GB11714, "partial", f"digits and A–Z; {_NOTES}"),
    ("orgcode", "check_char"): RuleSource(
        _GB11714,
        "partial",
        f"mod 11, weights 3 7 9 10 5 8 4 2; reproduces the example 59467239-9; {_NOTES}",
    ),
    ("citizen_id", "length"): RuleSource(_GB11643, "partial", f"18 characters; {_NOTES}"),
    ("citizen_id", "alphabet"): RuleSource(
        _GB11643, "partial", f"17 digits and a check digit or X; {_NOTES}"
    ),
    ("citizen_id", "province"): RuleSource(
        f"{_GB11643} (address code per GB/T 2260); {_RESIDENCE_PERMITS}",
        "yes",
        "province prefixes: shared/data/divisions.csv (verified yes, secondary copies of GB/T "
        "2260). Residence-permit address codes 810000 / 820000 / 830000: art. 3 read in two "
        "public reposts of the State Council's text of 2018-08-19 (Xinhua / gov.cn), not on "
        "gov.cn itself",
    ),
    ("citizen_id", "birth_date"): RuleSource(
        f"{_GB11643} (birth date code YYYYMMDD per GB/T 7408)",
        "partial",
        f"a real calendar date; 'not after today' is OneStop's plausibility check; {_NOTES}",
    ),
    ("citizen_id", "check_char"): RuleSource(
        f"{_GB11643} (ISO 7064 MOD 11-2)",
        "partial",
        "weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2; reproduces the standard's examples "
        f"11010519491231002X and 440524188001010014; {_NOTES}",
    ),
}
_NAMES_ZH = {"uscc": "统一社会信用代码", "orgcode": "组织机构代码", "citizen_id": "公民身份号码"}
_NAMES_EN = {"uscc": "USCC", "orgcode": "organisation code", "citizen_id": "citizen ID number"}


@dataclass(frozen=True, repr=False)
class Verdict:
    """The outcome of validating one identifier, with a reason fit to show a user."""

    kind: Kind
    value: str
    status: Status
    rule: str
    reason_zh: str
    reason_en: str

    @property
    def ok(self) -> bool:
        return self.status == "valid"

    @property
    def source(self) -> RuleSource | None:
        """The published source of the rule this verdict names (None for a valid one)."""
        return RULE_SOURCES.get((self.kind, self.rule))

    def __repr__(self) -> str:
        # Verdicts end up in logs; a citizen ID number must not.
        shown = mask_id_number(self.value) if self.kind == "citizen_id" else self.value
        return (
            f"Verdict(kind={self.kind!r}, value={shown!r}, status={self.status!r}, "
            f"rule={self.rule!r}, reason_en={self.reason_en!r})"
        )


class InvalidIdentifier(ValueError):
    """Raised by parsers when the value does not validate; carries the verdict."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.reason_en)
        self.verdict = verdict


@dataclass(frozen=True)
class CitizenId:
    """The parts of a valid 18-character citizen ID number."""

    division: str
    birth_date: date
    sequence: str
    sex: Literal["M", "F"]

    def age_on(self, day: date) -> int:
        """Completed years on ``day``; a 29 February birthday counts as reached on 1 March.

        This is the plain anniversary count. Some Chinese legal thresholds (刑法 周岁) are
        reached only the day after the anniversary; apply that rule where it matters.
        """
        if day < self.birth_date:
            raise ValueError("the day is before the birth date")
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - int(before_birthday)


def normalise_code(value: str) -> str:
    """Fold full-width forms, drop whitespace and uppercase: an explicit, opt-in clean-up."""
    folded = unicodedata.normalize("NFKC", value)
    return "".join(ch for ch in folded if not ch.isspace()).upper()


def mask_id_number(value: str) -> str:
    """Keep the first 3 and last 4 characters for logs; mask all if that would show half or more."""
    shown = 3 + 4
    if len(value) < 2 * shown:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - shown) + value[-4:]


def mask_phone(value: str) -> str:
    """A phone number as receipts show it, ``138****0001``: the carrier prefix and the last 4
    digits; all masked if that would show more than half."""
    if len(value) < 11:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_account_number(number: str) -> str:
    """The first 4 and last 4 digits, the rest masked: ``1020 ********* 0428``."""
    if len(number) <= 8:
        return "*" * len(number)
    return f"{number[:4]} {'*' * (len(number) - 8)} {number[-4:]}"


# --- shared helpers -----------------------------------------------------------------------


def _verdict(kind: Kind, value: str, status: Status, rule: str, zh: str, en: str) -> Verdict:
    return Verdict(kind, value, status, rule, f"{_NAMES_ZH[kind]}{zh}", f"{_NAMES_EN[kind]}: {en}")


def _valid(kind: Kind, value: str) -> Verdict:
    return _verdict(kind, value, "valid", "ok", "校验通过。", "valid.")


def _describe_char(ch: str) -> tuple[str, str]:
    """Say why a character is unacceptable, so the user knows what to fix."""
    if ch.isspace():
        return "为空白字符（不自动去除）", "is whitespace (not stripped automatically)"
    if ch.islower():
        return (
            f"为小写字母 {ch!r}（只接受大写，不自动转换）",
            f"is the lowercase letter {ch!r} (only uppercase is accepted, none is converted)",
        )
    return f"为不允许的字符 {ch!r}", f"is the character {ch!r}, which is not allowed"


def _bad_char(kind: Kind, value: str, pos: int, allowed_zh: str, allowed_en: str) -> Verdict:
    zh, en = _describe_char(value[pos])
    return _verdict(
        kind,
        value,
        "invalid",
        "alphabet",
        f"第{pos + 1}位{zh}；该位置只能是{allowed_zh}。",
        f"position {pos + 1} {en}; that position takes {allowed_en}.",
    )


def _wrong_length(kind: Kind, value: str, expected: str) -> Verdict:
    return _verdict(
        kind,
        value,
        "invalid",
        "length",
        f"应为{expected}个字符，实际为{len(value)}个。",
        f"must be {expected} characters long, got {len(value)}.",
    )


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(message)


# --- USCC, GB 32100-2015 ------------------------------------------------------------------


def uscc_check_char(first17: str) -> str:
    """The 18th character for the given first 17 (GB 32100-2015, mod 31)."""
    _require(len(first17) == 17, "a USCC check character needs exactly 17 characters")
    _require(
        all(ch in _USCC_VALUE for ch in first17), f"not all of {first17!r} are in the USCC alphabet"
    )
    total = sum(_USCC_VALUE[ch] * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def make_uscc(authority: str, category: str, division: str, org_code9: str) -> str:
    """Assemble a USCC from its parts; raises ValueError on any part that breaks the standard."""
    _require(
        len(authority) == 1 and authority in _USCC_VALUE, "authority must be one USCC character"
    )
    _require(len(category) == 1 and category in _USCC_VALUE, "category must be one USCC character")
    _require(
        authority != "9" or category in _MARKET_REGULATION_CATEGORIES,
        "under authority 9 the category must be 1, 2 or 3",
    )
    _require(len(division) == 6 and set(division) <= _DIGITS, "division must be six digits")
    _require(
        validate_orgcode(org_code9).ok and len(org_code9) == 9,
        "org_code9 must be a valid 9-character organisation code",
    )
    _require(
        all(ch in _USCC_VALUE for ch in org_code9),
        "org_code9 uses letters (I O S V Z) a USCC cannot hold",
    )
    first17 = authority + category + division + org_code9
    return first17 + uscc_check_char(first17)


def validate_uscc(value: str) -> Verdict:
    """Check length, alphabet, division, category and check character, in that order."""
    if len(value) != 18:
        return _wrong_length("uscc", value, "18")
    for pos, ch in enumerate(value):
        if ch not in _USCC_VALUE:
            return _bad_char(
                "uscc",
                value,
                pos,
                "数字或除 I、O、S、V、Z 外的大写字母",
                "a digit or an uppercase letter other than I, O, S, V, Z",
            )
    if not set(value[2:8]) <= _DIGITS:
        return _verdict(
            "uscc",
            value,
            "invalid",
            "division",
            "第3–8位（登记管理机关行政区划码）应为6位数字。",
            "positions 3–8 (administrative division) must be six digits.",
        )
    if value[0] == "9" and value[1] not in _MARKET_REGULATION_CATEGORIES:
        return _verdict(
            "uscc",
            value,
            "invalid",
            "category",
            f"登记管理部门为9（市场监管）时，第2位类别只能是1、2或3，实际为{value[1]}。",
            f"under authority 9 (market regulation) position 2 must be 1, 2 or 3, got {value[1]}.",
        )
    expected = uscc_check_char(value[:17])
    if value[17] == expected:
        return _valid("uscc", value)
    return _uscc_check_failure(value, expected)


def _uscc_check_failure(value: str, expected: str) -> Verdict:
    zh = f"第18位校验码为{value[17]}，按 GB 32100 应为{expected}"
    en = f"check character (position 18) is {value[17]}, GB 32100 gives {expected}"
    if not validate_orgcode(value[8:17]).ok:
        return _verdict("uscc", value, "invalid", "check_char", f"{zh}。", f"{en}.")
    # Early pilot codes are lawful yet fail C18; only their embedded organisation code passes.
    # A mistyped character outside positions 9–17 looks exactly the same, so say both.
    return _verdict(
        "uscc",
        value,
        "legacy",
        "check_char",
        f"不符合标准：{zh}，但第9–17位是有效的组织机构代码，可能是试点期间的旧代码，也可能是录入错误，请向登记机关核实。",
        f"non-conforming, possibly a legacy pilot code: {en}, but positions 9–17 are a valid "
        "organisation code. It may also be a typing error; verify with the registry.",
    )


# --- Organisation code, GB 11714-1997 -----------------------------------------------------


def orgcode_check_char(body8: str) -> str:
    """The 9th character for the given 8-character body (GB 11714-1997, mod 11)."""
    _require(len(body8) == 8, "an organisation code body has exactly 8 characters")
    _require(
        all(ch in _ORGCODE_VALUE for ch in body8), f"{body8!r} must be digits and uppercase A–Z"
    )
    total = sum(_ORGCODE_VALUE[ch] * w for ch, w in zip(body8, ORGCODE_WEIGHTS, strict=True))
    c9 = 11 - total % 11
    return {10: "X", 11: "0"}.get(c9, str(c9))


def make_orgcode(body8: str) -> str:
    """The 9-character organisation code (no hyphen) for an 8-character body."""
    return body8 + orgcode_check_char(body8)


def validate_orgcode(value: str) -> Verdict:
    """Accept ``XXXXXXXX-X`` or ``XXXXXXXXX``; check alphabet and check character."""
    if len(value) == 10 and value[8] != "-":
        return _verdict(
            "orgcode",
            value,
            "invalid",
            "format",
            "为10个字符时第9位必须是连字符“-”。",
            "a 10-character form must have a hyphen '-' at position 9.",
        )
    if len(value) not in (9, 10):
        return _wrong_length("orgcode", value, "9（或带连字符10）")
    body, check = value[:8], value[-1]
    for pos, ch in enumerate(body):
        if ch not in _ORGCODE_VALUE:
            return _bad_char(
                "orgcode", value, pos, "数字或大写字母", "a digit or an uppercase letter"
            )
    if check not in _DIGITS and check != "X":
        return _bad_char("orgcode", value, len(value) - 1, "数字或 X", "a digit or X")
    expected = orgcode_check_char(body)
    if check != expected:
        return _verdict(
            "orgcode",
            value,
            "invalid",
            "check_char",
            f"校验码为{check}，按 GB 11714 应为{expected}。",
            f"check character is {check}, GB 11714 gives {expected}.",
        )
    return _valid("orgcode", value)


# --- Citizen ID, GB 11643-1999 ------------------------------------------------------------


def citizen_id_check_char(first17: str) -> str:
    """The 18th character for the given 17 digits (ISO 7064 MOD 11-2)."""
    _require(
        len(first17) == 17 and set(first17) <= _DIGITS,
        "a citizen ID check character needs 17 digits",
    )
    total = sum(int(ch) * w for ch, w in zip(first17, CITIZEN_ID_WEIGHTS, strict=True))
    return _CITIZEN_ID_CHECK[total % 11]


def validate_citizen_id(value: str, *, today: date) -> Verdict:
    """Check length, alphabet, province, birth date (real, not after ``today``), check character."""
    if len(value) != 18:
        return _wrong_length("citizen_id", value, "18")
    for pos, ch in enumerate(value[:17]):
        if ch not in _DIGITS:
            return _bad_char("citizen_id", value, pos, "数字", "a digit")
    if value[17] not in _DIGITS and value[17] != "X":
        return _bad_char("citizen_id", value, 17, "数字或大写 X", "a digit or an uppercase X")
    region_problem = _region_problem(value[:6])
    if region_problem is not None:
        return _verdict("citizen_id", value, "invalid", "province", *region_problem)
    birth_problem = _birth_date_problem(value[6:14], today)
    if birth_problem is not None:
        return _verdict("citizen_id", value, "invalid", "birth_date", *birth_problem)
    expected = citizen_id_check_char(value[:17])
    if value[17] != expected:
        return _verdict(
            "citizen_id",
            value,
            "invalid",
            "check_char",
            f"第18位校验码为{value[17]}，按 ISO 7064 MOD 11-2 应为{expected}。",
            f"check character (position 18) is {value[17]}, ISO 7064 MOD 11-2 gives {expected}.",
        )
    return _valid("citizen_id", value)


def _region_problem(address_code: str) -> tuple[str, str] | None:
    """A province prefix (GB/T 2260) or a residence permit's address code (810000, 820000,
    830000) is accepted; the reasons give the code's digits, which say nothing of the person."""
    if address_code[:2] in PROVINCE_CODES or address_code in RESIDENCE_PERMIT_ADDRESS_CODES:
        return None
    if address_code[:2] == "83":
        return (
            f"前六位地址码 {address_code} 无效：以83开头的只有台湾居民居住证的830000。",
            f"positions 1–6 ({address_code}) are no address code: of the codes starting 83, "
            "only 830000 (residence permits of Taiwan residents) exists.",
        )
    return (
        f"前两位 {address_code[:2]} 不是省级行政区划代码，也不是港澳台居民居住证的地址码"
        "（810000、820000、830000）。",
        f"positions 1–2 ({address_code[:2]}) are neither a province-level division code nor the "
        "start of a residence permit's address code (810000, 820000, 830000).",
    )


def _birth_date(yyyymmdd: str) -> date | None:
    try:
        return date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        return None


def _birth_date_problem(yyyymmdd: str, today: date) -> tuple[str, str] | None:
    # The reasons leave the date out: verdict texts may be logged, birth dates must not.
    born = _birth_date(yyyymmdd)
    if born is None:
        return (
            "第7–14位出生日期不是真实存在的日期。",
            "positions 7–14 (birth date) are not a real calendar date.",
        )
    if born > today:
        return "第7–14位出生日期晚于今天。", "positions 7–14 (birth date) are after today."
    return None


def parse_citizen_id(value: str, *, today: date) -> CitizenId:
    """Split a valid citizen ID into its parts; raises InvalidIdentifier otherwise."""
    verdict = validate_citizen_id(value, today=today)
    if not verdict.ok:
        raise InvalidIdentifier(verdict)
    born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    sequence = value[14:17]
    return CitizenId(value[:6], born, sequence, "M" if int(sequence) % 2 else "F")
