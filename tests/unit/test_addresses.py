"""Addresses are configuration (issue 13): where each process listens, where it finds the others,
and every address that leaves the platform inside a certificate — nothing in the code says
127.0.0.1 unless the settings do."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cryptography import x509

from onestop_common.pki import PkiStore, crl_urls
from onestop_common.settings import Settings, SettingsError, load_settings

KEK = b"test key-encryption key"
REPO = Path(__file__).resolve().parents[2]
PUBLIC = {
    "ONESTOP_CRL_URL": "https://pki.onestop.example.cn/crl/",
    "ONESTOP_TSA_URL": "https://tsa.onestop.example.cn/tsa",
    "ONESTOP_PORTAL_PUBLIC_URL": "https://onestop.example.cn",
    "ONESTOP_PARTNER_PUBLIC_TARGET": "api.onestop.example.cn:443",
    "ONESTOP_TLS_SERVER_NAMES": "api.onestop.example.cn, 10.20.0.5",
    "ONESTOP_LISTEN_HOST": "0.0.0.0",
    "ONESTOP_GRPC_HOST": "10.20.0.5",
    "ONESTOP_TARGETS": "seal=seal.onestop.svc:50052, signer=10.20.0.7:50057|10.20.0.8:50057",
}


def settings_of(tmp_path: Path, **env: str) -> Settings:
    return load_settings({"ONESTOP_DATA_DIR": str(tmp_path), **env})


def test_one_host_defaults_derive_from_the_grpc_host(tmp_path: Path) -> None:
    local = settings_of(tmp_path)
    assert local.bind_host == "127.0.0.1"
    assert local.grpc_target("seal") == f"127.0.0.1:{local.grpc_port('seal')}"
    assert local.crl_base_url == f"http://127.0.0.1:{local.http_port('seal')}/crl"
    other = settings_of(tmp_path, ONESTOP_GRPC_HOST="10.1.2.3")
    assert other.bind_host == "10.1.2.3"
    assert other.crl_base_url.startswith("http://10.1.2.3:")
    assert other.portal_url.startswith("http://10.1.2.3:")
    assert other.tsa_url.startswith("http://10.1.2.3:")


def test_configured_public_addresses_are_the_ones_used(tmp_path: Path) -> None:
    public = settings_of(tmp_path, **PUBLIC)
    assert public.crl_base_url == "https://pki.onestop.example.cn/crl"
    assert public.tsa_url == "https://tsa.onestop.example.cn/tsa"
    assert public.verification_base_url == "https://onestop.example.cn"
    assert public.partner_grpc_target() == "api.onestop.example.cn:443"
    assert public.tls_server_names == ("api.onestop.example.cn", "10.20.0.5")
    assert public.bind_host == "0.0.0.0"
    assert public.grpc_target("seal") == "seal.onestop.svc:50052"
    # Replicas: the signing client fails over between them; a gRPC channel gets one target.
    assert public.signing_targets() == ("10.20.0.7:50057", "10.20.0.8:50057")
    assert public.grpc_target("signer") == "ipv4:10.20.0.7:50057,10.20.0.8:50057"
    # A component not named keeps its place on the platform's host.
    assert public.grpc_target("bank") == f"10.20.0.5:{public.grpc_port('bank')}"


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("ONESTOP_TARGETS", "vault=10.0.0.1:50052", "unknown component 'vault'"),
        ("ONESTOP_TARGETS", "seal=10.0.0.1", "host:port"),
        ("ONESTOP_TARGETS", "seal=a.example.cn:1|b.example.cn:1", "must be IP addresses"),
        ("ONESTOP_CRL_URL", "pki.example.cn/crl", "absolute http(s) URL"),
        ("ONESTOP_TSA_URL", "ftp://tsa.example.cn", "absolute http(s) URL"),
        ("ONESTOP_TLS_SERVER_NAMES", "api.example.cn,bad name", "DNS names or IP addresses"),
    ],
)
def test_a_malformed_address_is_refused_naming_the_variable(
    tmp_path: Path, variable: str, value: str, named: str
) -> None:
    with pytest.raises(SettingsError, match=re.escape(variable)) as refused:
        settings_of(tmp_path, **{variable: value})
    assert named in str(refused.value)


def test_certificates_carry_the_configured_crl_url_and_server_names(tmp_path: Path) -> None:
    settings = settings_of(tmp_path, **PUBLIC)
    store = PkiStore(tmp_path / "pki", KEK)
    store.init(crl_base_url=settings.crl_base_url, tls_server_names=settings.tls_server_names)
    for issued_by_a_ca in ("seal", "registration-signer", "tsa-signer", "tls-server"):
        urls = crl_urls(store.load_certificate(issued_by_a_ca))
        assert urls and all(u.startswith("https://pki.onestop.example.cn/crl/") for u in urls)
    names = _alternative_names(store.load_certificate("tls-server"))
    assert names == {"api.onestop.example.cn", "10.20.0.5"}
    # A host added later: the server certificate is reissued to name it too.
    wider = (*settings.tls_server_names, "api2.onestop.example.cn")
    assert store.ensure_tls_server_names(wider)
    assert "api2.onestop.example.cn" in _alternative_names(store.load_certificate("tls-server"))
    assert not store.ensure_tls_server_names(wider)


def _alternative_names(cert: x509.Certificate) -> set[str]:
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    addresses = {str(a) for a in san.get_values_for_type(x509.IPAddress)}
    return set(san.get_values_for_type(x509.DNSName)) | addresses


# Where a loopback address may stand in the platform's code: the settings' defaults, and the
# chaos command's private RabbitMQ node, which is made on this machine on purpose.
LOOPBACK_ALLOWED = {"onestop_common/settings.py", "onestop_cli/broker_node.py"}
PACKAGES = (
    "onestop_common", "onestop_cli", "orchestrator", "portal", "gateway", "idp", "signer",
    "svc_registration", "svc_seal", "svc_invoice", "svc_social_insurance", "svc_bank",
)  # fmt: skip


def test_no_code_outside_the_settings_names_the_loopback_address() -> None:
    found = [
        f"{path.relative_to(REPO)}:{number}"
        for package in PACKAGES
        for path in sorted((REPO / package).rglob("*.py"))
        if str(path.relative_to(REPO)) not in LOOPBACK_ALLOWED
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"127\.0\.0\.1|localhost", line.split("#")[0])
    ]
    assert found == []
