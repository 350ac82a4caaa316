"""The seal, invoice and bank services checking a whole application before anything is issued,
and their steps asking for a correction instead of failing, as real processes on the real broker
and database.

- CheckApplication over gRPC and check_application over AMQP give the same answer; each broken
  rule is named by its form field, in Chinese and English; the sample passes; nothing is written.
- A desk's correctable refusal answers the saga's step with CORRECTION_REQUESTED naming the
  fields and leaves nothing live; the corrected action, re-sent for the same case under a new
  key, is a fresh action that completes; the compensation still cleans up the whole case.

Licenses and seals are made by the registration and seal services' own saga commands, built by
the saga's command builders (orchestrator/open_company.py), as the bank's tests do.
"""

from __future__ import annotations

import base64
import random
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import grpc
import pytest
import sqlalchemy
from grpc_status import rpc_status

from onestop.bank.v1 import bank_pb2, bank_pb2_grpc
from onestop.common.v1 import application_pb2, common_pb2, desk_pb2
from onestop.common.v1.application_pb2 import (
    ApplicationForm,
    CheckApplicationRequest,
    CheckApplicationResponse,
)
from onestop.invoice.v1 import invoice_pb2, invoice_pb2_grpc
from onestop.seal.v1 import seal_pb2, seal_pb2_grpc
from onestop_cli.client import load_form
from onestop_common.protoconv import rejections_from_status
from onestop_common.settings import Settings
from orchestrator.definition import SagaData
from orchestrator.open_company import (
    open_account,
    register_taxpayer,
)
from tests.support.cases import SAMPLE
from tests.support.infra import services_with_signer
from tests.support.participant import CommandDriver, channel_to, credential, kombu_bytes, nameko_rpc

Outcome = common_pb2.Outcome
A = application_pb2
CHECKED = ("seal", "invoice", "bank")
STUBS: dict[str, Any] = {
    "seal": seal_pb2_grpc.SealServiceStub,
    "invoice": invoice_pb2_grpc.InvoiceServiceStub,
    "bank": bank_pb2_grpc.BankServiceStub,
}
# Licenses and electronic-only seal sets are decided automatically; physical seals, the invoice
# package and the bank account wait for their desks.
AUTO = "registration,seal"
TRADE_NAME_CHARACTERS = "华瑞祥丰盛泰鑫源通达恒信宏远嘉禾润德启明"
# On the bank's seeded risk list (svc_bank/data/risk_list.csv): a fictional person.
LISTED_ID, LISTED_NAME = "120115197001010016", "测试甲"
# What each service writes when it acts; a check must leave every one as it was.
WRITTEN = {
    "seal": ("seal_orders", "seals", "tasks", "outbox", "inbox"),
    "invoice": ("taxpayers", "tasks", "outbox", "inbox"),
    "bank": ("accounts", "tasks", "outbox", "inbox"),
}
# Latin words inside a Chinese sentence; the standard a citizen-ID verdict cites is allowed.
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


# --------------------------------------------------------------------------- harness


@dataclass
class Platform:
    settings: Settings
    database_url: str
    driver: CommandDriver
    channels: dict[str, grpc.Channel]

    def check(self, participant: str, form: ApplicationForm) -> CheckApplicationResponse:
        stub = STUBS[participant](self.channels[participant])
        answer: CheckApplicationResponse = stub.CheckApplication(
            CheckApplicationRequest(form=form, applicant_id="alice"),
            metadata=credential(self.settings, "entrepreneur", "alice"),
            timeout=10,
        )
        return answer

    def check_over_amqp(self, participant: str, form: ApplicationForm) -> CheckApplicationResponse:
        body = CheckApplicationRequest(form=form, applicant_id="alice").SerializeToString()
        # nameko's json serializer is kombu's: bytes travel as its base64 type.
        packed = {"__type__": "base64", "__value__": base64.b64encode(body).decode()}
        reply = nameko_rpc(self.settings, participant, "check_application", packed)
        return CheckApplicationResponse.FromString(kombu_bytes(reply))

    def desk(self, participant: str) -> Any:
        stubs = {
            "seal": seal_pb2_grpc.SealDeskStub,
            "invoice": invoice_pb2_grpc.InvoiceDeskStub,
            "bank": bank_pb2_grpc.BankDeskStub,
        }
        return stubs[participant](self.channels[participant])

    def row_counts(self) -> dict[str, int]:
        counts = {}
        for component, tables in WRITTEN.items():
            engine = sqlalchemy.create_engine(self.database_url.format(component=component))
            try:
                with engine.connect() as connection:
                    for table in tables:
                        counts[f"{component}.{table}"] = connection.execute(
                            sqlalchemy.text(f"SELECT COUNT(*) FROM {table}")
                        ).scalar_one()
            finally:
                engine.dispose()
        return counts


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """Registration, seal, invoice and bank for the module (each test its own companies)."""
    with services_with_signer(
        tmp_path_factory.mktemp("precheck"), ("registration", *CHECKED), ONESTOP_AUTO_APPROVE=AUTO
    ) as supervisor:
        settings = supervisor.settings
        driver = CommandDriver(settings)
        channels = {name: channel_to(settings, name) for name in CHECKED}
        try:
            yield Platform(settings, settings.database_url, driver, channels)
        finally:
            for channel in channels.values():
                channel.close()
            driver.close()


