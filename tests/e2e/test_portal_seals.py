"""A company's seals page in the portal, against the whole running platform: the owner sees the
seals, authorises a user and reads the usage register (20 entries a page); the authorised user
seals an uploaded PDF (up to 10 MB) that validates; a stranger is refused; bad input is shown
next to its field in both languages; and a revoked user can sign no more."""

from __future__ import annotations

import hashlib
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from pypdf import PdfReader, PdfWriter

from onestop.common.v1 import common_pb2
from tests.e2e.conftest import Platform, User
from tests.e2e.pages import (
    complete_case,
    csrf_token,
    http_session,
    signed_in_page,
    validate_signed,
)
from tests.support.pdfs import sample_pdf

# Portal pages over the seal service: run once (SQLite). The seal service's PostgreSQL paths are
# covered by tests/integration/test_seal_service.py and test_sealing_migrations.py.
pytestmark = pytest.mark.once

PT_PER_MM = 72 / 25.4


@dataclass(frozen=True)
class Company:
    owner: User
    uscc: str
    name: str
    case_id: str

    @property
    def page(self) -> str:
        return f"/seals/{self.uscc}"


@pytest.fixture(scope="module")
def company(platform: Platform) -> Company:
    """One company whose case every desk completed, shared by this module's tests (each test
    authorises its own fresh users)."""
    owner = platform.user("entrepreneur")
    app = complete_case(platform, owner.username)
    assert app.state == common_pb2.CASE_STATE_COMPLETED, app.failure_reason
    return Company(owner, app.uscc, app.company_name, app.case_id)


@pytest.fixture
def sessions(platform: Platform) -> Iterator[Any]:
    """Signed-in HTTP clients of the running portal, closed after the test."""
    opened: list[httpx.Client] = []

    def open_as(user: User) -> httpx.Client:
        client = http_session(platform, user)
        opened.append(client)
        return client

    yield open_as
    for client in opened:
        client.close()


# ---------------------------------------------------------------------------- reading pages


def errors_for(html: str, name: str) -> str:
    """The text of the error block the page shows next to field ``name`` ('' if none)."""
    match = re.search(
        rf'<div class="field-errors" id="[^"]+" data-errors-for="{re.escape(name)}">(.*?)</div>',
        html,
        re.S,
    )
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))) if match else ""


def row_of(html: str, attribute: str, value: str) -> str:
    """The table row carrying ``attribute="value"`` ('' if none)."""
    match = re.search(rf'<tr[^>]* {attribute}="{re.escape(value)}"[^>]*>.*?</tr>', html, re.S)
    return match.group(0) if match else ""


def seal_codes(html: str) -> dict[str, str]:
    """Seal code by kind, from the seal cards of the owner's page."""
    return dict(
        (kind, code)
        for code, kind in re.findall(r'data-seal="(\d{13})" data-kind="([A-Z_]+)"', html)
    )


def grant(
    client: httpx.Client, company: Company, subject: str, **fields: str | list[str]
) -> httpx.Response:
    data: dict[str, Any] = {"csrf_token": csrf_token(client, company.page)}
    data["grant.subject"] = subject
    data.update({f"grant.{name}": value for name, value in fields.items()})
    return client.post(f"{company.page}/signers", data=data)


def sign(
    client: httpx.Client,
    company: Company,
    pdf: bytes,
    *,
    file_name: str = "contract.pdf",
    token: str | None = None,
    **fields: str,
) -> httpx.Response:
    data = {"sign.page": "1", "sign.x": "120", "sign.y": "40", "sign.reason": "签署合同"}
    data.update({f"sign.{name}": value for name, value in fields.items()})
    if token is None:
        token = csrf_token(client, company.page)
    if token:
        data["csrf_token"] = token
    return client.post(
        f"{company.page}/sign",
        data=data,
        files={"sign.file": (file_name, pdf, "application/pdf")},
    )


def mistyped(uscc: str) -> str:
    """The USCC with a wrong check character."""
    return uscc[:-1] + ("0" if uscc[-1] != "0" else "1")


def padded_pdf(size: int) -> bytes:
    """A valid one-page PDF a little over ``size`` bytes (an attachment of random bytes)."""
    writer = PdfWriter(clone_from=io.BytesIO(sample_pdf()))
    writer.add_attachment("padding.bin", os.urandom(size))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# ---------------------------------------------------------------------------- HTTP


