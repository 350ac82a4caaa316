"""The company name: its four parts and their words (2021 enterprise name regulation), the keys a
name holds in the registration area, and how long a reservation or a deregistered name's hold
lasts. Uniqueness itself needs the database and is the store's."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from onestop_common.errors import RuleViolation
from svc_registration.domain.form import (
    REGISTRATION_AREA,
    TYPE_LABELS,
    CompanyName,
    EnterpriseType,
)
from svc_registration.domain.reference_data import ReferenceData, _checked_zh, normalise_wording
from svc_registration.domain.results import Flag, Validation, _v

NAME_RESERVATION_MONTHS = 2
DEREGISTERED_NAME_HOLD_DAYS = 365

_CJK = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+$")


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
