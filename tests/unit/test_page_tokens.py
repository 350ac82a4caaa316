"""ListApplications' page tokens (orchestrator.page_tokens): a token carries the last case of a
page, exactly, and only for the query and the platform that issued it. Paging through a real
database while cases arrive is tests/integration/test_partner_api.py."""

from __future__ import annotations

from datetime import datetime

import pytest

from onestop_common.clock import SHANGHAI
from onestop_common.errors import InvalidInput
from orchestrator.page_tokens import REASON, PageTokens, Position, query_fingerprint

LAST = Position(datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=SHANGHAI), "OS20250301-3F2A9C01B7")
QUERY = query_fingerprint("entrepreneur:ada", "ada", ["running"])


def rule_of(tokens: PageTokens, token: str, query: str = QUERY) -> str:
    with pytest.raises(InvalidInput) as raised:
        tokens.read(token, query)
    (only,) = raised.value.violations
    assert only.field == "page_token" and raised.value.reason == REASON
    return only.rule


def test_a_token_gives_back_the_exact_position_to_the_same_query() -> None:
    tokens = PageTokens("secret")
    token = tokens.issue(QUERY, LAST)
    assert tokens.read(token, QUERY) == LAST
    assert "OS2025" not in token  # opaque: nothing a client could build a token from
    assert len(token) < 512  # the contract's max_length


def test_a_token_of_another_query_platform_or_changed_is_refused_with_its_own_words() -> None:
    tokens = PageTokens("secret")
    token = tokens.issue(QUERY, LAST)
    other_filters = query_fingerprint("entrepreneur:ada", "ada", ["completed"])
    other_caller = query_fingerprint("entrepreneur:bo", "bo", ["running"])
    assert rule_of(tokens, token, other_filters) == "query"
    assert rule_of(tokens, token, other_caller) == "query"
    assert rule_of(PageTokens("another platform's secret"), token) == "signature"
    payload, mac = token.split(".")
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    assert rule_of(tokens, f"{flipped}.{mac}") == "signature"
    for garbage in ("", "abc", "20", "a.", ".b", "é.é", "x" * 300):
        assert rule_of(tokens, garbage) in ("format", "signature"), garbage


def test_the_fingerprint_ignores_the_order_of_states_and_repeats() -> None:
    assert query_fingerprint("c", "a", ["running", "failed", "running"]) == query_fingerprint(
        "c", "a", ["failed", "running"]
    )
