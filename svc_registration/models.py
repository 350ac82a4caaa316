"""The registration service's own database: its tables, outbox and inbox."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from onestop_common.desk import TaskMixin
from onestop_common.outbox import InboxMixin, OutboxMixin


class Base(DeclarativeBase):
    pass


class Outbox(OutboxMixin, Base):
    pass


class Inbox(InboxMixin, Base):
    pass


class Task(TaskMixin, Base):
    pass
