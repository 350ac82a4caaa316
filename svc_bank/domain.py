"""Bank rules: due diligence (KYC) before a basic deposit account is opened, beneficial owners,
and the numbers an opened account gets. Pure: no I/O, no clock, no framework; the answers of the
registration and seal services arrive here as plain facts.

Formats (ours, documented because the real ones are bank-internal or were not checked):
- Account number, 17 digits: 3-digit CNAPS bank code + 4 branch digits (the district part of the
  company's domicile division code: the branch sits in the company's district) + account type
  digit (``1`` = basic deposit account) + 8-digit serial per bank + a Luhn check digit over the
  first 16. Real lengths differ by bank and are not validated (banks.csv has none).
- Filing number (备案, which replaced the account-opening licence in 2019): ``J`` + the first four
  digits of the division code + a 7-digit serial + ``01``, modelled on the 基本存款账户编号
  (formerly the licence's 核准号) from memory, not checked against the PBOC rule.
- Account information notice (开户信息告知书) number: bank code + ``YYYYMMDD`` + 6-digit serial.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from onestop_common.decimals import parse_decimal
from onestop_common.decisions import Findings
from onestop_common.errors import RuleViolation, violation
from onestop_common.identifiers import mask_id_number, validate_citizen_id

CITIZEN_ID = "citizen_id"
# A document type the form names by a number this version does not know: refused, never sent
# to the clerk as some other document (protoconv.UNKNOWN_ID_TYPE).
UNKNOWN_ID_TYPE = "unknown"
# 受益所有人: a natural person holding 25% or more (银发〔2017〕235号; 2024 受益所有人信息管理办法).
OWNER_THRESHOLD = Decimal("0.25")
BASIC = "basic"
ACCOUNT_TYPE_DIGIT = {BASIC: "1"}
SHARE_PLACES = Decimal("0.000001")


# --------------------------------------------------------------------------- reference data


@dataclass(frozen=True)
class Bank:
    code: str
    name_zh: str
    name_en: str
    verified: str = ""
    source: str = ""


@dataclass(frozen=True)
class RiskEntry:
    id_number: str
    name: str
    reason: str


@dataclass(frozen=True)
class RiskList:
    version: str
    entries: Mapping[str, RiskEntry]

    def hit(self, id_number: str) -> RiskEntry | None:
        return self.entries.get(id_number)


# --------------------------------------------------------------------------- facts from others


@dataclass(frozen=True)
class LicenseFact:
    """The registration service's answer: "valid", "revoked" or "unknown" (none issued there)."""

    uscc: str
    status: str
    company_name: str = ""
    legal_representative: str = ""
    reason: str = ""


@dataclass(frozen=True)
class SealFact:
    """The seal service's answer: "filed", "cancelled" or "unknown" (no filing on record)."""

    seal_code: str
    state: str
    uscc: str = ""
    kind: str = ""
    filing_number: str = ""


# --------------------------------------------------------------------------- the application


@dataclass(frozen=True)
class PersonInput:
    name: str
    id_type: str
    id_number: str


@dataclass(frozen=True)
class ShareholderInput:
    person: PersonInput
    subscribed: str


@dataclass(frozen=True)
class ContactInput:
    """The application's contact person, whom the bank calls to confirm the opening."""

    name: str
    phone: str


@dataclass(frozen=True)
class AccountApplication:
    uscc: str
    company_name: str
    legal_representative: PersonInput
    shareholders: Sequence[ShareholderInput]
    registered_capital: str
    bank_code: str
    branch_name: str
    finance_seal_code: str
    legal_rep_seal_code: str
    # None when what is checked does not carry one: the saga's OpenAccount has no contact field,
    # so only the check of the whole application (CheckApplication) applies the contact rule.
    contact: ContactInput | None = None


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class BeneficialOwner:
    name: str
    id_type: str
    id_number: str
    share: Decimal
    # The fallback when nobody holds 25%: the person who manages the company.
    by_fallback: bool = False

    @property
    def id_masked(self) -> str:
        return mask_id_number(self.id_number)


