"""The engine's side of the persons' confirmation (engine.consent), on a real SQLite store with a
manual clock: nothing is sent before the last signature, the signing period ends an unsigned
case naming who did not sign, and a signature made over an outdated PDF is refused as stale.
The signatures themselves (PAdES by the signing server) are tests/e2e/test_person_signatures."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from onestop.common.v1 import application_pb2
from onestop_common.errors import PermissionDenied
from onestop_common.identity import Principal, Role
from orchestrator.engine import StaleApplicationPdf
from orchestrator.engine.states import CaseNotFound
from orchestrator.signatures import SIGNING_PERIOD, persons_to_sign
from tests.support.saga_harness import Harness, e, minimal_form

# A Thursday morning in Tianjin (01:00 UTC = 09:00 Asia/Shanghai).
START = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
LEGAL_REP = ("张三", "110105199003070011")
SHAREHOLDER = ("李四", "120115198512120026")


def form_with_two_persons() -> application_pb2.ApplicationForm:
    form = minimal_form()
    form.legal_representative.name, form.legal_representative.id_number = LEGAL_REP
    form.legal_representative.id_type = 1
    holder = form.shareholders.add()
    holder.person.name, holder.person.id_number = SHAREHOLDER
    holder.person.id_type = 1
    # The legal representative is also the company's manager: one person, two roles.
    officer = form.officers.add()
    officer.person.CopyFrom(form.legal_representative)
    officer.role = application_pb2.OFFICER_ROLE_MANAGER
    return form


def person(name: str, id_number: str) -> Principal:
    return Principal(f"person-{id_number[-4:]}", Role.ENTREPRENEUR, name=name, person_id=id_number)


@pytest.fixture
def h(tmp_path: Path) -> Harness:
    harness = Harness(f"sqlite:///{tmp_path}/o.db", START)
    harness.engine.person_signatures = True
    harness.engine.person_key_secret = "test secret"
    return harness


def sign(h: Harness, case_id: str, who: Principal) -> None:
    target = h.engine.signing_target(case_id, who)
    signed = target.pdf + f"\n% signed by {target.position}\n".encode()
    h.engine.record_signature(target, who, signed, f"{target.position:x}")


def test_each_person_once_with_every_role() -> None:
    persons = persons_to_sign(form_with_two_persons())
    assert [(p.name, p.roles) for p in persons] == [
        ("张三", ["legal_representative", "manager"]),
        ("李四", ["shareholder"]),
    ]


def test_nothing_is_sent_before_the_last_signature(h: Harness) -> None:
    case_id = h.submit(form_with_two_persons())
    assert h.case(case_id).state == e.AWAITING_SIGNATURES
    assert h.take_commands() == []
    sign(h, case_id, person(*LEGAL_REP))
    assert h.case(case_id).state == e.AWAITING_SIGNATURES
    assert h.take_commands() == []
    sign(h, case_id, person(*SHAREHOLDER))
    started = h.case(case_id)
    assert started.state == e.RUNNING
    assert started.due_at is not None and started.signatures_due_at is None
    assert [c.step for c in h.take_commands()] == ["license"]


def test_a_signature_over_an_outdated_pdf_is_refused_as_stale(h: Harness) -> None:
    case_id = h.submit(form_with_two_persons())
    first = h.engine.signing_target(case_id, person(*LEGAL_REP))
    second = h.engine.signing_target(case_id, person(*SHAREHOLDER))
    h.engine.record_signature(first, person(*LEGAL_REP), first.pdf + b"%1\n", "1")
    with pytest.raises(StaleApplicationPdf):
        h.engine.record_signature(second, person(*SHAREHOLDER), second.pdf + b"%2\n", "2")
    again = h.engine.signing_target(case_id, person(*SHAREHOLDER))
    assert again.pdf_sha256 == hashlib.sha256(first.pdf + b"%1\n").hexdigest()


def test_the_signing_period_ends_an_unsigned_case_naming_who_did_not_sign(h: Harness) -> None:
    case_id = h.submit(form_with_two_persons())
    sign(h, case_id, person(*LEGAL_REP))
    h.advance(SIGNING_PERIOD - timedelta(minutes=1))
    assert h.case(case_id).state == e.AWAITING_SIGNATURES
    h.advance(timedelta(minutes=2))
    ended = h.case(case_id)
    assert ended.state == e.FAILED
    assert "李四" in ended.failure_reason and "7" in ended.failure_reason
    assert "张三" not in ended.failure_reason
    assert h.take_commands() == []


def test_an_unverified_caller_or_a_stranger_cannot_sign(h: Harness) -> None:
    case_id = h.submit(form_with_two_persons())
    with pytest.raises(PermissionDenied, match="real-name"):
        h.engine.signing_target(case_id, Principal("local-account", Role.ENTREPRENEUR))
    # A verified stranger is told what an unknown case id would tell them.
    with pytest.raises(CaseNotFound):
        h.engine.signing_target(case_id, person("王五", "120115199001010018"))
