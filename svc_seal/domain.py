"""The seal rules: which seal sets may be ordered, seal codes, what each seal carries, when an
order completes by itself, police filing numbers, certificate lifetimes, where a seal may be
placed on a page, and who besides the owner may sign (authorised users). No nameko, SQLAlchemy
or protobuf; the only I/O is reading the seal policy (``data/seal_policy.csv``) once."""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path

from onestop_common.errors import RuleViolation, violation
from onestop_common.identifiers import validate_uscc
from svc_seal.impression import MM, SealKind, SealSpec, seal_size_mm

PARTICIPANT = "seal"

# Seal code (刻章编码): 4 area digits + 3 seal-maker digits + 6 serial digits.
AREA_DIGITS = 4
MAKER_DIGITS = 3
SERIAL_DIGITS = 6
MAX_SERIAL = 10**SERIAL_DIGITS - 1
SEAL_CODE = re.compile(r"\d{13}")
_MAKER_ID = re.compile(r"\d{3}")
_DIVISION = re.compile(r"\d{6}")

# The usual order of a seal set (desk queues, plans, the bank's card). Which seals an order must
# include is the platform's policy, kept as data: see ``SealPolicy``.
KIND_ORDER = (
    SealKind.OFFICIAL,
    SealKind.FINANCE,
    SealKind.INVOICE,
    SealKind.LEGAL_REP,
    SealKind.CONTRACT,
)
MAX_COMPANY_NAME = 30
POLICY_FILE = Path(__file__).resolve().parent / "data" / "seal_policy.csv"

# A seal certificate lives this long, or until its CA expires if that comes first.
CERTIFICATE_LIFETIME = timedelta(days=3 * 365 + 1)
# Validators may run on a clock slightly behind ours.
CLOCK_SKEW = timedelta(minutes=5)
# The CRL is valid for a week and re-issued once it is a day old (or at once on revocation).
CRL_LIFETIME = timedelta(days=7)
CRL_RENEW_AFTER = timedelta(days=1)


class SealState(StrEnum):
    ORDERED = "ordered"
    ENGRAVED = "engraved"
    ACTIVE = "active"
    REVOKED = "revoked"
    # The order was rejected or withdrawn before the seal was made.
    CANCELLED = "cancelled"


class OrderState(StrEnum):
    ORDERED = "ordered"
    DONE = "done"
    REJECTED = "rejected"
    REVOKED = "revoked"
    WITHDRAWN = "withdrawn"


# Seals that exist (or are being made) and so must be undone by a compensation.
LIVE_STATES = frozenset({SealState.ORDERED, SealState.ENGRAVED, SealState.ACTIVE})


@dataclass(frozen=True)
class RequestedSeal:
    """One line of the form's seal request; ``kind`` None when the form left it unspecified or
    named a kind this service does not know (``unknown_kind``)."""

    kind: SealKind | None
    physical: bool
    electronic: bool
    unknown_kind: bool = False


class InvoiceKind(StrEnum):
    """The invoices an applicant asks for (ApplicationForm.invoice.kinds), as the seal policy
    needs them: 数电票 carry no seal impression, anything else might be on paper."""

    DIGITAL_ORDINARY = "digital_ordinary"  # 数电票（普通发票）
    DIGITAL_SPECIAL = "digital_special"  # 数电票（增值税专用发票）
    OTHER = "other"  # any kind this service does not know


@dataclass(frozen=True)
class SealOrderInput:
    uscc: str
    company_name: str
    legal_representative_name: str
    division_code: str
    seals: tuple[RequestedSeal, ...]
    # Empty when the order does not say (then the policy's full set applies).
    invoice_kinds: frozenset[InvoiceKind] = frozenset()


@dataclass(frozen=True)
class PlannedSeal:
    """A seal to be made: its kind, form, size and what is engraved on it."""

    kind: SealKind
    physical: bool
    electronic: bool
    width_mm: float
    height_mm: float

    def spec(self, order: SealOrderInput, seal_code: str) -> SealSpec:
        return SealSpec(
            kind=self.kind,
            company_name=order.company_name,
            seal_code=seal_code,
            uscc=order.uscc if self.kind is SealKind.INVOICE else "",
            person_name=order.legal_representative_name if self.kind is SealKind.LEGAL_REP else "",
        )

    def text(self, order: SealOrderInput, seal_code: str) -> str:
        return seal_text(self.spec(order, seal_code))


