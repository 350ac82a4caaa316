"""the commitment date: licenses.committed_at and tasks.commitment_made_at

The 60 days of the commitment route run from the day of the commitment (the submission that
carried it), not from the grant. Licenses granted before this revision keep NULL: their day of
commitment was not recorded, and their due date (already scheduled by the orchestrator) stays.

Revision ID: 3c7e9a51d2f4
Revises: b5f2e4bae08d
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import onestop_common.db

revision = "3c7e9a51d2f4"
down_revision = "b5f2e4bae08d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("licenses") as batch:
        batch.add_column(
            sa.Column(
                "committed_at", onestop_common.db.UtcDateTime(timezone=True), nullable=True
            )
        )
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(
            sa.Column(
                "commitment_made_at", onestop_common.db.UtcDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("commitment_made_at")
    with op.batch_alter_table("licenses") as batch:
        batch.drop_column("committed_at")
