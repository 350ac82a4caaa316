"""The seal CA's certificate revocation list: issued with the next number on revocation,
re-issued when it gets old, and served to anyone who asks."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from onestop.seal.v1 import seal_pb2
from onestop_common.nameko_kit import Store, UnitOfWork
from onestop_common.protoconv import timestamp
from svc_seal import domain
from svc_seal import store as db
from svc_seal.actions.env import Env
from svc_seal.models import IssuedCrl

log = logging.getLogger(__name__)


# The PKI's init wrote CRL number 1 for the seal CA into the PKI directory; ours follow it.
_FIRST_CRL_NUMBER = 2


def issue_crl(uow: UnitOfWork, env: Env) -> IssuedCrl:
    """A new CRL of the seal CA listing every revoked seal certificate, with the next number."""
    session = uow.session
    number = max(db.last_crl_number(session) + 1, _FIRST_CRL_NUMBER)
    revoked = db.revoked_certificates(session)
    now = env.pki.clock.now()
    der, next_update = env.pki.build_crl(revoked, number, now)
    return db.save_crl(
        session,
        crl_number=number,
        this_update=now,
        next_update=next_update,
        revoked_count=len(revoked),
        der=der,
    )


def current_crl_number(uow: UnitOfWork) -> int:
    return db.last_crl_number(uow.session)


def fresh_crl(uow: UnitOfWork, env: Env) -> IssuedCrl:
    """The current CRL, re-issued first when none exists or it is getting old."""
    current = db.current_crl(uow.session)
    now = env.pki.clock.now()
    if current is None or domain.crl_due(current.this_update, current.next_update, now):
        return issue_crl(uow, env)
    return current


@dataclass(frozen=True)
class CrlCopy:
    der: bytes
    crl_number: int
    next_update: datetime


_CRL_ATTEMPTS = 3


def current_crl(store: Store, env: Env) -> CrlCopy:
    """``fresh_crl`` in its own transaction. Two workers renewing at once (PostgreSQL) collide
    on the CRL number; the loser reads the winner's CRL, which is just as fresh."""
    for attempt in range(1, _CRL_ATTEMPTS + 1):
        try:
            with store.transaction() as uow:
                crl = fresh_crl(uow, env)
                return CrlCopy(crl.der, crl.crl_number, crl.next_update)
        except IntegrityError:
            if attempt == _CRL_ATTEMPTS:
                raise
            log.info("another worker issued the seal CRL at the same moment; reading theirs")
    raise AssertionError("unreachable")


def get_crl(store: Store, env: Env) -> seal_pb2.GetCrlResponse:
    crl = current_crl(store, env)
    response = seal_pb2.GetCrlResponse(crl_der=crl.der, crl_number=crl.crl_number)
    response.next_update.CopyFrom(timestamp(crl.next_update))
    return response
