"""Alembic environment of the orchestrator's saga store."""

from onestop_common.db import run_migration_env
from orchestrator.models import Base

run_migration_env(Base.metadata)
