"""The unified social credit code (GB 32100-2015) of a new enterprise and its organisation code."""

from __future__ import annotations

from onestop_common.identifiers import USCC_ALPHABET, make_orgcode, make_uscc, validate_orgcode
from svc_registration.domain.form import REGISTRATION_AREA, EnterpriseType

# GB 32100-2015: registration-management authority code 9 = market regulation (工商/市场监管).
AUTHORITY_CODE = "9"

# GB 32100-2015 Annex A, authority 9: category 1 企业 (enterprise), 2 个体工商户 (individual
# business), 3 农民专业合作社 (farmers' cooperative). A sole proprietorship (个人独资企业) and a
# partnership (合伙企业) are enterprises in law (个人独资企业法 Art.2, 合伙企业法 Art.2), not
# individual businesses, so every type this service registers takes category 1.
USCC_CATEGORY = {
    EnterpriseType.LLC: "1",
    EnterpriseType.ONE_PERSON_LLC: "1",
    EnterpriseType.SOLE_PROPRIETORSHIP: "1",
    EnterpriseType.PARTNERSHIP: "1",
}


# Positions 9-17 of a USCC must be USCC characters, so the random part of a new organisation
# code avoids I, O, S, V and Z although GB 11714 itself allows them.
ORG_CODE_ALPHABET = USCC_ALPHABET
ORG_CODE_PREFIX = "MA"
ORG_CODE_RANDOM_LENGTH = 6


def new_org_code(random_part: str) -> str:
    """A new-style organisation code: MA + six random characters + the GB 11714 check."""
    if len(random_part) != ORG_CODE_RANDOM_LENGTH or not set(random_part) <= set(ORG_CODE_ALPHABET):
        raise ValueError("the random part is six USCC characters")
    code = make_orgcode(ORG_CODE_PREFIX + random_part)
    assert validate_orgcode(code).ok
    return code


def uscc_for(enterprise_type: EnterpriseType, org_code: str, area: str = REGISTRATION_AREA) -> str:
    category = USCC_CATEGORY.get(enterprise_type)
    if category is None:
        raise ValueError(f"no USCC category for {enterprise_type}")
    return make_uscc(AUTHORITY_CODE, category, area, org_code)
