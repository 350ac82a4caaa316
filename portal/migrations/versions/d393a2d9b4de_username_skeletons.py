"""username skeletons

users.username_skeleton (portal.usernames.skeleton) under a unique constraint: one account per
look-alike family of names. Existing accounts get their skeleton; two existing accounts that
already look alike keep their names, the later one's skeleton suffixed with its id.

Revision ID: d393a2d9b4de
Revises: 826a57c5181b
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from portal.usernames import skeleton

revision: str = "d393a2d9b4de"
down_revision: str | None = "826a57c5181b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

users = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("username", sa.String),
    sa.column("username_skeleton", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("username_skeleton", sa.String(length=80), nullable=True))
    connection = op.get_bind()
    seen: set[str] = set()
    rows = connection.execute(sa.select(users.c.id, users.c.username).order_by(users.c.id))
    for user_id, username in rows.all():
        look = skeleton(username)
        if look in seen:
            look = f"{look}#{user_id}"[:80]
        seen.add(look)
        connection.execute(
            users.update().where(users.c.id == user_id).values(username_skeleton=look)
        )
    with op.batch_alter_table("users") as batch:
        batch.alter_column("username_skeleton", nullable=False)
        batch.create_unique_constraint("uq_users_username_skeleton", ["username_skeleton"])


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("uq_users_username_skeleton", type_="unique")
        batch.drop_column("username_skeleton")
