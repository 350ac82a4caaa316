"""``onestop keys rotate-kek``: replaces the key-encryption key (KEK) and re-protects everything it
protects, store by store.

What rotates, and how:

- each store's data keys (``onestop_common.sealed_fields``) are re-wrapped under the new KEK and a
  new data key is added; every sealed value (ID numbers, phones, account numbers, forms, kept
  commands, results and messages) is then re-sealed with it, in batches of one transaction each;
- each store's blind-index key is re-wrapped, not replaced: lookups by ID number go on working
  without re-indexing every row;
- the PKI's private keys (the PKI directory) and the company seals' private keys (the seal
  service's database) are re-encrypted under the new KEK;
- the portal's one-time-code secrets are re-encrypted under the key the new KEK gives them.

Whatever is already under the new KEK is left as it is, so a rotation that stopped half-way is
finished by running the same command again (a generated new KEK waits in ``secrets/kek.next``).
Run it with the platform stopped: a running process keeps the keys it loaded at start. Keys and
values are never printed; a KEK is named by its fingerprint (``sealed_fields.kek_id``).
"""

from __future__ import annotations

import importlib
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from sqlalchemy import Engine, MetaData, RowMapping

from onestop_common.db import make_engine, upgrade_schema
from onestop_common.pki import PkiStore, rewrapped_private_key
from onestop_common.sealed_fields import FieldKeys, attach, kek_id
from onestop_common.sealed_rows import (
    BATCH,
    Change,
    SealedColumns,
    resealing,
    rewrite,
    sealed_columns,
)
from onestop_common.settings import (
    COMPONENTS,
    SIGNER,
    Settings,
    load_settings,
    secret_file,
    secret_path,
)

NEXT_KEK = "kek.next"
PACKAGES = {
    "orchestrator": "orchestrator",
    "registration": "svc_registration",
    "seal": "svc_seal",
    "invoice": "svc_invoice",
    "social_insurance": "svc_social_insurance",
    "bank": "svc_bank",
    "portal": "portal",
}


def rotate_kek(
    new_kek_file: str | None,
    *,
    batch: int = BATCH,
    force: bool = False,
    settings: Settings | None = None,
    out: TextIO = sys.stdout,
) -> int:
    settings = settings or load_settings()
    running = "" if force else _answering(settings)
    if running:
        print(
            f"the platform seems to be running ({running} answers): stop it first, its processes "
            "hold the keys they loaded at start (--force if that is something else)",
            file=out,
        )
        return 1
    old = settings.kek
    new, source = _new_kek(settings, new_kek_file)
    if new == old:
        if source == secret_path(settings.data_dir, NEXT_KEK):
            source.unlink()  # installed by a run that stopped just after
            print(f"the rotation to KEK {kek_id(new)} was complete", file=out)
            return 0
        print(f"the new KEK ({source}) is the KEK in use: nothing to rotate", file=out)
        return 2
    print(f"rotating KEK {kek_id(old)} to {kek_id(new)} (from {source})", file=out, flush=True)
    for component in COMPONENTS:
        _rotate_store(settings, component, old, new, batch, out)
    rewrapped = PkiStore(settings.pki_dir, new).rewrap_keys(old)
    print(f"pki: {rewrapped} private key(s) re-encrypted in {settings.pki_dir}", file=out)
    _install(settings, new, source, out)
    return 0


def _new_kek(settings: Settings, new_kek_file: str | None) -> tuple[bytes, Path]:
    """The KEK to rotate to: the operator's file, or one made at random and kept in the data
    directory until the rotation is installed (a rerun after a crash finds it there)."""
    if new_kek_file:
        path = Path(new_kek_file)
        value = path.read_bytes().strip()
    else:
        path = secret_path(settings.data_dir, NEXT_KEK)
        value = secret_file(settings.data_dir, NEXT_KEK)
    if not 1 <= len(value) <= 1023:
        raise SystemExit(f"{path}: a KEK is 1 to 1023 bytes")
    return value, path


