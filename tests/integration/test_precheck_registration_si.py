"""Registration and social insurance check a whole application before anything is issued, with
the rules their saga steps run: the same answer over gRPC (CheckApplication) and over AMQP
(check_application), every problem named by its form field in Chinese and English, nothing
written. The social insurance step sends what the applicant can fix back for correction instead of
failing the case, and takes the corrected form as a fresh action."""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import grpc
import pytest
from sqlalchemy import create_engine, inspect, text

from onestop.common.v1 import application_pb2, common_pb2, desk_pb2
from onestop.common.v1.application_pb2 import CheckApplicationRequest as CheckRequest
from onestop.common.v1.application_pb2 import CheckApplicationResponse as CheckResponse
from onestop.registration.v1 import registration_pb2 as reg_pb
from onestop.registration.v1 import registration_pb2_grpc
from onestop.social_insurance.v1 import social_insurance_pb2 as si_pb
from onestop.social_insurance.v1 import social_insurance_pb2_grpc as si_grpc
from onestop_common import messaging as m
from onestop_common.settings import Settings
from orchestrator.amqp import declare_topology
from tests.support.identities import new_person_id, new_uscc
from tests.support.infra import services_with_signer
from tests.support.participant import CommandDriver, channel_to, credential, nameko_rpc
from tests.support.registration import license_deadline, sample_form

Outcome = common_pb2.Outcome
REG, SI = "registration", "social_insurance"


@dataclass
class Platform:
    settings: Settings
    driver: CommandDriver
    reg_channel: grpc.Channel
    si_channel: grpc.Channel

    def check_grpc(self, service: str, request: CheckRequest, subject: str) -> CheckResponse:
        metadata = credential(self.settings, "entrepreneur", subject)
        if service == REG:
            stub: object = registration_pb2_grpc.RegistrationServiceStub(self.reg_channel)
        else:
            stub = si_grpc.SocialInsuranceServiceStub(self.si_channel)
        return stub.CheckApplication(request, metadata=metadata, timeout=20)  # type: ignore[attr-defined, no-any-return]

    def check_amqp(self, service: str, request: CheckRequest) -> CheckResponse:
        """The nameko RPC. Bytes travel in kombu's JSON as {"__type__": "base64", "__value__":
        ...}, or as "bytes" with the text itself when they are valid UTF-8."""
        encoded = base64.b64encode(request.SerializeToString()).decode()
        body = {"__type__": "base64", "__value__": encoded}
        answer = nameko_rpc(self.settings, service, "check_application", body, timeout=30)
        raw = {
            "base64": lambda value: base64.b64decode(value),
            "bytes": lambda value: value.encode("utf-8"),
        }[answer["__type__"]](answer["__value__"])
        return CheckResponse.FromString(raw)

    def check_both(self, service: str, request: CheckRequest, subject: str) -> CheckResponse:
        """Both transports; their answers must be identical."""
        over_grpc = self.check_grpc(service, request, subject)
        over_amqp = self.check_amqp(service, request)
        assert over_grpc == over_amqp
        return over_grpc

    def rows(self, component: str) -> dict[str, int]:
        engine = create_engine(self.settings.database_url_for(component))
        try:
            with engine.connect() as connection:
                names = inspect(connection).get_table_names()
                return {
                    name: connection.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one()
                    for name in names
                }
        finally:
            engine.dispose()

    def register(
        self,
        employees: list[application_pb2.Employee],
        *,
        case_id: str,
        key: str = "",
        applicant: str = "alice",
        uscc: str = "",
    ) -> si_pb.RegisterEmployerResponse:
        request = si_pb.RegisterEmployerRequest(
            uscc=uscc or new_uscc(),
            company_name="天津宝坻预检科技有限公司",
            legal_representative=common_pb2.Person(name="张伟"),
            employees=employees,
            division_code="120115",
            domicile=common_pb2.Address(division_code="120115", district="宝坻区"),
            work_injury_risk_class=1,
            date_of_establishment=(date.today() - timedelta(days=100)).isoformat(),
        )
        sent = self.driver.send(
            SI, "RegisterEmployer", request, case_id=case_id, key=key, applicant_id=applicant
        )
        return self.driver.result(sent)  # type: ignore[no-any-return]

    def cancel(self, case_id: str, reason: str) -> si_pb.CancelEmployerRegistrationResponse:
        """The saga's compensation of the social insurance step (its first attempt)."""
        sent = self.driver.send(
            SI,
            "CancelEmployerRegistration",
            si_pb.CancelEmployerRegistrationRequest(reason=reason),
            case_id=case_id,
            key=f"{case_id}:{SI}:CancelEmployerRegistration:1",
        )
        return self.driver.result(sent)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """Registration (with the signing server it needs for licenses) and social insurance, on a
    throwaway vhost and fresh databases, shared by the module's tests."""
    with services_with_signer(tmp_path_factory.mktemp("precheck"), (REG, SI)) as supervisor:
        driver = CommandDriver(supervisor.settings)
        declare_topology(driver.channel, [m.service_queue(REG), m.service_queue(SI)])
        reg_channel = channel_to(supervisor.settings, REG)
        si_channel = channel_to(supervisor.settings, SI)
        try:
            yield Platform(supervisor.settings, driver, reg_channel, si_channel)
        finally:
            reg_channel.close()
            si_channel.close()
            driver.close()


