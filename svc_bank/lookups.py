"""Asking the registration and seal services for the facts due diligence needs, over nameko's
AMQP RPC (never grpcio inside a nameko process). No answer in time, a service that is not
running, or an answer outside the contract is :class:`NoAnswer`: a transient failure the saga
retries, never a rejection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import eventlet
from nameko.exceptions import RemoteError, UnknownService

from svc_bank import domain

RPC_TIMEOUT_SECONDS = 5.0


class NoAnswer(Exception):
    """Another service did not answer usably; try again later."""


@dataclass(frozen=True)
class Facts:
    license: domain.LicenseFact | None
    finance_seal: domain.SealFact | None
    legal_rep_seal: domain.SealFact | None


def _ask(what: str, call: Callable[[str], Any], argument: str) -> Any:
    try:
        with eventlet.Timeout(RPC_TIMEOUT_SECONDS):
            return call(argument)
    except eventlet.Timeout as exc:
        raise NoAnswer(f"{what} did not answer within {RPC_TIMEOUT_SECONDS:.0f} s") from exc
    except UnknownService as exc:
        raise NoAnswer(f"{what}: the service is not running") from exc
    except RemoteError as exc:
        raise NoAnswer(f"{what} failed: {exc.exc_type}") from exc


def gather(registration: Any, seal: Any, application: domain.AccountApplication) -> Facts:
    """The license status and both seal filings; only what the application names is asked for."""
    try:
        license_ = (
            domain.license_fact(
                _ask("registration.license_status", registration.license_status, application.uscc)
            )
            if application.uscc
            else None
        )
        finance, legal_rep = [
            domain.seal_fact(_ask("seal.seal_filing", seal.seal_filing, code)) if code else None
            for code in (application.finance_seal_code, application.legal_rep_seal_code)
        ]
    except domain.MalformedAnswer as exc:
        raise NoAnswer(str(exc)) from exc
    return Facts(license_, finance, legal_rep)
