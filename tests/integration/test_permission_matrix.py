"""The permission table, enforced by every server, cell by cell: each RPC of the platform is
called by each role (and by nobody) over the real gRPC ports of the orchestrator, the five
services, the calendar feed and the signing server, and partners over the partner port.

A role the table refuses gets PERMISSION_DENIED from the table itself, before any handler runs.
A role it allows passes the gate and meets the next check: the request's bytes do not decode
(INVALID_ARGUMENT). So no call here can change anything, and every cell is really called.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import grpc
import pytest

from onestop_common.identity import Role
from onestop_common.permissions import ALLOWED, METHODS, Action
from onestop_common.settings import SERVICES, SIGNER, Settings
from tests.integration.conftest import PlatformFactory
from tests.integration.test_partner_mtls import issue
from tests.support.participant import credential

pytestmark = pytest.mark.db_independent

UNDECODABLE = b"\xff"  # field 31 with wire type 7: no protobuf message parses it
STREAMING = {
    "/onestop.orchestrator.v1.OneStopService/WatchApplication",
    "/onestop.partner.v1.ApplicationService/WatchApplication",
}
# Served with grpcio's generated registration, whose decoder fails as INTERNAL: these get an
# empty (valid) request instead; still nothing changes (a read, or a signature of nothing).
EMPTY_REQUEST = {
    "/onestop.calendar.v1.CalendarService/ListCalendarYears",
    "/onestop.signing.v1.SigningService/SignPdf",
}
# Not served over gRPC at all: the bundle is built by the orchestrator's own worker over AMQP.
NOT_SERVED = {"/onestop.orchestrator.v1.BundleService/BuildBundle"}
PACKAGE_COMPONENT = {
    "orchestrator": "orchestrator",
    "partner": "orchestrator",
    "calendar": "orchestrator",
    "signing": SIGNER,
    **{service: service for service in SERVICES},
}


def component_of(method: str) -> str:
    return PACKAGE_COMPONENT[method.split(".")[1]]


def call(
    channel: grpc.Channel, method: str, metadata: tuple[tuple[str, str], ...]
) -> grpc.RpcError | None:
    body = b"" if method in EMPTY_REQUEST else UNDECODABLE
    try:
        if method in STREAMING:
            list(channel.unary_stream(method)(body, metadata=metadata, timeout=20))
        else:
            channel.unary_unary(method)(body, metadata=metadata, timeout=20)
    except grpc.RpcError as error:
        return error
    return None


def code_of(error: grpc.RpcError | None) -> grpc.StatusCode:
    return grpc.StatusCode.OK if error is None else error.code()


def refused_by_table(error: grpc.RpcError | None, role: Role) -> bool:
    return (
        error is not None
        and error.code() == grpc.StatusCode.PERMISSION_DENIED
        and f"role {role.value} may not" in (error.details() or "")
    )


@pytest.fixture
def running(platform: PlatformFactory) -> Iterator[Settings]:
    yield platform.start((SIGNER, "orchestrator", *SERVICES)).settings


def test_every_role_against_every_rpc_on_every_port(platform, running: Settings) -> None:
    settings = running
    channels = {
        name: grpc.insecure_channel(settings.grpc_target(name))
        for name in ("orchestrator", SIGNER, *SERVICES)
    }
    outcomes: Counter[str] = Counter()
    try:
        for method, action in sorted(METHODS.items()):
            if method in NOT_SERVED:
                continue
            channel = channels[component_of(method)]
            for role in Role:
                error = call(channel, method, credential(settings, role, "matrix", org="001"))
                where = f"{role.value} → {method}"
                if role is Role.PARTNER and action is not Action.PUBLIC:
                    # Partners hold no credential on plain ports (their port is checked below).
                    assert error is not None and error.code() == grpc.StatusCode.UNAUTHENTICATED, (
                        where
                    )
                    outcomes["partner refused on a plain port"] += 1
                elif role in ALLOWED[action]:
                    assert not refused_by_table(error, role), where
                    if method not in EMPTY_REQUEST:  # past the gate, the bytes do not decode
                        assert code_of(error) == grpc.StatusCode.INVALID_ARGUMENT, where
                    outcomes["allowed"] += 1
                else:
                    assert refused_by_table(error, role), (where, error and error.details())
                    outcomes["refused"] += 1
            anonymous = call(channel, method, ())
            expected = (
                grpc.StatusCode.INVALID_ARGUMENT
                if action is Action.PUBLIC
                else grpc.StatusCode.UNAUTHENTICATED
            )
            assert code_of(anonymous) == expected, method
    finally:
        for channel in channels.values():
            channel.close()
    assert outcomes["allowed"] > 100 and outcomes["refused"] > 400, outcomes


def test_partners_on_their_port_get_exactly_the_applicants_rights(platform, running) -> None:
    settings = running
    partner = issue(platform, "acme-bank")
    credentials = grpc.ssl_channel_credentials(
        partner.trust, partner.key, partner.certificate_chain
    )
    with grpc.secure_channel(settings.partner_grpc_target(), credentials) as channel:
        for method, action in sorted(METHODS.items()):
            if method.split(".")[1] not in ("orchestrator", "partner"):
                continue
            if method in NOT_SERVED:
                continue
            error = call(channel, method, ())
            if Role.PARTNER in ALLOWED[action]:
                assert error is not None and error.code() == grpc.StatusCode.INVALID_ARGUMENT, (
                    method
                )
            else:
                assert refused_by_table(error, Role.PARTNER), method
