"""The orchestrator keeps the platform CAs' revocation lists from expiring."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from onestop_common.pki import PkiStore
from onestop_common.settings import load_settings
from orchestrator.process import PLATFORM_CAS, renew_platform_crls


def test_lists_near_expiry_are_renewed_and_fresh_ones_left_alone(tmp_path):
    settings = load_settings({"ONESTOP_DATA_DIR": str(tmp_path)})
    store = PkiStore(settings.pki_dir, settings.kek)
    created = datetime.now(UTC)
    store.init(now=created)
    assert renew_platform_crls(settings, created + timedelta(days=1)) == []
    later = created + timedelta(days=25)  # 5 days left of the 30
    assert renew_platform_crls(settings, later) == list(PLATFORM_CAS)
    for ca in PLATFORM_CAS:
        assert store.load_crl(ca).next_update_utc > later + timedelta(days=25)
    assert renew_platform_crls(settings, later) == []
