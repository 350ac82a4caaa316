#!/usr/bin/env python3
"""Several hosts on one machine, for the multi-host test: network namespaces joined by a bridge,
a three-node RabbitMQ cluster (one node per host) and PostgreSQL on the first host.

    python deploy/multihost/topology.py up      # builds it, prints its description (JSON)
    python deploy/multihost/topology.py down    # tears it down, whatever state it is in
    python deploy/multihost/topology.py stop-broker h2 | start-broker h2

Hosts (namespaces) h1, h2, h3 carry the platform; h4 runs nothing of it and verifies bundles
from outside. Each host has its own address on 10.77.0.0/24, its own loopback, its own epmd and
its own /etc/hosts (``ip netns exec`` mounts /etc/netns/<name>/hosts over it), so Erlang nodes
find each other by host name as on real machines. The machine itself reaches every host through
the bridge at 10.77.0.254. Needs root, iproute2, rabbitmq-server and PostgreSQL's server binaries;
only stdlib Python.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

BRIDGE = "osbr0"
SUBNET = "10.77.0"
BRIDGE_ADDRESS = f"{SUBNET}.254"
HOSTS = ("h1", "h2", "h3", "h4")
BROKER_HOSTS = ("h1", "h2", "h3")
DATABASE_HOST = "h1"
NAMESPACE_PREFIX = "onestop-"
STATE_DIR = Path(os.environ.get("ONESTOP_MULTIHOST_DIR", "/tmp/onestop-multihost"))
AMQP_PORT = 5672
POSTGRES_PORT = 5432
START_TIMEOUT_SECONDS = 120.0


class TopologyError(RuntimeError):
    """A step of building the topology failed; the message says which and why."""


@dataclass(frozen=True)
class Topology:
    """What the tests need to know of the hosts built here."""

    hosts: dict[str, str]  # host name -> its address
    namespaces: dict[str, str]  # host name -> network namespace
    amqp_urls: dict[str, str]  # broker host -> that node's AMQP URL
    database_admin_url: str
    state_dir: str


def address(host: str) -> str:
    return f"{SUBNET}.{HOSTS.index(host) + 1}"


def namespace(host: str) -> str:
    return f"{NAMESPACE_PREFIX}{host}"


def in_host(host: str, *command: str) -> list[str]:
    """``command`` run inside ``host``'s network namespace."""
    return ["ip", "netns", "exec", namespace(host), *command]


def describe() -> Topology:
    return Topology(
        hosts={host: address(host) for host in HOSTS},
        namespaces={host: namespace(host) for host in HOSTS},
        amqp_urls={
            host: f"amqp://guest:guest@{address(host)}:{AMQP_PORT}/%2F" for host in BROKER_HOSTS
        },
        database_admin_url=f"postgresql://postgres@{address(DATABASE_HOST)}:{POSTGRES_PORT}/postgres",
        state_dir=str(STATE_DIR),
    )


# ---------------------------------------------------------------------------- up


def up(log: Callable[[str], None] = print) -> Topology:
    """Builds the hosts, the cluster and the database; tears down a half-built one first."""
    _require_root_and_tools()
    down(quiet=True)
    STATE_DIR.mkdir(parents=True)
    started = time.monotonic()
    _network()
    log(f"hosts {', '.join(f'{h}={address(h)}' for h in HOSTS)} on bridge {BRIDGE}")
    for host in BROKER_HOSTS:
        _start_epmd(host)
        start_broker(host, wait=False)
    _wait_for_cluster()
    elapsed = time.monotonic() - started
    log(f"RabbitMQ cluster of {len(BROKER_HOSTS)} nodes running ({elapsed:.0f} s)")
    _start_postgres()
    log(f"PostgreSQL on {DATABASE_HOST} ({time.monotonic() - started:.0f} s)")
    topology = describe()
    (STATE_DIR / "topology.json").write_text(json.dumps(asdict(topology), indent=2))
    return topology


def _require_root_and_tools() -> None:
    if os.geteuid() != 0:
        raise TopologyError("network namespaces need root")
    missing = [
        tool for tool in ("ip", "rabbitmq-server", "rabbitmqctl", "epmd") if not shutil.which(tool)
    ]
    if missing or _postgres_bin() is None:
        raise TopologyError(f"missing: {', '.join(missing or ['PostgreSQL server binaries'])}")


