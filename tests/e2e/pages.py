"""Playwright helpers that act as a person would: sign in, fill the application form field by
field (as typed text, choices and check boxes), and read what the page shows."""

from __future__ import annotations

import random
from typing import Any

from onestop.common.v1 import application_pb2
from onestop_cli.demo import demo_form
from portal import formdata

MULTI = formdata.MULTI


def fresh_form(seed: int | None = None) -> application_pb2.ApplicationForm:
    """The sample form with a fresh trade name and fresh employees (as the demo makes them)."""
    return demo_form(random.Random(seed))


def login(page: Any, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)


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
