"""Fixtures that start real platform processes against a throwaway vhost and fresh databases.
(Modules that start their own import PlatformFactory from here.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from onestop.orchestrator.v1 import orchestrator_pb2_grpc
from tests.support.infra import PlatformFactory, databases, rabbit_vhost
from tests.support.participant import CommandDriver
from tests.support.seal_platform import SealPlatform, seal_service


@pytest.fixture
def vhost() -> Iterator[str]:
    with rabbit_vhost() as name:
        yield name


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    with databases(tmp_path) as url:
        yield url


@pytest.fixture
def platform(tmp_path: Path, vhost: str, database_url: str) -> Iterator[PlatformFactory]:
    factory = PlatformFactory(tmp_path, vhost, database_url)
    try:
        yield factory
    finally:
        factory.stop()


@pytest.fixture
def orchestrator_channel(platform: PlatformFactory) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(f"127.0.0.1:{platform.port_base}") as channel:
        yield channel


@pytest.fixture
def stub(orchestrator_channel: grpc.Channel) -> orchestrator_pb2_grpc.OneStopServiceStub:
    return orchestrator_pb2_grpc.OneStopServiceStub(orchestrator_channel)


@pytest.fixture
def driver_factory() -> Iterator[list[CommandDriver | grpc.Channel]]:
    """Collects the test's command drivers and channels and closes them afterwards."""
    opened: list[CommandDriver | grpc.Channel] = []
    yield opened
    for item in opened:
        item.close()


@pytest.fixture(scope="module")
def seals(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SealPlatform]:
    """One seal service for the module, automatic approval off (every test uses its own
    companies and cases)."""
    with seal_service(tmp_path_factory.mktemp("seal"), ONESTOP_AUTO_APPROVE="none") as found:
        yield found
