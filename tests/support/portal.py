"""The portal on its own, driven over plain HTTP (Starlette's TestClient): settings whose platform
ports nobody listens on, a store with its accounts made once, and the sign-in form posted as a
browser posts it (with the page's CSRF token)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from argon2 import PasswordHasher

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette suggests httpx2; httpx works the same here
    from starlette.testclient import TestClient

from httpx import Response

from onestop_common.settings import Settings, load_settings
from portal.store import PortalStore

PASSWORD = "a long enough password"


def offline_settings(data_dir: Path) -> Settings:
    """Settings for a portal without a platform: ports nobody listens on, so a page that calls
    the platform answers 503 and never hangs."""
    return load_settings(
        {
            "ONESTOP_DATA_DIR": str(data_dir),
            "ONESTOP_GRPC_PORT_BASE": "1",
            "ONESTOP_LOG_LEVEL": "WARNING",
        }
    )


@contextmanager
def portal_store(
    settings: Settings,
    accounts: Iterable[tuple[str, str, str]] = (),
    *,
    cheap_hashing: bool = False,
) -> Iterator[PortalStore]:
    """The portal's store with ``accounts`` (username, role, organisation) made once, all with
    :data:`PASSWORD`. ``cheap_hashing``: fast argon2 parameters, passed in code to this store
    only, for tests of pages rather than of the password hashing (the portal itself always runs
    with the default parameters)."""
    hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1) if cheap_hashing else None
    store = PortalStore.open(settings.database_url_for("portal"), kek=settings.kek, hasher=hasher)
    try:
        for username, role, org in accounts:
            store.add_user(username, PASSWORD, role, org=org)
        yield store
    finally:
        store.close()


def csrf_of(client: TestClient, path: str = "/login") -> str:
    """The CSRF token of the form on the page at ``path``."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_sign_in(
    client: TestClient,
    username: str,
    password: str = PASSWORD,
    *,
    headers: Mapping[str, str] | None = None,
    **fields: str,
) -> Response:
    """The sign-in form posted with ``username``, ``password`` and any further ``fields`` (the
    one-time ``code`` of two-step sign-in, the ``next`` page); the portal's answer, whatever it
    is."""
    data = {"csrf_token": csrf_of(client), "username": username, "password": password, **fields}
    return client.post("/login", data=data, headers=headers)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    """Signs ``username`` in; the portal must accept (and redirect to the role's home)."""
    response = post_sign_in(client, username, password)
    assert response.status_code == 303, response.text
