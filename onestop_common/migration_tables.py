"""The tables every participant service has — the outbox, the inbox and the desk's tasks — made
by one function each way, so the five services' first migrations stay the same schema; and the
changes to them later revisions make, one function each way too.

Called from each service's initial Alembic revision; a later change to these tables is a new
revision in each service (calling a new function here), never an edit of these.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import onestop_common.db
from onestop_common.sealed_rows import SealedColumns, open_sealed, seal_plaintext


def create_participant_tables() -> None:
    """Revision 1 of a participant: inbox, outbox (published_at indexed), tasks (by case, queue)."""
    op.create_table(
        "inbox",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("handled_at", onestop_common.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("result_type", sa.String(length=200), nullable=False),
        sa.Column("result", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("message_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", onestop_common.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("exchange", sa.String(length=100), nullable=False),
        sa.Column("routing_key", sa.String(length=200), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("claimed_by", sa.String(length=40), nullable=True),
        sa.Column("claimed_until", onestop_common.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("published_at", onestop_common.db.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_published_at"), ["published_at"], unique=False)

    op.create_table(
        "tasks",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("company_name", sa.String(length=200), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("assignee_org", sa.String(length=40), nullable=False),
        sa.Column("claimed_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", onestop_common.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("started_at", onestop_common.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("due_at", onestop_common.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("warn_at", onestop_common.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("paused_at", onestop_common.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("limit_workdays", sa.String(length=10), nullable=False),
        sa.Column("decided_at", onestop_common.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("context", sa.LargeBinary(), nullable=False),
        sa.Column("request_type", sa.String(length=200), nullable=False),
        sa.Column("request", sa.LargeBinary(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index("ix_tasks_case", ["case_id"], unique=False)
        batch_op.create_index("ix_tasks_queue", ["state", "due_at"], unique=False)


def drop_participant_tables() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_queue")
        batch_op.drop_index("ix_tasks_case")

    op.drop_table("tasks")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_published_at"))

    op.drop_table("outbox")
    op.drop_table("inbox")


# What every participant keeps sealed (onestop_common.sealed_fields): the messages it sends, a
# command's result, and the desk's copy of the command and its details.
PARTICIPANT_SEALED = (
    SealedColumns("outbox", ("id",), binary=("body",)),
    SealedColumns("inbox", ("key",), binary=("result",)),
    SealedColumns("tasks", ("id",), text=("details",), binary=("request",)),
)


def create_data_keys() -> None:
    """The store's key ring (``sealed_fields.DataKeyMixin``), each key wrapped with the KEK."""
    op.create_table(
        "data_keys",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("kek_id", sa.String(length=16), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def seal_participant_tables(*own: SealedColumns) -> None:
    """The revision that seals personal data at rest: the key ring made, then the outbox's messages,
    the inbox's results, the tasks' requests and details, and the service's ``own`` columns
    (already altered to hold sealed values) sealed."""
    create_data_keys()
    with op.batch_alter_table("tasks") as batch:
        batch.alter_column(
            "details", existing_type=sa.JSON(), type_=sa.Text(), postgresql_using="details::text"
        )
    seal_plaintext(op.get_bind(), *PARTICIPANT_SEALED, *own)


def open_participant_tables(*own: SealedColumns) -> None:
    """Its downgrade: every sealed value opened again, the key ring dropped."""
    open_sealed(op.get_bind(), *PARTICIPANT_SEALED, *own)
    with op.batch_alter_table("tasks") as batch:
        batch.alter_column(
            "details", existing_type=sa.Text(), type_=sa.JSON(), postgresql_using="details::json"
        )
    op.drop_table("data_keys")
