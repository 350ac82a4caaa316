"""``onestop demo``: the whole platform at work for a newcomer.

It starts the platform (or uses a running one), submits the sample application, plays every staff
role through its desk API, shows each step's progress and the business time used against its
limit on a fast business clock, writes ``bundle.pdf`` and verifies it offline. ``--fail-at STEP``
makes that step's staff reject the case and shows the compensation; ``--correct-at STEP`` makes
them send it back to the applicant for a correction instead, which the demo's applicant makes (the
license stands); ``--cases N`` runs N cases at once and prints throughput and latency.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import grpc

from onestop.common.v1 import application_pb2, common_pb2, desk_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop_cli.client import deadline_text, load_form
from onestop_cli.corrections import (
    CAPITAL_CHANGE,
    CORRECTIONS,
    Corrector,
    DemoCorrection,
    corrections_for,
)
from onestop_cli.person_signing import awaits_signatures, sign_as_persons
from onestop_cli.platform import BrokerUnavailable, check_broker
from onestop_cli.supervisor import Supervisor, check_health
from onestop_common.grpc_options import channel_options
from onestop_common.identifiers import citizen_id_check_char
from onestop_common.identity import Role, bearer, issue_token
from onestop_common.protoconv import from_timestamp
from onestop_common.settings import SERVICES, Settings, load_settings
from portal.desks import DESKS

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "application.json"
DEMO_APPLICANT = "demo-applicant"
STEPS = ("license", "seal", "invoice", "social_insurance", "bank")
# Business seconds per wall second: ten business minutes pass every second.
DEFAULT_SPEED = 600.0
DESK_POLL_SECONDS = 0.2
# A desk that answers these may not have acted: the bot tries the task again.
RETRY_CODES = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})
TERMINAL = (
    common_pb2.CASE_STATE_COMPLETED,
    common_pb2.CASE_STATE_COMPENSATED,
    common_pb2.CASE_STATE_FAILED,
)
TRADE_NAME_CHARACTERS = "瑞华新泰博远启恒星禾嘉信达锦润弘腾睿宏源盛拓联创"
# What each step's compensation does, in the words of the service that runs it (the
# compensation's answer carries no description, so the demo names it by step).
UNDO_DESCRIPTIONS = {
    "license": "business license revoked (RevokeLicense), its open tasks withdrawn",
    "seal": "seals destroyed and revoked, e-seal certificates revoked on a fresh CRL, "
    "public-security filings cancelled (RevokeSeals)",
    "invoice": "invoices voided (reversed), tax registration and credit line cancelled "
    "(CancelTaxRegistration)",
    "social_insurance": "social insurance registration cancelled, employees' enrolment ended "
    "(CancelEmployerRegistration)",
    "bank": "basic account closed and its filing cancelled (CloseAccount)",
}
UNDOING = (common_pb2.STEP_STATE_COMPENSATING, common_pb2.STEP_STATE_COMPENSATED)


# ---------------------------------------------------------------------------- the staff


@dataclass
class Desk:
    """One staff role working its queue through the desk's gRPC API."""

    role: Role
    step: str
    stub: Any
    messages: Any
    org: str = ""

    def act(
        self,
        task: desk_pb2.DeskTask,
        metadata: Any,
        reject: bool,
        send_back: DemoCorrection | None = None,
    ) -> str:
        m = self.messages
        self.stub.ClaimTask(m.ClaimTaskRequest(task_id=task.task_id), metadata=metadata, timeout=30)
        if send_back is not None:
            asked = send_back
            self.stub.RejectTask(
                m.RejectTaskRequest(
                    task_id=task.task_id,
                    reason=f"{asked.message_zh} / {asked.message_en}",
                    correctable=True,
                    fields=[asked.rejection()],
                ),
                metadata=metadata,
                timeout=30,
            )
            return f"returned to the applicant for correction (退回补正): {asked.field}"
        if reject:
            reason = REJECTION_REASONS[self.step]
            self.stub.RejectTask(
                m.RejectTaskRequest(task_id=task.task_id, reason=reason),
                metadata=metadata,
                timeout=30,
            )
            return f"rejected: {reason}"
        if self.step == "seal":
            self.stub.MarkEngraved(
                m.MarkEngravedRequest(task_id=task.task_id), metadata=metadata, timeout=30
            )
            self.stub.CompleteTask(
                m.CompleteTaskRequest(task_id=task.task_id), metadata=metadata, timeout=60
            )
            return "seals engraved, e-seals issued and filed"
        self.stub.ApproveTask(
            m.ApproveTaskRequest(task_id=task.task_id, comment="approved by the demo"),
            metadata=metadata,
            timeout=60,
        )
        return "approved"


