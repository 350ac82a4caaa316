"""Property tests (hypothesis) at the orchestrator's two doors: generated application forms
submitted through the public API, and generated message bodies and headers given to its result
handler as the broker would deliver them.

What must hold for every input: nothing crashes. A bad form is refused with INVALID_ARGUMENT
rejections that name fields (never INTERNAL) and creates no case; a good one creates exactly one.
A bad message is a ``MalformedMessage`` (the consumer dead-letters it with that reason) and
leaves nothing half-written: no inbox row, no audit entry, no case changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from onestop.common.v1 import application_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop_common import contracts
from onestop_common import messaging as m
from onestop_common.clock import SHANGHAI
from onestop_common.db import transaction
from onestop_common.identity import Role, bearer, issue_token
from orchestrator.api import OneStopApi
from orchestrator.models import AuditEntry, Inbox, Saga
from tests.support.in_process import sample_form
from tests.support.saga_harness import Harness

SECRET = "a token secret long enough for the fuzz tests"
THURSDAY = datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI)
Status = grpc.StatusCode

# Text as people and programs really send it: CJK, spaces, control characters, very long runs.
TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="张王李赵宝坻天津科技有限公司0123456789X-. ", max_size=30),
    st.just(""),
    st.text(min_size=190, max_size=400),
)
NUMBER_TEXT = st.one_of(
    TEXT, st.decimals(allow_nan=True, allow_infinity=True).map(str), st.integers().map(str)
)
ENUM = st.integers(min_value=-3, max_value=40)


class Aborted(Exception):
    def __init__(self, status: Any) -> None:
        super().__init__(status.code)
        self.code, self.details = status.code, status.details


class FakeContext:
    """Just enough of a grpc.ServicerContext on the plain port."""

    def __init__(self) -> None:
        token = issue_token(SECRET, subject="fuzzer", role=Role.ENTREPRENEUR)
        self._metadata = bearer(token)

    def auth_context(self) -> dict[str, Any]:
        return {}

    def invocation_metadata(self) -> Any:
        return self._metadata

    def abort_with_status(self, status: Any) -> None:
        raise Aborted(status)

    def is_active(self) -> bool:
        return True


@st.composite
def person(draw: st.DrawFn, target: application_pb2.Person) -> None:
    target.name = draw(TEXT)
    target.id_type = draw(ENUM)
    target.id_number = draw(st.one_of(TEXT, st.just("120115198503120033")))
    target.nationality = draw(st.sampled_from(["CHN", "", "XXX", "中国"]))


@st.composite
def forms(draw: st.DrawFn) -> application_pb2.ApplicationForm:
    """The sample form with some of its parts replaced by generated values."""
    form = sample_form()
    if draw(st.booleans()):
        n = form.name
        n.division, n.trade_name, n.industry, n.organisational_form = (draw(TEXT) for _ in range(4))
    if draw(st.booleans()):
        form.enterprise_type = draw(ENUM)
    if draw(st.booleans()):
        form.registered_capital.amount = draw(NUMBER_TEXT)
        form.registered_capital.currency = draw(st.sampled_from(["CNY", "", "USD", "元"]))
    if draw(st.booleans()):
        d = form.domicile
        d.division_code, d.district, d.detail = draw(TEXT), draw(TEXT), draw(TEXT)
    if draw(st.booleans()):
        draw(person(form.legal_representative))
    if draw(st.booleans()):
        del form.shareholders[:]
        for _ in range(draw(st.integers(0, 4))):
            holder = form.shareholders.add()
            draw(person(holder.person))
            holder.subscribed.amount = draw(NUMBER_TEXT)
            holder.due_date = draw(st.one_of(TEXT, st.dates().map(str)))
    if draw(st.booleans()):
        del form.employees[:]
        for _ in range(draw(st.integers(0, 4))):
            employee = form.employees.add()
            draw(person(employee.person))
            employee.monthly_wage.amount = draw(NUMBER_TEXT)
            employee.hire_date = draw(st.one_of(TEXT, st.dates().map(str)))
    if draw(st.booleans()):
        del form.seals[:]
        for _ in range(draw(st.integers(0, 6))):
            form.seals.add(kind=draw(ENUM), physical=draw(st.booleans()))
    if draw(st.booleans()):
        form.bank.bank_code, form.bank.branch_name = draw(TEXT), draw(TEXT)
    if draw(st.booleans()):
        form.contact.phone = draw(TEXT)
    if draw(st.booleans()):
        form.operating_term_years = draw(st.integers(-(2**31), 2**31 - 1))
    return form


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OneStopApi, Harness]]:
    harness = Harness(f"sqlite:///{tmp_path_factory.mktemp('fuzz')}/orchestrator.db", THURSDAY)
    yield OneStopApi(harness.engine, SECRET), harness


def count(harness: Harness, model: Any) -> int:
    with transaction(harness.sessions) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(form=forms(), key=TEXT)
def test_a_generated_form_is_refused_naming_fields_or_makes_one_case(api, form, key) -> None:
    service, harness = api
    before = count(harness, Saga)
    request = pb.SubmitApplicationRequest(idempotency_key=key, form=form)
    try:
        answer = service.SubmitApplication(request, FakeContext())
    except Aborted as refused:
        assert refused.code == Status.INVALID_ARGUMENT, refused.details
        assert refused.details  # says what is wrong
        assert count(harness, Saga) == before
        return
    assert answer.application.case_id
    assert count(harness, Saga) == before + (1 if answer.created else 0)


RESULT_RPCS = [
    (participant, rpc)
    for participant in ("registration", "seal", "invoice", "social_insurance", "bank")
    for rpc in contracts.saga_rpcs(participant)
]


@st.composite
def envelopes(draw: st.DrawFn, case_id: str) -> m.Envelope:
    participant, rpc = draw(st.sampled_from(RESULT_RPCS))
    headers: dict[str, Any] = {
        m.H_TYPE: draw(
            st.one_of(
                st.just(contracts.response_type(participant, rpc).DESCRIPTOR.full_name),
                st.just("onestop.common.v1.StepStatus"),
                TEXT,
            )
        ),
        m.H_CASE: draw(st.one_of(st.just(case_id), TEXT)),
        m.H_STEP: draw(st.one_of(st.sampled_from(["license", "seal", "bank", "nope"]), TEXT)),
    }
    if draw(st.booleans()):
        headers[m.H_PARTICIPANT] = draw(st.one_of(st.just(participant), TEXT))
        headers[m.H_METHOD] = draw(st.one_of(st.just(f"/x/{rpc}"), TEXT))
    body = draw(st.one_of(st.binary(max_size=300), st.just(b"\x08\x01")))
    return m.Envelope(
        m.EVENTS_EXCHANGE,
        draw(st.one_of(st.just(f"{participant}.{rpc}.result"), TEXT)),
        body,
        headers,
        draw(st.uuids().map(str)),
    )


@pytest.fixture(scope="module")
def running_case(api: tuple[OneStopApi, Harness]) -> str:
    _, harness = api
    case_id = harness.submit(sample_form(), key="fuzz-results")
    harness.take_commands()
    return case_id


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_malformed_result_is_dead_lettered_and_writes_nothing(api, running_case, data) -> None:
    _, harness = api
    envelope = data.draw(envelopes(running_case))
    before = (count(harness, Inbox), count(harness, AuditEntry), harness.case(running_case).version)
    try:
        harness.engine.handle_results([envelope])
    except m.MalformedMessage as refused:
        assert str(refused)  # the reason the dead letter carries
        after = (
            count(harness, Inbox),
            count(harness, AuditEntry),
            harness.case(running_case).version,
        )
        assert after == before
