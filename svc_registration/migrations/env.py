"""Alembic environment of the registration service's database."""

from onestop_common.db import run_migration_env
from svc_registration.models import Base

run_migration_env(Base.metadata)
