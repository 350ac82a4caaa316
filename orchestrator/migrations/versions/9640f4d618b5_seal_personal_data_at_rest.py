"""seal personal data at rest

The application forms (sagas.form, sagas.pending_form: ID numbers and phones), the steps' results
(saga_steps.result: the bank's carries the account number), the messages sent (outbox.body:
commands carry the form) and the inbox's results are stored sealed
(onestop_common.sealed_fields) under this database's own data keys, wrapped with the KEK. The
rows already here are sealed by this revision; its downgrade opens them again.

Revision ID: 9640f4d618b5
Revises: 6e3b9c1f4a70
"""

from __future__ import annotations

from alembic import op

from onestop_common.migration_tables import create_data_keys
from onestop_common.sealed_rows import SealedColumns, open_sealed, seal_plaintext

revision = "9640f4d618b5"
down_revision = "6e3b9c1f4a70"
branch_labels = None
depends_on = None

SEALED = (
    SealedColumns("sagas", ("id",), binary=("form", "pending_form")),
    SealedColumns("saga_steps", ("saga_id", "name"), binary=("result",)),
    SealedColumns("outbox", ("id",), binary=("body",)),
    SealedColumns("inbox", ("key",), binary=("result",)),
)


def upgrade() -> None:
    create_data_keys()
    seal_plaintext(op.get_bind(), *SEALED)


def downgrade() -> None:
    open_sealed(op.get_bind(), *SEALED)
    op.drop_table("data_keys")
