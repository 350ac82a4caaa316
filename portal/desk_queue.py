"""A desk's queue as the page shows it: one row per task in the page's language, the search and
filters (company name or case id, state, waiting time, deadline risk), a staff member's own
decisions, and the people an application names (for the registration officer's review)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from onestop.common.v1 import application_pb2, desk_pb2
from onestop_common.identifiers import mask_id_number
from onestop_common.logs import mask_ids
from onestop_common.protoconv import from_timestamp
from portal import desk_text
from portal.desks import ACTIVE, DeskSpec
from portal.i18n import enum_label, translate
from portal.views import DeadlineView, deadline_view, state_key

STATES = ("OPEN", "CLAIMED", "AWAITING_APPLICANT")
AGES = ("1", "3", "7")
# Deadline risk as the filter names it, from the deadline's status (portal.views.deadline_view).
RISKS = {"ok": "ok", "paused": "ok", "none": "ok", "unknown": "ok", "warned": "warning"}
RISKS_SHOWN = ("ok", "warning", "breach")


def risk_of(status: str) -> str:
    return RISKS.get(status, "breach")


@dataclass(frozen=True)
class Filters:
    q: str = ""
    state: str = ""
    age: str = ""
    risk: str = ""
    history: bool = False

    @classmethod
    def of(cls, params: Mapping[str, str]) -> Filters:
        def one(name: str, allowed: tuple[str, ...]) -> str:
            value = params.get(name, "")
            return value if value in allowed else ""

        return cls(
            q=params.get("q", "").strip()[:100],
            state=one("state", STATES),
            age=one("age", AGES),
            risk=one("risk", RISKS_SHOWN),
            history=params.get("view") == "history",
        )

    @property
    def active(self) -> bool:
        return bool(self.q or self.state or self.age or self.risk)

    def query(self, **extra: str) -> str:
        values = {k: v for k, v in dataclasses.asdict(self).items() if v and k != "history"}
        if self.history:
            values["view"] = "history"
        return urlencode({**values, **extra})

    def keeps(self, row: Mapping[str, Any]) -> bool:
        task = row["task"]
        needle = self.q.casefold()
        if (
            needle
            and needle not in task.company_name.casefold()
            and needle not in (task.case_id.casefold())
        ):
            return False
        if self.state and row["state"] != self.state:
            return False
        if self.age and row["age_days"] < int(self.age):
            return False
        return not (self.risk and row["risk"] != self.risk)


def deadline(task: desk_pb2.DeskTask, lang: str) -> DeadlineView:
    """The task's deadline with the due time in the locale's form."""
    view = deadline_view(task.deadline, lang, running=task.state in ACTIVE)
    due = from_timestamp(task.deadline.due_at) if task.deadline.HasField("due_at") else None
    return dataclasses.replace(view, due=desk_text.moment(due, lang)) if due else view


def task_row(
    spec: DeskSpec, slug: str, task: desk_pb2.DeskTask, lang: str, now: datetime
) -> dict[str, Any]:
    created = from_timestamp(task.created_at) if task.HasField("created_at") else None
    view = deadline(task, lang)
    risk = risk_of(view.status)
    return {
        "task": task,
        "state": state_key(desk_pb2.TaskState, "TASK_STATE_", task.state),
        "deadline": view,
        "risk": risk,
        "risk_text": enum_label("desk_risk", risk, lang),
        "age_days": (now - created).days if created else 0,
        "created": desk_text.moment(created, lang),
        # A listing masks ID numbers for every desk, even one whose work needs them: the full
        # number is on the task page only (portal.desks.full_ids).
        "summary": mask_ids(desk_text.summary(slug, task.details, task.summary, lang)),
    }


def decision_of(task: desk_pb2.DeskTask) -> str:
    if task.state == desk_pb2.TASK_STATE_DONE:
        return "approved"
    if task.state == desk_pb2.TASK_STATE_AWAITING_APPLICANT or task.details.get(
        "correction_requested"
    ):
        return "returned"
    return "rejected"


def history_row(task: desk_pb2.DeskTask, lang: str) -> dict[str, Any]:
    decided = from_timestamp(task.decided_at) if task.HasField("decided_at") else None
    decision = decision_of(task)
    return {
        "task": task,
        "decision": decision,
        "decision_text": enum_label("desk_decision", decision, lang),
        "decided": desk_text.moment(decided, lang),
        "reason": mask_ids(desk_text.no_codes(task.reason, lang)),
    }


def people(form: Any, lang: str) -> list[dict[str, str]]:
    """Every person the application names, with their role: the legal representative, the
    shareholders (subscribed capital, share, form and due date), the officers and the contact
    person. ID numbers masked."""
    t = lambda key: translate(key, lang)  # noqa: E731
    capital = desk_text.decimal(form.registered_capital.amount)
    currency = form.registered_capital.currency

    def who(person: Any) -> tuple[str, str]:
        return person.name, mask_id_number(person.id_number) if person.id_number else ""

    rows: list[dict[str, str]] = []
    if form.legal_representative.name:
        name, number = who(form.legal_representative)
        rows.append({"role": t("desk.role_legal_rep"), "name": name, "id": number, "more": ""})
    for shareholder in form.shareholders:
        name, number = who(shareholder.person)
        amount = desk_text.decimal(shareholder.subscribed.amount)
        more = []
        if amount is not None:
            more.append(
                f"{t('desk.subscribed')} "
                f"{desk_text.capital(shareholder.subscribed.amount, currency, lang)}"
            )
            if capital:
                more.append(f"{t('desk.share')} {desk_text.percent(amount / capital)}")
        if shareholder.form:
            forms = application_pb2.ContributionForm
            kind = state_key(forms, "CONTRIBUTION_FORM_", shareholder.form)
            more.append(enum_label("contribution_form", kind, lang))
        if shareholder.due_date:
            more.append(f"{t('desk.due_by')} {desk_text.date_text(shareholder.due_date, lang)}")
        role = t("desk.role_shareholder")
        rows.append({"role": role, "name": name, "id": number, "more": " · ".join(more)})
    for officer in form.officers:
        name, number = who(officer.person)
        role = state_key(application_pb2.OfficerRole, "OFFICER_ROLE_", officer.role)
        rows.append(
            {
                "role": _capital(enum_label("officer_role", role, lang)),
                "name": name,
                "id": number,
                "more": "",
            }
        )
    if form.contact.person.name:
        name, number = who(form.contact.person)
        reach = " · ".join(part for part in (form.contact.phone, form.contact.email) if part)
        rows.append({"role": t("desk.role_contact"), "name": name, "id": number, "more": reach})
    return rows


def _capital(text: str) -> str:
    """A role as a table cell begins it ("Sole director"); Chinese as it is."""
    return text[:1].upper() + text[1:]
