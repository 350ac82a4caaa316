"""Citizens sign in to the portal with their real-name identity (OpenID Connect), over HTTP: the
local provider runs as its own process, started the way `onestop up` starts it; the portal
(Starlette's TestClient) talks to it over real HTTP, and a second HTTP client plays the browser
on the provider's pages.

The way through: the login page → the provider → an identity chosen → the callback → signed in
as an entrepreneur whose account carries the verified ID number into the platform's credentials.
And the ways it must not go through: an answer this browser did not ask for, a token that does
not fit, the provider gone half-way, a staff account."""

from __future__ import annotations

import logging
import os
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import func, select, update

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette suggests httpx2; httpx works the same here
    from starlette.testclient import TestClient

from onestop_cli.supervisor import Supervisor
from onestop_common.identity import verify_token
from onestop_common.settings import IDP, Settings, load_settings
from portal.app import create_app
from portal.backend import Backend
from portal.models import User
from portal.oidc import BAD_TOKEN, RealNameSignIn, SignInFailed
from portal.security import SESSION_COOKIE, SessionCodec
from portal.store import Account, PortalStore
from tests.support.infra import free_port_base
from tests.support.portal import PASSWORD, csrf_of, portal_store

pytestmark = pytest.mark.db_independent

ZHANG_WEI = ("tj-test-0001", "张伟", "120115198503120033")
LI_NA = ("tj-test-0002", "李娜", "120115199006070041")
WANG_FANG = ("tj-test-0003", "王芳", "120104198801010052")
ZHAO_QIANG = ("tj-test-0004", "赵强", "120115199502180063")
SUN_LI = ("tj-test-0005", "孙丽", "120115200005050079")


@dataclass
class Realm:
    """The local provider's process and the portal's settings and accounts."""

    settings: Settings
    supervisor: Supervisor
    store: PortalStore

    def portal(self) -> TestClient:
        """A browser on the portal: its own cookies, at the portal's public address (the one
        the provider sends citizens back to)."""
        app = create_app(self.settings, store=self.store)
        return TestClient(app, base_url=self.settings.portal_url, follow_redirects=False)


@pytest.fixture(scope="module")
def realm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Realm]:
    base = free_port_base()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONESTOP_")}
    env.update(
        ONESTOP_DATA_DIR=str(tmp_path_factory.mktemp("realname")),
        # Nobody answers gRPC there: pages that call the platform say so at once.
        ONESTOP_GRPC_PORT_BASE=str(base),
        ONESTOP_HTTP_PORT_BASE=str(base + 100),
        ONESTOP_LOG_LEVEL="INFO",
    )
    settings = load_settings(env)
    supervisor = Supervisor(settings, env, components=(IDP,), restart_on_exit=False)
    supervisor.start()
    try:
        with portal_store(settings) as store:
            yield Realm(settings, supervisor, store)
    finally:
        supervisor.stop()


def start(portal: TestClient, next_page: str = "") -> str:
    """Presses "实名认证登录": the provider's authorization URL the portal redirects to."""
    response = portal.post("/login/oidc", data={"csrf_token": csrf_of(portal), "next": next_page})
    assert response.status_code == 302, response.text
    return response.headers["location"]


def choose(authorize_url: str, subject: str) -> str:
    """On the provider's page, picks an identity: where the provider sends the browser back."""
    with httpx.Client(timeout=10) as browser:
        page = browser.get(authorize_url)
        assert page.status_code == 200 and "实名认证" in page.text
        answer = browser.post(authorize_url, data={"subject": subject})
    assert answer.status_code == 302
    return answer.headers["location"]


def signed_in_as(portal: TestClient) -> str | None:
    """Whose session this browser holds, as the pages see it: /apply opens for an applicant."""
    response = portal.get("/apply")
    if response.status_code != 200:
        return None
    match = re.search(r"<strong>([^<]+)</strong>", response.text)
    return match.group(1) if match else ""


def accounts(store: PortalStore) -> int:
    with store.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(User)) or 0)


def account_of(store: PortalStore, subject: str) -> Account | None:
    with store.sessions() as session:
        username = session.scalar(select(User.username).where(User.oidc_subject == subject))
    return store.get(username) if username else None