def new_case() -> str:
    return f"OS-PRE-{uuid.uuid4().hex[:8].upper()}"


def wrong_check_char(id_number: str) -> str:
    wrong = next(c for c in "0123456789X" if c != id_number[17])
    return id_number[:17] + wrong


def employee(name: str, id_number: str, hired: date | None = None) -> application_pb2.Employee:
    return application_pb2.Employee(
        person=common_pb2.Person(
            name=name, id_type=common_pb2.ID_TYPE_CITIZEN_ID, id_number=id_number
        ),
        hire_date=(hired or date.today()).isoformat(),
        monthly_wage=common_pb2.Money(amount="8000.00", currency="CNY"),
        position="职员",
    )


def named(response: CheckResponse | common_pb2.StepStatus) -> list[tuple[str, str]]:
    return [(r.field, r.rule) for r in response.rejections]


_RULE_ID = re.compile(r"[a-z]+[._][a-z_.]+")


def assert_readable(rejections: object, participant: str) -> None:
    """Each rejection says what is wrong in Chinese and in English, without internal rule ids,
    and names whose rule it is."""
    for r in rejections:  # type: ignore[attr-defined]
        assert r.participant == participant
        assert r.message_zh and r.message_en
        assert re.search(r"[\u4e00-\u9fff]", r.message_zh), r.message_zh
        assert not _RULE_ID.search(r.message_zh), r.message_zh
        assert r.rule not in r.message_zh and r.rule not in r.message_en
        assert not r.subject_zh and not r.subject_en  # the orchestrator names the subject


# --------------------------------------------------------------------------- the clean sample


def test_the_clean_sample_passes_both_checks_on_both_transports_and_nothing_is_written(both):
    before = {REG: both.rows(REG), SI: both.rows(SI)}
    request = CheckRequest(form=sample_form(), applicant_id="alice")
    for service in (REG, SI):
        answer = both.check_both(service, request, "alice")
        assert list(answer.rejections) == [], (service, named(answer))
        assert answer.participant == service
        assert answer.rule_set and len(answer.rule_set) <= 64
    assert both.check_amqp(REG, request).rule_set.startswith("auto-approval/")
    assert both.check_amqp(SI, request).rule_set.startswith("tianjin-")
    # The first check of a fresh registration database looked the credit list up (which seeds
    # it on first use): rolled back with the rest.
    assert {REG: both.rows(REG), SI: both.rows(SI)} == before


# --------------------------------------------------------------------------- social insurance