def test_owner_authorises_a_user_who_seals_an_uploaded_pdf_that_validates_and_is_registered(
    platform: Platform, company: Company, sessions: Any
) -> None:
    owner = sessions(company.owner)
    page = owner.get(company.page)
    assert page.status_code == 200
    html = page.text
    assert 'data-role="owner"' in html and company.name in html
    codes = seal_codes(html)
    assert set(codes) == {"OFFICIAL", "FINANCE", "INVOICE", "LEGAL_REP"}
    assert html.count('<img src="data:image/png;base64,') == 4
    assert "公章" in html and "official seal" in html
    assert html.count('data-state="ACTIVE"') == 4

    helper = platform.user("entrepreneur")
    granted = grant(
        owner,
        company,
        helper.username,
        kinds=["OFFICIAL", "FINANCE"],
        valid_until="2027-06-30",
        note="代签合同",
    )
    assert granted.status_code == 303, errors_for(granted.text, "grant.subject")
    assert granted.headers["location"] == f"{company.page}#signers"
    html = owner.get(company.page).text
    assert "已授权。" in html
    row = row_of(html, "data-subject", helper.username)
    assert 'data-active="true"' in row
    assert "公章、财务专用章" in row and "2027-06-30 23:59:59" in row and "代签合同" in row

    # The authorised user sees only the sign form for the kinds granted, and their own grant.
    user = sessions(helper)
    html = user.get(company.page).text
    assert 'data-role="authorised"' in html
    assert "seal-card" not in html and "usages-table" not in html and "grant-form" not in html
    assert re.findall(r'<option value="([A-Z_]+)"', html) == ["OFFICIAL", "FINANCE"]
    assert 'id="my-grant-status" data-active="true"' in html and "2027-06-30 23:59:59" in html

    # Page 2, 100 mm from the left and 50 mm from the bottom.
    contract = sample_pdf(pages=2)
    signed = sign(
        user,
        company,
        contract,
        file_name="合同 contract.pdf",
        seal="OFFICIAL",
        page="2",
        x="100",
        y="50",
        reason="代表公司签署合同",
        location="天津宝坻",
    )
    assert signed.status_code == 200, errors_for(signed.text, "sign._general")
    assert signed.headers["content-type"] == "application/pdf"
    disposition = signed.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="contract-sealed.pdf"')
    assert "filename*=UTF-8''%E5%90%88%E5%90%8C%20contract-sealed.pdf" in disposition
    assert signed.headers["x-seal-code"] == codes["OFFICIAL"]
    pdf = signed.content
    report = validate_signed(platform, pdf)
    assert report.ok, report.pretty()
    (signature,) = report.signatures
    assert signature.field_name.startswith(f"seal-{codes['OFFICIAL']}-")
    widgets = [
        annotation.get_object()
        for annotation in PdfReader(io.BytesIO(pdf)).pages[1].get("/Annots", [])
        if annotation.get_object().get("/T") == signature.field_name
    ]
    assert len(widgets) == 1, "the impression sits on the second page"
    left, bottom = (float(v) for v in widgets[0]["/Rect"][:2])
    # The signer places the box in whole points.
    assert (left, bottom) == pytest.approx((100 * PT_PER_MM, 50 * PT_PER_MM), abs=0.5)

    # The owner's register shows the use, by whom and in what capacity.
    html = owner.get(company.page).text
    usage = row_of(html, "data-signed-sha256", hashlib.sha256(pdf).hexdigest())
    assert f'data-signer="{helper.username}"' in usage
    assert 'data-capacity="AUTHORISED_USER"' in usage and "被授权用印人" in usage
    assert "代表公司签署合同" in usage and codes["OFFICIAL"] in usage
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", usage)
    assert hashlib.sha256(contract).hexdigest()[:12] in usage


def test_someone_neither_owner_nor_authorised_gets_the_403_page(
    platform: Platform, company: Company, sessions: Any
) -> None:
    someone = platform.user("entrepreneur")
    stranger = sessions(someone)
    page = stranger.get(company.page)
    assert page.status_code == 403 and "无权访问" in page.text
    assert company.name not in page.text
    refused = sign(stranger, company, sample_pdf(), token=csrf_token(stranger, "/seals"))
    assert refused.status_code == 403 and "无权访问" in refused.text
    assert "sign-form" not in refused.text
    # Nothing entered in the register; the stranger's own list of companies is empty.
    owner_html = sessions(company.owner).get(company.page).text
    assert f'data-signer="{someone.username}"' not in owner_html
    assert "还没有已完成刻章的企业" in stranger.get("/seals").text
    # A malformed USCC never reaches the seal service.
    missing = stranger.get(f"/seals/{mistyped(company.uscc)}")
    assert missing.status_code == 404 and "校验码" in missing.text