@dataclass(frozen=True)
class SealFacts:
    """What the rules need to know about an existing seal."""

    seal_code: str
    kind: SealKind
    physical: bool
    electronic: bool
    state: SealState


# --------------------------------------------------------------------------- the seal policy


class SealPolicyError(ValueError):
    """The policy file is malformed; the message names the row and column."""


@dataclass(frozen=True)
class SealRule:
    """One seal kind in the platform's policy, with its wording and where it comes from."""

    kind: SealKind
    required: bool
    # When every invoice kind the applicant asks for is one of these, the seal is optional.
    optional_when_invoices_only: frozenset[InvoiceKind]
    basis: str
    wording_zh: str
    wording_en: str
    verified: str
    source: str

    def applies_to(self, invoice_kinds: frozenset[InvoiceKind]) -> bool:
        """Whether an order asking for ``invoice_kinds`` must include this seal."""
        if not self.required:
            return False
        waived = bool(invoice_kinds) and invoice_kinds <= self.optional_when_invoices_only
        return not waived


@dataclass(frozen=True)
class SealPolicy:
    """Which seals a new company is asked to order: the platform's policy, not law."""

    rules: tuple[SealRule, ...]
    version: str = ""
    _by_kind: dict[SealKind, SealRule] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_kind", {rule.kind: rule for rule in self.rules})

    def rule(self, kind: SealKind) -> SealRule:
        return self._by_kind[kind]

    def required_kinds(
        self, invoice_kinds: frozenset[InvoiceKind] = frozenset()
    ) -> tuple[SealKind, ...]:
        """The seals an order asking for ``invoice_kinds`` must include, in the usual order."""
        return tuple(k for k in KIND_ORDER if self._by_kind[k].applies_to(invoice_kinds))


POLICY_COLUMNS = (
    "kind",
    "requirement",
    "optional_when_invoices_only",
    "basis",
    "wording_zh",
    "wording_en",
    "verified",
    "source",
)
POLICY_BASIS = "platform policy"
_REQUIREMENTS = {"required": True, "optional": False}
_VERIFIED = frozenset({"yes", "partial", "unverified"})


