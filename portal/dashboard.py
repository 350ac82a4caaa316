"""The administrator's dashboard as figures and words: each desk's backlog now and at the end of
each day of the period (from its tasks' created and decided times), the reasons for
compensation and correction in the page's language, and the note for steps that ran outside
office hours. Pure functions of the platform's messages; the page is ``portal.routes.admin``.

A task waits on staff from its creation until its decision. A task sent back to the applicant
and reopened by a correction keeps its first creation time, so it counts as waiting while the
applicant corrects: the backlog over time is an upper bound for such cases. A task the service
sent back automatically (no decision time) never waited on staff.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from onestop.common.v1 import desk_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop_common.clock import SHANGHAI
from onestop_common.protoconv import from_timestamp
from portal.i18n import ENUM_LABELS, enum_label, translate

WAITING_ON_STAFF = frozenset({desk_pb2.TASK_STATE_OPEN, desk_pb2.TASK_STATE_CLAIMED})


@dataclass(frozen=True)
class TaskSpan:
    """When a task waited on staff: from ``created_at`` until ``ended_at`` (None: still)."""

    created_at: datetime
    ended_at: datetime | None


def task_span(task: desk_pb2.DeskTask) -> TaskSpan | None:
    created = from_timestamp(task.created_at)
    if created is None:
        return None
    if task.state in WAITING_ON_STAFF:
        return TaskSpan(created, None)
    decided = from_timestamp(task.decided_at)
    if decided is not None:
        return TaskSpan(created, decided)
    return TaskSpan(created, created)


def day_ends(now: datetime, days: int) -> list[datetime]:
    """The moments the backlog is counted at: the end of each of the ``days`` - 1 days before
    today (Shanghai midnight), then ``now``; oldest first."""
    today = now.astimezone(SHANGHAI).date()
    ends = [
        datetime.combine(today - timedelta(days=k - 1), time(), SHANGHAI)
        for k in range(days - 1, 0, -1)
    ]
    return [*ends, now]


def backlog_at(spans: Iterable[TaskSpan], moments: Sequence[datetime]) -> list[int]:
    """How many tasks waited on staff at each moment."""
    counts = [0] * len(moments)
    for span in spans:
        for i, moment in enumerate(moments):
            if span.created_at <= moment and (span.ended_at is None or span.ended_at > moment):
                counts[i] += 1
    return counts


def moment_label(moment: datetime, now: datetime, lang: str) -> str:
    """A counting moment on the chart's axis: the day it ends ("12-02"), or "now"."""
    if moment == now:
        return translate("admin.now", lang)
    return f"{(moment - timedelta(seconds=1)).astimezone(SHANGHAI):%m-%d}"


@dataclass(frozen=True)
class DeskNow:
    """One desk's queue at this moment."""

    desk: str
    label: str
    open: int = 0
    claimed: int = 0
    awaiting_applicant: int = 0
    warned: int = 0
    breached: int = 0
    # Wall-clock hours the oldest task waiting on staff has waited.
    oldest_hours: float = 0.0
    # The desk did not answer: its figures are unknown, not zero.
    unavailable: bool = False

    @property
    def waiting(self) -> int:
        return self.open + self.claimed


def desk_now(desk: str, label: str, tasks: Iterable[desk_pb2.DeskTask], now: datetime) -> DeskNow:
    counts = {"open": 0, "claimed": 0, "awaiting": 0, "warned": 0, "breached": 0}
    oldest: datetime | None = None
    for task in tasks:
        if task.state == desk_pb2.TASK_STATE_AWAITING_APPLICANT:
            counts["awaiting"] += 1
            continue
        if task.state not in WAITING_ON_STAFF:
            continue
        counts["open" if task.state == desk_pb2.TASK_STATE_OPEN else "claimed"] += 1
        if task.deadline.breached:
            counts["breached"] += 1
        elif task.deadline.warned:
            counts["warned"] += 1
        created = from_timestamp(task.created_at)
        if created is not None and (oldest is None or created < oldest):
            oldest = created
    return DeskNow(
        desk,
        label,
        open=counts["open"],
        claimed=counts["claimed"],
        awaiting_applicant=counts["awaiting"],
        warned=counts["warned"],
        breached=counts["breached"],
        oldest_hours=max(0.0, (now - oldest).total_seconds() / 3600) if oldest else 0.0,
    )


@dataclass(frozen=True)
class ReasonRow:
    kind: str
    step: str
    category: str
    text: str
    count: int


def reason_rows(
    reasons: Iterable[pb.ReasonCount], lang: str, step_label: Callable[[str], str]
) -> list[ReasonRow]:
    """The reasons in the page's language: the participant's own words for the rule when it gave
    them in this language, else the category's label; never a code."""
    rows = []
    for r in reasons:
        category = category_label(r.category, lang)
        own = r.message_en if lang == "en" else r.message_zh
        rows.append(
            ReasonRow(
                kind=enum_label("reason_kind", r.kind, lang) if r.kind in _KINDS else "",
                step=step_label(r.step) if r.step else whole_case(lang),
                category=category,
                text=own or category,
                count=r.count,
            )
        )
    return rows


_KINDS = frozenset({"compensation", "correction"})


def category_label(category: str, lang: str) -> str:
    """A reason category's label; an unknown one is "other reason", not its code."""
    if category in ENUM_LABELS["reason_category"]:
        return enum_label("reason_category", category, lang)
    return enum_label("reason_category", "other", lang)


def whole_case(lang: str) -> str:
    return translate("admin.whole_case", lang)


def office_time_note(step: pb.StepStatistics, lang: str) -> str:
    """Why a step shows 0 working hours: its runs began and ended outside office hours (nights,
    weekends, holidays), when no working time elapses; empty when that did not happen."""
    n, total = step.without_office_time, step.completed
    if not n:
        return ""
    if n >= total:
        return translate("admin.note.all_outside", lang)
    return (
        translate("admin.note.some_outside", lang)
        .replace("{n}", str(n))
        .replace("{total}", str(total))
    )
