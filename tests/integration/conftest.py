"""Fixtures that start real platform processes against a throwaway vhost and fresh databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from onestop.orchestrator.v1 import orchestrator_pb2_grpc
from onestop_cli.supervisor import Supervisor
from tests.support.infra import databases, free_port_base, platform_env, rabbit_vhost, settings_for


@pytest.fixture
def vhost() -> Iterator[str]:
    with rabbit_vhost() as name:
        yield name


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    with databases(tmp_path) as url:
        yield url


class PlatformFactory:
    def __init__(self, tmp_path: Path, vhost: str, database_url: str) -> None:
        self.tmp_path = tmp_path
        self.vhost = vhost
        self.database_url = database_url
        self.port_base = free_port_base()
        self.supervisors: list[Supervisor] = []

    def env(self, **extra: str) -> dict[str, str]:
        return platform_env(
            self.tmp_path / "data", self.vhost, self.database_url, self.port_base, **extra
        )

    def start(self, components: tuple[str, ...], **extra: str) -> Supervisor:
        env = self.env(**extra)
        supervisor = Supervisor(
            settings_for(env),
            env,
            components=components,
            log_dir=self.tmp_path / "logs",
            restart_on_exit=False,
        )
        self.supervisors.append(supervisor)
        supervisor.start()
        return supervisor

    def stop(self) -> None:
        for supervisor in self.supervisors:
            supervisor.stop()


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
