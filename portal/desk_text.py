"""What the desks' pages say about a task, in the page's language: a label for every code the
services put in a task's details (bank checks, tax rules, invoice kinds, materials …), amounts
with their units (万元 / yuan with thousands separators, exact), shares as percent and dates in
the locale's form. Pure functions: no request, no gRPC call.

The services keep writing their details as codes and plain numbers; the words are here, in the
translators' tables (``data/enum_labels.csv``, ``data/messages.csv``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from portal.i18n import ENUM_LABELS, MATERIALS, S, translate
from portal.views import field_text

# What a raw code looks like (the test of every desk page scans for it).
SNAKE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")
# The label tables of the codes a service may write into free text (searched in this order).
CODE_KINDS = ("bank_check", "tax_rule", "rule_verified", "desk_code")
_INDEXED = re.compile(r"^(?P<code>[a-z_]+)\[(?P<index>\d+)\]$")
_TAX_OFFICE = re.compile(r"^tax_office_(?P<division>\d{6})$")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
TEN_THOUSAND = Decimal(10000)


def _pick(labels: tuple[str, str], lang: str) -> str:
    return labels[1] if lang == "en" else labels[0]


def words(code: str) -> str:
    """An unknown code as words ("new_rule_x" → "new rule x"): never shown as snake_case."""
    return re.sub(r"[_.]+", " ", code).strip()


def code_label(code: str, lang: str, kinds: tuple[str, ...] = CODE_KINDS) -> str:
    """The label of a code from the first of ``kinds`` that has it; a numbered code
    ("beneficial_owner_id[1]") gets its number (counted from 1), a tax office its division."""
    indexed = _INDEXED.match(code)
    if indexed:
        return f"{code_label(indexed['code'], lang, kinds)} {int(indexed['index']) + 1}"
    office = _TAX_OFFICE.match(code)
    if office:
        return f"{code_label('tax_office', lang, kinds)} {office['division']}"
    for kind in kinds:
        labels = ENUM_LABELS.get(kind, {}).get(code)
        if labels is not None:
            return _pick(labels, lang)
    return words(code)


def no_codes(text: str, lang: str) -> str:
    """Free text from a service with every code in it replaced by its label."""
    return SNAKE.sub(lambda m: code_label(m.group(0), lang), text)


def enum_text(kind: str, value: str, lang: str) -> str:
    """A proto enum's value as written in details (lowercase) by its label."""
    labels = ENUM_LABELS.get(kind, {}).get(value.upper())
    return _pick(labels, lang) if labels else code_label(value, lang)


# --------------------------------------------------------------------------- numbers


def decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros after the point ("500", "12.5")."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def grouped(value: Decimal, places: int | None = None) -> str:
    """Thousands separators, exactly ("5,000,000", "100,000.00")."""
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places))
        return format(value, ",f")
    return format(Decimal(plain(value)), ",f")


def percent(share: str | Decimal) -> str:
    """A share (0.6) as percent ("60 %")."""
    value = share if isinstance(share, Decimal) else decimal(share)
    if value is None:
        return str(share)
    return f"{plain(value * 100)} %"


def capital(amount: str, currency: str, lang: str) -> str:
    """Registered capital: 万元 in Chinese, yuan with separators in English (other currencies
    keep their code)."""
    value = decimal(amount)
    if value is None:
        return amount
    if currency not in ("", "CNY"):
        return f"{grouped(value)} {currency}"
    if lang == "en":
        return f"{grouped(value)} yuan"
    return f"{plain(value / TEN_THOUSAND)} 万元"


def money(amount: str, lang: str) -> str:
    """An amount in yuan with cents: "100,000.00 元" / "100,000.00 yuan"."""
    value = decimal(amount)
    if value is None:
        return amount
    return f"{grouped(value, 2)} {'yuan' if lang == 'en' else '元'}"


def amount_with_currency(text: str, lang: str) -> str:
    """ "5000000 CNY" (as the services write capital) as capital in the page's units."""
    amount, _, currency = text.strip().partition(" ")
    return capital(amount, currency.strip() or "CNY", lang)


# --------------------------------------------------------------------------- dates


def day(value: date, lang: str) -> str:
    if lang == "en":
        return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"
    return f"{value.year}年{value.month}月{value.day}日"


def moment(value: datetime | None, lang: str) -> str:
    if value is None:
        return ""
    return f"{day(value.date(), lang)}{', ' if lang == 'en' else ' '}{value:%H:%M}"


