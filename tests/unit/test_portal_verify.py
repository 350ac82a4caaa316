"""The public verification page with fixed answers from the registration service (a stand-in
stub, no platform): each status in Chinese and English, nothing personal shown, the USCC checked
exactly with a bilingual error naming the field, the upload's size limit, and the per-address
limits answering 429 with Retry-After."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from onestop.registration.v1 import registration_pb2 as reg_pb
from onestop_common.protoconv import timestamp
from onestop_common.settings import Settings
from portal.app import create_app
from portal.routes import verify as verify_routes
from portal.store import PortalStore
from portal.verification import check_name
from tests.support.portal import csrf_of, offline_settings, portal_store

pytestmark = pytest.mark.db_independent

USCC = "91120115MA05W2DY4U"
NUMBER = "1201152026112600A1B2"
ID_NUMBER = "110101199003074514"
REVOKED_AT = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def _status(**fields: Any) -> reg_pb.GetLicenseStatusResponse:
    answer = reg_pb.GetLicenseStatusResponse(
        uscc=USCC,
        license_number=NUMBER,
        status=reg_pb.LICENSE_STATUS_VALID,
        company_name="天津宝坻示例科技有限公司",
        legal_representative="张伟",
        date_of_establishment="2026-11-26",
        version=1,
    )
    for name, value in fields.items():
        if isinstance(value, datetime):
            getattr(answer, name).CopyFrom(timestamp(value))
        else:
            setattr(answer, name, value)
    return answer


class _NotFound(grpc.RpcError):
    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.NOT_FOUND

    def details(self) -> str:
        return "no license"


class FakeRegistration:
    """Stands in for RegistrationServiceStub: answers GetLicenseStatus with ``answer``."""

    answer: reg_pb.GetLicenseStatusResponse | None = None
    asked: list[reg_pb.GetLicenseStatusRequest] = []  # noqa: RUF012 - shared on purpose

    def __init__(self, channel: Any) -> None:
        pass

    def GetLicenseStatus(self, request: Any, timeout: float) -> Any:
        FakeRegistration.asked.append(request)
        if FakeRegistration.answer is None:
            raise _NotFound()
        return FakeRegistration.answer


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = offline_settings(tmp_path_factory.mktemp("verify"))
    settings.pki_dir.mkdir(parents=True, exist_ok=True)
    (settings.pki_dir / "root.pem").write_bytes(_self_signed_root())
    return settings


def _self_signed_root() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Root")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def store(settings: Settings) -> Iterator[PortalStore]:
    with portal_store(settings) as store:
        yield store


_ADDRESSES = iter(range(1, 250))


@pytest.fixture
def client(settings: Settings, store: PortalStore, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    """A client from an address of its own, so each test starts with a fresh allowance."""
    monkeypatch.setattr(verify_routes.reg_grpc, "RegistrationServiceStub", FakeRegistration)
    FakeRegistration.answer, FakeRegistration.asked = _status(), []
    address = (f"203.0.113.{next(_ADDRESSES)}", 40000)
    return TestClient(create_app(settings, store=store), follow_redirects=False, client=address)


def _page(client: TestClient, lang: str, path: str = f"/verify/{USCC}/{NUMBER}") -> Any:
    client.cookies.set("lang", lang)
    return client.get(path)


def _visible(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_a_valid_license_in_chinese_shows_company_and_masked_representative(client):
    page = _page(client, "zh")
    assert page.status_code == 200
    text = _visible(page.text)
    assert 'data-state="valid"' in page.text and "现行有效" in text
    assert "天津宝坻示例科技有限公司" in text and USCC in text and "2026-11-26" in text
    assert "张*" in text and "张伟" not in text
    asked = FakeRegistration.asked[-1]
    assert (asked.uscc, asked.license_number) == (USCC, NUMBER)


def test_a_revoked_license_in_english_shows_date_and_category_not_the_reason(client):
    FakeRegistration.answer = _status(
        status=reg_pb.LICENSE_STATUS_REVOKED,
        revoked_at=REVOKED_AT,
        revocation_reason=f"bank refused: legal representative 张伟 {ID_NUMBER}",
        revocation_category=reg_pb.REVOCATION_CATEGORY_COMMITMENT_UNFULFILLED,
    )
    page = _page(client, "en")
    text = _visible(page.text)
    assert 'data-state="revoked"' in page.text and "has been revoked" in text
    assert "2026-11-30" in text and "commitment" in text and "not fulfilled" in text
    assert "bank refused" not in text and ID_NUMBER not in page.text and "张伟" not in text


def test_a_changed_license_says_the_scanned_version_is_older(client):
    FakeRegistration.answer = _status(version=3, changed_at=REVOKED_AT)
    zh = _visible(_page(client, "zh", f"/verify/{USCC}/{NUMBER}?v=1").text)
    assert "已办理变更登记，现行为第 3 版" in zh and "您扫描的是第 1 版" in zh
    en = _visible(_page(client, "en", f"/verify/{USCC}/{NUMBER}?v=3").text)
    assert "the current version is 3" in en and "You scanned" not in en


def test_an_unknown_license_is_not_found(client):
    FakeRegistration.answer = None
    page = _page(client, "en")
    assert page.status_code == 404 and 'data-state="not_found"' in page.text


def test_the_uscc_is_checked_exactly_with_a_bilingual_error_naming_the_field(client):
    wrong = USCC[:-1] + "X"  # a wrong check character
    page = client.get("/verify", params={"uscc": wrong, "license_number": NUMBER})
    assert page.status_code == 400
    errors = re.findall(r'<p class="field-error" id="uscc-error">([^<]+)</p>', page.text)
    assert errors == [
        "统一社会信用代码第18位校验码为X，按 GB 32100 应为U。 / "
        "USCC: check character (position 18) is X, GB 32100 gives U."
    ]
    assert FakeRegistration.asked == []
    ok = client.get("/verify", params={"uscc": USCC.lower(), "license_number": NUMBER})
    assert (ok.status_code, ok.headers["location"]) == (303, f"/verify/{USCC}/{NUMBER}")


def test_lookups_beyond_the_minute_allowance_get_429_with_retry_after(client):
    for _ in range(verify_routes.LOOKUPS_PER_MINUTE):
        assert client.get(f"/verify/{USCC}/{NUMBER}").status_code == 200
    refused = _page(client, "en")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 60
    assert "每分钟最多查询" in refused.text and "a minute" in refused.text
    assert len(FakeRegistration.asked) == verify_routes.LOOKUPS_PER_MINUTE


def test_uploads_are_checked_size_limited_and_counted(client):
    token = csrf_of(client, "/verify")
    for _ in range(verify_routes.UPLOADS_PER_MINUTE):
        page = client.post(
            "/verify/bundle",
            data={"csrf_token": token},
            files={"bundle": ("x.pdf", b"not a PDF at all", "application/pdf")},
        )
        assert page.status_code == 200 and 'data-ok="false"' in page.text
    refused = client.post(
        "/verify/bundle",
        data={"csrf_token": token},
        files={"bundle": ("x.pdf", b"%PDF-", "application/pdf")},
    )
    assert refused.status_code == 429 and "retry-after" in refused.headers


def test_an_oversized_upload_is_refused_before_it_is_read(client):
    page = client.post(
        "/verify/bundle",
        content=b"x",
        headers={"content-length": str(21 * 1024 * 1024), "content-type": "multipart/form-data"},
    )
    assert page.status_code == 413
    assert "超过 20 MB" in page.text and "larger than the 20 MB limit" in page.text


def test_check_names_in_chinese_and_signers_masked():
    assert check_name("signer not revoked", "zh") == "签名证书未被吊销"
    assert check_name("seal 1201 (finance seal) certificate", "zh") == "印章 1201（财务专用章）证书"
    assert check_name("signer not revoked", "en") == "signer not revoked"
    assert check_name("application signed by 李娜 (shareholder)", "en") == (
        "application signed by 李* (shareholder)"
    )
