"""one-time codes

users.totp_secret (encrypted with a key from the KEK; empty: no second factor) and
users.totp_last_step (no one-time code counts twice). See portal.totp.

Revision ID: 9f8e474d649a
Revises: d393a2d9b4de
Create Date: 2026-12-03 11:00:17.952827
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9f8e474d649a"
down_revision: str | None = "d393a2d9b4de"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("totp_secret", sa.String(length=300), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("totp_last_step", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_secret")
