"""credit line history, red-letter confirmation forms, partial red letters, buyer booking

- credit_line_changes: every change of a taxpayer's credit line (授信额度); taxpayers approved
  before this revision get their line as the first, "granted" entry (when and by whom it was
  approved, so the history starts where the line did);
- red_letter_forms: red-letter confirmation forms (红字发票信息确认单);
- invoices: a blue invoice may now have several red-letter invoices (uq_invoices_reverses gives
  way to an index); booked_at / booked_by record the buyer's booking (用途确认 / 入账确认);
  confirmation_number links a red-letter invoice to its form;
- taxpayers.cancellation_forms: forms the saga's compensation requested for booked invoices.

Downgrading restores uq_invoices_reverses, which fails while a blue invoice has more than one
red-letter invoice: partial red letters cannot be expressed in the older schema.

Revision ID: 27f491a41406
Revises: 397201212ab7
Create Date: 2026-12-02 21:50:47.544519
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import onestop_common.db

revision = "27f491a41406"
down_revision = "397201212ab7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credit_line_changes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("taxpayer_id", sa.String(length=18), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("old_value", sa.String(length=32), nullable=False),
        sa.Column("new_value", sa.String(length=32), nullable=False),
        sa.Column("changed_by", sa.String(length=120), nullable=False),
        sa.Column("changed_at", onestop_common.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["taxpayer_id"], ["taxpayers.taxpayer_id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("taxpayer_id", "idempotency_key", name="uq_credit_line_changes_key"),
    )
    with op.batch_alter_table("credit_line_changes") as batch:
        batch.create_index("ix_credit_line_changes_taxpayer", ["taxpayer_id", "id"], unique=False)

    op.create_table(
        "red_letter_forms",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("taxpayer_id", sa.String(length=18), nullable=False),
        sa.Column("buyer_taxpayer_id", sa.String(length=20), nullable=False),
        sa.Column("blue_number", sa.String(length=20), nullable=False),
        sa.Column("requested_by", sa.String(length=10), nullable=False),
        sa.Column("requested_by_subject", sa.String(length=120), nullable=False),
        sa.Column("requested_at", onestop_common.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("total_amount", sa.String(length=32), nullable=False),
        sa.Column("total_tax", sa.String(length=32), nullable=False),
        sa.Column("total_with_tax", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("answered_by", sa.String(length=10), nullable=False),
        sa.Column("answered_by_subject", sa.String(length=120), nullable=False),
        sa.Column("answered_at", onestop_common.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("answer_reason", sa.Text(), nullable=False),
        sa.Column("red_number", sa.String(length=20), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["taxpayer_id"], ["taxpayers.taxpayer_id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number", name="uq_red_letter_forms_number"),
        sa.UniqueConstraint("taxpayer_id", "idempotency_key", name="uq_red_letter_forms_key"),
    )
    with op.batch_alter_table("red_letter_forms") as batch:
        batch.create_index("ix_red_letter_forms_blue", ["taxpayer_id", "blue_number"], unique=False)

    with op.batch_alter_table("invoices") as batch:
        batch.add_column(
            sa.Column("booked_at", onestop_common.db.UtcDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("booked_by", sa.String(length=120), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("confirmation_number", sa.String(length=20), nullable=True))
        batch.drop_constraint("uq_invoices_reverses", type_="unique")
        batch.create_index("ix_invoices_reverses", ["reverses"], unique=False)

    # A constant default: SQLite adds the column in place. (An expression default would make
    # batch mode copy the table, which the foreign keys of invoices onto taxpayers forbid.)
    with op.batch_alter_table("taxpayers") as batch:
        batch.add_column(
            sa.Column("cancellation_forms", sa.JSON(), nullable=False, server_default="[]")
        )

    # The lines granted before this revision start their history.
    op.execute(
        sa.text(
            "INSERT INTO credit_line_changes (taxpayer_id, kind, old_value, new_value, "
            "changed_by, changed_at, reason, idempotency_key, request_digest) "
            "SELECT taxpayer_id, 'granted', '', credit_line, decided_by, approved_at, "
            "'新办纳税人套餐核定 / granted with the new-taxpayer package', NULL, '' "
            "FROM taxpayers WHERE credit_line <> '' AND approved_at IS NOT NULL"
        )
    )


def downgrade() -> None:
    # In place, not by batch mode's copy of the table: invoices hold foreign keys onto
    # taxpayers, so SQLite refuses to drop the old table (ALTER TABLE … DROP COLUMN: SQLite 3.35+).
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE taxpayers DROP COLUMN cancellation_forms")
    else:
        op.drop_column("taxpayers", "cancellation_forms")

    with op.batch_alter_table("invoices") as batch:
        batch.drop_index("ix_invoices_reverses")
        batch.create_unique_constraint("uq_invoices_reverses", ["reverses"])
        batch.drop_column("confirmation_number")
        batch.drop_column("booked_by")
        batch.drop_column("booked_at")

    with op.batch_alter_table("red_letter_forms") as batch:
        batch.drop_index("ix_red_letter_forms_blue")
    op.drop_table("red_letter_forms")
    with op.batch_alter_table("credit_line_changes") as batch:
        batch.drop_index("ix_credit_line_changes_taxpayer")
    op.drop_table("credit_line_changes")
