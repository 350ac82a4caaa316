"""Two-step sign-in for portal accounts (portal.totp): with it on, the password alone does not
sign in; the authenticator's current code does, once; the secret is stored encrypted."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pyotp
import pytest
from sqlalchemy import select

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette suggests httpx2; httpx works the same here
    from starlette.testclient import TestClient

from onestop_common.settings import Settings
from portal.app import create_app
from portal.models import User
from portal.store import PortalStore
from tests.support.portal import offline_settings, portal_store, post_sign_in

pytestmark = pytest.mark.db_independent


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return offline_settings(tmp_path_factory.mktemp("totp"))


@pytest.fixture(scope="module")
def store(settings: Settings) -> Iterator[PortalStore]:
    with portal_store(settings, [("li.ming", "officer", "")]) as store:
        yield store


def sign_in(settings: Settings, store: PortalStore, code: str = "") -> tuple[int, str]:
    """Li Ming signs in from a fresh browser, with the one-time ``code`` (none: left empty)."""
    client = TestClient(create_app(settings, store=store), follow_redirects=False)
    response = post_sign_in(client, "li.ming", code=code)
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
