"""The migrate job (deploy/compose.yaml, the Kubernetes Job ``onestop-migrate``): brings every
component's database to the newest schema before the platform's processes start.

Each process also migrates its own database at start; the job runs the migrations once, before
any replica, so a failing one stops the rollout in one place with one log instead of in every
replica's crash loop. Run in the image as ``python /opt/onestop/migrate.py``.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import TextIO

from onestop_cli.keys import PACKAGES
from onestop_common.db import make_engine, upgrade_schema
from onestop_common.settings import COMPONENTS, load_settings


def migrations_dir(component: str) -> Path:
    package = importlib.import_module(PACKAGES[component])
    assert package.__file__ is not None
    return Path(package.__file__).parent / "migrations"


def main(out: TextIO = sys.stdout) -> int:
    settings = load_settings()
    for component in COMPONENTS:
        # The KEK: the revisions that seal personal data make and load the database's data keys.
        engine = make_engine(settings.database_url_for(component), kek=settings.kek)
        try:
            upgrade_schema(engine, migrations_dir(component), f"alembic_version_{component}")
        finally:
            engine.dispose()
        print(f"{component}: schema up to date", file=out, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