def test_social_insurance_check_names_every_employee_problem(both):
    enrolled = new_person_id("19880808")
    first_case = new_case()
    registered = both.register([employee("钱多", enrolled)], case_id=first_case, applicant="alice")
    assert registered.status.outcome == Outcome.OUTCOME_DONE

    valid = new_person_id("19920101")
    form = sample_form()
    del form.employees[:]
    form.employees.extend(
        [
            employee("赵一", new_person_id()[:17]),
            employee("钱二", wrong_check_char(new_person_id("19900303"))),
            employee("钱多", enrolled),
            employee("孙三", valid),
            employee("孙三", valid),
        ]
    )
    form.work_injury_risk_class = 9
    before = both.rows(SI)
    answer = both.check_both(SI, CheckRequest(form=form, applicant_id="bob"), "bob")
    assert named(answer) == [
        ("form.work_injury_risk_class", "risk_class_range"),
        ("form.employees[0].person.id_number", "citizen_id.length"),
        ("form.employees[1].person.id_number", "citizen_id.check_char"),
        ("form.employees[2].person.id_number", "enrolled_elsewhere"),
        ("form.employees[4].person.id_number", "duplicate_employee"),
    ]
    assert_readable(answer.rejections, SI)
    assert "18" in answer.rejections[1].message_zh and "18" in answer.rejections[1].message_en
    assert "其他单位" in answer.rejections[3].message_zh
    assert both.rows(SI) == before

    # Re-checking the case that holds the person: its own enrolment does not count against it.
    own = CheckRequest(form=form, applicant_id="alice", case_id=first_case)
    assert "enrolled_elsewhere" not in [
        r.rule for r in both.check_both(SI, own, "alice").rejections
    ]
    # Nobody else may re-check alice's case.
    with pytest.raises(grpc.RpcError) as not_theirs:
        both.check_grpc(SI, own, "bob")
    assert not_theirs.value.code() == grpc.StatusCode.PERMISSION_DENIED

    with pytest.raises(grpc.RpcError) as anonymous:
        si_grpc.SocialInsuranceServiceStub(both.si_channel).CheckApplication(
            CheckRequest(form=form), timeout=10
        )
    assert anonymous.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_the_step_asks_for_a_correction_and_takes_the_corrected_form_under_a_new_key(both):
    case_id = new_case()
    kept = new_person_id("19870707")
    bad = wrong_check_char(new_person_id("19930909"))
    uscc = new_uscc()
    before = both.rows(SI)
    refused = both.register(
        [employee("周五", bad), employee("吴六", kept)],
        case_id=case_id,
        key=f"{case_id}:{SI}:RegisterEmployer",
        uscc=uscc,
    )
    assert refused.status.outcome == Outcome.OUTCOME_CORRECTION_REQUESTED
    assert named(refused.status) == [
        ("form.employees[0].person.id_number", "citizen_id.check_char")
    ]
    assert_readable(refused.status.rejections, SI)
    assert not refused.employer.registration_number
    after = both.rows(SI)
    assert (after["employers"], after["enrolments"], after["tasks"]) == (
        before["employers"],
        before["enrolments"],
        before["tasks"],
    )

    corrected = [employee("周五", new_person_id("19930909")), employee("吴六", kept)]
    done = both.register(
        corrected, case_id=case_id, key=f"{case_id}:{SI}:RegisterEmployer:correction-1", uscc=uscc
    )
    assert done.status.outcome == Outcome.OUTCOME_DONE, named(done.status)
    assert done.employer.state == "registered" and len(done.employer.enrolments) == 2
    # The same case once more under another key: the registration as it stands, not a second.
    again = both.register(
        corrected, case_id=case_id, key=f"{case_id}:{SI}:RegisterEmployer:correction-2", uscc=uscc
    )
    assert again.status.outcome == Outcome.OUTCOME_DONE
    assert again.employer.registration_number == done.employer.registration_number
    assert both.rows(SI)["employers"] == before["employers"] + 1

    cancelled = both.cancel(case_id, "bank refused")
    assert (cancelled.status.outcome, cancelled.enrolments_cancelled) == (Outcome.OUTCOME_DONE, 2)
    assert cancelled.registration_number == done.employer.registration_number


