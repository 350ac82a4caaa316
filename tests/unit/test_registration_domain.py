"""Every rule of the registration step with a bad value and the exact rejection it gets, the flags
that send a case to an officer, and the whole form checked at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pytest

from onestop_common.errors import RuleViolation
from onestop_common.identifiers import citizen_id_check_char
from svc_registration import domain, grpc_api
from svc_registration.domain import (
    Address,
    Application,
    Commitment,
    CompanyName,
    ContributionForm,
    CreditStatus,
    EnterpriseType,
    IdType,
    Material,
    Officer,
    OfficerRole,
    Person,
    ScopeChoice,
    Shareholder,
    bars_office,
)
from svc_registration.reference import reference
from tests.support.registration import sample_form

TODAY = date(2026, 11, 26)
REF = reference()
BASE = grpc_api.application(sample_form())
ZHANG = BASE.legal_representative  # legal rep, shareholder 0, sole director and manager
LI = BASE.shareholders[1].person
WANG = BASE.officers[2].person  # the supervisor


def citizen(name: str, first17: str) -> Person:
    return Person(name, IdType.CITIZEN_ID, first17 + citizen_id_check_char(first17), "CHN")


def holder(person: Person, amount: str, due: str = "2030-06-30") -> Shareholder:
    return Shareholder(person, amount, "CNY", ContributionForm.CURRENCY, due)


NO_CREDIT_RECORD = CreditStatus()


def check(app: Application, credit: CreditStatus = NO_CREDIT_RECORD) -> domain.Validation:
    return domain.validate_application(app, REF, today=TODAY, credit=credit)


def named(**changes: str) -> Callable[[Application], Application]:
    return lambda app: replace(app, name=replace(app.name, **changes))


def v(field: str, rule: str, zh: str, en: str) -> RuleViolation:
    return RuleViolation(field, rule, zh, en)


def test_the_sample_application_passes_every_rule_and_qualifies_for_automatic_approval():
    result = check(BASE)
    assert result.violations == ()
    assert result.flags == ()
    assert result.industry_section == "I"
    decision = domain.decide_automatically(domain.auto_inputs(BASE, result, CreditStatus()))
    assert decision.approved and decision.reasons == ()


# --------------------------------------------------------------------------- one rule each

SOLE = replace(
    BASE,
    enterprise_type=EnterpriseType.SOLE_PROPRIETORSHIP,
    name=replace(BASE.name, organisational_form="工作室"),
    shareholders=(holder(ZHANG, "1000000.00"),),
    officers=(),
)
PARTNERSHIP = replace(
    BASE,
    enterprise_type=EnterpriseType.PARTNERSHIP,
    name=replace(BASE.name, organisational_form="中心（普通合伙）"),
    officers=(Officer(ZHANG, OfficerRole.EXECUTIVE_PARTNER),),
)
MINOR = citizen("小明", "12011520100101001")
COMMITTED = replace(
    BASE,
    commitment=Commitment(
        (Material("domicile_proof", "住所使用证明", "proof of domicile"),),
        "本人承诺60日内补交住所使用证明",
        True,
    ),
)

CASES: list[tuple[str, Callable[[Application], Application], list[RuleViolation]]] = [
    (
        "enterprise type missing",
        lambda a: replace(a, enterprise_type=EnterpriseType.UNSPECIFIED),
        [
            v(
                "form.enterprise_type",
                "enterprise_type.required",
                "请选择企业类型（有限责任公司、一人有限责任公司、个人独资企业或普通合伙企业）",
                "choose the enterprise type (LLC, one-person LLC, sole proprietorship or general "
                "partnership)",
            )
        ],
    ),
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
    (
        "capital missing",
        lambda a: replace(a, capital_amount=""),
        [
            v(
                "form.registered_capital.amount",
                "money.required",
                "请填写注册资本（出资额）",
                "the registered capital is required",
            )
        ],
    ),
    (
        "capital not a decimal",
        lambda a: replace(a, capital_amount="一百万"),
        [
            v(
                "form.registered_capital.amount",
                "money.decimal",
                "注册资本（出资额）“一百万”不是有效的十进制金额",
                "the registered capital '一百万' is not a decimal amount",
            )
        ],
    ),
    (
        "capital zero",
        lambda a: replace(a, capital_amount="0", shareholders=()),
        [
            v(
                "form.registered_capital.amount",
                "money.positive",
                "注册资本（出资额）必须大于零",
                "the registered capital must be greater than zero",
            ),
            v(
                "form.shareholders",
                "shareholders.required",
                "至少需要一名股东（出资人）",
                "at least one shareholder (investor) is required",
            ),
        ],
    ),
    (
        "capital with fractions of a cent",
        lambda a: replace(
            a,
            capital_amount="1000000.001",
            shareholders=(a.shareholders[0], replace(a.shareholders[1], amount="400000.001")),
        ),
        [
            v(
                "form.registered_capital.amount",
                "money.cents",
                "注册资本（出资额）最多保留两位小数（到分）",
                "the registered capital has more than two decimal places",
            ),
            v(
                "form.shareholders[1].subscribed.amount",
                "money.cents",
                "认缴出资额最多保留两位小数（到分）",
                "the subscription has more than two decimal places",
            ),
        ],
    ),
    (
        "capital in dollars",
        lambda a: replace(a, capital_currency="USD"),
        [
            v(
                "form.registered_capital.currency",
                "money.currency",
                "币种须为人民币（CNY），实际为“USD”",
                "the currency must be CNY, got 'USD'",
            )
        ],
    ),
    (
        "subscriptions do not add up (Decimal, not float)",
        lambda a: replace(a, capital_amount="1000000.01"),
        [
            v(
                "form.shareholders",
                "capital.sum_mismatch",
                "各出资人认缴出资额合计 1000000.00 元，与注册资本 1000000.01 元不相等",
                "the subscriptions add up to 1000000.00 CNY but the registered capital is "
                "1000000.01 CNY",
            )
        ],
    ),
    (
        "contribution form missing",
        lambda a: replace(
            a,
            shareholders=(
                replace(a.shareholders[0], form=ContributionForm.UNSPECIFIED),
                a.shareholders[1],
            ),
        ),
        [
            v(
                "form.shareholders[0].form",
                "contribution.form_required",
                "请选择出资方式（货币、实物、知识产权或土地使用权）",
                "choose the form of contribution (currency, in kind, IP or land-use right)",
            )
        ],
    ),
    (
        "LLC contribution without a due date",
        lambda a: replace(
            a, shareholders=(replace(a.shareholders[0], due_date=""), a.shareholders[1])
        ),
        [
            v(
                "form.shareholders[0].due_date",
                "contribution.due_date_required",
                "请填写认缴出资的缴足期限（成立之日起五年内）",
                "give the date the subscription is paid in full (within five years)",
            )
        ],
    ),
    (
        "due date not a date",
        lambda a: replace(
            a, shareholders=(replace(a.shareholders[0], due_date="2030-02-30"), a.shareholders[1])
        ),
        [
            v(
                "form.shareholders[0].due_date",
                "contribution.due_date_format",
                "“2030-02-30”不是 YYYY-MM-DD 格式的日期",
                "'2030-02-30' is not a YYYY-MM-DD date",
            )
        ],
    ),
    (
        "due date in the past",
        lambda a: replace(
            a, shareholders=(replace(a.shareholders[0], due_date="2026-11-25"), a.shareholders[1])
        ),
        [
            v(
                "form.shareholders[0].due_date",
                "contribution.due_date_past",
                "缴足期限不能早于成立日期（今天）",
                "the payment date cannot be before the date of establishment (today)",
            )
        ],
    ),
    (
        "due date one day beyond five years",
        lambda a: replace(
            a, shareholders=(replace(a.shareholders[0], due_date="2031-11-27"), a.shareholders[1])
        ),
        [
            v(
                "form.shareholders[0].due_date",
                "contribution.due_date_5_years",
                "有限责任公司股东认缴的出资额应自成立之日起五年内缴足（最迟 2031-11-26，"
                "公司法第四十七条）",
                "an LLC's subscribed capital must be paid within five years of establishment (by "
                "2031-11-26, Company Law 2023 Art. 47)",
            )
        ],
    ),
    (
        "person without a name",
        lambda a: replace(
            a,
            shareholders=(
                a.shareholders[0],
                replace(a.shareholders[1], person=replace(LI, name="")),
            ),
        ),
        [
            v(
                "form.shareholders[1].person.name",
                "person.name_required",
                "请填写姓名",
                "the name is required",
            )
        ],
    ),
    (
        "person without a document type",
        lambda a: replace(
            a,
            shareholders=(
                a.shareholders[0],
                replace(a.shareholders[1], person=replace(LI, id_type=IdType.UNSPECIFIED)),
            ),
        ),
        [
            v(
                "form.shareholders[1].person.id_type",
                "person.id_type_required",
                "请选择证件类型",
                "choose the type of identity document",
            )
        ],
    ),
    (
        "person without a document number",
        lambda a: replace(
            a,
            shareholders=(
                a.shareholders[0],
                replace(a.shareholders[1], person=replace(LI, id_number="")),
            ),
        ),
        [
            v(
                "form.shareholders[1].person.id_number",
                "person.id_number_required",
                "请填写证件号码",
                "the identity document number is required",
            )
        ],
    ),
    (
        "citizen ID with a wrong check character",
        lambda a: replace(
            a,
            shareholders=(
                a.shareholders[0],
                replace(a.shareholders[1], person=replace(LI, id_number="120115199006070042")),
            ),
        ),
        [
            v(
                "form.shareholders[1].person.id_number",
                "id_number.check_char",
                "公民身份号码第18位校验码为2，按 ISO 7064 MOD 11-2 应为1。",
                "citizen ID number: check character (position 18) is 2, ISO 7064 MOD 11-2 gives 1.",
            )
        ],
    ),
    (
        "citizen ID with an impossible birth date",
        lambda a: replace(
            a,
            officers=(
                *a.officers[:2],
                Officer(citizen("王芳", "12010419880230005"), OfficerRole.SUPERVISOR),
            ),
        ),
        [
            v(
                "form.officers[2].person.id_number",
                "id_number.birth_date",
                "公民身份号码第7–14位出生日期不是真实存在的日期。",
                "citizen ID number: positions 7–14 (birth date) are not a real calendar date.",
            )
        ],
    ),
    (
        "passport number with lowercase letters",
        lambda a: replace(
            a,
            officers=(
                *a.officers[:2],
                Officer(
                    Person("John Smith", IdType.PASSPORT, "e1234567", "GBR"), OfficerRole.SUPERVISOR
                ),
            ),
        ),
        [
            v(
                "form.officers[2].person.id_number",
                "id_number.format",
                "证件号码应为 5–20 位数字或大写字母",
                "the document number must be 5–20 digits or uppercase letters",
            )
        ],
    ),
    (
        "a minor",
        lambda a: replace(a, officers=(*a.officers[:2], Officer(MINOR, OfficerRole.SUPERVISOR))),
        [
            v(
                "form.officers[2].person.id_number",
                "person.age",
                "须年满 18 周岁（按身份证出生日期计算为 16 岁）",
                "must be at least 18 years old (the ID number gives 16)",
            )
        ],
    ),
    (
        "one ID number, two names",
        lambda a: replace(
            a,
            officers=(
                Officer(replace(ZHANG, name="张卫"), OfficerRole.SOLE_DIRECTOR),
                *a.officers[1:],
            ),
        ),
        [
            v(
                "form.officers[0].person.name",
                "person.name_mismatch",
                "同一证件号码在表中登记为“张伟”，此处为“张卫”",
                "the same ID number appears elsewhere in the form with a different name",
            )
        ],
    ),
    (
        "the same shareholder twice",
        lambda a: replace(
            a,
            shareholders=(
                holder(ZHANG, "600000.00"),
                holder(LI, "200000.00"),
                holder(LI, "200000.00"),
            ),
        ),
        [
            v(
                "form.shareholders[2].person.id_number",
                "shareholders.duplicate",
                "与第 2 位出资人是同一人，请合并为一项出资",
                "the same person as shareholder 2; combine the subscriptions",
            )
        ],
    ),
    (
        "LLC with 51 shareholders",
        lambda a: replace(
            a,
            capital_amount="51000.00",
            shareholders=(
                holder(ZHANG, "1000.00"),
                *(
                    holder(citizen(f"股东{i}", f"12011519800101{i:03d}"), "1000.00")
                    for i in range(1, 51)
                ),
            ),
        ),
        [
            v(
                "form.shareholders",
                "shareholders.max_50",
                "有限责任公司股东不得超过 50 人（实际 51 人）",
                "an LLC has at most 50 shareholders, got 51",
            )
        ],
    ),
    (
        "one-person LLC with two shareholders",
        lambda a: replace(
            a,
            enterprise_type=EnterpriseType.ONE_PERSON_LLC,
            name=replace(a.name, organisational_form="有限公司"),
        ),
        [
            v(
                "form.shareholders",
                "shareholders.one_person",
                "自然人独资的有限责任公司只能有一名股东（实际 2 人）",
                "a one-person LLC has exactly one shareholder, got 2",
            )
        ],
    ),
    (
        "sole proprietorship with two investors",
        lambda a: replace(SOLE, shareholders=BASE.shareholders),
        [
            v(
                "form.shareholders",
                "shareholders.sole_investor",
                "个人独资企业只能由一名自然人投资（实际 2 人）",
                "a sole proprietorship has exactly one investor, got 2",
            )
        ],
    ),
    (
        "partnership with one partner",
        lambda a: replace(PARTNERSHIP, shareholders=(holder(ZHANG, "1000000.00", ""),)),
        [
            v(
                "form.shareholders",
                "shareholders.partnership_min_2",
                "普通合伙企业至少需要两名合伙人",
                "a general partnership needs at least two partners",
            )
        ],
    ),
    (
        "officer without a role",
        lambda a: replace(a, officers=(*a.officers, Officer(LI, OfficerRole.UNSPECIFIED))),
        [
            v(
                "form.officers[3].role",
                "officers.role_required",
                "请选择职务",
                "choose the officer's role",
            )
        ],
    ),
    (
        "executive partner in a company",
        lambda a: replace(a, officers=(*a.officers, Officer(LI, OfficerRole.EXECUTIVE_PARTNER))),
        [
            v(
                "form.officers[3].role",
                "officers.role_not_for_type",
                "有限责任公司（自然人投资或控股）不设“执行事务合伙人”",
                "a limited liability company (natural-person owned) has no executive partner",
            )
        ],
    ),
    (
        "the same officer twice in one role",
        lambda a: replace(a, officers=(*a.officers, a.officers[2])),
        [
            v(
                "form.officers[3].role",
                "officers.duplicate",
                "同一人重复登记了相同职务",
                "the same person is listed twice in the same role",
            )
        ],
    ),
    (
        "company without a director",
        lambda a: replace(a, officers=a.officers[1:]),
        [
            v(
                "form.officers",
                "officers.director_required",
                "公司须设董事会或一名董事",
                "a company needs a board of directors or a sole director",
            )
        ],
    ),
    (
        "sole director beside a board",
        lambda a: replace(a, officers=(*a.officers, Officer(LI, OfficerRole.DIRECTOR))),
        [
            v(
                "form.officers",
                "officers.sole_director_with_board",
                "设一名董事（不设董事会）时不能同时登记董事长或其他董事",
                "a sole director excludes a chair or other directors",
            )
        ],
    ),
    (
        "two sole directors",
        lambda a: replace(a, officers=(*a.officers, Officer(LI, OfficerRole.SOLE_DIRECTOR))),
        [
            v(
                "form.officers",
                "officers.one_sole_director",
                "只能登记一名董事（不设董事会）",
                "only one sole director may be registered",
            )
        ],
    ),
    (
        "two chairs",
        lambda a: replace(
            a,
            officers=(
                Officer(ZHANG, OfficerRole.CHAIR),
                Officer(LI, OfficerRole.CHAIR),
                *a.officers[1:],
            ),
        ),
        [
            v(
                "form.officers",
                "officers.one_chair",
                "只能登记一名董事长",
                "only one chair may be registered",
            )
        ],
    ),
    (
        "two managers",
        lambda a: replace(a, officers=(*a.officers, Officer(LI, OfficerRole.MANAGER))),
        [
            v(
                "form.officers",
                "officers.one_manager",
                "只能登记一名经理",
                "only one manager may be registered",
            )
        ],
    ),
    (
        "the manager is also the supervisor",
        lambda a: replace(a, officers=(*a.officers[:2], Officer(ZHANG, OfficerRole.SUPERVISOR))),
        [
            v(
                "form.officers[2].person",
                "officers.supervisor_conflict",
                "董事、高级管理人员不得兼任监事",
                "a director or manager cannot also be a supervisor",
            )
        ],
    ),
    (
        "partnership without an executive partner",
        lambda a: replace(PARTNERSHIP, officers=(), legal_representative=ZHANG),
        [
            v(
                "form.officers",
                "officers.executive_partner_required",
                "请登记执行事务合伙人",
                "name the executive partner",
            ),
            v(
                "form.legal_representative",
                "legal_representative.not_executive_partner",
                "合伙企业由执行事务合伙人对外代表",
                "a partnership is represented by an executive partner",
            ),
        ],
    ),
    (
        "executive partner who is not a partner",
        lambda a: replace(
            PARTNERSHIP,
            officers=(Officer(WANG, OfficerRole.EXECUTIVE_PARTNER),),
            legal_representative=WANG,
        ),
        [
            v(
                "form.officers[0].person",
                "officers.executive_partner_not_partner",
                "执行事务合伙人必须是合伙人",
                "the executive partner must be one of the partners",
            )
        ],
    ),
    (
        "legal representative is only the supervisor",
        lambda a: replace(a, legal_representative=WANG),
        [
            v(
                "form.legal_representative",
                "legal_representative.not_director_or_manager",
                "法定代表人应由代表公司执行公司事务的董事或者经理担任（公司法第十条），请在董事或经理中登记此人",
                "the legal representative must be a director or the manager (Company Law 2023 "
                "Art. 10); list them as an officer",
            )
        ],
    ),
    (
        "sole proprietorship represented by someone else",
        lambda a: replace(SOLE, legal_representative=LI),
        [
            v(
                "form.legal_representative",
                "legal_representative.not_investor",
                "个人独资企业的负责人应为投资人本人",
                "a sole proprietorship is represented by its investor",
            )
        ],
    ),
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
    (
        "negative operating term",
        lambda a: replace(a, operating_term_years=-1),
        [
            v(
                "form.operating_term_years",
                "operating_term.negative",
                "营业期限不能为负数（0 表示长期）",
                "the operating term cannot be negative (0 means no fixed term)",
            )
        ],
    ),
    (
        "commitment not agreed",
        lambda a: replace(COMMITTED, commitment=replace(COMMITTED.commitment, agreed=False)),
        [
            v(
                "form.commitment.agreed",
                "commitment.not_agreed",
                "使用告知承诺制须勾选同意承诺书",
                "the commitment route needs the applicant's agreement to the written commitment",
            )
        ],
    ),
    (
        "commitment without its text",
        lambda a: replace(COMMITTED, commitment=replace(COMMITTED.commitment, text="")),
        [
            v(
                "form.commitment.commitment_text",
                "commitment.text_required",
                "请填写承诺内容（在 60 日内补交所列材料）",
                "give the text of the commitment (to supply the listed materials within 60 days)",
            )
        ],
    ),
    (
        "committed material with a bad code",
        lambda a: replace(
            COMMITTED,
            commitment=replace(COMMITTED.commitment, materials=(Material("住所", "住所使用证明"),)),
        ),
        [
            v(
                "form.commitment.materials[0].code",
                "commitment.material_code",
                "材料代码应为 2–40 位小写字母、数字或下划线，以字母开头",
                "a material code is 2–40 lowercase letters, digits or underscores, starting "
                "with a letter",
            )
        ],
    ),
    (
        "the same material committed twice",
        lambda a: replace(
            COMMITTED,
            commitment=replace(
                COMMITTED.commitment,
                materials=(Material("lease", "租赁合同"), Material("lease", "租赁合同")),
            ),
        ),
        [
            v(
                "form.commitment.materials[1].code",
                "commitment.material_duplicate",
                "同一材料重复承诺",
                "the same material is listed twice",
            )
        ],
    ),
    (
        "committed material without a name",
        lambda a: replace(
            COMMITTED, commitment=replace(COMMITTED.commitment, materials=(Material("lease", " "),))
        ),
        [
            v(
                "form.commitment.materials[0].name_zh",
                "commitment.material_name_required",
                "请填写所承诺材料的名称",
                "name the promised material",
            )
        ],
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"), [(m, e) for _, m, e in CASES], ids=[name for name, _, _ in CASES]
)
def test_a_bad_value_gets_exactly_its_rejection(mutate, expected):
    assert list(check(mutate(BASE)).violations) == expected


def test_a_listed_applicant_cannot_use_the_commitment_route():
    result = check(COMMITTED, CreditStatus(applicant_listed=True))
    assert list(result.violations) == [
        v(
            "form.commitment",
            "commitment.applicant_credit_listed",
            "申请人在失信名单中，不能适用告知承诺制，请提交全部材料",
            "the applicant is on the bad-credit list and cannot use the commitment route; "
            "submit every material",
        )
    ]


def test_a_listed_legal_representative_closes_the_commitment_route():
    result = check(COMMITTED, CreditStatus(listed_people=frozenset({"legal_representative"})))
    assert list(result.violations) == [
        v(
            "form.legal_representative.id_number",
            "commitment.legal_representative_credit_listed",
            "法定代表人在失信名单中，不能适用告知承诺制，请提交全部材料",
            "the legal representative is on the bad-credit list, so the commitment route is "
            "closed; submit every material",
        )
    ]


def test_a_listed_person_without_a_commitment_is_no_rejection_but_blocks_automatic_approval():
    credit = CreditStatus(listed_people=frozenset({"shareholders[1]"}))
    result = check(BASE, credit)
    assert result.violations == ()
    decision = domain.decide_automatically(domain.auto_inputs(BASE, result, credit))
    assert [r.code for r in decision.reasons] == ["auto.credit"]


def test_the_other_enterprise_types_pass_when_well_formed():
    assert check(SOLE).violations == ()
    assert check(PARTNERSHIP).violations == ()
    one = replace(
        BASE,
        enterprise_type=EnterpriseType.ONE_PERSON_LLC,
        shareholders=(holder(ZHANG, "1000000.00"),),
    )
    assert check(one).violations == ()


def test_a_sole_proprietorship_may_leave_the_payment_date_open():
    sole = replace(SOLE, shareholders=(holder(ZHANG, "1000000.00", due=""),))
    assert check(sole).violations == ()


def test_every_problem_is_reported_at_once():
    bad = replace(
        BASE,
        name=CompanyName("北京", "美国", "餐饮", "工作室", "I"),
        capital_amount="abc",
        scope=(ScopeChoice("", "炒股"),),
        domicile=Address("110101", detail=""),
        shareholders=(
            BASE.shareholders[0],
            replace(BASE.shareholders[1], person=replace(LI, id_number="120115199006070042")),
        ),
    )
    fields = [x.field for x in check(bad).violations]
    assert fields == [
        "form.name.division",
        "form.name.industry",
        "form.name.organisational_form",
        "form.name.trade_name",
        "form.registered_capital.amount",
        "form.shareholders[1].person.id_number",
        "form.business_scope[0].name_zh",
        "form.domicile.division_code",
        "form.domicile.detail",
    ]


# --------------------------------------------------------------------------- flags


def flags_of(app: Application) -> list[str]:
    return [f.code for f in check(app).flags]


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


def test_a_restricted_name_word_is_flagged_for_an_officer():
    assert flags_of(replace(BASE, name=replace(BASE.name, trade_name="国际示例"))) == [
        "name.restricted_word"
    ]


def test_a_restricted_industry_is_flagged():
    app = replace(BASE, name=replace(BASE.name, industry_code="J", industry="金融"))
    assert "name.industry_restricted" in flags_of(app)


def test_a_paid_in_capital_industry_is_flagged_with_its_legal_basis():
    app = replace(BASE, scope=(ScopeChoice("", "劳务派遣服务"),))
    flags = check(app).flags
    paid_in = [f for f in flags if f.code == "capital.paid_in_industry"]
    assert len(paid_in) == 1
    assert "劳务派遣企业" in paid_in[0].message_zh and "劳动合同法" in paid_in[0].message_zh


# --------------------------------------------------------------------------- names


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


@pytest.mark.parametrize("form", [BASE, COMMITTED], ids=["all materials", "commitment"])
def test_a_judgment_defaulter_may_not_be_the_legal_representative(form):
    barred = frozenset({"legal_representative"})
    result = check(form, CreditStatus(listed_people=barred, barred_people=barred))
    assert [(r.field, r.rule) for r in result.violations] == [
        ("form.legal_representative.id_number", "credit.office_barred")
    ]
    assert "第一百七十八条" in result.violations[0].message_zh
    assert "Art. 178(1)(5)" in result.violations[0].message_en


def test_a_judgment_defaulter_may_be_a_shareholder_but_no_officer():
    listed = frozenset({"shareholders[0]", "officers[0].person"})
    result = check(BASE, CreditStatus(listed_people=listed, barred_people=listed))
    assert [(r.field, r.rule) for r in result.violations] == [
        ("form.officers[0].person.id_number", "credit.office_barred")
    ]


def test_which_listings_bar_an_office():
    assert bars_office("失信被执行人（示例数据）/ judgment defaulter (demo data)")
    assert not bars_office("未履行告知承诺（示例数据）/ commitment not fulfilled (demo data)")
    assert not bars_office("被列入严重违法失信名单（示例数据）")