def sample() -> ApplicationForm:
    form = load_form(SAMPLE)
    # A fresh trade name (Chinese characters only) so no two companies share a name.
    form.name.trade_name = "".join(random.sample(TRADE_NAME_CHARACTERS, 3))
    return form


def new_case() -> str:
    return f"OS-PRE-{uuid.uuid4().hex[:8].upper()}"


def licensed(platform: Platform, form: ApplicationForm) -> SagaData:
    """The case's license, decided automatically, as the saga's first step gets it."""
    case_id = new_case()
    data = SagaData(case_id, "alice", form, {})
    key = platform.driver.send_step("license", data)
    return SagaData(case_id, "alice", form, {"license": platform.driver.done(key)})


def with_results(data: SagaData, form: ApplicationForm, **results: Any) -> SagaData:
    """The same case with the applicant's corrected form and more step results."""
    return SagaData(data.case_id, data.applicant_id, form, {**data.results, **results})


def correction_key(data: SagaData, step: str, action: str, n: int = 1) -> str:
    return f"{data.case_id}:{step}:{action}:correction-{n}"


def refused(call: Callable[[], Any], code: grpc.StatusCode) -> list[common_pb2.Rejection]:
    with pytest.raises(grpc.RpcError) as info:
        call()
    assert info.value.code() == code, info.value.details()
    status = rpc_status.from_call(info.value)  # type: ignore[arg-type]
    return [] if status is None else list(rejections_from_status(status))


