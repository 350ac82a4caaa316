"""Who may do what, in one table: the platform's actions, the roles allowed each, and every RPC
of the platform named with the action it performs (``rpc_actions.json``).

Every gRPC server applies it before a handler runs (the nameko services in
``nameko_kit._CheckedGrpc``, the orchestrator in ``orchestrator.grpc_handlers``, the calendar
feed and the signing server in their handlers); a method missing from the table is refused, and
a test keeps the table complete. Handlers then check what a role table cannot see: whose case,
which seal maker's order, which company's seal.

Least privilege: administrators manage accounts, the calendar and reference data (the credit
list) and read everything; they never act for an applicant, decide a desk's task or sign with a
company's seal. Saga actions are the orchestrator's (role system) alone. Partners reach only
the orchestrator's API, and only through the partner port (see ``identity``).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from pathlib import Path

from onestop_common.errors import PermissionDenied, Unauthenticated
from onestop_common.identity import STAFF_ROLES, Principal, Role

E, P, A, S = Role.ENTREPRENEUR, Role.PARTNER, Role.ADMIN, Role.SYSTEM
APPLICANTS = frozenset({E, P})
EVERYONE = frozenset(Role)


class Action(enum.StrEnum):
    PUBLIC = "public"
    CHECK_APPLICATION = "application.check"
    SUBMIT_CASE = "case.submit"
    SIGN_APPLICATION = "application.sign"
    READ_CASES = "case.read"
    READ_BUNDLE = "case.bundle"
    ACT_ON_CASE = "case.act"
    STATISTICS = "platform.statistics"
    SAGA = "saga.act"
    PLATFORM_SIGNING = "platform.sign"
    READ_CALENDAR = "calendar.read"
    READ_LICENSE = "license.read"
    READ_CREDIT = "credit.read"
    MANAGE_CREDIT = "credit.manage"
    READ_REGISTRATION_DESK = "desk.registration.read"
    DECIDE_REGISTRATION = "desk.registration.decide"
    READ_SEALS = "seal.read"
    SIGN_WITH_SEAL = "seal.sign"
    MANAGE_SEAL_SIGNERS = "seal.signers"
    READ_SEAL_DESK = "desk.seal.read"
    DECIDE_SEALS = "desk.seal.decide"
    READ_TAX = "tax.read"
    ISSUE_INVOICES = "tax.invoice"
    BOOK_INVOICES = "tax.booking"
    READ_TAX_DESK = "desk.invoice.read"
    DECIDE_TAX = "desk.invoice.decide"
    READ_SOCIAL_INSURANCE = "social_insurance.read"
    READ_SI_DESK = "desk.social_insurance.read"
    DECIDE_SOCIAL_INSURANCE = "desk.social_insurance.decide"
    READ_BANK = "bank.read"
    READ_BANK_DESK = "desk.bank.read"
    DECIDE_BANK = "desk.bank.decide"


def _desk(clerk: Role) -> tuple[frozenset[Role], frozenset[Role]]:
    """A desk's queue is read by its clerks and administrators; only its clerks decide."""
    return frozenset({clerk, A}), frozenset({clerk})


_REG_READ, _REG_DECIDE = _desk(Role.OFFICER)
_SEAL_READ, _SEAL_DECIDE = _desk(Role.SEAL_MAKER)
_TAX_READ, _TAX_DECIDE = _desk(Role.TAX_STAFF)
_SI_READ, _SI_DECIDE = _desk(Role.SI_CLERK)
_BANK_READ, _BANK_DECIDE = _desk(Role.BANK_CLERK)

# The matrix: for each action, the roles that may perform it.
ALLOWED: Mapping[Action, frozenset[Role]] = {
    Action.PUBLIC: EVERYONE,
    Action.CHECK_APPLICATION: EVERYONE - {P},
    Action.SUBMIT_CASE: APPLICANTS,
    # A person the form names, verified by the real-name provider (checked by the handler).
    Action.SIGN_APPLICATION: frozenset({E}),
    Action.READ_CASES: APPLICANTS | STAFF_ROLES | {A},
    Action.READ_BUNDLE: APPLICANTS | {A},
    Action.ACT_ON_CASE: APPLICANTS,
    Action.STATISTICS: frozenset({A}),
    Action.SAGA: frozenset({S}),
    Action.PLATFORM_SIGNING: frozenset({S}),
    Action.READ_CALENDAR: frozenset({S}),
    Action.READ_LICENSE: frozenset({E, Role.OFFICER, A, S}),  # E: the case's own (handler)
    Action.READ_CREDIT: frozenset({Role.OFFICER, A}),
    Action.MANAGE_CREDIT: frozenset({A}),
    Action.READ_REGISTRATION_DESK: _REG_READ,
    Action.DECIDE_REGISTRATION: _REG_DECIDE,
    Action.READ_SEALS: EVERYONE - {P},
    Action.SIGN_WITH_SEAL: frozenset({E}),
    Action.MANAGE_SEAL_SIGNERS: frozenset({E}),
    Action.READ_SEAL_DESK: _SEAL_READ,
    Action.DECIDE_SEALS: _SEAL_DECIDE,
    Action.READ_TAX: EVERYONE - {P},
    Action.ISSUE_INVOICES: frozenset({E}),
    Action.BOOK_INVOICES: frozenset({E, Role.TAX_STAFF, S}),
    Action.READ_TAX_DESK: _TAX_READ,
    Action.DECIDE_TAX: _TAX_DECIDE,
    Action.READ_SOCIAL_INSURANCE: EVERYONE - {P},
    Action.READ_SI_DESK: _SI_READ,
    Action.DECIDE_SOCIAL_INSURANCE: _SI_DECIDE,
    Action.READ_BANK: EVERYONE - {P},
    Action.READ_BANK_DESK: _BANK_READ,
    Action.DECIDE_BANK: _BANK_DECIDE,
}

