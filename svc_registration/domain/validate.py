"""The whole form checked at once: every rule of the registration step, each problem reported
with its field."""

from __future__ import annotations

from datetime import date

from onestop_common.errors import RuleViolation
from svc_registration.domain.capital import capital_problems, paid_in_flags
from svc_registration.domain.commitment import commitment_problems, office_bar_problems
from svc_registration.domain.domicile import domicile_problems
from svc_registration.domain.form import REGISTRATION_AREA, Application, EnterpriseType
from svc_registration.domain.names import check_name
from svc_registration.domain.people import people_problems
from svc_registration.domain.reference_data import ReferenceData
from svc_registration.domain.results import CreditStatus, Flag, Validation, _v
from svc_registration.domain.scope import scope_problems

# The default credit status: nobody in the form is on the credit list.
NO_CREDIT_RECORD = CreditStatus()


def validate_application(
    app: Application,
    ref: ReferenceData,
    *,
    today: date,
    credit: CreditStatus = NO_CREDIT_RECORD,
    area: str = REGISTRATION_AREA,
) -> Validation:
    """Every rule of the registration step, all at once."""
    found: list[RuleViolation] = []
    flags: list[Flag] = []
    if app.enterprise_type_unknown:
        found.append(
            _v(
                "form.enterprise_type",
                "enterprise_type.unknown",
                f"企业类型“{app.enterprise_type_unknown}”不在可选范围内，请选择有限责任公司、"
                "一人有限责任公司、个人独资企业或普通合伙企业",
                f"enterprise type '{app.enterprise_type_unknown}' is not one of the choices: "
                "choose LLC, one-person LLC, sole proprietorship or general partnership",
            )
        )
    elif app.enterprise_type is EnterpriseType.UNSPECIFIED:
        found.append(
            _v(
                "form.enterprise_type",
                "enterprise_type.required",
                "请选择企业类型（有限责任公司、一人有限责任公司、个人独资企业或普通合伙企业）",
                "choose the enterprise type (LLC, one-person LLC, sole proprietorship or "
                "general partnership)",
            )
        )
    name = check_name(app.name, app.enterprise_type, ref, area=area)
    found += name.violations
    flags += name.flags
    found += capital_problems(app, today)
    found += people_problems(app, today)
    scope_found, scope_flags = scope_problems(app.scope, ref)
    found += scope_found
    flags += scope_flags
    flags += paid_in_flags(app, ref)
    found += domicile_problems(app.domicile, ref, area)
    if app.operating_term_years < 0:
        found.append(
            _v(
                "form.operating_term_years",
                "operating_term.negative",
                "营业期限不能为负数（0 表示长期）",
                "the operating term cannot be negative (0 means no fixed term)",
            )
        )
    found += commitment_problems(app.commitment, credit)
    found += office_bar_problems(app, credit)
    return Validation(tuple(found), tuple(flags), name.industry_section)
