"""Reads and writes of the bank database; every function takes the caller's session (the unit of
work decides when to commit)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from svc_bank import domain
from svc_bank.models import CLOSED, LIVE, OPEN, PENDING, REJECTED, WITHDRAWN, Account, Counter


class CompanyHasBasicAccount(Exception):
    """The database refused a second live basic account for the company."""


def live_account(session: Session, uscc: str) -> Account | None:
    return session.scalars(
        select(Account).where(Account.uscc == uscc, Account.state.in_(LIVE))
    ).first()


def account_by_uscc(session: Session, uscc: str) -> Account | None:
    """The company's live account, else its most recent one."""
    return (
        live_account(session, uscc)
        or session.scalars(
            select(Account).where(Account.uscc == uscc).order_by(Account.id.desc())
        ).first()
    )


def account_for_case(session: Session, case_id: str, *, for_update: bool = False) -> Account | None:
    statement = select(Account).where(Account.case_id == case_id).order_by(Account.id.desc())
    if for_update:
        statement = statement.with_for_update()
    return session.scalars(statement).first()


def live_accounts_for_case(session: Session, case_id: str) -> Sequence[Account]:
    return session.scalars(
        select(Account).where(Account.case_id == case_id, Account.state.in_(LIVE)).with_for_update()
    ).all()


def add_account(
    session: Session,
    *,
    application: domain.AccountApplication,
    bank: domain.Bank,
    division_code: str,
    checks: domain.DueDiligence,
    case_id: str,
    applicant_id: str,
    context: bytes,
    now: datetime,
) -> Account:
    """Writes the account (pending) in a savepoint; the database refuses a second live one."""
    account = Account(
        case_id=case_id,
        applicant_id=applicant_id,
        uscc=application.uscc,
        company_name=application.company_name,
        bank_code=bank.code,
        bank_name=bank.name_zh,
        branch_name=application.branch_name,
        division_code=division_code,
        account_type=domain.BASIC,
        state=PENDING,
        balance="0.00",
        due_diligence=[
            {"check": c.name, "passed": c.passed, "detail": c.detail} for c in checks.checks
        ],
        beneficial_owners=[
            {
                "name": o.name,
                "id_type": o.id_type,
                "id_number": o.id_number,
                "share": str(o.share),
                "by_fallback": o.by_fallback,
            }
            for o in checks.beneficial_owners
        ],
        specimen_seal_codes=[application.finance_seal_code, application.legal_rep_seal_code],
        risk_list_version=checks.risk_list_version,
        review_reasons=list(checks.review_reasons),
        created_at=now,
        context=context,
    )
    try:
        with session.begin_nested():
            session.add(account)
            session.flush([account])
    except IntegrityError as exc:
        raise CompanyHasBasicAccount(application.uscc) from exc
    return account


def open_account(session: Session, account: Account, now: datetime, decided_by: str) -> None:
    """Gives the account its number, files it with the central bank and issues the notice."""
    serial = Counter.next_serial(session, f"account:{account.bank_code}")
    account.account_number = domain.account_number(account.bank_code, account.division_code, serial)
    account.filing_number = domain.filing_number(
        account.division_code, Counter.next_serial(session, "filing")
    )
    account.notice_number = domain.notice_number(
        account.bank_code, now.date(), Counter.next_serial(session, f"notice:{account.bank_code}")
    )
    account.state = OPEN
    account.opened_at = now
    account.filed_at = now
    account.decided_by = decided_by


def reject(account: Account, decided_by: str, reason: str) -> None:
    account.state = REJECTED
    account.decided_by = decided_by
    account.reason = reason


def withdraw(account: Account, decided_by: str, reason: str) -> None:
    """A pending account given up before it opened (sent back for a correction): no longer the
    company's live basic account."""
    account.state = WITHDRAWN
    account.decided_by = decided_by
    account.reason = reason


def close(account: Account, now: datetime, reason: str) -> None:
    """Closes an open account and cancels its filing; a pending one is withdrawn.

    Nothing can be paid in here, so the balance is the zero it was opened with; a real close
    would first move any balance out.
    """
    account.reason = reason
    if account.state == PENDING:
        account.state = WITHDRAWN
        return
    account.state = CLOSED
    account.closed_at = now
    account.filing_cancelled_at = now
