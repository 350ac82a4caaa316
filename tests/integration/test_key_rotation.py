"""``onestop keys rotate-kek`` over real stores (SQLite, or PostgreSQL with ONESTOP_TEST_DB): every
store's keys re-wrapped and values re-sealed, the PKI's and the seals' private keys and the
one-time-code secrets re-encrypted, the new KEK installed; an interrupted rotation finished by
running it again; nothing readable under the old KEK afterwards, and no key or value printed."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

import svc_seal.models
import svc_social_insurance.models
from onestop.social_insurance.v1 import social_insurance_pb2 as si_pb
from onestop_cli.keys import NEXT_KEK, rotate_kek
from onestop_common import sealed_fields
from onestop_common.db import make_engine, make_session_factory, upgrade_schema
from onestop_common.pki import ROOT, PkiStore, load_private_key
from onestop_common.sealed_fields import SealedFieldError, kek_id
from onestop_common.settings import COMPONENTS, Settings, load_settings, secret_path
from portal import totp
from portal.store import PortalStore
from svc_seal import actions as seal_actions
from svc_seal.dependencies import SealPki
from svc_seal.models import SealRecord
from svc_social_insurance import store as si_store
from svc_social_insurance import workflow as si_workflow
from svc_social_insurance.models import Enrolment
from tests.support.in_process import NOW, StepCommands, personal_numbers, sample_form, uscc
from tests.support.infra import free_port_base
from tests.support.saga_harness import Harness
from tests.support.service_db import ServiceDb

SCHEMAS = {"seal": svc_seal.models, "social_insurance": svc_social_insurance.models}
SI_CASE, ORCHESTRATOR_START = "OS20261126-SI00000001", NOW


@dataclass
class Platform:
    """The stores of one platform, written under its first KEK (from its secret file)."""

    settings: Settings
    case_id: str
    draft_id: str

    @property
    def numbers(self) -> set[str]:
        return personal_numbers(sample_form())


def settings_for(tmp_path: Path, database_url: str) -> Settings:
    base = free_port_base()
    env = {
        "ONESTOP_DATA_DIR": str(tmp_path / "data"),
        "ONESTOP_DATABASE_URL": database_url,
        "ONESTOP_GRPC_PORT_BASE": str(base),
        "ONESTOP_HTTP_PORT_BASE": str(base + 100),
    }
    return load_settings(env)


def service_db(settings: Settings, participant: str) -> ServiceDb:
    models = SCHEMAS[participant]
    migrations = Path(models.__file__ or "").parent / "migrations"
    engine = make_engine(settings.database_url_for(participant), kek=settings.kek)
    upgrade_schema(engine, migrations, f"alembic_version_{participant}")
    return ServiceDb(participant, make_session_factory(engine), models.Outbox, models.Inbox)


@pytest.fixture
def platform(tmp_path: Path, database_url: str) -> Iterator[Platform]:
    settings = settings_for(tmp_path, database_url)
    PkiStore(settings.pki_dir, settings.kek).init(crl_base_url=settings.crl_base_url)

    harness = Harness(
        settings.database_url_for("orchestrator"), ORCHESTRATOR_START, kek=settings.kek
    )
    case_id = harness.submit(sample_form())
    harness.db.dispose()

    si = service_db(settings, "social_insurance")
    request = StepCommands("social_insurance", uscc()).action(SI_CASE)
    si.run_saga_action(
        si_workflow.RPC,
        request,
        si_pb.RegisterEmployerResponse,
        lambda u: si_workflow.register_employer(u, request, now=NOW, auto_approve=True),
    )
    si.sessions.kw["bind"].dispose()

    seal = service_db(settings, "seal")
    form = sample_form()
    for kind in form.seals:
        kind.physical = False  # electronic seals only: made at once, each with its own key
    order = StepCommands("seal", uscc()).action("OS20261126-SEAL000001", form)
    env = seal_actions.Env(settings=settings, pki=SealPki(settings), now=NOW)
    with seal.unit_of_work() as uow:
        issued = seal_actions.issue_seals(uow, order, env)
    assert issued.seals
    seal.sessions.kw["bind"].dispose()

    portal = PortalStore.open(settings.database_url_for("portal"), kek=settings.kek)
    draft_id = portal.save_draft("alice", {"legal_rep.id_number": "120115198503120033"}, "t")
    portal.add_user("officer", "a long enough password", "officer")
    portal.enable_totp("officer", settings.kek)
    portal.close()
    yield Platform(settings, case_id, draft_id)


def opened(settings: Settings, component: str, kek: bytes) -> Engine:
    """The component's store as a process holding only ``kek`` opens it."""
    engine = make_engine(settings.database_url_for(component), kek=kek)
    sealed_fields.load_keys(engine)
    return engine


