"""Numbers in a series: consecutive, per series, several at once, none lost to a rollback."""

from __future__ import annotations

import pytest
from sqlalchemy import Integer, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from onestop_common.serials import take_numbers


class Base(DeclarativeBase):
    pass


class Series(Base):
    __tablename__ = "series"
    prefix: Mapped[str] = mapped_column(String(10), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


@pytest.fixture
def session(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path}/serials.db")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def take(session: Session, prefix: str, count: int = 1) -> int:
    return take_numbers(session, Series, "prefix", "last", prefix, count)


def test_numbers_follow_each_other_per_series(session):
    assert [take(session, "A") for _ in range(3)] == [1, 2, 3]
    assert take(session, "B") == 1
    assert take(session, "A", count=5) == 4
    assert take(session, "A") == 9
    session.commit()
    assert session.get(Series, "A").last == 9


def test_a_rolled_back_transaction_takes_no_number(session):
    take(session, "A")
    session.commit()
    take(session, "A", count=3)
    session.rollback()
    assert take(session, "A") == 2


def test_a_count_below_one_is_refused(session):
    with pytest.raises(ValueError, match="at least 1"):
        take(session, "A", count=0)