def parse_seal_policy(text: str, *, name: str = "seal_policy.csv") -> SealPolicy:
    """The policy in ``text`` (CSV, see data/README.md); SealPolicyError names what is wrong."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in POLICY_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise SealPolicyError(f"{name} lacks columns {missing}")
    rules = [_policy_rule(row, f"{name} row {n}") for n, row in enumerate(reader, start=2)]
    kinds = [rule.kind for rule in rules]
    duplicated = sorted({k.value for k in kinds if kinds.count(k) > 1})
    absent = [k.value for k in KIND_ORDER if k not in kinds]
    if duplicated or absent:
        raise SealPolicyError(
            f"{name} must have one row per seal kind: duplicated {duplicated}, missing {absent}"
        )
    version = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    return SealPolicy(tuple(rules), version=f"{name}@{version}")


def _policy_rule(row: dict[str, str], where: str) -> SealRule:
    def value(column: str) -> str:
        return (row.get(column) or "").strip()

    def bad(column: str, why: str) -> SealPolicyError:
        return SealPolicyError(f"{where}, {column} {value(column)!r}: {why}")

    try:
        kind = SealKind(value("kind"))
    except ValueError:
        raise bad("kind", f"not one of {[k.value for k in SealKind]}") from None
    if value("requirement") not in _REQUIREMENTS:
        raise bad("requirement", "must be 'required' or 'optional'")
    required = _REQUIREMENTS[value("requirement")]
    try:
        waived = frozenset(
            InvoiceKind(part.strip())
            for part in value("optional_when_invoices_only").split(";")
            if part.strip()
        )
    except ValueError:
        kinds = [k.value for k in InvoiceKind]
        raise bad("optional_when_invoices_only", f"';'-separated kinds of {kinds}") from None
    if value("basis") != POLICY_BASIS:
        # A legal requirement needs its statute and its own rule, not a line in a policy file.
        raise bad("basis", f"this file holds only '{POLICY_BASIS}' rows")
    if value("verified") not in _VERIFIED:
        raise bad("verified", f"must be one of {sorted(_VERIFIED)}")
    if not value("source"):
        raise bad("source", "every rule names where it comes from")
    if required and not (value("wording_zh") and value("wording_en")):
        raise bad("wording_zh", "a required seal needs the words the applicant is told")
    return SealRule(
        kind=kind,
        required=required,
        optional_when_invoices_only=waived,
        basis=value("basis"),
        wording_zh=value("wording_zh"),
        wording_en=value("wording_en"),
        verified=value("verified"),
        source=value("source"),
    )


@cache
def seal_policy() -> SealPolicy:
    """The packaged policy, read once per process."""
    try:
        text = POLICY_FILE.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SealPolicyError(f"the seal policy {POLICY_FILE} is missing") from None
    return parse_seal_policy(text, name=POLICY_FILE.name)


# --------------------------------------------------------------------------- the seal set


def order_violations(
    order: SealOrderInput, policy: SealPolicy | None = None, *, licensed: bool = True
) -> list[RuleViolation]:
    """Everything wrong with a seal order, each naming its field and rule; the seal set is
    checked against ``policy`` (the packaged one by default).

    ``licensed`` False: the application is checked before the license exists (CheckApplication),
    so the USCC rule, the only one that needs the issued license, is skipped; every other rule
    runs exactly as for the saga's order."""
    found: list[RuleViolation] = []
    verdict = validate_uscc(order.uscc)
    # A legacy pilot code fails the check character yet is lawful: the license stands for it.
    if licensed and verdict.status == "invalid":
        found.append(
            violation("uscc", f"uscc.{verdict.rule}", verdict.reason_zh, verdict.reason_en)
        )
    name = order.company_name.strip()
    if not name or len(name) > MAX_COMPANY_NAME:
        found.append(
            violation(
                "company_name",
                "seal_text_length",
                f"企业名称须为1至{MAX_COMPANY_NAME}个字才能刻在印章上，实际为{len(name)}个字",
                f"the company name must have 1 to {MAX_COMPANY_NAME} characters to fit on a "
                f"seal, it has {len(name)}",
            )
        )
    if not _DIVISION.fullmatch(order.division_code):
        found.append(
            violation(
                "division_code",
                "format",
                "行政区划代码应为6位数字（印章编码前4位取自其前4位）",
                "the division code must be 6 digits (the seal code starts with its first 4)",
            )
        )
    found += _seal_set_violations(order.seals, order.invoice_kinds, policy or seal_policy())
    kinds = {seal.kind for seal in order.seals}
    if SealKind.LEGAL_REP in kinds and not _fits_name_seal(order.legal_representative_name):
        found.append(
            violation(
                "form.legal_representative.name",
                "name_seal_text",
                "法定代表人名章须刻2至4个汉字（或字母）组成的姓名，"
                f"“{order.legal_representative_name}”无法刻制",
                "the legal representative's name seal needs a name of 2 to 4 letters or "
                f"characters; {order.legal_representative_name!r} cannot be engraved",
            )
        )
    return found


def _fits_name_seal(name: str) -> bool:
    return 2 <= len(name) <= 4 and name.isalpha()


def _seal_set_violations(
    seals: Sequence[RequestedSeal], invoice_kinds: frozenset[InvoiceKind], policy: SealPolicy
) -> list[RuleViolation]:
    found: list[RuleViolation] = []
    seen: set[SealKind] = set()
    for i, seal in enumerate(seals):
        if seal.kind is None and seal.unknown_kind:
            found.append(
                violation(
                    f"form.seals[{i}].kind",
                    "seal_kind",
                    "印章种类无效，请从公章、财务专用章、发票专用章、法定代表人名章、合同专用章中选择",
                    "unknown seal kind: choose the official, finance, invoice, legal "
                    "representative's or contract seal",
                )
            )
            continue
        if seal.kind is None:
            found.append(
                violation(
                    f"form.seals[{i}].kind", "required", "请选择印章种类", "choose the seal kind"
                )
            )
            continue
        if seal.kind in seen:
            found.append(
                violation(
                    f"form.seals[{i}].kind",
                    "duplicate",
                    f"{seal.kind.label_zh}重复申请，每种印章只能刻一枚",
                    f"the {seal.kind.value} seal is requested twice; one seal of each kind",
                )
            )
        seen.add(seal.kind)
        if not (seal.physical or seal.electronic):
            found.append(
                violation(
                    f"form.seals[{i}]",
                    "physical_or_electronic",
                    f"{seal.kind.label_zh}须选择实物印章、电子印章或两者",
                    f"the {seal.kind.value} seal must be physical, electronic or both",
                )
            )
    for kind in policy.required_kinds(invoice_kinds):
        if kind not in seen:
            rule = policy.rule(kind)
            found.append(violation("form.seals", "required_seal", rule.wording_zh, rule.wording_en))
    return found


