"""unanswered sends: a step's command re-sent when no answer comes in time

Revision ID: 5a1c0e7d2b93
Revises: 837deb8ed063
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5a1c0e7d2b93"
down_revision = "837deb8ed063"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("saga_steps") as batch:
        batch.add_column(sa.Column("send_seq", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("unanswered", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("saga_steps") as batch:
        batch.drop_column("unanswered")
        batch.drop_column("send_seq")
