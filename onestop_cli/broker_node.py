"""A private RabbitMQ node for fault experiments: its own ports, data directory and node name, so
``onestop chaos`` can stop and start the broker without touching the machine's shared one (or the
tests running against it). Needs the ``rabbitmq-server`` package; as root the node runs as the
``rabbitmq`` user, which must own its directory.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

START_TIMEOUT_SECONDS = 90.0


class BrokerNodeError(RuntimeError):
    """The private node could not be started or stopped."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class BrokerNode:
    directory: Path
    name: str = field(default_factory=lambda: f"onestop-chaos-{os.getpid()}@localhost")
    port: int = field(default_factory=free_port)
    dist_port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    def start(self) -> None:
        """Starts the node (again: its queues and messages survive a stop) and waits for it."""
        self._prepare()
        if shutil.which("rabbitmq-server") is None:
            raise BrokerNodeError("rabbitmq-server is not installed (Debian: rabbitmq-server)")
        subprocess.run(
            ["rabbitmq-server", "-detached"],
            env=self._env(),
            check=True,
            capture_output=True,
        )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self.accepting():
            if time.monotonic() > deadline:
                raise BrokerNodeError(
                    f"RabbitMQ node {self.name} did not start in {START_TIMEOUT_SECONDS:.0f} s; "
                    f"see {self.directory / 'log'}"
                )
            time.sleep(0.25)

    def stop(self) -> None:
        """Stops the Erlang node; returns once its port is closed."""
        subprocess.run(
            ["rabbitmqctl", "-q", "-n", self.name, "stop"],
            env=self._env(),
            capture_output=True,
            timeout=60,
        )
        deadline = time.monotonic() + 30
        while self.accepting() and time.monotonic() < deadline:
            time.sleep(0.1)

    def accepting(self) -> bool:
        """Whether the node answers AMQP (a connection opens)."""
        import pika
        from pika.exceptions import AMQPError

        try:
            parameters = pika.URLParameters(self.url)
            parameters.socket_timeout = 1
            parameters.connection_attempts = 1
            connection = pika.BlockingConnection(parameters)
        except (AMQPError, OSError):
            return False
        connection.close()
        return True

    def _prepare(self) -> None:
        for sub in ("mnesia", "log"):
            (self.directory / sub).mkdir(parents=True, exist_ok=True)
        (self.directory / "enabled_plugins").write_text("[].\n")
        if os.geteuid() == 0:
            # Debian's wrapper runs the node as the rabbitmq user.
            user = pwd.getpwnam("rabbitmq")
            for path in (self.directory, *self.directory.rglob("*")):
                os.chown(path, user.pw_uid, user.pw_gid)

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.directory / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.directory / "log"),
            "RABBITMQ_PID_FILE": str(self.directory / "node.pid"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.directory / "enabled_plugins"),
            # The machine's configuration names the shared node's listener: not this one's.
            "RABBITMQ_CONFIG_FILE": str(self.directory / "none"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.directory / "none.config"),
        }
