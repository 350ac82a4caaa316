"""Settings for every OneStop process, read once from environment variables into a frozen value.

Nothing else in the code base reads ``os.environ``: a process calls :func:`load_settings` at start
and passes the result down. Every variable has a default that runs the platform locally against
the broker on 127.0.0.1 and SQLite files in ``./var``.

Addresses are configuration, never code: where a process listens (ONESTOP_LISTEN_HOST), where it
finds each other component (ONESTOP_TARGETS), and every address that leaves the platform inside a
certificate, a license or a bundle (ONESTOP_CRL_URL, ONESTOP_TSA_URL, ONESTOP_PORTAL_PUBLIC_URL,
ONESTOP_PARTNER_PUBLIC_TARGET, ONESTOP_TLS_SERVER_NAMES). On one host the defaults derive from
ONESTOP_GRPC_HOST; on many, each is set to the name other hosts and the public use.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from onestop_common.clock import Clock, clock_from_settings
from onestop_common.verification import PLACEHOLDER_BASE

T = TypeVar("T")

COMPONENTS = (
    "orchestrator",
    "registration",
    "seal",
    "invoice",
    "social_insurance",
    "bank",
    "portal",
)

# The services that carry out saga steps, in the order of the process.
SERVICES = ("registration", "seal", "invoice", "social_insurance", "bank")
# The signing server holds the signing keys and no database.
SIGNER = "signer"
# The local OpenID Connect provider with verified test identities: development and tests only;
# production points the portal at the real-name provider (ONESTOP_OIDC_ISSUER) instead.
IDP = "idp"
# The HTTP/JSON gateway: the public gRPC API transcoded to JSON over HTTP (no database).
GATEWAY = "gateway"
# The names the TLS server certificate carries unless ONESTOP_TLS_SERVER_NAMES says otherwise.
DEFAULT_TLS_SERVER_NAMES = ("localhost", "127.0.0.1")
# Where the provider sends the citizen back to the portal (the registered redirect URI's path).
OIDC_CALLBACK_PATH = "/login/oidc/callback"

_PORT_OFFSETS = {name: i for i, name in enumerate((*COMPONENTS, SIGNER, IDP, GATEWAY))}
# The orchestrator's mutual-TLS port for integration partners, well above the components' ports.
PARTNER_PORT_OFFSET = 40
# The gateway's HTTPS (mutual TLS) port for integration partners, as far above the HTTP base.
GATEWAY_PARTNER_PORT_OFFSET = 40


class SettingsError(ValueError):
    """A configuration value is missing or malformed."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("var")
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/%2F"
    # May contain "{component}" (and "{data_dir}"): each component gets its own database.
    database_url: str = "sqlite:///{data_dir}/{component}.db"
    # ONESTOP_GRPC_HOST: the host the components find each other on (and listen on, unless
    # ONESTOP_LISTEN_HOST says otherwise) when they share one machine.
    grpc_host: str = "127.0.0.1"
    # ONESTOP_LISTEN_HOST: the address this process's servers bind (gRPC and HTTP), e.g. 0.0.0.0
    # in a container; empty: grpc_host.
    listen_host: str = ""
    # ONESTOP_TARGETS: where each component answers gRPC when not on grpc_host at its port, its
    # replicas separated by "|" ("seal=seal.onestop.svc:50052,bank=10.0.0.3:50055|10.0.0.4:50055").
    component_targets: tuple[tuple[str, tuple[str, ...]], ...] = ()
    grpc_port_base: int = 50050
    http_port_base: int = 8470
    clock_speed: float = 1.0
    clock_start: datetime | None = None
    # The wall-clock instant at which business time was clock_start (shared by all processes).
    clock_origin: datetime | None = None
    # Services that decide standard cases automatically ("registration", "seal", …).
    auto_approve: frozenset[str] = frozenset(SERVICES)
    # "domain" runs the real services; "echo" answers every command at once (benchmarks).
    participant_mode: str = "domain"
    # Echo participants (participant_mode "echo"): reject these participants' actions, and make
    # each compensation fail this many times before it succeeds.
    echo_reject: frozenset[str] = frozenset()
    echo_compensation_failures: int = 0
    outbox_poll_seconds: float = 0.5
    log_level: str = "INFO"
    log_json: bool = False
    token_secret: str = field(default="", repr=False)
    kek: bytes = field(default=b"", repr=False)
    seal_maker_id: str = "001"
    # ONESTOP_PARTNER_GRPC_PORT; None: grpc_port_base + PARTNER_PORT_OFFSET.
    partner_port: int | None = None
    # ONESTOP_SIGNER_TARGETS: the signing server's replicas ("host:port,host:port"); empty: the
    # local one on its port. Callers fail over to the next when one does not answer.
    signer_targets: tuple[str, ...] = ()
    # ONESTOP_SIGNER_REPLICAS: how many signing servers `onestop up` starts (they share the port).
    signer_replicas: int = 2
    # ONESTOP_TSA_URL: where RFC 3161 timestamps are asked for; empty: the local signing server.
    tsa_public_url: str = ""
    # ONESTOP_CRL_URL: where the CAs' revocation lists are published (written into every
    # certificate issued, so it must be reachable by whoever verifies a bundle); empty: the seal
    # service's HTTP port on grpc_host.
    crl_public_url: str = ""
    # ONESTOP_TLS_SERVER_NAMES: the DNS names and IP addresses partners connect to the TLS
    # server by (its certificate names each).
    tls_server_names: tuple[str, ...] = DEFAULT_TLS_SERVER_NAMES
    # ONESTOP_PARTNER_PUBLIC_TARGET: the partner port as partners reach it ("api.example.cn:443"),
    # printed with their credentials; empty: grpc_host at the partner port.
    partner_public_target: str = ""
    # ONESTOP_ANSWER_WITHIN_SECONDS / ONESTOP_SENDS_BEFORE_STUCK: override every saga step's
    # answer policy (how long a command may go unanswered before it is sent again, and after how
    # many sends the step is stuck); None keeps what the saga definition says.
    answer_within_seconds: float | None = None
    sends_before_stuck: int | None = None
    # ONESTOP_LISTEN_PORT: the gRPC port this process listens on, when it is not the one its
    # component has under ONESTOP_GRPC_PORT_BASE (a second replica on the same host, say).
    # Where the process looks for the others stays as the base says.
    listen_port: int | None = None
    # ONESTOP_PRECHECK_SECONDS: how long the orchestrator waits for each participant's check of
    # an application before it goes on without it (the step checks again when it runs).
    precheck_seconds: float = 3.0
    # The reverse proxies in front of the portal (addresses or networks): only their
    # X-Forwarded-For is believed when the portal decides a client's address (sign-in throttle).
    portal_trusted_proxies: tuple[str, ...] = ()
    # ONESTOP_PERSON_SIGNATURES ("required" or "off"): every natural person an application names
    # verifies their identity and signs it before the case starts (全程电子化). Off only for
    # development and the tests of other features.
    person_signatures: bool = True
    # ONESTOP_PORTAL_PUBLIC_URL: the portal's address as browsers reach it (scheme, host, port;
    # behind a TLS proxy, the proxy's); empty: http://<grpc_host>:<its HTTP port>. The identity
    # provider sends citizens back to it. Licenses and bundles print its /verify page (empty:
    # https://onestop.invalid/verify/..., see onestop_common.verification).
    portal_public_url: str = ""
    # ONESTOP_OIDC_ISSUER: the real-name identity provider (OpenID Connect) citizens sign in
    # with; empty: the local provider with test identities, which `onestop up` then starts.
    oidc_issuer: str = ""
    # ONESTOP_OIDC_CLIENT_ID / ONESTOP_OIDC_CLIENT_SECRET: the portal's registration there (the
    # secret defaults to a file in the data directory, which the local provider reads too).
    oidc_client_id: str = "onestop-portal"
    oidc_client_secret: str = field(default="", repr=False)
    # ONESTOP_OIDC_ID_NUMBER_CLAIM: the ID token claim in which the provider states the citizen
    # ID number it verified (providers name it differently).
    oidc_id_number_claim: str = "id_number"
    # ONESTOP_OIDC_PROVIDER_HOST / ONESTOP_OIDC_PROVIDER_PORT: where the local provider listens
    # (the port defaults to its place among the HTTP ports).
    oidc_provider_host: str = "127.0.0.1"
    oidc_provider_port: int | None = None
    # ONESTOP_GATEWAY_HOST: where the HTTP/JSON gateway listens (both its ports).
    gateway_host: str = "127.0.0.1"
    # ONESTOP_GATEWAY_PARTNER_PORT: the gateway's HTTPS port for partners (mutual TLS); None:
    # http_port_base + GATEWAY_PARTNER_PORT_OFFSET.
    gateway_partner_port: int | None = None

    def database_url_for(self, component: str) -> str:
        if component not in COMPONENTS:
            raise SettingsError(f"unknown component {component!r}")
        return self.database_url.format(component=component, data_dir=self.data_dir)

    def grpc_port(self, component: str) -> int:
        return self.grpc_port_base + _PORT_OFFSETS[component]

    def grpc_listen_port(self, component: str) -> int:
        """The port this process, running ``component``, listens on."""
        return self.listen_port if self.listen_port is not None else self.grpc_port(component)

    def grpc_replicas(self, component: str) -> tuple[str, ...]:
        """Where ``component``'s replicas answer gRPC ("host:port" each): as configured, else
        grpc_host at its port."""
        configured = dict(self.component_targets).get(component)
        return configured or (f"{self.grpc_host}:{self.grpc_port(component)}",)

    def grpc_target(self, component: str) -> str:
        """A gRPC channel target for ``component``: one address, or its replicas' addresses as
        one target that gRPC fails over between (``ipv4:a:port,b:port``)."""
        replicas = self.grpc_replicas(component)
        if len(replicas) == 1:
            return replicas[0]
        return "ipv4:" + ",".join(replicas)

    @property
    def bind_host(self) -> str:
        """The address this process's servers listen on."""
        return self.listen_host or self.grpc_host

    def partner_grpc_port(self) -> int:
        """The orchestrator's port for integration partners (gRPC over mutual TLS)."""
        if self.partner_port is not None:
            return self.partner_port
        return self.grpc_port_base + PARTNER_PORT_OFFSET

    def partner_grpc_target(self) -> str:
        """The partner port as partners reach it."""
        return self.partner_public_target or f"{self.grpc_host}:{self.partner_grpc_port()}"

    def http_port(self, component: str) -> int:
        return self.http_port_base + _PORT_OFFSETS[component]

    def gateway_partner_listen_port(self) -> int:
        """The gateway's HTTPS port for integration partners (client certificates required)."""
        if self.gateway_partner_port is not None:
            return self.gateway_partner_port
        return self.http_port_base + GATEWAY_PARTNER_PORT_OFFSET

    def signing_targets(self) -> tuple[str, ...]:
        """Where the signing server's replicas answer gRPC."""
        return self.signer_targets or self.grpc_replicas(SIGNER)

    @property
    def crl_base_url(self) -> str:
        """Where the revocation lists are published, as written into certificates."""
        return (
            self.crl_public_url or f"http://{self.grpc_host}:{self.http_port('seal')}/crl"
        ).rstrip("/")

    @property
    def tsa_url(self) -> str:
        """The platform timestamp authority (RFC 3161 over HTTP), served by the signing server."""
        return self.tsa_public_url or f"http://{self.grpc_host}:{self.http_port(SIGNER)}/tsa"

    def clock(self) -> Clock:
        return clock_from_settings(self.clock_speed, self.clock_start, self.clock_origin)

    @property
    def portal_url(self) -> str:
        """The portal's public address, without a trailing slash."""
        local = f"http://{self.grpc_host}:{self.http_port('portal')}"
        return (self.portal_public_url or local).rstrip("/")

    @property
    def verification_base_url(self) -> str:
        """Where licenses and bundles send a scanner (onestop_common.verification): the public
        address when one is configured, never the loopback default of :attr:`portal_url`."""
        return (self.portal_public_url or PLACEHOLDER_BASE).rstrip("/")

    @property
    def oidc_redirect_uri(self) -> str:
        return f"{self.portal_url}{OIDC_CALLBACK_PATH}"

    @property
    def local_oidc_provider(self) -> bool:
        """No real-name provider is configured: the platform runs its own with test identities."""
        return not self.oidc_issuer

    @property
    def oidc_provider_listen_port(self) -> int:
        if self.oidc_provider_port is not None:
            return self.oidc_provider_port
        return self.http_port(IDP)

    @property
    def oidc_issuer_url(self) -> str:
        """The issuer citizens sign in with: the configured one, else the local provider."""
        if self.oidc_issuer:
            return self.oidc_issuer
        return f"http://{self.oidc_provider_host}:{self.oidc_provider_listen_port}"

    @property
    def pki_dir(self) -> Path:
        return self.data_dir / "pki"

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Reads ONESTOP_* variables; secrets default to files created once under the data dir."""
    env = os.environ if environ is None else environ
    defaults = Settings()
    data_dir = Path(env.get("ONESTOP_DATA_DIR", str(defaults.data_dir))).resolve()
    settings = Settings(
        data_dir=data_dir,
        amqp_url=env.get("ONESTOP_AMQP_URL", defaults.amqp_url),
        database_url=env.get("ONESTOP_DATABASE_URL", defaults.database_url),
        grpc_host=env.get("ONESTOP_GRPC_HOST", defaults.grpc_host),
        listen_host=env.get("ONESTOP_LISTEN_HOST", ""),
        component_targets=_component_targets(env, "ONESTOP_TARGETS"),
        grpc_port_base=_int(env, "ONESTOP_GRPC_PORT_BASE", defaults.grpc_port_base),
        http_port_base=_int(env, "ONESTOP_HTTP_PORT_BASE", defaults.http_port_base),
        clock_speed=_float(env, "ONESTOP_CLOCK_SPEED", defaults.clock_speed),
        clock_start=_datetime(env, "ONESTOP_CLOCK_START"),
        clock_origin=_datetime(env, "ONESTOP_CLOCK_ORIGIN"),
        auto_approve=_service_set(env.get("ONESTOP_AUTO_APPROVE", "all")),
        participant_mode=_choice(env, "ONESTOP_PARTICIPANTS", "domain", ("domain", "echo")),
        echo_reject=_service_set(env.get("ONESTOP_ECHO_REJECT", "none"), "ONESTOP_ECHO_REJECT"),
        echo_compensation_failures=_int(env, "ONESTOP_ECHO_COMPENSATION_FAILURES", 0),
        outbox_poll_seconds=_float(env, "ONESTOP_OUTBOX_POLL_SECONDS", 0.5),
        log_level=env.get("ONESTOP_LOG_LEVEL", "INFO").upper(),
        log_json=env.get("ONESTOP_LOG_JSON", "0") in ("1", "true", "yes"),
        seal_maker_id=env.get("ONESTOP_SEAL_MAKER_ID", "001"),
        partner_port=_port(env, "ONESTOP_PARTNER_GRPC_PORT"),
        signer_targets=_targets(env, "ONESTOP_SIGNER_TARGETS"),
        signer_replicas=_int(env, "ONESTOP_SIGNER_REPLICAS", defaults.signer_replicas),
        tsa_public_url=_http_url(env, "ONESTOP_TSA_URL"),
        crl_public_url=_http_url(env, "ONESTOP_CRL_URL"),
        tls_server_names=_names(env, "ONESTOP_TLS_SERVER_NAMES", DEFAULT_TLS_SERVER_NAMES),
        partner_public_target=env.get("ONESTOP_PARTNER_PUBLIC_TARGET", "").strip(),
        answer_within_seconds=_optional_float(env, "ONESTOP_ANSWER_WITHIN_SECONDS"),
        sends_before_stuck=_optional_int(env, "ONESTOP_SENDS_BEFORE_STUCK"),
        listen_port=_port(env, "ONESTOP_LISTEN_PORT"),
        precheck_seconds=_float(env, "ONESTOP_PRECHECK_SECONDS", defaults.precheck_seconds),
        portal_trusted_proxies=_networks(env, "ONESTOP_PORTAL_TRUSTED_PROXIES"),
        person_signatures=_choice(env, "ONESTOP_PERSON_SIGNATURES", "required", ("required", "off"))
        == "required",
        portal_public_url=_http_url(env, "ONESTOP_PORTAL_PUBLIC_URL"),
        oidc_issuer=_http_url(env, "ONESTOP_OIDC_ISSUER"),
        oidc_client_id=env.get("ONESTOP_OIDC_CLIENT_ID") or defaults.oidc_client_id,
        oidc_id_number_claim=(
            env.get("ONESTOP_OIDC_ID_NUMBER_CLAIM") or defaults.oidc_id_number_claim
        ),
        oidc_provider_host=env.get("ONESTOP_OIDC_PROVIDER_HOST") or defaults.oidc_provider_host,
        oidc_provider_port=_port(env, "ONESTOP_OIDC_PROVIDER_PORT"),
        gateway_host=env.get("ONESTOP_GATEWAY_HOST") or defaults.gateway_host,
        gateway_partner_port=_port(env, "ONESTOP_GATEWAY_PARTNER_PORT"),
    )
    token_secret = env.get("ONESTOP_TOKEN_SECRET") or secret_file(data_dir, "token.key").decode()
    kek = (env.get("ONESTOP_KEK") or "").encode() or secret_file(data_dir, "kek")
    oidc_client_secret = env.get("ONESTOP_OIDC_CLIENT_SECRET", "")
    if settings.oidc_issuer and not oidc_client_secret:
        # A made-up secret would only fail later, at the first citizen's sign-in.
        raise SettingsError(
            "ONESTOP_OIDC_ISSUER is set: set ONESTOP_OIDC_CLIENT_SECRET to the secret that "
            "provider registered the portal with"
        )
    oidc_client_secret = oidc_client_secret or secret_file(data_dir, "oidc_client.key").decode()
    return replace(
        settings, token_secret=token_secret, kek=kek, oidc_client_secret=oidc_client_secret
    )


def secret_path(data_dir: Path, name: str) -> Path:
    """Where the secret ``name`` ("kek", "token.key") is kept when no variable gives it."""
    return data_dir / "secrets" / name


def secret_file(data_dir: Path, name: str) -> bytes:
    """A random secret kept in the data directory (mode 0600), made on first use."""
    path = secret_path(data_dir, name)
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    value = secrets.token_urlsafe(32).encode()
    # O_EXCL: when two processes start together, one writes and the other reads its value.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(value)
    return value


def _parsed(
    env: Mapping[str, str], name: str, default: T, parse: Callable[[str], T], what: str
) -> T:
    """``name``'s value read by ``parse``, ``default`` when unset; refused when unreadable."""
    raw = env.get(name)
    if raw is None:
        return default
    try:
        return parse(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be {what}, got {raw!r}") from exc


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    return _parsed(env, name, default, int, "a whole number")


def _port(env: Mapping[str, str], name: str) -> int | None:
    if not env.get(name):
        return None
    value = _int(env, name, 0)
    if not 1 <= value <= 65535:
        raise SettingsError(f"{name} must be a TCP port (1 to 65535), got {value}")
    return value


def _optional_float(env: Mapping[str, str], name: str) -> float | None:
    return _float(env, name, 1.0) if env.get(name) else None


def _optional_int(env: Mapping[str, str], name: str) -> int | None:
    if not env.get(name):
        return None
    value = _int(env, name, 1)
    if value < 1:
        raise SettingsError(f"{name} must be at least 1, got {value}")
    return value


def _networks(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated list of IP addresses or networks (CIDR)."""
    networks = tuple(part.strip() for part in env.get(name, "").split(",") if part.strip())
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError as error:
            raise SettingsError(
                f"{name} takes IP addresses or networks separated by commas, got {network!r}"
            ) from error
    return networks


def _http_url(env: Mapping[str, str], name: str) -> str:
    """An absolute http(s) URL (kept as written: an issuer is compared character for character
    with the tokens' "iss"); empty when not set."""
    raw = env.get(name, "").strip()
    if not raw:
        return ""
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise SettingsError(
            f"{name} must be an absolute http(s) URL such as https://id.example.gov.cn, got {raw!r}"
        )
    return raw


def _targets(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated list of host:port addresses."""
    targets = tuple(part.strip() for part in env.get(name, "").split(",") if part.strip())
    for target in targets:
        host, _, port = target.rpartition(":")
        if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
            raise SettingsError(
                f"{name} takes host:port addresses separated by commas, got {target!r}"
            )
    return targets


def _component_targets(
    env: Mapping[str, str], name: str
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """component=host:port pairs separated by commas; a component's replicas by "|". Several
    replicas must be IP addresses (gRPC fails over between listed addresses; a DNS name that
    resolves to every replica does the same for names)."""
    known = (*COMPONENTS, SIGNER, IDP, GATEWAY)
    pairs = []
    for part in (p.strip() for p in env.get(name, "").split(",") if p.strip()):
        component, _, targets = (piece.strip() for piece in part.partition("="))
        if component not in known:
            raise SettingsError(
                f"{name}: unknown component {component!r} in {part!r} (known: {', '.join(known)})"
            )
        replicas = _targets({name: targets.replace("|", ",")}, name)
        if len(replicas) > 1 and not all(_is_ip(r.rpartition(":")[0]) for r in replicas):
            raise SettingsError(
                f"{name}: {component}'s replicas must be IP addresses when several are listed "
                f"(got {targets!r}); name them by one DNS name instead"
            )
        pairs.append((component, replicas))
    return tuple(pairs)


def _names(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """Comma-separated DNS names or IP addresses (as a certificate's subject alternative names)."""
    names = tuple(part.strip() for part in env.get(name, "").split(",") if part.strip())
    for entry in names:
        if not _is_ip(entry) and not _DNS_NAME.fullmatch(entry):
            raise SettingsError(f"{name} takes DNS names or IP addresses, got {entry!r}")
    return names or default


_DNS_NAME = re.compile(
    r"(?=.{1,253}$)([A-Za-z0-9*]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    value = _parsed(env, name, default, float, "a number")
    if value <= 0:
        raise SettingsError(f"{name} must be positive, got {env[name]!r}")
    return value


def _datetime(env: Mapping[str, str], name: str) -> datetime | None:
    raw = env.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an ISO 8601 date-time, got {raw!r}") from exc
    if value.tzinfo is None:
        raise SettingsError(f"{name} needs a UTC offset, e.g. 2026-11-26T09:00:00+08:00")
    return value


def _choice(env: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = env.get(name, default)
    if value not in allowed:
        raise SettingsError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _service_set(raw: str, name: str = "ONESTOP_AUTO_APPROVE") -> frozenset[str]:
    raw = raw.strip()
    if raw in ("all", "*"):
        return frozenset(SERVICES)
    if raw in ("", "none"):
        return frozenset()
    names = frozenset(part.strip() for part in raw.split(",") if part.strip())
    unknown = names - set(SERVICES)
    if unknown:
        raise SettingsError(
            f"{name} names unknown services {sorted(unknown)}; "
            f"use 'all', 'none' or a comma-separated subset of {', '.join(SERVICES)}"
        )
    return names
