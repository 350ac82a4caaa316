"""The tables every participant service has — the outbox, the inbox and the desk's tasks — made
by one function each way, so the five services' first migrations stay the same schema.

Called from each service's initial Alembic revision; a later change to these tables is a new
revision in each service (calling a new function here), never an edit of these.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import onestop_common.db


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
