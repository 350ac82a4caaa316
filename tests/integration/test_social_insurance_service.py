"""The social insurance service as a real process on the real broker: registration decided
automatically and through the clerk's desk, a person enrolled elsewhere refused, and the
compensation freeing them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import grpc
import pytest

from onestop.common.v1 import application_pb2, common_pb2, desk_pb2
from onestop.social_insurance.v1 import social_insurance_pb2 as pb
from onestop.social_insurance.v1 import social_insurance_pb2_grpc as pb_grpc
from tests.support.identities import new_person_id, new_uscc
from tests.support.participant import CommandDriver, channel_to, credential

Outcome = common_pb2.Outcome
SI = "social_insurance"


def employee(name: str, id_number: str, wage: str, hired: date) -> application_pb2.Employee:
    return application_pb2.Employee(
        person=common_pb2.Person(
            name=name, id_type=common_pb2.ID_TYPE_CITIZEN_ID, id_number=id_number
        ),
        hire_date=hired.isoformat(),
        monthly_wage=common_pb2.Money(amount=wage, currency="CNY"),
        position="职员",
    )


def register_request(
    uscc: str, *employees: application_pb2.Employee, risk_class: int = 1
) -> pb.RegisterEmployerRequest:
    return pb.RegisterEmployerRequest(
        uscc=uscc,
        company_name="天津宝坻示例科技有限公司",
        legal_representative=common_pb2.Person(name="张伟"),
        employees=list(employees),
        division_code="120115",
        domicile=common_pb2.Address(division_code="120115", district="宝坻区"),
        work_injury_risk_class=risk_class,
        date_of_establishment=(date.today() - timedelta(days=100)).isoformat(),
    )


@pytest.fixture
def driver_for() -> Iterator[list[CommandDriver]]:
    drivers: list[CommandDriver] = []
    yield drivers
    for driver in drivers:
        driver.close()


def start(platform, driver_for, **env: str):  # type: ignore[no-untyped-def]
    supervisor = platform.start((SI,), **env)
    driver = CommandDriver(supervisor.settings)
    driver_for.append(driver)
    return supervisor.settings, driver


def test_clean_registration_is_decided_automatically_with_the_hand_computed_figures(
    platform, driver_for
):
    settings, driver = start(platform, driver_for)
    today = date.today()
    uscc = new_uscc()
    zhao, sun = new_person_id(), new_person_id("20000505")
    key = driver.send(
        SI,
        "RegisterEmployer",
        register_request(
            uscc, employee("赵强", zhao, "8000.00", today), employee("孙丽", sun, "4500.00", today)
        ),
        applicant_id="alice",
    )
    result = driver.result(key)
    assert result.status.outcome == Outcome.OUTCOME_DONE
    assert result.status.decided_by.startswith("auto:tianjin-")
    employer = result.employer
    assert employer.registration_number.startswith("SI120115")
    assert employer.state == "registered"
    # 8000: 1280 + 800 + 40 + 16 (class 1, 0.2%); 4500 is below the floor, base 5124:
    # 819.84 + 512.40 + 25.62 + 10.25 (10.248 rounded half up).
    assert employer.employer_total.amount == "3504.11"
    assert employer.employee_total.amount == "1378.02"  # 840.00 + 538.02
    assert "UNVERIFIED" in employer.rate_table_note
    assert employer.rate_table_version == result.status.decided_by.removeprefix("auto:")
    first, second = employer.enrolments
    assert first.social_security_number != zhao and first.social_security_number.endswith(zhao[-4:])
    assert (first.contribution_base.amount, first.base_adjusted) == ("8000.00", False)
    assert (second.contribution_base.amount, second.base_adjusted) == ("5124.00", True)
    assert {c.insurance: c.verified for c in first.contributions}["medical"] == "partial"
    assert driver.events("social_insurance.EmployerRegistered")

    with channel_to(settings, SI) as channel:
        service = pb_grpc.SocialInsuranceServiceStub(channel)
        as_clerk = service.GetEmployer(
            pb.GetEmployerRequest(uscc=uscc), metadata=credential(settings, "si_clerk"), timeout=10
        )
        assert as_clerk.employer.enrolments[0].social_security_number == zhao
        own = service.GetEmployer(
            pb.GetEmployerRequest(uscc=uscc),
            metadata=credential(settings, "entrepreneur", "alice"),
            timeout=10,
        )
        assert own.employer.enrolments[0].social_security_number != zhao
        with pytest.raises(grpc.RpcError) as someone_else:
            service.GetEmployer(
                pb.GetEmployerRequest(uscc=uscc),
                metadata=credential(settings, "entrepreneur", "mallory"),
                timeout=10,
            )
        assert someone_else.value.code() == grpc.StatusCode.NOT_FOUND
        with pytest.raises(grpc.RpcError) as wrong_role:
            service.GetEmployer(
                pb.GetEmployerRequest(uscc=uscc),
                metadata=credential(settings, "bank_clerk", org="102"),
                timeout=10,
            )
        assert wrong_role.value.code() == grpc.StatusCode.PERMISSION_DENIED

    # The same command again: the stored answer, no second registration.
    driver.send(SI, "RegisterEmployer", register_request(uscc), key=key)
    again = driver.results(key, count=2)[-1]
    assert again.employer.registration_number == employer.registration_number


def test_person_enrolled_elsewhere_is_refused_until_the_compensation_frees_them(
    platform, driver_for
):
    settings, driver = start(platform, driver_for)
    today = date.today()
    person = new_person_id()
    first_case = "OS-SI-FIRST"
    first = driver.send(
        SI,
        "RegisterEmployer",
        register_request(new_uscc(), employee("赵强", person, "8000.00", today)),
        case_id=first_case,
    )
    assert driver.result(first).status.outcome == Outcome.OUTCOME_DONE

    other = driver.send(
        SI,
        "RegisterEmployer",
        register_request(
            new_uscc(),
            employee("钱多", new_person_id("19900101"), "6000.00", today),
            employee("赵强", person, "9000.00", today),
        ),
    )
    refused = driver.result(other)
    # The applicant can fix it (the other employer ends the enrolment, or the row is removed).
    assert refused.status.outcome == Outcome.OUTCOME_CORRECTION_REQUESTED
    [rejection] = refused.status.rejections
    assert (rejection.field, rejection.rule) == (
        "form.employees[1].person.id_number",
        "enrolled_elsewhere",
    )
    assert rejection.message_zh and rejection.message_en
    assert not refused.employer.registration_number

    cancel = driver.send(
        SI,
        "CancelEmployerRegistration",
        pb.CancelEmployerRegistrationRequest(reason="bank rejected"),
        case_id=first_case,
        key=f"{first_case}:{SI}:CancelEmployerRegistration:1",
    )
    cancelled = driver.result(cancel)
    assert cancelled.status.outcome == Outcome.OUTCOME_DONE
    assert cancelled.enrolments_cancelled == 1
    assert driver.events("social_insurance.EmployerRegistrationCancelled")
    # A second round of the compensation finds nothing left to undo.
    again = driver.result(
        driver.send(
            SI,
            "CancelEmployerRegistration",
            pb.CancelEmployerRegistrationRequest(reason="bank rejected"),
            case_id=first_case,
            key=f"{first_case}:{SI}:CancelEmployerRegistration:2",
        )
    )
    assert (again.status.outcome, again.enrolments_cancelled) == (Outcome.OUTCOME_DONE, 0)
    assert again.registration_number == cancelled.registration_number

    freed = driver.send(
        SI,
        "RegisterEmployer",
        register_request(new_uscc(), employee("赵强", person, "9000.00", today)),
    )
    assert driver.result(freed).status.outcome == Outcome.OUTCOME_DONE
    # The compensated case's action arriving late is refused, not performed.
    late = driver.send(
        SI,
        "RegisterEmployer",
        register_request(new_uscc()),
        case_id=first_case,
        key=f"{first_case}:{SI}:RegisterEmployer:late",
    )
    assert driver.result(late).status.outcome == Outcome.OUTCOME_REJECTED

    with channel_to(settings, SI) as channel:
        service = pb_grpc.SocialInsuranceServiceStub(channel)
        with pytest.raises(grpc.RpcError) as not_platform:
            service.RegisterEmployer(
                register_request(new_uscc()), metadata=credential(settings, "si_clerk"), timeout=10
            )
        assert not_platform.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_registration_through_the_clerks_desk(platform, driver_for):
    settings, driver = start(platform, driver_for, ONESTOP_AUTO_APPROVE="none")
    today = date.today()
    person, other_person = new_person_id(), new_person_id("19880808")
    approved_key = driver.send(
        SI,
        "RegisterEmployer",
        register_request(new_uscc(), employee("赵强", person, "8000.00", today), risk_class=3),
        applicant_id="alice",
    )
    accepted = driver.result(approved_key)
    assert accepted.status.outcome == Outcome.OUTCOME_ACCEPTED
    assert accepted.status.task_id
    late_hire = today - timedelta(days=45)
    rejected_key = driver.send(
        SI,
        "RegisterEmployer",
        register_request(new_uscc(), employee("李四", other_person, "5000.00", late_hire)),
    )
    to_reject = driver.result(rejected_key)
    assert to_reject.status.outcome == Outcome.OUTCOME_ACCEPTED
    # While the clerk decides, the person is reserved: another employer cannot take them.
    blocked = driver.result(
        driver.send(
            SI,
            "RegisterEmployer",
            register_request(new_uscc(), employee("李四", other_person, "5000.00", today)),
        )
    )
    assert blocked.status.rejections[0].rule == "enrolled_elsewhere"

    clerk = credential(settings, "si_clerk", "clerk-wang")
    with channel_to(settings, SI) as channel:
        desk = pb_grpc.SocialInsuranceDeskStub(channel)
        listed = desk.ListTasks(desk_pb2.ListTasksRequest(), metadata=clerk, timeout=10)
        assert {t.task_id for t in listed.tasks} == {
            accepted.status.task_id,
            to_reject.status.task_id,
        }
        with pytest.raises(grpc.RpcError) as wrong_role:
            desk.ListTasks(desk_pb2.ListTasksRequest(), metadata=credential(settings, "tax_staff"))
        assert wrong_role.value.code() == grpc.StatusCode.PERMISSION_DENIED

        page = desk.GetTask(
            desk_pb2.GetTaskRequest(task_id=accepted.status.task_id), metadata=clerk, timeout=10
        )
        assert page.employer.enrolments[0].social_security_number == person
        assert "UNVERIFIED" in page.task.details["rate_table_note"]
        # Class 3: work injury 0.7% of 8000 = 56.00; 1280 + 800 + 40 + 56.
        assert page.employer.employer_total.amount == "2176.00"
        late_page = desk.GetTask(
            desk_pb2.GetTaskRequest(task_id=to_reject.status.task_id), metadata=clerk, timeout=10
        )
        assert late_page.task.details["late_enrolment"] == "李四"
        assert late_page.employer.enrolments[0].late_enrolment

        claimed = desk.ClaimTask(
            desk_pb2.ClaimTaskRequest(task_id=accepted.status.task_id), metadata=clerk, timeout=10
        )
        assert claimed.task.state == desk_pb2.TASK_STATE_CLAIMED
        with pytest.raises(grpc.RpcError) as taken:
            desk.ApproveTask(
                desk_pb2.ApproveTaskRequest(task_id=accepted.status.task_id),
                metadata=credential(settings, "si_clerk", "clerk-li"),
                timeout=10,
            )
        assert taken.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        approved = desk.ApproveTask(
            desk_pb2.ApproveTaskRequest(task_id=accepted.status.task_id, comment="材料齐全"),
            metadata=clerk,
            timeout=10,
        )
        assert approved.employer.state == "registered"

        with pytest.raises(grpc.RpcError) as no_reason:
            desk.RejectTask(
                desk_pb2.RejectTaskRequest(task_id=to_reject.status.task_id),
                metadata=clerk,
                timeout=10,
            )
        assert no_reason.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        desk.RejectTask(
            desk_pb2.RejectTaskRequest(task_id=to_reject.status.task_id, reason="劳动合同未提供"),
            metadata=clerk,
            timeout=10,
        )

    done = driver.result(approved_key, outcome=Outcome.OUTCOME_DONE)
    assert done.status.decided_by == "clerk-wang"
    assert done.status.task_id == accepted.status.task_id
    assert done.employer.enrolments[0].active
    refused = driver.result(rejected_key, outcome=Outcome.OUTCOME_REJECTED)
    assert refused.status.rejections[0].rule == "si_clerk_rejected"
    assert "劳动合同未提供" in refused.status.rejections[0].message_zh
    # The clerk's refusal freed the reserved person.
    freed = driver.result(
        driver.send(
            SI,
            "RegisterEmployer",
            register_request(new_uscc(), employee("李四", other_person, "5000.00", today)),
        )
    )
    assert freed.status.outcome == Outcome.OUTCOME_ACCEPTED

    # Compensation while the clerk has the task: the task is withdrawn and the person freed.
    cancelled = driver.result(
        driver.send(
            SI,
            "CancelEmployerRegistration",
            pb.CancelEmployerRegistrationRequest(reason="case withdrawn"),
            case_id=freed.context.case_id,
        )
    )
    assert cancelled.enrolments_cancelled == 1
    with channel_to(settings, SI) as channel:
        desk = pb_grpc.SocialInsuranceDeskStub(channel)
        open_tasks = desk.ListTasks(desk_pb2.ListTasksRequest(), metadata=clerk, timeout=10)
        assert freed.status.task_id not in {t.task_id for t in open_tasks.tasks}
        withdrawn = desk.GetTask(
            desk_pb2.GetTaskRequest(task_id=freed.status.task_id), metadata=clerk, timeout=10
        )
        assert withdrawn.task.state == desk_pb2.TASK_STATE_CANCELLED