# What the step's order names outside the form, and where the form holds it: the company name is
# composed from the form's name parts, the division is the domicile's.
FORM_PATHS = {"company_name": "form.name", "division_code": "form.domicile.division_code"}


def form_path(field_: str) -> str:
    """The path into the application form of a field this service's rules name."""
    return FORM_PATHS.get(field_, field_)


def correctable(problems: Iterable[RuleViolation]) -> bool:
    """Whether the applicant can fix every problem by correcting the form (the seals asked for,
    the legal representative's name). The USCC, the company name and the division come from the
    issued license: a problem with them at the step is final, not the applicant's to correct."""
    return all(p.field.startswith("form.") for p in problems)


def plan_seals(order: SealOrderInput) -> tuple[PlannedSeal, ...]:
    """The seals to make, in the usual order; call only after ``order_violations`` is empty."""
    by_kind = {seal.kind: seal for seal in order.seals if seal.kind is not None}
    planned = []
    for kind in KIND_ORDER:
        seal = by_kind.get(kind)
        if seal is None:
            continue
        width, height = seal_size_mm(kind)
        planned.append(PlannedSeal(kind, seal.physical, seal.electronic, width, height))
    return tuple(planned)


def electronic_only(seals: Iterable[PlannedSeal | SealFacts]) -> bool:
    seals = list(seals)
    return bool(seals) and all(seal.electronic and not seal.physical for seal in seals)


def completes_automatically(seals: Sequence[PlannedSeal], auto_approve: frozenset[str]) -> bool:
    """Electronic-only sets need no seal maker's hands, when the platform is set to allow it."""
    return PARTICIPANT in auto_approve and electronic_only(seals)


def summary(kinds: Iterable[tuple[SealKind, bool, bool]]) -> str:
    """One line for the desk queue: "4 seals: 公章 (实物+电子), …"."""
    parts = []
    for kind, physical, electronic in kinds:
        form = "实物+电子" if physical and electronic else ("实物" if physical else "电子")
        parts.append(f"{kind.label_zh}（{form}）")
    return f"{len(parts)} seals: " + "、".join(parts)


def seal_text(spec: SealSpec) -> str:
    """The words on a seal, in reading order, as one line."""
    if spec.kind is SealKind.LEGAL_REP:
        return spec.person_name
    words = [spec.company_name]
    if spec.kind is SealKind.INVOICE:
        words.append(spec.uscc)
    if spec.kind is not SealKind.OFFICIAL:
        words.append(spec.kind.label_zh)
    words.append(spec.seal_code)
    return " ".join(words)


# --------------------------------------------------------------------------- seal codes


def seal_maker_id_problem(seal_maker_id: str) -> str | None:
    if _MAKER_ID.fullmatch(seal_maker_id):
        return None
    return f"the seal maker id must be 3 digits (ONESTOP_SEAL_MAKER_ID), got {seal_maker_id!r}"


def seal_code_prefix(division_code: str, seal_maker_id: str) -> str:
    """The first 7 digits: the area (first 4 digits of the division code) and the seal maker."""
    if not _DIVISION.fullmatch(division_code):
        raise ValueError(f"division code must be 6 digits, got {division_code!r}")
    problem = seal_maker_id_problem(seal_maker_id)
    if problem:
        raise ValueError(problem)
    return division_code[:AREA_DIGITS] + seal_maker_id


