"""Client commands of the ``onestop`` CLI: submit a form, show and follow a case over gRPC."""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import grpc
from google.protobuf import json_format

from onestop.common.v1 import application_pb2, common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop_common.grpc_options import channel_options
from onestop_common.identity import Role, bearer, issue_token
from onestop_common.protoconv import from_timestamp, rejections_from_status
from onestop_common.settings import Settings, load_settings


def load_form(path: str | Path) -> application_pb2.ApplicationForm:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return json_format.ParseDict(data, application_pb2.ApplicationForm())


@contextmanager
def orchestrator_stub(settings: Settings) -> Iterator[pb_grpc.OneStopServiceStub]:
    with grpc.insecure_channel(
        settings.grpc_target("orchestrator"), options=channel_options()
    ) as channel:
        yield pb_grpc.OneStopServiceStub(channel)


def credentials(settings: Settings, subject: str, role: str) -> tuple[tuple[str, str], ...]:
    return bearer(issue_token(settings.token_secret, subject=subject, role=Role(role)))


def submit(file: str, key: str | None, subject: str, role: str, out: TextIO = sys.stdout) -> int:
    settings = load_settings()
    form = load_form(file)
    key = key or hashlib.sha256(Path(file).read_bytes()).hexdigest()[:32]
    with orchestrator_stub(settings) as stub:
        try:
            response = stub.SubmitApplication(
                pb.SubmitApplicationRequest(idempotency_key=key, form=form),
                metadata=credentials(settings, subject, role),
                timeout=30,
            )
        except grpc.RpcError as error:
            return report_error(error, out)
    app = response.application
    verb = "submitted" if response.created else "already submitted"
    print(f"{verb}: case {app.case_id} ({app.company_name})", file=out)
    return 0


def status(case_id: str, subject: str, role: str, out: TextIO = sys.stdout) -> int:
    settings = load_settings()
    with orchestrator_stub(settings) as stub:
        try:
            response = stub.GetApplication(
                pb.GetApplicationRequest(case_id=case_id),
                metadata=credentials(settings, subject, role),
                timeout=10,
            )
        except grpc.RpcError as error:
            return report_error(error, out)
    print(render_application(response.application), file=out)
    return 0


def watch(case_id: str, subject: str, role: str, out: TextIO = sys.stdout) -> int:
    settings = load_settings()
    with orchestrator_stub(settings) as stub:
        try:
            for update in stub.WatchApplication(
                pb.WatchApplicationRequest(case_id=case_id),
                metadata=credentials(settings, subject, role),
            ):
                event = update.event
                if event.kind != pb.PROGRESS_EVENT_KIND_SNAPSHOT:
                    when = from_timestamp(event.occurred_at)
                    stamp = f"{when:%m-%d %H:%M}" if when else ""
                    print(f"[{stamp}] {event.step or 'case'}: {event.message}", file=out)
                print(render_application(update.application), file=out)
        except grpc.RpcError as error:
            return report_error(error, out)
    return 0


def render_application(app: pb.Application) -> str:
    state = common_pb2.CaseState.Name(app.state).removeprefix("CASE_STATE_").lower()
    lines = [
        f"case {app.case_id}  {app.company_name}  {state}"
        + (f"  USCC {app.uscc}" if app.uscc else "")
    ]
    lines.append(f"  whole case: {deadline_text(app.deadline)}")
    for step in app.steps:
        step_state = common_pb2.StepState.Name(step.state).removeprefix("STEP_STATE_").lower()
        lines.append(
            f"  {step.name:<17} {step_state:<18} {step.actor or '-':<12} "
            f"{deadline_text(step.deadline)}  {step.summary}"
        )
    if app.failure_reason:
        lines.append(f"  reason: {app.failure_reason}")
    still = _standstill(app)
    if still:
        lines.append(f"  note: {still}")
    for step in app.steps:
        if step.state == common_pb2.STEP_STATE_AWAITING_APPLICANT:
            lines.append(
                f"  waiting for the applicant's correction of {step.name} (its clock is paused;"
                " 等待申请人补正，计时暂停):"
            )
            lines += [f"    {rejection_line(r)}" for r in step.rejections]
    stuck = [s.name for s in app.steps if s.state == common_pb2.STEP_STATE_STUCK]
    if stuck:
        lines.append(
            f"  stuck: {', '.join(stuck)} got no answer after repeated sends; operators are "
            "alerted and the platform keeps sending (see `onestop dead-letters list`)"
        )
    return "\n".join(lines)


def _standstill(app: pb.Application) -> str:
    """Why the case's working time is not moving now (nights, weekends, holidays), if it is not."""
    from onestop_common.calendar import BusinessCalendar

    as_of = from_timestamp(app.deadline.as_of)
    if as_of is None or app.state != common_pb2.CASE_STATE_RUNNING:
        return ""
    still = BusinessCalendar().standstill(as_of)
    return f"at {as_of:%Y-%m-%d %H:%M} {still[1]} / {still[0]}" if still else ""


def deadline_text(deadline: common_pb2.Deadline) -> str:
    if deadline.awaiting_calendar_year:
        year = deadline.awaiting_calendar_year
        return f"deadline unknown until the {year} schedule is imported (期限待定)"
    due = from_timestamp(deadline.due_at)
    if due is None:
        return f"limit {deadline.limit_workdays} wd" if deadline.limit_workdays else ""
    seconds = deadline.remaining_working_seconds
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    flags = " BREACHED" if deadline.breached else (" warned" if deadline.warned else "")
    paused = " (paused)" if deadline.paused else ""
    return (
        f"limit {deadline.limit_workdays} wd, due {due:%m-%d %H:%M}, "
        f"left {sign}{hours}h{rest // 60:02d}{paused}{flags}"
    )


def report_error(error: Any, out: TextIO) -> int:
    print(f"error: {error.code().name}: {error.details()}", file=out)
    from grpc_status import rpc_status

    status = rpc_status.from_call(error)
    if status is not None:
        found = rejections_from_status(status)
        if found:
            print(f"  {len(found)} item(s) to change (需修改的事项):", file=out)
        for rejection in found:
            print(f"  {rejection_line(rejection)}", file=out)
    return 1


def rejection_line(rejection: common_pb2.Rejection) -> str:
    """One rejection for a terminal: whose field, which field, why (zh / en), whose rule."""
    who = f"{rejection.subject_zh} / {rejection.subject_en} — " if rejection.subject_en else ""
    whose = f" [{rejection.participant}]" if rejection.participant else ""
    return f"{who}{rejection.field}: {rejection.message_zh} / {rejection.message_en}{whose}"
