"""license versions and change registrations

A correction that changes what a license records goes to the officer as a change registration
(变更登记): the license is re-issued under the same USCC as the next version, and the version it
replaced (its form and signed PDF) is kept in license_changes. Existing licenses are version 1.

Revision ID: 8a079eec1bce
Revises: 3c7e9a51d2f4
Create Date: 2026-12-03 10:13:24.983260
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import onestop_common.db

revision: str = "8a079eec1bce"
down_revision: str | None = "3c7e9a51d2f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "license_changes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("decided_by", sa.String(length=120), nullable=False),
        sa.Column("decided_at", onestop_common.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("task_id", sa.String(length=40), nullable=False),
        sa.Column("previous_form", sa.LargeBinary(), nullable=True),
        sa.Column("previous_pdf", sa.LargeBinary(), nullable=True),
        sa.Column("previous_pdf_sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uscc", "version", name="uq_license_change_version"),
    )
    with op.batch_alter_table("license_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_license_changes_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_license_changes_uscc"), ["uscc"], unique=False)

    with op.batch_alter_table("licenses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(
            sa.Column("changed_at", onestop_common.db.UtcDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("licenses", schema=None) as batch_op:
        batch_op.drop_column("changed_at")
        batch_op.drop_column("version")

    with op.batch_alter_table("license_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_license_changes_uscc"))
        batch_op.drop_index(batch_op.f("ix_license_changes_case_id"))

    op.drop_table("license_changes")