REJECTION_REASONS = {
    "license": "字号与已登记企业近似，不予登记 / the trade name is too close to a registered one",
    "seal": "印章样式不符合规定 / the seal design does not meet the rules",
    "invoice": "票种核定信息不完整 / the invoice-type information is incomplete",
    "social_insurance": "参保人员信息有误 / the employee data is wrong",
    "bank": "尽职调查未通过：受益所有人无法核实 / due diligence failed: the beneficial owner "
    "could not be verified",
}


def platform_channels(settings: Settings) -> dict[str, grpc.Channel]:
    """A channel to the orchestrator and to each service, by component name."""
    return {
        name: grpc.insecure_channel(settings.grpc_target(name), options=channel_options())
        for name in ("orchestrator", *SERVICES)
    }


def desks(settings: Settings, channels: dict[str, grpc.Channel]) -> list[Desk]:
    """A member of staff at each of the portal's desks, calling it on the platform's channel."""
    return [
        Desk(
            spec.role,
            spec.step,
            spec.stub(channels[spec.component]),
            spec.messages,
            org=settings.seal_maker_id if spec.role is Role.SEAL_MAKER else "",
        )
        for spec in DESKS.values()
    ]


@dataclass
class StaffBots:
    """A thread per desk that works the demo's tasks as soon as they appear."""

    settings: Settings
    desks: list[Desk]
    cases: set[str]
    fail_at: str | None
    bank_codes: set[str]
    say: Callable[[str], None]
    # Tasks one desk works at once (a busy office has several clerks at one desk).
    workers: int = 1
    # This step's staff send each case back to the applicant once (--correct-at); or, per
    # case, the step whose staff do (case id → step).
    correct_at: str | None = None
    correct_by_case: dict[str, str] = field(default_factory=dict)
    # What each step's staff ask when they send a case back.
    corrections: Mapping[str, DemoCorrection] = field(default_factory=lambda: dict(CORRECTIONS))
    _sent_back: set[tuple[str, str]] = field(default_factory=set)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @classmethod
    def for_forms(
        cls,
        settings: Settings,
        channels: dict[str, grpc.Channel],
        forms: list[application_pb2.ApplicationForm],
        say: Callable[[str], None],
        fail_at: str | None = None,
        **options: Any,
    ) -> StaffBots:
        """Staff at every desk, with a clerk at each bank the forms choose; they work the cases
        put in ``cases`` (the caller adds each case it submits)."""
        bank_codes = {f.bank.bank_code for f in forms}
        return cls(settings, desks(settings, channels), set(), fail_at, bank_codes, say, **options)

    def start(self) -> None:
        for desk in self.desks:
            orgs = sorted(self.bank_codes) if desk.role is Role.BANK_CLERK else [desk.org]
            for org in orgs:
                thread = threading.Thread(
                    target=self._work, args=(desk, org), daemon=True, name=f"desk-{desk.step}-{org}"
                )
                thread.start()
                self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(5)

    def _work(self, desk: Desk, org: str) -> None:
        subject = f"demo-{desk.role.value}"
        metadata = bearer(
            issue_token(self.settings.token_secret, subject=subject, role=desk.role, org=org)
        )
        done: set[str] = set()
        with ThreadPoolExecutor(self.workers, thread_name_prefix=f"clerk-{desk.step}") as clerks:
            self._poll(desk, metadata, done, clerks)

    def _poll(self, desk: Desk, metadata: Any, done: set[str], clerks: ThreadPoolExecutor) -> None:
        while not self._stop.wait(DESK_POLL_SECONDS):
            try:
                listed = desk.stub.ListTasks(
                    desk.messages.ListTasksRequest(
                        # Claimed too: a task this bot claimed before a desk went away is
                        # finished on the next round.
                        query=desk_pb2.TaskQuery(
                            states=[desk_pb2.TASK_STATE_OPEN, desk_pb2.TASK_STATE_CLAIMED],
                            page_size=200,
                        )
                    ),
                    metadata=metadata,
                    timeout=30,
                )
            except grpc.RpcError as error:
                self._note(f"{desk.step} desk unavailable: {error.code().name}")
                continue
            for task in listed.tasks:
                if task.case_id not in self.cases or task.task_id in done:
                    continue
                done.add(task.task_id)
                clerks.submit(self._handle_or_forget, desk, task, metadata, done)

    def _handle_or_forget(
        self, desk: Desk, task: desk_pb2.DeskTask, metadata: Any, done: set[str]
    ) -> None:
        if not self._handle(desk, task, metadata):
            done.discard(task.task_id)  # the desk was unreachable: try it again

    def _handle(self, desk: Desk, task: desk_pb2.DeskTask, metadata: Any) -> bool:
        """Acts on one task; False when the desk could not be reached (worth another try)."""
        reject = self.fail_at == desk.step and task.step == desk.step
        send_back = self.corrections[desk.step] if self._sends_back(desk, task) else None
        try:
            outcome = desk.act(task, metadata, reject, send_back)
            if send_back:
                self._sent_back.add((task.case_id, desk.step))
        except grpc.RpcError as error:
            self._note(
                f"{desk.step} desk could not act on {task.task_id}: "
                f"{error.code().name} {error.details()}"
            )
            return error.code() not in RETRY_CODES  # type: ignore[attr-defined]
        self.say(f"  ↳ {desk.role.value} {task.task_id} ({task.company_name}): {outcome}")
        return True

    def _sends_back(self, desk: Desk, task: desk_pb2.DeskTask) -> bool:
        wanted = self.correct_by_case.get(task.case_id, self.correct_at)
        return (
            wanted == desk.step
            and task.step == desk.step
            and (task.case_id, desk.step) not in self._sent_back
        )

    def _note(self, message: str) -> None:
        if message not in self.errors:
            self.errors.append(message)


