"""Alembic environment of the bank service's database."""

from onestop_common.db import run_migration_env
from svc_bank.models import Base

run_migration_env(Base.metadata)
