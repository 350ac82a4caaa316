"""The portal's acting routes ask the permission table (onestop_common.permissions), the same
table every gRPC server applies: an administrator may open every page to read it, but cannot
submit or withdraw an application, correct a case, sign with a company's seal, authorise a seal
user or decide a desk's task — refused with 403 before anything reaches the platform."""

# The HTTP tests' fixtures are used by name (settings, store, client): F811 is pytest's way.
# ruff: noqa: F811

from __future__ import annotations

import pytest

from tests.e2e.test_portal_http import (  # noqa: F401 - fixtures, used by name
    client,
    settings,
    store,
)
from tests.support.portal import csrf_of, sign_in

pytestmark = pytest.mark.db_independent

USCC = "91120116MA05X0YK3J"
ACTING_ROUTES = [
    "/apply",
    "/cases/OS20261203-0000000001/cancel",
    "/cases/OS20261203-0000000001/correct",
    "/cases/OS20261203-0000000001/commitment",
    f"/seals/{USCC}/sign",
    f"/seals/{USCC}/signers",
    f"/seals/{USCC}/signers/revoke",
    "/desk/officer/tasks/REG-1/approve",
    "/desk/seal_maker/tasks/SEAL-1/claim",
    "/desk/bank_clerk/tasks/BK-1/reject",
]


@pytest.mark.parametrize("path", ACTING_ROUTES)
def test_an_administrator_reads_but_never_acts(client, path: str) -> None:
    sign_in(client, "ada")
    response = client.post(path, data={"csrf_token": csrf_of(client, "/admin")})
    assert response.status_code == 403, response.text


@pytest.mark.parametrize("path", ["/desk/officer/tasks/REG-1/approve", f"/seals/{USCC}/sign"])
def test_other_roles_are_refused_the_same_way(client, path: str) -> None:
    sign_in(client, "olga" if "seals" in path else "alice")
    response = client.post(path, data={"csrf_token": csrf_of(client, "/apply")})
    assert response.status_code == 403
