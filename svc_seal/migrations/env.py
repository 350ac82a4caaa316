"""Alembic environment of the seal service's database."""

from onestop_common.db import run_migration_env
from svc_seal.models import Base

run_migration_env(Base.metadata)
