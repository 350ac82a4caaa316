"""The permission table (onestop_common.permissions): complete for every RPC of the platform,
and least privilege in its shape. That every server enforces it, cell by cell, is
tests/integration/test_permission_matrix.py."""

from __future__ import annotations

import importlib

import pytest

from onestop_common.errors import PermissionDenied
from onestop_common.identity import STAFF_ROLES, Principal, Role
from onestop_common.permissions import ALLOWED, DESCRIPTIONS, METHODS, Action, authorize

PROTO_MODULES = (
    "onestop.orchestrator.v1.orchestrator_pb2",
    "onestop.partner.v1.partner_pb2",
    "onestop.calendar.v1.calendar_pb2",
    "onestop.signing.v1.signing_pb2",
    "onestop.registration.v1.registration_pb2",
    "onestop.seal.v1.seal_pb2",
    "onestop.invoice.v1.invoice_pb2",
    "onestop.social_insurance.v1.social_insurance_pb2",
    "onestop.bank.v1.bank_pb2",
)
# What an administrator may never do: act for an applicant, decide a desk's task, sign with a
# company's seal, or send the platform's own commands.
NOT_FOR_ADMINS = {
    Action.SUBMIT_CASE,
    Action.SIGN_APPLICATION,
    Action.ACT_ON_CASE,
    Action.SAGA,
    Action.PLATFORM_SIGNING,
    Action.READ_CALENDAR,
    Action.SIGN_WITH_SEAL,
    Action.MANAGE_SEAL_SIGNERS,
    Action.ISSUE_INVOICES,
    Action.BOOK_INVOICES,
    Action.DECIDE_REGISTRATION,
    Action.DECIDE_SEALS,
    Action.DECIDE_TAX,
    Action.DECIDE_SOCIAL_INSURANCE,
    Action.DECIDE_BANK,
}
DESK_CLERKS = {
    Action.DECIDE_REGISTRATION: Role.OFFICER,
    Action.DECIDE_SEALS: Role.SEAL_MAKER,
    Action.DECIDE_TAX: Role.TAX_STAFF,
    Action.DECIDE_SOCIAL_INSURANCE: Role.SI_CLERK,
    Action.DECIDE_BANK: Role.BANK_CLERK,
}


def every_rpc() -> set[str]:
    paths = set()
    for name in PROTO_MODULES:
        module = importlib.import_module(name)
        for service in module.DESCRIPTOR.services_by_name.values():
            paths |= {f"/{service.full_name}/{m.name}" for m in service.methods}
    return paths


def test_every_rpc_of_the_platform_is_in_the_table_and_nothing_else() -> None:
    assert set(METHODS) == every_rpc()


def test_every_action_has_its_roles_and_its_words() -> None:
    assert set(ALLOWED) == set(Action) == set(DESCRIPTIONS)
    assert all(ALLOWED[action] for action in Action)


def test_administrators_read_everything_and_act_for_nobody() -> None:
    for action in Action:
        assert (Role.ADMIN in ALLOWED[action]) == (action not in NOT_FOR_ADMINS), action


def test_only_the_platform_sends_saga_commands_and_each_desk_is_decided_by_its_clerks() -> None:
    assert ALLOWED[Action.SAGA] == {Role.SYSTEM}
    for action, clerk in DESK_CLERKS.items():
        assert ALLOWED[action] == {clerk}, action
    # Staff never act for an applicant or sign with a company's seal.
    for action in (Action.SUBMIT_CASE, Action.ACT_ON_CASE, Action.SIGN_WITH_SEAL):
        assert not ALLOWED[action] & STAFF_ROLES, action


@pytest.mark.parametrize("method", sorted(METHODS))
def test_every_cell_of_the_table_decides_as_written(method: str) -> None:
    action = METHODS[method]
    for role in Role:
        principal = Principal("someone", role)
        if role in ALLOWED[action]:
            assert authorize(principal, method) is action
        else:
            with pytest.raises(PermissionDenied) as refused:
                authorize(principal, method)
            assert f"role {role.value} may not" in refused.value.message
            assert "无权" in refused.value.message_zh


def test_a_method_the_table_does_not_know_is_refused_to_everyone() -> None:
    with pytest.raises(PermissionDenied, match="not in the platform's permission table"):
        authorize(Principal("root", Role.ADMIN), "/onestop.seal.v1.SealService/Backdoor")
