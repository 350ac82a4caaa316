"""The people in the form: identity documents and age, one name per ID number, how many
shareholders each enterprise type has, the officers' roles, and who may be legal representative."""

from __future__ import annotations

import re
from datetime import date

from onestop_common.errors import RuleViolation
from onestop_common.identifiers import parse_citizen_id, validate_citizen_id
from svc_registration.domain.form import (
    DIRECTOR_ROLES,
    LLC_TYPES,
    ROLE_LABELS,
    ROLES_BY_TYPE,
    TYPE_LABELS,
    Application,
    EnterpriseType,
    IdType,
    OfficerRole,
    Person,
)
from svc_registration.domain.results import _v

LLC_MAX_SHAREHOLDERS = 50
ADULT_AGE = 18

_OTHER_ID = re.compile(r"^[A-Z0-9]{5,20}$")


def _person_problems(path: str, person: Person, today: date) -> list[RuleViolation]:
    found: list[RuleViolation] = []
    if not person.name.strip():
        found.append(
            _v(f"{path}.name", "person.name_required", "请填写姓名", "the name is required")
        )
    if person.id_type is IdType.UNSPECIFIED:
        found.append(
            _v(
                f"{path}.id_type",
                "person.id_type_required",
                "请选择证件类型",
                "choose the type of identity document",
            )
        )
        return found
    number = person.id_number
    if not number:
        found.append(
            _v(
                f"{path}.id_number",
                "person.id_number_required",
                "请填写证件号码",
                "the identity document number is required",
            )
        )
        return found
    if person.id_type is IdType.CITIZEN_ID:
        verdict = validate_citizen_id(number, today=today)
        if not verdict.ok:
            found.append(
                _v(
                    f"{path}.id_number",
                    f"id_number.{verdict.rule}",
                    verdict.reason_zh,
                    verdict.reason_en,
                )
            )
            return found
        age = parse_citizen_id(number, today=today).age_on(today)
        if age < ADULT_AGE:
            found.append(
                _v(
                    f"{path}.id_number",
                    "person.age",
                    f"须年满 {ADULT_AGE} 周岁（按身份证出生日期计算为 {age} 岁）",
                    f"must be at least {ADULT_AGE} years old (the ID number gives {age})",
                )
            )
    elif not _OTHER_ID.match(number):
        found.append(
            _v(
                f"{path}.id_number",
                "id_number.format",
                "证件号码应为 5–20 位数字或大写字母",
                "the document number must be 5–20 digits or uppercase letters",
            )
        )
    return found


def people_problems(app: Application, today: date) -> list[RuleViolation]:
    found: list[RuleViolation] = []
    etype = app.enterprise_type
    found += _person_problems("form.legal_representative", app.legal_representative, today)
    for i, holder in enumerate(app.shareholders):
        found += _person_problems(f"form.shareholders[{i}].person", holder.person, today)
    for i, officer in enumerate(app.officers):
        found += _person_problems(f"form.officers[{i}].person", officer.person, today)
    found += _name_consistency(app)
    found += _shareholder_count_problems(app)
    seen: dict[tuple[str, str], int] = {}
    for i, holder in enumerate(app.shareholders):
        key = holder.person.identity
        if holder.person.id_number and key in seen:
            found.append(
                _v(
                    f"form.shareholders[{i}].person.id_number",
                    "shareholders.duplicate",
                    f"与第 {seen[key] + 1} 位出资人是同一人，请合并为一项出资",
                    f"the same person as shareholder {seen[key] + 1}; combine the subscriptions",
                )
            )
        seen.setdefault(key, i)
    if etype is EnterpriseType.UNSPECIFIED:
        return found
    found += _officer_problems(app)
    found += _legal_rep_problems(app)
    return found


def _name_consistency(app: Application) -> list[RuleViolation]:
    """One ID number, one name: the same person must be written the same way everywhere."""
    names: dict[tuple[str, str], str] = {}
    people = [("form.legal_representative", app.legal_representative)]
    people += [(f"form.shareholders[{i}].person", h.person) for i, h in enumerate(app.shareholders)]
    people += [(f"form.officers[{i}].person", o.person) for i, o in enumerate(app.officers)]
    found = []
    for path, person in people:
        if not person.id_number or not person.name.strip():
            continue
        first = names.setdefault(person.identity, person.name.strip())
        if first != person.name.strip():
            found.append(
                _v(
                    f"{path}.name",
                    "person.name_mismatch",
                    f"同一证件号码在表中登记为“{first}”，此处为“{person.name.strip()}”",
                    "the same ID number appears elsewhere in the form with a different name",
                )
            )
    return found


def _shareholder_count_problems(app: Application) -> list[RuleViolation]:
    count = len(app.shareholders)
    etype = app.enterprise_type
    if count == 0:
        return [
            _v(
                "form.shareholders",
                "shareholders.required",
                "至少需要一名股东（出资人）",
                "at least one shareholder (investor) is required",
            )
        ]
    if etype is EnterpriseType.LLC and count > LLC_MAX_SHAREHOLDERS:
        return [
            _v(
                "form.shareholders",
                "shareholders.max_50",
                f"有限责任公司股东不得超过 {LLC_MAX_SHAREHOLDERS} 人（实际 {count} 人）",
                f"an LLC has at most {LLC_MAX_SHAREHOLDERS} shareholders, got {count}",
            )
        ]
    if etype is EnterpriseType.ONE_PERSON_LLC and count != 1:
        return [
            _v(
                "form.shareholders",
                "shareholders.one_person",
                f"自然人独资的有限责任公司只能有一名股东（实际 {count} 人）",
                f"a one-person LLC has exactly one shareholder, got {count}",
            )
        ]
    if etype is EnterpriseType.SOLE_PROPRIETORSHIP and count != 1:
        return [
            _v(
                "form.shareholders",
                "shareholders.sole_investor",
                f"个人独资企业只能由一名自然人投资（实际 {count} 人）",
                f"a sole proprietorship has exactly one investor, got {count}",
            )
        ]
    if etype is EnterpriseType.PARTNERSHIP and count < 2:
        return [
            _v(
                "form.shareholders",
                "shareholders.partnership_min_2",
                "普通合伙企业至少需要两名合伙人",
                "a general partnership needs at least two partners",
            )
        ]
    return []