def date_text(text: str, lang: str) -> str:
    """An ISO date or date-time from a service in the locale's form (anything else as is)."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    if len(text.strip()) <= 10:
        return day(parsed.date(), lang)
    return moment(parsed, lang)


# --------------------------------------------------------------------------- task details


def _items(text: str, sep: str) -> list[str]:
    return [item.strip() for item in text.split(sep) if item.strip()]


def _materials(text: str, lang: str) -> str:
    return "、".join(
        _pick(MATERIALS[c], lang) if c in MATERIALS else code_label(c, lang)
        for c in _items(text, ",")
    )


def _fields(text: str, lang: str) -> str:
    parts = re.split(r"[;\n]", text)
    return "; ".join(field_text(p.strip(), lang) or words(p.strip()) for p in parts if p.strip())


def _rules(text: str, lang: str) -> str:
    """ "tax_office_120115: partial; small_scale_threshold_annual_sales: unverified" """
    shown = []
    for item in _items(text, ";"):
        name, _, verified = item.partition(":")
        label = code_label(name.strip(), lang, ("tax_rule",))
        status = code_label(verified.strip(), lang, ("rule_verified",))
        shown.append(f"{label}{'：' if lang == 'zh' else ': '}{status}")
    return "; ".join(shown)


_FALLBACK = re.compile(r"\s*\(fallback: legal representative\)$")


def owners(text: str, lang: str) -> str:
    """The bank's beneficial owners ("name id share[ (fallback: …)]; …") with shares in percent."""
    shown = []
    for item in _items(text, ";"):
        fallback = bool(_FALLBACK.search(item))
        item = _FALLBACK.sub("", item)
        parts = item.rsplit(" ", 2)
        if len(parts) == 3 and decimal(parts[2]) is not None:
            line = f"{parts[0]} · {parts[1]} · {percent(parts[2])}"
        else:
            line = item
        if fallback:
            line += f"（{translate('desk.owner_fallback', lang)}）"
        shown.append(line)
    return "; ".join(shown)


def _seals(text: str, lang: str) -> str:
    if lang == "zh":
        return text
    by_zh = {zh: en for zh, en in ENUM_LABELS["seal_kind"].values()}
    return ", ".join(by_zh.get(name, name) for name in _items(text, "、"))


def _risk_class(text: str, lang: str) -> str:
    return f"class {text}" if lang == "en" else f"{text} 类"


def _count(key: str) -> Callable[[str, str], str]:
    return lambda text, lang: f"{text} {translate(key, lang)}"


def _yes_no(text: str, lang: str) -> str:
    return translate("common.yes" if text == "yes" else "common.no", lang)


def _bilingual(text: str, lang: str) -> str:
    """ "中文 / English" written by a service: the page's half."""
    zh, sep, en = text.partition(" / ")
    return (en if lang == "en" else zh) if sep else text


_CODED = re.compile(r"^[\w.]+: (?P<en>.*) / (?P<zh>.*)$")


def _coded_lines(text: str, lang: str) -> str:
    """Lines "code: English / 中文" (registration's flags and review reasons): the page's half;
    other lines ("中文 / English" or one language) as written."""
    shown = []
    for line in _items(text, "\n"):
        coded = _CODED.match(line)
        shown.append(coded[lang if lang == "en" else "zh"] if coded else _bilingual(line, lang))
    return "\n".join(shown)


def review_reasons(reasons: Iterable[str], lang: str) -> list[str]:
    """The officer's review reasons ("code: English / 中文"), each in the page's language."""
    return [_coded_lines(reason, lang) for reason in reasons]


def _bilingual_items(text: str, lang: str) -> str:
    return "；".join(_bilingual(item, lang) for item in _items(text, "；"))


def _kinds(text: str, lang: str) -> str:
    return "、".join(enum_text("invoice_kind", k, lang) for k in _items(text, ","))


def _checks(text: str, lang: str) -> str:
    return "; ".join(code_label(c, lang, ("bank_check",)) for c in _items(text, ","))


def _bytes(text: str, lang: str) -> str:
    value = decimal(text)
    return f"{grouped(value)} {'bytes' if lang == 'en' else '字节'}" if value is not None else text