# What an action is, for a refusal and the printed matrix.
DESCRIPTIONS: Mapping[Action, tuple[str, str]] = {
    Action.PUBLIC: ("read public records", "查询公开信息"),
    Action.CHECK_APPLICATION: ("check an application", "校验申请"),
    Action.SUBMIT_CASE: ("submit an application", "提交申请"),
    Action.SIGN_APPLICATION: ("confirm and sign an application naming oneself", "确认并签署申请"),
    Action.READ_CASES: ("read cases", "查看案件"),
    Action.READ_BUNDLE: ("download a bundle", "下载电子证照包"),
    Action.ACT_ON_CASE: ("act on a case as its applicant", "以申请人身份办理案件"),
    Action.STATISTICS: ("read platform statistics", "查看平台统计"),
    Action.SAGA: ("send the platform's saga commands", "发送平台流程指令"),
    Action.PLATFORM_SIGNING: ("sign with platform keys", "使用平台密钥签名"),
    Action.READ_CALENDAR: ("read the calendar feed", "读取工作日历"),
    Action.READ_LICENSE: ("read licenses in full", "查看营业执照全文"),
    Action.READ_CREDIT: ("read the credit list", "查看失信名单"),
    Action.MANAGE_CREDIT: ("change the credit list", "修改失信名单"),
    Action.READ_REGISTRATION_DESK: ("read the registration desk", "查看登记审核任务"),
    Action.DECIDE_REGISTRATION: ("decide registration tasks", "办理登记审核任务"),
    Action.READ_SEALS: ("read seals and filings", "查看印章及备案"),
    Action.SIGN_WITH_SEAL: ("sign with a company's seal", "使用企业印章签章"),
    Action.MANAGE_SEAL_SIGNERS: ("authorise seal users", "授权印章使用人"),
    Action.READ_SEAL_DESK: ("read the seal desk", "查看刻章任务"),
    Action.DECIDE_SEALS: ("make seals", "办理刻章任务"),
    Action.READ_TAX: ("read tax records", "查看税务信息"),
    Action.ISSUE_INVOICES: ("issue invoices", "开具发票"),
    Action.BOOK_INVOICES: ("record an invoice's booking", "确认发票入账"),
    Action.READ_TAX_DESK: ("read the tax desk", "查看税务任务"),
    Action.DECIDE_TAX: ("decide tax tasks", "办理税务任务"),
    Action.READ_SOCIAL_INSURANCE: ("read social insurance records", "查看社保信息"),
    Action.READ_SI_DESK: ("read the social insurance desk", "查看社保任务"),
    Action.DECIDE_SOCIAL_INSURANCE: ("decide social insurance tasks", "办理社保任务"),
    Action.READ_BANK: ("read bank accounts and banks", "查看银行账户"),
    Action.READ_BANK_DESK: ("read the bank desk", "查看开户任务"),
    Action.DECIDE_BANK: ("decide account openings", "办理开户任务"),
}


# Every RPC of the platform, by service and method, and the action it performs: a data file,
# so that the table reads as a table. The partner API's methods perform the same actions as the
# internal API's methods they stand for. An unknown action in the file fails the import.
RPC_ACTIONS_FILE = Path(__file__).with_name("rpc_actions.json")


def _load_methods(path: Path) -> dict[str, Action]:
    services: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
    return {
        f"/onestop.{service}/{method}": Action(action)
        for service, methods in services.items()
        for method, action in methods.items()
    }


METHODS: Mapping[str, Action] = _load_methods(RPC_ACTIONS_FILE)

# The action that decides a desk's tasks, by the component whose desk it is.
DESK_DECISIONS: Mapping[str, Action] = {
    "registration": Action.DECIDE_REGISTRATION,
    "seal": Action.DECIDE_SEALS,
    "invoice": Action.DECIDE_TAX,
    "social_insurance": Action.DECIDE_SOCIAL_INSURANCE,
    "bank": Action.DECIDE_BANK,
}

# Health probes are answered to anyone (no OneStop method).
HEALTH_PREFIX = "/grpc.health.v1.Health/"


def action_of(method: str) -> Action | None:
    """The action an RPC performs; None for a method the table does not know."""
    return METHODS.get(method)


def may(role: Role, action: Action) -> bool:
    return role in ALLOWED[action]


def is_public(method: str) -> bool:
    return method.startswith(HEALTH_PREFIX) or METHODS.get(method) is Action.PUBLIC


def authorize(principal: Principal, method: str) -> Action:
    """The action ``method`` performs, if ``principal``'s role may perform it; refused otherwise
    (PERMISSION_DENIED naming the role and the action)."""
    action = METHODS.get(method)
    if action is None:
        raise PermissionDenied(
            f"{method} is not in the platform's permission table; nobody may call it",
            message_zh=f"{method} 未列入平台权限表，任何角色均不得调用",
        )
    if not may(principal.role, action):
        en, zh = DESCRIPTIONS[action]
        raise PermissionDenied(
            f"role {principal.role.value} may not {en} ({method.rsplit('/', 1)[-1]})",
            message_zh=f"角色 {principal.role.value} 无权{zh}",
        )
    return action


def require_credential(principal: Principal | None, method: str) -> Principal:
    """A method that is not public needs a caller."""
    if principal is None:
        raise Unauthenticated(
            "no credential: send 'authorization: Bearer <token>' metadata",
            message_zh="缺少身份凭证",
        )
    return principal