def ask_for_correction(
    desk: Any,
    reject_type: Any,
    task_id: str,
    staff: tuple[tuple[str, str], ...],
    reason: str,
    fields: list[common_pb2.Rejection],
) -> None:
    """The desk sends the task back to the applicant to correct ``fields``; a correction that
    names no field is refused first, in both languages, and changes nothing."""
    errors = refused(
        lambda: desk.RejectTask(
            reject_type(task_id=task_id, reason=reason, correctable=True),
            metadata=staff,
            timeout=10,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert [(e.field, e.rule) for e in errors] == [("fields", "required")]
    assert errors[0].message_zh and errors[0].message_en
    desk.RejectTask(
        reject_type(task_id=task_id, reason=reason, correctable=True, fields=fields),
        metadata=staff,
        timeout=10,
    )


def well_worded(rejection: common_pb2.Rejection, participant: str) -> None:
    """A person can read it: both languages, no rule ids, no English inside the Chinese."""
    assert rejection.participant == participant
    assert rejection.message_zh and rejection.message_en
    if "_" in rejection.rule:  # an internal id ("required" is also plain English)
        assert rejection.rule not in rejection.message_zh + rejection.message_en
    chinese = rejection.message_zh.replace("ISO 7064 MOD 11-2", "")
    assert not _LATIN_WORD.search(chinese), rejection.message_zh


# --------------------------------------------------------------------------- the checks


def _drop_finance_seal(form: ApplicationForm) -> None:
    kept = [s for s in form.seals if s.kind != A.SEAL_KIND_FINANCE]
    del form.seals[:]
    form.seals.extend(kept)


def _unknown_seal_kind(form: ApplicationForm) -> None:
    form.seals.add(kind=42, physical=True)


def _neither_physical_nor_electronic(form: ApplicationForm) -> None:
    form.seals[0].physical = form.seals[0].electronic = False


def _general_without_accounts(form: ApplicationForm) -> None:
    form.invoice.request_general_taxpayer = True
    form.invoice.declares_proper_accounts = False


def _listed_shareholder(form: ApplicationForm) -> None:
    form.shareholders[1].person.name = LISTED_NAME
    form.shareholders[1].person.id_number = LISTED_ID


CASES: dict[str, tuple[str, Callable[[ApplicationForm], None], set[tuple[str, str]]]] = {
    "seal set without the finance seal": (
        "seal",
        _drop_finance_seal,
        {("form.seals", "required_seal")},
    ),
    "unknown seal kind": (
        "seal",
        _unknown_seal_kind,
        {("form.seals[4].kind", "seal_kind")},
    ),
    "seal neither physical nor electronic": (
        "seal",
        _neither_physical_nor_electronic,
        {("form.seals[0]", "physical_or_electronic")},
    ),
    "special invoices without general taxpayer status": (
        "invoice",
        lambda f: f.invoice.kinds.append(A.INVOICE_KIND_DIGITAL_SPECIAL),
        {("form.invoice.kinds", "special_invoice_needs_general_taxpayer")},
    ),
    "general taxpayer without proper accounts": (
        "invoice",
        _general_without_accounts,
        {("form.invoice.declares_proper_accounts", "general_taxpayer_needs_proper_accounts")},
    ),
    "finance contact without an ID number": (
        "invoice",
        lambda f: setattr(f.invoice.finance_contact, "id_number", ""),
        {("form.invoice.finance_contact.id_number", "required")},
    ),
    "finance contact without a name": (
        "invoice",
        lambda f: setattr(f.invoice.finance_contact, "name", ""),
        {("form.invoice.finance_contact.name", "required")},
    ),
    "finance contact with an invalid ID number": (
        "invoice",
        lambda f: setattr(f.invoice.finance_contact, "id_number", "120115199006070042"),
        {("form.invoice.finance_contact.id_number", "check_char")},
    ),
    "unknown bank code": (
        "bank",
        lambda f: setattr(f.bank, "bank_code", "999"),
        {("form.bank.bank_code", "unknown_bank")},
    ),
    "unknown branch": (
        "bank",
        lambda f: setattr(f.bank, "branch_name", "中国工商银行北京王府井支行"),
        {("form.bank.branch_name", "unknown_branch")},
    ),
    "legal representative without an ID number": (
        "bank",
        lambda f: setattr(f.legal_representative, "id_number", ""),
        {("form.legal_representative.id_number", "required")},
    ),
    "shareholder on the risk list": (
        "bank",
        _listed_shareholder,
        {("form.shareholders[1].person.id_number", "risk_list")},
    ),
    "no contact phone": (
        "bank",
        lambda f: setattr(f.contact, "phone", ""),
        {("form.contact.phone", "kyc_contact")},
    ),
}


def test_the_sample_passes_every_check_alike_over_grpc_and_amqp(platform: Platform) -> None:
    form = sample()
    for participant in CHECKED:
        over_grpc = platform.check(participant, form)
        assert over_grpc.participant == participant
        assert list(over_grpc.rejections) == [], (participant, over_grpc.rejections)
        assert over_grpc.rule_set
        assert platform.check_over_amqp(participant, form) == over_grpc
    seal_set = platform.check("seal", form).rule_set
    assert seal_set.startswith("seal_policy.csv@")
    assert platform.check("invoice", form).rule_set.startswith("invoice-policy-")
    assert "+risk-" in platform.check("bank", form).rule_set


@pytest.mark.parametrize("case", CASES)
def test_each_broken_rule_is_named_by_its_form_field(platform: Platform, case: str) -> None:
    participant, change, expected = CASES[case]
    form = sample()
    change(form)
    answer = platform.check(participant, form)
    assert {(r.field, r.rule) for r in answer.rejections} == expected
    for rejection in answer.rejections:
        well_worded(rejection, participant)
    # The same answer over AMQP, byte for byte.
    assert platform.check_over_amqp(participant, form) == answer


def test_the_missing_finance_seal_is_named_and_said_to_be_the_platform_s_policy(
    platform: Platform,
) -> None:
    form = sample()
    _drop_finance_seal(form)
    (missing,) = platform.check("seal", form).rejections
    assert "财务专用章" in missing.message_zh and missing.message_zh.startswith("本平台要求")
    assert "finance seal" in missing.message_en


def test_a_check_writes_nothing_and_needs_a_signed_in_caller(platform: Platform) -> None:
    before = platform.row_counts()
    for participant, change, _ in CASES.values():
        form = sample()
        change(form)
        platform.check(participant, form)
        platform.check_over_amqp(participant, form)
    for participant in CHECKED:
        platform.check(participant, sample())
    assert platform.row_counts() == before
    for participant in CHECKED:
        stub = STUBS[participant](platform.channels[participant])
        call = partial(stub.CheckApplication, CheckApplicationRequest(form=sample()), timeout=10)
        refused(call, grpc.StatusCode.UNAUTHENTICATED)


# --------------------------------------------------------------------------- corrections


def test_seal_maker_asks_for_a_correction_and_the_corrected_order_completes(
    platform: Platform,
) -> None:
    form = sample()
    data = licensed(platform, form)
    key = platform.driver.send_step("seal", data)
    first = platform.driver.result(key, timeout=30)
    assert first.status.outcome == Outcome.OUTCOME_ACCEPTED  # physical seals: the seal maker
    task_id = first.status.task_id
    maker = credential(platform.settings, "seal_maker", "maker-wang", org="001")
    desk = platform.desk("seal")

    wanted = common_pb2.Rejection(
        field="form.seals[0]",
        rule="engraving_not_possible",
        message_zh="公章暂无法刻制实物印章，请改为只申请电子印章",
        message_en="the official seal cannot be engraved now: ask for the electronic seal only",
    )
    reason = "暂无法刻制实物公章"
    ask_for_correction(desk, desk_pb2.RejectTaskRequest, task_id, maker, reason, [wanted])
    asked = platform.driver.result(key, outcome=Outcome.OUTCOME_CORRECTION_REQUESTED)
    assert asked.status.task_id == task_id and asked.status.decided_by == "maker-wang"
    assert [(r.field, r.rule, r.participant) for r in asked.status.rejections] == [
        ("form.seals[0]", "engraving_not_possible", "seal")
    ]
    owner = credential(platform.settings, "entrepreneur", "alice")
    service = seal_pb2_grpc.SealServiceStub(platform.channels["seal"])
    listed = service.ListSeals(seal_pb2.ListSealsRequest(case_id=data.case_id), metadata=owner)
    withdrawn = {s.seal_code for s in listed.seals}
    assert {s.state for s in listed.seals} == {seal_pb2.SEAL_STATE_CANCELLED}
    task = desk.GetTask(desk_pb2.GetTaskRequest(task_id=task_id), metadata=maker).task
    assert task.state == desk_pb2.TASK_STATE_REJECTED
    assert task.details["correction_requested"] == "form.seals[0]"

    # The applicant corrects the form (electronic seals only); the saga re-sends the step.
    corrected = ApplicationForm()
    corrected.CopyFrom(form)
    for seal in corrected.seals:
        seal.physical, seal.electronic = False, True
    again = with_results(data, corrected)
    fresh_key = correction_key(data, "seal", "IssueSeals")
    made = platform.driver.done(platform.driver.send_step("seal", again, key=fresh_key))
    fresh = {s.seal_code for s in made.seals}
    assert len(fresh) == 4 and not fresh & withdrawn
    assert {s.state for s in made.seals} == {seal_pb2.SEAL_STATE_ACTIVE}
    # A replay of the first command still gets its own answer, the correction request.
    platform.driver.send_step("seal", data, key=key)
    replayed = platform.driver.results(key, count=3)[-1]
    assert replayed.status.outcome == Outcome.OUTCOME_CORRECTION_REQUESTED

    revoked = platform.driver.done(
        platform.driver.send_compensation("seal", with_results(again, corrected, seal=made))
    )
    assert set(revoked.revoked_seal_codes) == fresh | withdrawn
    after = service.ListSeals(seal_pb2.ListSealsRequest(case_id=data.case_id), metadata=owner)
    assert {s.state for s in after.seals} <= {
        seal_pb2.SEAL_STATE_REVOKED,
        seal_pb2.SEAL_STATE_CANCELLED,
    }


def test_a_seal_set_against_the_policy_is_sent_back_not_refused(platform: Platform) -> None:
    form = sample()
    data = licensed(platform, form)
    short = ApplicationForm()
    short.CopyFrom(form)
    _drop_finance_seal(short)
    key = f"{data.case_id}:seal:IssueSeals"
    asked = platform.driver.result(
        platform.driver.send_step("seal", with_results(data, short), key=key),
        timeout=30,
    )
    assert asked.status.outcome == Outcome.OUTCOME_CORRECTION_REQUESTED
    assert [(r.field, r.rule, r.participant) for r in asked.status.rejections] == [
        ("form.seals", "required_seal", "seal")
    ]
    owner = credential(platform.settings, "entrepreneur", "alice")
    service = seal_pb2_grpc.SealServiceStub(platform.channels["seal"])
    nothing = partial(
        service.ListSeals, seal_pb2.ListSealsRequest(case_id=data.case_id), metadata=owner
    )
    refused(nothing, grpc.StatusCode.NOT_FOUND)  # nothing was ordered
    for seal in form.seals:
        seal.physical, seal.electronic = False, True
    fixed_key = correction_key(data, "seal", "IssueSeals")
    made = platform.driver.done(
        platform.driver.send_step("seal", with_results(data, form), key=fixed_key)
    )
    assert len(made.seals) == 4


def test_tax_staff_ask_for_a_correction_and_the_corrected_registration_completes(
    platform: Platform,
) -> None:
    form = sample()
    data = licensed(platform, form)
    uscc = data.result("license").license.uscc
    key = f"{data.case_id}:invoice:RegisterTaxpayer"
    first = platform.driver.result(
        platform.driver.send_step("invoice", data, key=key),
        timeout=30,
    )
    assert first.status.outcome == Outcome.OUTCOME_ACCEPTED
    task_id = first.status.task_id
    staff = credential(platform.settings, "tax_staff", "tax-officer-1")
    desk = platform.desk("invoice")
    field = common_pb2.Rejection(field="form.invoice.finance_contact.id_number")
    reason = "财务负责人身份核验未通过"
    ask_for_correction(desk, desk_pb2.RejectTaskRequest, task_id, staff, reason, [field])
    asked = platform.driver.result(key, outcome=Outcome.OUTCOME_CORRECTION_REQUESTED)
    (named,) = asked.status.rejections
    assert (named.field, named.participant) == ("form.invoice.finance_contact.id_number", "invoice")
    assert "财务负责人身份核验未通过" in named.message_zh and named.message_en
    service = invoice_pb2_grpc.InvoiceServiceStub(platform.channels["invoice"])
    refused(
        lambda: service.GetTaxpayer(
            invoice_pb2.GetTaxpayerRequest(taxpayer_id=uscc), metadata=staff, timeout=10
        ),
        grpc.StatusCode.NOT_FOUND,
    )

    corrected = ApplicationForm()
    corrected.CopyFrom(form)
    corrected.invoice.finance_contact.CopyFrom(form.shareholders[0].person)
    fresh_key = correction_key(data, "invoice", "RegisterTaxpayer")
    request = register_taxpayer(with_results(data, corrected))
    again = platform.driver.result(
        platform.driver.send_step("invoice", data, key=fresh_key, command=request), timeout=30
    )
    assert again.status.outcome == Outcome.OUTCOME_ACCEPTED, again.status
    assert again.status.task_id != task_id
    desk.ApproveTask(
        invoice_pb2.ApproveTaskRequest(task_id=again.status.task_id), metadata=staff, timeout=10
    )
    registered = platform.driver.result(fresh_key, outcome=Outcome.OUTCOME_DONE)
    assert registered.taxpayer.taxpayer_id == uscc
    assert registered.taxpayer.state == invoice_pb2.TAXPAYER_STATE_ACTIVE

    cancelled = platform.driver.done(platform.driver.send_compensation("invoice", data))
    assert cancelled.taxpayer_id == uscc
    shown = service.GetTaxpayer(
        invoice_pb2.GetTaxpayerRequest(taxpayer_id=uscc), metadata=staff, timeout=10
    ).taxpayer
    assert shown.state == invoice_pb2.TAXPAYER_STATE_CANCELLED


def test_invoice_choices_against_the_rules_are_sent_back_not_refused(platform: Platform) -> None:
    form = sample()
    data = licensed(platform, form)
    special = ApplicationForm()
    special.CopyFrom(form)
    special.invoice.kinds.append(A.INVOICE_KIND_DIGITAL_SPECIAL)
    key = f"{data.case_id}:invoice:RegisterTaxpayer"
    request = register_taxpayer(with_results(data, special))
    asked = platform.driver.result(
        platform.driver.send_step("invoice", data, key=key, command=request), timeout=30
    )
    assert asked.status.outcome == Outcome.OUTCOME_CORRECTION_REQUESTED
    assert [(r.field, r.rule, r.participant) for r in asked.status.rejections] == [
        ("form.invoice.kinds", "special_invoice_needs_general_taxpayer", "invoice")
    ]
    assert not asked.HasField("taxpayer")
    fixed_key = correction_key(data, "invoice", "RegisterTaxpayer")
    again = platform.driver.result(
        platform.driver.send_step("invoice", data, key=fixed_key),
        timeout=30,
    )
    assert again.status.outcome == Outcome.OUTCOME_ACCEPTED


def _with_seals(platform: Platform, data: SagaData) -> SagaData:
    """Electronic seals for the case (issued at once), as the bank's step needs them."""
    key = platform.driver.send_step("seal", data)
    return with_results(data, data.form, seal=platform.driver.done(key))


def electronic_sample() -> ApplicationForm:
    form = sample()
    for seal in form.seals:
        seal.physical, seal.electronic = False, True
    return form


def test_bank_clerk_asks_for_a_correction_and_the_corrected_account_opens(
    platform: Platform,
) -> None:
    form = electronic_sample()
    data = _with_seals(platform, licensed(platform, form))
    uscc = data.result("license").license.uscc
    key = f"{data.case_id}:bank:OpenAccount"
    first = platform.driver.result(platform.driver.send_step("bank", data, key=key), timeout=30)
    assert first.status.outcome == Outcome.OUTCOME_ACCEPTED, first.status
    task_id = first.status.task_id
    clerk = credential(platform.settings, "bank_clerk", "clerk-icbc", org="102")
    desk = platform.desk("bank")
    field = common_pb2.Rejection(field="form.legal_representative.id_number")
    reason = "法定代表人证件影像不清晰"
    ask_for_correction(desk, desk_pb2.RejectTaskRequest, task_id, clerk, reason, [field])
    asked = platform.driver.result(key, outcome=Outcome.OUTCOME_CORRECTION_REQUESTED)
    assert [(r.field, r.participant) for r in asked.status.rejections] == [
        ("form.legal_representative.id_number", "bank")
    ]
    service = bank_pb2_grpc.BankServiceStub(platform.channels["bank"])
    admin = credential(platform.settings, "admin")
    withdrawn = service.GetAccount(
        bank_pb2.GetAccountRequest(uscc=uscc), metadata=admin, timeout=10
    ).account
    assert withdrawn.state == "withdrawn" and not withdrawn.account_number

    fresh_key = correction_key(data, "bank", "OpenAccount")
    again = platform.driver.result(
        platform.driver.send_step("bank", data, key=fresh_key), timeout=30
    )
    assert again.status.outcome == Outcome.OUTCOME_ACCEPTED, again.status
    assert again.status.task_id != task_id
    desk.ApproveTask(
        desk_pb2.ApproveTaskRequest(task_id=again.status.task_id, comment="核实无误"),
        metadata=clerk,
        timeout=10,
    )
    opened = platform.driver.result(fresh_key, outcome=Outcome.OUTCOME_DONE)
    assert opened.account.account_number and opened.account.state == "open"

    closed = platform.driver.done(platform.driver.send_compensation("bank", data))
    assert closed.account_number == opened.account.account_number
    after = service.GetAccount(bank_pb2.GetAccountRequest(uscc=uscc), metadata=admin, timeout=10)
    assert after.account.state == "closed"


def test_an_unknown_branch_is_sent_back_but_the_risk_list_is_final(platform: Platform) -> None:
    form = electronic_sample()
    form.bank.branch_name = "中国工商银行北京王府井支行"
    data = _with_seals(platform, licensed(platform, form))
    key = f"{data.case_id}:bank:OpenAccount"
    asked = platform.driver.result(platform.driver.send_step("bank", data, key=key), timeout=30)
    assert asked.status.outcome == Outcome.OUTCOME_CORRECTION_REQUESTED, asked.status
    assert [(r.field, r.rule, r.participant) for r in asked.status.rejections] == [
        ("form.bank.branch_name", "unknown_branch", "bank")
    ]
    corrected = ApplicationForm()
    corrected.CopyFrom(form)
    corrected.bank.branch_name = "中国工商银行天津宝坻支行"
    fixed = correction_key(data, "bank", "OpenAccount")
    request = open_account(with_results(data, corrected))
    again = platform.driver.result(
        platform.driver.send_step("bank", data, key=fixed, command=request), timeout=30
    )
    assert again.status.outcome == Outcome.OUTCOME_ACCEPTED, again.status

    risky = electronic_sample()
    _listed_shareholder(risky)
    listed = _with_seals(platform, licensed(platform, risky))
    refusal = platform.driver.result(
        platform.driver.send_step("bank", listed),
        timeout=30,
    )
    assert refusal.status.outcome == Outcome.OUTCOME_REJECTED
    assert ("form.shareholders[1].person.id_number", "risk_list") in {
        (r.field, r.rule) for r in refusal.status.rejections
    }