def _rotate_store(
    settings: Settings, component: str, old: bytes, new: bytes, batch: int, out: TextIO
) -> None:
    metadata, migrations = _schema(component)
    engine = make_engine(settings.database_url_for(component))
    keys = FieldKeys(new, older=(old,))
    attach(engine, keys)
    try:
        # A store on an older schema is brought up to date first (its plaintext sealed at once
        # under the new KEK), so that what follows finds the columns as the models declare them.
        upgrade_schema(engine, migrations, f"alembic_version_{component}")
        with engine.begin() as connection:
            rewrapped = keys.rotate(connection)
        state = f"re-wrapped, now sealing with data key {keys.current}" if rewrapped else "done"
        print(f"{component}: data keys {state}", file=out, flush=True)
        for spec in sealed_columns(metadata):
            _rewrite(engine, component, spec, resealing(keys, spec), batch, out)
        for spec, change in _kek_encrypted(component, old, new):
            _rewrite(engine, component, spec, change, batch, out)
    finally:
        engine.dispose()


def _schema(component: str) -> tuple[MetaData, Path]:
    package = importlib.import_module(PACKAGES[component])
    models = importlib.import_module(f"{PACKAGES[component]}.models")
    assert package.__file__ is not None
    return models.Base.metadata, Path(package.__file__).parent / "migrations"


def _rewrite(
    engine: Engine, component: str, spec: SealedColumns, change: Change, batch: int, out: TextIO
) -> None:
    def progress(seen: int, changed: int) -> None:
        print(f"  {component}.{spec.table}: {seen} rows read, {changed} rewritten", file=out)
        out.flush()

    rewrite(engine.begin, spec, change, batch=batch, progress=progress)


def _kek_encrypted(
    component: str, old: bytes, new: bytes
) -> Iterator[tuple[SealedColumns, Change]]:
    """The columns a component encrypts with the KEK itself rather than with its data keys."""
    if component == "seal":

        def seal_key(row: RowMapping) -> dict[str, object]:
            stored = row["private_key"]
            rewrapped = rewrapped_private_key(bytes(stored), new, old) if stored else None
            return {} if rewrapped is None else {"private_key": rewrapped}

        yield SealedColumns("seals", ("seal_code",), binary=("private_key",)), seal_key
    if component == "portal":
        from portal import totp

        def totp_secret(row: RowMapping) -> dict[str, object]:
            stored = row["totp_secret"]
            if not stored:
                return {}
            try:
                totp.unseal(stored, new)
                return {}
            except ValueError:
                return {"totp_secret": totp.seal(totp.unseal(stored, old), new)}

        yield SealedColumns("users", ("id",), text=("totp_secret",)), totp_secret


def _install(settings: Settings, new: bytes, source: Path, out: TextIO) -> None:
    """Makes the new KEK the platform's: the secret file, when the KEK in use came from it."""
    current = secret_path(settings.data_dir, "kek")
    if current.exists() and current.read_bytes().strip() == settings.kek:
        _replace(current, new)
        if source == secret_path(settings.data_dir, NEXT_KEK):
            source.unlink()
        print(
            f"KEK {kek_id(new)} installed in {current}; start the platform as before (where "
            "ONESTOP_KEK is set, set it to the new KEK)",
            file=out,
        )
        return
    print(
        f"every store is under KEK {kek_id(new)}: set ONESTOP_KEK to the KEK in {source} "
        "wherever the platform runs before starting it",
        file=out,
    )


def _replace(path: Path, value: bytes) -> None:
    # Write then rename: a crash leaves the old KEK or the new one, never half of one.
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(value)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _answering(settings: Settings) -> str:
    """A platform process listening on its port, if one is: "orchestrator on 10.20.0.5:50050"."""
    ports = [(name, settings.grpc_port(name)) for name in (*COMPONENTS, SIGNER)]
    ports.append(("portal (HTTP)", settings.http_port("portal")))
    for name, port in ports:
        try:
            with socket.create_connection((settings.grpc_host, port), timeout=0.3):
                return f"{name} on {settings.grpc_host}:{port}"
        except OSError:
            continue
    return ""
