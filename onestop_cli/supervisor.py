"""Starts the platform's processes (signing servers, orchestrator, five services, the local
identity provider when no real one is configured, portal, HTTP/JSON gateway) as children, waits
until each answers its health check, restarts one that dies, and stops them all cleanly.

Used by ``onestop up``, by the demo and by the end-to-end tests, so all three start the platform
the same way.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from onestop_common.lifeline import PARENT_PID_VARIABLE
from onestop_common.settings import GATEWAY, IDP, SERVICES, SIGNER, Settings

COMPONENT_ORDER = (SIGNER, "orchestrator", *SERVICES, IDP, "portal", GATEWAY)
# Replicas of a component are children named "<component>-<n>" from the second one on.
REPLICA_SEPARATOR = "-"
HEALTH_TIMEOUT_SECONDS = 60.0
STOP_GRACE_SECONDS = 10.0


def component_of(child_name: str) -> str:
    """The component a child runs: "signer-2" runs the signer."""
    base, _, number = child_name.rpartition(REPLICA_SEPARATOR)
    return base if base and number.isdigit() else child_name


def with_replicas(components: Sequence[str], settings: Settings) -> list[str]:
    """Child names: the signing server as many times as configured (they share its ports); the
    local identity provider only when no real one is configured (ONESTOP_OIDC_ISSUER)."""
    names: list[str] = []
    for name in components:
        if name == IDP and not settings.local_oidc_provider:
            continue
        names.append(name)
        if name == SIGNER:
            names += [
                f"{SIGNER}{REPLICA_SEPARATOR}{n}" for n in range(2, settings.signer_replicas + 1)
            ]
    return names


def component_command(name: str) -> list[str]:
    name = component_of(name)
    if name == "orchestrator":
        return [sys.executable, "-m", "onestop_cli.main", "orchestrator"]
    if name in ("portal", SIGNER, IDP, GATEWAY):
        return [sys.executable, "-m", "onestop_cli.main", name]
    return [sys.executable, "-m", "onestop_cli.service_main", name]


def shared_clock_env(settings: Settings) -> dict[str, str]:
    """Children must agree on business time: give them one origin."""
    if settings.clock_speed == 1 and settings.clock_start is None:
        return {}
    origin = settings.clock_origin or datetime.now(UTC)
    start = settings.clock_start or origin
    return {"ONESTOP_CLOCK_ORIGIN": origin.isoformat(), "ONESTOP_CLOCK_START": start.isoformat()}


# Components that answer health checks over HTTP (the others over gRPC), and where.
HTTP_HEALTH: dict[str, Callable[[Settings], str]] = {
    "portal": lambda settings: (
        f"http://{settings.grpc_host}:{settings.http_port('portal')}/healthz"
    ),
    IDP: lambda settings: f"{settings.oidc_issuer_url}/healthz",
    GATEWAY: lambda settings: (
        f"http://{settings.gateway_host}:{settings.http_port(GATEWAY)}/healthz"
    ),
}


def check_health(target: str, timeout: float = 1.0) -> bool:
    with grpc.insecure_channel(target) as channel:
        try:
            response = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=timeout
            )
        except grpc.RpcError:
            return False
    return response.status == health_pb2.HealthCheckResponse.SERVING  # type: ignore[no-any-return]


def check_http_health(url: str, timeout: float = 1.0) -> bool:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200  # type: ignore[no-any-return]
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    restarts: int = 0


@dataclass
class Supervisor:
    settings: Settings
    env: Mapping[str, str]
    components: Sequence[str] = COMPONENT_ORDER
    log_dir: Path | None = None
    restart_on_exit: bool = True
    report: Callable[[str], None] = lambda line: None
    # Put before every child's command: e.g. ``ip netns exec <host>`` to run it on another host
    # of a test network.
    command_prefix: Sequence[str] = ()
    children: dict[str, Child] = field(default_factory=dict)
    _stopping: threading.Event = field(default_factory=threading.Event)
    # Children are started from this one thread, which lives as long as the supervisor: the
    # kernel's parent-death signal (lifeline) fires when the *thread* that started a child ends,
    # so a child restarted from a short-lived thread would be stopped with it.
    _spawner: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="supervisor-spawn")
    )

    def __post_init__(self) -> None:
        # Children watch this pid: if the supervisor dies without stopping them, they stop too.
        self.env = {
            **self.env,
            **shared_clock_env(self.settings),
            PARENT_PID_VARIABLE: str(os.getpid()),
        }
        self.log_dir = self.log_dir or self.settings.data_dir / "logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)

    def start(self) -> None:
        ensure_pki(self.settings, self.report)
        names = with_replicas(self.components, self.settings)
        try:
            for name in names:
                self.spawn(name)
            self.wait_healthy(names)
        except BaseException:
            # Half a platform is no use: stop what did start before reporting the failure.
            self.stop()
            raise

    def spawn(self, name: str) -> Child:
        assert self.log_dir is not None
        log_path = self.log_dir / f"{name}.log"
        handle = log_path.open("ab")
        try:
            process = self._spawner.submit(
                subprocess.Popen,
                [*self.command_prefix, *component_command(name)],
                env=dict(self.env),
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            ).result()
        finally:
            handle.close()
        previous = self.children.get(name)
        child = Child(name, process, log_path, restarts=previous.restarts + 1 if previous else 0)
        self.children[name] = child
        self.report(f"started {name} (pid {process.pid}, log {log_path})")
        return child

    def wait_healthy(self, names: Sequence[str], timeout: float = HEALTH_TIMEOUT_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        pending = list(names)
        while pending:
            for name in list(pending):
                child = self.children[name]
                if child.process.poll() is not None:
                    raise RuntimeError(
                        f"{name} exited with code {child.process.returncode} while starting; "
                        f"see {child.log_path}:\n{tail(child.log_path)}"
                    )
                component = component_of(name)
                if component in HTTP_HEALTH:
                    url = HTTP_HEALTH[component](self.settings)
                    if check_http_health(url):
                        pending.remove(name)
                        self.report(f"{name} healthy on {url.removesuffix('healthz')}")
                elif check_health(target := self._own_replica(component)):
                    # Signing server replicas share one port: any answer there will do.
                    pending.remove(name)
                    self.report(f"{name} healthy on {target}")
            if pending and time.monotonic() > deadline:
                raise RuntimeError(f"not healthy after {timeout:.0f} s: {', '.join(pending)}")
            if pending:
                time.sleep(0.1)

    def _own_replica(self, component: str) -> str:
        """Where the replica this supervisor started answers (not the other hosts' ones)."""
        return f"{self.settings.grpc_host}:{self.settings.grpc_listen_port(component)}"

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        child = self.children[name]
        os.killpg(child.process.pid, sig)
        child.process.wait()

    def restart(self, name: str) -> None:
        self.spawn(name)
        self.wait_healthy([name])

    def watch(self) -> None:
        """Blocks until stop(); restarts a child that dies on its own."""
        while not self._stopping.wait(0.5):
            for name, child in list(self.children.items()):
                code = child.process.poll()
                if code is None or not self.restart_on_exit or self._stopping.is_set():
                    continue
                self.report(f"{name} exited with code {code}; restarting (see {child.log_path})")
                time.sleep(min(2**child.restarts, 30))
                self.spawn(name)

    def stop(self) -> None:
        self._stopping.set()
        for child in self.children.values():
            if child.process.poll() is None:
                os.killpg(child.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in self.children.values():
            remaining = max(0.1, deadline - time.monotonic())
            try:
                child.process.wait(remaining)
            except subprocess.TimeoutExpired:
                self.report(f"{child.name} did not stop in time; killing it")
                os.killpg(child.process.pid, signal.SIGKILL)
                child.process.wait()
        self._spawner.shutdown(wait=False)
        self.report("all processes stopped")


def ensure_pki(settings: Settings, report: Callable[[str], None]) -> None:
    """Creates the platform PKI on first start (idempotent)."""
    from onestop_common.pki import PkiStore

    store = PkiStore(settings.pki_dir, settings.kek)
    if not store.is_complete():
        store.init(crl_base_url=settings.crl_base_url, tls_server_names=settings.tls_server_names)
        report(f"created the platform PKI in {settings.pki_dir}")


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
