"""The portal's drafts hold the form as typed, ID numbers and phones included: sealed at rest,
read back as typed, and sealed when the database is upgraded from before."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from onestop_common.db import make_engine, upgrade_schema
from portal.store import MIGRATIONS, VERSION_TABLE, PortalStore
from tests.support.service_db import TEST_KEK

ID_NUMBER, PHONE = "120115198503120033", "13800000001"
FIELDS = {"legal_rep.id_number": ID_NUMBER, "legal_rep.phone": PHONE, "company.name": "示例科技"}
BEFORE_SEALING = "5c1e0a7d2b94"


def stored_fields(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT fields FROM drafts")).scalars())


def test_a_draft_is_sealed_at_rest_and_resumed_as_typed(tmp_path: Path) -> None:
    store = PortalStore.open(f"sqlite:///{tmp_path}/portal.db", kek=TEST_KEK)
    draft_id = store.save_draft("alice", FIELDS, "my company")

    [stored] = stored_fields(store.engine)
    assert ID_NUMBER not in stored and PHONE not in stored and "示例" not in stored
    draft = store.draft("alice", draft_id)
    assert draft is not None and draft.fields == FIELDS
    assert [d.fields for d in store.drafts("alice")] == [FIELDS]
    store.close()


def test_drafts_saved_before_are_sealed_by_the_upgrade_and_opened_by_the_downgrade(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    engine = make_engine(url, kek=TEST_KEK)
    upgrade_schema(engine, MIGRATIONS, VERSION_TABLE, revision=BEFORE_SEALING)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO drafts (id, owner, title, fields, created_at, updated_at) VALUES "
                "('d1', 'alice', 't', :fields, '2026-12-01 00:00:00', '2026-12-01 00:00:00')"
            ),
            {"fields": f'{{"legal_rep.id_number": "{ID_NUMBER}", "legal_rep.phone": "{PHONE}"}}'},
        )

    upgrade_schema(engine, MIGRATIONS, VERSION_TABLE)
    assert ID_NUMBER not in stored_fields(engine)[0]
    draft = PortalStore(engine).draft("alice", "d1")
    assert draft is not None
    assert draft.fields == {"legal_rep.id_number": ID_NUMBER, "legal_rep.phone": PHONE}

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["version_table"] = VERSION_TABLE
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, BEFORE_SEALING)
    assert ID_NUMBER in stored_fields(engine)[0]
    engine.dispose()


def test_a_verified_persons_id_number_is_sealed_at_rest(tmp_path: Path) -> None:
    from portal.store import RealNameIdentity

    store = PortalStore.open(f"sqlite:///{tmp_path}/portal.db", kek=TEST_KEK)
    identity = RealNameIdentity("https://idp.example", "subject-1", "张伟", ID_NUMBER)
    account = store.sign_in_verified(identity)
    with store.engine.connect() as connection:
        [stored] = connection.execute(text("SELECT person_id FROM users")).scalars()
    assert ID_NUMBER not in stored
    assert account.person_id == ID_NUMBER
    assert store.get(account.username).person_id == ID_NUMBER  # type: ignore[union-attr]
    store.close()
