"""seal personal data at rest

The taxpayers' real-name information is stored sealed (onestop_common.sealed_fields) under this
database's own data keys, wrapped with the KEK: the legal representative's and the finance
contact's ID numbers and phones; and what every participant seals (outbox.body, inbox.result,
tasks.request, tasks.details). The rows already here are sealed by this revision; its downgrade
opens them again.

On PostgreSQL the four columns become TEXT (a sealed value is longer than the number). SQLite
keeps their declared VARCHAR(40), which it does not enforce: widening it would rebuild the table,
and SQLite refuses to drop a table that invoices reference.

Revision ID: 3326407da720
Revises: 27f491a41406
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from onestop_common.migration_tables import open_participant_tables, seal_participant_tables
from onestop_common.sealed_rows import SealedColumns

revision = "3326407da720"
down_revision = "27f491a41406"
branch_labels = None
depends_on = None

COLUMNS = ("legal_rep_id_number", "legal_rep_phone", "finance_id_number", "finance_phone")
OWN = (SealedColumns("taxpayers", ("taxpayer_id",), text=COLUMNS),)


def upgrade() -> None:
    _retype(sa.String(length=40), sa.Text())
    seal_participant_tables(*OWN)


def downgrade() -> None:
    open_participant_tables(*OWN)
    _retype(sa.Text(), sa.String(length=40))


def _retype(existing: sa.types.TypeEngine[str], wanted: sa.types.TypeEngine[str]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for name in COLUMNS:
        op.alter_column("taxpayers", name, existing_type=existing, type_=wanted)
