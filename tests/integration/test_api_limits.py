"""Limits at the public API over real gRPC: a real orchestrator process on a socket, a RabbitMQ
vhost and its database on SQLite or PostgreSQL (ONESTOP_TEST_DB). Oversized, malformed and
undecodable requests are INVALID_ARGUMENT naming the field; a database outage is UNAVAILABLE."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
import psycopg2
import pytest
from grpc_status import rpc_status
from sqlalchemy import make_url

from onestop.common.v1 import common_pb2
from onestop.common.v1.application_pb2 import ApplicationForm
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop_cli.client import load_form
from onestop_common.grpc_options import channel_options
from onestop_common.protoconv import rejections_from_status, with_numbers_masked
from onestop_common.settings import Settings
from tests.integration.conftest import PlatformFactory
from tests.support.cases import SAMPLE
from tests.support.infra import PG_ADMIN_DSN, backend
from tests.support.participant import credential

TEN_MB = 10 * 1024 * 1024
SUBMIT = "/onestop.orchestrator.v1.OneStopService/SubmitApplication"
WATCH = "/onestop.orchestrator.v1.OneStopService/WatchApplication"


@pytest.fixture
def orchestrator(platform: PlatformFactory) -> Settings:
    return platform.start(("orchestrator",)).settings


@pytest.fixture
def channel(orchestrator: Settings) -> Iterator[grpc.Channel]:
    # The platform's own limits: a 10 MB field travels, the API is what refuses it.
    with grpc.insecure_channel(
        orchestrator.grpc_target("orchestrator"), options=channel_options()
    ) as channel:
        yield channel


@pytest.fixture
def api(channel: grpc.Channel) -> pb_grpc.OneStopServiceStub:
    return pb_grpc.OneStopServiceStub(channel)


def refusal(call) -> tuple[grpc.RpcError, dict[str, common_pb2.Rejection]]:
    """Runs ``call``, which must fail; the error and its rejections by field."""
    with pytest.raises(grpc.RpcError) as raised:
        call()
    error = raised.value
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    rejections = rejections_from_status(status) if status is not None else []
    return error, {r.field: r for r in rejections}


def refused_submission(
    api: pb_grpc.OneStopServiceStub,
    orchestrator: Settings,
    form: ApplicationForm,
    applicant: str,
    key: str,
    timeout: float = 30,
) -> tuple[grpc.RpcError, dict[str, common_pb2.Rejection]]:
    """The applicant's SubmitApplication of ``form``, which must fail: the error and its
    rejections by field."""
    request = pb.SubmitApplicationRequest(idempotency_key=key, form=form)
    metadata = credential(orchestrator, "entrepreneur", applicant)
    return refusal(lambda: api.SubmitApplication(request, metadata=metadata, timeout=timeout))


def cases_of(api: pb_grpc.OneStopServiceStub, settings: Settings, applicant: str) -> int:
    listed = api.ListApplications(
        pb.ListApplicationsRequest(),
        metadata=credential(settings, "entrepreneur", applicant),
        timeout=10,
    )
    return listed.total


def test_10_mb_field_is_invalid_argument_at_submit(api, orchestrator):
    form = load_form(SAMPLE)
    form.domicile.detail = "x" * TEN_MB
    error, rejections = refused_submission(api, orchestrator, form, "gina", "big-1", timeout=60)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert list(rejections) == ["form.domicile.detail"]
    rejection = rejections["form.domicile.detail"]
    assert rejection.rule == "max_length"
    assert rejection.message_en == f"at most 200 characters (got {TEN_MB})"
    assert rejection.message_zh == f"不能超过 200 个字符（现为 {TEN_MB} 个）"
    details = error.details() or ""
    assert "form.domicile.detail" in details
    assert len(details) < 300
    assert "xxxxxxxx" not in details + rejection.message_en + rejection.message_zh
    # Refused before anything was stored: no case, no license for a 10 MB address.
    assert cases_of(api, orchestrator, "gina") == 0


def test_submit_answers_the_case_id_state_and_name_without_the_form(api, orchestrator):
    me = credential(orchestrator, "entrepreneur", "hana")
    form = load_form(SAMPLE)
    response = api.SubmitApplication(
        pb.SubmitApplicationRequest(idempotency_key="hana-1", form=form), metadata=me, timeout=30
    )
    submitted = response.application
    assert response.created
    assert submitted.case_id.startswith("OS")
    assert submitted.state == common_pb2.CASE_STATE_RUNNING
    assert submitted.company_name == "天津宝坻示例科技有限公司"
    assert submitted.steps[0].name == "license"
    assert not submitted.HasField("form")
    # The same submission again: the same case, still without the form.
    again = api.SubmitApplication(
        pb.SubmitApplicationRequest(idempotency_key="hana-1", form=form), metadata=me, timeout=30
    )
    assert (again.created, again.application.case_id) == (False, submitted.case_id)
    assert not again.application.HasField("form")
    # The form is where it belongs: in the case.
    stored = api.GetApplication(
        pb.GetApplicationRequest(case_id=submitted.case_id), metadata=me, timeout=10
    )
    assert stored.application.form == form
    # Staff may read any case, but not its people's numbers: they see them masked.
    staff = credential(orchestrator, "tax_staff", "zhao")
    seen = api.GetApplication(
        pb.GetApplicationRequest(case_id=submitted.case_id), metadata=staff, timeout=10
    ).application.form
    assert seen == with_numbers_masked(form) != form
    assert seen.legal_representative.phone == "138****0001"


def test_too_many_items_and_control_characters_name_their_fields(api, orchestrator):
    form = load_form(SAMPLE)
    for _ in range(51 - len(form.shareholders)):
        form.shareholders.add().CopyFrom(form.shareholders[0])
    form.legal_representative.name = "张\x00伟"
    error, rejections = refused_submission(api, orchestrator, form, "ivan", "many")
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert rejections["form.shareholders"].rule == "max_items"
    assert rejections["form.legal_representative.name"].rule == "control_characters"
    for rejection in rejections.values():
        assert rejection.message_zh and rejection.message_en


def test_a_thousand_rejections_still_arrive_as_invalid_argument(api, orchestrator):
    form = load_form(SAMPLE)
    for employee in form.employees:
        employee.monthly_wage.amount = "eight thousand"
    for _ in range(1000 - len(form.employees)):
        form.employees.add().CopyFrom(form.employees[0])
    error, rejections = refused_submission(api, orchestrator, form, "jin", "wages")
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "(+999 more)" in (error.details() or "")
    assert rejections["form.employees[0].monthly_wage"].rule == "decimal"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"\xff\xff\xff garbage \x00\x01", id="garbage"),
        # Field 1 (idempotency_key), 3 bytes that are not UTF-8.
        pytest.param(b"\x0a\x03\xff\xfe\xfd", id="invalid-utf8"),
        # Field 2 (form) holding field 1 (name) holding field 2 (trade_name): not UTF-8.
        pytest.param(b"\x12\x07\x0a\x05\x12\x03\xc3\x28\xa0", id="invalid-utf8-nested"),
    ],
)
def test_undecodable_request_bytes_are_invalid_argument(channel, orchestrator, body):
    submit = channel.unary_unary(SUBMIT)
    me = credential(orchestrator, "entrepreneur", "kai")
    error, rejections = refusal(lambda: submit(body, metadata=me, timeout=10))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "SubmitApplicationRequest" in (error.details() or "")
    assert rejections[""].rule == "decode"
    assert "请求不是有效的" in rejections[""].message_zh


def test_undecodable_bytes_to_a_streaming_method_are_invalid_argument(channel, orchestrator):
    watch = channel.unary_stream(WATCH)
    me = credential(orchestrator, "entrepreneur", "kai")
    error, rejections = refusal(lambda: list(watch(b"\x0a\x02\xc0\xaf", metadata=me, timeout=10)))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert rejections[""].rule == "decode"


@pytest.mark.parametrize(
    ("request_fields", "field"),
    [
        ({"page_token": "abc"}, "page_token"),
        ({"page_token": "9" * 20}, "page_token"),
        ({"page_size": -1}, "page_size"),
        ({"page_token": "x" * 1000}, "page_token"),
    ],
)
def test_a_bad_page_is_invalid_argument_naming_the_field(api, orchestrator, request_fields, field):
    error, rejections = refusal(
        lambda: api.ListApplications(
            pb.ListApplicationsRequest(**request_fields),
            metadata=credential(orchestrator, "entrepreneur", "lea"),
            timeout=10,
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert list(rejections) == [field]
    assert "x" * 40 not in (error.details() or "")


def test_a_long_or_malformed_case_id_is_refused_and_an_unknown_one_not_found(api, orchestrator):
    me = credential(orchestrator, "entrepreneur", "mia")
    error, rejections = refusal(
        lambda: api.GetApplication(pb.GetApplicationRequest(case_id="C" * 5000), metadata=me)
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert rejections["case_id"].rule == "max_length"
    error, rejections = refusal(
        lambda: api.GetApplication(pb.GetApplicationRequest(case_id="OS-NO-SUCH"), metadata=me)
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert rejections["case_id"].rule == "format"
    unknown = pb.GetApplicationRequest(case_id="OS20250301-0000000000")
    error, _ = refusal(lambda: api.GetApplication(unknown, metadata=me))
    assert error.code() == grpc.StatusCode.NOT_FOUND


# --------------------------------------------------------------------------- database outage


def test_submit_while_the_database_is_unavailable_is_unavailable(
    api, orchestrator, platform: PlatformFactory
):
    me = credential(orchestrator, "entrepreneur", "nora")
    request = pb.SubmitApplicationRequest(idempotency_key="outage-1", form=load_form(SAMPLE))
    with database_outage(orchestrator, platform.tmp_path):
        # SQLite waits out its busy timeout (30 s) before it gives up on the lock.
        error, _ = refusal(lambda: api.SubmitApplication(request, metadata=me, timeout=120))
    assert error.code() == grpc.StatusCode.UNAVAILABLE, error.details()
    details = error.details() or ""
    assert "try again" in details and "稍后重试" in details
    # Back again: the same request now makes the case (the failed attempt left nothing).
    response = api.SubmitApplication(request, metadata=me, timeout=60)
    assert response.created


@contextmanager
def database_outage(settings: Settings, tmp_path: Path) -> Iterator[None]:
    """The orchestrator's database cannot be written (SQLite: another connection holds the
    write lock) or reached at all (PostgreSQL: connections refused, open ones terminated)."""
    url = make_url(settings.database_url_for("orchestrator"))
    if backend() != "postgresql":
        blocker = sqlite3.connect(str(url.database), isolation_level=None, timeout=30)
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        return
    name = url.database
    admin = psycopg2.connect(PG_ADMIN_DSN)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
        yield
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        admin.close()
