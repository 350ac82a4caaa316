"""Fresh identifiers for tests that share a running service: each test registers companies and
people no other test has used."""

from __future__ import annotations

import random

from onestop_common.identifiers import citizen_id_check_char, make_orgcode, make_uscc

# The characters of a USCC; an organisation code's body drawn from them makes a valid USCC (its
# check character is a digit or X, both among them).
USCC_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def new_uscc() -> str:
    """A company in the Baodi district (120115) registered by market regulation."""
    body = "".join(random.choice(USCC_CHARACTERS) for _ in range(8))
    return make_uscc("9", "1", "120115", make_orgcode(body))


def new_person_id(birth: str = "19950218") -> str:
    """A citizen ID number of someone born in Baodi on ``birth`` (YYYYMMDD)."""
    first17 = f"120115{birth}{random.randint(0, 999):03d}"
    return first17 + citizen_id_check_char(first17)