def make_seal_code(prefix: str, serial: int) -> str:
    if not re.fullmatch(r"\d{7}", prefix):
        raise ValueError(f"seal code prefix must be 7 digits, got {prefix!r}")
    if not 1 <= serial <= MAX_SERIAL:
        raise ValueError(
            f"serial {serial} is outside 1..{MAX_SERIAL}: the seal maker's numbers for area "
            f"{prefix[:AREA_DIGITS]} are used up"
        )
    return f"{prefix}{serial:0{SERIAL_DIGITS}d}"


@dataclass(frozen=True)
class SealCode:
    area: str
    seal_maker_id: str
    serial: int


def parse_seal_code(code: str) -> SealCode:
    if not SEAL_CODE.fullmatch(code):
        raise ValueError(f"a seal code is 13 digits, got {code!r}")
    return SealCode(
        code[:AREA_DIGITS],
        code[AREA_DIGITS : AREA_DIGITS + MAKER_DIGITS],
        int(code[AREA_DIGITS + MAKER_DIGITS :]),
    )


def seal_code_violations(code: str, field: str = "seal_code") -> list[RuleViolation]:
    if SEAL_CODE.fullmatch(code):
        return []
    return [
        violation(
            field,
            "seal_code_format",
            f"印章编码应为13位数字，“{code}”不是",
            f"a seal code is 13 digits, {code!r} is not",
        )
    ]


def filing_number(seal_code: str, filed_at: datetime) -> str:
    """The police filing number (公安备案号): our own format, "GA" + filing date + seal code.

    The public security bureau's real numbering was not available; this one is unique because
    the seal code is.
    """
    return f"GA{filed_at:%Y%m%d}{seal_code}"


# --------------------------------------------------------------------------- the seal maker


def not_engraved(seals: Iterable[SealFacts]) -> list[str]:
    """Physical seals still to be engraved before the order can be completed."""
    return [s.seal_code for s in seals if s.physical and s.state is SealState.ORDERED]


def engrave_selection(
    seals: Sequence[SealFacts], codes: Sequence[str]
) -> tuple[list[str], list[RuleViolation]]:
    """Which seals to mark engraved: the listed codes, or every physical seal when none are."""
    if not codes:
        return [s.seal_code for s in seals if s.physical and s.state is SealState.ORDERED], []
    by_code = {s.seal_code: s for s in seals}
    chosen: list[str] = []
    found: list[RuleViolation] = []
    for i, code in enumerate(codes):
        seal = by_code.get(code)
        field = f"seal_codes[{i}]"
        if seal is None:
            found.append(
                violation(
                    field,
                    "in_order",
                    f"印章编码{code}不属于该订单",
                    f"seal code {code} is not part of this order",
                )
            )
        elif not seal.physical:
            found.append(
                violation(
                    field,
                    "physical_only",
                    f"{code}是电子印章，无需刻制；电子印章在完成订单时生成",
                    f"{code} is electronic only: nothing to engrave, it is made at completion",
                )
            )
        elif seal.state is SealState.ORDERED:
            chosen.append(code)
    return chosen, found


# --------------------------------------------------------------------------- certificates


def certificate_window(now: datetime, ca_not_after: datetime) -> tuple[datetime, datetime]:
    """Validity of a new seal certificate: from a little before now, never past its CA."""
    return now - CLOCK_SKEW, min(now + CERTIFICATE_LIFETIME, ca_not_after)


def crl_due(this_update: datetime | None, next_update: datetime | None, now: datetime) -> bool:
    """Whether the current CRL should be replaced (none yet, a day old, or near its end)."""
    if this_update is None or next_update is None:
        return True
    return now - this_update >= CRL_RENEW_AFTER or next_update - now <= CRL_LIFETIME / 2


# --------------------------------------------------------------------------- placing a seal


@dataclass(frozen=True)
class PageBox:
    """The visible area of a page (its crop box), in PDF points."""

    left: float
    bottom: float
    right: float
    top: float


def impression_size_pt(kind: SealKind) -> tuple[float, float]:
    width, height = seal_size_mm(kind)
    return width * MM, height * MM