@dataclass(frozen=True)
class DueDiligence(Findings):
    checks: tuple[Check, ...]
    violations: tuple[RuleViolation, ...]
    review_reasons: tuple[str, ...]
    beneficial_owners: tuple[BeneficialOwner, ...]
    risk_list_version: str


@dataclass
class _Findings:
    checks: list[Check] = field(default_factory=list)
    violations: list[RuleViolation] = field(default_factory=list)
    reviews: list[str] = field(default_factory=list)

    def check(self, name: str, passed: bool, detail: str) -> None:
        self.checks.append(Check(name, passed, detail))

    def refuse(self, field_: str, rule: str, zh: str, en: str) -> None:
        self.violations.append(violation(field_, rule, zh, en))


def due_diligence(
    application: AccountApplication,
    *,
    license: LicenseFact | None,
    finance_seal: SealFact | None,
    legal_rep_seal: SealFact | None,
    banks: Mapping[str, Bank],
    risk_list: RiskList,
    today: date,
    branches: Mapping[str, Sequence[str]] | None = None,
    issued: bool = True,
) -> DueDiligence:
    """Every KYC check, each recorded with its outcome; a failed check is a reasoned refusal.

    ``branches``: the listed branches by bank code (None: the branch is not checked).
    ``issued`` False: the application is checked before the license and the seals exist
    (CheckApplication), so the checks that need them (the license's status and legal
    representative, the seals' police filings) are skipped; every other check runs as at the
    saga's step."""
    found = _Findings()
    _check_bank(found, application, banks)
    if branches is not None:
        _check_branch(found, application, banks, branches)
    if issued:
        _check_license(found, application, license)
    _check_legal_representative(found, application.legal_representative, risk_list, today)
    owners = _check_owners(found, application, risk_list, today)
    if application.contact is not None:
        _check_contact(found, application.contact)
    if issued:
        _check_seal(found, "finance_seal_code", "finance", application, finance_seal)
        _check_seal(found, "legal_rep_seal_code", "legal_rep", application, legal_rep_seal)
    return DueDiligence(
        tuple(found.checks),
        tuple(found.violations),
        tuple(found.reviews),
        owners,
        risk_list.version,
    )


def _check_bank(found: _Findings, app: AccountApplication, banks: Mapping[str, Bank]) -> None:
    bank = banks.get(app.bank_code)
    found.check("bank_known", bank is not None, bank.name_zh if bank else app.bank_code)
    if bank is None:
        found.refuse(
            "form.bank.bank_code",
            "unknown_bank",
            f"银行代码“{app.bank_code}”不在可选银行名单中",
            f"bank code '{app.bank_code}' is not one of the banks on offer",
        )


def branch_key(name: str) -> str:
    """A branch name as compared: full-width forms folded, spaces dropped."""
    return "".join(unicodedata.normalize("NFKC", name).split())


def _check_branch(
    found: _Findings,
    app: AccountApplication,
    banks: Mapping[str, Bank],
    branches: Mapping[str, Sequence[str]],
) -> None:
    bank = banks.get(app.bank_code)
    if bank is None:
        return  # the bank itself is refused; its branches mean nothing
    name = branch_key(app.branch_name)
    if not name:
        found.check("branch_known", False, "no branch named")
        found.refuse(
            "form.bank.branch_name",
            "required",
            "请填写开户网点（开立基本存款账户的支行）",
            "name the branch where the basic deposit account is to be opened",
        )
        return
    listed = tuple(branches.get(bank.code, ()))
    if not listed:
        # The reference data lists no branch of this bank: a clerk confirms the one named.
        found.check("branch_known", True, f"{name}: no branches of {bank.code} on file")
        found.reviews.append(
            f"branch {name} of bank {bank.code} is not in the reference data: the clerk confirms it"
        )
        return
    known = name in listed
    found.check("branch_known", known, name)
    if not known:
        shown = _shown(app.branch_name.strip())
        found.refuse(
            "form.bank.branch_name",
            "unknown_branch",
            f"{bank.name_zh}没有名为“{shown}”的开户网点，可选网点：{'、'.join(listed)}",
            f"{bank.name_en} has no branch named '{shown}'; its branches on offer: "
            f"{', '.join(listed)}",
        )


