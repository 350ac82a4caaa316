"""The portal over plain HTTP (Starlette's TestClient, no browser, no platform): sign-in,
sessions, CSRF on every POST, role checks, drafts, and the form's mapping to the contract.
gRPC calls are not needed here; where a page would call the platform it is not reached."""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator

import pytest
from starlette.routing import Route

with warnings.catch_warnings():
    # Starlette suggests httpx2; httpx works the same for these tests.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from onestop.common.v1 import common_pb2
from onestop_cli.client import load_form
from onestop_cli.demo import SAMPLE
from onestop_common.settings import Settings
from portal import formdata
from portal.app import create_app
from portal.store import AccountError, PortalStore
from tests.support.portal import (
    PASSWORD,
    csrf_of,
    offline_settings,
    portal_store,
    post_sign_in,
    sign_in,
)

pytestmark = pytest.mark.db_independent


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return offline_settings(tmp_path_factory.mktemp("portal"))


@pytest.fixture(scope="module")
def store(settings: Settings) -> Iterator[PortalStore]:
    """Accounts made once (argon2 is slow on purpose); each test gets a fresh app and cookies."""
    accounts = (
        ("alice", "entrepreneur", ""),
        ("bob", "entrepreneur", ""),
        ("olga", "officer", ""),
        ("sam", "seal_maker", "001"),
        ("bea", "bank_clerk", "102"),
        ("ada", "admin", ""),
    )
    with portal_store(settings, accounts) as store:
        yield store


@pytest.fixture
def client(settings: Settings, store: PortalStore) -> TestClient:
    return TestClient(create_app(settings, store=store), follow_redirects=False)


# ---------------------------------------------------------------------------- accounts


def test_passwords_are_stored_as_argon2id_hashes(store: PortalStore) -> None:
    from sqlalchemy import select

    from portal.models import User

    with store.sessions() as session:
        stored = session.scalar(select(User.password_hash).where(User.username == "alice"))
    assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.parametrize(
    ("username", "password", "role", "org", "complaint"),
    [
        ("x!", PASSWORD, "officer", "", "username"),
        ("carol", "too short", "officer", "", "password"),
        ("carol", PASSWORD, "wizard", "", "unknown role"),
        ("carol", PASSWORD, "bank_clerk", "", "bank"),
        ("carol", PASSWORD, "officer", "102", "no organisation"),
        ("alice", PASSWORD, "entrepreneur", "", "taken"),
    ],
)
def test_bad_accounts_are_refused_with_a_reason(
    store: PortalStore, username: str, password: str, role: str, org: str, complaint: str
) -> None:
    with pytest.raises(AccountError, match=complaint):
        store.add_user(username, password, role, org=org)


def test_sign_in_sets_a_hardened_session_cookie_and_leads_to_the_roles_home(
    client: TestClient,
) -> None:
    token = csrf_of(client)
    response = client.post(
        "/login", data={"csrf_token": token, "username": "olga", "password": PASSWORD}
    )
    assert response.status_code == 303 and response.headers["location"] == "/desk/officer"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    # A new session at sign-in: the anonymous CSRF token is not carried over.
    assert csrf_of(client, "/login") != token


def test_the_secure_flag_is_set_when_configured(settings: Settings, store: PortalStore) -> None:
    client = TestClient(create_app(settings, store=store, secure_cookies=True))
    assert "Secure" in client.get("/login").headers["set-cookie"]


def test_a_wrong_password_is_refused_in_both_languages(client: TestClient) -> None:
    # Throttling after repeated failures: tests/e2e/test_portal_throttle.py.
    response = post_sign_in(client, "bob", "x" * 12)
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.text


