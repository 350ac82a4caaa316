"""Operator commands: verify audit chains, create the PKI."""

from __future__ import annotations

import sys
from typing import TextIO

from sqlalchemy import select

from onestop_common.db import make_engine, make_session_factory, transaction, upgrade_schema
from onestop_common.settings import load_settings


def audit_verify(case_id: str | None, out: TextIO = sys.stdout) -> int:
    from orchestrator import audit
    from orchestrator.models import Saga
    from orchestrator.process import MIGRATIONS

    settings = load_settings()
    engine = make_engine(settings.database_url_for("orchestrator"), kek=settings.kek)
    upgrade_schema(engine, MIGRATIONS, "alembic_version_orchestrator")
    sessions = make_session_factory(engine)
    broken = 0
    with transaction(sessions) as session:
        ids = [case_id] if case_id else list(session.scalars(select(Saga.id).order_by(Saga.id)))
        for one in ids:
            count, problems = audit.verify(session, one)
            if count == 0:
                print(f"{one}: no audit entries (unknown case?)", file=out)
                broken += 1
                continue
            if problems:
                broken += 1
                print(f"{one}: BROKEN — {len(problems)} problem(s) in {count} entries", file=out)
                for problem in problems:
                    print(f"  entry {problem.seq}: {problem.problem}", file=out)
            else:
                print(f"{one}: intact ({count} entries, hash chain verified)", file=out)
    return 1 if broken else 0


def pki_init(algorithm: str, out: TextIO = sys.stdout) -> int:
    from onestop_common.pki import KeyAlgorithm, PkiStore

    settings = load_settings()
    store = PkiStore(settings.pki_dir, settings.kek)
    existed = store.is_complete()
    alg = KeyAlgorithm.ECDSA_P256 if algorithm == "ecdsa-p256" else KeyAlgorithm.RSA_2048
    store.init(
        algorithm=alg,
        crl_base_url=settings.crl_base_url,
        tls_server_names=settings.tls_server_names,
    )
    root = store.root_certificate()
    verb = "already present" if existed else "created"
    print(
        f"PKI {verb} in {settings.pki_dir}: root {root.subject.rfc4514_string()}, "
        f"valid until {root.not_valid_after_utc:%Y-%m-%d}",
        file=out,
    )
    return 0
