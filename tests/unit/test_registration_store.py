"""The registration database's guards, on a real SQLite file migrated like the service's: name
holds (one holder per key, two months reserved, a year after revocation), the USCC register
(never a code twice, even retired), and the credit list (seeded from a versioned file, updatable).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

import svc_registration
from onestop_common.clock import SHANGHAI
from onestop_common.db import transaction
from svc_registration import domain, store
from svc_registration.domain import EnterpriseType, Person
from svc_registration.models import CreditEntryRow, Inbox, NameHold, Outbox, UsccRecord
from svc_registration.reference import credit_seed
from tests.support.service_db import OpenServiceDb, ServiceSchema

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)
KEYS = ("trade|120115|I|宝坻示例", "full|120115|天津宝坻示例科技有限公司")
SCHEMA = ServiceSchema(domain.PARTICIPANT, svc_registration, Outbox, Inbox)


@pytest.fixture
def sessions(open_service_db: OpenServiceDb) -> sessionmaker[Session]:
    """The service's own database, migrated as the service migrates it."""
    return open_service_db(SCHEMA).sessions


def claim(
    sessions: sessionmaker[Session], case: str, applicant: str, now: datetime = NOW
) -> list[NameHold]:
    with transaction(sessions) as session:
        blocked = store.claim_name(
            session,
            KEYS,
            case_id=case,
            applicant_id=applicant,
            full_name="天津宝坻示例科技有限公司",
            now=now,
        )
        return [h.case_id for h in blocked]  # type: ignore[misc]


def settle(sessions: sessionmaker[Session], case: str, outcome: str, now: datetime) -> None:
    """The case's names settled as ``outcome`` (registered, deregistered, released) at ``now``."""
    with transaction(sessions) as session:
        store.settle_names(session, case, outcome, now)


def test_a_name_has_one_holder_and_the_second_case_is_told_who_holds_it(sessions):
    assert claim(sessions, "case-1", "alice") == []
    assert claim(sessions, "case-2", "bob") == ["case-1", "case-1"]
    assert claim(sessions, "case-1", "alice") == []  # the holder itself may claim again


def test_a_blocked_claim_takes_none_of_the_keys(sessions):
    with transaction(sessions) as session:
        store.claim_name(
            session, KEYS[1:], case_id="case-1", applicant_id="alice", full_name="x", now=NOW
        )
    assert claim(sessions, "case-2", "bob") == ["case-1"]
    with transaction(sessions) as session:
        assert session.get(NameHold, KEYS[0]) is None


def test_the_database_refuses_a_second_holder_even_past_the_code(sessions):
    claim(sessions, "case-1", "alice")
    with pytest.raises(Exception, match="UNIQUE"), transaction(sessions) as session:
        session.add(
            NameHold(
                key=KEYS[0],
                case_id="case-2",
                applicant_id="bob",
                full_name="x",
                state="reserved",
                held_from=NOW,
            )
        )
        session.flush()


def test_the_same_applicant_may_move_a_reservation_to_a_new_case_but_never_a_registration(sessions):
    claim(sessions, "case-1", "alice")
    assert claim(sessions, "case-2", "alice") == []
    assert claim(sessions, "case-3", "bob") == ["case-2", "case-2"]
    settle(sessions, "case-2", store.REGISTERED, NOW)
    assert claim(sessions, "case-4", "alice") == ["case-2", "case-2"]


def test_a_reservation_lapses_after_two_months(sessions):
    claim(sessions, "case-1", "alice")
    assert claim(sessions, "case-2", "bob", NOW + timedelta(days=59)) == ["case-1", "case-1"]
    assert claim(sessions, "case-2", "bob", NOW + timedelta(days=62)) == []


def test_a_registered_name_never_lapses_and_a_revoked_one_is_held_a_year(sessions):
    claim(sessions, "case-1", "alice")
    settle(sessions, "case-1", store.REGISTERED, NOW)
    later = NOW + timedelta(days=3650)
    assert claim(sessions, "case-2", "bob", later) == ["case-1", "case-1"]
    settle(sessions, "case-1", store.DEREGISTERED, later)
    assert claim(sessions, "case-2", "bob", later + timedelta(days=364)) == ["case-1", "case-1"]
    # ... except for the same applicant, who may take back their own name,
    assert claim(sessions, "case-3", "alice", later + timedelta(days=1)) == []


def test_a_deregistered_name_is_free_after_a_year(sessions):
    claim(sessions, "case-1", "alice")
    settle(sessions, "case-1", store.DEREGISTERED, NOW)
    assert claim(sessions, "case-2", "bob", NOW + timedelta(days=366)) == []


def test_a_released_reservation_is_free_at_once(sessions):
    claim(sessions, "case-1", "alice")
    settle(sessions, "case-1", store.RELEASED, NOW)
    assert claim(sessions, "case-2", "bob", NOW + timedelta(seconds=1)) == []


def test_a_uscc_is_registered_once_and_never_again_even_retired(sessions):
    with transaction(sessions) as session:
        uscc = store.draw_uscc(session, EnterpriseType.LLC)
        assert store.reserve_uscc(session, uscc, "case-1", NOW)
        store.retire_uscc(session, uscc, NOW)
    with transaction(sessions) as session:
        assert not store.reserve_uscc(session, uscc, "case-2", NOW)
        record = session.get(UsccRecord, uscc)
        assert record is not None and record.state == "retired" and record.case_id == "case-1"


def test_a_drawn_uscc_avoids_organisation_codes_already_used(sessions):
    parts = iter(["AAAAAA", "AAAAAA", "BBBBBB"])
    with transaction(sessions) as session:
        first = store.draw_uscc(session, EnterpriseType.LLC, random_part=lambda: next(parts))
        store.reserve_uscc(session, first, "case-1", NOW)
        second = store.draw_uscc(session, EnterpriseType.LLC, random_part=lambda: next(parts))
    assert first[8:16] == "MAAAAAAA" and second[8:16] == "MABBBBBB"


def test_the_credit_list_is_seeded_once_per_file_version(sessions):
    version, entries = credit_seed()
    with transaction(sessions) as session:
        assert store.ensure_credit_seed(session, NOW) == version
        assert store.ensure_credit_seed(session, NOW) == version
        rows = session.query(CreditEntryRow).all()
    assert len(rows) == len(entries)
    assert {row.origin for row in rows} == {"seed"}


def test_the_credit_list_finds_listed_people_and_accounts(sessions):
    listed = Person("测试失信甲", domain.IdType.CITIZEN_ID, "120115197001019010")
    clean = Person("张伟", domain.IdType.CITIZEN_ID, "120115198503120033")
    with transaction(sessions) as session:
        status = store.credit_status(
            session, "alice", {"legal_representative": clean, "shareholders[1]": listed}, NOW
        )
        assert status == domain.CreditStatus(False, frozenset({"shareholders[1]"}))
        overdue = {
            "kind": "account",
            "subject_id": "alice",
            "person_name": "",
            "reason": "commitment overdue",
            "origin": "case:OS-1",
            "source": "test",
        }
        row = store.add_credit(session, **overdue, now=NOW)
        again = store.add_credit(session, **overdue, now=NOW)
        assert again.id == row.id  # recording the same case twice lists once
        assert store.credit_status(session, "alice", {}, NOW).applicant_listed
        store.remove_credit(session, row.id, by="admin", reason="appeal upheld", now=NOW)
        assert not store.credit_status(session, "alice", {}, NOW).applicant_listed