# ---------------------------------------------------------------------------- the way through


def test_the_login_page_offers_real_name_sign_in_before_the_password(realm: Realm) -> None:
    response = realm.portal().get("/login")
    page = response.text
    assert "实名认证登录" in page
    assert page.index('action="/login/oidc"') < page.index('name="password"')
    # The sign-in form is answered with a redirect to the provider, which browsers check
    # against form-action (the browser test shows the flow blocked without it).
    policy = response.headers["content-security-policy"]
    assert f"form-action 'self' {realm.settings.oidc_issuer_url};" in policy


def test_a_citizen_signs_in_with_a_verified_identity_that_reaches_the_platform(
    realm: Realm, caplog: pytest.LogCaptureFixture
) -> None:
    portal = realm.portal()
    authorize_url = start(portal, next_page="/apply")
    # Authorization code with PKCE (S256), a state and a nonce, to the configured provider.
    assert authorize_url.startswith(realm.settings.oidc_issuer_url + "/authorize?")
    query = parse_qs(urlsplit(authorize_url).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0] and query["nonce"][0] and query["response_type"] == ["code"]
    callback = choose(authorize_url, ZHANG_WEI[0])
    assert callback.startswith(realm.settings.oidc_redirect_uri + "?code=")

    caplog.set_level(logging.INFO)
    response = portal.get(callback)
    assert response.status_code == 303 and response.headers["location"] == "/apply"
    assert signed_in_as(portal) == "张伟"

    account = account_of(realm.store, ZHANG_WEI[0])
    assert account is not None and account.role.value == "entrepreneur"
    assert account.person_id == ZHANG_WEI[2] and account.display_name == "张伟"
    # The platform's credential for this account names the verified person (claim "pid").
    token = Backend(realm.settings).metadata(account)[0][1].removeprefix("Bearer ")
    assert verify_token(realm.settings.token_secret, token).person_id == ZHANG_WEI[2]
    # The logs name the person with the ID number masked, the provider's included.
    logged = caplog.text + realm.supervisor.children[IDP].log_path.read_text()
    assert "120***********0033" in logged and ZHANG_WEI[2] not in logged


def test_the_same_identity_signs_in_to_the_same_account_again(realm: Realm) -> None:
    portal = realm.portal()
    portal.get(choose(start(portal), LI_NA[0]))
    first = account_of(realm.store, LI_NA[0])
    before = accounts(realm.store)
    again = realm.portal()
    assert again.get(choose(start(again), LI_NA[0])).status_code == 303
    assert accounts(realm.store) == before
    assert account_of(realm.store, LI_NA[0]) == first
    assert signed_in_as(again) == "李娜" and signed_in_as(portal) == "李娜"


def test_a_citizens_account_has_no_password_to_sign_in_with(realm: Realm) -> None:
    portal = realm.portal()
    portal.get(choose(start(portal), SUN_LI[0]))
    account = account_of(realm.store, SUN_LI[0])
    assert account is not None
    assert realm.store.authenticate(account.username, "") is None
    assert realm.store.authenticate(account.username, PASSWORD) is None


# ---------------------------------------------------------------------------- refusals


def test_an_answer_this_browser_did_not_ask_for_is_refused(realm: Realm) -> None:
    """Login CSRF: someone else's callback link (their state, their code) signs nobody in here;
    the state is checked before the code is spent, so its owner can still finish."""
    owner = realm.portal()
    callback = choose(start(owner), WANG_FANG[0])
    before = accounts(realm.store)

    victim = realm.portal()
    start(victim)  # a sign-in of their own under way makes no difference
    response = victim.get(callback)
    assert response.status_code == 400
    assert "不属于本浏览器发起的登录" in response.text and "您未登录" in response.text
    assert signed_in_as(victim) is None
    assert accounts(realm.store) == before and account_of(realm.store, WANG_FANG[0]) is None

    assert owner.get(callback).status_code == 303 and signed_in_as(owner) == "王芳"