def test_a_post_without_its_csrf_token_is_refused_and_changes_nothing(
    platform: Platform, company: Company, sessions: Any
) -> None:
    owner = sessions(company.owner)
    subject = platform.user("entrepreneur").username
    for token in ("", "not-the-token"):
        data = {"grant.subject": subject, "grant.kinds": "OFFICIAL"}
        if token:
            data["csrf_token"] = token
        refused = owner.post(f"{company.page}/signers", data=data)
        assert refused.status_code == 403 and "安全令牌" in refused.text
    revoke = owner.post(
        f"{company.page}/signers/revoke", data={"revoke.subject": subject, "revoke.reason": "x"}
    )
    assert revoke.status_code == 403 and "安全令牌" in revoke.text
    unsigned = sign(owner, company, sample_pdf(), token="")
    assert unsigned.status_code == 403 and "安全令牌" in unsigned.text
    assert row_of(owner.get(company.page).text, "data-subject", subject) == ""


def test_a_bad_grant_is_shown_next_to_its_field_in_chinese_and_english_and_changes_nothing(
    platform: Platform, company: Company, sessions: Any
) -> None:
    owner = sessions(company.owner)
    subject = platform.user("entrepreneur").username

    past = grant(owner, company, subject, kinds=["OFFICIAL"], valid_until="2020-01-01")
    assert past.status_code == 422
    html = past.text
    shown = errors_for(html, "grant.valid_until")
    assert "已过" in shown and "须晚于当前时间" in shown, shown
    assert "is not after now" in shown, "the English wording is shown too"
    # Next to the field: inside the same field block, and the input points at it.
    field = re.search(
        r'<label for="f-grant-valid_until">.*?<div class="field-errors" '
        r'id="f-grant-valid_until-errs"',
        html,
        re.S,
    )
    assert field and not re.search(r'<div class="field[ "]', field.group(0))
    assert re.search(
        r'id="f-grant-valid_until"[^>]*aria-invalid="true" '
        r'aria-describedby="f-grant-valid_until-errs"',
        html,
    )
    assert 'class="error-summary"' in html and 'href="#f-grant-valid_until"' in html
    # What was typed is kept.
    assert f'value="{subject}"' in html and 'value="2020-01-01"' in html
    assert re.search(r'value="OFFICIAL" checked', html)

    garbled = grant(owner, company, subject, valid_until="30/06/2027")
    assert garbled.status_code == 422
    shown = errors_for(garbled.text, "grant.valid_until")
    assert "日期格式应为 年-月-日" in shown and "year-month-day" in shown

    herself = grant(owner, company, company.owner.username)
    assert herself.status_code == 422
    assert "无需授权" in errors_for(herself.text, "grant.subject")

    assert row_of(owner.get(company.page).text, "data-subject", subject) == ""


def test_revoking_makes_the_users_next_signature_fail_with_the_reason_in_chinese(
    platform: Platform, company: Company, sessions: Any
) -> None:
    owner = sessions(company.owner)
    helper = platform.user("entrepreneur")
    assert grant(owner, company, helper.username, note="临时").status_code == 303
    user = sessions(helper)
    # Granted without kinds: every electronic seal.
    assert len(re.findall(r'<option value="[A-Z_]+"', user.get(company.page).text)) == 4
    before = sign(user, company, sample_pdf(), seal="FINANCE")
    assert before.status_code == 200 and before.content.startswith(b"%PDF")

    token = csrf_token(owner, company.page)
    unexplained = owner.post(
        f"{company.page}/signers/revoke",
        data={"csrf_token": token, "revoke.subject": helper.username, "revoke.reason": ""},
    )
    assert unexplained.status_code == 422
    assert "撤销授权须说明理由" in errors_for(unexplained.text, "revoke.reason")
    assert f'<option value="{helper.username}" selected' in unexplained.text
    revoked = owner.post(
        f"{company.page}/signers/revoke",
        data={"csrf_token": token, "revoke.subject": helper.username, "revoke.reason": "已离职"},
    )
    assert revoked.status_code == 303
    html = owner.get(company.page).text
    assert "已撤销授权。" in html
    row = row_of(html, "data-subject", helper.username)
    assert 'data-active="false"' in row and "已离职" in row and company.owner.username in row

    # The user still has the page open with the form; the next attempt is refused.
    after = sign(user, company, sample_pdf(), seal="FINANCE")
    assert after.status_code == 403
    shown = errors_for(after.text, "sign._general")
    assert f"{helper.username} 的用印授权已于" in shown and "撤销" in shown, shown
    assert "was revoked" in shown
    assert 'data-role="authorised"' in after.text and 'id="sign-unavailable"' in after.text
    assert 'id="my-grant-status" data-active="false"' in after.text
    register = owner.get(company.page).text
    # Only the signature made before the revocation is in the register.
    assert register.count(f'data-signer="{helper.username}"') == 1


