"""The company name's rules with a bad value each and the exact rejection it gets, the name flags
that send a case to an officer, the keys a name holds and how long a reservation lasts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from svc_registration import domain
from svc_registration.domain import CompanyName, EnterpriseType
from tests.support.registration_forms import (
    BASE,
    PARTNERSHIP,
    REF,
    SOLE,
    Case,
    flags_of,
    named,
    rejections,
    v,
)

CASES: list[Case] = [
    (
        "division missing",
        named(division=""),
        [
            v(
                "form.name.division",
                "name.division_required",
                "名称须以登记机关所在地的行政区划名称开头",
                "the name must begin with the administrative division of the registration area",
            )
        ],
    ),
    (
        "division of another area",
        named(division="北京"),
        [
            v(
                "form.name.division",
                "name.division_outside_area",
                "行政区划“北京”不是本登记机关辖区（可用：天津、宝坻、天津市、宝坻区、天津宝坻、"
                "天津宝坻区、天津市宝坻、天津市宝坻区）",
                "division '北京' is not this registration area (use one of: 天津、宝坻、天津市、"
                "宝坻区、天津宝坻、天津宝坻区、天津市宝坻、天津市宝坻区)",
            )
        ],
    ),
    (
        "trade name missing",
        named(trade_name=""),
        [
            v(
                "form.name.trade_name",
                "name.trade_name_required",
                "请填写字号",
                "the trade name (字号) is required",
            )
        ],
    ),
    (
        "trade name with latin letters",
        named(trade_name="宝坻AI"),
        [
            v(
                "form.name.trade_name",
                "name.trade_name_chinese",
                "字号只能由汉字组成（不含字母、数字、符号或空格）",
                "the trade name must consist of Chinese characters only (no letters, digits, "
                "symbols or spaces)",
            )
        ],
    ),
    (
        "trade name of one character",
        named(trade_name="坻"),
        [
            v(
                "form.name.trade_name",
                "name.trade_name_length",
                "字号应当由两个以上汉字组成",
                "the trade name must have at least two Chinese characters",
            )
        ],
    ),
    (
        "trade name is a place name",
        named(trade_name="宝坻"),
        [
            v(
                "form.name.trade_name",
                "name.trade_name_place",
                "字号“宝坻”是行政区划名称，不能作为字号",
                "the trade name '宝坻' is an administrative division name",
            )
        ],
    ),
    (
        "trade name is an industry word",
        named(trade_name="软件"),
        [
            v(
                "form.name.trade_name",
                "name.trade_name_industry_word",
                "字号“软件”是行业用语，不能作为字号",
                "the trade name '软件' is an industry word, not a trade name",
            )
        ],
    ),
    (
        "industry word missing",
        named(industry=""),
        [
            v(
                "form.name.industry",
                "name.industry_required",
                "请填写行业或经营特点用语",
                "the industry word is required",
            )
        ],
    ),
    (
        "industry code missing",
        named(industry_code=""),
        [
            v(
                "form.name.industry_code",
                "name.industry_code_required",
                "请选择行业用语对应的国民经济行业分类（GB/T 4754）代码",
                "choose the GB/T 4754 industry code the industry word stands for",
            )
        ],
    ),
    (
        "industry code not in GB/T 4754",
        named(industry_code="Z9"),
        [
            v(
                "form.name.industry_code",
                "name.industry_code_unknown",
                "“Z9”不是国民经济行业分类（GB/T 4754-2017）的门类或大类代码",
                "'Z9' is not a GB/T 4754-2017 section or division code",
            )
        ],
    ),
    (
        "industry not open to enterprises",
        named(industry_code="S"),
        [
            v(
                "form.name.industry_code",
                "name.industry_not_for_enterprises",
                "行业“公共管理、社会保障和社会组织”不适用于企业登记",
                "the industry 'Public administration, social security and social organizations' "
                "is not open to enterprises",
            )
        ],
    ),
    (
        "industry word of another industry",
        named(industry="餐饮"),
        [
            v(
                "form.name.industry",
                "name.industry_word_mismatch",
                "行业用语“餐饮”不属于“信息传输、软件和信息技术服务业”（可用：互联网科技、信息技术、"
                "信息科技、广播电视、数据、数据科技、智能科技、电信、电子商务、科技、网络科技、计算机、"
                "软件、软件开发、通信、通讯）",
                "'餐饮' does not describe the industry 'Information transmission, software and "
                "information technology services' (use one of: 互联网科技、信息技术、信息科技、"
                "广播电视、数据、数据科技、智能科技、电信、电子商务、科技、网络科技、计算机、软件、"
                "软件开发、通信、通讯)",
            )
        ],
    ),
    (
        "organisational form missing",
        named(organisational_form=""),
        [
            v(
                "form.name.organisational_form",
                "name.form_required",
                "请填写组织形式（如“有限公司”）",
                "the organisational form (e.g. 有限公司) is required",
            )
        ],
    ),
    (
        "organisational form of another type",
        named(organisational_form="工作室"),
        [
            v(
                "form.name.organisational_form",
                "name.form_mismatch",
                "组织形式“工作室”与企业类型“有限责任公司（自然人投资或控股）”不符（可用：有限责任公司、有限公司）",
                "the organisational form '工作室' does not fit a limited liability company "
                "(natural-person owned) (use one of: 有限责任公司、有限公司)",
            )
        ],
    ),
    (
        "a company form for a sole proprietorship",
        lambda a: replace(SOLE, name=replace(SOLE.name, organisational_form="有限公司")),
        [
            v(
                "form.name.organisational_form",
                "name.form_mismatch",
                "组织形式“有限公司”与企业类型“个人独资企业”不符（可用：厂、店、部、经营部、中心、工作室、商行）",
                "the organisational form '有限公司' does not fit a sole proprietorship "
                "(use one of: 厂、店、部、经营部、中心、工作室、商行)",
            )
        ],
    ),
    (
        "partnership without 普通合伙",
        lambda a: replace(PARTNERSHIP, name=replace(PARTNERSHIP.name, organisational_form="中心")),
        [
            v(
                "form.name.organisational_form",
                "name.form_mismatch",
                "组织形式“中心”与企业类型“普通合伙企业”不符（可用：合伙企业（普通合伙）、中心（普通合伙）、"
                "工作室（普通合伙）、事务所（普通合伙）、商行（普通合伙））",
                "the organisational form '中心' does not fit a general partnership (use one of: "
                "合伙企业（普通合伙）、中心（普通合伙）、工作室（普通合伙）、事务所（普通合伙）、商行（普通合伙）)",
            )
        ],
    ),
    (
        "prohibited word (Art. 11(5) gambling)",
        named(trade_name="博彩乐园"),
        [
            v(
                "form.name.trade_name",
                "name.prohibited_word",
                "名称含有禁用内容“博彩”（第11条第（5）项 "
                "含有淫秽、色情、赌博、迷信、恐怖、暴力的内容）"
                "（所依据的参考数据尚未核对官方文本，以官方文本为准）",
                "the name contains '博彩', barred by Art.11(5) of the 2021 enterprise name "
                "regulation (reference data unverified: check the official text)",
            )
        ],
    ),
    (
        "prohibited word (Art. 11(4) foreign country)",
        named(trade_name="美国之星"),
        [
            v(
                "form.name.trade_name",
                "name.prohibited_word",
                "名称含有禁用内容“美国”（第11条第（4）项 "
                "使用外国国家（地区）、国际组织名称及其通用简称、"
                "特定称谓）（所依据的参考数据仅部分核对官方文本，以官方文本为准）",
                "the name contains '美国', barred by Art.11(4) of the 2021 enterprise name "
                "regulation (reference data partial: check the official text)",
            )
        ],
    ),
]


test_a_bad_value_gets_exactly_its_rejection = rejections(CASES)


def test_a_restricted_name_word_is_flagged_for_an_officer():
    assert flags_of(replace(BASE, name=replace(BASE.name, trade_name="国际示例"))) == [
        "name.restricted_word"
    ]


def test_a_restricted_industry_is_flagged():
    app = replace(BASE, name=replace(BASE.name, industry_code="J", industry="金融"))
    assert "name.industry_restricted" in flags_of(app)


def test_name_parts_and_hold_keys():
    assert BASE.name.full == "天津宝坻示例科技有限公司"
    assert domain.name_hold_keys(BASE.name, "I") == (
        "trade|120115|I|宝坻示例",
        "full|120115|天津宝坻示例科技有限公司",
    )


def test_check_name_alone_reports_the_name_rules():
    result = domain.check_name(
        CompanyName("天津", "宝坻示例", "科技", "有限公司", "65"), EnterpriseType.LLC, REF
    )
    assert result.violations == () and result.industry_section == "I"


def test_reservation_lasts_two_months_even_at_the_end_of_a_month():
    from datetime import datetime

    from onestop_common.clock import SHANGHAI

    start = datetime(2026, 12, 31, 10, 0, tzinfo=SHANGHAI)
    assert domain.reservation_expiry(start) == datetime(2027, 2, 28, 10, 0, tzinfo=SHANGHAI)
    assert domain.add_months(datetime(2027, 12, 31, tzinfo=SHANGHAI), 2).date() == date(2028, 2, 29)


def test_a_name_held_by_another_case_gets_the_duplicate_rejection():
    assert domain.duplicate_name("天津宝坻示例科技有限公司", "registered") == v(
        "form.name.trade_name",
        "name.duplicate",
        "本登记机关辖区内同行业已有相同字号的企业名称“天津宝坻示例科技有限公司”（已登记），请更换字号",
        "the registration area already has this trade name in the same industry "
        "('天津宝坻示例科技有限公司', registered); choose another trade name",
    )
