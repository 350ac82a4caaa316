"""A citizen signs in with their real-name identity in a real browser, against the platform as
`onestop up` starts it (the local identity provider included): the portal's pages let the browser
go to the provider and back (its Content-Security-Policy allows the provider as a form's
destination), and the citizen lands on their own cases under their verified name."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Platform

# The browser's round trip to the identity provider does not depend on the database server
# (the account it lands on is test_portal_realname's, also run once).
pytestmark = pytest.mark.db_independent


def test_a_citizen_signs_in_in_a_browser_with_a_real_name_identity(
    platform: Platform, new_page: Any, screenshots: Path
) -> None:
    page = new_page()
    page.goto("/login")
    page.screenshot(path=str(screenshots / "login-realname.png"), full_page=True)
    page.get_by_role("button", name="实名认证登录").click()

    issuer = platform.settings.oidc_issuer_url
    expect(page).to_have_url(re.compile(re.escape(f"{issuer}/authorize?")))
    page.screenshot(path=str(screenshots / "realname-provider.png"), full_page=True)
    page.get_by_role("button", name=re.compile("李娜")).click()

    expect(page).to_have_url(f"{platform.url}/cases")
    expect(page.locator("li.who")).to_contain_text("李娜")