# ---------------------------------------------------------------------------- the cases


def demo_forms(rng: random.Random, count: int) -> list[application_pb2.ApplicationForm]:
    """``count`` sample forms with trade names all different: two cases of one run asking for the
    same name would rightly have the second sent back to its applicant."""
    forms: list[application_pb2.ApplicationForm] = []
    names: set[str] = set()
    while len(forms) < count:
        form = demo_form(rng)
        if form.name.trade_name not in names:
            names.add(form.name.trade_name)
            forms.append(form)
    return forms


def demo_form(rng: random.Random) -> application_pb2.ApplicationForm:
    """The sample form with a fresh trade name and fresh employees, so runs never collide."""
    form = load_form(SAMPLE)
    form.name.trade_name = "".join(rng.sample(TRADE_NAME_CHARACTERS, 3))
    for employee in form.employees:
        employee.person.id_number = random_citizen_id(rng)
    return form


def random_citizen_id(rng: random.Random) -> str:
    birth = f"{rng.randint(1975, 2001)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = f"120115{birth}{rng.randint(0, 999):03d}"
    return body + citizen_id_check_char(body)


@dataclass
class CaseRun:
    case_id: str
    submitted: float
    finished: float = 0.0
    application: pb.Application | None = None


def run_case(
    stub: pb_grpc.OneStopServiceStub,
    metadata: Any,
    form: Any,
    say: Callable[[str], None] | None,
    on_submit: Callable[[str], None],
    *,
    corrector: Corrector | None = None,
    token_secret: str = "",
) -> CaseRun:
    started = time.perf_counter()
    response = stub.SubmitApplication(
        pb.SubmitApplicationRequest(idempotency_key=uuid.uuid4().hex, form=form),
        metadata=metadata,
        timeout=60,
    )
    run = CaseRun(response.application.case_id, started)
    on_submit(run.case_id)
    if say:
        say(f"submitted case {run.case_id}: {response.application.company_name}")
    if awaits_signatures(response.application):
        if say:
            say("every person the form names confirms and signs it (real-name identity):")
        sign_as_persons(stub, token_secret, run.case_id, form, say)
    last: dict[str, int] = {}
    # The compensation is said as one block when the case ends, so the lines of the staff's
    # threads (and of other cases) never fall between its lines.
    undoing: list[str] = []
    for update in stub.WatchApplication(
        pb.WatchApplicationRequest(case_id=run.case_id), metadata=metadata, timeout=600
    ):
        app = update.application
        if corrector is not None:
            corrector.maybe_correct(app)
        if say:
            changed = [s for s in app.steps if last.get(s.name) != s.state]
            for step in changed:
                last[step.name] = step.state
            # An update showing several undo steps at once: in the order they were undone.
            ordered = [s for s in changed if s.state not in UNDOING] + undo_order(
                [s for s in changed if s.state in UNDOING], app
            )
            for step in ordered:
                if step.state in UNDOING:
                    undoing.append(undo_line(step))
                elif step.state != common_pb2.STEP_STATE_PENDING:
                    say(step_line(step))
        if app.state in TERMINAL:
            run.application = app
            if say and undoing:
                say("\n".join([f"compensation of case {run.case_id}, as it happened:", *undoing]))
            break
    run.finished = time.perf_counter()
    return run


