"""Client commands of the ``onestop`` CLI: submit a form, list cases, show, follow and download
one over gRPC."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import grpc
from google.protobuf import json_format

from onestop.common.v1 import application_pb2, common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop_common.grpc_options import channel_options
from onestop_common.identity import PARTNER_APPLICANT_PREFIX, Role, bearer, issue_token
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


Metadata = tuple[tuple[str, str], ...]


def credentials(settings: Settings, subject: str, role: str) -> Metadata:
    return bearer(issue_token(settings.token_secret, subject=subject, role=Role(role)))


def submit(file: str, key: str | None, subject: str, role: str, out: TextIO | None = None) -> int:
    # Looked up at the call: a caller (or a test) may have replaced sys.stdout.
    out = out or sys.stdout
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
            return report_error(error, settings)
    app = response.application
    verb = "submitted" if response.created else "already submitted"
    print(f"{verb}: case {app.case_id} ({app.company_name})", file=out)
    return 0


@dataclass(frozen=True)
class Caller:
    """Who a command acts as: what ``--subject`` and ``--role`` said, None where they were left
    out. With neither, a command on one case acts as that case's applicant."""

    subject: str | None = None
    role: str | None = None

    @property
    def named(self) -> bool:
        return self.subject is not None or self.role is not None

    def metadata(self, settings: Settings) -> Metadata:
        return credentials(settings, self.subject or default_subject(), self.role or "entrepreneur")


class CallerUnknown(Exception):
    """The command cannot tell whom to act as; the message says which flag to pass."""


def default_subject() -> str:
    return os.environ.get("USER", "cli-user")


def as_applicant(
    stub: pb_grpc.OneStopServiceStub, settings: Settings, case_id: str, caller: Caller
) -> Metadata:
    """The credential a command on ``case_id`` uses. The operator holds the platform's token
    secret, so with no ``--subject``/``--role`` it finds the case's applicant as administrator
    and acts as them (a partner's case, whose credential only the partner's certificate makes,
    is read as administrator)."""
    if caller.named:
        return caller.metadata(settings)
    admin = credentials(settings, f"operator:{default_subject()}", "admin")
    try:
        found = stub.GetApplication(
            pb.GetApplicationRequest(case_id=case_id), metadata=admin, timeout=10
        )
    except grpc.RpcError as error:
        code = error.code()  # type: ignore[attr-defined]
        if code is grpc.StatusCode.UNAUTHENTICATED:
            raise CallerUnknown(
                f"the platform at {settings.grpc_target('orchestrator')} does not accept "
                f"credentials made with the token secret of {settings.data_dir}: run this where "
                "the platform was started (same ONESTOP_DATA_DIR or ONESTOP_TOKEN_SECRET), or "
                "name who you are with --role entrepreneur --subject APPLICANT"
            ) from error
        if code is grpc.StatusCode.NOT_FOUND:
            raise CallerUnknown(
                f"no case {case_id} on the platform at {settings.grpc_target('orchestrator')} "
                "(`onestop cases` lists them)"
            ) from error
        raise
    applicant = found.application.applicant_id
    if applicant.startswith(PARTNER_APPLICANT_PREFIX):
        return admin
    return credentials(settings, applicant, "entrepreneur")


