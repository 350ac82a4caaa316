"""shared sign-in throttle

Sign-in failures counted in the database instead of one process's memory, so every portal
replica throttles alike (see portal.throttle).

Revision ID: 826a57c5181b
Revises: faaf60c9d4bd
Create Date: 2026-12-03 10:27:18.867855
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import onestop_common.db

revision: str = "826a57c5181b"
down_revision: str | None = "faaf60c9d4bd"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_throttle",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", onestop_common.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", onestop_common.db.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("sign_in_throttle")