def test_signing_out_voids_every_earlier_copy_of_the_cookie(client: TestClient) -> None:
    sign_in(client, "alice")
    stolen = client.cookies.get("onestop_session")
    assert client.get("/apply").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_of(client, "/apply")})
    replay = TestClient(client.app, follow_redirects=False)
    replay.cookies.set("onestop_session", stolen)
    response = replay.get("/apply")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_a_tampered_cookie_is_ignored(client: TestClient) -> None:
    sign_in(client, "alice")
    value = client.cookies.get("onestop_session")
    assert value
    forged = TestClient(client.app, follow_redirects=False)
    forged.cookies.set("onestop_session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert forged.get("/apply").status_code == 303


def test_an_applicant_signs_up_and_lands_on_their_cases(client: TestClient) -> None:
    response = client.post(
        "/signup",
        data={
            "csrf_token": csrf_of(client, "/signup"),
            "username": "newcomer",
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/cases"
    assert client.get("/apply").status_code == 200


# ---------------------------------------------------------------------------- CSRF


PATH_VALUES = {"role": "officer", "action": "approve"}


def _fill(match: re.Match[str]) -> str:
    return PATH_VALUES.get(match.group(1), "x")


def _post_paths(client: TestClient) -> list[str]:
    return [
        re.sub(r"\{([^}]+)\}", _fill, route.path)
        for route in client.app.routes  # type: ignore[attr-defined]
        if isinstance(route, Route) and "POST" in (route.methods or set())
    ]


def test_every_post_route_is_csrf_protected(client: TestClient) -> None:
    wrapped = [
        r.path
        for r in client.app.routes  # type: ignore[attr-defined]
        if isinstance(r, Route)
        and "POST" in (r.methods or set())
        and not getattr(r.endpoint, "csrf_protected", False)
    ]
    assert wrapped == []


def test_a_post_without_or_with_a_wrong_csrf_token_is_refused(client: TestClient) -> None:
    sign_in(client, "alice")
    paths = _post_paths(client)
    assert len(paths) >= 9
    for path in paths:
        missing = client.post(path, data={"do": "draft"})
        wrong = client.post(path, data={"do": "draft", "csrf_token": "not-the-token"})
        assert missing.status_code == 403, path
        assert wrong.status_code == 403, path
        assert "安全令牌" in missing.text


def test_a_post_from_a_foreign_origin_is_refused_even_with_the_token(client: TestClient) -> None:
    sign_in(client, "alice")
    token = csrf_of(client, "/apply")
    response = client.post(
        "/apply",
        data={"csrf_token": token, "do": "draft"},
        headers={"origin": "https://evil.example"},
    )
    assert response.status_code == 403
    ok = client.post("/apply", data={"csrf_token": token, "do": "draft"})
    assert ok.status_code == 303


# ---------------------------------------------------------------------------- roles


@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("sam", "/desk/officer"),
        ("sam", "/admin"),
        ("sam", "/apply"),
        ("bea", "/desk/seal_maker"),
        ("alice", "/desk/officer"),
        ("alice", "/admin"),
        ("olga", "/apply"),
        ("olga", "/cases"),
        ("olga", "/cases/OS20261126-0000000000"),
    ],
)
def test_a_page_for_another_role_answers_403(client: TestClient, username: str, path: str) -> None:
    sign_in(client, username)
    response = client.get(path)
    assert response.status_code == 403
    assert "无权访问" in response.text


def test_pages_need_a_sign_in_and_come_back_after_it(client: TestClient) -> None:
    response = client.get("/cases")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/cases"
    assert client.get("/api/check-id?value=1").status_code == 401
    login = post_sign_in(client, "alice", next="/apply")
    assert login.headers["location"] == "/apply"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil"])
def test_redirect_targets_stay_on_this_site(client: TestClient, target: str) -> None:
    response = client.get("/lang", params={"to": "en", "next": target})
    assert response.headers["location"] == "/"


def test_pages_carry_security_headers(client: TestClient) -> None:
    headers = client.get("/login").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def test_a_platform_that_is_down_gives_a_clear_page_not_a_crash(client: TestClient) -> None:
    sign_in(client, "olga")
    response = client.get("/desk/officer")
    assert response.status_code == 503
    assert "后台服务暂时不可用" in response.text


# ---------------------------------------------------------------------------- language


def test_chinese_first_and_an_english_switch(client: TestClient) -> None:
    assert "登录" in client.get("/login").text
    switched = client.get("/lang", params={"to": "en", "next": "/login"})
    assert switched.headers["location"] == "/login"
    page = client.get("/login").text
    assert "Sign in" in page and 'lang="en"' in page


# ---------------------------------------------------------------------------- the form


def test_a_draft_is_saved_and_resumed_with_what_was_typed(client: TestClient) -> None:
    sign_in(client, "alice")
    token = csrf_of(client, "/apply")
    saved = client.post(
        "/apply",
        data={
            "csrf_token": token,
            "do": "draft",
            "name.trade_name": "宝坻草稿",
            "registered_capital.amount": "12,3x",
            "business_scope": ["软件开发", "信息系统集成服务"],
            "rows.shareholders": "2",
        },
    )
    assert saved.status_code == 303
    resumed = client.get(saved.headers["location"])
    assert 'value="宝坻草稿"' in resumed.text
    assert 'value="12,3x"' in resumed.text
    assert re.search(r'value="软件开发" checked', resumed.text)
    assert "已恢复草稿" in resumed.text or "草稿已保存" in resumed.text
    # Another applicant cannot open it.
    draft_id = saved.headers["location"].split("=", 1)[1]
    other = TestClient(client.app, follow_redirects=False)
    sign_in(other, "bob")
    assert other.get(f"/apply?draft={draft_id}").status_code == 404


def test_rows_are_added_without_javascript(client: TestClient) -> None:
    sign_in(client, "alice")
    page = client.post(
        "/apply",
        data={
            "csrf_token": csrf_of(client, "/apply"),
            "do": "add:shareholders",
            "rows.shareholders": "2",
            "shareholders[0].person.name": "张伟",
        },
    )
    assert page.status_code == 200
    assert 'name="shareholders[2].person.name"' in page.text
    assert 'value="张伟"' in page.text


def test_the_form_fields_map_to_the_contract_and_back() -> None:
    sample = load_form(SAMPLE)
    fields = formdata.from_proto(sample)
    converted = formdata.to_proto(fields)
    assert converted.problems == ()
    assert converted.form == sample


def test_rejections_land_on_their_fields_rows_or_sections() -> None:
    fields = formdata.defaults()
    fields["rows.shareholders"] = "3"
    fields["shareholders[2].person.name"] = "王五"  # row 0 and 1 left empty: skipped
    converted = formdata.to_proto(fields)
    assert converted.row_map["shareholders"] == (2,)

    def rejection(field: str) -> common_pb2.Rejection:
        return common_pb2.Rejection(field=field, rule="r", message_zh="中", message_en="en")

    placed = formdata.place(
        [
            rejection("form.shareholders[0].person.id_number"),
            rejection("form.shareholders[0].subscribed"),
            rejection("form.shareholders"),
            rejection("form.business_scope[1]"),
            rejection("form.nowhere.at_all"),
        ],
        fields,
        converted.row_map,
    )
    assert [p.anchor for p in placed] == [
        "shareholders[2].person.id_number",
        "shareholders[2].subscribed.amount",
        "shareholders",
        "business_scope",
        "_general",
    ]


def test_text_in_a_whole_number_field_is_a_rejection_not_a_crash() -> None:
    fields = formdata.defaults()
    fields["invoice.monthly_quantity"] = "fifty"
    problems = formdata.to_proto(fields).problems
    assert [(p.field, p.rule) for p in problems] == [("form.invoice.monthly_quantity", "integer")]
    assert "不是整数" in problems[0].message_zh


def test_a_removed_row_moves_the_rows_after_it_up() -> None:
    fields = formdata.defaults()
    fields["rows.employees"] = "3"
    for i, name in enumerate(("赵强", "孙丽", "王五")):
        fields[f"employees[{i}].person.name"] = name
    assert formdata.remove_row(fields, "employees", 1)
    assert fields["rows.employees"] == "2"
    assert [fields[f"employees[{i}].person.name"] for i in range(2)] == ["赵强", "王五"]
    assert "employees[2].person.name" not in fields
    # A group at its minimum keeps one empty row.
    fields["rows.shareholders"] = "1"
    fields["shareholders[0].person.name"] = "张伟"
    formdata.remove_row(fields, "shareholders", 0)
    assert fields["rows.shareholders"] == "1"
    assert not fields.get("shareholders[0].person.name")


def test_a_correction_takes_whole_lists_and_the_nearest_part_with_inputs() -> None:
    from google.protobuf import field_mask_pb2

    from onestop.common.v1 import application_pb2

    def named(*paths: str) -> list[common_pb2.Rejection]:
        return [
            common_pb2.Rejection(field=p, rule="r", message_zh="中", message_en="en") for p in paths
        ]

    scope = formdata.correction_scope(
        named(
            "form.employees[1].person.id_number",
            "form.employees[0].hire_date",
            "form.bank.branch_name",
            "form.domicile.district",
            "form.invoice.finance_contact",
            "form.seals[1].kind",
        )
    )
    assert scope.paths == (
        "employees",
        "bank.branch_name",
        "domicile",
        "invoice.finance_contact",
        "seals",
    )
    mask = field_mask_pb2.FieldMask(paths=list(scope.paths))
    assert mask.IsValidForDescriptor(application_pb2.ApplicationForm.DESCRIPTOR)
    assert formdata.correction_scope(named("form")).whole

    sample = formdata.from_proto(load_form(SAMPLE))
    posted = {
        "rows.employees": "1",
        "employees[0].person.name": "赵强",
        "bank.branch_name": "中国工商银行天津宝坻支行营业部",
        "name.trade_name": "不在补正范围",
    }
    merged = formdata.corrected(sample, posted, formdata.Scope(("employees", "bank.branch_name")))
    assert merged["bank.branch_name"] == "中国工商银行天津宝坻支行营业部"
    assert merged["rows.employees"] == "1" and "employees[1].person.name" not in merged
    assert merged["name.trade_name"] == sample["name.trade_name"]
    assert merged["rows.shareholders"] == sample["rows.shareholders"]


def test_required_inputs_left_empty_are_named_with_their_person_or_row() -> None:
    from portal.i18n import translate

    fields = formdata.from_proto(load_form(SAMPLE))
    fields["contact.phone"] = ""
    fields["bank.branch_name"] = " "
    fields["employees[1].hire_date"] = ""
    found = {r.field: r for r in formdata.missing(fields, translate)}
    assert set(found) == {
        "form.contact.phone",
        "form.bank.branch_name",
        "form.employees[1].hire_date",
    }
    assert found["form.employees[1].hire_date"].subject_zh == "职工 2（孙丽）"
    assert found["form.contact.phone"].subject_zh == "联络员（李娜）"
    assert found["form.bank.branch_name"].message_zh == "请填写开户网点"
    assert formdata.missing(formdata.from_proto(load_form(SAMPLE)), translate) == []


def test_the_form_offers_only_the_districts_the_platform_serves(client: TestClient) -> None:
    sign_in(client, "alice")
    page = client.get("/apply").text
    select = re.search(r'<select id="f-domicile-division_code".*?</select>', page, re.S)
    assert select is not None
    assert re.findall(r'<option value="(\d+)"', select.group(0)) == ["120115"]
    # Required inputs are marked for everyone to see.
    for name in ("contact-person-name", "contact-phone", "bank-branch_name"):
        assert re.search(rf'<label for="f-{name}">[^<]*<span class="req"', page), name


def test_a_desk_returns_a_part_of_the_form_it_may_send_back_as_a_correctable_refusal() -> None:
    from portal.desks import DESKS, UnknownSection, action_request

    method, request = action_request(
        DESKS["si_clerk"], "return", "T1", {"section": "employees", "reason": "岗位不符"}
    )
    assert method == "RejectTask" and request.correctable
    assert [(f.field, f.message_zh, f.participant) for f in request.fields] == [
        ("form.employees", "岗位不符", "social_insurance")
    ]
    with pytest.raises(UnknownSection):
        action_request(DESKS["bank_clerk"], "return", "T1", {"section": "employees"})
    # The officer's correction may name a part, or leave the whole form to correct.
    _, named = action_request(DESKS["officer"], "correction", "T2", {"section": "name"})
    assert [f.field for f in named.rejections] == ["form.name"]
    _, whole = action_request(DESKS["officer"], "correction", "T2", {"reason": "请核对"})
    assert list(whole.rejections) == [] and whole.reason == "请核对"


# ---------------------------------------------------------------------------- the CLI


def test_user_add_reads_the_password_from_stdin(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from onestop_cli.portal_cmd import add_user

    monkeypatch.setenv("ONESTOP_DATA_DIR", str(settings.data_dir))
    out, err = io.StringIO(), io.StringIO()
    code = add_user(
        "li.ming",
        "seal_maker",
        "",
        password_stdin=True,
        stdin=io.StringIO(PASSWORD + "\n"),
        out=out,
        err=err,
    )
    assert code == 0, err.getvalue()
    assert "li.ming (seal_maker of 001)" in out.getvalue()
    store = PortalStore.open(settings.database_url_for("portal"), kek=settings.kek)
    try:
        assert store.authenticate("li.ming", PASSWORD) is not None
    finally:
        store.close()
    refused = add_user(
        "x", "officer", "", password_stdin=True, stdin=io.StringIO(""), out=out, err=err
    )
    assert refused == 1
