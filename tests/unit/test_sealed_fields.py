"""Sealed columns (onestop_common.sealed_fields): what the model writes plain is stored encrypted,
read back plain, refused under the wrong KEK or when altered, still readable after a rotation, and
found by its blind index."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, Integer, String, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from onestop_common import sealed_fields
from onestop_common.db import make_engine, make_session_factory, transaction
from onestop_common.sealed_fields import (
    BlindIndex,
    DataKeyMixin,
    FieldKeys,
    SealedBytes,
    SealedFieldError,
    SealedJSON,
    SealedText,
    index_follows,
)
from onestop_common.sealed_rows import (
    SealedColumns,
    open_sealed,
    resealing,
    rewrite,
    seal_plaintext,
    sealed_columns,
)

ID_NUMBER = "11010519491231002X"
OLD_KEK, NEW_KEK = b"the KEK before", b"the KEK after"


class Base(DeclarativeBase):
    pass


class DataKey(DataKeyMixin, Base):
    pass


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), default="")
    id_number: Mapped[str] = mapped_column(SealedText())
    id_number_index: Mapped[str] = mapped_column(BlindIndex())
    papers: Mapped[dict[str, Any]] = mapped_column(SealedJSON(), default=dict)
    form: Mapped[bytes | None] = mapped_column(SealedBytes(), nullable=True)


index_follows(Person.id_number, "id_number_index")
PEOPLE = SealedColumns(
    "people",
    ("id",),
    text=("id_number", "papers"),
    binary=("form",),
    indexes={"id_number": "id_number_index"},
)


def open_store(path: Path, kek: bytes, *, older: tuple[bytes, ...] = ()) -> Engine:
    """The store at ``path`` under ``kek``: made and given its keys the first time."""
    engine = make_engine(f"sqlite:///{path}")
    sealed_fields.attach(engine, FieldKeys(kek, older=older))
    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        sealed_fields.keys_of(connection).create(connection)
    return engine


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Engine]:
    engine = open_store(tmp_path / "people.db", OLD_KEK)
    yield engine
    engine.dispose()


def add(engine: Engine, person_id: int, id_number: str = ID_NUMBER) -> None:
    with transaction(make_session_factory(engine)) as session:
        session.add(
            Person(
                id=person_id,
                id_number=id_number,
                papers={"phone": "13800138000", "名": "张三"},
                form=b"\x0a\x12" + id_number.encode(),
            )
        )


def raw_rows(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT * FROM people ORDER BY id")))


def read(engine: Engine, person_id: int) -> Person:
    with Session(engine) as session:
        person = session.get(Person, person_id)
        assert person is not None
        return person


def flipped(stored: str | bytes) -> str | bytes:
    """``stored`` with one bit of its ciphertext changed."""
    if isinstance(stored, bytes):
        return stored[:-1] + bytes([stored[-1] ^ 1])
    body = sealed_fields.text_body(stored)
    return (
        sealed_fields.TEXT_PREFIX
        + base64.urlsafe_b64encode(body[:-1] + bytes([body[-1] ^ 1])).decode()
    )


def stored_key_ids(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        numbers = connection.execute(text("SELECT id_number FROM people ORDER BY id")).scalars()
        return [sealed_fields.body_key_id(sealed_fields.text_body(n)) for n in numbers]


def test_values_are_stored_sealed_and_read_back_plain(store: Engine) -> None:
    add(store, 1)
    person = read(store, 1)
    assert person.id_number == ID_NUMBER
    assert person.papers == {"phone": "13800138000", "名": "张三"}
    assert person.form == b"\x0a\x12" + ID_NUMBER.encode()
    row = raw_rows(store)[0]
    stored = " ".join(str(value) for value in row)
    assert ID_NUMBER not in stored and "13800138000" not in stored
    assert ID_NUMBER.encode() not in row.form
    assert row.id_number.startswith(sealed_fields.TEXT_PREFIX)
    assert row.form.startswith(sealed_fields.MAGIC)


def test_the_same_value_is_sealed_differently_each_time(store: Engine) -> None:
    add(store, 1)
    add(store, 2)
    first, second = raw_rows(store)
    assert first.id_number != second.id_number


def test_equal_values_have_equal_blind_indexes_and_are_found_by_them(store: Engine) -> None:
    add(store, 1)
    add(store, 2)
    add(store, 3, id_number="110105194912310037")
    first, second, third = raw_rows(store)
    assert first.id_number_index == second.id_number_index != third.id_number_index
    assert ID_NUMBER not in first.id_number_index
    with Session(store) as session:
        found = session.scalars(select(Person.id).where(Person.id_number_index == ID_NUMBER))
        assert sorted(found) == [1, 2]


def test_another_store_has_another_index_key(store: Engine, tmp_path: Path) -> None:
    # Two engines in one process keep their own rings: nothing global is shared.
    other = open_store(tmp_path / "other.db", OLD_KEK)
    add(store, 1)
    add(other, 1)
    assert raw_rows(store)[0].id_number_index != raw_rows(other)[0].id_number_index
    assert read(other, 1).id_number == read(store, 1).id_number == ID_NUMBER
    other.dispose()


def test_sql_may_not_compare_a_sealed_column(store: Engine) -> None:
    with pytest.raises(SealedFieldError, match="blind index"):
        Person.id_number == ID_NUMBER  # noqa: B015 - the comparison itself raises
    assert str(Person.form.is_(None)) == "people.form IS NULL"


def test_the_wrong_kek_is_refused(store: Engine, tmp_path: Path) -> None:
    add(store, 1)
    store.dispose()
    wrong = make_engine(f"sqlite:///{tmp_path}/people.db")
    keys = FieldKeys(b"not the KEK")
    sealed_fields.attach(wrong, keys)
    with pytest.raises(SealedFieldError, match="wrapped with KEK") as refused:
        sealed_fields.load_keys(wrong)
    assert keys.kek_id in str(refused.value)
    wrong.dispose()


def test_an_engine_without_the_kek_says_so(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/bare.db")
    Base.metadata.create_all(engine)
    with pytest.raises(Exception, match="without the KEK"), Session(engine) as session:
        session.add(Person(id=1, id_number=ID_NUMBER))
        session.flush()
    engine.dispose()


@pytest.mark.parametrize("column", ["id_number", "form"])
def test_an_altered_value_is_detected(store: Engine, column: str) -> None:
    add(store, 1)
    with store.begin() as connection:
        stored = connection.execute(text(f"SELECT {column} FROM people")).scalar_one()
        connection.execute(text(f"UPDATE people SET {column} = :v"), {"v": flipped(stored)})
    with pytest.raises(Exception, match="integrity check"):
        read(store, 1)


def test_a_value_copied_from_another_store_does_not_open(store: Engine, tmp_path: Path) -> None:
    other = open_store(tmp_path / "other.db", OLD_KEK)
    add(store, 1)
    add(other, 1, id_number="110105194912310037")
    stolen = raw_rows(other)[0].id_number
    with store.begin() as connection:
        connection.execute(text("UPDATE people SET id_number = :v"), {"v": stolen})
    with pytest.raises(Exception, match="integrity check"):
        read(store, 1)
    other.dispose()


def test_a_rotation_keeps_old_rows_readable_and_reseals_them(tmp_path: Path) -> None:
    path = tmp_path / "people.db"
    before = open_store(path, OLD_KEK)
    add(before, 1)
    index_before = raw_rows(before)[0].id_number_index
    before.dispose()

    rotating = open_store(path, NEW_KEK, older=(OLD_KEK,))
    keys = sealed_fields.keys_of(rotating)
    with rotating.begin() as connection:
        assert keys.rotate(connection)
    with rotating.begin() as connection:
        assert not keys.rotate(connection), "a second run has nothing left to do"
    add(rotating, 2)
    assert stored_key_ids(rotating) == [1, 2]
    rotating.dispose()

    # Under the new KEK alone, the row sealed before the rotation still opens.
    after = open_store(path, NEW_KEK)
    assert read(after, 1).id_number == ID_NUMBER
    changed = rewrite(after.begin, PEOPLE, resealing(sealed_fields.keys_of(after), PEOPLE))
    assert changed == 1 and stored_key_ids(after) == [2, 2]
    assert rewrite(after.begin, PEOPLE, resealing(sealed_fields.keys_of(after), PEOPLE)) == 0
    assert read(after, 1).papers["名"] == "张三"
    # The index key is re-wrapped, not replaced: lookups keep working without re-indexing.
    assert raw_rows(after)[0].id_number_index == index_before
    after.dispose()

    with pytest.raises(SealedFieldError, match="wrapped with KEK"):
        open_store(path, OLD_KEK)


def test_rewriting_goes_in_batches_and_reports_progress(store: Engine) -> None:
    for person_id in range(1, 8):
        add(store, person_id)
    keys = sealed_fields.keys_of(store)
    with store.begin() as connection:
        connection.execute(text("UPDATE people SET id_number = 'plain', form = NULL"))
    seen: list[tuple[int, int]] = []
    sealing = SealedColumns("people", ("id",), text=("id_number",))
    changed = rewrite(
        store.begin,
        sealing,
        lambda row: {"id_number": keys.seal_text(row["id_number"])},
        batch=3,
        progress=lambda done, changed: seen.append((done, changed)),
    )
    assert changed == 7 and seen == [(3, 3), (6, 6), (7, 7)]


def test_a_migration_seals_plaintext_once_and_its_downgrade_opens_it(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    sealed_fields.attach(engine, FieldKeys(OLD_KEK))
    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO people (id, name, id_number, id_number_index, papers, form) "
                "VALUES (1, 'x', :n, '', :p, :f)"
            ),
            {"n": ID_NUMBER, "p": '{"phone": "13800138000"}', "f": b"\x0a\x01x"},
        )
    for _ in range(2):  # a second run finds everything sealed
        with engine.begin() as connection:
            seal_plaintext(connection, PEOPLE)
    person = read(engine, 1)
    assert (person.id_number, person.papers, person.form) == (
        ID_NUMBER,
        {"phone": "13800138000"},
        b"\x0a\x01x",
    )
    assert raw_rows(engine)[0].id_number_index == sealed_fields.keys_of(engine).index(ID_NUMBER)
    with engine.begin() as connection:
        open_sealed(connection, PEOPLE)
    row = raw_rows(engine)[0]
    assert (row.id_number, row.form) == (ID_NUMBER, b"\x0a\x01x")
    engine.dispose()


def test_the_sealed_columns_of_a_schema_are_found() -> None:
    assert sealed_columns(Base.metadata) == [
        SealedColumns("people", ("id",), text=("id_number", "papers"), binary=("form",))
    ]


def test_keys_never_show_in_their_description(store: Engine) -> None:
    keys = sealed_fields.keys_of(store)
    assert OLD_KEK.decode() not in repr(keys) and "kek" in repr(keys)
