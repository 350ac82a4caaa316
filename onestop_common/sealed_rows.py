"""The rows already in a store, rewritten in batches: plaintext sealed by a migration, sealed values
opened again by its downgrade, values re-sealed with the newest data key by a key rotation.

Each batch is one transaction of the caller's choosing (a migration passes its own connection for
all of them); rows are visited in primary-key order and a value already in the wanted form is left
alone, so a rewrite interrupted half-way is finished by running it again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Connection,
    LargeBinary,
    MetaData,
    RowMapping,
    String,
    Text,
    and_,
    column,
    select,
    table,
    tuple_,
    update,
)

from onestop_common.sealed_fields import (
    SEALED_TEXT_TYPES,
    FieldKeys,
    SealedBytes,
    body_key_id,
    bytes_body,
    is_sealed_bytes,
    is_sealed_text,
    keys_of,
    text_body,
)

BATCH = 500
Begin = Callable[[], AbstractContextManager[Connection]]
# Given a row (the key and the columns as stored), the columns to write back; empty: none.
Change = Callable[[RowMapping], dict[str, Any]]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SealedColumns:
    """One table's columns to rewrite, read and written as stored: text (``SealedText``,
    ``SealedJSON``) and binary (``SealedBytes``, or a key the KEK encrypts itself); ``indexes``
    names the blind index a plain value also fills."""

    table: str
    key: tuple[str, ...]
    text: tuple[str, ...] = ()
    binary: tuple[str, ...] = ()
    indexes: Mapping[str, str] = field(default_factory=dict)


def sealed_columns(metadata: MetaData) -> list[SealedColumns]:
    """Every table of a component's models with sealed columns (what a rotation re-seals)."""
    found = []
    for name, model_table in sorted(metadata.tables.items()):
        text = tuple(c.name for c in model_table.columns if isinstance(c.type, SEALED_TEXT_TYPES))
        binary = tuple(c.name for c in model_table.columns if isinstance(c.type, SealedBytes))
        if text or binary:
            key = tuple(c.name for c in model_table.primary_key.columns)
            found.append(SealedColumns(name, key, text, binary))
    return found


def rewrite(
    begin: Begin,
    spec: SealedColumns,
    change: Change,
    *,
    batch: int = BATCH,
    progress: Progress | None = None,
) -> int:
    """Applies ``change`` to every row of ``spec.table``, ``batch`` rows per transaction, and
    reports each batch to ``progress`` (rows read, rows changed); how many rows changed."""
    stored = table(
        spec.table,
        *(column(name) for name in spec.key),
        *(column(name, Text) for name in spec.text),
        *(column(name, LargeBinary) for name in spec.binary),
        *(column(name, String) for name in spec.indexes.values()),
    )
    keys = [stored.c[name] for name in spec.key]
    after: tuple[Any, ...] | None = None
    seen = changed = 0
    while True:
        with begin() as connection:
            query = select(stored).order_by(*keys).limit(batch)
            if after is not None:
                query = query.where(_after(keys, after))
            rows = connection.execute(query).mappings().all()
            for row in rows:
                values = change(row)
                if values:
                    where = and_(*(stored.c[name] == row[name] for name in spec.key))
                    connection.execute(update(stored).where(where).values(values))
                    changed += 1
        seen += len(rows)
        if progress is not None and rows:
            progress(seen, changed)
        if len(rows) < batch:
            return changed
        after = tuple(rows[-1][name] for name in spec.key)


def _after(keys: list[Any], after: tuple[Any, ...]) -> Any:
    return keys[0] > after[0] if len(keys) == 1 else tuple_(*keys) > tuple_(*after)


# ---------------------------------------------------------------------- migrations


def seal_plaintext(connection: Connection, *specs: SealedColumns) -> None:
    """A migration's step: the store's keys made (once), then every plain value sealed and its
    blind index filled."""
    keys = keys_of(connection)
    keys.create(connection)
    for spec in specs:
        rewrite(_same(connection), spec, _sealing(keys, spec))


def open_sealed(connection: Connection, *specs: SealedColumns) -> None:
    """A downgrade's step: every sealed value opened back into plaintext."""
    keys = keys_of(connection)
    keys.load(connection)
    for spec in specs:
        rewrite(_same(connection), spec, _opening(keys, spec))


def _same(connection: Connection) -> Begin:
    """Every batch in the migration's own transaction."""

    @contextlib.contextmanager
    def begin() -> Iterator[Connection]:
        yield connection

    return begin


def _sealing(keys: FieldKeys, spec: SealedColumns) -> Change:
    def change(row: RowMapping) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in spec.text:
            plain = row[name]
            if plain is not None and not is_sealed_text(plain):
                values[name] = keys.seal_text(plain)
                if name in spec.indexes:
                    values[spec.indexes[name]] = keys.index(plain)
        for name in spec.binary:
            raw = row[name]
            if raw is not None and not is_sealed_bytes(bytes(raw)):
                values[name] = keys.seal_bytes(bytes(raw))
        return values

    return change


def _opening(keys: FieldKeys, spec: SealedColumns) -> Change:
    def change(row: RowMapping) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in spec.text:
            if row[name] is not None and is_sealed_text(row[name]):
                values[name] = keys.open_text(row[name])
        for name in spec.binary:
            if row[name] is not None and is_sealed_bytes(bytes(row[name])):
                values[name] = keys.open_bytes(bytes(row[name]))
        return values

    return change


# ---------------------------------------------------------------------- rotation


def resealing(keys: FieldKeys, spec: SealedColumns) -> Change:
    """Values sealed with an older data key, sealed again with the current one."""
    current = keys.current

    def change(row: RowMapping) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in spec.text:
            stored = row[name]
            if stored is not None and body_key_id(text_body(stored)) != current:
                values[name] = keys.seal_text(keys.open_text(stored))
        for name in spec.binary:
            raw = row[name]
            if raw is not None and body_key_id(bytes_body(bytes(raw))) != current:
                values[name] = keys.seal_bytes(keys.open_bytes(bytes(raw)))
        return values

    return change
