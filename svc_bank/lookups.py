"""Asking the registration and seal services for the facts due diligence needs, over nameko's
AMQP RPC (never grpcio inside a nameko process) with their contracts' messages serialized:
LookUpLicenseStatus and LookUpSealFiling. No answer in time, a service that is not running, or an
answer outside the contract is :class:`NoAnswer`: a transient failure the saga retries, never a
rejection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import eventlet
from google.protobuf.message import DecodeError, Message
from nameko.exceptions import RemoteError, UnknownService

from onestop.common.v1 import application_pb2
from onestop.registration.v1 import registration_pb2
from onestop.seal.v1 import seal_pb2
from svc_bank import domain

RPC_TIMEOUT_SECONDS = 5.0

LICENSE_STATUS = {
    registration_pb2.LICENSE_STATUS_VALID: "valid",
    registration_pb2.LICENSE_STATUS_REVOKED: "revoked",
}
FILING_STATE = {
    seal_pb2.FILING_STATE_FILED: "filed",
    seal_pb2.FILING_STATE_CANCELLED: "cancelled",
}
# The bank's names of seal kinds are the seal service's own (its SealKind values).
SEAL_KIND = {
    application_pb2.SEAL_KIND_OFFICIAL: "official",
    application_pb2.SEAL_KIND_FINANCE: "finance",
    application_pb2.SEAL_KIND_INVOICE: "invoice",
    application_pb2.SEAL_KIND_LEGAL_REP: "legal_rep",
    application_pb2.SEAL_KIND_CONTRACT: "contract",
}
UNKNOWN = "unknown"

M = TypeVar("M", bound=Message)


class NoAnswer(Exception):
    """Another service did not answer usably; try again later."""


@dataclass(frozen=True)
class Facts:
    license: domain.LicenseFact | None
    finance_seal: domain.SealFact | None
    legal_rep_seal: domain.SealFact | None


def _ask(what: str, call: Callable[[bytes], Any], request: Message, answer_type: type[M]) -> M:
    """One lookup: the request serialized out, the answer parsed as its contract's message."""
    try:
        with eventlet.Timeout(RPC_TIMEOUT_SECONDS):
            answer = call(request.SerializeToString())
    except eventlet.Timeout as exc:
        raise NoAnswer(f"{what} did not answer within {RPC_TIMEOUT_SECONDS:.0f} s") from exc
    except UnknownService as exc:
        raise NoAnswer(f"{what}: the service is not running") from exc
    except RemoteError as exc:
        raise NoAnswer(f"{what} failed: {exc.exc_type}") from exc
    if not isinstance(answer, bytes):
        raise NoAnswer(f"{what} answered a {type(answer).__name__}, not a serialized message")
    try:
        return answer_type.FromString(answer)
    except DecodeError as exc:
        name = answer_type.DESCRIPTOR.full_name
        raise NoAnswer(f"{what} answered something that is not a {name}") from exc


def license_fact(
    uscc: str, answer: registration_pb2.LookUpLicenseStatusResponse
) -> domain.LicenseFact:
    """The registration service's answer as due diligence reads it; an answer without a license
    is the "unknown" status."""
    if not answer.HasField("license"):
        return domain.LicenseFact(
            uscc=uscc, status=UNKNOWN, reason="no license with this USCC was issued here"
        )
    found = answer.license
    if found.status not in LICENSE_STATUS:
        raise NoAnswer(f"registration.license_status answered the status {found.status}")
    return domain.LicenseFact(
        uscc=found.uscc,
        status=LICENSE_STATUS[found.status],
        company_name=found.company_name,
        legal_representative=found.legal_representative,
        reason=found.revocation_reason,
    )


def seal_fact(seal_code: str, answer: seal_pb2.LookUpSealFilingResponse) -> domain.SealFact:
    """The seal service's answer as due diligence reads it; an answer without a filing is the
    "unknown" state."""
    if not answer.HasField("filing"):
        return domain.SealFact(seal_code=seal_code, state=UNKNOWN)
    filing = answer.filing
    if filing.state not in FILING_STATE:
        raise NoAnswer(f"seal.seal_filing answered the state {filing.state}")
    return domain.SealFact(
        seal_code=filing.seal_code,
        state=FILING_STATE[filing.state],
        uscc=filing.uscc,
        kind=SEAL_KIND.get(filing.kind, ""),
        filing_number=filing.filing_number,
    )


def license_status(registration: Any, uscc: str) -> domain.LicenseFact:
    request = registration_pb2.LookUpLicenseStatusRequest(uscc=uscc)
    answer = _ask(
        "registration.license_status",
        registration.license_status,
        request,
        registration_pb2.LookUpLicenseStatusResponse,
    )
    return license_fact(uscc, answer)


def seal_filing(seal: Any, seal_code: str) -> domain.SealFact:
    request = seal_pb2.LookUpSealFilingRequest(seal_code=seal_code)
    answer = _ask("seal.seal_filing", seal.seal_filing, request, seal_pb2.LookUpSealFilingResponse)
    return seal_fact(seal_code, answer)


def gather(registration: Any, seal: Any, application: domain.AccountApplication) -> Facts:
    """The license status and both seal filings; only what the application names is asked for."""
    license_ = license_status(registration, application.uscc) if application.uscc else None
    finance, legal_rep = [
        seal_filing(seal, code) if code else None
        for code in (application.finance_seal_code, application.legal_rep_seal_code)
    ]
    return Facts(license_, finance, legal_rep)
