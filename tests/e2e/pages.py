"""Helpers that act as a person would: sign in (in a browser, or over plain HTTP with the
page's CSRF token), fill the application form field by field (as typed text, choices and check
boxes), read what the page shows, and have every desk approve a case."""

from __future__ import annotations

import random
import re
from typing import TYPE_CHECKING, Any

import grpc
import httpx

from onestop.common.v1 import application_pb2
from onestop.orchestrator.v1 import orchestrator_pb2 as pb
from onestop.orchestrator.v1 import orchestrator_pb2_grpc as pb_grpc
from onestop_cli.demo import demo_form, run_case
from onestop_common.pki import PkiStore
from onestop_common.signing import ValidationReport, validate_pdf
from portal import formdata
from tests.support.participant import credential
from tests.support.staff import Staff

if TYPE_CHECKING:
    from tests.e2e.conftest import Platform, User

MULTI = formdata.MULTI


def fresh_form(seed: int | None = None) -> application_pb2.ApplicationForm:
    """The sample form with a fresh trade name and fresh employees (as the demo makes them)."""
    return demo_form(random.Random(seed))


def login(page: Any, username: str, password: str) -> None:
    page.goto("/login")
    # Exactly: the password form's section ("用户名和密码登录") and the real-name sign-in
    # button above it ("实名认证登录") contain these words too.
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(lambda url: "/login" not in url)


def signed_in_page(new_page: Any, user: User, at: str = "", **viewport: int) -> Any:
    """A new page (a browser context of its own) signed in as ``user``, then at ``at``."""
    page = new_page(**viewport)
    login(page, user.username, user.password)
    if at:
        page.goto(at)
    return page


def fill_application(page: Any, form: application_pb2.ApplicationForm) -> dict[str, str]:
    """Fills the form on the current page with ``form``; returns the fields as typed."""
    fields = formdata.from_proto(form)
    for group in formdata.ROWS:
        wanted = int(fields.get(f"rows.{group}", "0"))
        while int(page.locator(f'input[name="rows.{group}"]').input_value()) < wanted:
            page.locator(f'button[value="add:{group}"]').click()
            page.wait_for_load_state()
    for name, value in fields.items():
        if name.startswith("rows."):
            continue
        if name in MULTI:
            chosen = set(value.split("\n")) - {""}
            for box in page.locator(f'input[type="checkbox"][name="{name}"]').all():
                box.set_checked(box.get_attribute("value") in chosen)
            continue
        element = page.locator(f'[name="{name}"]')
        if element.count() == 0:
            continue
        tag = element.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
        if tag.startswith("select"):
            element.select_option(value)
        elif tag == "input:checkbox":
            element.set_checked(bool(value))
        else:
            element.fill(value)
    return fields


# ---------------------------------------------------------------------------- over HTTP

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client: httpx.Client, path: str) -> str:
    """The session's CSRF token, as a page's forms carry it."""
    page = client.get(path)
    match = _CSRF.search(page.text)
    assert match, f"no CSRF token on {path} (HTTP {page.status_code})"
    return match.group(1)


def http_session(platform: Platform, user: User) -> httpx.Client:
    """A signed-in client of the running portal (no browser); redirects are not followed."""
    client = httpx.Client(base_url=platform.url, follow_redirects=False, timeout=120)
    response = client.post(
        "/login",
        data={
            "csrf_token": csrf_token(client, "/login"),
            "username": user.username,
            "password": user.password,
        },
    )
    assert response.status_code == 303, response.text
    return client


def validate_signed(platform: Platform, pdf: bytes) -> ValidationReport:
    """Every signature of ``pdf`` validated offline against the platform's root."""
    root = PkiStore(platform.settings.pki_dir, platform.settings.kek).root_certificate()
    return validate_pdf(pdf, trust_root=root)


# ---------------------------------------------------------------------------- the desks


def complete_case(
    platform: Platform, applicant: str, form: application_pb2.ApplicationForm | None = None
) -> pb.Application:
    """Submits ``form`` (a fresh one by default) as ``applicant`` and has every desk approve it
    (the demo's staff, acting through the desk APIs) until the case ends; the final application."""
    form = form or fresh_form()
    settings = platform.settings
    with Staff(settings, bank_codes={form.bank.bank_code}) as staff:
        run = run_case(
            pb_grpc.OneStopServiceStub(staff.channels["orchestrator"]),
            credential(settings, "entrepreneur", subject=applicant),
            form,
            None,
            staff.cases.add,
        )
    assert run.application is not None, f"case {run.case_id} did not end"
    return run.application


# ---------------------------------------------------------------------------- checked before issue


def leave_the_form(page: Any) -> None:
    """Moves focus out of the form's sections, as a person does when they are done typing:
    the section they were in is checked too."""
    page.locator("#review-application").focus()


def review_and_submit(page: Any) -> str:
    """From the filled form: on to the review page ("核对信息"), then submit; the new case id."""
    page.locator("#review-application").click()
    page.wait_for_url("**/apply/review?draft=*")
    page.locator("#submit-application").click()
    page.wait_for_url("**/cases/OS*")
    return str(page.url.rsplit("/", 1)[1])


def field_errors(page: Any, anchor: str) -> Any:
    """The error block the form shows next to ``anchor`` (an input name, a row or a section)."""
    return page.locator(f'[data-errors-for="{anchor}"]')


def cases_of(platform: Platform, applicant: str) -> list[pb.Application]:
    """The applicant's cases, as the orchestrator lists them."""
    with grpc.insecure_channel(platform.settings.grpc_target("orchestrator")) as channel:
        listed = pb_grpc.OneStopServiceStub(channel).ListApplications(
            pb.ListApplicationsRequest(page_size=50),
            metadata=credential(platform.settings, "entrepreneur", subject=applicant),
            timeout=30,
        )
    return list(listed.applications)
