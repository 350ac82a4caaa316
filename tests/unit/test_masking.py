"""What a viewer not entitled to people's numbers sees: ID numbers, phones and account numbers
masked in messages (``protoconv.with_numbers_masked``) and in every log line
(``logs.MaskingFilter``)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from onestop_common import logs
from onestop_common.identifiers import mask_account_number, mask_id_number, mask_phone
from onestop_common.protoconv import with_numbers_masked
from tests.support.in_process import personal_numbers, sample_form

ID_NUMBER, PHONE, ACCOUNT = "120115198503120033", "13800000001", "10201150100000428"


def test_masks_keep_the_ends_and_hide_the_middle() -> None:
    assert mask_id_number(ID_NUMBER) == "120***********0033"
    assert mask_phone(PHONE) == "138****0001"
    assert mask_phone("12345") == "*****"
    assert mask_account_number(ACCOUNT) == "1020 ********* 0428"


def test_a_form_seen_by_someone_else_has_every_number_masked_and_the_rest_as_given() -> None:
    form = sample_form()
    seen = with_numbers_masked(form)

    assert not personal_numbers(seen) & personal_numbers(form)
    assert seen.legal_representative.id_number == mask_id_number(ID_NUMBER)
    assert seen.legal_representative.phone == mask_phone(PHONE)
    assert [e.person.id_number for e in seen.employees] == [
        mask_id_number(e.person.id_number) for e in form.employees
    ]
    assert (seen.name, seen.domicile, seen.legal_representative.name) == (
        form.name,
        form.domicile,
        form.legal_representative.name,
    )
    assert form.legal_representative.id_number == ID_NUMBER  # the original is left alone


@pytest.fixture
def lines() -> Iterator[list[str]]:
    captured: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            captured.append(self.format(record))

    handler = Capture()
    handler.addFilter(logs.MaskingFilter())
    logger = logging.getLogger("test.masking")
    logger.addHandler(handler)
    logger.propagate = False
    yield captured
    logger.removeHandler(handler)


def test_log_lines_carry_no_id_account_or_phone_number(lines: list[str]) -> None:
    log = logging.getLogger("test.masking")
    log.warning("person %s, phone %s, account %s", ID_NUMBER, PHONE, ACCOUNT)
    try:
        raise ValueError(f"no such person {ID_NUMBER}")
    except ValueError:
        log.exception("lookup failed")

    text = "\n".join(lines)
    for number in (ID_NUMBER, PHONE, ACCOUNT):
        assert number not in text
    assert "120***********0033" in text and "138****0001" in text and "1020 *********" in text


def test_other_identifiers_stay_readable_in_logs(lines: list[str]) -> None:
    # A USCC, a case id, a 12-digit serial, a timestamp: nothing a person is known by.
    message = "USCC 91120116MA05X0YK3J case OS20261126-SI00000001 serial 123456789012 at 1764000000"
    logging.getLogger("test.masking").warning(message)
    assert lines == [message]