def step_line(step: pb.Step) -> str:
    state = common_pb2.StepState.Name(step.state).removeprefix("STEP_STATE_").lower()
    used = ""
    deadline = step.deadline
    if deadline.due_at.seconds and deadline.limit_workdays:
        limit_h = float(deadline.limit_workdays) * 7
        left_h = deadline.remaining_working_seconds / 3600
        used = f" — {limit_h - left_h:4.1f} of {limit_h:4.1f} working hours used"
    actor = f" ({step.actor})" if step.actor else ""
    return f"  {step.name:<17} {state:<19}{actor}{used}"


def undo_line(step: pb.Step) -> str:
    """A step of the compensation: the platform undoes it (no staff, no working time)."""
    state = common_pb2.StepState.Name(step.state).removeprefix("STEP_STATE_").lower()
    line = f"  {step.name:<17} {state:<19}"
    if step.state == common_pb2.STEP_STATE_COMPENSATED:
        return f"{line} {UNDO_DESCRIPTIONS.get(step.name, 'undone')}"
    return line.rstrip()


def undo_order(steps: list[pb.Step], app: pb.Application) -> list[pb.Step]:
    """``steps`` in the order they were undone: compensated ones by when their undo finished,
    then those still being undone; ties (one instant) in reverse order of the saga, the order
    the platform compensates in."""
    position = {s.name: i for i, s in enumerate(app.steps)}

    def key(step: pb.Step) -> tuple[int, float, int]:
        done = step.state == common_pb2.STEP_STATE_COMPENSATED
        finished = from_timestamp(step.finished_at) if done else None
        return (0 if done else 1, finished.timestamp() if finished else 0.0, -position[step.name])

    return sorted(steps, key=key)


# ---------------------------------------------------------------------------- the command


def run_demo(
    *,
    fail_at: str | None,
    cases: int,
    out_file: str,
    speed: float,
    out: TextIO = sys.stdout,
    correct_at: str | None = None,
    change_registration: bool = False,
) -> int:
    lock = threading.Lock()

    def say(line: str) -> None:
        with lock:
            print(line, file=out, flush=True)

    if fail_at is not None and fail_at not in STEPS:
        say(f"--fail-at takes one of {', '.join(STEPS)}")
        return 2
    settings = load_settings()
    try:
        check_broker(settings)
    except BrokerUnavailable as exc:
        say(f"error: {exc}")
        return 1
    wall_started = time.perf_counter()
    supervisor = None
    if check_health(settings.grpc_target("orchestrator")):
        say(f"using the platform already running on {settings.grpc_target('orchestrator')}")
    else:
        supervisor, settings = start_platform(settings, speed, say)
    try:
        return play(
            settings,
            fail_at,
            cases,
            out_file,
            say,
            wall_started,
            correct_at=correct_at,
            corrections=corrections_for(change_registration),
        )
    finally:
        if supervisor is not None:
            say("stopping the platform…")
            supervisor.stop()


def start_platform(
    settings: Settings, speed: float, say: Callable[[str], None]
) -> tuple[Supervisor, Settings]:
    now = datetime.now(UTC)
    env = {
        **os.environ,
        "ONESTOP_DATA_DIR": str(settings.data_dir),
        # Every decision is taken at a desk so the demo shows each role at work.
        "ONESTOP_AUTO_APPROVE": "none",
        "ONESTOP_CLOCK_SPEED": str(speed),
        "ONESTOP_CLOCK_START": now.isoformat(),
        "ONESTOP_CLOCK_ORIGIN": now.isoformat(),
        "ONESTOP_LOG_LEVEL": "WARNING",
    }
    demo_settings = load_settings(env)
    say(f"starting the platform (data in {demo_settings.data_dir}, business clock ×{speed:g})…")
    supervisor = Supervisor(
        demo_settings, env, report=lambda line: say(f"  {line}"), restart_on_exit=False
    )
    supervisor.start()
    from onestop_cli.portal_cmd import announce_portal

    announce_portal(demo_settings, say)
    return supervisor, demo_settings


