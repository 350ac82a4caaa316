"""An entrepreneur's journey through the portal in a real browser, every desk acting by hand:
the form with mistakes shown next to their fields, reviewed whole before it is submitted, the
case page following each desk live (server-sent events, no reload), and the signed bundle
downloaded and verified."""

from __future__ import annotations

import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from onestop_common.pki import PkiStore
from tests.e2e.conftest import Platform
from tests.e2e.pages import fill_application, fresh_form, login, review_and_submit

LIVE_TIMEOUT = 60_000


def test_entrepreneur_sees_two_mistakes_in_chinese_next_to_their_fields_fixes_them_and_submits(
    platform: Platform, new_page: Any, screenshots: Path
) -> None:
    applicant = platform.user("entrepreneur")
    page = new_page()
    login(page, applicant.username, applicant.password)
    page.goto("/apply")
    form = fresh_form()
    good_subscription = form.shareholders[1].subscribed.amount
    good_supervisor_id = form.officers[2].person.id_number
    # Mistake 1: the contributions no longer add up to the registered capital.
    form.shareholders[1].subscribed.amount = "300000.00"
    # Mistake 2: the supervisor's citizen ID number with a wrong check character.
    wrong_check = "0" if good_supervisor_id[-1] != "0" else "1"
    form.officers[2].person.id_number = good_supervisor_id[:-1] + wrong_check
    fill_application(page, form)
    # The live checks as typed: the ID number and the capital sum.
    expect(page.locator("#f-officers-2-person-id_number-live")).to_contain_text("校验码")
    expect(page.locator("#capital-sum")).to_contain_text("不一致")
    page.locator("#review-application").click()

    shareholders_errors = page.locator('[data-errors-for="shareholders"]')
    id_errors = page.locator('[data-errors-for="officers[2].person.id_number"]')
    expect(shareholders_errors).to_contain_text("与注册资本 1000000.00 元不相等")
    expect(id_errors).to_contain_text("校验码")
    expect(id_errors).to_contain_text("ISO 7064 MOD 11-2")
    # Next to their fields: inside the shareholders block and right under the ID input.
    expect(
        page.locator("#f-shareholders").locator('[data-errors-for="shareholders"]')
    ).to_have_count(1)
    expect(page.locator("#f-officers-2-person-id_number")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".error-summary li")).to_have_count(2)
    # What was typed is kept.
    expect(page.locator('[name="name.trade_name"]')).to_have_value(form.name.trade_name)
    expect(page.locator('[name="officers[2].person.id_number"]')).to_have_value(
        form.officers[2].person.id_number
    )
    page.locator("#f-officers-2-person-id_number").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "form-with-errors.png"), full_page=True)

    page.locator('[name="shareholders[1].subscribed.amount"]').fill(good_subscription)
    page.locator('[name="officers[2].person.id_number"]').fill(good_supervisor_id)
    expect(page.locator("#capital-sum")).to_contain_text("与注册资本一致")
    expect(page.locator("#f-officers-2-person-id_number-live")).to_contain_text("校验通过")
    review_and_submit(page)

    expect(page.locator("h1")).to_contain_text(form.name.trade_name)
    expect(page.locator('[data-step="license"]')).to_be_visible()


