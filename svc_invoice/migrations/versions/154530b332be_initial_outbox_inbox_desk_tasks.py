"""initial: outbox, inbox, desk tasks

Revision ID: 154530b332be
Revises: 
Create Date: 2026-11-26 03:36:22.325995
"""

from collections.abc import Sequence

from onestop_common.migration_tables import create_participant_tables, drop_participant_tables


revision: str = '154530b332be'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_participant_tables()


def downgrade() -> None:
    drop_participant_tables()
