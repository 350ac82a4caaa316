"""The domicile: inside the registration area, a street address, a well-formed postal code."""

from __future__ import annotations

import re

from onestop_common.errors import RuleViolation
from svc_registration.domain.form import Address
from svc_registration.domain.reference_data import ReferenceData, _name_forms
from svc_registration.domain.results import _v

_POSTAL = re.compile(r"^\d{6}$")
_DIVISION_CODE = re.compile(r"^\d{6}$")


def domicile_problems(address: Address, ref: ReferenceData, area: str) -> list[RuleViolation]:
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
