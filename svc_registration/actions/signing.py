"""Signing the license outside the transaction: the handler asks for a signature by raising
:class:`NeedsSignature`, the service signs and runs it again; when the PKI or TSA cannot be
reached, a saga action answers RETRY instead."""

from __future__ import annotations

from dataclasses import dataclass

from onestop.common.v1 import common_pb2
from onestop_common import contracts, desk
from onestop_common.nameko_kit import UnitOfWork, offload
from svc_registration import domain
from svc_registration.documents import LicenseSigner
from svc_registration.domain import PARTICIPANT
from svc_registration.license_pdf import render_license

Outcome = common_pb2.Outcome


class NeedsSignature(Exception):
    """The transaction must run again with a signed license in hand.

    Signing calls the TSA, and no network call may run inside a database transaction: SQLite
    holds its write lock for the whole transaction, and under eventlet another green thread's
    busy wait on that lock stalls the whole process. So the service rolls back, signs these
    facts outside any transaction, and runs the handler again with the result.
    """

    def __init__(self, case_id: str, facts: domain.LicenseFacts) -> None:
        super().__init__(f"case {case_id} needs a signed license")
        self.case_id = case_id
        self.facts = facts


@dataclass(frozen=True)
class PreparedLicense:
    case_id: str
    facts: domain.LicenseFacts
    pdf: bytes


def prepare_license(need: NeedsSignature, signer: LicenseSigner) -> PreparedLicense:
    """Draws and signs the license (no database: this talks to the TSA)."""
    drawn = offload(render_license, need.facts)
    pdf = signer.sign(drawn, company_name=need.facts.company_name)
    return PreparedLicense(need.case_id, need.facts, pdf)


def retry_later(uow: UnitOfWork, rpc: str, request: object, reason: str) -> object:
    """A transient failure (PKI or TSA not reachable): RETRY, not remembered under the key, so
    the orchestrator's retry runs the action for real."""
    response = contracts.response_type(PARTICIPANT, rpc)()
    response.context.CopyFrom(request.context)  # type: ignore[attr-defined]
    response.status.CopyFrom(  # type: ignore[attr-defined]
        desk.step_status(Outcome.OUTCOME_RETRY, reason=reason[:500])
    )
    uow.emit_result(rpc, response)
    return response
