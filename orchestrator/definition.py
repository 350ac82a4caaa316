"""The saga language: steps, their dependencies, the command and its compensation, the legal limit
in working days and the retry policy, declared as data so a definition reads like the process.

    saga("open_company", limit=workdays(3))
        .step("license", participant="registration", action="IssueLicense",
              compensation="RevokeLicense", limit=workdays("1.5"), actor="officer",
              answer=AnswerPolicy(answer_within=timedelta(seconds=30)), ...)
        .step("seal", after=["license"], ...)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from google.protobuf.message import Message

from onestop.common.v1 import application_pb2

# What a command builder sees: the form and the results of the steps done so far.
CommandBuilder = Callable[["SagaData"], Message]
# A step's one-line summary of its result, for the case page ("USCC 9112…", "account 1020…").
Summary = Callable[[Message], str]


@dataclass(frozen=True)
class SagaData:
    case_id: str
    applicant_id: str
    form: application_pb2.ApplicationForm
    results: Mapping[str, Message]
    reason: str = ""
    # When the case was submitted (the day of a commitment on the commitment route).
    submitted_at: datetime | None = None

    def result(self, step: str) -> Any:
        """The stored result of a finished step (its Response message); KeyError if none."""
        return self.results[step]


@dataclass(frozen=True)
class CaseFacts:
    """What a finished step tells the case about itself (StepDef.case_facts): the identifier and
    name it is known by from then on, and a commitment it opened (materials promised, due when)."""

    identifier: str = ""
    company_name: str = ""
    commitment_materials: tuple[str, ...] = ()
    commitment_due: datetime | None = None


CaseFactsHook = Callable[[Message, SagaData], CaseFacts]


def workdays(value: str | int | Decimal) -> Decimal:
    """A legal limit in working days; a string keeps halves exact ("1.5")."""
    limit = Decimal(str(value))
    if limit <= 0:
        raise ValueError(f"a limit must be positive, got {value!r}")
    return limit


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff for transient failures (OUTCOME_RETRY)."""

    max_attempts: int = 6
    initial_delay: timedelta = timedelta(seconds=2)
    factor: float = 2.0
    max_delay: timedelta = timedelta(minutes=10)

    def delay(self, attempt: int) -> timedelta:
        """Wait before attempt ``attempt + 1`` (attempt counts from 1)."""
        seconds = self.initial_delay.total_seconds() * self.factor ** max(attempt - 1, 0)
        return min(timedelta(seconds=seconds), self.max_delay)

    def exhausted(self, attempt: int) -> bool:
        return attempt >= self.max_attempts


# Compensations are retried until they succeed; after this many failures the case is marked
# stuck and an administrator is alerted, but the retries go on.
COMPENSATION_RETRY = RetryPolicy(
    max_attempts=8, initial_delay=timedelta(seconds=2), max_delay=timedelta(minutes=30)
)


@dataclass(frozen=True)
class AnswerPolicy:
    """How long a participant may leave a command unanswered (wall time) before it is sent again
    with the same idempotency key, and after how many unanswered sends the step is *stuck*:
    shown as such and escalated, while the re-sends go on at the longest wait. Any answer — done,
    accepted (a task opened), rejected, retry — counts."""

    answer_within: timedelta = timedelta(seconds=30)
    factor: float = 2.0
    longest_wait: timedelta = timedelta(minutes=10)
    sends_before_stuck: int = 5

    def wait(self, unanswered: int) -> timedelta:
        """How long to wait for an answer after the ``unanswered``-th send (from 1)."""
        seconds = self.answer_within.total_seconds() * self.factor ** max(unanswered - 1, 0)
        return min(timedelta(seconds=seconds), self.longest_wait)

    def scaled(self, answer_within: timedelta | None, sends: int | None) -> AnswerPolicy:
        """The policy with an operator's override of its first wait and stuck threshold."""
        return replace(
            self,
            answer_within=answer_within or self.answer_within,
            sends_before_stuck=sends or self.sends_before_stuck,
        )


@dataclass(frozen=True)
class StepDef:
    name: str
    participant: str
    action: str
    compensation: str | None
    after: tuple[str, ...]
    limit: Decimal
    # Who acts when the step is not decided automatically: the staff role.
    actor: str
    command: CommandBuilder
    compensation_command: CommandBuilder | None
    retry: RetryPolicy = RetryPolicy()
    description: str = ""
    answer: AnswerPolicy = AnswerPolicy()
    # What the step acted on, when it is less than its command (the license records part of the
    # form it is sent): a correction that changes it would change a step already done.
    inputs: CommandBuilder | None = None
    # The result in one line for the case page; none: no summary.
    summary: Summary | None = None
    # What the case learns about itself when the step is done (identifier, name, commitment).
    case_facts: CaseFactsHook | None = None
    # The step's name on a Chinese page.
    title_zh: str = ""
    # The step issues an official record (a license): a correction that changes what it
    # recorded goes to its participant as this side command (a change registration, 变更登记,
    # e.g. ChangeLicense) instead of undoing the step. Empty: the step records nothing.
    change_command: str = ""

    @property
    def issues_record(self) -> bool:
        return bool(self.change_command)

    def acted_on(self, data: SagaData) -> bytes:
        builder = self.inputs or self.command
        return builder(data).SerializeToString(deterministic=True)

    @property
    def idempotency_prefix(self) -> str:
        return f"{self.name}:{self.action}"


