"""real-name identities

users.oidc_issuer and users.oidc_subject (the OpenID Connect identity a citizen's account is,
unique together; NULL for local accounts), users.verified_name and users.person_id (the name
and citizen ID number the provider verified). See portal.oidc.

Revision ID: 5c1e0a7d2b94
Revises: 9f8e474d649a
Create Date: 2026-12-10 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c1e0a7d2b94"
down_revision: str | None = "9f8e474d649a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("oidc_issuer", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("oidc_subject", sa.String(length=255), nullable=True))
        batch_op.add_column(
            sa.Column("verified_name", sa.String(length=120), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("person_id", sa.String(length=18), server_default="", nullable=False)
        )
        batch_op.create_unique_constraint(
            "uq_users_oidc_identity", ["oidc_issuer", "oidc_subject"]
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint("uq_users_oidc_identity", type_="unique")
        batch_op.drop_column("person_id")
        batch_op.drop_column("verified_name")
        batch_op.drop_column("oidc_subject")
        batch_op.drop_column("oidc_issuer")
