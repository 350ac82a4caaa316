"""Reads and writes of the registration database, as functions taking a session (the caller owns
the transaction). Constraints do the guarding: a second holder of a name key, a second license
for a case, or a USCC used before fails in the database, inside a savepoint, and is reported."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onestop_common import desk
from onestop_common.clock import SHANGHAI
from onestop_common.errors import Conflict, NotFound
from svc_registration import domain
from svc_registration.domain import AutoDecision, CreditStatus, Person, bars_office
from svc_registration.models import (
    AutoDecisionRow,
    CommittedMaterialRow,
    CreditEntryRow,
    License,
    NameHold,
    ReferenceSeed,
    Task,
    UsccRecord,
)
from svc_registration.reference import credit_seed

RESERVED, REGISTERED, DEREGISTERED, RELEASED = "reserved", "registered", "deregistered", "released"
HELD_STATES = (RESERVED, REGISTERED, DEREGISTERED)
CREDIT_SEED_NAME = "credit_list"
SEED_ORIGIN = "seed"
USCC_ATTEMPTS = 50


# --------------------------------------------------------------------------- licenses


def license_for_case(session: Session, case_id: str) -> License | None:
    return session.scalars(select(License).where(License.case_id == case_id)).first()


def license_by_uscc(session: Session, uscc: str) -> License | None:
    return session.get(License, uscc)


def find_license(session: Session, *, uscc: str = "", case_id: str = "") -> License:
    found = license_by_uscc(session, uscc) if uscc else None
    if found is None and case_id:
        found = license_for_case(session, case_id)
    if found is None or (uscc and found.uscc != uscc):
        what = uscc or case_id
        raise NotFound(f"no license {what}", message_zh=f"没有找到营业执照 {what}")
    return found


def add_license(session: Session, row: License) -> None:
    session.add(row)
    session.flush()


def materials_of(session: Session, case_id: str) -> Sequence[CommittedMaterialRow]:
    return session.scalars(
        select(CommittedMaterialRow)
        .where(CommittedMaterialRow.case_id == case_id)
        .order_by(CommittedMaterialRow.id)
    ).all()


def material(session: Session, case_id: str, code: str) -> CommittedMaterialRow | None:
    return session.scalars(
        select(CommittedMaterialRow).where(
            CommittedMaterialRow.case_id == case_id, CommittedMaterialRow.code == code
        )
    ).first()


# --------------------------------------------------------------------------- USCC


def random_org_part() -> str:
    return "".join(
        secrets.choice(domain.ORG_CODE_ALPHABET) for _ in range(domain.ORG_CODE_RANDOM_LENGTH)
    )


def draw_uscc(
    session: Session,
    enterprise_type: domain.EnterpriseType,
    area: str = domain.REGISTRATION_AREA,
    random_part: Callable[[], str] = random_org_part,
) -> str:
    """A USCC whose organisation code is not in the register yet (it is reserved later, by an
    INSERT that the unique constraints guard: see ``reserve_uscc``)."""
    for _ in range(USCC_ATTEMPTS):
        org_code = domain.new_org_code(random_part())
        taken = session.scalars(
            select(UsccRecord.uscc).where(UsccRecord.org_code == org_code).limit(1)
        ).first()
        if taken is None:
            return domain.uscc_for(enterprise_type, org_code, area)
    raise RuntimeError(f"no free organisation code after {USCC_ATTEMPTS} draws")


def reserve_uscc(session: Session, uscc: str, case_id: str, now: datetime) -> bool:
    """Writes the USCC into the register for good; False if another case got it first."""
    try:
        with session.begin_nested():
            session.add(
                UsccRecord(
                    uscc=uscc, org_code=uscc[8:17], case_id=case_id, state="active", assigned_at=now
                )
            )
    except IntegrityError:
        return False
    return True


def retire_uscc(session: Session, uscc: str, now: datetime) -> None:
    record = session.get(UsccRecord, uscc)
    if record is not None and record.state != "retired":
        record.state = "retired"
        record.retired_at = now


# --------------------------------------------------------------------------- name holds


def _active(hold: NameHold, now: datetime) -> bool:
    return hold.state in HELD_STATES and (hold.expires_at is None or hold.expires_at > now)


def _may_take(hold: NameHold, case_id: str, applicant_id: str, now: datetime) -> bool:
    if hold.case_id == case_id or not _active(hold, now):
        return True
    # The same applicant may move a name their own earlier case reserved (a new attempt after a
    # rejection or withdrawal) or take back one their revoked company still holds; a registered
    # name is never taken.
    return (
        bool(applicant_id)
        and hold.applicant_id == applicant_id
        and hold.state
        in (
            RESERVED,
            DEREGISTERED,
        )
    )


def name_conflicts(
    session: Session,
    keys: Iterable[str],
    now: datetime,
    *,
    case_id: str = "",
    applicant_id: str = "",
) -> list[NameHold]:
    """Holds that keep these keys from this case (read-only; for checks without side effects)."""
    holds = session.scalars(select(NameHold).where(NameHold.key.in_(list(keys)))).all()
    return [h for h in holds if not _may_take(h, case_id, applicant_id, now)]


def claim_name(
    session: Session,
    keys: Sequence[str],
    *,
    case_id: str,
    applicant_id: str,
    full_name: str,
    now: datetime,
) -> list[NameHold]:
    """Reserves every key for the case, or none: returns the holds that were in the way.

    A new key is an INSERT guarded by the primary key; a lapsed hold is taken over with an
    UPDATE guarded by its version. Either way two cases racing for one name cannot both win.
    """
    savepoint = session.begin_nested()
    blocked: list[NameHold] = []
    try:
        for key in keys:
            hold = session.get(NameHold, key, with_for_update=True)
            if hold is None:
                session.add(
                    NameHold(
                        key=key,
                        case_id=case_id,
                        applicant_id=applicant_id,
                        full_name=full_name,
                        state=RESERVED,
                        held_from=now,
                        expires_at=domain.reservation_expiry(now),
                    )
                )
                session.flush()
            elif hold.case_id == case_id:
                if hold.state != REGISTERED:
                    hold.state, hold.expires_at = RESERVED, domain.reservation_expiry(now)
            elif _may_take(hold, case_id, applicant_id, now):
                hold.case_id, hold.applicant_id, hold.full_name = case_id, applicant_id, full_name
                hold.state, hold.held_from = RESERVED, now
                hold.expires_at = domain.reservation_expiry(now)
                session.flush()
            else:
                blocked.append(hold)
        if blocked:
            savepoint.rollback()
            return blocked
        savepoint.commit()
        return []
    except IntegrityError:
        # Another transaction inserted the same key first: it won.
        savepoint.rollback()
        holds = session.scalars(select(NameHold).where(NameHold.key.in_(list(keys)))).all()
        return [h for h in holds if h.case_id != case_id] or list(holds)


def case_holds(session: Session, case_id: str) -> Sequence[NameHold]:
    return session.scalars(select(NameHold).where(NameHold.case_id == case_id)).all()


def release_other_names(session: Session, case_id: str, keep: Iterable[str], now: datetime) -> None:
    """A corrected form changed the name: the case lets go of the keys it no longer uses."""
    kept = set(keep)
    for hold in case_holds(session, case_id):
        if hold.key not in kept and hold.state == RESERVED:
            hold.state, hold.expires_at = RELEASED, now


def settle_names(session: Session, case_id: str, state: str, now: datetime) -> None:
    """registered (no expiry), deregistered (held a year) or released (free now)."""
    expiry = {
        REGISTERED: None,
        DEREGISTERED: domain.deregistered_hold_expiry(now),
        RELEASED: now,
    }[state]
    for hold in case_holds(session, case_id):
        if state == RELEASED and hold.state != RESERVED:
            continue
        hold.state, hold.expires_at = state, expiry


def register_changed_name(session: Session, case_id: str, full_name: str, now: datetime) -> None:
    """After a change registration: the name the license now bears is registered; a name it
    bore before is deregistered (held a year, as after a revocation)."""
    for hold in case_holds(session, case_id):
        if hold.full_name == full_name:
            hold.state, hold.expires_at = REGISTERED, None
        elif hold.state == REGISTERED:
            hold.state, hold.expires_at = DEREGISTERED, domain.deregistered_hold_expiry(now)


# --------------------------------------------------------------------------- credit list


def ensure_credit_seed(session: Session, now: datetime) -> str:
    """Applies the credit-list seed file when its version changed; returns the version."""
    version, entries = credit_seed()
    applied = session.get(ReferenceSeed, CREDIT_SEED_NAME)
    if applied is not None and applied.version == version:
        return version
    existing = {
        (row.subject_kind, row.subject_id): row
        for row in session.scalars(
            select(CreditEntryRow).where(CreditEntryRow.origin == SEED_ORIGIN)
        ).all()
    }
    wanted = {(e.subject_kind, e.subject_id) for e in entries}
    for entry in entries:
        if (entry.subject_kind, entry.subject_id) in existing:
            continue
        session.add(
            CreditEntryRow(
                subject_kind=entry.subject_kind,
                subject_id=entry.subject_id,
                person_name=entry.person_name,
                reason=entry.reason,
                origin=SEED_ORIGIN,
                source=entry.source,
                verified=entry.verified,
                listed_at=datetime.combine(entry.listed_at, time(0), SHANGHAI),
            )
        )
    for key, row in existing.items():
        if key not in wanted and row.removed_at is None:
            row.removed_at, row.removed_by = now, "seed"
            row.removal_reason = f"no longer in {version}"
    if applied is None:
        session.add(ReferenceSeed(name=CREDIT_SEED_NAME, version=version, applied_at=now))
    else:
        applied.version, applied.applied_at = version, now
    session.flush()
    return version


def _listed(session: Session, kind: str, ids: Iterable[str]) -> set[str]:
    wanted = [i for i in ids if i]
    if not wanted:
        return set()
    rows = session.scalars(
        select(CreditEntryRow.subject_id).where(
            CreditEntryRow.subject_kind == kind,
            CreditEntryRow.subject_index.in_(wanted),
            CreditEntryRow.removed_at.is_(None),
        )
    ).all()
    return set(rows)


def credit_status(
    session: Session, applicant_id: str, people: Mapping[str, Person], now: datetime
) -> CreditStatus:
    ensure_credit_seed(session, now)
    applicant = bool(_listed(session, "account", [applicant_id]))
    reasons = _listed_reasons(session, [p.id_number for p in people.values()])
    listed_paths = frozenset(path for path, p in people.items() if p.id_number in reasons)
    barred_paths = frozenset(
        path
        for path, p in people.items()
        if any(bars_office(reason) for reason in reasons.get(p.id_number, ()))
    )
    return CreditStatus(
        applicant_listed=applicant, listed_people=listed_paths, barred_people=barred_paths
    )


def _listed_reasons(session: Session, ids: Iterable[str]) -> dict[str, list[str]]:
    """The live entries' reasons of the people listed by ID number."""
    wanted = [i for i in ids if i]
    if not wanted:
        return {}
    rows = session.execute(
        select(CreditEntryRow.subject_id, CreditEntryRow.reason).where(
            CreditEntryRow.subject_kind == "id_number",
            CreditEntryRow.subject_index.in_(wanted),
            CreditEntryRow.removed_at.is_(None),
        )
    ).all()
    found: dict[str, list[str]] = {}
    for subject, reason in rows:
        found.setdefault(subject, []).append(reason)
    return found


