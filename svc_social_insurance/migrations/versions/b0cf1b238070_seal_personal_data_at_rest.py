"""seal personal data at rest

The employees' ID numbers (social-security numbers) and the saga command kept with each employer
registration (it carries the form) are stored sealed (onestop_common.sealed_fields) under this
database's own data keys, wrapped with the KEK; and what every participant seals (outbox.body,
inbox.result, tasks.request, tasks.details). One holding enrolment per person is now enforced on
the blind index id_number_index. The rows already here are sealed by this revision; its
downgrade opens them again.

Revision ID: b0cf1b238070
Revises: 1b787d0a8552
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from onestop_common.migration_tables import open_participant_tables, seal_participant_tables
from onestop_common.sealed_rows import SealedColumns

revision = "b0cf1b238070"
down_revision = "1b787d0a8552"
branch_labels = None
depends_on = None

HOLDING = sa.text("state IN ('pending', 'active')")
OWN = (
    SealedColumns(
        "enrolments", ("id",), text=("id_number",), indexes={"id_number": "id_number_index"}
    ),
    SealedColumns("employers", ("id",), binary=("context",)),
)


def upgrade() -> None:
    with op.batch_alter_table("enrolments") as batch:
        batch.drop_index("uq_enrolments_person_holding")
        batch.alter_column("id_number", existing_type=sa.String(length=40), type_=sa.Text())
        batch.add_column(sa.Column("id_number_index", sa.String(length=64), nullable=True))
    seal_participant_tables(*OWN)
    with op.batch_alter_table("enrolments") as batch:
        batch.alter_column("id_number_index", existing_type=sa.String(length=64), nullable=False)
    _one_holding_per_person("id_number_index")


def downgrade() -> None:
    with op.batch_alter_table("enrolments") as batch:
        batch.drop_index("uq_enrolments_person_holding")
    open_participant_tables(*OWN)
    with op.batch_alter_table("enrolments") as batch:
        batch.drop_column("id_number_index")
        batch.alter_column("id_number", existing_type=sa.Text(), type_=sa.String(length=40))
    _one_holding_per_person("id_number")


def _one_holding_per_person(column: str) -> None:
    with op.batch_alter_table("enrolments") as batch:
        batch.create_index(
            "uq_enrolments_person_holding",
            [column],
            unique=True,
            sqlite_where=HOLDING,
            postgresql_where=HOLDING,
        )
