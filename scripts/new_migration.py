"""Autogenerates the next Alembic migration of one component from its models:
``python scripts/new_migration.py orchestrator "add timers index"``."""

from __future__ import annotations

import importlib
import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config

from onestop_common.db import make_engine, upgrade_schema

PACKAGES = {
    "orchestrator": "orchestrator",
    "registration": "svc_registration",
    "seal": "svc_seal",
    "invoice": "svc_invoice",
    "social_insurance": "svc_social_insurance",
    "bank": "svc_bank",
    "portal": "portal",
}


def main(component: str, message: str) -> int:
    package = importlib.import_module(PACKAGES[component])
    migrations = Path(package.__file__).parent / "migrations"  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as tmp:
        # A throwaway KEK: the revisions that seal personal data make this database's keys.
        engine = make_engine(f"sqlite:///{tmp}/gen.db", kek=b"autogenerate")
        if any((migrations / "versions").glob("*.py")):
            upgrade_schema(engine, migrations, f"alembic_version_{component}")
        config = Config()
        config.set_main_option("script_location", str(migrations))
        config.attributes["version_table"] = f"alembic_version_{component}"
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.revision(config, message=message, autogenerate=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