def placement_violations(
    pages: Sequence[PageBox], page: int, x: float, y: float, kind: SealKind
) -> list[RuleViolation]:
    """The impression must sit entirely on an existing page."""
    if not 0 <= page < len(pages):
        return [
            violation(
                "page",
                "page_exists",
                f"文件共{len(pages)}页，没有第{page + 1}页（页码从0开始计）",
                f"the document has {len(pages)} page(s); there is no page index {page} "
                "(zero-based)",
            )
        ]
    if not (math.isfinite(x) and math.isfinite(y)):
        return [violation("x", "finite", "位置须为有限数值", "the position must be finite numbers")]
    box = pages[page]
    width, height = impression_size_pt(kind)
    if box.left <= x and x + width <= box.right and box.bottom <= y and y + height <= box.top:
        return []
    return [
        violation(
            "x",
            "on_page",
            f"印章（{width:.0f}×{height:.0f}点）放在({x:.0f}, {y:.0f})会超出第{page + 1}页"
            f"（{box.left:.0f}–{box.right:.0f} × {box.bottom:.0f}–{box.top:.0f}点）",
            f"a {width:.0f}x{height:.0f} pt impression at ({x:.0f}, {y:.0f}) does not fit on "
            f"page {page} ({box.left:.0f}..{box.right:.0f} x {box.bottom:.0f}..{box.top:.0f} pt)",
        )
    ]


def signature_field_name(seal_code: str, existing: Iterable[str]) -> str:
    """A fresh field name for another impression of the same seal on the same document."""
    taken = set(existing)
    number = 1
    while f"seal-{seal_code}-{number}" in taken:
        number += 1
    return f"seal-{seal_code}-{number}"


# --------------------------------------------------------------------------- authorised users

MAX_SUBJECT = 120
MAX_NOTE = 500
MAX_REVOKE_REASON = 500


class Capacity(StrEnum):
    """In what capacity someone used a seal (the usage register records it)."""

    OWNER = "owner"
    AUTHORISED_USER = "authorised_user"
    ADMINISTRATOR = "administrator"


@dataclass(frozen=True)
class GrantInput:
    """An AuthoriseSigner request; a kind is None where the request named no known kind."""

    subject: str
    kinds: tuple[SealKind | None, ...]
    valid_until: datetime | None
    note: str


@dataclass(frozen=True)
class GrantFacts:
    """What signing needs to know about an authorisation."""

    kinds: frozenset[SealKind]
    valid_until: datetime | None
    revoked_at: datetime | None

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and not _expired(self.valid_until, now)


def _aware(value: datetime, name: str) -> datetime:
    # A naive time here is a programming error: comparing it would be off by the zone offset.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} {value.isoformat()} is naive; pass a timezone-aware datetime")
    return value


def _expired(valid_until: datetime | None, now: datetime) -> bool:
    if valid_until is None:
        return False
    return _aware(valid_until, "valid_until") <= _aware(now, "now")


def grant_violations(
    grant: GrantInput, *, owner: str, company_kinds: frozenset[SealKind], now: datetime
) -> list[RuleViolation]:
    """Everything wrong with an authorisation, each naming its field and rule.

    ``company_kinds``: the kinds the company has a live electronic seal of.
    """
    found: list[RuleViolation] = []
    subject = grant.subject
    if not subject:
        found.append(
            violation(
                "subject",
                "required",
                "请填写被授权用印人（其登录账号）",
                "name the authorised user (their account subject)",
            )
        )
    elif len(subject) > MAX_SUBJECT:
        found.append(
            violation(
                "subject",
                "max_length",
                f"被授权用印人账号最多{MAX_SUBJECT}个字符，实际为{len(subject)}个",
                f"the subject may have at most {MAX_SUBJECT} characters, it has {len(subject)}",
            )
        )
    elif subject == owner:
        found.append(
            violation(
                "subject",
                "not_owner",
                f"{subject} 是企业的申请人，本身即可用印，无需授权",
                f"{subject} owns the company and signs without an authorisation",
            )
        )
    for i, kind in enumerate(grant.kinds):
        if kind is None:
            found.append(
                violation(
                    f"kinds[{i}]",
                    "seal_kind",
                    "未指定或未知的印章种类",
                    "unspecified or unknown seal kind",
                )
            )
        elif kind not in company_kinds:
            found.append(
                violation(
                    f"kinds[{i}]",
                    "electronic_seal_of_company",
                    f"企业没有可用的{kind.label_zh}电子印章，不能授权使用",
                    f"the company has no electronic {kind.value} seal to authorise",
                )
            )
    if not grant.kinds and not company_kinds:
        found.append(
            violation(
                "kinds",
                "electronic_seal_of_company",
                "企业没有可用的电子印章，无可授权的印章",
                "the company has no electronic seal to authorise",
            )
        )
    if grant.valid_until is not None and _expired(grant.valid_until, now):
        found.append(
            violation(
                "valid_until",
                "future",
                f"授权截止时间{grant.valid_until.isoformat()}已过，须晚于当前时间"
                f"{now.isoformat()}（不填则长期有效，直至撤销）",
                f"valid_until {grant.valid_until.isoformat()} is not after now "
                f"({now.isoformat()}); leave it unset for a grant until revoked",
            )
        )
    if len(grant.note) > MAX_NOTE:
        found.append(
            violation(
                "note",
                "max_length",
                f"备注最多{MAX_NOTE}个字符，实际为{len(grant.note)}个",
                f"the note may have at most {MAX_NOTE} characters, it has {len(grant.note)}",
            )
        )
    return found