def play(
    settings: Settings,
    fail_at: str | None,
    count: int,
    out_file: str,
    say: Callable[[str], None],
    wall_started: float,
    *,
    correct_at: str | None = None,
    corrections: Mapping[str, DemoCorrection] = CORRECTIONS,
) -> int:
    rng = random.Random()
    forms = demo_forms(rng, count)
    # The applicant account the demo seeds in the portal, so its cases show there too.
    applicant = DEMO_APPLICANT
    metadata = bearer(issue_token(settings.token_secret, subject=applicant, role=Role.ENTREPRENEUR))
    channels = platform_channels(settings)
    bots = StaffBots.for_forms(
        settings,
        channels,
        forms,
        say,
        fail_at=fail_at,
        correct_at=correct_at,
        corrections=corrections,
    )
    case_ids = bots.cases
    bots.start()
    stub = pb_grpc.OneStopServiceStub(channels["orchestrator"])
    try:
        if count == 1:
            corrector = (
                Corrector(stub, metadata, say, corrections=corrections) if correct_at else None
            )
            runs = [
                run_case(
                    stub,
                    metadata,
                    forms[0],
                    say,
                    case_ids.add,
                    corrector=corrector,
                    token_secret=settings.token_secret,
                )
            ]
        else:
            say(f"submitting {count} cases at once…")
            runs = run_many(
                stub,
                metadata,
                forms,
                case_ids.add,
                correct=bool(correct_at),
                corrections=corrections,
                token_secret=settings.token_secret,
            )
        for note in bots.errors:
            say(f"note: {note}")
        if count > 1:
            return many_summary(runs, say, settings)
        if correct_at and runs[0].application is not None:
            correction_summary(runs[0].application, correct_at, say)
            if corrections[correct_at] is CAPITAL_CHANGE:
                change_summary(runs[0].application, say)
        return single_summary(settings, stub, metadata, runs[0], out_file, say, wall_started)
    finally:
        bots.stop()
        for channel in channels.values():
            channel.close()


def run_many(
    stub: pb_grpc.OneStopServiceStub,
    metadata: Any,
    forms: list[Any],
    on_submit: Callable[[str], None],
    *,
    correct: bool = False,
    corrections: Mapping[str, DemoCorrection] = CORRECTIONS,
    token_secret: str = "",
) -> list[CaseRun]:
    def one(form: Any) -> CaseRun:
        corrector = Corrector(stub, metadata, None, corrections=corrections) if correct else None
        return run_case(
            stub, metadata, form, None, on_submit, corrector=corrector, token_secret=token_secret
        )

    with ThreadPoolExecutor(max_workers=len(forms)) as pool:
        return list(pool.map(one, forms))


def correction_summary(app: pb.Application, step: str, say: Callable[[str], None]) -> None:
    """What the correction cost: the step ran again, nothing was undone."""
    undone = [s.name for s in app.steps if s.state == common_pb2.STEP_STATE_COMPENSATED]
    rerun = next((s for s in app.steps if s.name == step), None)
    attempts = rerun.attempts if rerun else 0
    say(
        f"\ncorrection at {step}: the step ran {attempts} time(s); "
        + (
            f"nothing was undone — the license {app.uscc} stood throughout"
            if not undone
            else f"UNDONE: {', '.join(undone)}"
        )
    )


def change_summary(app: pb.Application, say: Callable[[str], None]) -> None:
    license_step = next((s for s in app.steps if s.name == "license"), None)
    task = f" (task {license_step.task_id})" if license_step and license_step.task_id else ""
    say(
        "the correction changed the registered capital, which the license records: the "
        f"registration officer re-issued the license under the same USCC{task} as a change "
        "registration (变更登记)"
    )