def _network() -> None:
    _run("ip", "link", "add", BRIDGE, "type", "bridge")
    _run("ip", "addr", "add", f"{BRIDGE_ADDRESS}/24", "dev", BRIDGE)
    _run("ip", "link", "set", BRIDGE, "up")
    hosts_file = "127.0.0.1 localhost\n" + "".join(f"{address(h)} {h}\n" for h in HOSTS)
    for index, host in enumerate(HOSTS, start=1):
        ns, veth = namespace(host), f"osv{index}"
        _run("ip", "netns", "add", ns)
        _run("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns)
        _run("ip", "link", "set", veth, "master", BRIDGE, "up")
        _run("ip", "-n", ns, "addr", "add", f"{address(host)}/24", "dev", "eth0")
        _run("ip", "-n", ns, "link", "set", "eth0", "up")
        _run("ip", "-n", ns, "link", "set", "lo", "up")
        etc = Path("/etc/netns") / ns
        etc.mkdir(parents=True, exist_ok=True)
        (etc / "hosts").write_text(hosts_file)


def _start_epmd(host: str) -> None:
    # Debian's epmd listens on the loopback only unless told otherwise.
    _run(*in_host(host, "epmd", "-address", f"127.0.0.1,{address(host)}", "-daemon"))


def _broker_dir(host: str) -> Path:
    return STATE_DIR / "rabbitmq" / host


def _broker_env(host: str) -> dict[str, str]:
    directory = _broker_dir(host)
    return {
        **os.environ,
        "HOSTNAME": host,
        "RABBITMQ_NODENAME": f"rabbit@{host}",
        "RABBITMQ_MNESIA_BASE": str(directory / "mnesia"),
        "RABBITMQ_LOG_BASE": str(directory / "log"),
        "RABBITMQ_PID_FILE": str(directory / "node.pid"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(directory / "enabled_plugins"),
        "RABBITMQ_CONFIG_FILE": str(directory / "rabbitmq.conf"),
        "RABBITMQ_ADVANCED_CONFIG_FILE": str(directory / "none.config"),
        # The machine's own env file pins the node's distribution to 127.0.0.1.
        "RABBITMQ_CONF_ENV_FILE": str(directory / "rabbitmq-env.conf"),
    }


def start_broker(host: str, wait: bool = True) -> None:
    """Starts (or restarts: its queues survive) the RabbitMQ node on ``host``."""
    directory = _broker_dir(host)
    for sub in ("mnesia", "log"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    (directory / "enabled_plugins").write_text("[].\n")
    (directory / "rabbitmq-env.conf").write_text("")
    peers = "".join(
        f"cluster_formation.classic_config.nodes.{i} = rabbit@{h}\n"
        for i, h in enumerate(BROKER_HOSTS, start=1)
    )
    (directory / "rabbitmq.conf").write_text(
        f"listeners.tcp.default = {address(host)}:{AMQP_PORT}\n"
        # guest may connect from other hosts: this is a test network that nothing else reaches.
        "loopback_users = none\n"
        "cluster_formation.peer_discovery_backend = classic_config\n" + peers
    )
    user = pwd.getpwnam("rabbitmq")
    for path in (STATE_DIR / "rabbitmq", directory, *directory.rglob("*")):
        os.chown(path, user.pw_uid, user.pw_gid)
    _run(*in_host(host, "rabbitmq-server", "-detached"), env=_broker_env(host))
    if wait:
        _await_broker(host)


def stop_broker(host: str) -> None:
    """Kills the node on ``host`` at once (SIGKILL), as a crashed machine would."""
    pid_file = _broker_dir(host) / "node.pid"
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
        pid_file.unlink()


def _await_broker(host: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        check = subprocess.run(
            in_host(
                host, "rabbitmqctl", "-q", "-n", f"rabbit@{host}", "await_startup", "--timeout", "5"
            ),
            env=_broker_env(host),
            capture_output=True,
        )
        if check.returncode == 0:
            return
        time.sleep(0.5)
    raise TopologyError(f"RabbitMQ node on {host} did not start; see {_broker_dir(host) / 'log'}")


def _wait_for_cluster() -> None:
    for host in BROKER_HOSTS:
        _await_broker(host)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    first = BROKER_HOSTS[0]
    while time.monotonic() < deadline:
        status = subprocess.run(
            in_host(
                first,
                "rabbitmqctl",
                "-q",
                "-n",
                f"rabbit@{first}",
                "cluster_status",
                "--formatter",
                "json",
            ),
            env=_broker_env(first),
            capture_output=True,
            text=True,
        )
        if status.returncode == 0:
            running = json.loads(status.stdout).get("running_nodes", [])
            if len(running) == len(BROKER_HOSTS):
                return
        time.sleep(0.5)
    raise TopologyError("the RabbitMQ nodes did not form one cluster")


def _postgres_bin() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return versions[-1].parent if versions else None


def _start_postgres() -> None:
    binaries = _postgres_bin()
    assert binaries is not None
    data = STATE_DIR / "postgresql"
    data.mkdir()
    shutil.chown(data, "postgres")
    as_postgres = ["runuser", "-u", "postgres", "--"]
    _run(
        *as_postgres,
        str(binaries / "initdb"),
        "-D",
        str(data / "data"),
        "-A",
        "trust",
        "-U",
        "postgres",
    )
    with (data / "data" / "pg_hba.conf").open("a") as hba:
        hba.write(f"host all all {SUBNET}.0/24 trust\n")
    options = (
        f"-c listen_addresses={address(DATABASE_HOST)} -c port={POSTGRES_PORT} "
        f"-c unix_socket_directories={data} -c max_connections=400 -c fsync=off"
    )
    _run(
        *in_host(
            DATABASE_HOST,
            *as_postgres,
            str(binaries / "pg_ctl"),
            "-D",
            str(data / "data"),
            "-l",
            str(data / "server.log"),
            "-o",
            options,
            "-w",
            "start",
        )
    )


# ---------------------------------------------------------------------------- down


def down(quiet: bool = False) -> None:
    """Removes everything ``up`` made; safe on a half-built or already removed topology."""
    binaries = _postgres_bin()
    data = STATE_DIR / "postgresql" / "data"
    if binaries is not None and (data / "postmaster.pid").exists():
        _run(
            "runuser",
            "-u",
            "postgres",
            "--",
            str(binaries / "pg_ctl"),
            "-D",
            str(data),
            "-m",
            "immediate",
            "stop",
            check=False,
        )
    for host in BROKER_HOSTS:
        stop_broker(host)
    for index, host in enumerate(HOSTS, start=1):
        ns = namespace(host)
        # Deleting one end deletes the pair; a namespace's removal alone leaves it a while.
        _run("ip", "link", "del", f"osv{index}", check=False)
        if Path(f"/run/netns/{ns}").exists():
            # Whatever still runs in the namespace (epmd, a platform process) goes with it.
            pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True)
            for pid in pids.stdout.split():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)
            _run("ip", "netns", "del", ns, check=False)
        shutil.rmtree(Path("/etc/netns") / ns, ignore_errors=True)
    _run("ip", "link", "del", BRIDGE, check=False)
    shutil.rmtree(STATE_DIR, ignore_errors=True)
    if not quiet:
        print("multi-host topology removed")


def _run(*command: str, check: bool = True, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if check and done.returncode != 0:
        raise TopologyError(
            f"{' '.join(command)} failed: {done.stderr.strip() or done.stdout.strip()}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("up", "down", "stop-broker", "start-broker"))
    parser.add_argument("host", nargs="?", choices=BROKER_HOSTS)
    args = parser.parse_args(argv)
    try:
        if args.action == "up":
            print(json.dumps(asdict(up(log=lambda line: print(line, file=sys.stderr))), indent=2))
        elif args.action == "down":
            down()
        elif args.host is None:
            parser.error(f"{args.action} needs a host")
        elif args.action == "stop-broker":
            stop_broker(args.host)
        else:
            start_broker(args.host)
    except TopologyError as error:
        print(f"topology: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
