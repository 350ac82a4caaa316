"""Where citizens sign in (OpenID Connect settings): the local test provider unless a real one
is configured, and a configured one only with the secret it registered the portal with."""

from __future__ import annotations

from pathlib import Path

import pytest

from onestop_common.settings import SettingsError, load_settings


def test_without_an_issuer_the_portal_is_sent_to_the_local_provider(tmp_path: Path) -> None:
    settings = load_settings({"ONESTOP_DATA_DIR": str(tmp_path), "ONESTOP_HTTP_PORT_BASE": "9000"})
    assert settings.local_oidc_provider
    assert settings.oidc_issuer_url == "http://127.0.0.1:9008"
    assert settings.oidc_redirect_uri == "http://127.0.0.1:9006/login/oidc/callback"
    # The secret is made once and shared through the data directory (the provider reads it too).
    assert settings.oidc_client_secret
    assert load_settings({"ONESTOP_DATA_DIR": str(tmp_path)}).oidc_client_secret == (
        settings.oidc_client_secret
    )
    assert settings.oidc_client_secret not in repr(settings)


def test_a_configured_provider_is_used_as_written(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "ONESTOP_DATA_DIR": str(tmp_path),
            "ONESTOP_OIDC_ISSUER": "https://id.example.gov.cn/realname/",
            "ONESTOP_OIDC_CLIENT_ID": "tj-onestop",
            "ONESTOP_OIDC_CLIENT_SECRET": "registered-secret",
            "ONESTOP_OIDC_ID_NUMBER_CLAIM": "cert_no",
            "ONESTOP_PORTAL_PUBLIC_URL": "https://onestop.example.gov.cn/",
        }
    )
    assert not settings.local_oidc_provider
    # Compared character for character with the ID token's "iss": the trailing slash stays.
    assert settings.oidc_issuer_url == "https://id.example.gov.cn/realname/"
    assert settings.oidc_redirect_uri == "https://onestop.example.gov.cn/login/oidc/callback"
    assert (settings.oidc_client_id, settings.oidc_id_number_claim) == ("tj-onestop", "cert_no")
    assert not (tmp_path / "secrets" / "oidc_client.key").exists()


def test_a_configured_provider_without_the_client_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="ONESTOP_OIDC_CLIENT_SECRET"):
        load_settings(
            {"ONESTOP_DATA_DIR": str(tmp_path), "ONESTOP_OIDC_ISSUER": "https://id.example.gov.cn"}
        )


@pytest.mark.parametrize("url", ["id.example.gov.cn", "ftp://id.example.gov.cn", "https://x/?a=1"])
def test_an_issuer_that_is_no_http_url_is_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(SettingsError, match="ONESTOP_OIDC_ISSUER must be an absolute"):
        load_settings(
            {
                "ONESTOP_DATA_DIR": str(tmp_path),
                "ONESTOP_OIDC_ISSUER": url,
                "ONESTOP_OIDC_CLIENT_SECRET": "s",
            }
        )
