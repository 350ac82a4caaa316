"""Numbers in a series (account numbers, seal codes, invoice numbers, registration numbers):
each series is one row holding the last number used, locked until the transaction ends, so two
transactions never hand out the same number and a rolled-back one hands out none."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column


def take_numbers(
    session: Session, model: type[Any], key_field: str, last_field: str, key: str, count: int = 1
) -> int:
    """Reserves ``count`` numbers of the series ``key`` and returns the first. The series' row of
    ``model`` (``key_field`` names it, ``last_field`` holds the last number used) is created at
    0 the first time; two first uses racing each other both end on the one row."""
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    statement = select(model).where(getattr(model, key_field) == key).with_for_update()
    row = session.scalars(statement).first()
    if row is None:
        try:
            with session.begin_nested():
                session.add(model(**{key_field: key, last_field: 0}))
        except IntegrityError:
            pass  # another transaction created it first; lock that row below
        row = session.scalars(statement).one()
    first = int(getattr(row, last_field)) + 1
    setattr(row, last_field, first + count - 1)
    return first


class CounterMixin:
    """A service's table of named series (registration numbers, account numbers per bank, …):
    one row per series holding the last number used."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)

    @classmethod
    def next_serial(cls, session: Session, series: str) -> int:
        """The next number of a series; the counter row is locked until the transaction ends."""
        return take_numbers(session, cls, "name", "value", series)
