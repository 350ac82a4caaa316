"""The people in the form (identity documents, age, shareholders, officers, the legal
representative) with a bad value each and the exact rejection it gets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from svc_registration.domain import (
    Application,
    EnterpriseType,
    IdType,
    Officer,
    OfficerRole,
    Person,
)
from tests.support.registration_forms import (
    BASE,
    LI,
    MINOR,
    PARTNERSHIP,
    SOLE,
    WANG,
    ZHANG,
    Case,
    citizen,
    holder,
    rejections,
    v,
)


def second_shareholder(**changes: Any) -> Callable[[Application], Application]:
    """The sample with its second shareholder (LI) changed as ``changes`` say."""
    return lambda a: replace(
        a,
        shareholders=(
            a.shareholders[0],
            replace(a.shareholders[1], person=replace(LI, **changes)),
        ),
    )


CASES: list[Case] = [
    (
        "person without a name",
        second_shareholder(name=""),
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
        second_shareholder(id_type=IdType.UNSPECIFIED),
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
        second_shareholder(id_number=""),
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
        second_shareholder(id_number="120115199006070042"),
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
]


test_a_bad_value_gets_exactly_its_rejection = rejections(CASES)
