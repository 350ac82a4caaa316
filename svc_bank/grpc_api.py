"""Protobuf <-> domain mapping of the bank service, and who may call what.

Each bank's clerks see only their bank's cases and accounts (``principal.org`` is the bank code).
Beneficial owners' ID numbers always travel masked; the clerk's task page shows them in full.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from onestop.bank.v1 import bank_pb2 as pb
from onestop.common.v1 import application_pb2, common_pb2
from onestop_common import application_checks
from onestop_common.errors import (
    NotFound,
    PermissionDenied,
)
from onestop_common.identifiers import mask_id_number
from onestop_common.identity import Principal, Role, require_role
from onestop_common.protoconv import id_type_name, money, timestamp
from svc_bank import domain
from svc_bank.models import CLOSED, Account

PARTICIPANT = "bank"
CLERKS = frozenset({Role.BANK_CLERK})
PLATFORM = frozenset({Role.SYSTEM})


def _person(person: common_pb2.Person) -> domain.PersonInput:
    return domain.PersonInput(person.name, id_type_name(person.id_type), person.id_number)


def application_of(request: pb.OpenAccountRequest) -> domain.AccountApplication:
    return domain.AccountApplication(
        uscc=request.uscc,
        company_name=request.company_name,
        legal_representative=_person(request.legal_representative),
        shareholders=tuple(
            domain.ShareholderInput(_person(s.person), s.subscribed.amount)
            for s in request.shareholders
        ),
        registered_capital=request.registered_capital.amount,
        bank_code=request.bank.bank_code,
        branch_name=request.bank.branch_name,
        finance_seal_code=request.finance_seal_code,
        legal_rep_seal_code=request.legal_rep_seal_code,
    )


def form_application(form: application_pb2.ApplicationForm) -> domain.AccountApplication:
    """The application OpenAccount will carry for this form (orchestrator/open_company.py
    open_account), before the license and the seals exist (no USCC, no seal codes yet), with the
    form's contact person, which the saga's command does not carry."""
    name = form.name
    contact = form.contact
    return domain.AccountApplication(
        uscc="",
        company_name=f"{name.division}{name.trade_name}{name.industry}{name.organisational_form}",
        legal_representative=_person(form.legal_representative),
        shareholders=tuple(
            domain.ShareholderInput(_person(s.person), s.subscribed.amount)
            for s in form.shareholders
        ),
        registered_capital=form.registered_capital.amount,
        bank_code=form.bank.bank_code,
        branch_name=form.bank.branch_name,
        finance_seal_code="",
        legal_rep_seal_code="",
        contact=domain.ContactInput(
            name=contact.person.name, phone=contact.phone or contact.person.phone
        ),
    )


def checks_message(account: Account) -> list[pb.DueDiligenceCheck]:
    return [
        pb.DueDiligenceCheck(
            check=str(c["check"]), passed=bool(c["passed"]), detail=str(c["detail"])
        )
        for c in account.due_diligence
    ]


def account_message(account: Account) -> pb.Account:
    message = pb.Account(
        account_number=account.account_number or "",
        bank_code=account.bank_code,
        bank_name=account.bank_name,
        branch_name=account.branch_name,
        account_type=account.account_type,
        uscc=account.uscc,
        company_name=account.company_name,
        filing_number=account.filing_number or "",
        notice_number=account.notice_number or "",
        balance=money(Decimal(account.balance)),
        closed=account.state == CLOSED,
        filing_cancelled=account.filing_cancelled_at is not None,
        state=account.state,
        risk_list_version=account.risk_list_version,
    )
    message.due_diligence.extend(checks_message(account))
    message.beneficial_owners.extend(
        pb.BeneficialOwner(
            name=str(o["name"]),
            id_number_masked=mask_id_number(str(o["id_number"])),
            share=str(o["share"]),
        )
        for o in account.beneficial_owners
    )
    message.specimen_seal_codes.extend(account.specimen_seal_codes)
    for name in ("opened_at", "closed_at", "filed_at"):
        value = getattr(account, name)
        if value is not None:
            getattr(message, name).CopyFrom(timestamp(value))
    return message


def task_details(account: Account) -> dict[str, str]:
    failed = [str(c["check"]) for c in account.due_diligence if not c["passed"]]
    return {
        "bank": f"{account.bank_code} {account.bank_name}",
        "branch": account.branch_name,
        "beneficial_owners": "; ".join(
            f"{o['name']} {o['id_number']} {o['share']}"
            + (" (fallback: legal representative)" if o["by_fallback"] else "")
            for o in account.beneficial_owners
        ),
        "checks_failed": ", ".join(failed),
        "review_reasons": "; ".join(account.review_reasons),
        "risk_list_version": account.risk_list_version,
        "specimen_seals": ", ".join(account.specimen_seal_codes),
    }


def task_summary(account: Account) -> str:
    owners = len(account.beneficial_owners)
    reasons = "; ".join(account.review_reasons)
    summary = f"basic deposit account 基本存款账户 at {account.branch_name or account.bank_name}; "
    summary += f"{owners} beneficial owner(s)"
    return f"{summary}; {reasons}" if reasons else summary


def banks_message(banks: Sequence[domain.Bank]) -> pb.ListBanksResponse:
    return pb.ListBanksResponse(
        banks=[pb.Bank(bank_code=b.code, name_zh=b.name_zh, name_en=b.name_en) for b in banks]
    )


def require_clerk(principal: Principal) -> Principal:
    require_role(principal, CLERKS)
    if principal.role is Role.BANK_CLERK and not principal.org:
        raise PermissionDenied(
            "a bank clerk's credential must name the bank (org)",
            message_zh="银行柜员的凭证须注明所属银行（org）",
        )
    return principal


def check_may_read(principal: Principal, account: Account | None, uscc: str) -> Account:
    """Staff of the account's bank, the platform and administrators; the applicant for their own."""
    visible = account is not None and (
        principal.role in (Role.ADMIN, Role.SYSTEM)
        or (principal.role is Role.BANK_CLERK and principal.org == account.bank_code)
        or (principal.role is Role.ENTREPRENEUR and principal.subject == account.applicant_id)
    )
    if principal.role not in (Role.ADMIN, Role.SYSTEM, Role.BANK_CLERK, Role.ENTREPRENEUR):
        raise PermissionDenied(
            f"role {principal.role.value} may not read bank accounts",
            message_zh=f"角色 {principal.role.value} 无权查看银行账户",
        )
    if not visible or account is None:
        # The same answer whether it does not exist or is not the caller's to see.
        raise NotFound(f"no account visible to you for {uscc}", message_zh=f"未找到 {uscc} 的账户")
    return account


def clerk_rejection(reason: str) -> list[common_pb2.Rejection]:
    return [
        common_pb2.Rejection(
            field="form.bank",
            rule="bank_clerk_rejected",
            message_zh=f"银行经办人员不予开户：{reason}",
            message_en=f"the bank clerk refused to open the account: {reason}",
            participant=PARTICIPANT,
        )
    ]


# The check of an application and the desk's return for correction, as every participant does them.
DESK = application_checks.Desk(
    participant=PARTICIPANT,
    staff_zh="银行经办人员",
    staff_en="the bank clerk",
    default_rule="bank_clerk_correction",
    example_field="form.legal_representative.id_number",
)
