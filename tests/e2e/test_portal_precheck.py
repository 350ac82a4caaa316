"""One form, checked whole before anything is issued, and corrected rather than undone, in a real
browser against the whole platform:

- flawed applications from the shared corpus (tests/support/flawed_applications.py), one per
  participant at least, typed into the web form: each flaw is shown next to its field, naming
  the person or row, in the page's language only, as the applicant leaves the section and again
  when they ask to review; no case is ever created;
- a clean application: required fields marked, only served districts offered, Enter never
  submits, rows added and removed in place, the draft autosaved, every answer listed on the
  review page with a change link, and only then submitted;
- a case a desk sends back for correction: the case page says which step, which fields and why,
  and that the step's clock is paused; the correction page holds only those fields, and the
  correction (sent with an update mask) puts the step back to work.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import grpc
import pytest
from playwright.sync_api import expect

from onestop.common.v1 import application_pb2, common_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from portal import catalogue, formdata
from tests.e2e.conftest import Platform
from tests.e2e.pages import (
    cases_of,
    field_errors,
    fill_application,
    fresh_form,
    leave_the_form,
    login,
    review_and_submit,
    signed_in_page,
)
from tests.support.cases import watch_for
from tests.support.flawed_applications import FLAWS, Flaw, FlawContext, matching
from tests.support.participant import credential
from tests.support.staff import Staff

# What the browser shows next to a field does not depend on the database server; the checks
# behind it run on PostgreSQL in the integration tests.
pytestmark = pytest.mark.db_independent

LIVE_TIMEOUT = 60_000
# Flaws a person can type into the web form (the others need values the form does not offer,
# e.g. an enterprise type outside the list), one of every participant's rules: each fills the
# whole form in a browser (~18 s), and every flaw of the corpus is refused in
# tests/integration/test_flawed_applications.py.
IN_THE_BROWSER = (
    "contact_phone_missing",  # orchestrator: completeness
    "legal_representative_id_17_digits",  # registration (a person's row)
    "no_finance_seal",  # seal
    "special_invoice_without_general_taxpayer",  # invoice
    "employee_id_check_character",  # social insurance
    "bank_branch_of_another_bank",  # bank
)
BY_ID = {flaw.id: flaw for flaw in FLAWS}


def _expected(platform: Platform, applicant: str, flaw: Flaw, form: Any) -> common_pb2.Rejection:
    """The rejection the platform gives for the flaw (what the page must show, and where)."""
    with grpc.insecure_channel(platform.settings.grpc_target("orchestrator")) as channel:
        answer = pb_grpc.OneStopServiceStub(channel).ValidateApplication(
            pb.ValidateApplicationRequest(form=form),
            metadata=credential(platform.settings, "entrepreneur", subject=applicant),
            timeout=60,
        )
    found = matching(flaw, answer.rejections)
    assert found, f"{flaw.id}: the platform did not name {flaw.field}: {answer.rejections}"
    return found[0]


def _anchor(rejection: common_pb2.Rejection, fields: dict[str, str]) -> str:
    return formdata.place([rejection], fields)[0].anchor


def _no_rule_ids(page: Any, rejection: common_pb2.Rejection) -> None:
    if re.search(r"[._]", rejection.rule):
        expect(page.locator("main")).not_to_contain_text(rejection.rule)


@pytest.mark.parametrize("flaw_id", IN_THE_BROWSER)
def test_a_flaw_is_shown_next_to_its_field_before_submission_and_no_case_is_created(
    platform: Platform, new_page: Any, screenshots: Path, flaw_id: str
) -> None:
    flaw = BY_ID[flaw_id]
    ctx = FlawContext.fresh()
    form = flaw.form(ctx)
    applicant = platform.user("entrepreneur")
    expected = _expected(platform, applicant.username, flaw, form)
    page = signed_in_page(new_page, applicant, "/apply")
    page.evaluate("window.__sameDocument = true")

    fields = fill_application(page, form)
    leave_the_form(page)

    # Next to its field, as the section is left: Chinese only, naming the person or row.
    block = field_errors(page, _anchor(expected, fields))
    expect(block).to_contain_text(expected.message_zh, timeout=LIVE_TIMEOUT)
    if expected.subject_zh:
        expect(block).to_contain_text(expected.subject_zh)
        expect(block).to_contain_text(flaw.expected_subject(ctx))
    if expected.message_en and expected.message_en not in expected.message_zh:
        expect(block).not_to_contain_text(expected.message_en)
    _no_rule_ids(page, expected)
    assert page.evaluate("window.__sameDocument") is True, "the form was sent"
    block.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / f"precheck-{flaw_id}.png"))
    assert cases_of(platform, applicant.username) == []

    # Asking to review checks the whole form again: the same error, on the form, no case.
    page.locator("#review-application").click()
    expect(page.locator("#error-summary")).to_contain_text(expected.message_zh)
    expect(field_errors(page, _anchor(expected, fields))).to_contain_text(expected.message_zh)
    assert "/apply/review" not in page.url or page.locator("#application-form").count() == 1
    expect(page.locator("#submit-application")).to_have_count(0)
    assert cases_of(platform, applicant.username) == []


def test_an_english_page_shows_the_flaw_in_english_only(platform: Platform, new_page: Any) -> None:
    flaw = BY_ID["employee_id_check_character"]
    ctx = FlawContext.fresh()
    form = flaw.form(ctx)
    applicant = platform.user("entrepreneur")
    expected = _expected(platform, applicant.username, flaw, form)
    page = signed_in_page(new_page, applicant, "/lang?to=en&next=/apply")
    expect(page.locator("h1")).to_have_text("Company start-up application")

    fields = fill_application(page, form)
    leave_the_form(page)
    block = field_errors(page, _anchor(expected, fields))
    expect(block).to_contain_text(expected.message_en, timeout=LIVE_TIMEOUT)
    expect(block).to_contain_text(expected.subject_en)
    expect(block).not_to_contain_text(expected.message_zh)
    expect(block).not_to_contain_text("职工")
    page.locator("#review-application").click()
    expect(page.locator("#error-summary")).to_contain_text(expected.message_en)
    expect(page.locator("#error-summary")).not_to_contain_text(expected.message_zh)
    assert cases_of(platform, applicant.username) == []

    # Corrected, the section checks out, and the review page speaks English too.
    good = ctx.employees[1].id_number
    page.locator('[name="employees[1].person.id_number"]').fill(good)
    leave_the_form(page)
    expect(page.locator("#status-employees")).to_contain_text("This section checks out")
    expect(block).to_have_count(0)
    page.locator("#review-application").click()
    page.wait_for_url("**/apply/review?draft=*")
    expect(page.locator("h1")).to_contain_text("Check your answers")
    expect(page.locator("#review-bank-h")).to_have_text("Bank account")
    expect(page.locator('[data-answer="employees[1].person.id_number"] dd')).to_have_text(good)
    expect(page.locator('[data-answer="enterprise_type"] dd')).to_have_text(
        "Limited liability company"
    )
    expect(page.locator("#submit-application")).to_have_text("Accept and submit the application")


def test_a_clean_application_is_reviewed_whole_then_submitted(
    platform: Platform, new_page: Any, screenshots: Path
) -> None:
    applicant = platform.user("entrepreneur")
    page = signed_in_page(new_page, applicant, "/apply")

    # Required fields are marked, the contact person, their phone and the bank branch among them.
    for name in ("contact.person.name", "contact.phone", "bank.branch_name", "name.trade_name"):
        expect(page.locator(f'label[for="{formdata.dom_id(name)}"] .req')).to_have_count(1)
        expect(page.locator(f'[name="{name}"]')).to_have_attribute("aria-required", "true")
    # Only the districts the platform serves are offered.
    offered = page.locator('select[name="domicile.division_code"] option').evaluate_all(
        "options => options.map(o => o.value).filter(Boolean)"
    )
    assert offered == [c.value for c in catalogue.served_districts()] == ["120115"]

    form = fresh_form()
    fill_application(page, form)
    page.evaluate("window.__sameDocument = true")

    # Enter in a text field never submits the application.
    page.locator('[name="bank.branch_name"]').press("Enter")
    page.locator('[name="name.trade_name"]').press("Enter")
    page.wait_for_timeout(500)
    assert page.evaluate("window.__sameDocument") is True
    assert cases_of(platform, applicant.username) == []

    # The draft is kept as it is typed.
    expect(page.locator("#autosave-status")).to_contain_text("已自动保存", timeout=LIVE_TIMEOUT)
    expect(page).to_have_url(re.compile(r"/apply\?draft=[0-9a-f]{32}"))

    # Rows are added where the page is (it does not jump) and removed, the rest renumbered.
    add = page.locator('button[value="add:employees"]')
    add.scroll_into_view_if_needed()
    before = page.evaluate("window.scrollY")
    add.click()
    add.click()
    assert page.evaluate("window.scrollY") == before
    expect(page.locator('[name="employees[3].person.name"]')).to_be_focused()
    page.locator('[name="employees[3].person.name"]').fill("赵六")
    page.locator("#f-employees-2").get_by_role("button", name="删除此行").click()
    expect(page.locator('[name="employees[2].person.name"]')).to_have_value("赵六")
    expect(page.locator("#f-employees-2 legend")).to_contain_text("职工 3")
    expect(page.locator('[name="employees[3].person.name"]')).to_have_count(0)
    page.locator("#f-employees-2").get_by_role("button", name="删除此行").click()
    expect(page.locator('input[name="rows.employees"]')).to_have_value("2")
    expect(page.locator('[name="employees[1].person.name"]')).to_have_value(
        form.employees[1].person.name
    )
    assert page.evaluate("window.__sameDocument") is True

    # Each section is checked as it is left: a clean form checks out everywhere.
    leave_the_form(page)
    expect(page.locator("#status-employees")).to_contain_text("未发现问题", timeout=LIVE_TIMEOUT)
    expect(page.locator("[data-check-section][aria-busy]")).to_have_count(0, timeout=LIVE_TIMEOUT)
    expect(page.locator('[data-checked="problems"]')).to_have_count(0)
    for key in ("name", "capital", "people", "invoice", "bank"):
        expect(page.locator(f"#status-{key}")).to_contain_text("未发现问题")
    expect(page.locator(".field-errors")).to_have_count(0)

    # The review page lists every answer, each section with a change link.
    page.locator("#review-application").click()
    page.wait_for_url("**/apply/review?draft=*")
    expect(page.locator("h1")).to_contain_text("核对信息")
    for section in formdata.PAGE_SECTIONS:
        expect(page.locator(f"#review-{section.key}")).to_be_visible()
        expect(page.locator(f'a[data-change="{section.key}"]')).to_have_attribute(
            "href", re.compile(rf"/apply\?draft=[0-9a-f]{{32}}#{formdata.dom_id(section.anchor)}$")
        )
    answer = lambda name: page.locator(f'[data-answer="{name}"] dd')  # noqa: E731
    expect(answer("bank.branch_name")).to_have_text(form.bank.branch_name)
    expect(answer("contact.phone")).to_have_text(form.contact.phone)
    expect(answer("name.trade_name")).to_have_text(form.name.trade_name)
    expect(answer("employees[1].person.id_number")).to_have_text(form.employees[1].person.id_number)
    expect(answer("enterprise_type")).to_contain_text("有限责任公司")
    expect(answer("seals")).to_contain_text("财务专用章")
    # The form's completeness and the five participants' rules were all asked.
    expect(page.locator("#checks li")).to_have_count(6)
    page.screenshot(path=str(screenshots / "review.png"), full_page=True)
    assert cases_of(platform, applicant.username) == []

    # A change link leads back to its section with what was typed.
    page.locator('a[data-change="bank"]').click()
    expect(page).to_have_url(re.compile(r"#f-bank$"))
    expect(page.locator('[name="bank.branch_name"]')).to_have_value(form.bank.branch_name)

    case_id = review_and_submit(page)
    expect(page.locator("h1")).to_contain_text(form.name.trade_name)
    assert [c.case_id for c in cases_of(platform, applicant.username)] == [case_id]
    page.goto("/cases")
    expect(page.locator("main")).to_contain_text("没有草稿")


def test_a_case_sent_back_for_correction_is_corrected_in_only_the_named_fields(
    platform: Platform, new_page: Any, screenshots: Path
) -> None:
    applicant = platform.user("entrepreneur")
    form = fresh_form()
    settings = platform.settings
    with Staff(settings, steps=["license"]) as staff:
        stub = pb_grpc.OneStopServiceStub(staff.channels["orchestrator"])
        case_id = stub.SubmitApplication(
            pb.SubmitApplicationRequest(idempotency_key=uuid.uuid4().hex, form=form),
            metadata=credential(settings, "entrepreneur", subject=applicant.username),
            timeout=60,
        ).application.case_id
        staff.cases.add(case_id)
        watch_for(
            stub,
            settings,
            case_id,
            lambda app: any(
                s.name == "social_insurance" and s.state == common_pb2.STEP_STATE_ACCEPTED
                for s in app.steps
            ),
            applicant=applicant.username,
            timeout=120,
        )

    # The applicant follows the case live.
    page = signed_in_page(new_page, applicant, f"/cases/{case_id}")
    page.evaluate("window.__sameDocument = true")

    # The social insurance clerk sends the employees back for correction.
    reason = "职工 2 的岗位与劳动合同不一致，请核对后补正"
    clerk = new_page()
    si_clerk = platform.user("si_clerk")
    login(clerk, si_clerk.username, si_clerk.password)
    clerk.goto("/desk/si_clerk")
    clerk.locator(f'tr[data-case="{case_id}"]').get_by_role("link").click()
    clerk.locator("#return-section").select_option("employees")
    clerk.locator("#return-reason").fill(reason)
    clerk.screenshot(path=str(screenshots / "desk-return-for-correction.png"), full_page=True)
    clerk.locator("#action-return").click()
    # The task is closed (the corrected form comes back as a new task).
    expect(clerk.locator(".flash")).to_contain_text("已退回申请人补正")
    expect(clerk.locator("#task-closed")).to_be_visible()

    # The case page says so, live: which step, which fields and why, the clock paused.
    expect(page.locator("#case-state")).to_have_attribute(
        "data-state", "AWAITING_APPLICANT", timeout=LIVE_TIMEOUT
    )
    panel = page.locator("#awaiting-applicant")
    expect(panel).to_be_visible()
    expect(panel.locator(".awaiting-step")).to_have_text("社保登记")
    expect(panel.locator('tr[data-field="form.employees"]')).to_contain_text("职工参保")
    expect(panel.locator('tr[data-field="form.employees"]')).to_contain_text(reason)
    expect(page.locator("#clock-paused")).to_contain_text("暂停计时")
    expect(page.locator('li.step[data-step="social_insurance"]')).to_have_attribute(
        "data-state", "AWAITING_APPLICANT"
    )
    assert page.evaluate("window.__sameDocument") is True
    page.screenshot(path=str(screenshots / "case-awaiting-applicant.png"), full_page=True)

    # The correction page holds only the named part, pre-filled from the case's form.
    page.locator("#correct-link").click()
    page.wait_for_url(f"**/cases/{case_id}/correct")
    expect(page.locator("#correction-request")).to_contain_text("社保登记")
    expect(page.locator("#correction-request")).to_contain_text("暂停计时")
    expect(page.locator('[name="employees[1].position"]')).to_have_value(form.employees[1].position)
    for elsewhere in ("name.trade_name", "bank.branch_name", "contact.phone", "seals"):
        expect(page.locator(f'[name="{elsewhere}"]')).to_have_count(0)
    expect(page.locator("#review-application")).to_have_count(0)
    page.locator('[name="employees[1].position"]').fill("行政主管")
    page.screenshot(path=str(screenshots / "correction.png"), full_page=True)
    page.locator("#submit-correction").click()

    page.wait_for_url(f"**/cases/{case_id}")
    expect(page.locator("#case-state")).not_to_have_attribute(
        "data-state", "AWAITING_APPLICANT", timeout=LIVE_TIMEOUT
    )
    expect(page.locator("#awaiting-applicant")).to_have_count(0)
    with grpc.insecure_channel(settings.grpc_target("orchestrator")) as channel:
        app = (
            pb_grpc.OneStopServiceStub(channel)
            .GetApplication(
                pb.GetApplicationRequest(case_id=case_id),
                metadata=credential(settings, "entrepreneur", subject=applicant.username),
                timeout=30,
            )
            .application
        )
    assert app.form.employees[1].position == "行政主管"
    # Nothing outside the mask changed.
    expected = application_pb2.ApplicationForm()
    expected.CopyFrom(form)
    expected.employees[1].position = "行政主管"
    assert app.form.bank == expected.bank and app.form.name == expected.name
    assert app.form.employees == expected.employees
    steps = {s.name: s.state for s in app.steps}
    assert steps["license"] == common_pb2.STEP_STATE_DONE
    assert steps["social_insurance"] != common_pb2.STEP_STATE_AWAITING_APPLICANT
