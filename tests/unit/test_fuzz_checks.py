"""Property tests (hypothesis): generated application forms through each of the five
participants' CheckApplication, in-process, as the orchestrator's pre-check calls them.

For every form: no check crashes; each answers for itself with rejections that name a form
field and say the rule in Chinese and English; and a check writes nothing (the services whose
check reads their database — registration and social insurance — have no new row afterwards).
"""

# The action tests' fixture is used by name (reg): F811 is pytest's way.
# ruff: noqa: F811

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from sqlalchemy import func, inspect, select, table

import svc_social_insurance
from onestop.common.v1 import application_pb2
from onestop_common.calendar import BusinessCalendar
from svc_bank import workflow as bank
from svc_invoice import actions as invoice
from svc_invoice.actions import Env as InvoiceEnv
from svc_invoice.rulebook import default_book
from svc_registration import actions as registration
from svc_seal import actions as seal
from svc_social_insurance import workflow as social_insurance
from svc_social_insurance.models import Inbox, Outbox
from tests.support.in_process import NOW
from tests.support.service_db import OpenServiceDb, ServiceDb, ServiceSchema
from tests.unit.test_fuzz_orchestrator import forms
from tests.unit.test_registration_actions import Registration, reg  # noqa: F401 - fixture

SI_SCHEMA = ServiceSchema(social_insurance.PARTICIPANT, svc_social_insurance, Outbox, Inbox)
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def rows_in(db: ServiceDb) -> int:
    """Every row of every table of the service's database."""
    with db.sessions() as session:
        names = inspect(session.get_bind()).get_table_names()
        return sum(
            int(session.scalar(select(func.count()).select_from(table(name))) or 0)
            for name in names
            if not name.startswith("alembic")
        )


def answered(response: application_pb2.CheckApplicationResponse, participant: str) -> None:
    assert response.participant == participant
    for r in response.rejections:
        assert r.field.startswith("form"), r
        assert r.rule and r.message_zh and r.message_en, r


@SETTINGS
@given(form=forms())
def test_the_checks_without_a_database_answer_every_form(form) -> None:
    request = application_pb2.CheckApplicationRequest(form=form)
    answered(seal.check_application(request), "seal")
    answered(bank.check_application(request, NOW.date()), "bank")
    env = InvoiceEnv(default_book(), NOW, True, BusinessCalendar())
    answered(invoice.check_application(request, env), "invoice")


@SETTINGS
@given(form=forms())
def test_registration_checks_every_form_and_writes_nothing(reg: Registration, form) -> None:
    before = rows_in(reg.db)
    request = application_pb2.CheckApplicationRequest(form=form, applicant_id="fuzzer")
    response = reg.run(lambda uow, env: registration.check_application(uow, None, request, env))
    answered(response, "registration")
    assert rows_in(reg.db) == before


@SETTINGS
@given(form=forms())
def test_social_insurance_checks_every_form_and_writes_nothing(
    open_service_db: OpenServiceDb, form
) -> None:
    db = open_service_db(SI_SCHEMA)
    before = rows_in(db)
    request = application_pb2.CheckApplicationRequest(form=form)
    with db.unit_of_work() as uow:
        response = social_insurance.check_application(uow, None, request, now=NOW)
    answered(response, "social_insurance")
    assert rows_in(db) == before
