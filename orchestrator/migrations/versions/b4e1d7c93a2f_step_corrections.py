"""step corrections: a step re-run after the applicant corrected what it refused; the definition
version each case started on

Revision ID: b4e1d7c93a2f
Revises: 8c2f4d1a6e07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b4e1d7c93a2f"
down_revision = "8c2f4d1a6e07"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("saga_steps") as batch:
        batch.add_column(
            sa.Column("corrections", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("sagas") as batch:
        batch.add_column(
            sa.Column("definition_version", sa.Integer(), nullable=False, server_default="1")
        )


def downgrade() -> None:
    with op.batch_alter_table("sagas") as batch:
        batch.drop_column("definition_version")
    with op.batch_alter_table("saga_steps") as batch:
        batch.drop_column("corrections")
