"""seal drafts at rest

A draft holds the form as typed, ID numbers and phones included: drafts.fields is stored sealed
(onestop_common.sealed_fields) under this database's own data keys, wrapped with the KEK. The
drafts already here are sealed by this revision; its downgrade opens them again.

Revision ID: 69e0c1d111ab
Revises: 9f8e474d649a
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from onestop_common.migration_tables import create_data_keys
from onestop_common.sealed_rows import SealedColumns, open_sealed, seal_plaintext

revision = "69e0c1d111ab"
down_revision = "9f8e474d649a"
branch_labels = None
depends_on = None

SEALED = (SealedColumns("drafts", ("id",), text=("fields",)),)


def upgrade() -> None:
    create_data_keys()
    with op.batch_alter_table("drafts") as batch:
        batch.alter_column(
            "fields", existing_type=sa.JSON(), type_=sa.Text(), postgresql_using="fields::text"
        )
    seal_plaintext(op.get_bind(), *SEALED)


def downgrade() -> None:
    open_sealed(op.get_bind(), *SEALED)
    with op.batch_alter_table("drafts") as batch:
        batch.alter_column(
            "fields", existing_type=sa.Text(), type_=sa.JSON(), postgresql_using="fields::json"
        )
    op.drop_table("data_keys")
