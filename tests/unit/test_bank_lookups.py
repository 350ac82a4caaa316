"""The bank's lookups without a broker: the registration and seal answers read strictly from their
contracts' messages, an answer without a license or filing is "unknown", and anything outside the
contract is NoAnswer (a retry), never a rejection."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from nameko.exceptions import RemoteError

from onestop.common.v1 import application_pb2
from onestop.registration.v1 import registration_pb2 as reg_pb
from onestop.seal.v1 import seal_pb2
from svc_bank import lookups
from svc_bank.domain import AccountApplication, LicenseFact, PersonInput, SealFact

USCC = "91120115MA05XXXX0Y"
FINANCE, LEGAL_REP = "1201150000001", "1201150000002"


class Fake:
    """A nameko ServiceRpc stand-in: each method answers with what ``answer`` makes of the
    request it was sent, which it keeps."""

    def __init__(self, method: str, answer: Callable[[bytes], Any]) -> None:
        self.sent: list[bytes] = []

        def call(body: bytes) -> Any:
            self.sent.append(body)
            return answer(body)

        setattr(self, method, call)


def registration(license_: reg_pb.GetLicenseStatusResponse | None) -> Fake:
    answer = reg_pb.LookUpLicenseStatusResponse(license=license_)
    return Fake("license_status", lambda _: answer.SerializeToString())


def seal(filings: dict[str, seal_pb2.GetSealFilingResponse]) -> Fake:
    def answer(body: bytes) -> bytes:
        code = seal_pb2.LookUpSealFilingRequest.FromString(body).seal_code
        return seal_pb2.LookUpSealFilingResponse(filing=filings.get(code)).SerializeToString()

    return Fake("seal_filing", answer)


def filing(code: str, kind: int, state: int = seal_pb2.FILING_STATE_FILED) -> Any:
    return seal_pb2.GetSealFilingResponse(
        seal_code=code, filing_number=f"F-{code[-1]}", state=state, uscc=USCC, kind=kind
    )


def application(uscc: str = USCC, finance: str = FINANCE, legal_rep: str = "") -> Any:
    return AccountApplication(
        uscc=uscc,
        company_name="天津宝坻示例科技有限公司",
        legal_representative=PersonInput("张伟", "citizen_id", "120115199001011234"),
        shareholders=(),
        registered_capital="100000",
        bank_code="102",
        branch_name="",
        finance_seal_code=finance,
        legal_rep_seal_code=legal_rep,
    )


def test_a_valid_license_and_filed_seals_are_read_from_the_messages():
    revoked = reg_pb.GetLicenseStatusResponse(
        uscc=USCC,
        status=reg_pb.LICENSE_STATUS_REVOKED,
        company_name="天津宝坻示例科技有限公司",
        revocation_reason="bank refused the account",
        legal_representative="张伟",
    )
    reg = registration(revoked)
    seals = seal(
        {
            FINANCE: filing(FINANCE, application_pb2.SEAL_KIND_FINANCE),
            LEGAL_REP: filing(
                LEGAL_REP, application_pb2.SEAL_KIND_LEGAL_REP, seal_pb2.FILING_STATE_CANCELLED
            ),
        }
    )
    facts = lookups.gather(reg, seals, application(legal_rep=LEGAL_REP))
    assert facts.license == LicenseFact(
        USCC, "revoked", "天津宝坻示例科技有限公司", "张伟", "bank refused the account"
    )
    assert facts.finance_seal == SealFact(FINANCE, "filed", USCC, "finance", "F-1")
    assert facts.legal_rep_seal == SealFact(LEGAL_REP, "cancelled", USCC, "legal_rep", "F-2")
    assert [reg_pb.LookUpLicenseStatusRequest.FromString(b).uscc for b in reg.sent] == [USCC]
    assert [seal_pb2.LookUpSealFilingRequest.FromString(b).seal_code for b in seals.sent] == [
        FINANCE,
        LEGAL_REP,
    ]


def test_an_answer_without_license_or_filing_is_unknown_and_only_named_things_are_asked():
    reg, seals = registration(None), seal({})
    facts = lookups.gather(reg, seals, application(finance=FINANCE, legal_rep=""))
    assert facts.license is not None and facts.license.status == "unknown"
    assert facts.finance_seal == SealFact(FINANCE, "unknown")
    assert facts.legal_rep_seal is None
    assert len(seals.sent) == 1

    nothing = lookups.gather(reg, seals, application(uscc="", finance=""))
    assert nothing == lookups.Facts(None, None, None)
    assert len(reg.sent) == 1


def _raise(error: Exception) -> Callable[[bytes], Any]:
    def fail(_: bytes) -> Any:
        raise error

    return fail


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (_raise(RemoteError("InvalidInput", "uscc too long")), "failed: InvalidInput"),
        (lambda _: {"uscc": USCC, "status": "valid"}, "not a serialized message"),
        (lambda _: b"\xff\xff\xff", "not a onestop.registration.v1.LookUpLicenseStatusResponse"),
        (
            lambda _: reg_pb.LookUpLicenseStatusResponse(
                license=reg_pb.GetLicenseStatusResponse(uscc=USCC)
            ).SerializeToString(),
            "answered the status 0",
        ),
    ],
)
def test_an_answer_outside_the_contract_is_no_answer(answer, says):
    with pytest.raises(lookups.NoAnswer, match=re.escape(says)):
        lookups.gather(Fake("license_status", answer), seal({}), application(finance=""))


def test_a_filing_without_a_state_is_no_answer():
    bad = {FINANCE: filing(FINANCE, application_pb2.SEAL_KIND_FINANCE, state=0)}
    with pytest.raises(lookups.NoAnswer, match=re.escape("seal.seal_filing answered the state 0")):
        lookups.gather(registration(None), seal(bad), application())