def test_the_owner_finds_the_seals_from_the_case_and_the_list_and_others_open_them_by_uscc(
    platform: Platform, company: Company, sessions: Any
) -> None:
    owner = sessions(company.owner)
    assert f'href="{company.page}"' in owner.get(f"/cases/{company.case_id}").text
    listing = owner.get("/seals").text
    assert f'<tr data-uscc="{company.uscc}">' in listing and company.name in listing
    assert 'href="/seals" aria-current="page"' in listing

    other = sessions(platform.user("entrepreneur"))
    typed = f" {company.uscc[:9].lower()} {company.uscc[9:]} "
    opened = other.get("/seals", params={"uscc": typed})
    assert opened.status_code == 303 and opened.headers["location"] == company.page
    wrong = mistyped(company.uscc)
    bad = other.get("/seals", params={"uscc": wrong})
    assert bad.status_code == 422
    shown = errors_for(bad.text, "uscc")
    assert "第18位校验码" in shown and "USCC:" in shown and "check character" in shown
    assert f'value="{wrong}"' in bad.text
    empty = other.get("/seals", params={"uscc": ""})
    assert "请填写统一社会信用代码" in errors_for(empty.text, "uscc")


def test_a_pdf_up_to_10_mb_is_sealed_and_a_larger_one_is_refused_next_to_the_file_field(
    platform: Platform, company: Company, sessions: Any
) -> None:
    owner = sessions(company.owner)
    codes = seal_codes(owner.get(company.page).text)
    # Well above gRPC's default 4 MB message limit, in both directions.
    large = padded_pdf(9 * 1024 * 1024)
    signed = sign(owner, company, large, seal=codes["FINANCE"])
    assert signed.status_code == 200, errors_for(signed.text, "sign._general")
    assert validate_signed(platform, signed.content).ok

    too_large = sign(owner, company, padded_pdf(10 * 1024 * 1024), seal=codes["FINANCE"])
    assert too_large.status_code == 422
    shown = errors_for(too_large.text, "sign.file")
    assert "文件超过 10 MB" in shown and "larger than 10 MB" in shown
    assert f'<option value="{codes["FINANCE"]}" selected' in too_large.text


def test_the_register_shows_the_latest_20_uses_and_older_ones_behind_a_more_link(
    company: Company, sessions: Any
) -> None:
    owner = sessions(company.owner)
    token = csrf_token(owner, company.page)
    contract = sample_pdf()
    for number in range(1, 22):
        signed = sign(
            owner, company, contract, token=token, seal="OFFICIAL", reason=f"第{number}次"
        )
        assert signed.status_code == 200, errors_for(signed.text, "sign._general")
    latest = owner.get(company.page).text
    reasons = re.findall(r'<td data-label="事由">(第\d+次)</td>', latest)
    assert reasons == [f"第{n}次" for n in range(21, 1, -1)]
    assert 'data-capacity="OWNER"' in latest
    more = re.search(r'<a href="([^"]+)" id="usages-more">', latest)
    assert more, "a link to the older entries"
    older = owner.get(more.group(1).replace("&amp;", "&")).text
    assert "用印登记（更早的记录）" in older
    assert re.findall(r'<td data-label="事由">(第\d+次)</td>', older)[0] == "第1次"
    assert f'href="{company.page}#usages"' in older


# ---------------------------------------------------------------------------- browser


def test_owner_opens_the_seals_page_and_authorises_a_user_in_a_browser(
    platform: Platform, company: Company, new_page: Any, screenshots: Path
) -> None:
    helper = platform.user("entrepreneur")
    page = signed_in_page(new_page, company.owner)
    page.get_by_role("navigation").get_by_role("link", name="电子印章").click()
    page.locator(f'tr[data-uscc="{company.uscc}"]').get_by_role("link", name="打开").click()
    expect(page.locator("h1")).to_contain_text(company.name)
    expect(page.locator(".seal-card img")).to_have_count(4)

    page.get_by_label("用印人账号").fill(helper.username)
    page.get_by_label("公章", exact=True).check()
    page.get_by_label("财务专用章", exact=True).check()
    page.locator("#f-grant-valid_until").fill("2027-06-30")
    page.get_by_label("备注", exact=True).fill("负责合同用印")
    page.get_by_role("button", name="授权", exact=True).click()

    expect(page.locator("p.flash")).to_have_text("已授权。")
    row = page.locator(f'#signers-table tr[data-subject="{helper.username}"]')
    expect(row).to_have_attribute("data-active", "true")
    expect(row).to_contain_text("公章、财务专用章")
    expect(row).to_contain_text("2027-06-30 23:59:59")
    row.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "seals.png"), full_page=True)

    # On a phone: nothing wider than the screen, and the skip link comes first.
    phone = signed_in_page(new_page, company.owner, company.page, width=390, height=844)
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the seals page is {overflow}px wider than the phone"
    phone.screenshot(path=str(screenshots / "seals-phone.png"), full_page=True)
    phone.keyboard.press("Tab")
    expect(phone.locator("a.skip")).to_be_focused()
