"""seal drafts at rest

A draft holds the form as typed, ID numbers and phones included: drafts.fields is stored sealed
(onestop_common.sealed_fields) under this database's own data keys, wrapped with the KEK, and so
is the ID number a real-name account was verified with (users.person_id). What is already here
is sealed by this revision; its downgrade opens it again.

Revision ID: 69e0c1d111ab
Revises: 5c1e0a7d2b94
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from onestop_common.migration_tables import create_data_keys
from onestop_common.sealed_rows import SealedColumns, open_sealed, seal_plaintext

revision = "69e0c1d111ab"
down_revision = "5c1e0a7d2b94"
branch_labels = None
depends_on = None

SEALED = (
    SealedColumns("drafts", ("id",), text=("fields",)),
    SealedColumns("users", ("id",), text=("person_id",)),
)


def upgrade() -> None:
    create_data_keys()
    with op.batch_alter_table("drafts") as batch:
        batch.alter_column(
            "fields", existing_type=sa.JSON(), type_=sa.Text(), postgresql_using="fields::text"
        )
    with op.batch_alter_table("users") as batch:
        batch.alter_column(
            "person_id", existing_type=sa.String(18), type_=sa.Text(), server_default=None
        )
    seal_plaintext(op.get_bind(), *SEALED)


def downgrade() -> None:
    open_sealed(op.get_bind(), *SEALED)
    with op.batch_alter_table("users") as batch:
        batch.alter_column(
            "person_id", existing_type=sa.Text(), type_=sa.String(18), server_default=""
        )
    with op.batch_alter_table("drafts") as batch:
        batch.alter_column(
            "fields", existing_type=sa.Text(), type_=sa.JSON(), postgresql_using="fields::json"
        )
    op.drop_table("data_keys")
