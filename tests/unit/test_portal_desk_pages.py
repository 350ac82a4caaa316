"""The desk pages as staff read them, rendered by the portal's own routes against a stand-in for
the services (task data as each service writes it): no raw code in the visible text of any desk
page in Chinese or English, amounts and shares with units, every person of the application on
the officer's review, queue search and filters, and a rejection without a reason that claims
nothing."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from onestop.bank.v1 import bank_pb2
from onestop.common.v1 import application_pb2 as app_pb2
from onestop.common.v1 import common_pb2, desk_pb2
from onestop.invoice.v1 import invoice_pb2
from onestop.registration.v1 import registration_pb2
from onestop.seal.v1 import seal_pb2
from onestop.social_insurance.v1 import social_insurance_pb2
from onestop_common.protoconv import timestamp
from onestop_common.settings import Settings
from portal.app import create_app
from portal.store import PortalStore
from tests.support.portal import csrf_of, offline_settings, portal_store, sign_in

pytestmark = pytest.mark.db_independent

SNAKE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")
NOW = datetime.now(UTC)
ID = "110101199003074514"

DETAILS: dict[str, dict[str, str]] = {
    "officer": {
        "enterprise_type": "llc",
        "legal_representative": "李明",
        "registered_capital": "5000000 CNY",
        "division_code": "120101",
        "review_reasons": "auto.disabled: automatic approval is switched off for registration"
        " / 无人审批未开启\nauto.flag.name.restricted_word: the name has a restricted word"
        " / 名称含限制使用的字词",
        "flags": "business_scope.licensed: a scope item needs a licence / 经营范围含许可项目",
        "ruleset_version": "2025.1",
        "commitment": "domicile_proof,lease_contract",
        "commitment_made_at": "2026-01-05",
        "commitment_last_day": "2026-03-06",
        "correction_requested": "form.contact; form.seals",
    },
    "seal_maker": {
        "legal_representative_name": "李明",
        "division_code": "120101",
        "order_id": "ORD-1A2B",
        "physical_seals": "公章、财务专用章",
        "electronic_seals": "公章、发票专用章",
    },
    "tax_staff": {
        "tax_office": "国家税务总局天津市和平区税务局",
        "vat_status": "small_scale",
        "vat_status_legal_basis": "小规模纳税人：5000000 CNY",
        "legal_representative": "李明",
        "finance_contact": "王芳",
        "declares_proper_accounts": "no",
        "requested_kinds": "digital_ordinary,digital_special",
        "requested_max_amount_per_invoice": "1000000.00",
        "requested_monthly_quantity": "50",
        "standard_credit_line": "1000000.00",
        "expected_annual_sales": "6000000",
        "not_standard": "单张最高开票限额 1000000 超过标准 100000 / max per invoice above the "
        "standard limit",
        "rules_not_settled": "tax_office_120115: partial; small_scale_threshold_annual_sales: "
        "partial; general_taxpayer_registration_required: unverified",
    },
    "si_clerk": {
        "registration_number": "12010120260001",
        "employees": "3",
        "work_injury_risk_class": "2",
        "employer_total_first_month": "3456.78",
        "employee_total_first_month": "1234.5",
        "late_enrolment": "张伟",
        "base_adjusted": "",
        "review_reasons": "张伟: enrolled more than 30 days after hiring",
        "rate_table_version": "tianjin-2025",
        "rate_table_note": "rates as published for 2025",
    },
    "bank_clerk": {
        "bank": "102 中国工商银行",
        "branch": "天津和平支行",
        "beneficial_owners": f"李明 {ID} 0.6; 王芳 {ID} 0.4",
        "checks_failed": "legal_rep_seal_filed, beneficial_owner_id[1]",
        "review_reasons": "beneficial owner 王芳: the clerk verifies the document",
        "risk_list_version": "2025-06",
        "specimen_seals": "1201010000001, 1201010000002",
    },
}
COMPONENTS = {
    "officer": ("registration", registration_pb2),
    "seal_maker": ("seal", seal_pb2),
    "tax_staff": ("invoice", invoice_pb2),
    "si_clerk": ("social_insurance", social_insurance_pb2),
    "bank_clerk": ("bank", bank_pb2),
}
USERS = {
    "officer": ("olga", ""),
    "seal_maker": ("sam", "001"),
    "tax_staff": ("tina", ""),
    "si_clerk": ("simon", ""),
    "bank_clerk": ("bea", "102"),
}


def desk_task(desk: str, number: int, **extra: Any) -> desk_pb2.DeskTask:
    deadline = common_pb2.Deadline(limit_workdays="1.5", remaining_working_seconds=3 * 3600)
    deadline.due_at.CopyFrom(timestamp(NOW + timedelta(hours=20)))
    task = desk_pb2.DeskTask(
        task_id=f"T-{desk.upper()}-{number}",
        case_id=f"CASE{number:04d}",
        step=COMPONENTS[desk][0],
        state=extra.pop("state", desk_pb2.TASK_STATE_OPEN),
        company_name=f"天津星海科技{number}有限公司",
        summary="basic_deposit account; auto_check",
        deadline=deadline,
        **extra,
    )
    task.created_at.CopyFrom(timestamp(NOW - timedelta(days=number)))
    task.details.update(DETAILS[desk])
    return task


def person(name: str) -> common_pb2.Person:
    return common_pb2.Person(name=name, id_number=ID)


def form() -> app_pb2.ApplicationForm:
    f = app_pb2.ApplicationForm()
    f.name.trade_name = "星海"
    f.enterprise_type = app_pb2.ENTERPRISE_TYPE_LLC
    f.business_scope.add(name_zh="软件开发")
    f.business_scope.add(name_zh="信息系统集成服务")
    f.domicile.division_code = "120101"
    f.domicile.district = "和平区"
    f.domicile.detail = "南京路 189 号"
    f.registered_capital.CopyFrom(common_pb2.Money(amount="5000000", currency="CNY"))
    f.legal_representative.CopyFrom(person("李明"))
    for name, amount in (("李明", "3000000"), ("王芳", "2000000")):
        f.shareholders.add(
            person=person(name),
            subscribed=common_pb2.Money(amount=amount, currency="CNY"),
            form=app_pb2.CONTRIBUTION_FORM_CURRENCY,
            due_date="2030-12-31",
        )
    f.officers.add(person=person("赵强"), role=app_pb2.OFFICER_ROLE_SOLE_DIRECTOR)
    f.officers.add(person=person("钱敏"), role=app_pb2.OFFICER_ROLE_SUPERVISOR)
    f.officers.add(person=person("孙丽"), role=app_pb2.OFFICER_ROLE_MANAGER)
    f.contact.person.CopyFrom(person("周杰"))
    f.contact.phone = "13800138000"
    return f


class FakeDesks:
    """The five desk services as the portal's backend sees them; remembers every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def close(self) -> None:
        pass

    def call(self, account: Any, stub: Any, component: str, method: str, message: Any) -> Any:
        self.calls.append((component, method))
        desk = next(d for d, (c, _) in COMPONENTS.items() if c == component)
        pb = COMPONENTS[desk][1]
        if method == "ListTasks":
            if message.query.decided_by_me:
                done = desk_task(desk, 9, state=desk_pb2.TASK_STATE_REJECTED, reason="缺少材料")
                done.decided_by = account.username
                done.decided_at.CopyFrom(timestamp(NOW))
                return desk_pb2.ListTasksResponse(tasks=[done])
            late = desk_task(desk, 2)
            late.deadline.breached = True
            late.deadline.remaining_working_seconds = -3600
            return desk_pb2.ListTasksResponse(tasks=[desk_task(desk, 0), late])
        if method == "GetTask":
            response = pb.GetTaskResponse(task=desk_task(desk, 0))
            if desk == "officer":
                response.form.CopyFrom(form())
                response.review_reasons.extend(DETAILS[desk]["review_reasons"].split("\n"))
            elif desk == "bank_clerk":
                response.due_diligence.add(check="bank_known", passed=True, detail="中国工商银行")
                response.due_diligence.add(
                    check="legal_rep_seal_filed", passed=False, detail="no seal code"
                )
            elif desk == "si_clerk":
                response.employer.enrolments.add(
                    name="张伟",
                    social_security_number=ID,
                    hire_date="2026-01-02",
                    contribution_base=common_pb2.Money(amount="6000", currency="CNY"),
                )
            elif desk == "seal_maker":
                response.seals.add(
                    seal_code="1201010000001", text="天津星海科技有限公司", physical=True
                )
            return response
        raise AssertionError(f"unexpected {method}")


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return offline_settings(tmp_path_factory.mktemp("desks"))


