"""person signatures

Every natural person an application names confirms and signs it before the case starts: their
signature requests (found by a keyed digest of the ID number), the application PDF they sign and
when the signing period ends.

Revision ID: 6e3b9c1f4a70
Revises: 2df899f6e126
Create Date: 2026-12-03 14:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from onestop_common.db import UtcDateTime

revision: str = "6e3b9c1f4a70"
down_revision: str | None = "2df899f6e126"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sagas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("application_pdf", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("signatures_due_at", UtcDateTime(timezone=True), nullable=True))
    op.create_table(
        "person_signatures",
        sa.Column("saga_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("masked_id_number", sa.String(length=32), nullable=False),
        sa.Column("person_digest", sa.String(length=64), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("signed_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("certificate_serial", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["saga_id"], ["sagas.id"]),
        sa.PrimaryKeyConstraint("saga_id", "position"),
    )
    op.create_index(
        "ix_person_signatures_person", "person_signatures", ["person_digest", "state"]
    )


def downgrade() -> None:
    op.drop_index("ix_person_signatures_person", table_name="person_signatures")
    op.drop_table("person_signatures")
    with op.batch_alter_table("sagas", schema=None) as batch_op:
        batch_op.drop_column("signatures_due_at")
        batch_op.drop_column("application_pdf")