def granted_kinds(
    requested: Iterable[SealKind | None], company_kinds: frozenset[SealKind]
) -> tuple[SealKind, ...]:
    """The kinds a valid grant covers, in the usual order: those asked for, or when none are,
    every kind the company has an electronic seal of."""
    wanted = {kind for kind in requested if kind is not None} or company_kinds
    return tuple(kind for kind in KIND_ORDER if kind in wanted)


def revoke_violations(subject: str, reason: str) -> list[RuleViolation]:
    found: list[RuleViolation] = []
    if not subject:
        found.append(
            violation(
                "subject",
                "required",
                "请填写要撤销授权的用印人",
                "name the authorised user whose authorisation is revoked",
            )
        )
    if not reason:
        found.append(
            violation(
                "reason", "required", "撤销授权须说明理由", "say why the authorisation is revoked"
            )
        )
    elif len(reason) > MAX_REVOKE_REASON:
        found.append(
            violation(
                "reason",
                "max_length",
                f"撤销理由最多{MAX_REVOKE_REASON}个字符，实际为{len(reason)}个",
                f"the reason may have at most {MAX_REVOKE_REASON} characters, it has {len(reason)}",
            )
        )
    return found


def grant_refusal(subject: str, grant: GrantFacts | None, now: datetime) -> RuleViolation | None:
    """Why ``subject``, who does not own the company, may not sign with its seals at all; None
    when it holds an active authorisation. Checked before anything about the seal is told."""
    if grant is None:
        return violation(
            "subject",
            "authorised_user",
            f"{subject} 既不是企业的申请人，也不是其被授权用印人，无权使用其印章",
            f"{subject} neither owns the company nor is one of its authorised users",
        )
    if grant.revoked_at is not None:
        return violation(
            "subject",
            "authorisation_revoked",
            f"{subject} 的用印授权已于{grant.revoked_at.isoformat()}撤销",
            f"the authorisation of {subject} was revoked at {grant.revoked_at.isoformat()}",
        )
    if grant.valid_until is not None and _expired(grant.valid_until, now):
        return violation(
            "subject",
            "authorisation_expired",
            f"{subject} 的用印授权已于{grant.valid_until.isoformat()}到期",
            f"the authorisation of {subject} expired at {grant.valid_until.isoformat()}",
        )
    return None


def kind_refusal(subject: str, grant: GrantFacts, kind: SealKind) -> RuleViolation | None:
    """Why an authorised user may not sign with a seal of ``kind``; None if the grant covers it."""
    if kind in grant.kinds:
        return None
    covered = [k for k in KIND_ORDER if k in grant.kinds]
    covered_zh = "、".join(k.label_zh for k in covered)
    return violation(
        "kind",
        "authorised_kind",
        f"{subject} 未获授权使用{kind.label_zh}（已授权：{covered_zh}）",
        f"{subject} is not authorised to sign with the {kind.value} seal (authorised: "
        f"{', '.join(k.value for k in covered)})",
    )
