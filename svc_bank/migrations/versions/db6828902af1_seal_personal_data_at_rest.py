"""seal personal data at rest

Account numbers, the beneficial owners (named with their ID numbers) and the saga command kept
with each account (it carries the form) are stored sealed (onestop_common.sealed_fields) under
this database's own data keys, wrapped with the KEK; and what every participant seals
(outbox.body, inbox.result, tasks.request, tasks.details). An account number is kept unique by
its blind index account_number_index. The rows already here are sealed by this revision; its
downgrade opens them again.

Revision ID: db6828902af1
Revises: b3a471fe91cb
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from onestop_common.migration_tables import open_participant_tables, seal_participant_tables
from onestop_common.sealed_rows import SealedColumns

revision = "db6828902af1"
down_revision = "b3a471fe91cb"
branch_labels = None
depends_on = None

OWN = (
    SealedColumns(
        "accounts",
        ("id",),
        text=("account_number", "beneficial_owners"),
        binary=("context",),
        indexes={"account_number": "account_number_index"},
    ),
)
# The first revision left the account number's unique constraint unnamed: PostgreSQL named it,
# and SQLite's is named here so that a batch can drop it.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
UNIQUE_NUMBER = "uq_accounts_account_number_index"


def upgrade() -> None:
    with op.batch_alter_table("accounts", naming_convention=NAMING) as batch:
        batch.drop_constraint(_number_constraint(), type_="unique")
        batch.alter_column("account_number", existing_type=sa.String(length=32), type_=sa.Text())
        batch.alter_column(
            "beneficial_owners",
            existing_type=sa.JSON(),
            type_=sa.Text(),
            postgresql_using="beneficial_owners::text",
        )
        batch.add_column(sa.Column("account_number_index", sa.String(length=64), nullable=True))
    seal_participant_tables(*OWN)
    with op.batch_alter_table("accounts") as batch:
        batch.create_unique_constraint(UNIQUE_NUMBER, ["account_number_index"])


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_constraint(UNIQUE_NUMBER, type_="unique")
    open_participant_tables(*OWN)
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("account_number_index")
        batch.alter_column("account_number", existing_type=sa.Text(), type_=sa.String(length=32))
        batch.alter_column(
            "beneficial_owners",
            existing_type=sa.Text(),
            type_=sa.JSON(),
            postgresql_using="beneficial_owners::json",
        )
        batch.create_unique_constraint(_number_constraint(), ["account_number"])


def _number_constraint() -> str:
    if op.get_bind().dialect.name == "postgresql":
        return "accounts_account_number_key"
    return "uq_accounts_account_number"