def test_the_clerks_correctable_refusal_withdraws_the_registration_and_asks_for_fields(both):
    case_id = new_case()
    person = new_person_id("19860606")
    uscc = new_uscc()
    key = f"{case_id}:{SI}:RegisterEmployer"
    # Hired 45 days ago: lawful but late, so a clerk decides even with automatic approval on.
    waiting = both.register(
        [employee("郑七", person, date.today() - timedelta(days=45))],
        case_id=case_id,
        key=key,
        uscc=uscc,
    )
    assert waiting.status.outcome == Outcome.OUTCOME_ACCEPTED
    task_id = waiting.status.task_id
    clerk = credential(both.settings, "si_clerk", "clerk-wang")
    desk = si_grpc.SocialInsuranceDeskStub(both.si_channel)

    with pytest.raises(grpc.RpcError) as no_fields:
        desk.RejectTask(
            desk_pb2.RejectTaskRequest(task_id=task_id, reason="入职日期有误", correctable=True),
            metadata=clerk,
            timeout=10,
        )
    assert no_fields.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    message = no_fields.value.details() or ""
    assert message.startswith("fields:") and "fields：" in message and "至少" in message
    with pytest.raises(grpc.RpcError) as not_a_path:
        desk.RejectTask(
            desk_pb2.RejectTaskRequest(
                task_id=task_id,
                reason="入职日期有误",
                correctable=True,
                fields=[common_pb2.Rejection(field="employees[0].hire_date")],
            ),
            metadata=clerk,
            timeout=10,
        )
    assert not_a_path.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "fields[0].field" in (not_a_path.value.details() or "")

    desk.RejectTask(
        desk_pb2.RejectTaskRequest(
            task_id=task_id,
            reason="入职日期与劳动合同不符",
            correctable=True,
            fields=[
                common_pb2.Rejection(
                    field="form.employees[0].hire_date",
                    message_zh="入职日期与劳动合同不符，请按合同填写",
                    message_en="the hire date differs from the labour contract",
                )
            ],
        ),
        metadata=clerk,
        timeout=10,
    )
    answer = both.driver.result(key, outcome=Outcome.OUTCOME_CORRECTION_REQUESTED)
    assert named(answer.status) == [("form.employees[0].hire_date", "si_clerk_correction")]
    assert answer.status.rejections[0].participant == SI
    assert (answer.status.task_id, answer.status.decided_by) == (task_id, "clerk-wang")
    page = desk.GetTask(desk_pb2.GetTaskRequest(task_id=task_id), metadata=clerk, timeout=10)
    assert page.task.state == desk_pb2.TASK_STATE_REJECTED
    assert page.task.details["correction_requested"] == "form.employees[0].hire_date"
    assert page.employer.state == "rejected" and not page.employer.enrolments[0].active
    # The command delivered again gets the correction request, not the old "accepted".
    both.driver.send(
        SI, "RegisterEmployer", si_pb.RegisterEmployerRequest(), case_id=case_id, key=key
    )
    assert both.driver.results(key, count=2)[-1].status.outcome == (
        Outcome.OUTCOME_CORRECTION_REQUESTED
    )
    # Nothing is left holding the person while the applicant corrects.
    form = sample_form()
    del form.employees[:]
    form.employees.append(employee("郑七", person))
    assert list(both.check_amqp(SI, CheckRequest(form=form)).rejections) == []

    done = both.register(
        [employee("郑七", person)],
        case_id=case_id,
        key=f"{case_id}:{SI}:RegisterEmployer:correction-1",
        uscc=uscc,
    )
    assert done.status.outcome == Outcome.OUTCOME_DONE, named(done.status)
    cancelled = both.cancel(case_id, "case withdrawn")
    assert cancelled.enrolments_cancelled == 1
    assert cancelled.registration_number == done.employer.registration_number


# --------------------------------------------------------------------------- registration


def test_registration_check_refuses_a_taken_name_an_unknown_type_and_an_unserved_district(both):
    case_id = new_case()
    both.driver.send(
        REG,
        "IssueLicense",
        reg_pb.IssueLicenseRequest(form=sample_form("预检重名")),
        case_id=case_id,
        step="license",
        key=f"{case_id}:license:IssueLicense",
        applicant_id="alice",
        deadline=license_deadline(),
    )
    issued = both.driver.result(f"{case_id}:license:IssueLicense", timeout=60)
    assert issued.status.outcome == Outcome.OUTCOME_DONE, named(issued.status)

    before = both.rows(REG)
    taken = both.check_both(
        REG, CheckRequest(form=sample_form("预检重名"), applicant_id="bob"), "bob"
    )
    assert named(taken) == [("form.name.trade_name", "name.duplicate")]
    assert_readable(taken.rejections, REG)
    assert "预检重名" in taken.rejections[0].message_zh
    # The case that holds the name re-checks its own form: its name does not count against it.
    own = CheckRequest(form=sample_form("预检重名"), applicant_id="alice", case_id=case_id)
    assert list(both.check_both(REG, own, "alice").rejections) == []

    odd = sample_form("预检类型")
    odd.enterprise_type = 99  # type: ignore[assignment]
    typed = both.check_both(REG, CheckRequest(form=odd, applicant_id="bob"), "bob")
    assert ("form.enterprise_type", "enterprise_type.unknown") in named(typed)
    unknown = next(r for r in typed.rejections if r.field == "form.enterprise_type")
    assert "99" in unknown.message_zh and "99" in unknown.message_en

    away = sample_form("预检辖区")
    away.domicile.division_code, away.domicile.district = "120104", "南开区"
    elsewhere = both.check_both(REG, CheckRequest(form=away, applicant_id="bob"), "bob")
    assert named(elsewhere) == [("form.domicile.division_code", "domicile.outside_area")]
    assert "宝坻区" in elsewhere.rejections[0].message_zh
    assert_readable([*typed.rejections, *elsewhere.rejections], REG)
    assert both.rows(REG) == before
