"""initial: outbox, inbox, desk tasks

Revision ID: c0f06f05acf1
Revises: 
Create Date: 2026-11-26 03:36:21.373117
"""

from collections.abc import Sequence

from onestop_common.migration_tables import create_participant_tables, drop_participant_tables


revision: str = 'c0f06f05acf1'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_participant_tables()


def downgrade() -> None:
    drop_participant_tables()
