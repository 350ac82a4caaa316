"""The platform spread over the hosts that deploy/multihost/topology.py builds (network
namespaces on this machine): the orchestrator, the five services and the signing server twice
(hosts h1 and h2), the portal and its identity provider on h3, PostgreSQL on h1 and a RabbitMQ
node on each of h1..h3. Every process is started by a supervisor of its host's, inside that
host's namespace, with the addresses other hosts know it by; nothing listens on a loopback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from bench.saga import Databases
from onestop_cli.supervisor import Supervisor
from onestop_common.settings import IDP, SERVICES, SIGNER, Settings, load_settings

REPO = Path(__file__).resolve().parents[2]
TOPOLOGY_SCRIPT = REPO / "deploy" / "multihost" / "topology.py"
# The same ports on every host: each host has its own addresses.
GRPC_PORT_BASE = 52050
HTTP_PORT_BASE = 52150
PORTS = Settings(grpc_port_base=GRPC_PORT_BASE, http_port_base=HTTP_PORT_BASE)
REPLICATED = (SIGNER, "orchestrator", *SERVICES)
PLACEMENT: dict[str, tuple[str, ...]] = {
    "h1": REPLICATED,
    "h2": REPLICATED,
    "h3": (IDP, "portal"),
}
REPLICA_HOSTS = ("h1", "h2")
# h4 runs none of the platform: bundles are verified there, as by a stranger.
VERIFIER_HOST = "h4"


@dataclass(frozen=True)
class Topology:
    hosts: dict[str, str]
    namespaces: dict[str, str]
    amqp_urls: dict[str, str]
    database_admin_url: str
    state_dir: str

    def amqp_url_from(self, host: str) -> str:
        """The cluster's nodes, the host's own first: a process fails over in this order."""
        order = sorted(self.amqp_urls, key=lambda name: name != host)
        return ";".join(self.amqp_urls[name] for name in order)


def topology(action: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(TOPOLOGY_SCRIPT), action, *args],
        capture_output=True,
        text=True,
        check=True,
    )


@contextmanager
def hosts() -> Iterator[Topology]:
    """The hosts, up for the duration; torn down even when the test fails."""
    try:
        built = topology("up")
        yield Topology(**json.loads(built.stdout))
    finally:
        topology("down")


def in_host(namespace: str, *command: str) -> list[str]:
    return ["ip", "netns", "exec", namespace, *command]


@dataclass
class MultiHostPlatform:
    """The platform's processes on their hosts, each host with its own supervisor."""

    topology: Topology
    base: Path
    report: Callable[[str], None] = print
    databases: Databases = field(init=False)
    supervisors: dict[str, Supervisor] = field(default_factory=dict)
    killed_hosts: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.databases = Databases(self.topology.database_admin_url)

    # ------------------------------------------------------------------ addresses

    def address(self, host: str) -> str:
        return self.topology.hosts[host]

    def public_urls(self) -> dict[str, str]:
        """The addresses that leave the platform in certificates, licenses and bundles: a
        replica that survives serves each (h1)."""
        first, ports = self.address("h1"), PORTS
        return {
            "ONESTOP_CRL_URL": f"http://{first}:{ports.http_port('seal')}/crl",
            "ONESTOP_TSA_URL": f"http://{first}:{ports.http_port(SIGNER)}/tsa",
            "ONESTOP_PORTAL_PUBLIC_URL": f"http://{self.address('h3')}:{ports.http_port('portal')}",
            "ONESTOP_TLS_SERVER_NAMES": ",".join(self.address(h) for h in REPLICA_HOSTS),
        }

    def targets(self) -> str:
        """ONESTOP_TARGETS: every replicated component on both replica hosts."""
        return ",".join(
            f"{component}="
            + "|".join(f"{self.address(h)}:{PORTS.grpc_port(component)}" for h in REPLICA_HOSTS)
            for component in REPLICATED
        )

    def env_for(self, host: str) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("ONESTOP_")}
        database_url = self.databases.url()
        assert database_url is not None
        env.update(
            {
                "ONESTOP_DATA_DIR": str(self.base / "data"),
                "ONESTOP_DATABASE_URL": database_url,
                "ONESTOP_AMQP_URL": self.topology.amqp_url_from(host),
                "ONESTOP_GRPC_HOST": self.address(host),
                "ONESTOP_TARGETS": self.targets(),
                "ONESTOP_GRPC_PORT_BASE": str(GRPC_PORT_BASE),
                "ONESTOP_HTTP_PORT_BASE": str(HTTP_PORT_BASE),
                "ONESTOP_OIDC_PROVIDER_HOST": self.address(host),
                "ONESTOP_SIGNER_REPLICAS": "1",
                "ONESTOP_AUTO_APPROVE": "all",
                "ONESTOP_LOG_LEVEL": "INFO",
                **self.public_urls(),
            }
        )
        return env

    def client_settings(self) -> Settings:
        """Settings for a caller outside every host (this machine, through the bridge)."""
        return load_settings({**self.env_for("h1"), "ONESTOP_GRPC_HOST": self.address("h1")})

    # ------------------------------------------------------------------ processes

    def start(self) -> None:
        """Databases, then host by host (the first host creates the PKI and migrates the
        databases; a second replica must not migrate at the same moment)."""
        self.databases.create()
        for host, components in PLACEMENT.items():
            env = self.env_for(host)
            supervisor = Supervisor(
                load_settings(env),
                env,
                components=components,
                log_dir=self.base / "logs" / host,
                restart_on_exit=False,
                report=partial(self._report_from, host),
                command_prefix=in_host(self.topology.namespaces[host]),
            )
            self.supervisors[host] = supervisor
            supervisor.start()

    def _report_from(self, host: str, line: str) -> None:
        self.report(f"  [{host}] {line}")

    def kill_host_processes(self, host: str) -> list[str]:
        """SIGKILL every platform process on ``host``; the names of those killed."""
        supervisor = self.supervisors[host]
        killed = []
        for name, child in supervisor.children.items():
            if child.process.poll() is None:
                supervisor.kill(name)
                killed.append(f"{name}@{host}")
        return killed

    def unexpected_exits(self) -> list[str]:
        return [
            f"{name}@{host} (code {child.process.returncode})"
            for host, supervisor in self.supervisors.items()
            for name, child in supervisor.children.items()
            if child.process.poll() is not None and host not in self.killed_hosts
        ]

    def stop(self) -> None:
        for supervisor in self.supervisors.values():
            supervisor.stop()
        self.databases.drop()

    def verify_on(
        self, host: str, pdfs: list[Path], root: Path
    ) -> subprocess.CompletedProcess[str]:
        """``onestop verify`` of ``pdfs`` on ``host``, which ran none of the platform."""
        files = [str(pdf) for pdf in pdfs]
        command = [sys.executable, "-m", "onestop_cli.main", "verify", *files, "--root", str(root)]
        env = {key: value for key, value in os.environ.items() if not key.startswith("ONESTOP_")}
        env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "proto")])
        env["ONESTOP_DATA_DIR"] = str(self.base / "verifier")
        return subprocess.run(
            in_host(self.topology.namespaces[host], *command),
            capture_output=True,
            text=True,
            env=env,
            cwd=str(REPO),
        )


def stop_broker(host: str) -> None:
    topology("stop-broker", host)


def tail_logs(base: Path, lines: int = 20) -> str:
    """The end of every process's log, for a failure's message."""
    parts: list[str] = []
    for log in sorted((base / "logs").rglob("*.log")):
        text = log.read_text(errors="replace").splitlines()[-lines:]
        parts.append(f"--- {log.relative_to(base)}\n" + "\n".join(text))
    return "\n".join(parts)
