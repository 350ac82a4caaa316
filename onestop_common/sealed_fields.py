"""Personal data sealed at rest: ID numbers, phone numbers, bank account numbers and the forms
that carry them are stored encrypted (AES-256-GCM), so that a copy of a database alone shows no
one's number.

Envelope encryption, one key ring per store: each database keeps its own keys in ``data_keys``,
wrapped (encrypted) with the platform's key-encryption key (KEK, ``Settings.kek``). Every sealed
value names the data key it was sealed with, so values sealed before a key rotation stay readable
after it; ``onestop keys rotate-kek`` re-wraps the keys under a new KEK, adds a fresh data key and
re-seals every value with it (``onestop_common.sealed_rows``).

A sealed value differs each time it is sealed, so SQL cannot compare it. Lookups by value (a person
by ID number, the defaulter list, uniqueness) compare a blind index instead: an HMAC of the value
under the store's index key, kept in a column beside the sealed one (:class:`BlindIndex`).

The key ring reaches the column types through the engine (:func:`attach`), never through a
global: two stores, or two tests, in one process each have their own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import (
    Connection,
    Dialect,
    Engine,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    column,
    event,
    insert,
    inspect,
    select,
    table,
    update,
)
from sqlalchemy.orm import InstrumentedAttribute, Mapped, mapped_column
from sqlalchemy.sql import operators

# A sealed value in a binary column begins with MAGIC (no protobuf message begins with a zero
# byte, so a form not yet sealed is told apart); in a text column with TEXT_PREFIX. Then the data
# key's id, the nonce, and the ciphertext with its tag.
MAGIC = b"\x00sf1"
TEXT_PREFIX = "sf1:"
_KEY_ID = struct.Struct(">I")
_NONCE = 12
DATA, INDEX = "data", "index"
# The index key has id 0; data keys are numbered from 1, the highest is the one sealing.
INDEX_KEY_ID = 0
KEY_TABLE = "data_keys"
_ON_DIALECT = "onestop_field_keys"

_keys_table = table(
    KEY_TABLE,
    column("id", Integer),
    column("purpose", String),
    column("kek_id", String),
    column("wrapped", LargeBinary),
)


class SealedFieldError(RuntimeError):
    """A sealed value or a key cannot be used; the message says why and what to do."""


def derive_key(kek: bytes, label: str) -> bytes:
    """A 32-byte key for one purpose (``label``), derived from the KEK with HKDF-SHA256."""
    if not kek:
        raise SealedFieldError("the KEK is needed to seal personal data; set ONESTOP_KEK")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label.encode())
    return hkdf.derive(kek)


def kek_id(kek: bytes) -> str:
    """Names a KEK without giving it away: which KEK wrapped a data key."""
    return derive_key(kek, "onestop-kek-id")[:8].hex()


class DataKeyMixin:
    """The store's keys, each wrapped with the KEK ``kek_id`` names; mix into the component's
    declarative base (``class DataKey(DataKeyMixin, Base)``)."""

    __tablename__ = KEY_TABLE

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    purpose: Mapped[str] = mapped_column(String(10))
    kek_id: Mapped[str] = mapped_column(String(16))
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)


class FieldKeys:
    """One store's key ring: the KEKs this process holds and the keys they unwrap.

    ``kek`` wraps every key made or re-wrapped here; ``older`` KEKs only unwrap (a rotation
    holds the KEK it replaces there). Loaded once from the store when its schema is brought up to
    date; read-only afterwards, so threads share it.
    """

    def __init__(self, kek: bytes, *, older: Sequence[bytes] = ()) -> None:
        self.kek_id = kek_id(kek)
        self._keks = {kek_id(k): k for k in (*older, kek)}
        self._data: dict[int, AESGCM] = {}
        self._index = b""

    def __repr__(self) -> str:
        return f"FieldKeys(kek {self.kek_id}, {len(self._data)} data keys)"

    # ------------------------------------------------------------------ the store's keys

    def create(self, connection: Connection) -> None:
        """The store's index key and first data key, unless it has them (its migration)."""
        if not _key_rows(connection):
            self._insert(connection, INDEX_KEY_ID, INDEX)
            self._insert(connection, 1, DATA)
        self.load(connection)

    def load(self, connection: Connection) -> None:
        rows = _key_rows(connection)
        data = {row.id: AESGCM(self._unwrap(row)) for row in rows if row.purpose == DATA}
        index = [self._unwrap(row) for row in rows if row.purpose == INDEX]
        if not data or not index:
            raise SealedFieldError(
                "this database has no data keys yet; its migrations make them "
                "(upgrade_schema with an engine made with the KEK)"
            )
        self._data, self._index = data, index[0]

    def rotate(self, connection: Connection) -> bool:
        """Every key wrapped under ``kek``, and a new data key to seal with if the current one
        was made under an older KEK. One transaction (the caller's), so a rerun after a crash
        finds either nothing done or everything; False: nothing was left to do."""
        rows = _key_rows(connection)
        stale = [row for row in rows if row.kek_id != self.kek_id]
        if not stale:
            self.load(connection)
            return False
        newest = max((row for row in rows if row.purpose == DATA), key=lambda row: row.id)
        if newest.kek_id != self.kek_id:
            self._insert(connection, newest.id + 1, DATA)
        for row in stale:
            connection.execute(
                update(_keys_table)
                .where(_keys_table.c.id == row.id)
                .values(
                    kek_id=self.kek_id, wrapped=self._wrap(row.id, row.purpose, self._unwrap(row))
                )
            )
        self.load(connection)
        return True

    @property
    def current(self) -> int:
        """The id of the data key new values are sealed with."""
        self._check_loaded()
        return max(self._data)

    def _check_loaded(self) -> None:
        if not self._data:
            raise SealedFieldError(
                "the data keys of this database are not loaded: open it with make_engine(url, "
                "kek=settings.kek) and upgrade_schema, which loads them"
            )

    def _insert(self, connection: Connection, key_id: int, purpose: str) -> None:
        wrapped = self._wrap(key_id, purpose, os.urandom(32))
        connection.execute(
            insert(_keys_table).values(
                id=key_id, purpose=purpose, kek_id=self.kek_id, wrapped=wrapped
            )
        )

    def _wrap(self, key_id: int, purpose: str, key: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        box = _wrapping_box(self._keks[self.kek_id])
        return nonce + box.encrypt(nonce, key, _wrap_aad(key_id, purpose))

    def _unwrap(self, row: Any) -> bytes:
        kek = self._keks.get(row.kek_id)
        if kek is None:
            raise SealedFieldError(
                f"the keys of this database are wrapped with KEK {row.kek_id}, and this process "
                f"has KEK {self.kek_id}: set ONESTOP_KEK to the KEK the last `onestop keys "
                "rotate-kek` installed, or finish that rotation"
            )
        wrapped = bytes(row.wrapped)
        try:
            return _wrapping_box(kek).decrypt(
                wrapped[:_NONCE], wrapped[_NONCE:], _wrap_aad(row.id, row.purpose)
            )
        except InvalidTag:
            raise SealedFieldError(f"data key {row.id} fails its integrity check") from None

    # ------------------------------------------------------------------ values

    def seal(self, plain: bytes) -> bytes:
        """The sealed body: the data key's id, a fresh nonce, the ciphertext and its tag."""
        key_id = self.current
        head = _KEY_ID.pack(key_id)
        nonce = os.urandom(_NONCE)
        return head + nonce + self._data[key_id].encrypt(nonce, plain, MAGIC + head)

    def open(self, body: bytes) -> bytes:
        key_id = body_key_id(body)
        box = self._data.get(key_id)
        if box is None:
            raise SealedFieldError(
                f"the value is sealed with data key {key_id}, which this process has not loaded "
                "(a key rotation ran while it was up?): restart it"
            )
        head, nonce = body[: _KEY_ID.size], body[_KEY_ID.size : _KEY_ID.size + _NONCE]
        try:
            return box.decrypt(nonce, body[_KEY_ID.size + _NONCE :], MAGIC + head)
        except InvalidTag:
            raise SealedFieldError(
                "a sealed value fails its integrity check: it was altered, or copied from "
                "another database"
            ) from None

    def seal_text(self, value: str) -> str:
        return TEXT_PREFIX + base64.urlsafe_b64encode(self.seal(value.encode())).decode()

    def open_text(self, stored: str) -> str:
        return self.open(text_body(stored)).decode()

    def seal_bytes(self, value: bytes) -> bytes:
        return MAGIC + self.seal(value)

    def open_bytes(self, stored: bytes) -> bytes:
        return self.open(bytes_body(stored))

    def index(self, value: str) -> str:
        """The blind index of ``value``: equal values, equal indexes; nothing else learnt."""
        self._check_loaded()
        return hmac.new(self._index, value.encode(), hashlib.sha256).hexdigest()


def _key_rows(connection: Connection) -> Sequence[Any]:
    return connection.execute(select(_keys_table).order_by(_keys_table.c.id)).all()


def _wrapping_box(kek: bytes) -> AESGCM:
    return AESGCM(derive_key(kek, "onestop-data-key-wrap"))


def _wrap_aad(key_id: int, purpose: str) -> bytes:
    # Binds a wrapped key to its row: swapping two rows' keys is detected.
    return f"{KEY_TABLE}:{key_id}:{purpose}".encode()


# ---------------------------------------------------------------------- stored forms


def is_sealed_text(stored: str) -> bool:
    return stored.startswith(TEXT_PREFIX)


def is_sealed_bytes(stored: bytes) -> bool:
    return stored.startswith(MAGIC)


def text_body(stored: str) -> bytes:
    if not is_sealed_text(stored):
        raise SealedFieldError("a sealed text column holds a value that is not sealed")
    return base64.urlsafe_b64decode(stored[len(TEXT_PREFIX) :])


def bytes_body(stored: bytes) -> bytes:
    if not is_sealed_bytes(stored):
        raise SealedFieldError("a sealed binary column holds a value that is not sealed")
    return stored[len(MAGIC) :]


def body_key_id(body: bytes) -> int:
    if len(body) < _KEY_ID.size + _NONCE + 16:
        raise SealedFieldError("a sealed value is truncated")
    key_id: int = _KEY_ID.unpack_from(body)[0]
    return key_id


# ---------------------------------------------------------------------- the engine's ring


def attach(engine: Engine, keys: FieldKeys) -> None:
    """Gives ``engine``'s sealed columns their keys. The dialect carries them: every connection,
    session and migration of the engine sees it, and nothing outside the engine does."""
    setattr(engine.dialect, _ON_DIALECT, keys)


def keys_of(bind: Engine | Connection | Dialect) -> FieldKeys:
    dialect = bind if isinstance(bind, Dialect) else bind.dialect
    keys = getattr(dialect, _ON_DIALECT, None)
    if keys is None:
        raise SealedFieldError(
            "this database holds sealed personal data, and its engine was made without the KEK: "
            "make it with make_engine(url, kek=settings.kek)"
        )
    assert isinstance(keys, FieldKeys)
    return keys


def load_attached(connection: Connection) -> None:
    """Loads the engine's key ring from its store, if the engine has one and the store has keys
    (a schema migrated to an old revision may not)."""
    keys = getattr(connection.dialect, _ON_DIALECT, None)
    if keys is not None and inspect(connection).has_table(KEY_TABLE):
        keys.load(connection)


def load_keys(engine: Engine) -> None:
    """Loads the key ring of an engine whose schema is not migrated here (``upgrade_schema``
    loads it otherwise)."""
    with engine.connect() as connection:
        load_attached(connection)


# ---------------------------------------------------------------------- column types


class _NotCompared(TypeDecorator.Comparator[Any]):
    """SQL comparisons of a sealed column would silently match nothing: refused, except IS NULL."""

    def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
        if op in (operators.is_, operators.is_not):
            return super().operate(op, *other, **kwargs)
        raise SealedFieldError(
            f"a sealed column cannot be compared in SQL ({getattr(op, '__name__', op)}): "
            "compare its blind index column"
        )

    def reverse_operate(self, op: Any, other: Any, **kwargs: Any) -> Any:
        return self.operate(op, other, **kwargs)


class SealedText(TypeDecorator[str]):
    """A string stored sealed (text); the model reads and writes it plain."""

    impl = Text
    cache_ok = True
    comparator_factory = _NotCompared  # type: ignore[assignment]

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else keys_of(dialect).seal_text(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else keys_of(dialect).open_text(value)


class SealedJSON(TypeDecorator[Any]):
    """A JSON document (a form, a list of owners) stored sealed, as one text value."""

    impl = Text
    cache_ok = True
    comparator_factory = _NotCompared  # type: ignore[assignment]

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keys_of(dialect).seal_text(json.dumps(value, ensure_ascii=False))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(keys_of(dialect).open_text(value))


class SealedBytes(TypeDecorator[bytes]):
    """Bytes (a serialized form or command) stored sealed."""

    impl = LargeBinary
    cache_ok = True
    comparator_factory = _NotCompared  # type: ignore[assignment]

    def process_bind_param(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        return None if value is None else keys_of(dialect).seal_bytes(bytes(value))

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        return None if value is None else keys_of(dialect).open_bytes(bytes(value))


class BlindIndex(TypeDecorator[str]):
    """The blind index of a sealed value. Written and compared with the plain value, which the
    type turns into its index: ``Enrolment.id_number_index.in_(id_numbers)`` finds them."""

    impl = String(64)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else keys_of(dialect).index(value)


def index_follows(sealed: InstrumentedAttribute[Any], index_name: str) -> None:
    """Sets the blind index column ``index_name`` whenever the model sets ``sealed``, from the same
    plain value: the two cannot disagree, and no store can forget the index."""

    @event.listens_for(sealed, "set")
    def _follow(target: Any, value: Any, _old: Any, _initiator: Any) -> None:
        setattr(target, index_name, value)


SEALED_TEXT_TYPES = (SealedText, SealedJSON)