def test_a_callback_with_a_changed_state_is_refused_in_english_too(realm: Realm) -> None:
    portal = realm.portal()
    portal.cookies.set("lang", "en")
    callback = choose(start(portal), ZHAO_QIANG[0])
    changed = re.sub(r"state=[^&]+", "state=not-the-one-we-sent", callback)
    response = portal.get(changed)
    assert response.status_code == 400 and "does not belong to a sign-in this browser" in (
        response.text
    )
    assert signed_in_as(portal) is None


def test_an_id_token_for_another_sign_in_is_refused(realm: Realm) -> None:
    """The nonce the portal sent is not the one in the ID token (as when a token issued for
    another sign-in is slipped in): nobody is signed in, no account is made."""
    portal = realm.portal()
    callback = choose(start(portal), ZHAO_QIANG[0])
    codec = SessionCodec(realm.settings.token_secret)
    data = codec.loads(portal.cookies[SESSION_COOKIE])
    assert data is not None
    (state_key,) = [key for key in data if key.startswith("_state_")]
    data[state_key]["data"]["nonce"] = "a-nonce-from-another-sign-in"
    portal.cookies.set(SESSION_COOKIE, codec.dumps(data))
    before = accounts(realm.store)

    response = portal.get(callback)
    assert response.status_code == 400 and "身份凭证未通过校验" in response.text
    assert signed_in_as(portal) is None and accounts(realm.store) == before


def test_declining_on_the_providers_page_signs_nobody_in(realm: Realm) -> None:
    portal = realm.portal()
    response = portal.get(choose(start(portal), "-"))
    assert response.status_code == 400 and "您取消了实名认证" in response.text
    assert signed_in_as(portal) is None


def test_a_staff_account_does_not_sign_in_with_a_real_name_identity(realm: Realm) -> None:
    realm.store.add_user("olga.officer", PASSWORD, "officer")
    with realm.store.sessions() as session, session.begin():
        session.execute(
            update(User)
            .where(User.username == "olga.officer")
            .values(oidc_issuer=realm.settings.oidc_issuer_url, oidc_subject="tj-test-0006")
        )
    portal = realm.portal()
    response = portal.get(choose(start(portal), "tj-test-0006"))
    assert response.status_code == 403 and "工作人员请使用用户名和密码登录" in response.text
    assert signed_in_as(portal) is None
    assert realm.portal().get("/desk/officer").status_code == 303  # not signed in there either
    officer = realm.store.get("olga.officer")
    assert officer is not None and officer.person_id == ""  # nothing written


def test_the_provider_gone_half_way_leaves_nothing_written(realm: Realm) -> None:
    portal = realm.portal()
    callback = choose(start(portal), ZHAO_QIANG[0])
    before = accounts(realm.store)
    realm.supervisor.kill(IDP)
    try:
        response = portal.get(callback)
        assert response.status_code == 502
        assert "实名认证服务暂时无法访问" in response.text and "您未登录" in response.text
        assert signed_in_as(portal) is None and accounts(realm.store) == before
    finally:
        realm.supervisor.restart(IDP)
    # Back again, the same person signs in (the provider kept its key: the portal's copy of
    # the JWKS still fits).
    fresh = realm.portal()
    assert fresh.get(choose(start(fresh), ZHAO_QIANG[0])).status_code == 303
    assert signed_in_as(fresh) == "赵强"


def test_a_new_sign_in_cannot_start_while_the_provider_is_away(realm: Realm) -> None:
    realm.supervisor.kill(IDP)
    try:
        portal = realm.portal()
        response = portal.post("/login/oidc", data={"csrf_token": csrf_of(portal)})
        assert response.status_code == 502 and "实名认证服务暂时无法访问" in response.text
    finally:
        realm.supervisor.restart(IDP)


# ---------------------------------------------------------------------------- the claims


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "s", "name": "张伟"},  # no ID number
        {"sub": "s", "name": "张伟", "id_number": "120115198503120034"},  # wrong check character
        {"sub": "", "name": "张伟", "id_number": ZHANG_WEI[2]},  # nobody
    ],
)
def test_a_verified_token_without_a_usable_identity_is_refused(
    realm: Realm, claims: dict[str, str]
) -> None:
    with pytest.raises(SignInFailed) as refused:
        RealNameSignIn(realm.settings)._identity(claims)
    assert (refused.value.reason, refused.value.status) == BAD_TOKEN