def _shown(text: str, characters: int = 40) -> str:
    """What a message repeats of the applicant's text: a short, printable excerpt."""
    short = text if len(text) <= characters else text[:characters] + "…"
    return "".join(ch if ch.isprintable() else "\ufffd" for ch in short)


def _check_contact(found: _Findings, contact: ContactInput) -> None:
    """The bank confirms the opening with the company's contact person (开户意愿核实)."""
    named, reachable = bool(contact.name.strip()), bool(contact.phone.strip())
    found.check("contact_given", named and reachable, "contact person and phone given")
    if not named:
        found.refuse(
            "form.contact.person.name",
            "kyc_contact",
            "开立基本存款账户须留联系人姓名，银行据此核实开户意愿",
            "the bank needs the contact person's name to confirm the account opening",
        )
    if not reachable:
        found.refuse(
            "form.contact.phone",
            "kyc_contact",
            "开立基本存款账户须留联系电话，银行据此核实开户意愿",
            "the bank needs the contact's phone number to confirm the account opening",
        )


def _check_license(found: _Findings, app: AccountApplication, fact: LicenseFact | None) -> None:
    if not app.uscc:
        found.check("license_valid", False, "no USCC")
        found.refuse("uscc", "required", "缺少统一社会信用代码", "the USCC is missing")
        return
    assert fact is not None, "the registration service is asked whenever there is a USCC"
    valid = fact.status == "valid"
    found.check("license_valid", valid, f"registration says {fact.status} {fact.reason}".strip())
    if not valid:
        found.refuse(
            "uscc",
            "license_not_valid",
            f"营业执照状态为“{fact.status}”，不能开立基本存款账户",
            f"the business license is {fact.status}; no basic deposit account can be opened",
        )
        return
    named = fact.legal_representative.strip()
    matches = not named or named == app.legal_representative.name.strip()
    found.check(
        "license_names_legal_representative",
        matches,
        "license and form name the same legal representative"
        if matches
        else "the license names a different legal representative",
    )
    if not matches:
        found.refuse(
            "form.legal_representative.name",
            "license_mismatch",
            "法定代表人与营业执照登记的不一致",
            "the legal representative differs from the one on the business license",
        )


def _check_legal_representative(
    found: _Findings, person: PersonInput, risk_list: RiskList, today: date
) -> None:
    id_field = "form.legal_representative.id_number"
    if _check_identity(found, "legal_representative_id", id_field, person, today):
        found.reviews.append(
            "the legal representative's document is not a citizen ID: the clerk verifies it"
        )
    _screen(
        found,
        "legal_representative_risk_list",
        id_field,
        person,
        risk_list,
        "法定代表人",
        "legal representative",
    )


def _check_identity(
    found: _Findings, check: str, field_: str, person: PersonInput, today: date
) -> bool:
    """Validates a citizen ID (recording the check); True when a clerk must verify the document."""
    if not person.id_number.strip():
        found.check(check, False, "no ID document number")
        found.refuse(
            field_,
            "required",
            "开户尽职调查须提供证件号码",
            "due diligence for the account needs the ID document number",
        )
        return False
    if person.id_type == UNKNOWN_ID_TYPE:
        found.check(check, False, "unknown ID document type")
        found.refuse(
            field_,
            "id_type.unknown",
            "证件类型无法识别，请选择列出的证件类型",
            "the ID document type is not one listed; choose a listed type",
        )
        return False
    if person.id_type != CITIZEN_ID:
        ok = bool(person.id_number.strip())
        found.check(check, ok, f"{person.id_type} document, verified by the clerk")
        if not ok:
            found.refuse(field_, "required", "证件号码必填", "the ID document number is required")
        return ok
    verdict = validate_citizen_id(person.id_number, today=today)
    found.check(check, verdict.ok, verdict.reason_en)
    if not verdict.ok:
        found.refuse(field_, f"citizen_id.{verdict.rule}", verdict.reason_zh, verdict.reason_en)
    return False


