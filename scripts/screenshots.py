"""Screenshots for the README: ``python scripts/screenshots.py desks`` (or ``dashboard``).

Renders the pages with the portal's own routes and templates against stand-ins for the platform,
served by uvicorn on a free local port, and photographs them with headless Chromium (Playwright,
the Debian ``/usr/bin/chromium`` as tests/e2e uses it), in Chinese and in English, saved to
docs/screenshots/. ``desks``: the officer's queue and task page against the stand-in desk
services of tests/unit/test_portal_desk_pages.py (task data as each service writes it).
``dashboard``: the administrator's dashboard against the stand-in orchestrator and desks of
tests/unit/test_portal_dashboard.py, with a fortnight of desk tasks. Nothing else is started; no
platform needed.

Run from the repository root with PYTHONPATH=.:proto.
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run"]
# What is photographed: (file name stem, path) for the officer's desk.
DESK_PAGES = (
    ("desk-queue", "/desk/officer"),
    ("desk-task", "/desk/officer/tasks/T-OFFICER-0"),
)
DASHBOARD_PAGES = (("dashboard", "/admin"),)
ADMIN = "ada"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def desk_portal(data_dir: Path, what: str = "desks") -> Iterator[str]:
    """The portal app with stand-ins for the platform, served on a free port: its base URL."""
    import uvicorn
    from argon2 import PasswordHasher

    from onestop_common.settings import load_settings
    from portal.app import create_app
    from portal.store import PortalStore
    from tests.support.portal import PASSWORD
    from tests.unit.test_portal_dashboard import FakePlatform
    from tests.unit.test_portal_desk_pages import USERS, FakeDesks

    settings = load_settings(
        {
            "ONESTOP_DATA_DIR": str(data_dir),
            "ONESTOP_GRPC_PORT_BASE": "1",
            "ONESTOP_LOG_LEVEL": "WARNING",
        }
    )
    # Throwaway accounts in a throwaway database: cheap hashing is enough here.
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    store = PortalStore.open(settings.database_url_for("portal"), kek=settings.kek, hasher=cheap)
    for desk, (username, org) in USERS.items():
        store.add_user(username, PASSWORD, desk, org=org)
    store.add_user(ADMIN, PASSWORD, "admin")
    backend = FakePlatform(busy=True) if what == "dashboard" else FakeDesks()
    app = create_app(settings, store=store, backend=backend)  # type: ignore[arg-type]
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        # uvicorn sets ``started`` once it listens; the thread ends early if it cannot.
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError(f"the portal did not start on port {port}")
            thread.join(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        store.close()


def shoot(base_url: str, out: Path, what: str = "desks") -> list[Path]:
    from playwright.sync_api import sync_playwright

    from tests.support.portal import PASSWORD
    from tests.unit.test_portal_desk_pages import USERS

    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for lang in ("zh", "en"):
                context = browser.new_context(
                    base_url=base_url,
                    viewport={"width": 1280, "height": 860},
                    locale="zh-CN" if lang == "zh" else "en-GB",
                )
                context.add_cookies([{"name": "lang", "value": lang, "url": base_url}])
                page = context.new_page()
                page.goto("/login")
                user = ADMIN if what == "dashboard" else USERS["officer"][0]
                page.locator('input[name="username"]').fill(user)
                page.locator('input[name="password"]').fill(PASSWORD)
                page.locator('form:has(input[name="password"]) [type="submit"]').click()
                page.wait_for_url(lambda url: "/login" not in url)
                for stem, path in DASHBOARD_PAGES if what == "dashboard" else DESK_PAGES:
                    page.goto(path)
                    target = out / f"{stem}-{lang}.png"
                    page.screenshot(path=str(target), full_page=True)
                    saved.append(target)
                context.close()
        finally:
            browser.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Screenshots of the portal for the README.")
    parser.add_argument(
        "what", choices=["desks", "dashboard"], help="which pages: desks or dashboard"
    )
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to save (default {OUT})")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="onestop-shots-") as tmp,
        desk_portal(Path(tmp), args.what) as url,
    ):
        for path in shoot(url, args.out, args.what):
            print(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    return 0


if __name__ == "__main__":
    sys.path[:0] = [str(REPO), str(REPO / "proto")]
    sys.exit(main())
