"""The bank service as a real process with the real registration and seal services: due
diligence against their answers, one basic account per company, the clerks' per-bank desk, the
compensation, and a transient RETRY when registration does not answer.

The license and the seals are made through those services' own saga commands, built by the saga's
own command builders (orchestrator/open_company.py) so the bank gets exactly what the saga sends.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import grpc
import pytest

from onestop.bank.v1 import bank_pb2 as pb
from onestop.bank.v1 import bank_pb2_grpc as pb_grpc
from onestop.common.v1 import application_pb2, common_pb2, desk_pb2
from onestop_cli.client import load_form
from orchestrator.definition import SagaData
from orchestrator.open_company import open_account
from svc_bank.domain import valid_account_number
from tests.support.cases import SAMPLE
from tests.support.infra import signing_server
from tests.support.participant import CommandDriver, channel_to, credential

Outcome = common_pb2.Outcome
SealKind = application_pb2.SealKind
BANK = "bank"
TRADE_NAME_CHARACTERS = "华瑞祥丰盛泰鑫源通达恒信宏远嘉禾润德启明"
# On the bank's seeded risk list (svc_bank/data/risk_list.csv): a fictional person.
LISTED = common_pb2.Person(
    name="测试甲",
    id_type=common_pb2.ID_TYPE_CITIZEN_ID,
    id_number="120115197001010016",
    phone="13800000009",
    nationality="CHN",
)


@dataclass
class Company:
    case_id: str
    form: application_pb2.ApplicationForm
    data: SagaData

    @property
    def uscc(self) -> str:
        return str(self.data.result("license").license.uscc)


@pytest.fixture
def resources() -> Iterator[ExitStack]:
    """Closes what a test opened: command drivers and the timestamp authority."""
    with ExitStack() as stack:
        yield stack


def start(platform, resources, components=("registration", "seal", BANK), **env):  # type: ignore[no-untyped-def]
    supervisor = platform.start(components, **env)
    settings = supervisor.settings
    if "registration" in components:
        # Licenses are signed by the platform's signing server (not started by this test's
        # supervisor).
        resources.enter_context(signing_server(settings))
    driver = CommandDriver(settings)
    resources.callback(driver.close)
    return settings, driver


def sample_form(
    legal_representative: common_pb2.Person | None = None,
) -> application_pb2.ApplicationForm:
    form = load_form(SAMPLE)
    # A fresh trade name (Chinese characters only) so no two companies share a name.
    form.name.trade_name = "".join(random.sample(TRADE_NAME_CHARACTERS, 3))
    # Electronic seals only: issued without waiting for the seal maker's engraving.
    for seal in form.seals:
        seal.physical, seal.electronic = False, True
    if legal_representative is not None:
        # The same person in every role the sample gives 张伟.
        old = form.legal_representative.id_number
        form.legal_representative.CopyFrom(legal_representative)
        for person in [s.person for s in form.shareholders] + [o.person for o in form.officers]:
            if person.id_number == old:
                person.name, person.id_number = (
                    legal_representative.name,
                    legal_representative.id_number,
                )
    return form


def licensed_company(driver: CommandDriver, form: application_pb2.ApplicationForm) -> Company:
    """A license (decided automatically) and electronic seals (issued at once) for the form."""
    case_id = f"OS-BANK-{uuid.uuid4().hex[:8].upper()}"
    data = SagaData(case_id=case_id, applicant_id="alice", form=form, results={})
    license_result = driver.done(driver.send_step("license", data))
    data = SagaData(case_id, "alice", form, {"license": license_result})
    seal_result = driver.done(driver.send_step("seal", data))
    results = {"license": license_result, "seal": seal_result}
    return Company(case_id, form, SagaData(case_id, "alice", form, results))


def send_open(driver: CommandDriver, company: Company, *, case_id: str = "", key: str = "") -> str:
    return driver.send(
        BANK,
        "OpenAccount",
        open_account(company.data),
        case_id=case_id or company.case_id,
        step="bank",
        key=key,
        applicant_id="alice",
    )


def close(driver: CommandDriver, case_id: str, round_: int) -> pb.CloseAccountResponse:
    return driver.result(
        driver.send(
            BANK,
            "CloseAccount",
            pb.CloseAccountRequest(reason="case compensated"),
            case_id=case_id,
            step="bank",
            key=f"{case_id}:bank:CloseAccount:{round_}",
        )
    )


def test_clean_case_opens_exactly_one_basic_account_and_the_compensation_closes_it(
    platform, resources
):
    settings, driver = start(platform, resources)
    company = licensed_company(driver, sample_form())
    key = send_open(driver, company)
    opened = driver.result(key, timeout=30)
    assert opened.status.outcome == Outcome.OUTCOME_DONE, opened.status
    account = opened.account
    assert valid_account_number(account.account_number)
    assert account.account_number.startswith("1020115")
    assert (account.account_type, account.state, account.balance.amount) == (
        "basic",
        "open",
        "0.00",
    )
    assert account.filing_number.startswith("J1201") and account.filed_at.seconds
    assert account.notice_number.startswith("102")
    assert all(check.passed for check in account.due_diligence)
    assert [(o.name, o.share) for o in account.beneficial_owners] == [
        ("张伟", "0.6"),
        ("李娜", "0.4"),
    ]
    assert "*" in account.beneficial_owners[0].id_number_masked
    codes = {s.kind: s.seal_code for s in company.data.result("seal").seals}
    assert list(account.specimen_seal_codes) == [
        codes[SealKind.SEAL_KIND_FINANCE],
        codes[SealKind.SEAL_KIND_LEGAL_REP],
    ]
    assert driver.events("bank.AccountOpened")

    # The same command again: the stored answer, no second account.
    send_open(driver, company, key=key)
    assert driver.results(key, count=2)[-1].account.account_number == account.account_number
    # Another case for the same company: refused, one basic account per company.
    second = driver.result(send_open(driver, company, case_id=f"{company.case_id}-2"), timeout=30)
    assert second.status.outcome == Outcome.OUTCOME_REJECTED
    assert [(r.field, r.rule) for r in second.status.rejections] == [("uscc", "one_basic_account")]

    with channel_to(settings, BANK) as channel:
        service = pb_grpc.BankServiceStub(channel)
        banks = service.ListBanks(
            pb.ListBanksRequest(),
            metadata=credential(settings, "entrepreneur", "alice"),
            timeout=10,
        )
        assert len(banks.banks) == 21 and banks.banks[0].bank_code == "102"
        mine = service.GetAccount(
            pb.GetAccountRequest(uscc=company.uscc),
            metadata=credential(settings, "bank_clerk", org="102"),
            timeout=10,
        )
        assert mine.account.account_number == account.account_number
        with pytest.raises(grpc.RpcError) as other_bank:
            service.GetAccount(
                pb.GetAccountRequest(uscc=company.uscc),
                metadata=credential(settings, "bank_clerk", org="103"),
                timeout=10,
            )
        assert other_bank.value.code() == grpc.StatusCode.NOT_FOUND

    closed = close(driver, company.case_id, 1)
    assert (closed.status.outcome, closed.account_number) == (
        Outcome.OUTCOME_DONE,
        account.account_number,
    )
    assert driver.events("bank.AccountClosed")
    again = close(driver, company.case_id, 2)
    assert (again.status.outcome, again.account_number) == (
        Outcome.OUTCOME_DONE,
        account.account_number,
    )
    with channel_to(settings, BANK) as channel:
        after = pb_grpc.BankServiceStub(channel).GetAccount(
            pb.GetAccountRequest(uscc=company.uscc),
            metadata=credential(settings, "admin"),
            timeout=10,
        )
    assert (after.account.state, after.account.closed, after.account.filing_cancelled) == (
        "closed",
        True,
        True,
    )
    assert after.account.balance.amount == "0.00"
    # The compensated case's action arriving late is refused, not performed.
    late = driver.result(send_open(driver, company, key=f"{company.case_id}:bank:OpenAccount:late"))
    assert late.status.outcome == Outcome.OUTCOME_REJECTED

    # A legal representative on the bank's risk list: due diligence refuses with reasons.
    risky = licensed_company(driver, sample_form(LISTED))
    refused = driver.result(send_open(driver, risky), timeout=30)
    assert refused.status.outcome == Outcome.OUTCOME_REJECTED
    assert ("form.legal_representative.id_number", "risk_list") in {
        (r.field, r.rule) for r in refused.status.rejections
    }
    assert not refused.account.account_number
    failed = {c.check for c in refused.account.due_diligence if not c.passed}
    assert "legal_representative_risk_list" in failed


def test_the_chosen_bank_s_clerk_decides_when_automatic_approval_is_off(platform, resources):
    settings, driver = start(platform, resources, ONESTOP_AUTO_APPROVE="registration,seal")
    company = licensed_company(driver, sample_form())
    key = send_open(driver, company)
    accepted = driver.result(key, timeout=30)
    assert accepted.status.outcome == Outcome.OUTCOME_ACCEPTED
    task_id = accepted.status.task_id
    # The pending account already holds the company's one basic account.
    second = driver.result(send_open(driver, company, case_id=f"{company.case_id}-2"), timeout=30)
    assert second.status.rejections[0].rule == "one_basic_account"

    icbc = credential(settings, "bank_clerk", "clerk-icbc", org="102")
    abc = credential(settings, "bank_clerk", "clerk-abc", org="103")
    with channel_to(settings, BANK) as channel:
        desk = pb_grpc.BankDeskStub(channel)
        assert [
            t.task_id
            for t in desk.ListTasks(desk_pb2.ListTasksRequest(), metadata=icbc, timeout=10).tasks
        ] == [task_id]
        assert not desk.ListTasks(desk_pb2.ListTasksRequest(), metadata=abc, timeout=10).tasks
        with pytest.raises(grpc.RpcError) as foreign:
            desk.GetTask(desk_pb2.GetTaskRequest(task_id=task_id), metadata=abc, timeout=10)
        assert foreign.value.code() == grpc.StatusCode.PERMISSION_DENIED
        with pytest.raises(grpc.RpcError) as wrong_role:
            desk.ListTasks(
                desk_pb2.ListTasksRequest(), metadata=credential(settings, "si_clerk"), timeout=10
            )
        assert wrong_role.value.code() == grpc.StatusCode.PERMISSION_DENIED

        page = desk.GetTask(desk_pb2.GetTaskRequest(task_id=task_id), metadata=icbc, timeout=10)
        assert page.task.assignee_org == "102"
        assert page.account.state == "pending" and not page.account.account_number
        assert all(c.passed for c in page.due_diligence)
        assert company.form.legal_representative.id_number in page.task.details["beneficial_owners"]
        desk.ClaimTask(desk_pb2.ClaimTaskRequest(task_id=task_id), metadata=icbc, timeout=10)
        approved = desk.ApproveTask(
            desk_pb2.ApproveTaskRequest(task_id=task_id, comment="核实无误"),
            metadata=icbc,
            timeout=10,
        )
        assert approved.task.state == desk_pb2.TASK_STATE_DONE
        assert valid_account_number(approved.account.account_number)

    done = driver.result(key, outcome=Outcome.OUTCOME_DONE)
    assert done.status.decided_by == "clerk-icbc"
    assert done.account.account_number == approved.account.account_number

    # A second company: the clerk refuses, the saga hears a reasoned rejection.
    other = licensed_company(driver, sample_form())
    other_key = send_open(driver, other)
    other_task = driver.result(other_key, timeout=30).status.task_id
    with channel_to(settings, BANK) as channel:
        pb_grpc.BankDeskStub(channel).RejectTask(
            desk_pb2.RejectTaskRequest(task_id=other_task, reason="经营场所无法核实"),
            metadata=icbc,
            timeout=10,
        )
    refused = driver.result(other_key, outcome=Outcome.OUTCOME_REJECTED)
    assert refused.status.rejections[0].rule == "bank_clerk_rejected"
    assert "经营场所无法核实" in refused.status.rejections[0].message_zh


def test_no_answer_from_registration_is_a_retry_not_a_rejection(platform, resources):
    _, driver = start(platform, resources, components=(BANK,))
    request = open_account(SagaData("OS-BANK-RETRY", "alice", sample_form(), {}))
    request.uscc = "91120115MA05XXXX0Y"
    request.finance_seal_code, request.legal_rep_seal_code = "1201001000001", "1201001000002"
    key = driver.send(BANK, "OpenAccount", request, case_id="OS-BANK-RETRY", step="bank")
    first = driver.result(key)
    assert first.status.outcome == Outcome.OUTCOME_RETRY
    assert "registration" in first.status.reason
    assert not first.status.rejections

    # The saga's next attempt (same key) runs due diligence again instead of replaying the
    # RETRY: with registration and seal up, this unknown company is now refused for reasons.
    later = platform.start(("registration", "seal"))
    resources.enter_context(signing_server(later.settings))
    driver.send(
        BANK, "OpenAccount", request, key=key, case_id="OS-BANK-RETRY", step="bank", attempt=2
    )
    second = driver.result(key, outcome=Outcome.OUTCOME_REJECTED, timeout=30)
    assert {(r.field, r.rule) for r in second.status.rejections} == {
        ("uscc", "license_not_valid"),
        ("finance_seal_code", "seal_not_filed"),
        ("legal_rep_seal_code", "seal_not_filed"),
    }
