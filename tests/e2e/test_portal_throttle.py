"""Sign-in throttling over HTTP (Starlette's TestClient, the portal's real database): failures
slow down one account from one address with a doubling wait, never another account or another
address; every replica sees the same count; X-Forwarded-For counts only from a trusted proxy;
the production profile sends HSTS."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette suggests httpx2; httpx works the same here
    from starlette.testclient import TestClient

from onestop_common.db import transaction
from onestop_common.settings import Settings
from portal.app import create_app
from portal.models import SignInThrottle
from portal.store import PortalStore
from portal.throttle import ONE_ACCOUNT_ONE_ADDRESS, SIGN_UPS, sign_in_keys
from tests.support.portal import PASSWORD, csrf_of, offline_settings, portal_store, post_sign_in

pytestmark = pytest.mark.db_independent

WRONG = "not the password at all"
ATTACKER, OWNER_ELSEWHERE = "203.0.113.5", "198.51.100.7"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    loaded = offline_settings(tmp_path_factory.mktemp("throttle"))
    # The test client is the proxy here: what it says in X-Forwarded-For is the client.
    return replace(loaded, portal_trusted_proxies=("testclient",))


@pytest.fixture(scope="module")
def store(settings: Settings) -> Iterator[PortalStore]:
    with portal_store(settings, [(name, "entrepreneur", "") for name in ("alice", "bob")]) as store:
        yield store


@pytest.fixture(autouse=True)
def no_failures_yet(store: PortalStore) -> None:
    with transaction(store.sessions) as session:
        session.execute(delete(SignInThrottle))


def client_for(settings: Settings, store: PortalStore) -> TestClient:
    return TestClient(create_app(settings, store=store), follow_redirects=False)


def attempt(client: TestClient, username: str, password: str, address: str) -> int:
    response = post_sign_in(client, username, password, headers={"x-forwarded-for": address})
    if response.status_code == 429:
        assert int(response.headers["retry-after"]) >= 1
        assert "登录失败次数过多" in response.text
    return response.status_code


def fail_until_blocked(client: TestClient, username: str, address: str) -> int:
    for tries in range(1, 20):
        status = attempt(client, username, WRONG, address)
        if status == 429:
            return tries - 1
        assert status == 401
    raise AssertionError("never throttled")


def test_failures_make_one_account_from_one_address_wait(settings, store) -> None:
    client = client_for(settings, store)
    failures = fail_until_blocked(client, "alice", ATTACKER)
    assert failures == ONE_ACCOUNT_ONE_ADDRESS.free_failures + 1
    # Even the right password waits now.
    assert attempt(client, "alice", PASSWORD, ATTACKER) == 429


def test_an_attacked_account_stays_open_elsewhere_and_other_accounts_stay_open(
    settings, store
) -> None:
    client = client_for(settings, store)
    fail_until_blocked(client, "alice", ATTACKER)
    # The owner, from another address, signs in; so does another user at the attacker's address.
    assert attempt(client_for(settings, store), "alice", PASSWORD, OWNER_ELSEWHERE) == 303
    assert attempt(client_for(settings, store), "bob", PASSWORD, ATTACKER) == 303


def test_every_replica_sees_the_same_failures(settings, store) -> None:
    first = client_for(settings, store)
    second_store = PortalStore.open(
        settings.database_url_for("portal"), migrate=False, kek=settings.kek
    )
    try:
        second = client_for(settings, second_store)
        fail_until_blocked(first, "alice", ATTACKER)
        assert attempt(second, "alice", PASSWORD, ATTACKER) == 429
    finally:
        second_store.close()


def test_x_forwarded_for_counts_only_from_a_trusted_proxy(settings, store) -> None:
    untrusted = client_for(replace(settings, portal_trusted_proxies=()), store)
    # Each attempt claims another address; the portal sees one peer and counts them together.
    for n in range(ONE_ACCOUNT_ONE_ADDRESS.free_failures + 1):
        assert attempt(untrusted, "alice", WRONG, f"192.0.2.{n + 1}") == 401
    assert attempt(untrusted, "alice", PASSWORD, "192.0.2.99") == 429


def test_the_wait_doubles_and_a_quiet_window_forgives(store) -> None:
    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    keys = sign_in_keys("alice", ATTACKER)
    pair = [keys[0].key]
    free = ONE_ACCOUNT_ONE_ADDRESS.free_failures
    for _ in range(free):
        store.record_throttled(keys, now)
    assert store.throttled_until(pair, now) is None
    waits = []
    for _ in range(3):
        store.record_throttled(keys, now)
        until = store.throttled_until(pair, now)
        assert until is not None
        waits.append(until - now)
    assert waits == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    later = now + ONE_ACCOUNT_ONE_ADDRESS.window + timedelta(seconds=1)
    store.record_throttled(keys, later)
    assert store.throttled_until(pair, later) is None


def test_hsts_in_the_production_profile_only(settings, store) -> None:
    plain = client_for(settings, store).get("/login")
    assert "strict-transport-security" not in plain.headers
    secure = TestClient(create_app(settings, store=store, secure_cookies=True)).get("/login")
    assert secure.headers["strict-transport-security"].startswith("max-age=31536000")


def sign_up(client: TestClient, username: str, address: str) -> int:
    response = client.post(
        "/signup",
        data={
            "csrf_token": csrf_of(client, "/signup"),
            "username": username,
            "display_name": "测试",
            "password": PASSWORD,
            "password2": PASSWORD,
        },
        headers={"x-forwarded-for": address},
    )
    return response.status_code


def test_mass_sign_up_from_one_address_waits_and_others_do_not(settings, store) -> None:
    free = SIGN_UPS.free_failures
    for n in range(free):
        assert sign_up(client_for(settings, store), f"mass-{n}", ATTACKER) == 303
    assert sign_up(client_for(settings, store), "mass-more", ATTACKER) == 303  # counted now
    assert sign_up(client_for(settings, store), "mass-blocked", ATTACKER) == 429
    assert sign_up(client_for(settings, store), "elsewhere", OWNER_ELSEWHERE) == 303


def test_a_reserved_or_look_alike_name_is_refused_at_sign_up(settings, store) -> None:
    client = client_for(settings, store)
    assert sign_up(client, "adm1n", OWNER_ELSEWHERE) == 422
    assert sign_up(client, "a1ice", OWNER_ELSEWHERE) == 422  # alice exists
