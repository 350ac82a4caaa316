"""Two-step sign-in for portal accounts (portal.totp): with it on, the password alone does not
sign in; the authenticator's current code does, once; the secret is stored encrypted."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator

import pyotp
import pytest
from sqlalchemy import select

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette suggests httpx2; httpx works the same here
    from starlette.testclient import TestClient

from onestop_common.settings import Settings, load_settings
from portal.app import create_app
from portal.models import User
from portal.store import PortalStore

pytestmark = pytest.mark.db_independent

PASSWORD = "a long enough password"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return load_settings(
        {
            "ONESTOP_DATA_DIR": str(tmp_path_factory.mktemp("totp")),
            "ONESTOP_GRPC_PORT_BASE": "1",
            "ONESTOP_LOG_LEVEL": "WARNING",
        }
    )


@pytest.fixture(scope="module")
def store(settings: Settings) -> Iterator[PortalStore]:
    store = PortalStore.open(settings.database_url_for("portal"), kek=settings.kek)
    store.add_user("li.ming", PASSWORD, "officer")
    yield store
    store.close()


def sign_in(settings: Settings, store: PortalStore, code: str = "") -> tuple[int, str]:
    client = TestClient(create_app(settings, store=store), follow_redirects=False)
    page = client.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match
    response = client.post(
        "/login",
        data={
            "csrf_token": match.group(1),
            "username": "li.ming",
            "password": PASSWORD,
            "code": code,
        },
    )
    return response.status_code, response.text


def test_with_two_step_sign_in_the_password_alone_is_not_enough(settings, store) -> None:
    uri = store.enable_totp("li.ming", settings.kek)
    secret = pyotp.parse_uri(uri).secret
    try:
        status, text = sign_in(settings, store)
        assert status == 401 and "一次性验证码" in text
        wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
        status, text = sign_in(settings, store, wrong)
        assert status == 401 and "不正确或已使用过" in text
        code = pyotp.TOTP(secret).now()
        assert sign_in(settings, store, code)[0] == 303
        # The same code again (read over a shoulder, say) does not sign in.
        assert sign_in(settings, store, code)[0] == 401
    finally:
        store.disable_totp("li.ming")
    assert sign_in(settings, store)[0] == 303


def test_the_secret_is_kept_encrypted_with_the_kek(settings, store) -> None:
    secret = pyotp.parse_uri(store.enable_totp("li.ming", settings.kek)).secret
    try:
        with store.sessions() as session:
            stored = session.scalar(select(User.totp_secret).where(User.username == "li.ming"))
        assert stored and secret not in stored
    finally:
        store.disable_totp("li.ming")