def list_credit(
    session: Session, *, include_removed: bool, now: datetime
) -> tuple[str, Sequence[CreditEntryRow]]:
    version = ensure_credit_seed(session, now)
    statement = select(CreditEntryRow).order_by(CreditEntryRow.id)
    if not include_removed:
        statement = statement.where(CreditEntryRow.removed_at.is_(None))
    return version, session.scalars(statement).all()


def add_credit(
    session: Session,
    *,
    kind: str,
    subject_id: str,
    person_name: str,
    reason: str,
    origin: str,
    source: str,
    now: datetime,
) -> CreditEntryRow:
    """Lists a subject; listing the same subject again from the same origin changes nothing."""
    row = session.scalars(
        select(CreditEntryRow).where(
            CreditEntryRow.subject_kind == kind,
            CreditEntryRow.subject_index == subject_id,
            CreditEntryRow.origin == origin,
        )
    ).first()
    if row is not None:
        if row.removed_at is not None:
            row.removed_at, row.removed_by, row.removal_reason = None, "", ""
            row.reason, row.listed_at = reason, now
        return row
    row = CreditEntryRow(
        subject_kind=kind,
        subject_id=subject_id,
        person_name=person_name,
        reason=reason,
        origin=origin,
        source=source,
        verified="record",
        listed_at=now,
    )
    session.add(row)
    session.flush()
    return row