def test_every_desk_acts_and_the_case_page_follows_live_to_a_verified_bundle(
    platform: Platform, new_page: Any, screenshots: Path
) -> None:
    applicant = platform.user("entrepreneur")
    page = new_page()
    login(page, applicant.username, applicant.password)
    page.goto("/apply")
    form = fresh_form()
    fill_application(page, form)
    page.screenshot(path=str(screenshots / "form.png"), full_page=True)
    case_id = review_and_submit(page)
    # A mark that survives only as long as the page is not reloaded.
    page.evaluate("window.__notReloaded = true")
    step = lambda name: page.locator(f'li.step[data-step="{name}"]')  # noqa: E731
    expect(step("license")).to_have_attribute("data-state", "ACCEPTED", timeout=LIVE_TIMEOUT)
    expect(page.locator("#live-indicator")).to_have_class("on")

    officer = new_page()
    login(officer, *_credentials(platform.user("officer")))
    officer.goto("/desk/officer")
    row = officer.locator(f'tr[data-case="{case_id}"]')
    expect(row).to_be_visible()
    officer.screenshot(path=str(screenshots / "desk-officer.png"), full_page=True)
    row.get_by_role("link").click()
    expect(officer.locator("h1")).to_contain_text(form.name.trade_name)
    officer.screenshot(path=str(screenshots / "task-officer.png"), full_page=True)
    officer.locator("#action-approve").click()
    expect(officer.locator("#task-state")).to_have_attribute("data-state", "DONE")

    expect(step("license")).to_have_attribute("data-state", "DONE", timeout=LIVE_TIMEOUT)
    expect(page.locator("#case-uscc")).to_have_text(re.compile(r"^9[0-9A-Z]{17}$"))
    for name in ("seal", "invoice", "social_insurance"):
        expect(step(name)).to_have_attribute("data-state", "ACCEPTED", timeout=LIVE_TIMEOUT)
    page.screenshot(path=str(screenshots / "case-in-progress.png"), full_page=True)

    sealer = new_page()
    login(sealer, *_credentials(platform.user("seal_maker")))
    _open_task(sealer, "seal_maker", case_id)
    sealer.screenshot(path=str(screenshots / "task-seal-maker.png"), full_page=True)
    sealer.locator("#action-engrave").click()
    expect(sealer.locator(".seal-state").first).to_have_text("已刻制")
    sealer.locator("#action-complete").click()
    expect(sealer.locator("#task-state")).to_have_attribute("data-state", "DONE")
    expect(step("seal")).to_have_attribute("data-state", "DONE", timeout=LIVE_TIMEOUT)

    tax = new_page()
    login(tax, *_credentials(platform.user("tax_staff")))
    _open_task(tax, "tax_staff", case_id)
    expect(tax.locator("#q-qty")).to_have_value(str(form.invoice.monthly_quantity))
    tax.locator("#q-qty").fill("40")
    tax.locator("#action-approve").click()
    expect(tax.locator("#task-state")).to_have_attribute("data-state", "DONE")
    expect(step("invoice")).to_have_attribute("data-state", "DONE", timeout=LIVE_TIMEOUT)

    clerk = new_page()
    login(clerk, *_credentials(platform.user("si_clerk")))
    _open_task(clerk, "si_clerk", case_id)
    clerk.locator("#action-approve").click()
    expect(clerk.locator("#task-state")).to_have_attribute("data-state", "DONE")
    expect(step("social_insurance")).to_have_attribute("data-state", "DONE", timeout=LIVE_TIMEOUT)

    expect(step("bank")).to_have_attribute("data-state", "ACCEPTED", timeout=LIVE_TIMEOUT)
    banker = new_page()
    login(banker, *_credentials(platform.user("bank_clerk", org=form.bank.bank_code)))
    _open_task(banker, "bank_clerk", case_id)
    banker.screenshot(path=str(screenshots / "task-bank-clerk.png"), full_page=True)
    banker.locator("#action-approve").click()
    expect(banker.locator("#task-state")).to_have_attribute("data-state", "DONE")
    expect(step("bank")).to_have_attribute("data-state", "DONE", timeout=LIVE_TIMEOUT)

    expect(page.locator("#case-state")).to_have_attribute(
        "data-state", "COMPLETED", timeout=LIVE_TIMEOUT
    )
    download_link = page.locator("#bundle-download")
    expect(download_link).to_be_visible(timeout=LIVE_TIMEOUT)
    assert page.evaluate("window.__notReloaded === true"), "the case page was reloaded"
    page.screenshot(path=str(screenshots / "case-completed.png"), full_page=True)

    with page.expect_download() as event:
        download_link.click()
    pdf = Path(event.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    from onestop_cli.verify import verify_bundle

    root = PkiStore(platform.settings.pki_dir, platform.settings.kek).root_certificate()
    # Playwright's sync API keeps an event loop in this thread; the verifier starts its own.
    with ThreadPoolExecutor(1) as pool:
        report = pool.submit(verify_bundle, pdf, trust_root=root).result()
    assert report.ok, report.pretty()
    (screenshots.parent / "bundle.sha256").write_text(hashlib.sha256(pdf).hexdigest() + "\n")

    admin = new_page()
    login(admin, *_credentials(platform.user("admin")))
    expect(admin.locator("svg.chart line.limit:not(.legend)")).to_have_count(6)
    completed = admin.locator("table.steps tr", has_text="营业执照").locator("td.completed")
    expect(completed).not_to_have_text("0")
    admin.screenshot(path=str(screenshots / "admin-dashboard.png"), full_page=True)


def _credentials(user: Any) -> tuple[str, str]:
    return user.username, user.password


def _open_task(page: Any, role: str, case_id: str) -> None:
    page.goto(f"/desk/{role}")
    row = page.locator(f'tr[data-case="{case_id}"]')
    expect(row).to_be_visible()
    row.get_by_role("link").click()
    expect(page.locator("#actions")).to_be_visible()
