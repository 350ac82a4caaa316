"""What the business license prints: its facts and labels, the capital in financial capitals,
the operating term, the scope text, the QR payload and the license number."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from onestop_common.verification import verification_url
from svc_registration.domain.form import LLC_TYPES, TYPE_LABELS, EnterpriseType
from svc_registration.domain.reference_data import ReferenceData

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


def qr_payload(base_url: str, uscc: str, license_number: str, version: int) -> str:
    """What the QR code on the license carries: the portal's public verification page for this
    license and version (``base_url`` is Settings.verification_base_url)."""
    return verification_url(base_url, uscc, license_number, version)


def license_number_for(area: str, issued_on: date, random_part: str) -> str:
    return f"{area}{issued_on:%Y%m%d}{random_part}"
