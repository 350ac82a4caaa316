"""seal personal data at rest

ID numbers and the forms that carry them are stored sealed (onestop_common.sealed_fields) under
this database's own data keys, wrapped with the KEK: licenses.legal_rep_id_number and .form,
license_changes.previous_form, credit_entries.subject_id, and what every participant seals
(outbox.body, inbox.result, tasks.request, tasks.details). A credit entry is now looked up, and
kept unique, by the blind index subject_index. The rows already here are sealed by this
revision; its downgrade opens them again.

Revision ID: 74c024f18857
Revises: 8a079eec1bce
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from onestop_common.migration_tables import open_participant_tables, seal_participant_tables
from onestop_common.sealed_rows import SealedColumns

revision = "74c024f18857"
down_revision = "8a079eec1bce"
branch_labels = None
depends_on = None

OWN = (
    SealedColumns("licenses", ("uscc",), text=("legal_rep_id_number",), binary=("form",)),
    SealedColumns("license_changes", ("id",), binary=("previous_form",)),
    SealedColumns(
        "credit_entries", ("id",), text=("subject_id",), indexes={"subject_id": "subject_index"}
    ),
)


def upgrade() -> None:
    with op.batch_alter_table("credit_entries") as batch:
        batch.drop_index("ix_credit_subject")
        batch.drop_constraint("uq_credit_subject_origin", type_="unique")
        batch.alter_column("subject_id", existing_type=sa.String(length=120), type_=sa.Text())
        batch.add_column(sa.Column("subject_index", sa.String(length=64), nullable=True))
    with op.batch_alter_table("licenses") as batch:
        batch.alter_column(
            "legal_rep_id_number", existing_type=sa.String(length=40), type_=sa.Text()
        )
    seal_participant_tables(*OWN)
    with op.batch_alter_table("credit_entries") as batch:
        batch.alter_column("subject_index", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint(
            "uq_credit_subject_origin", ["subject_kind", "subject_index", "origin"]
        )
        batch.create_index("ix_credit_subject", ["subject_kind", "subject_index"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("credit_entries") as batch:
        batch.drop_index("ix_credit_subject")
        batch.drop_constraint("uq_credit_subject_origin", type_="unique")
    open_participant_tables(*OWN)
    with op.batch_alter_table("licenses") as batch:
        batch.alter_column(
            "legal_rep_id_number", existing_type=sa.Text(), type_=sa.String(length=40)
        )
    with op.batch_alter_table("credit_entries") as batch:
        batch.drop_column("subject_index")
        batch.alter_column("subject_id", existing_type=sa.Text(), type_=sa.String(length=120))
        batch.create_unique_constraint(
            "uq_credit_subject_origin", ["subject_kind", "subject_id", "origin"]
        )
        batch.create_index("ix_credit_subject", ["subject_kind", "subject_id"], unique=False)