DETAIL_VALUES: Mapping[str, Callable[[str, str], str]] = {
    "enterprise_type": lambda v, lang: enum_text("enterprise_type", v, lang),
    "registered_capital": amount_with_currency,
    "commitment": _materials,
    "material_code": _materials,
    "commitment_made_at": date_text,
    "commitment_last_day": date_text,
    "commitment_rule": _bilingual,
    "correction_requested": _fields,
    "corrected_fields": _fields,
    "physical_seals": _seals,
    "electronic_seals": _seals,
    "vat_status": lambda v, lang: enum_text("vat_status", v, lang),
    "declares_proper_accounts": _yes_no,
    "requested_kinds": _kinds,
    "requested_max_amount_per_invoice": money,
    "standard_credit_line": money,
    "expected_annual_sales": money,
    "requested_monthly_quantity": _count("desk.per_month"),
    "rules_not_settled": _rules,
    "beneficial_owners": owners,
    "checks_failed": _checks,
    "employees": _count("desk.people"),
    "work_injury_risk_class": _risk_class,
    "employer_total_first_month": money,
    "employee_total_first_month": money,
    "bytes": _bytes,
    "review_reasons": _coded_lines,
    "flags": _coded_lines,
    "not_standard": _bilingual_items,
}
# Details a page shows elsewhere (the officer's rule problems) or that only a machine reads.
HIDDEN_DETAILS = frozenset({"rejections", "content_type"})


def detail_label(key: str, lang: str) -> str:
    if key.startswith("changed."):
        item = code_label(key.removeprefix("changed."), lang)
        return f"{translate('detail.changed', lang)} · {item}"
    name = f"detail.{key}"
    return translate(name, lang) if name in S else code_label(key, lang)


def detail_value(key: str, value: str, lang: str) -> str:
    shape = DETAIL_VALUES.get(key)
    return no_codes(shape(value, lang) if shape else value, lang)


def details(values: Mapping[str, str], lang: str) -> list[tuple[str, str]]:
    """A task's details as (label, value) in the page's language, in a stable order."""
    return [
        (detail_label(key, lang), detail_value(key, value, lang))
        for key, value in sorted(values.items())
        if value and key not in HIDDEN_DETAILS
    ]


# --------------------------------------------------------------------------- one line per task


def summary(desk: str, values: Mapping[str, str], fallback: str, lang: str) -> str:
    """The queue's line for a task, made from its details in the page's language; the service's
    own line (codes labelled) when the details do not have what the line needs."""
    v = dict(values)
    d = lambda key: detail_value(key, v[key], lang)  # noqa: E731
    parts: list[str] = []
    if desk == "officer" and "registered_capital" in v:
        parts = [d("enterprise_type") if v.get("enterprise_type") else ""]
        parts.append(f"{translate('detail.registered_capital', lang)} {d('registered_capital')}")
        if v.get("legal_representative"):
            who = v["legal_representative"]
            parts.append(f"{translate('detail.legal_representative', lang)} {who}")
        if v.get("commitment"):
            parts.append(f"{translate('detail.commitment', lang)}：{d('commitment')}")
    elif desk == "seal_maker" and ("physical_seals" in v or "electronic_seals" in v):
        for key in ("physical_seals", "electronic_seals"):
            if v.get(key):
                parts.append(f"{translate('detail.' + key, lang)}：{d(key)}")
    elif desk == "tax_staff" and "vat_status" in v:
        parts = [d("vat_status")]
        if v.get("requested_kinds"):
            parts.append(d("requested_kinds"))
        if v.get("requested_max_amount_per_invoice"):
            parts.append(
                f"{translate('detail.requested_max_amount_per_invoice', lang)} "
                f"{d('requested_max_amount_per_invoice')}"
            )
        if v.get("not_standard"):
            parts.append(translate("detail.not_standard", lang))
    elif desk == "si_clerk" and "employees" in v:
        parts = [d("employees")]
        for key in ("employer_total_first_month", "employee_total_first_month"):
            if v.get(key):
                parts.append(f"{translate('detail.' + key, lang)} {d(key)}")
        if v.get("late_enrolment"):
            parts.append(translate("detail.late_enrolment", lang))
    elif desk == "bank_clerk" and "bank" in v:
        parts = [v.get("branch") or v["bank"]]
        count = len(_items(v.get("beneficial_owners", ""), ";"))
        parts.append(f"{translate('detail.beneficial_owners', lang)} {count}")
        if v.get("checks_failed"):
            parts.append(f"{translate('detail.checks_failed', lang)}：{d('checks_failed')}")
    text = " · ".join(p for p in parts if p)
    return text or no_codes(fallback, lang)