def status(case_id: str, caller: Caller, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    settings = load_settings()
    with orchestrator_stub(settings) as stub:
        try:
            metadata = as_applicant(stub, settings, case_id, caller)
            response = stub.GetApplication(
                pb.GetApplicationRequest(case_id=case_id), metadata=metadata, timeout=10
            )
        except CallerUnknown as unknown:
            return report_unknown(unknown)
        except grpc.RpcError as error:
            return report_error(error, settings, caller)
    print(render_application(response.application), file=out)
    return 0


def watch(case_id: str, caller: Caller, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    settings = load_settings()
    with orchestrator_stub(settings) as stub:
        try:
            for update in stub.WatchApplication(
                pb.WatchApplicationRequest(case_id=case_id),
                metadata=as_applicant(stub, settings, case_id, caller),
            ):
                event = update.event
                if event.kind != pb.PROGRESS_EVENT_KIND_SNAPSHOT:
                    when = from_timestamp(event.occurred_at)
                    stamp = f"{when:%m-%d %H:%M}" if when else ""
                    print(f"[{stamp}] {event.step or 'case'}: {event.message}", file=out)
                print(render_application(update.application), file=out)
        except CallerUnknown as unknown:
            return report_unknown(unknown)
        except grpc.RpcError as error:
            return report_error(error, settings, caller)
    return 0


def bundle(case_id: str, out_file: str, caller: Caller, out: TextIO | None = None) -> int:
    """``onestop bundle CASE_ID -o FILE``."""
    out = out or sys.stdout
    from onestop_cli.demo import download_bundle

    settings = load_settings()
    with orchestrator_stub(settings) as stub:
        try:
            data = download_bundle(stub, as_applicant(stub, settings, case_id, caller), case_id)
        except CallerUnknown as unknown:
            return report_unknown(unknown)
        except grpc.RpcError as error:
            return report_error(error, settings, caller)
    Path(out_file).write_bytes(data)
    print(f"wrote {out_file} ({len(data)} bytes)", file=out)
    return 0


# ---------------------------------------------------------------------------- onestop cases

STATE_WORDS = {
    common_pb2.CASE_STATE_RUNNING: "running",
    common_pb2.CASE_STATE_COMPLETED: "completed",
    common_pb2.CASE_STATE_COMPENSATING: "being undone",
    common_pb2.CASE_STATE_COMPENSATED: "undone (compensated)",
    common_pb2.CASE_STATE_STUCK: "stuck",
    common_pb2.CASE_STATE_FAILED: "failed",
    common_pb2.CASE_STATE_AWAITING_APPLICANT: "awaiting the applicant's correction",
    common_pb2.CASE_STATE_AWAITING_SIGNATURES: "awaiting signatures",
}
# What --state takes: the enum's names in lower case.
STATE_NAMES = {
    common_pb2.CaseState.Name(value).removeprefix("CASE_STATE_").lower(): value
    for value in STATE_WORDS
}
SHANGHAI = ZoneInfo("Asia/Shanghai")
PAGE_SIZE = 100


@dataclass(frozen=True)
class CaseQuery:
    states: tuple[str, ...] = ()
    applicant: str = ""
    since: datetime | None = None
    limit: int = 50


def parse_since(text: str) -> datetime:
    """A date or date and time, in Asia/Shanghai unless it names its offset."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(
            f"--since takes a date or date and time (2026-12-01 or 2026-12-01T09:00), not {text!r}"
        ) from exc
    return when if when.tzinfo else when.replace(tzinfo=SHANGHAI)


def list_cases(
    stub: pb_grpc.OneStopServiceStub,
    metadata: Metadata,
    query: CaseQuery,
    *,
    page_size: int = PAGE_SIZE,
) -> tuple[list[pb.Application], int]:
    """Cases newest first, page after page, until the limit, the last page, or cases older
    than ``since``; and how many match the filters (before ``since``)."""
    found: list[pb.Application] = []
    token = ""
    total = 0
    while True:
        response = stub.ListApplications(
            pb.ListApplicationsRequest(
                applicant_id=query.applicant,
                states=[STATE_NAMES[s] for s in query.states],
                page_size=page_size,
                page_token=token,
            ),
            metadata=metadata,
            timeout=30,
        )
        total = response.total
        for app in response.applications:
            submitted = from_timestamp(app.submitted_at)
            if query.since is not None and submitted is not None and submitted < query.since:
                return found, total  # newest first: the rest are older still
            found.append(app)
            if len(found) >= query.limit:
                return found, total
        token = response.next_page_token
        if not token:
            return found, total


def cases(query: CaseQuery, caller: Caller, *, as_json: bool, out: TextIO | None = None) -> int:
    """``onestop cases``: the operator (no ``--role``/``--subject``) sees every case, as
    administrator; an applicant sees their own."""
    out = out or sys.stdout
    settings = load_settings()
    metadata = (
        caller.metadata(settings)
        if caller.named
        else credentials(settings, f"operator:{default_subject()}", "admin")
    )
    with orchestrator_stub(settings) as stub:
        try:
            found, total = list_cases(stub, metadata, query)
        except grpc.RpcError as error:
            return report_error(error, settings, caller)
    if as_json:
        json.dump(
            {"cases": [case_record(app) for app in found], "total": total},
            out,
            ensure_ascii=False,
            indent=2,
        )
        out.write("\n")
        return 0
    print(cases_table(found), file=out)
    more = "" if query.since or len(found) >= total else f" of {total}"
    print(f"{len(found)} case(s){more}", file=out)
    return 0


def case_record(app: pb.Application) -> dict[str, Any]:
    submitted = from_timestamp(app.submitted_at)
    return {
        "case_id": app.case_id,
        "company_name": app.company_name,
        "state": common_pb2.CaseState.Name(app.state).removeprefix("CASE_STATE_").lower(),
        "applicant_id": app.applicant_id,
        "submitted_at": submitted.astimezone(SHANGHAI).isoformat() if submitted else None,
        "uscc": app.uscc,
    }


def cases_table(found: list[pb.Application]) -> str:
    rows = [("CASE", "COMPANY", "STATE", "SUBMITTED (Asia/Shanghai)", "APPLICANT")]
    for app in found:
        submitted = from_timestamp(app.submitted_at)
        rows.append(
            (
                app.case_id,
                app.company_name,
                STATE_WORDS.get(app.state, "unknown"),
                f"{submitted.astimezone(SHANGHAI):%Y-%m-%d %H:%M}" if submitted else "-",
                app.applicant_id,
            )
        )
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(pad(cell, width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def display_width(text: str) -> int:
    """Columns a terminal gives ``text``: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


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
    from onestop_common.clock import to_shanghai

    as_of = from_timestamp(app.deadline.as_of)
    if as_of is None or app.state != common_pb2.CASE_STATE_RUNNING:
        return ""
    still = BusinessCalendar().standstill(as_of)
    if not still:
        return ""
    shown = to_shanghai(as_of, "as_of")
    return (
        f"business clock paused at {shown:%Y-%m-%d %H:%M} (Asia/Shanghai): {still[1]} / "
        f"业务计时暂停：{still[0]}"
    )


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


def report_error(error: Any, settings: Settings, caller: Caller | None = None) -> int:
    """A gRPC error for a person at a terminal (on standard error): what went wrong and what to
    do about it; the rejections of a refused form one per line."""
    code = error.code()
    target = settings.grpc_target("orchestrator")
    if code is grpc.StatusCode.UNAVAILABLE:
        print(
            f"error: the platform does not answer at {target}: is the platform running? "
            "start it with `onestop up`",
            file=sys.stderr,
        )
        return 1
    print(f"error: {code.name}: {error.details()}", file=sys.stderr)
    denied = code in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND)
    if denied and caller and not caller.named:
        print(
            "  acted as the case's applicant (a partner's case as administrator: only the "
            "partner, with its certificate, downloads its bundle or acts on it)",
            file=sys.stderr,
        )
    elif denied and caller:
        print(
            f"  acting as {caller.role or 'entrepreneur'} {caller.subject or default_subject()!r}: "
            "a case is shown only to its applicant and to staff. Leave out --role and --subject "
            "to act as the case's applicant, or name them: --role entrepreneur --subject "
            "APPLICANT (`onestop cases` lists cases with their applicants)",
            file=sys.stderr,
        )
    from grpc_status import rpc_status

    status = rpc_status.from_call(error)
    if status is not None:
        found = rejections_from_status(status)
        if found:
            print(f"  {len(found)} item(s) to change (需修改的事项):", file=sys.stderr)
        for rejection in found:
            print(f"  {rejection_line(rejection)}", file=sys.stderr)
    return 1


def report_unknown(unknown: CallerUnknown) -> int:
    print(f"error: {unknown}", file=sys.stderr)
    return 1


def rejection_line(rejection: common_pb2.Rejection) -> str:
    """One rejection for a terminal: whose field, which field, why (zh / en), whose rule."""
    who = f"{rejection.subject_zh} / {rejection.subject_en} — " if rejection.subject_en else ""
    whose = f" [{rejection.participant}]" if rejection.participant else ""
    return f"{who}{rejection.field}: {rejection.message_zh} / {rejection.message_en}{whose}"