def _officer_problems(app: Application) -> list[RuleViolation]:
    etype = app.enterprise_type
    found: list[RuleViolation] = []
    allowed = ROLES_BY_TYPE[etype]
    type_zh, type_en = TYPE_LABELS[etype]
    seen: set[tuple[tuple[str, str], OfficerRole]] = set()
    for i, officer in enumerate(app.officers):
        path = f"form.officers[{i}].role"
        if officer.role is OfficerRole.UNSPECIFIED:
            found.append(
                _v(path, "officers.role_required", "请选择职务", "choose the officer's role")
            )
            continue
        if officer.role not in allowed:
            role_zh, role_en = ROLE_LABELS[officer.role]
            found.append(
                _v(
                    path,
                    "officers.role_not_for_type",
                    f"{type_zh}不设“{role_zh}”",
                    f"a {type_en} has no {role_en}",
                )
            )
        key = (officer.person.identity, officer.role)
        if key in seen:
            found.append(
                _v(
                    path,
                    "officers.duplicate",
                    "同一人重复登记了相同职务",
                    "the same person is listed twice in the same role",
                )
            )
        seen.add(key)
    roles = [o.role for o in app.officers]
    if etype in LLC_TYPES:
        if not any(role in DIRECTOR_ROLES for role in roles):
            found.append(
                _v(
                    "form.officers",
                    "officers.director_required",
                    "公司须设董事会或一名董事",
                    "a company needs a board of directors or a sole director",
                )
            )
        if OfficerRole.SOLE_DIRECTOR in roles and (
            OfficerRole.CHAIR in roles or OfficerRole.DIRECTOR in roles
        ):
            found.append(
                _v(
                    "form.officers",
                    "officers.sole_director_with_board",
                    "设一名董事（不设董事会）时不能同时登记董事长或其他董事",
                    "a sole director excludes a chair or other directors",
                )
            )
        for role, rule in (
            (OfficerRole.SOLE_DIRECTOR, "officers.one_sole_director"),
            (OfficerRole.CHAIR, "officers.one_chair"),
            (OfficerRole.MANAGER, "officers.one_manager"),
        ):
            if roles.count(role) > 1:
                role_zh, role_en = ROLE_LABELS[role]
                found.append(
                    _v(
                        "form.officers",
                        rule,
                        f"只能登记一名{role_zh}",
                        f"only one {role_en} may be registered",
                    )
                )
        managers = {
            o.person.identity
            for o in app.officers
            if o.role in DIRECTOR_ROLES | {OfficerRole.MANAGER}
        }
        for i, officer in enumerate(app.officers):
            if officer.role is OfficerRole.SUPERVISOR and officer.person.identity in managers:
                found.append(
                    _v(
                        f"form.officers[{i}].person",
                        "officers.supervisor_conflict",
                        "董事、高级管理人员不得兼任监事",
                        "a director or manager cannot also be a supervisor",
                    )
                )
    if etype is EnterpriseType.PARTNERSHIP:
        partners = {h.person.identity for h in app.shareholders}
        executives = [
            (i, o) for i, o in enumerate(app.officers) if o.role is OfficerRole.EXECUTIVE_PARTNER
        ]
        if not executives:
            found.append(
                _v(
                    "form.officers",
                    "officers.executive_partner_required",
                    "请登记执行事务合伙人",
                    "name the executive partner",
                )
            )
        for i, officer in executives:
            if officer.person.identity not in partners:
                found.append(
                    _v(
                        f"form.officers[{i}].person",
                        "officers.executive_partner_not_partner",
                        "执行事务合伙人必须是合伙人",
                        "the executive partner must be one of the partners",
                    )
                )
    return found


def _legal_rep_problems(app: Application) -> list[RuleViolation]:
    rep = app.legal_representative.identity
    path = "form.legal_representative"
    etype = app.enterprise_type
    if not app.legal_representative.id_number:
        return []
    if etype in LLC_TYPES:
        eligible = {
            o.person.identity
            for o in app.officers
            if o.role in DIRECTOR_ROLES | {OfficerRole.MANAGER}
        }
        if rep not in eligible:
            return [
                _v(
                    path,
                    "legal_representative.not_director_or_manager",
                    "法定代表人应由代表公司执行公司事务的董事或者经理担任（公司法第十条），"
                    "请在董事或经理中登记此人",
                    "the legal representative must be a director or the manager "
                    "(Company Law 2023 Art. 10); list them as an officer",
                )
            ]
    elif etype is EnterpriseType.SOLE_PROPRIETORSHIP:
        if app.shareholders and rep != app.shareholders[0].person.identity:
            return [
                _v(
                    path,
                    "legal_representative.not_investor",
                    "个人独资企业的负责人应为投资人本人",
                    "a sole proprietorship is represented by its investor",
                )
            ]
    elif etype is EnterpriseType.PARTNERSHIP:
        executives = {
            o.person.identity for o in app.officers if o.role is OfficerRole.EXECUTIVE_PARTNER
        }
        if rep not in executives:
            return [
                _v(
                    path,
                    "legal_representative.not_executive_partner",
                    "合伙企业由执行事务合伙人对外代表",
                    "a partnership is represented by an executive partner",
                )
            ]
    return []
