"""Page tokens of ListApplications (AIP-158): opaque to the caller, signed with the platform's
token secret, bound to the query they page through (who asks, and the filters), and holding the
last case shown as a keyset position (submitted_at, case id). The next page starts after that
position, so a case submitted while a client pages makes no other case appear twice or not at
all, as an offset would."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from onestop_common.errors import InvalidInput, violation

VERSION = 1
# Derives the signing key from the token secret, so no other signature made with that secret
# can pass as a page token's.
_KEY_LABEL = b"onestop.orchestrator.page-token.v1"
_MAC_BYTES = 16
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
REASON = "INVALID_PAGE_TOKEN"


@dataclass(frozen=True)
class Position:
    """The last case of a page, in the list's order (newest submission first, then case id)."""

    submitted_at: datetime
    case_id: str


def query_fingerprint(caller: str, applicant: str, states: Iterable[str]) -> str:
    """What a token is bound to: the caller and the filters. The page size is not in it: a
    client may change it from one page to the next (AIP-158)."""
    text = json.dumps([caller, applicant, sorted(set(states))], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class PageTokens:
    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()

    def issue(self, query: str, last: Position) -> str:
        micros = (last.submitted_at - _EPOCH) // _MICROSECOND
        body = json.dumps({"v": VERSION, "q": query, "t": micros, "c": last.case_id})
        payload = _b64(body.encode())
        return f"{payload}.{_b64(self._mac(payload))}"

    def read(self, token: str, query: str) -> Position:
        """The position ``token`` holds; InvalidInput naming page_token when it is not a token
        this platform issued, was changed, or belongs to another query."""
        payload, _, mac = token.partition(".")
        try:
            signature = _unb64(mac)
        except (binascii.Error, ValueError) as error:
            raise _refused("format") from error
        if not hmac.compare_digest(signature, self._mac(payload)):
            raise _refused("signature")
        fields = json.loads(_unb64(payload))
        if fields.get("q") != query:
            raise _refused("query")
        return Position(_EPOCH + fields["t"] * _MICROSECOND, fields["c"])

    def _mac(self, payload: str) -> bytes:
        return hmac.new(self._key, payload.encode(), hashlib.sha256).digest()[:_MAC_BYTES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    if not text:
        raise ValueError("empty")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_WORDS = {
    "format": (
        "分页标记无效，请使用上一页返回的 next_page_token",
        "invalid page_token; pass the next_page_token of the previous page",
    ),
    "signature": (
        "分页标记已被改动，请使用上一页原样返回的 next_page_token",
        "the page_token was altered; pass the next_page_token of the previous page unchanged",
    ),
    "query": (
        "分页标记属于另一查询（筛选条件或调用方不同），请不带 page_token 重新查询",
        "the page_token belongs to another query (other filters or caller); list again "
        "without a page_token",
    ),
}


def _refused(rule: str) -> InvalidInput:
    zh, en = _WORDS[rule]
    return InvalidInput.of([violation("page_token", rule, zh, en)], reason=REASON)
