"""Reads and writes of the seal service's database; every function takes the caller's session, so
one unit of work spans all of them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onestop_common.serials import take_numbers
from svc_seal.domain import (
    KIND_ORDER,
    LIVE_STATES,
    GrantFacts,
    OrderState,
    SealFacts,
    SealState,
    make_seal_code,
)
from svc_seal.impression import SealKind
from svc_seal.models import (
    AuthorisedSigner,
    IssuedCrl,
    SealOrder,
    SealRecord,
    SealUsageRecord,
    SerialCounter,
)

_KIND_RANK = {kind.value: rank for rank, kind in enumerate(KIND_ORDER)}


def new_order_id() -> str:
    return f"SO-{uuid.uuid4().hex[:12].upper()}"


def allocate_seal_codes(session: Session, prefix: str, count: int) -> list[str]:
    """``count`` fresh seal codes under ``prefix``; the counter row is locked until commit."""
    first = take_numbers(session, SerialCounter, "prefix", "last_serial", prefix, count)
    return [make_seal_code(prefix, serial) for serial in range(first, first + count)]


def live_order_for_case(session: Session, case_id: str) -> SealOrder | None:
    """The case's order that is being made or done (there is at most one)."""
    return session.scalars(
        select(SealOrder)
        .where(
            SealOrder.case_id == case_id,
            SealOrder.state.in_((OrderState.ORDERED, OrderState.DONE)),
        )
        .order_by(SealOrder.created_at.desc())
    ).first()


def orders_for_case(session: Session, case_id: str) -> Sequence[SealOrder]:
    return session.scalars(select(SealOrder).where(SealOrder.case_id == case_id)).all()


def order_by_id(session: Session, order_id: str, *, for_update: bool = False) -> SealOrder | None:
    statement = select(SealOrder).where(SealOrder.id == order_id)
    if for_update:
        statement = statement.with_for_update()
    return session.scalars(statement).first()


def order_by_task(session: Session, task_id: str, *, for_update: bool = False) -> SealOrder | None:
    statement = select(SealOrder).where(SealOrder.task_id == task_id)
    if for_update:
        statement = statement.with_for_update()
    return session.scalars(statement).first()


def owner_of_company(session: Session, uscc: str) -> SealOrder | None:
    """The latest order of a company: it names the entrepreneur who owns the company's seals."""
    return session.scalars(
        select(SealOrder).where(SealOrder.uscc == uscc).order_by(SealOrder.created_at.desc())
    ).first()


def _in_kind_order(seals: Sequence[SealRecord]) -> list[SealRecord]:
    return sorted(seals, key=lambda s: (_KIND_RANK.get(s.kind, 99), s.seal_code))


def seals_of_order(session: Session, order_id: str) -> list[SealRecord]:
    rows = session.scalars(select(SealRecord).where(SealRecord.order_id == order_id)).all()
    return _in_kind_order(rows)


def seals_of_case(session: Session, case_id: str) -> list[SealRecord]:
    rows = session.scalars(select(SealRecord).where(SealRecord.case_id == case_id)).all()
    return _in_kind_order(rows)


def seals_of_company(session: Session, uscc: str) -> list[SealRecord]:
    rows = session.scalars(select(SealRecord).where(SealRecord.uscc == uscc)).all()
    return _in_kind_order(rows)


def live_seals_of_case(session: Session, case_id: str) -> list[SealRecord]:
    rows = session.scalars(
        select(SealRecord)
        .where(SealRecord.case_id == case_id, SealRecord.state.in_(list(LIVE_STATES)))
        .with_for_update()
    ).all()
    return _in_kind_order(rows)


def seal_by_code(session: Session, seal_code: str) -> SealRecord | None:
    return session.get(SealRecord, seal_code)


def facts(seal: SealRecord) -> SealFacts:
    return SealFacts(
        seal_code=seal.seal_code,
        kind=SealKind(seal.kind),
        physical=seal.physical,
        electronic=seal.electronic,
        state=SealState(seal.state),
    )


def revoked_certificates(session: Session) -> list[tuple[str, datetime]]:
    """(certificate serial hex, revocation time written into the CRL) of every revoked seal."""
    rows = session.execute(
        select(SealRecord.certificate_serial, SealRecord.crl_revoked_at)
        .where(
            SealRecord.certificate_serial.is_not(None),
            SealRecord.crl_revoked_at.is_not(None),
        )
        .order_by(SealRecord.crl_revoked_at)
    ).all()
    return [(serial, revoked_at) for serial, revoked_at in rows if serial and revoked_at]


def current_crl(session: Session) -> IssuedCrl | None:
    return session.scalars(select(IssuedCrl).order_by(IssuedCrl.crl_number.desc()).limit(1)).first()


def last_crl_number(session: Session) -> int:
    return int(session.scalar(select(func.max(IssuedCrl.crl_number))) or 0)


def save_crl(
    session: Session,
    *,
    crl_number: int,
    this_update: datetime,
    next_update: datetime,
    revoked_count: int,
    der: bytes,
) -> IssuedCrl:
    row = IssuedCrl(
        crl_number=crl_number,
        this_update=this_update,
        next_update=next_update,
        revoked_count=revoked_count,
        der=der,
    )
    session.add(row)
    return row


# --------------------------------------------------------------------------- authorised users


def electronic_kinds(session: Session, uscc: str) -> frozenset[SealKind]:
    """The kinds the company has a live (not revoked or cancelled) electronic seal of."""
    rows = session.scalars(
        select(SealRecord.kind).where(
            SealRecord.uscc == uscc,
            SealRecord.electronic.is_(True),
            SealRecord.state.in_(list(LIVE_STATES)),
        )
    ).all()
    return frozenset(SealKind(kind) for kind in rows)


def signer_of(
    session: Session, uscc: str, subject: str, *, for_update: bool = False
) -> AuthorisedSigner | None:
    statement = select(AuthorisedSigner).where(
        AuthorisedSigner.uscc == uscc, AuthorisedSigner.subject == subject
    )
    if for_update:
        statement = statement.with_for_update()
    return session.scalars(statement).first()


def signers_of_company(
    session: Session, uscc: str, *, include_revoked: bool
) -> Sequence[AuthorisedSigner]:
    statement = select(AuthorisedSigner).where(AuthorisedSigner.uscc == uscc)
    if not include_revoked:
        statement = statement.where(AuthorisedSigner.revoked_at.is_(None))
    return session.scalars(statement.order_by(AuthorisedSigner.subject)).all()


def grant_facts(signer: AuthorisedSigner) -> GrantFacts:
    return GrantFacts(
        kinds=frozenset(SealKind(kind) for kind in signer.kinds),
        valid_until=signer.valid_until,
        revoked_at=signer.revoked_at,
    )


# --------------------------------------------------------------------------- usage register


def usages_of_company(
    session: Session, uscc: str, *, before_id: int | None, limit: int
) -> Sequence[SealUsageRecord]:
    """The company's register entries, newest first, older than ``before_id`` when given."""
    statement = select(SealUsageRecord).where(SealUsageRecord.uscc == uscc)
    if before_id is not None:
        statement = statement.where(SealUsageRecord.id < before_id)
    return session.scalars(statement.order_by(SealUsageRecord.id.desc()).limit(limit)).all()
