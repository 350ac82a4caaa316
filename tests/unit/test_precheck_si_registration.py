"""The pieces of the pre-check that need no broker: the social insurance command built from the
form is the one the saga builds (minus what the license adds), a case's own people do not stand
in its way, the clerk's correctable refusal must name form fields, and registration names an
enterprise type it does not know as such."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

import svc_social_insurance
from onestop.common.v1 import application_pb2, common_pb2
from onestop_common.clock import SHANGHAI
from onestop_common.db import transaction
from onestop_common.errors import InvalidInput
from orchestrator import open_company
from orchestrator.definition import SagaData
from svc_registration import domain, grpc_api
from svc_registration.reference import reference
from svc_social_insurance import grpc_api as si_api
from svc_social_insurance import store
from svc_social_insurance.domain import EmployeeInput, assess_registration
from svc_social_insurance.models import Inbox, Outbox
from svc_social_insurance.reference import rate_table
from tests.support.registration import sample_form
from tests.support.service_db import OpenServiceDb, ServiceSchema

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI)
PERSON = "120115199502180063"
SCHEMA = ServiceSchema(si_api.PARTICIPANT, svc_social_insurance, Outbox, Inbox)


def test_the_social_insurance_command_from_the_form_is_the_sagas_before_the_license():
    form = sample_form()
    saga = open_company.register_employer(SagaData("OS-1", "alice", form, results={}))
    ours = si_api.command_from_form(form, "OS-1", "alice")
    assert (ours.context.case_id, ours.context.applicant_id) == ("OS-1", "alice")
    ours.ClearField("context")
    assert ours == saga
    assert not ours.uscc and not ours.date_of_establishment
    assert ours.company_name == "天津宝坻示例科技有限公司"


@pytest.fixture
def sessions(open_service_db: OpenServiceDb) -> sessionmaker[Session]:
    """The service's own database, migrated as the service migrates it."""
    return open_service_db(SCHEMA).sessions


def _enrol(session: Session, case_id: str, uscc: str) -> None:
    employee = EmployeeInput("赵强", "citizen_id", PERSON, "2026-12-01", "8000.00")
    plan = assess_registration(
        [employee], risk_class=1, today=NOW.date(), established=None, table=rate_table()
    )
    store.add_employer(
        session,
        registration_number=f"SI120115{len(case_id):08d}",
        case_id=case_id,
        applicant_id="alice",
        uscc=uscc,
        company_name="天津宝坻示例科技有限公司",
        division_code="120115",
        agency="",
        risk_class=1,
        assessment=plan,
        rate_table_version="v",
        rate_table_note="",
        context=b"",
        now=NOW,
        registered=True,
    )


def test_a_cases_own_people_are_not_enrolled_elsewhere_for_it(sessions):
    with transaction(sessions) as session:
        _enrol(session, "OS-OWN", "91120115MA0000000X")
    with transaction(sessions) as session:
        assert store.enrolled_elsewhere(session, [PERSON]) == {PERSON}
        assert store.enrolled_elsewhere(session, [PERSON], except_case="OS-OTHER") == {PERSON}
        assert store.enrolled_elsewhere(session, [PERSON], except_case="OS-OWN") == frozenset()
        assert store.live_employer_for_case(session, "OS-OWN") is not None
        assert store.live_employer_for_case(session, "OS-OTHER") is None


def test_a_correctable_refusal_names_form_fields_and_a_final_one_need_not():
    with pytest.raises(InvalidInput) as none:
        si_api.clerk_fields([], "入职日期有误", required=True)
    assert [(v.field, v.rule) for v in none.value.violations] == [("fields", "required")]
    assert none.value.message_zh.startswith("fields：")
    with pytest.raises(InvalidInput) as bad:
        si_api.clerk_fields(
            [common_pb2.Rejection(field="form.employees[0].hire_date"), common_pb2.Rejection()],
            "x",
            required=True,
        )
    assert [v.field for v in bad.value.violations] == ["fields[1].field"]
    assert si_api.clerk_fields([], "理由", required=False) == []
    [named] = si_api.clerk_fields(
        [common_pb2.Rejection(field=" form.employees[0].hire_date ")], "入职日期有误", required=True
    )
    assert (named.field, named.rule, named.participant) == (
        "form.employees[0].hire_date",
        "si_clerk_correction",
        "social_insurance",
    )
    assert named.message_zh == "社保经办人员要求更正：入职日期有误"
    assert named.message_en.endswith("入职日期有误")


def test_an_enterprise_type_registration_does_not_know_is_named_not_taken_for_missing():
    form = sample_form()
    form.enterprise_type = 99  # type: ignore[assignment]
    app = grpc_api.application(form)
    assert (app.enterprise_type, app.enterprise_type_unknown) == (
        domain.EnterpriseType.UNSPECIFIED,
        "99",
    )
    found = domain.validate_application(app, reference(), today=date(2026, 12, 3)).violations
    typed = [(v.field, v.rule) for v in found if v.field == "form.enterprise_type"]
    assert typed == [("form.enterprise_type", "enterprise_type.unknown")]
    form.enterprise_type = application_pb2.ENTERPRISE_TYPE_UNSPECIFIED
    missing = domain.validate_application(
        grpc_api.application(form), reference(), today=date(2026, 12, 3)
    ).violations
    assert [v.rule for v in missing if v.field == "form.enterprise_type"] == [
        "enterprise_type.required"
    ]
