"""Alembic environment of the portal's accounts and drafts."""

from onestop_common.db import run_migration_env
from portal.models import Base

run_migration_env(Base.metadata)
