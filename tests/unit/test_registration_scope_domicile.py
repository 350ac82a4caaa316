"""The business scope and the domicile with a bad value each and the exact rejection it gets, and
the scope flags that send a case to an officer."""

from __future__ import annotations

from dataclasses import replace

from svc_registration.domain import ScopeChoice
from tests.support.registration_forms import BASE, Case, check, flags_of, rejections, v

CASES: list[Case] = [
    (
        "no business scope",
        lambda a: replace(a, scope=()),
        [
            v(
                "form.business_scope",
                "business_scope.required",
                "请至少选择一项经营范围",
                "choose at least one business scope item",
            )
        ],
    ),
    (
        "scope item with an invented code",
        lambda a: replace(a, scope=(ScopeChoice("I6510", "软件开发"),)),
        [
            v(
                "form.business_scope[0].code",
                "business_scope.code_unverifiable",
                "所用经营范围目录没有条目代码，无法核对；请留空代码，只填规范表述",
                "the catalogue in use has no item codes, so a code cannot be checked; leave the "
                "code empty and give the standard wording",
            )
        ],
    ),
    (
        "scope item not in the catalogue",
        lambda a: replace(a, scope=(ScopeChoice("", "软件开发"), ScopeChoice("", "炒股"))),
        [
            v(
                "form.business_scope[1].name_zh",
                "business_scope.unknown",
                "“炒股”不是经营范围规范表述目录中的条目",
                "'炒股' is not a standard business-scope wording in the catalogue",
            )
        ],
    ),
    (
        "scope item twice",
        lambda a: replace(a, scope=(ScopeChoice("", "软件开发"), ScopeChoice("", " 软件开发 "))),
        [
            v(
                "form.business_scope[1].name_zh",
                "business_scope.duplicate",
                "与第 1 项重复",
                "the same item as number 1",
            )
        ],
    ),
    (
        "domicile division code not six digits",
        lambda a: replace(a, domicile=replace(a.domicile, division_code="12011")),
        [
            v(
                "form.domicile.division_code",
                "domicile.division_code_format",
                "住所的行政区划代码应为 6 位数字",
                "the domicile's division code must be six digits",
            )
        ],
    ),
    (
        "domicile in another district",
        lambda a: replace(
            a, domicile=replace(a.domicile, division_code="120116", district="滨海新区")
        ),
        [
            v(
                "form.domicile.division_code",
                "domicile.outside_area",
                "住所须位于本登记机关辖区（宝坻区，120115）内",
                "the domicile must lie in this registration area (宝坻区, 120115)",
            )
        ],
    ),
    (
        "domicile district text contradicts its code",
        lambda a: replace(a, domicile=replace(a.domicile, district="武清区")),
        [
            v(
                "form.domicile.district",
                "domicile.district_mismatch",
                "区县“武清区”与行政区划代码 120115（宝坻区）不一致",
                "district '武清区' does not match division code 120115",
            )
        ],
    ),
    (
        "domicile without a street address",
        lambda a: replace(a, domicile=replace(a.domicile, detail="  ")),
        [
            v(
                "form.domicile.detail",
                "domicile.detail_required",
                "请填写住所的详细地址（街道、门牌号、楼栋和房间）",
                "give the street address (street, number, building and room)",
            )
        ],
    ),
    (
        "postal code of five digits",
        lambda a: replace(a, domicile=replace(a.domicile, postal_code="30180")),
        [
            v(
                "form.domicile.postal_code",
                "domicile.postal_code_format",
                "邮政编码应为 6 位数字",
                "the postal code must be six digits",
            )
        ],
    ),
]


test_a_bad_value_gets_exactly_its_rejection = rejections(CASES)


def test_a_licensed_scope_item_is_flagged_with_its_department():
    app = replace(BASE, scope=(*BASE.scope, ScopeChoice("", "互联网信息服务")))
    (flag, unverified) = check(app).flags
    assert flag.code == "business_scope.licensed"
    assert "通信管理部门" in flag.message_zh and "not verified" in flag.message_en
    assert unverified.code == "business_scope.unverified_entry"


def test_an_unverified_catalogue_entry_is_flagged_not_presented_as_settled():
    app = replace(BASE, scope=(ScopeChoice("", "市场营销策划"),))
    assert flags_of(app) == ["business_scope.unverified_entry"]
    assert "unverified" in check(app).flags[0].message_en