@pytest.fixture(scope="module")
def store(settings: Settings) -> Iterator[PortalStore]:
    staff = [(username, desk, org) for desk, (username, org) in USERS.items()]
    with portal_store(settings, [*staff, ("ada", "admin", "")], cheap_hashing=True) as store:
        yield store


@pytest.fixture
def backend() -> FakeDesks:
    return FakeDesks()


@pytest.fixture
def client(settings: Settings, store: PortalStore, backend: FakeDesks) -> TestClient:
    return TestClient(create_app(settings, store=store, backend=backend), follow_redirects=False)  # type: ignore[arg-type]


def sign_in_at(client: TestClient, desk: str, lang: str = "zh") -> None:
    """Signs in the staff member of ``desk`` (or the account named ``desk``), reading ``lang``."""
    sign_in(client, USERS[desk][0] if desk in USERS else desk)
    client.cookies.set("lang", lang)


class VisibleText(HTMLParser):
    """The text a reader sees: no scripts, styles, attributes or hidden inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def page(client: TestClient, path: str, lang: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text[:500]
    return visible(response.text)


def test_no_desk_page_shows_a_raw_code(client: TestClient) -> None:
    for desk in USERS:
        sign_in_at(client, desk)
        for lang in ("zh", "en"):
            client.cookies.set("lang", lang)
            for path in (
                f"/desk/{desk}",
                f"/desk/{desk}?view=history",
                f"/desk/{desk}?part=queue",
                f"/desk/{desk}/tasks/T-{desk.upper()}-0",
            ):
                text = page(client, path, lang)
                assert "天津星海科技0有限公司" in text or "天津星海科技9有限公司" in text
                assert not SNAKE.findall(text), (desk, lang, path, SNAKE.findall(text))
                # Every page masks ID numbers, the social insurance clerk's enrolments too
                # until the clerk asks for the full numbers (below).
                assert ID not in text, f"an unmasked ID number on {path}"


def test_amounts_shares_and_dates_carry_their_units(client: TestClient) -> None:
    sign_in_at(client, "officer")
    zh = page(client, "/desk/officer/tasks/T-OFFICER-0", "zh")
    assert "500 万元" in zh and "60 %" in zh and "2030年12月31日" in zh
    client.cookies.set("lang", "en")
    en = page(client, "/desk/officer/tasks/T-OFFICER-0", "en")
    assert "5,000,000 yuan" in en and "3,000,000 yuan" in en and "40 %" in en
    assert "31 Dec 2030" in en
    sign_in_at(client, "bank_clerk", "en")
    bank = page(client, "/desk/bank_clerk/tasks/T-BANK_CLERK-0", "en")
    assert "60 %" in bank and "legal representative's seal filed with the police" in bank
    sign_in_at(client, "tax_staff", "zh")
    tax = page(client, "/desk/tax_staff/tasks/T-TAX_STAFF-0", "zh")
    assert "主管税务机关 120115：部分核实" in tax and "1,000,000.00 元" in tax


def test_the_officer_reviews_every_person_and_role(client: TestClient) -> None:
    sign_in_at(client, "officer")
    response = client.get("/desk/officer/tasks/T-OFFICER-0")
    rows = re.findall(r'<tr class="person">(.*?)</tr>', response.text, re.S)
    roles = [visible(row).split(" ")[0] for row in rows]
    assert roles == ["法定代表人", "股东", "股东", "执行董事", "监事", "经理", "联系人"] or (
        len(rows) == 7 and {"法定代表人", "监事", "经理", "联系人"} <= set(roles)
    ), roles
    assert ID not in response.text
    # The review reasons in the page's language, without the rules' dotted codes.
    text = visible(response.text)
    assert "无人审批未开启" in text and "auto.disabled" not in text and "auto.flag" not in text


def test_the_queue_is_searched_and_filtered(client: TestClient) -> None:
    sign_in_at(client, "si_clerk")
    for query, shown, hidden in (
        ({"q": "星海科技2"}, "CASE0002", "CASE0000"),
        ({"q": "case0000"}, "CASE0000", "CASE0002"),
        ({"risk": "breach"}, "CASE0002", "CASE0000"),
        ({"risk": "ok"}, "CASE0000", "CASE0002"),
        ({"age": "1"}, "CASE0002", "CASE0000"),
    ):
        text = client.get("/desk/si_clerk", params=query).text
        assert f'data-case="{shown}"' in text and f'data-case="{hidden}"' not in text, query
    history = client.get("/desk/si_clerk", params={"view": "history"}).text
    assert 'data-decision="rejected"' in history and "缺少材料" in history


def test_a_breached_task_says_so_in_words_not_only_colour(client: TestClient) -> None:
    sign_in_at(client, "si_clerk", "en")
    text = client.get("/desk/si_clerk").text
    row = re.search(r'<tr class="task-row[^"]*risk-breach".*?</tr>', text, re.S)
    assert row and "breach" in visible(row.group(0))


def test_a_rejection_without_a_reason_claims_nothing(
    client: TestClient, backend: FakeDesks
) -> None:
    sign_in_at(client, "bank_clerk")
    path = "/desk/bank_clerk/tasks/T-BANK_CLERK-0"
    response = client.post(
        f"{path}/reject", data={"csrf_token": csrf_of(client, path), "reason": " "}
    )
    assert response.status_code == 422
    error = re.search(r'id="reject-reason-error".*?</div>', response.text, re.S)
    assert (
        error and "请填写不予通过的理由" in error.group(0) and "Give the reason" in error.group(0)
    )
    decided = {m for _, m in backend.calls} & {"ClaimTask", "RejectTask"}
    assert not decided, backend.calls
    assert 'id="reject-reason" name="reason" rows="2" required' in response.text


def test_the_clerk_sees_full_social_security_numbers_only_on_asking(client: TestClient) -> None:
    path = "/desk/si_clerk/tasks/T-SI_CLERK-0"
    masked = "110***********4514"
    sign_in_at(client, "si_clerk")
    first = client.get(path).text
    cells = re.findall(r'<td [^>]*class="ssn">([^<]*)</td>', first)
    assert cells == [masked] and ID not in first
    shown_link = re.search(r'<a href="([^"]+)" id="show-ids"', first)
    assert shown_link and shown_link.group(1) == f"{path}?ids=full"
    full = client.get(shown_link.group(1)).text
    assert re.findall(r'<td [^>]*class="ssn">([^<]*)</td>', full) == [ID]
    assert 'id="hide-ids"' in full
    # The queue and the history stay masked, whatever is asked for.
    for listing in ("/desk/si_clerk?ids=full", "/desk/si_clerk?view=history&ids=full"):
        assert ID not in client.get(listing).text
    # An administrator reads the desk but decides nothing: masked, and no way to unmask.
    sign_in_at(client, "ada")
    as_admin = client.get(f"{path}?ids=full").text
    assert re.findall(r'<td [^>]*class="ssn">([^<]*)</td>', as_admin) == [masked]
    assert ID not in as_admin and 'id="show-ids"' not in as_admin
