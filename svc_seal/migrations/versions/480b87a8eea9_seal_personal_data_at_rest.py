"""seal personal data at rest

What every participant seals (onestop_common.sealed_fields), under this database's own data keys
wrapped with the KEK: outbox.body, inbox.result, and the desk's tasks.request (the seal command
carries the application form, with ID numbers and phones) and tasks.details. The rows already
here are sealed by this revision; its downgrade opens them again.

Revision ID: 480b87a8eea9
Revises: 66353197816e
"""

from __future__ import annotations

from onestop_common.migration_tables import open_participant_tables, seal_participant_tables

revision = "480b87a8eea9"
down_revision = "66353197816e"
branch_labels = None
depends_on = None


def upgrade() -> None:
    seal_participant_tables()


def downgrade() -> None:
    open_participant_tables()
