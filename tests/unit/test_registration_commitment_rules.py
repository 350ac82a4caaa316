"""The commitment route's dates without anything running: the materials are due within 60 days
from the day of the commitment (自承诺之日起60日内), the day the application carrying it was
submitted, not the day the license is granted; and the license shows both dates."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from onestop.registration.v1 import registration_pb2 as pb
from onestop_common.clock import SHANGHAI
from onestop_common.protoconv import timestamp
from svc_registration import domain, grpc_api
from svc_registration.domain import Commitment, Material
from svc_registration.models import License
from tests.support.registration import license_deadline, sample_form

SUBMITTED = datetime(2026, 11, 23, 9, 30, tzinfo=SHANGHAI)  # a Monday
DECIDED = SUBMITTED + timedelta(days=3, hours=5)  # the officer approves on Thursday afternoon
COMMITMENT = Commitment(
    (Material("domicile_proof", "住所使用证明", "proof of domicile"),),
    "本人承诺自承诺之日起60日内补交住所使用证明",
    True,
)


def test_the_materials_are_due_by_the_end_of_the_60th_day_after_the_commitment():
    terms = domain.commitment_terms(SUBMITTED)
    assert terms.committed_at == SUBMITTED
    assert terms.last_day == date(2027, 1, 22)
    assert (terms.last_day - SUBMITTED.date()).days == 60
    # The last day ends at 24:00 in Asia/Shanghai (民法典 art. 203): 00:00 of the next day.
    assert terms.due_at == datetime(2027, 1, 23, 0, 0, tzinfo=SHANGHAI)
    assert domain.commitment_due(SUBMITTED) == terms.due_at


def test_a_license_granted_three_days_later_does_not_move_the_due_date():
    made = domain.commitment_made_at(COMMITMENT, SUBMITTED)
    assert made == SUBMITTED
    assert made is not None
    terms = domain.commitment_terms(made)
    assert terms.last_day == SUBMITTED.date() + timedelta(days=60)
    # Counting from the decision, as the platform used to, would have given the applicant three
    # more days than the seed document does.
    from_decision = domain.commitment_terms(DECIDED)
    assert from_decision.last_day - terms.last_day == timedelta(days=3)
    assert terms.due_at - DECIDED < timedelta(days=60)


def test_the_day_is_the_day_in_shanghai_and_the_time_of_day_does_not_count():
    # 16:30 UTC on the 22nd is 00:30 on the 23rd in Shanghai.
    just_after_midnight = datetime(2026, 11, 22, 16, 30, tzinfo=UTC)
    late_evening = datetime(2026, 11, 23, 23, 59, tzinfo=SHANGHAI)
    assert domain.commitment_terms(just_after_midnight).last_day == date(2027, 1, 22)
    assert domain.commitment_terms(late_evening).last_day == date(2027, 1, 22)
    assert domain.commitment_terms(late_evening + timedelta(minutes=1)).last_day == date(
        2027, 1, 23
    )


@pytest.mark.parametrize(
    ("committed", "last_day"),
    [
        (date(2027, 12, 31), date(2028, 2, 29)),  # over a year end into a leap February
        (date(2028, 1, 1), date(2028, 3, 1)),
        (date(2026, 2, 1), date(2026, 4, 2)),  # through a 28-day February
    ],
)
def test_sixty_calendar_days_across_months_and_years(committed, last_day):
    made = datetime.combine(committed, datetime.min.time(), SHANGHAI).replace(hour=10)
    assert domain.commitment_terms(made).last_day == last_day


def test_a_naive_time_is_refused_not_guessed():
    with pytest.raises(ValueError, match="naive"):
        domain.commitment_terms(datetime(2026, 11, 23, 9, 30))


def test_only_an_agreed_commitment_has_a_day():
    assert domain.commitment_made_at(Commitment(), SUBMITTED) is None
    assert domain.commitment_made_at(replace(COMMITMENT, agreed=False), SUBMITTED) is None


def test_a_correction_keeps_the_day_of_an_earlier_commitment():
    corrected_at = SUBMITTED + timedelta(days=2)
    assert domain.commitment_made_at(COMMITMENT, corrected_at, earlier=SUBMITTED) == SUBMITTED


def test_a_commitment_first_agreed_in_a_correction_runs_from_the_correction():
    corrected_at = SUBMITTED + timedelta(days=2)
    assert domain.commitment_made_at(COMMITMENT, corrected_at, earlier=None) == corrected_at


def test_a_correction_that_drops_the_commitment_drops_its_day():
    assert domain.commitment_made_at(Commitment(), SUBMITTED, earlier=SUBMITTED) is None


# --------------------------------------------------------------------------- the command


def _command(**fields: object) -> pb.IssueLicenseRequest:
    request = pb.IssueLicenseRequest(form=sample_form(), **fields)  # type: ignore[arg-type]
    request.context.case_id = "OS-REG-COMMIT"
    return request


def test_the_submission_time_comes_from_the_command_not_from_the_handling():
    request = _command(submitted_at=timestamp(SUBMITTED))
    # The license step's clock, as the orchestrator starts it, a minute later.
    request.context.deadline.CopyFrom(license_deadline(SUBMITTED + timedelta(minutes=1)))
    assert grpc_api.submission_time(request) == SUBMITTED


def test_without_submitted_at_the_license_steps_start_is_the_submission():
    request = _command()
    request.context.deadline.CopyFrom(license_deadline(SUBMITTED))
    assert grpc_api.submission_time(request) == SUBMITTED


def test_a_command_that_says_neither_has_no_submission_time():
    assert grpc_api.submission_time(_command()) is None


# --------------------------------------------------------------------------- what the license shows


def _license_row(committed_at: datetime | None, granted_at: datetime) -> License:
    due = domain.commitment_due(committed_at) if committed_at else None
    return License(
        uscc="91120115MA05L7XY3R",
        case_id="OS-REG-COMMIT",
        applicant_id="alice",
        license_number="12011520261126ABCDEF",
        company_name="天津宝坻示例科技有限公司",
        enterprise_type="llc",
        legal_representative="张三",
        legal_rep_id_type="citizen_id",
        legal_rep_id_number="",
        registered_capital="1000000.00",
        currency="CNY",
        date_of_establishment=granted_at.date(),
        operating_term_years=0,
        operating_term="长期",
        domicile="天津市宝坻区",
        division_code="120115",
        business_scope="软件开发",
        registration_authority=domain.REGISTRATION_AUTHORITY_ZH,
        issued_at=granted_at,
        decided_by="officer-wang",
        qr_payload="",
        status="valid",
        revocation_reason="",
        commitment_state="open" if committed_at else "none",
        committed_at=committed_at,
        commitment_due_at=due,
        pdf_sha256="0" * 64,
    )


def test_the_license_shows_the_day_of_the_commitment_beside_its_due_date():
    message = grpc_api.license_message(_license_row(SUBMITTED, DECIDED), [])
    assert message.committed_at == timestamp(SUBMITTED)
    assert message.commitment_last_day == "2027-01-22"
    assert message.commitment_due_at == timestamp(datetime(2027, 1, 23, tzinfo=SHANGHAI))
    assert message.issued_at == timestamp(DECIDED)


def test_a_license_without_a_commitment_shows_no_commitment_dates():
    message = grpc_api.license_message(_license_row(None, DECIDED), [])
    assert not message.HasField("committed_at") and not message.HasField("commitment_due_at")
    assert message.commitment_last_day == ""
