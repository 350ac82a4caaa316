"""calendar imports: operators' official holiday schedules, hash-chained

Revision ID: 8c2f4d1a6e07
Revises: 5a1c0e7d2b93
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import onestop_common.db

revision = "8c2f4d1a6e07"
down_revision = "5a1c0e7d2b93"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_imports",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("notice_number", sa.String(length=200), nullable=False),
        sa.Column("imported_at", onestop_common.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=120), nullable=False),
        sa.Column("differences", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_calendar_imports_year", "calendar_imports", ["year"])


def downgrade() -> None:
    op.drop_index("ix_calendar_imports_year", table_name="calendar_imports")
    op.drop_table("calendar_imports")
