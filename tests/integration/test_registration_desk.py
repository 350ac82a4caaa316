"""The registration officer's desk on a real service with automatic approval switched off: the
queue with its legal deadline, a correction round trip to the applicant, approval, rejection."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from onestop.common.v1 import common_pb2, desk_pb2
from onestop.registration.v1 import registration_pb2 as pb
from onestop_common.calendar import BusinessCalendar
from onestop_common.identifiers import validate_uscc
from tests.support.registration import Registration, registration_service, sample_form

Outcome = common_pb2.Outcome


@pytest.fixture(scope="module")
def reg(tmp_path_factory) -> Iterator[Registration]:
    with registration_service(
        tmp_path_factory.mktemp("registration-desk"), ONESTOP_AUTO_APPROVE="none"
    ) as running:
        yield running


def queue(reg: Registration) -> list[desk_pb2.DeskTask]:
    return list(reg.desk.ListTasks(pb.ListTasksRequest(), metadata=reg.officer()).tasks)


def test_a_case_waits_for_an_officer_who_corrects_it_with_the_applicant_then_approves(reg):
    case_id, key = reg.issue(sample_form("柜台审查"), applicant="alice")
    accepted = reg.result(key, outcome=Outcome.OUTCOME_ACCEPTED)
    task_id = accepted.status.task_id
    assert "auto.disabled" in accepted.status.reason

    (task,) = [t for t in queue(reg) if t.case_id == case_id]
    assert (task.task_id, task.state) == (task_id, desk_pb2.TASK_STATE_OPEN)
    assert task.company_name == "天津柜台审查科技有限公司"
    assert task.deadline.limit_workdays == "1.5"
    limit = BusinessCalendar().duration_of(Decimal("1.5")).total_seconds()
    assert 0 < task.deadline.remaining_working_seconds <= limit
    with pytest.raises(grpc.RpcError) as denied:
        reg.desk.ListTasks(pb.ListTasksRequest(), metadata=reg.as_role("entrepreneur", "alice"))
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED

    detail = reg.desk.GetTask(pb.GetTaskRequest(task_id=task_id), metadata=reg.officer())
    assert detail.form.legal_representative.id_number == "120115198503120033"  # officers see it
    assert detail.review_reasons[0].startswith("auto.disabled")

    # The officer sends the form back; the step's clock pauses on the applicant.
    asked = reg.desk.RequestCorrection(
        pb.RequestCorrectionRequest(
            task_id=task_id,
            reason="住所证明与地址不符",
            rejections=[
                common_pb2.Rejection(
                    field="form.domicile.detail",
                    rule="officer.domicile_proof",
                    message_zh="请核对门牌号",
                    message_en="check the street number",
                )
            ],
        ),
        metadata=reg.officer(),
    )
    assert asked.task.state == desk_pb2.TASK_STATE_AWAITING_APPLICANT
    assert asked.task.deadline.paused
    sent_back = reg.result(key, outcome=Outcome.OUTCOME_CORRECTION_REQUESTED)
    assert sent_back.status.decided_by == "officer-wang"
    assert [r.rule for r in sent_back.status.rejections] == ["officer.domicile_proof"]
    assert task_id not in [t.task_id for t in queue(reg)]

    # A correction that is still wrong comes straight back with the rule it breaks.
    still_wrong = sample_form("柜台审查")
    still_wrong.domicile.division_code = "120116"
    first = reg.correct(case_id, still_wrong, applicant="alice")
    again = reg.result(first)
    assert again.status.outcome == Outcome.OUTCOME_CORRECTION_REQUESTED
    assert [(r.field, r.rule) for r in again.status.rejections] == [
        ("form.domicile.division_code", "domicile.outside_area")
    ]

    corrected = sample_form("柜台审查")
    corrected.domicile.detail = "宝坻经济开发区宝旺道8号"
    second = reg.correct(case_id, corrected, round_=2, applicant="alice")
    back = reg.result(second)
    assert (back.status.outcome, back.status.task_id) == (Outcome.OUTCOME_ACCEPTED, task_id)
    (requeued,) = [t for t in queue(reg) if t.task_id == task_id]
    assert requeued.state == desk_pb2.TASK_STATE_OPEN and not requeued.deadline.paused
    assert requeued.deadline.due_at.ToDatetime() >= task.deadline.due_at.ToDatetime()

    claimed = reg.desk.ClaimTask(pb.ClaimTaskRequest(task_id=task_id), metadata=reg.officer())
    assert claimed.task.claimed_by == "officer-wang"
    with pytest.raises(grpc.RpcError) as taken:
        reg.desk.ClaimTask(
            pb.ClaimTaskRequest(task_id=task_id), metadata=reg.as_role("officer", "officer-li")
        )
    assert taken.value.code() == grpc.StatusCode.FAILED_PRECONDITION

    approved = reg.desk.ApproveTask(
        pb.ApproveTaskRequest(task_id=task_id, comment="材料齐全"), metadata=reg.officer()
    )
    assert approved.task.state == desk_pb2.TASK_STATE_DONE
    done = reg.result(key, outcome=Outcome.OUTCOME_DONE)
    assert done.status.decided_by == "officer-wang"
    assert done.license.uscc == approved.license.uscc and validate_uscc(done.license.uscc).ok
    assert done.license.domicile == "天津市宝坻区宝坻经济开发区宝旺道8号"  # the corrected form
    with pytest.raises(grpc.RpcError) as twice:
        reg.desk.ApproveTask(pb.ApproveTaskRequest(task_id=task_id), metadata=reg.officer())
    assert twice.value.code() == grpc.StatusCode.FAILED_PRECONDITION

    explained = reg.desk.ExplainDecision(
        pb.ExplainDecisionRequest(case_id=case_id), metadata=reg.officer()
    )
    assert explained.approved is False and explained.enabled is False
    assert explained.replay_matches
    assert json.loads(explained.inputs_json)["enterprise_type"] == "llc"


def test_an_officer_rejects_a_case_with_a_reason(reg):
    _, key = reg.issue(sample_form("驳回示例"), applicant="bob")
    task_id = reg.result(key, outcome=Outcome.OUTCOME_ACCEPTED).status.task_id
    with pytest.raises(grpc.RpcError) as no_reason:
        reg.desk.RejectTask(pb.RejectTaskRequest(task_id=task_id), metadata=reg.officer())
    assert no_reason.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    rejected = reg.desk.RejectTask(
        pb.RejectTaskRequest(task_id=task_id, reason="经营场所为住宅，不符合登记条件"),
        metadata=reg.officer(),
    )
    assert rejected.task.state == desk_pb2.TASK_STATE_REJECTED
    result = reg.result(key, outcome=Outcome.OUTCOME_REJECTED)
    assert result.status.reason == "经营场所为住宅，不符合登记条件"
    assert [(r.field, r.rule) for r in result.status.rejections] == [("form", "officer.rejected")]
    assert not result.license.uscc


def test_an_automatic_correction_request_names_every_problem_and_reserves_nothing_else(reg):
    bad = sample_form("自动补正")
    bad.registered_capital.amount = "999999.00"
    bad.business_scope[0].name_zh = "炒股"
    case_id, key = reg.issue(bad, applicant="carol")
    result = reg.result(key)
    assert result.status.outcome == Outcome.OUTCOME_CORRECTION_REQUESTED
    assert [(r.field, r.rule) for r in result.status.rejections] == [
        ("form.shareholders", "capital.sum_mismatch"),
        ("form.business_scope[0].name_zh", "business_scope.unknown"),
    ]
    assert all(r.message_zh and r.message_en for r in result.status.rejections)
    # The task waits on the applicant, outside the officer's queue.
    assert case_id not in [t.case_id for t in queue(reg)]
    # A compensation withdraws it.
    revoke = reg.revoke(case_id, "cancelled", applicant="carol")
    revoked = reg.result(revoke, outcome=Outcome.OUTCOME_DONE)
    assert revoked.uscc == ""
    late = reg.correct(case_id, sample_form("自动补正"), round_=9, applicant="carol")
    assert reg.result(late).status.outcome == Outcome.OUTCOME_REJECTED


def test_an_officers_history_lists_their_own_decisions_only(reg):
    case_id, key = reg.issue(sample_form("决定记录"), applicant="dave")
    task_id = reg.result(key, outcome=Outcome.OUTCOME_ACCEPTED).status.task_id
    mine = pb.ListTasksRequest(query=desk_pb2.TaskQuery(decided_by_me=True))
    li = reg.as_role("officer", "officer-li")
    assert task_id not in [t.task_id for t in reg.desk.ListTasks(mine, metadata=li).tasks]

    reg.desk.RejectTask(
        pb.RejectTaskRequest(task_id=task_id, reason="名称与已登记企业近似"), metadata=li
    )
    reg.result(key, outcome=Outcome.OUTCOME_REJECTED)

    history = list(reg.desk.ListTasks(mine, metadata=li).tasks)
    (decided,) = [t for t in history if t.task_id == task_id]
    assert (decided.case_id, decided.state) == (case_id, desk_pb2.TASK_STATE_REJECTED)
    assert decided.decided_by == "officer-li" and decided.decided_at.seconds > 0
    assert decided.reason == "名称与已登记企业近似"
    # The latest decision first.
    stamps = [t.decided_at.ToDatetime() for t in history]
    assert stamps == sorted(stamps, reverse=True)
    # Another officer's history does not have it, nor does the open queue.
    others = reg.desk.ListTasks(mine, metadata=reg.officer()).tasks
    assert task_id not in [t.task_id for t in others]
    assert all(t.decided_by == "officer-wang" for t in others)
    assert task_id not in [t.task_id for t in queue(reg)]


def test_a_listing_active_since_a_moment_leaves_out_what_was_decided_before_it(reg):
    _, key = reg.issue(sample_form("看板期间"), applicant="erin")
    task_id = reg.result(key, outcome=Outcome.OUTCOME_ACCEPTED).status.task_id
    reg.desk.RejectTask(
        pb.RejectTaskRequest(task_id=task_id, reason="名称不符"), metadata=reg.officer()
    )
    reg.result(key, outcome=Outcome.OUTCOME_REJECTED)
    _, open_key = reg.issue(sample_form("看板待办"), applicant="erin")
    open_task = reg.result(open_key, outcome=Outcome.OUTCOME_ACCEPTED).status.task_id
    admin = reg.as_role("admin", "ada")
    everything = list(desk_pb2.TaskState.values())[1:]

    def listed(since: Timestamp) -> set[str]:
        query = desk_pb2.TaskQuery(states=everything, page_size=200, active_since=since)
        tasks = reg.desk.ListTasks(pb.ListTasksRequest(query=query), metadata=admin).tasks
        return {t.task_id for t in tasks}

    decided = reg.desk.GetTask(pb.GetTaskRequest(task_id=task_id), metadata=admin).task.decided_at
    assert {task_id, open_task} <= listed(decided)
    later = Timestamp(seconds=decided.seconds + 1, nanos=decided.nanos)
    found = listed(later)
    assert open_task in found and task_id not in found
