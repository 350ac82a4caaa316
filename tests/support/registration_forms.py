"""The sample application as domain values, its people and variants of it, for the tests of the
registration rules (tests/unit/test_registration_*.py): check a form, spell a rejection."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pytest

from onestop_common.errors import RuleViolation
from onestop_common.identifiers import citizen_id_check_char
from svc_registration import domain, grpc_api
from svc_registration.domain import (
    Application,
    Commitment,
    ContributionForm,
    CreditStatus,
    EnterpriseType,
    IdType,
    Material,
    Officer,
    OfficerRole,
    Person,
    Shareholder,
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


# A bad value: what it is, how it changes the sample, the rejections it gets.
Case = tuple[str, Callable[[Application], Application], list[RuleViolation]]


def rejections(cases: list[Case]) -> Callable[..., None]:
    """The test each rule module runs on its CASES table: the sample changed by a case gets
    exactly the case's rejections, in order. One test per case, the case's name its id."""

    @pytest.mark.parametrize(
        ("mutate", "expected"), [pytest.param(m, e, id=name) for name, m, e in cases]
    )
    def test(mutate: Callable[[Application], Application], expected: list[RuleViolation]) -> None:
        assert list(check(mutate(BASE)).violations) == expected

    return test


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


def flags_of(app: Application) -> list[str]:
    return [f.code for f in check(app).flags]