def key_ids(engine: Engine, table: str, column: str) -> set[int]:
    with engine.connect() as connection:
        stored = connection.execute(text(f"SELECT {column} FROM {table}")).scalars()
        return {
            sealed_fields.body_key_id(
                sealed_fields.text_body(value)
                if isinstance(value, str)
                else sealed_fields.bytes_body(bytes(value))
            )
            for value in stored
        }


def check_everything_under(platform: Platform, new: bytes) -> None:
    settings = platform.settings
    for component in COMPONENTS:
        engine = opened(settings, component, new)
        with engine.connect() as connection:
            wrapped = set(connection.execute(text("SELECT kek_id FROM data_keys")).scalars())
        assert wrapped == {kek_id(new)}, component
        engine.dispose()

    si = opened(settings, "social_insurance", new)
    current = sealed_fields.keys_of(si).current
    assert current > 1 and key_ids(si, "enrolments", "id_number") == {current}
    assert key_ids(si, "outbox", "body") == {current}
    with make_session_factory(si)() as session:
        employees = {e.id_number for e in session.query(Enrolment)}
        assert employees and employees <= platform.numbers
        assert si_store.enrolled_elsewhere(session, employees) == employees  # blind index intact
    si.dispose()

    harness = Harness(settings.database_url_for("orchestrator"), ORCHESTRATOR_START, kek=new)
    assert harness.engine.case_form(platform.case_id, harness.applicant) == sample_form()
    harness.db.dispose()

    seal = opened(settings, "seal", new)
    with make_session_factory(seal)() as session:
        keys = [row.private_key for row in session.query(SealRecord) if row.private_key]
    assert keys and all(load_private_key(key, new) for key in keys)
    seal.dispose()
    PkiStore(settings.pki_dir, new).load_identity(ROOT)

    portal = PortalStore.open(settings.database_url_for("portal"), kek=new)
    draft = portal.draft("alice", platform.draft_id)
    assert draft is not None and draft.fields["legal_rep.id_number"] == "120115198503120033"
    with portal.engine.connect() as connection:
        secret = connection.execute(text("SELECT totp_secret FROM users")).scalar_one()
    assert totp.unseal(secret, new)
    portal.close()


def test_a_rotation_reprotects_everything_and_installs_the_new_kek(platform: Platform) -> None:
    settings = platform.settings
    old = settings.kek
    out = io.StringIO()

    assert rotate_kek(None, batch=2, settings=settings, out=out) == 0

    new = secret_path(settings.data_dir, "kek").read_bytes().strip()
    assert new != old and not secret_path(settings.data_dir, NEXT_KEK).exists()
    check_everything_under(platform, new)
    printed = out.getvalue()
    assert kek_id(old) in printed and kek_id(new) in printed
    assert "social_insurance.enrolments: 2 rows read, 2 rewritten" in printed
    for secret in (old.decode(), new.decode(), *platform.numbers):
        assert secret not in printed
    # The old KEK opens nothing any more.
    with pytest.raises(SealedFieldError, match="wrapped with KEK"):
        opened(settings, "orchestrator", old)


class Crash(Exception):
    pass


class CrashingOut(io.StringIO):
    """Output that fails at the n-th progress line: a rotation stopped half-way, after a batch
    was committed."""

    def __init__(self, at: int) -> None:
        super().__init__()
        self.left = at

    def write(self, text: str) -> int:
        if "rows read" in text:
            self.left -= 1
            if self.left == 0:
                raise Crash
        return super().write(text)


def test_an_interrupted_rotation_is_finished_by_running_it_again(
    platform: Platform, tmp_path: Path
) -> None:
    settings = platform.settings
    new_file = tmp_path / "new.kek"
    new_file.write_bytes(b"the operator's new KEK\n")

    with pytest.raises(Crash):
        rotate_kek(str(new_file), batch=1, settings=settings, out=CrashingOut(at=4))
    # Half-way: the first stores are under the new KEK, the old KEK still installed.
    assert secret_path(settings.data_dir, "kek").read_bytes().strip() == settings.kek
    with pytest.raises(SealedFieldError, match="wrapped with KEK"):
        opened(settings, "orchestrator", settings.kek)

    again = io.StringIO()
    assert rotate_kek(str(new_file), batch=1, settings=settings, out=again) == 0
    assert "orchestrator: data keys done" in again.getvalue()
    check_everything_under(platform, b"the operator's new KEK")
    assert new_file.exists()  # the operator's file is theirs to keep or destroy


@pytest.mark.db_independent
def test_a_running_platform_is_not_rotated_under_its_feet(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, f"sqlite:///{tmp_path}/{{component}}.db")
    with socket.create_server((settings.grpc_host, settings.grpc_port("orchestrator"))):
        out = io.StringIO()
        assert rotate_kek(None, settings=settings, out=out) == 1
    assert "orchestrator on" in out.getvalue()
    assert not secret_path(settings.data_dir, NEXT_KEK).exists()  # nothing was begun