def single_summary(
    settings: Settings,
    stub: pb_grpc.OneStopServiceStub,
    metadata: Any,
    run: CaseRun,
    out_file: str,
    say: Callable[[str], None],
    wall_started: float,
) -> int:
    app = run.application
    assert app is not None
    state = common_pb2.CaseState.Name(app.state).removeprefix("CASE_STATE_").lower()
    say(f"\ncase {app.case_id} ended {state}")
    say(f"  whole case: {deadline_text(app.deadline)}")
    if app.state != common_pb2.CASE_STATE_COMPLETED:
        say(f"  reason: {app.failure_reason}")
        undone = undo_order(
            [s for s in app.steps if s.state == common_pb2.STEP_STATE_COMPENSATED], app
        )
        names = ", ".join(s.name for s in undone) or "nothing — no step had completed"
        say(f"  undone (compensated), in the order undone: {names}")
        for number, step in enumerate(undone, 1):
            say(f"    {number}. {step.name}: {UNDO_DESCRIPTIONS.get(step.name, 'undone')}")
        clock_note(settings, say, used_working_hours(app.deadline))
        say(f"  wall time {time.perf_counter() - wall_started:.1f} s")
        return (
            0
            if app.state in (common_pb2.CASE_STATE_COMPENSATED, common_pb2.CASE_STATE_FAILED)
            else 1
        )
    pdf = download_bundle(stub, metadata, app.case_id)
    Path(out_file).write_bytes(pdf)
    say(f"  wrote {out_file} ({len(pdf) // 1024} KiB)")
    from onestop_cli.verify import verify_bundle
    from onestop_common.pki import PkiStore

    report = verify_bundle(
        pdf, trust_root=PkiStore(settings.pki_dir, settings.kek).root_certificate()
    )
    say("\n" + report.pretty())
    used = used_working_hours(app.deadline)
    say(
        f"\nsummary: USCC {app.uscc}; business time {used:.1f} of 21 working hours "
        f"(3 working days); wall time {time.perf_counter() - wall_started:.1f} s"
    )
    clock_note(settings, say, used)
    return 0 if report.ok else 1


def clock_note(settings: Settings, say: Callable[[str], None], used_hours: float = -1.0) -> None:
    """Says when the business clock stands still (nights, weekends, holidays), or no working
    time was used, so "0.0 h used" is not taken for a fault."""
    from onestop_common.calendar import BusinessCalendar
    from onestop_common.clock import to_shanghai

    now = to_shanghai(settings.clock().now(), "now")
    still = BusinessCalendar().standstill(now)
    if still is not None:
        zh, en = still
        say(
            "  business clock paused: outside working hours (Asia/Shanghai) — it reads "
            f"{now:%Y-%m-%d %H:%M}, {en}; limits count office time only. / "
            f"业务计时暂停：{now:%Y-%m-%d %H:%M}，{zh}"
        )
    elif 0 <= used_hours < 0.05:
        say(
            "  business clock paused: no working time elapsed during the case (it ran outside "
            "working hours, Asia/Shanghai); limits count office time only. / "
            "业务计时暂停：办理期间不在工作时间内"
        )


def used_working_hours(deadline: common_pb2.Deadline) -> float:
    limit_seconds = float(deadline.limit_workdays or 0) * 7 * 3600
    return (limit_seconds - deadline.remaining_working_seconds) / 3600


def download_bundle(
    stub: pb_grpc.OneStopServiceStub, metadata: Any, case_id: str, *, wait_for_ready: bool = False
) -> bytes:
    """The case's bundle, checked against its SHA-256; ``wait_for_ready`` waits (up to the
    timeout) for an orchestrator that is restarting instead of failing at once."""
    import hashlib

    chunks: list[bytes] = []
    expected = ""
    request = pb.GetBundleRequest(case_id=case_id)
    for part in stub.GetBundle(
        request, metadata=metadata, timeout=60, wait_for_ready=wait_for_ready
    ):
        expected = expected or part.sha256
        chunks.append(part.chunk)
    data = b"".join(chunks)
    if hashlib.sha256(data).hexdigest() != expected:
        raise RuntimeError("the bundle arrived damaged (SHA-256 mismatch)")
    return data


def many_summary(
    runs: list[CaseRun], say: Callable[[str], None], settings: Settings | None = None
) -> int:
    latencies = sorted(r.finished - r.submitted for r in runs)
    completed = [
        r for r in runs if r.application and r.application.state == common_pb2.CASE_STATE_COMPLETED
    ]
    span = max(r.finished for r in runs) - min(r.submitted for r in runs)
    business = sorted(
        used_working_hours(r.application.deadline) for r in completed if r.application
    )
    say(f"\n{len(completed)}/{len(runs)} cases completed in {span:.1f} s wall")
    say(f"  throughput   {len(runs) / span:6.2f} cases/s")
    for label, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99)):
        value = latencies[min(len(latencies) - 1, int(q * len(latencies)))]
        say(f"  latency {label}  {value:6.2f} s")
    if business:
        say(
            f"  business time used: median {statistics.median(business):.1f} h, "
            f"max {business[-1]:.1f} h of 21 working hours"
        )
    if settings is not None:
        clock_note(settings, say)
    return 0 if len(completed) == len(runs) else 1