@dataclass(frozen=True)
class SagaDef:
    name: str
    limit: Decimal
    steps: tuple[StepDef, ...] = ()
    # Extra commands a step's participant understands outside the action/compensation pair
    # (a corrected form, a supplied material), by step.
    side_commands: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Definitions change; a case finishes on the version it started with (Saga.definition_version).
    version: int = 1
    # The step whose participant takes the materials promised under a commitment (SupplyMaterial).
    commitment_step: str = ""

    def step(
        self,
        name: str,
        *,
        participant: str,
        action: str,
        compensation: str | None,
        limit: Decimal,
        actor: str,
        command: CommandBuilder,
        compensation_command: CommandBuilder | None = None,
        after: Sequence[str] = (),
        retry: RetryPolicy = RetryPolicy(),
        description: str = "",
        side_commands: Sequence[str] = (),
        answer: AnswerPolicy = AnswerPolicy(),
        inputs: CommandBuilder | None = None,
        summary: Summary | None = None,
        case_facts: CaseFactsHook | None = None,
        title_zh: str = "",
        change_command: str = "",
        takes_commitment: bool = False,
    ) -> SagaDef:
        """Returns the definition with one more step; dependencies must already be declared."""
        if any(s.name == name for s in self.steps):
            raise ValueError(f"step {name!r} declared twice")
        unknown = [dep for dep in after if dep not in self.step_names]
        if unknown:
            raise ValueError(f"step {name!r} depends on undeclared steps {unknown}")
        if (compensation is None) != (compensation_command is None):
            raise ValueError(f"step {name!r}: give both compensation and compensation_command")
        if limit > self.limit:
            raise ValueError(f"step {name!r}: limit {limit} exceeds the saga's {self.limit}")
        new = StepDef(
            name=name,
            participant=participant,
            action=action,
            compensation=compensation,
            after=tuple(after),
            limit=limit,
            actor=actor,
            command=command,
            compensation_command=compensation_command,
            retry=retry,
            description=description,
            answer=answer,
            inputs=inputs,
            summary=summary,
            case_facts=case_facts,
            title_zh=title_zh,
            change_command=change_command,
        )
        sides = dict(self.side_commands)
        commands = (*side_commands, change_command) if change_command else tuple(side_commands)
        if commands:
            sides[name] = commands
        commitment_step = name if takes_commitment else self.commitment_step
        return replace(
            self, steps=(*self.steps, new), side_commands=sides, commitment_step=commitment_step
        )

    @property
    def step_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.steps)

    def get(self, name: str) -> StepDef:
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(f"saga {self.name!r} has no step {name!r}")

    def ready(self, done: Iterable[str], started: Iterable[str]) -> list[StepDef]:
        """Steps not yet started whose dependencies are all done, in declaration order."""
        done_set, started_set = set(done), set(started)
        return [
            s
            for s in self.steps
            if s.name not in started_set and all(dep in done_set for dep in s.after)
        ]

    def depends_on(self, name: str, on: str) -> bool:
        """Whether step ``name`` waits, directly or through others, for step ``on``."""
        after = self.get(name).after
        return on in after or any(self.depends_on(dep, on) for dep in after)

    def compensation_order(self, names: Iterable[str]) -> list[StepDef]:
        """The given steps in reverse dependency order (declaration order is topological)."""
        wanted = set(names)
        return [s for s in reversed(self.steps) if s.name in wanted and s.compensation]

    def critical_path(self, steps: Iterable[str] | None = None) -> Decimal:
        """The longest chain of limits through the DAG (optionally through some steps only)."""
        counted = set(self.step_names if steps is None else steps)
        longest: dict[str, Decimal] = {}
        for s in self.steps:
            own = s.limit if s.name in counted else Decimal(0)
            longest[s.name] = own + max((longest[d] for d in s.after), default=Decimal(0))
        return max(longest.values(), default=Decimal(0))

    def describe(self) -> str:
        lines = [f"saga {self.name}: limit {self.limit} working days"]
        for s in self.steps:
            after = f" after {', '.join(s.after)}" if s.after else ""
            undo = f", undo {s.participant}.{s.compensation}" if s.compensation else ""
            lines.append(
                f"  {s.name}: {s.participant}.{s.action}{undo}; {s.limit} wd; {s.actor}{after}"
            )
        return "\n".join(lines)


def saga(name: str, *, limit: Decimal, version: int = 1) -> SagaDef:
    return SagaDef(name=name, limit=limit, version=version)


@dataclass(frozen=True)
class Definitions:
    """Every version of every saga definition. New cases start on a definition's latest version;
    a case in flight keeps the version it started with, so changing a saga never changes the
    steps of a case already running."""

    versions: Mapping[tuple[str, int], SagaDef]

    @classmethod
    def of(cls, *definitions: SagaDef) -> Definitions:
        found: dict[tuple[str, int], SagaDef] = {}
        for d in definitions:
            if (d.name, d.version) in found:
                raise ValueError(f"saga {d.name!r} version {d.version} declared twice")
            found[(d.name, d.version)] = d
        return cls(found)

    def adding(self, definition: SagaDef) -> Definitions:
        return Definitions.of(*self.versions.values(), definition)

    def latest(self, name: str) -> SagaDef:
        versions = [v for (n, v) in self.versions if n == name]
        if not versions:
            raise KeyError(f"no saga named {name!r}")
        return self.versions[(name, max(versions))]

    def get(self, name: str, version: int) -> SagaDef:
        try:
            return self.versions[(name, version)]
        except KeyError:
            raise KeyError(
                f"saga {name!r} has no version {version}: a case started on it cannot go on; "
                "keep every version with cases in flight in the definitions"
            ) from None

    def __getitem__(self, name: str) -> SagaDef:
        return self.latest(name)

    def __iter__(self) -> Iterator[SagaDef]:
        return iter(self.versions.values())

    def names(self) -> list[str]:
        return sorted({n for n, _ in self.versions})
