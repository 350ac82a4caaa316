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

import pytest
from playwright.sync_api import expect

from onestop_common.pki import PkiStore
from tests.e2e.conftest import Platform, User
from tests.e2e.pages import fill_application, fresh_form, review_and_submit, signed_in_page

LIVE_TIMEOUT = 60_000


# What the browser shows does not depend on the database server.
@pytest.mark.db_independent
def test_entrepreneur_sees_two_mistakes_in_chinese_next_to_their_fields_fixes_them_and_submits(
    platform: Platform, new_page: Any, screenshots: Path
) -> None:
    page = signed_in_page(new_page, platform.user("entrepreneur"), "/apply")
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


# Its database paths (every desk's decision, the bundle) run on PostgreSQL in the desk
# integration tests and the demo's PostgreSQL pass.
@pytest.mark.once
def test_every_desk_acts_and_the_case_page_follows_live_to_a_verified_bundle(
    platform: Platform, new_page: Any, screenshots: Path
) -> None:
    page = signed_in_page(new_page, platform.user("entrepreneur"), "/apply")
    form = fresh_form()
    fill_application(page, form)
    page.screenshot(path=str(screenshots / "form.png"), full_page=True)
    case_id = review_and_submit(page)
    # A mark that survives only as long as the page is not reloaded.
    page.evaluate("window.__notReloaded = true")
    step = lambda name: page.locator(f'li.step[data-step="{name}"]')  # noqa: E731
    expect(step("license")).to_have_attribute("data-state", "ACCEPTED", timeout=LIVE_TIMEOUT)
    expect(page.locator("#live-indicator")).to_have_class("on")

    officer = signed_in_page(new_page, platform.user("officer"), "/desk/officer")
    row = officer.locator(f'tr[data-case="{case_id}"]')
    expect(row).to_be_visible()
    officer.screenshot(path=str(screenshots / "desk-officer.png"), full_page=True)
    _shows_no_raw_codes(officer)
    row.get_by_role("link").click()
    expect(officer.locator("h1")).to_contain_text(form.name.trade_name)
    officer.screenshot(path=str(screenshots / "task-officer.png"), full_page=True)
    _shows_no_raw_codes(officer)
    _finish_task(officer)

    expect(step("license")).to_have_attribute("data-state", "DONE", timeout=LIVE_TIMEOUT)
    expect(page.locator("#case-uscc")).to_have_text(re.compile(r"^9[0-9A-Z]{17}$"))
    for name in ("seal", "invoice", "social_insurance"):
        expect(step(name)).to_have_attribute("data-state", "ACCEPTED", timeout=LIVE_TIMEOUT)
    page.screenshot(path=str(screenshots / "case-in-progress.png"), full_page=True)

    sealer = _task_page(new_page, platform.user("seal_maker"), case_id)
    sealer.screenshot(path=str(screenshots / "task-seal-maker.png"), full_page=True)
    _shows_no_raw_codes(sealer)
    sealer.locator("#action-engrave").click()
    expect(sealer.locator(".seal-state").first).to_have_text("已刻制")
    _finish_task(sealer, "#action-complete")
    expect(step("seal")).to_have_attribute("data-state", "DONE", timeout=LIVE_TIMEOUT)

    tax = _task_page(new_page, platform.user("tax_staff"), case_id)
    expect(tax.locator("#q-qty")).to_have_value(str(form.invoice.monthly_quantity))
    _shows_no_raw_codes(tax)
    tax.locator("#q-qty").fill("40")
    _finish_task(tax)
    expect(step("invoice")).to_have_attribute("data-state", "DONE", timeout=LIVE_TIMEOUT)

    clerk = _task_page(new_page, platform.user("si_clerk"), case_id)
    _shows_no_raw_codes(clerk)
    _finish_task(clerk)
    expect(step("social_insurance")).to_have_attribute("data-state", "DONE", timeout=LIVE_TIMEOUT)

    expect(step("bank")).to_have_attribute("data-state", "ACCEPTED", timeout=LIVE_TIMEOUT)
    banker = _task_page(new_page, platform.user("bank_clerk", org=form.bank.bank_code), case_id)
    banker.screenshot(path=str(screenshots / "task-bank-clerk.png"), full_page=True)
    _shows_no_raw_codes(banker)
    _finish_task(banker)
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

    # Uploaded to the public verification page (no sign-in), it passes the same checks there.
    public = new_page()
    public.goto(f"{platform.url}/verify")
    bundle = {"name": "bundle.pdf", "mimeType": "application/pdf", "buffer": pdf}
    public.locator("#bundle").set_input_files(bundle)
    public.locator("#verify-upload").click()
    expect(public.locator("#bundle-verdict")).to_have_attribute("data-ok", "true")
    expect(public.locator("#bundle-checks td.bad")).to_have_count(0)
    expect(public.locator("#bundle-checks tbody tr")).to_have_count(len(report.checks))

    admin = signed_in_page(new_page, platform.user("admin"))
    expect(admin.locator("svg.chart line.limit:not(.legend)")).to_have_count(6)
    completed = admin.locator("table.steps tr", has_text="营业执照").locator("td.completed")
    expect(completed).not_to_have_text("0")
    admin.screenshot(path=str(screenshots / "admin-dashboard.png"), full_page=True)


# A code as the services write it (bank_known, tax_office_120115, digital_ordinary): staff must
# read words in the page's language instead.
RAW_CODE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")


def _shows_no_raw_codes(page: Any) -> None:
    shown = page.locator("main").inner_text()
    assert RAW_CODE.findall(shown) == [], f"{page.url} shows codes: {RAW_CODE.findall(shown)}"


def _task_page(new_page: Any, user: User, case_id: str) -> Any:
    """A new page signed in as ``user``, at the case's task on their desk."""
    page = signed_in_page(new_page, user, f"/desk/{user.role}")
    row = page.locator(f'tr[data-case="{case_id}"]')
    expect(row).to_be_visible()
    row.get_by_role("link").click()
    expect(page.locator("#actions")).to_be_visible()
    return page


def _finish_task(desk: Any, action: str = "#action-approve") -> None:
    """The desk takes ``action`` on the task it has open, and the task is done."""
    desk.locator(action).click()
    expect(desk.locator("#task-state")).to_have_attribute("data-state", "DONE")
