"""Screenshots of the public verification page (docs/screenshots/verify-*.png), in Chinese and
English: the portal app served in-process with fixed answers from a stand-in registration
service (no platform needed), photographed by Playwright with Debian's Chromium as the e2e
tests launch it.

    python scripts/screenshot_verify.py
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "proto")]

from onestop.registration.v1 import registration_pb2 as reg_pb  # noqa: E402
from onestop_common.protoconv import timestamp  # noqa: E402
from onestop_common.settings import load_settings  # noqa: E402
from portal.app import create_app  # noqa: E402
from portal.routes import verify as verify_routes  # noqa: E402
from portal.store import PortalStore  # noqa: E402

OUT = REPO / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run"]
USCC = "91120115MA05W2DY4U"
NUMBER = "1201152026112600A1B2"


def _revoked() -> reg_pb.GetLicenseStatusResponse:
    answer = reg_pb.GetLicenseStatusResponse(
        uscc=USCC,
        license_number=NUMBER,
        status=reg_pb.LICENSE_STATUS_REVOKED,
        company_name="天津宝坻示例科技有限公司",
        legal_representative="张伟",
        date_of_establishment="2026-11-26",
        version=2,
        revocation_category=reg_pb.REVOCATION_CATEGORY_OPENING_UNDONE,
    )
    answer.revoked_at.CopyFrom(timestamp(datetime(2026, 11, 30, 2, 15, tzinfo=UTC)))
    answer.changed_at.CopyFrom(timestamp(datetime(2026, 11, 28, 6, 0, tzinfo=UTC)))
    return answer


class FixedRegistration:
    def __init__(self, channel: Any) -> None:
        pass

    def GetLicenseStatus(self, request: Any, timeout: float) -> Any:
        return _revoked()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="onestop-shots-") as tmp:
        settings = load_settings({"ONESTOP_DATA_DIR": tmp, "ONESTOP_GRPC_PORT_BASE": "1"})
        store = PortalStore.open(settings.database_url_for("portal"), kek=settings.kek)
        verify_routes.reg_grpc.RegistrationServiceStub = FixedRegistration  # type: ignore[misc]
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(settings, store=store), port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:  # uvicorn says when it listens; a script may poll
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        shots = (
            ("verify-revoked-zh.png", "zh", f"/verify/{USCC}/{NUMBER}?v=1"),
            ("verify-revoked-en.png", "en", f"/verify/{USCC}/{NUMBER}?v=1"),
            ("verify-form-zh.png", "zh", f"/verify?uscc={USCC[:-1]}X&license_number={NUMBER}"),
            ("verify-form-en.png", "en", f"/verify?uscc={USCC[:-1]}X&license_number={NUMBER}"),
        )
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for name, lang, path in shots:
                    context = browser.new_context(viewport={"width": 1100, "height": 760})
                    context.add_cookies([{"name": "lang", "value": lang, "url": base}])
                    page = context.new_page()
                    page.goto(base + path)
                    page.screenshot(path=str(OUT / name), full_page=True)
                    context.close()
                    print(OUT / name)
                browser.close()
        finally:
            server.should_exit = True
            thread.join(10)
            store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