def _screen(
    found: _Findings,
    check: str,
    field_: str,
    person: PersonInput,
    risk_list: RiskList,
    who_zh: str,
    who_en: str,
) -> None:
    entry = risk_list.hit(person.id_number)
    # The listing reason stays in the clerk's record; the applicant is not told it (tipping-off).
    found.check(
        check,
        entry is None,
        f"not on risk list {risk_list.version}"
        if entry is None
        else f"listed on risk list {risk_list.version}: {entry.reason}",
    )
    if entry is not None:
        found.refuse(
            field_,
            "risk_list",
            f"{who_zh}在本行风险名单上，不予开户",
            f"the {who_en} is on the bank's risk list; the account cannot be opened",
        )


def beneficial_owners(
    holdings: Sequence[tuple[PersonInput, Decimal]], registered_capital: Decimal
) -> tuple[BeneficialOwner, ...]:
    """Natural persons holding at least 25% of the registered capital, one entry per person
    (two lines of the same person are added up). Compared exactly: 4 x holding >= capital."""
    totals: dict[tuple[str, str], tuple[PersonInput, Decimal]] = {}
    for person, amount in holdings:
        key = (person.id_type, person.id_number or person.name)
        previous = totals.get(key)
        totals[key] = (person, amount + (previous[1] if previous else Decimal(0)))
    owners = []
    for person, amount in totals.values():
        if amount * 4 >= registered_capital:
            share = (amount / registered_capital).quantize(SHARE_PLACES).normalize()
            owners.append(BeneficialOwner(person.name, person.id_type, person.id_number, share))
    return tuple(sorted(owners, key=lambda o: -o.share))


def _check_owners(
    found: _Findings, app: AccountApplication, risk_list: RiskList, today: date
) -> tuple[BeneficialOwner, ...]:
    capital = parse_decimal(app.registered_capital)
    if capital is None or capital <= 0:
        found.check("beneficial_owners", False, "no registered capital to measure shares against")
        found.refuse(
            "form.registered_capital",
            "positive_amount",
            "注册资本须为大于零的金额",
            "the registered capital must be an amount greater than zero",
        )
        return ()
    holdings: list[tuple[PersonInput, Decimal]] = []
    for i, holder in enumerate(app.shareholders):
        amount = parse_decimal(holder.subscribed)
        if amount is None or amount <= 0:
            found.refuse(
                f"form.shareholders[{i}].subscribed",
                "positive_amount",
                "认缴出资额须为大于零的金额",
                "the subscribed amount must be greater than zero",
            )
            continue
        holdings.append((holder.person, amount))
    owners = beneficial_owners(holdings, capital)
    for owner in owners:
        i = _index_of(app.shareholders, owner)
        person = PersonInput(owner.name, owner.id_type, owner.id_number)
        id_field = f"form.shareholders[{i}].person.id_number"
        if _check_identity(found, f"beneficial_owner_id[{i}]", id_field, person, today):
            found.reviews.append(f"beneficial owner {owner.name}: the clerk verifies the document")
        _screen(
            found,
            f"beneficial_owner_risk_list[{i}]",
            id_field,
            person,
            risk_list,
            "受益所有人",
            "beneficial owner",
        )
    subscribed = sum((amount for _, amount in holdings), Decimal(0))
    if holdings and subscribed != capital:
        found.reviews.append(
            f"subscriptions add up to {subscribed}, not the registered capital {capital}"
        )
    if not owners and not found.violations:
        # Nobody holds 25%: the person who manages the company is recorded instead (the
        # "senior manager" fallback), which a clerk confirms.
        rep = app.legal_representative
        owners = (BeneficialOwner(rep.name, rep.id_type, rep.id_number, Decimal(0), True),)
        found.reviews.append(
            "no shareholder holds 25% or more: the legal representative is recorded as "
            "beneficial owner (senior manager fallback); the clerk confirms"
        )
    found.check(
        "beneficial_owners",
        bool(owners),
        ", ".join(f"{o.name} {o.share}" for o in owners) or "none identified",
    )
    return owners