def remove_credit(
    session: Session, entry_id: int, *, by: str, reason: str, now: datetime
) -> CreditEntryRow:
    row = session.get(CreditEntryRow, entry_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no credit entry {entry_id}", message_zh=f"失信名单中没有条目 {entry_id}")
    if row.removed_at is None:
        row.removed_at, row.removed_by, row.removal_reason = now, by, reason
    return row


# --------------------------------------------------------------------------- decisions


def record_decision(
    session: Session,
    case_id: str,
    decision: AutoDecision,
    *,
    enabled: bool,
    data_version: str,
    now: datetime,
) -> AutoDecisionRow:
    row = AutoDecisionRow(
        case_id=case_id,
        ruleset_version=decision.ruleset_version,
        data_version=data_version,
        inputs=dict(decision.inputs),
        enabled=enabled,
        # The rule set's verdict; whether it took effect is ``enabled``.
        approved=decision.approved,
        reasons=[
            {"code": r.code, "message_zh": r.message_zh, "message_en": r.message_en}
            for r in decision.reasons
        ],
        decided_at=now,
    )
    session.add(row)
    return row


def latest_decision(session: Session, case_id: str) -> AutoDecisionRow:
    row = session.scalars(
        select(AutoDecisionRow)
        .where(AutoDecisionRow.case_id == case_id)
        .order_by(AutoDecisionRow.id.desc())
        .limit(1)
    ).first()
    if row is None:
        raise NotFound(
            f"no automatic decision for case {case_id}",
            message_zh=f"案件 {case_id} 没有自动审批记录",
        )
    return row


# --------------------------------------------------------------------------- tasks


# An application's review, a supplied material's review, a change registration's review.
REVIEW, MATERIAL, CHANGE = "review", "material", "change"


def case_task(
    session: Session, case_id: str, *, states: Sequence[str], kind: str = REVIEW
) -> Task | None:
    return session.scalars(
        select(Task)
        .where(Task.case_id == case_id, Task.kind == kind, Task.state.in_(list(states)))
        .order_by(Task.created_at.desc())
        .limit(1)
        .with_for_update()
    ).first()


def task_for_update(session: Session, task_id: str) -> Task:
    task = session.scalars(select(Task).where(Task.id == task_id).with_for_update()).first()
    if task is None:
        raise NotFound(f"no task {task_id}", message_zh=f"任务 {task_id} 不存在")
    return task


def require_kind(task: Task, *kinds: str) -> None:
    if task.kind not in kinds:
        raise Conflict(
            f"task {task.id} is a {task.kind} task; this action applies to {', '.join(kinds)}",
            message_zh=f"任务 {task.id} 的类型为 {task.kind}，不适用此操作",
        )


def material_task(session: Session, case_id: str, code: str) -> Task | None:
    """The open review of a supplied material, if any."""
    rows = session.scalars(
        select(Task).where(
            Task.case_id == case_id, Task.kind == MATERIAL, Task.state.in_(desk.ACTIVE)
        )
    ).all()
    return next((row for row in rows if (row.details or {}).get("material_code") == code), None)


def open_review_or_awaiting(session: Session, case_id: str) -> Task | None:
    """The case's review task that is still open, claimed or waiting on the applicant."""
    return case_task(session, case_id, states=(*desk.ACTIVE, desk.AWAITING_APPLICANT))
