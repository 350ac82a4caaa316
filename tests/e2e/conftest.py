"""The whole platform (orchestrator, five services, portal) started as ``onestop up`` starts it,
every desk deciding by hand (ONESTOP_AUTO_APPROVE=none), and a headless Chromium driven by
Playwright against the portal.

One platform serves the whole e2e session (starting seven processes takes a while); each test
uses fresh accounts, trade names and employees, so tests do not depend on each other.
"""

from __future__ import annotations

import secrets
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from onestop_cli.supervisor import COMPONENT_ORDER, Supervisor
from onestop_common.settings import Settings
from portal.store import PortalStore
from tests.integration.conftest import PlatformFactory
from tests.support.infra import databases, rabbit_vhost
from tests.support.portal import portal_store

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-output" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A Thursday in office hours, within the years the business calendar knows.
CLOCK_START = "2026-11-26T09:30:00+08:00"


@dataclass(frozen=True)
class User:
    username: str
    password: str
    role: str
    org: str = ""


@dataclass
class Platform:
    supervisor: Supervisor
    store: PortalStore

    @property
    def settings(self) -> Settings:
        return self.supervisor.settings

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.http_port('portal')}"

    def user(self, role: str, org: str = "") -> User:
        """A fresh account with this role (and organisation)."""
        if role == "seal_maker" and not org:
            org = self.settings.seal_maker_id
        username = f"{role.replace('_', '-')}-{uuid.uuid4().hex[:6]}"
        password = secrets.token_urlsafe(12)
        self.store.add_user(username, password, role, org=org)
        return User(username, password, role, org)


@pytest.fixture(scope="session")
def platform() -> Iterator[Platform]:
    with (
        tempfile.TemporaryDirectory(prefix="onestop-e2e-") as tmp,
        rabbit_vhost() as vhost,
        databases(Path(tmp)) as database_url,
    ):
        factory = PlatformFactory(Path(tmp), vhost, database_url)
        try:
            supervisor = factory.start(
                COMPONENT_ORDER,
                ONESTOP_AUTO_APPROVE="none",
                ONESTOP_CLOCK_START=CLOCK_START,
                ONESTOP_LOG_LEVEL="WARNING",
            )
            with portal_store(supervisor.settings) as store:
                yield Platform(supervisor, store)
        finally:
            factory.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(browser: object, platform: Platform) -> Iterator[object]:
    """Opens pages in fresh browser contexts (separate cookies: one per person)."""
    contexts = []

    def make(width: int = 1280, height: int = 900) -> object:
        context = browser.new_context(  # type: ignore[attr-defined]
            base_url=platform.url,
            viewport={"width": width, "height": height},
            locale="zh-CN",
            accept_downloads=True,
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