def _index_of(shareholders: Sequence[ShareholderInput], owner: BeneficialOwner) -> int:
    for i, holder in enumerate(shareholders):
        p = holder.person
        if (p.id_type, p.id_number or p.name) == (owner.id_type, owner.id_number or owner.name):
            return i
    return 0


_SEAL_NAMES = {
    "finance": ("财务专用章", "finance seal"),
    "legal_rep": ("法定代表人名章", "legal representative's seal"),
}


def _check_seal(
    found: _Findings, field_: str, kind: str, app: AccountApplication, fact: SealFact | None
) -> None:
    zh, en = _SEAL_NAMES[kind]
    check = f"{kind}_seal_filed"
    code = getattr(app, field_)
    if not code:
        found.check(check, False, "no seal code")
        found.refuse(
            field_,
            "required",
            f"缺少{zh}的印章编码（预留印鉴需要）",
            f"the {en}'s code is missing (the specimen-seal card needs it)",
        )
        return
    assert fact is not None, "the seal service is asked whenever there is a code"
    problem: tuple[str, str, str] | None = None
    if fact.state != "filed":
        problem = (
            "seal_not_filed",
            f"{zh}（{code}）未在公安机关备案（状态：{fact.state}）",
            f"the {en} {code} has no police filing (state: {fact.state})",
        )
    elif fact.uscc and app.uscc and fact.uscc != app.uscc:
        problem = (
            "seal_other_company",
            f"{zh}（{code}）不属于本企业",
            f"the {en} {code} belongs to another company",
        )
    elif fact.kind and fact.kind != kind:
        problem = (
            "seal_kind",
            f"印章 {code} 不是{zh}（实为 {fact.kind}）",
            f"seal {code} is not a {en} (it is {fact.kind})",
        )
    found.check(
        check,
        problem is None,
        f"filing {fact.filing_number}" if problem is None else problem[2],
    )
    if problem is not None:
        found.refuse(field_, *problem)


# --------------------------------------------------------------------------- decisions + numbers

# Refusals no correction of the form can undo: a person on the risk list, a license that names
# someone else as legal representative.
FINAL_RULES = frozenset({"risk_list", "license_mismatch"})


def correctable(problems: Sequence[RuleViolation]) -> bool:
    """Whether the applicant can fix every refusal by correcting the form (a missing or wrong ID
    number, the bank or branch chosen); a refusal about the license, the seals, a second account
    or the risk list is final."""
    return all(p.field.startswith("form.") and p.rule not in FINAL_RULES for p in problems)


def luhn_check_digit(digits: str) -> str:
    """The Luhn (mod 10) digit to append to ``digits``."""
    if not digits.isdigit():
        raise ValueError("Luhn needs digits")
    total = 0
    # From the right, the digit next to the (future) check digit is doubled.
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 0:
            n = n * 2 - 9 if n * 2 > 9 else n * 2
        total += n
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    return len(number) >= 2 and number.isdigit() and luhn_check_digit(number[:-1]) == number[-1]


def branch_digits(division_code: str) -> str:
    return division_code[2:6] if len(division_code) == 6 and division_code.isdigit() else "0000"


def account_number(bank_code: str, division_code: str, serial: int, kind: str = BASIC) -> str:
    if not (len(bank_code) == 3 and bank_code.isdigit()):
        raise ValueError("bank code must be 3 digits")
    if not 0 < serial < 10**8:
        raise ValueError("serial out of range")
    body = f"{bank_code}{branch_digits(division_code)}{ACCOUNT_TYPE_DIGIT[kind]}{serial:08d}"
    return body + luhn_check_digit(body)


def valid_account_number(number: str) -> bool:
    return len(number) == 17 and luhn_valid(number)


def filing_number(division_code: str, serial: int) -> str:
    region = division_code[:4] if len(division_code) == 6 and division_code.isdigit() else "1200"
    return f"J{region}{serial:07d}01"


def notice_number(bank_code: str, day: date, serial: int) -> str:
    return f"{bank_code}{day:%Y%m%d}{serial:06d}"
