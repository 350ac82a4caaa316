"""Alembic environment of the invoice service's database."""

from onestop_common.db import run_migration_env
from svc_invoice.models import Base

run_migration_env(Base.metadata)
