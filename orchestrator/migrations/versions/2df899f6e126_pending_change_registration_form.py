"""pending change registration form

sagas.pending_form: a correction that changes what the license records waits for the officer's
change registration (变更登记); it becomes the case's form when the change is granted.

Revision ID: 2df899f6e126
Revises: b4e1d7c93a2f
Create Date: 2026-12-03 10:14:56.598562
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2df899f6e126"
down_revision: str | None = "b4e1d7c93a2f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sagas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_form", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sagas", schema=None) as batch_op:
        batch_op.drop_column("pending_form")
