"""Alembic environment of the social insurance service's database."""

from onestop_common.db import run_migration_env
from svc_social_insurance.models import Base

run_migration_env(Base.metadata)
