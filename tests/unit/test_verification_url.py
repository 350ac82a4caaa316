"""The public verification page's address on licenses and bundles: built from the configured
public portal address, never from the loopback default, and read back by the portal."""

from __future__ import annotations

from onestop_common.settings import load_settings
from onestop_common.verification import (
    PLACEHOLDER_BASE,
    VerificationTarget,
    parse_verification_url,
    valid_license_number,
    verification_url,
)

USCC = "91120115MA05W2DY4U"
NUMBER = "1201152026112600A1B2"


def test_the_url_names_uscc_license_number_and_version():
    base = "https://onestop.example.gov.cn/"
    assert verification_url(base, USCC, NUMBER) == (
        f"https://onestop.example.gov.cn/verify/{USCC}/{NUMBER}"
    )
    assert verification_url(base, USCC, NUMBER, 3).endswith(f"/verify/{USCC}/{NUMBER}?v=3")


def test_parsing_reads_back_what_was_built_and_refuses_the_old_scheme():
    url = verification_url("https://x.example/portal", USCC, NUMBER, 2)
    assert parse_verification_url(url) == VerificationTarget(USCC, NUMBER, 2)
    assert parse_verification_url(f"onestop://registration/license-status?uscc={USCC}") is None
    assert parse_verification_url("https://x.example/cases/1/2") is None


def test_license_numbers_are_digits_and_capitals():
    assert valid_license_number(NUMBER)
    assert not valid_license_number("12011/../x") and not valid_license_number("")


def test_unconfigured_platform_prints_a_reserved_name_not_the_loopback(tmp_path):
    local = load_settings({"ONESTOP_DATA_DIR": str(tmp_path)})
    assert local.verification_base_url == PLACEHOLDER_BASE
    assert "127.0.0.1" in local.portal_url  # the portal itself still links locally
    public = load_settings(
        {"ONESTOP_DATA_DIR": str(tmp_path), "ONESTOP_PORTAL_PUBLIC_URL": "https://os.example.cn/"}
    )
    assert public.verification_base_url == "https://os.example.cn"
