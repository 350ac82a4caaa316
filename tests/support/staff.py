"""The demo's desk staff (onestop_cli.demo.StaffBots) for tests that drive whole cases: a bot per
chosen desk approves every task of the cases it is told about, through the desk gRPC APIs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

import grpc

from onestop_cli.demo import StaffBots, desks
from onestop_common.settings import SERVICES, SIGNER, Settings
from tests.support.infra import fresh_platform

# What a test of whole cases starts: the signing server too (licenses, seals, bundles).
PLATFORM = (SIGNER, "orchestrator", *SERVICES)
# A Thursday morning, a working day: where the business clock of a whole-case test starts.
THURSDAY_MORNING = "2026-11-26T09:30:00+08:00"


@contextmanager
def whole_platform(tmp: Path, *, auto_approve: str, **env: str) -> Iterator[Settings]:
    """Every component (PLATFORM) on a fresh vhost and fresh databases under ``tmp``, automatic
    approval as ``auto_approve`` says (ONESTOP_AUTO_APPROVE), the business clock starting on
    THURSDAY_MORNING unless ``env`` (more ONESTOP_* settings) says otherwise: its settings."""
    env = {"ONESTOP_CLOCK_START": THURSDAY_MORNING, **env}
    with fresh_platform(tmp) as factory:
        yield factory.start(PLATFORM, ONESTOP_AUTO_APPROVE=auto_approve, **env).settings


class Staff:
    """Desk bots for ``steps`` (every desk by default); the bank clerk works ``bank_codes``.
    ``channels`` holds a channel to each platform process, for the test's own calls too."""

    def __init__(
        self,
        settings: Settings,
        steps: Iterable[str] | None = None,
        bank_codes: Iterable[str] = (),
    ) -> None:
        self.channels = {
            name: grpc.insecure_channel(settings.grpc_target(name))
            for name in ("orchestrator", *SERVICES)
        }
        self.cases: set[str] = set()
        wanted = set(steps) if steps is not None else None
        chosen = [d for d in desks(settings, self.channels) if wanted is None or d.step in wanted]
        self.bots = StaffBots(settings, chosen, self.cases, None, set(bank_codes), lambda _: None)
        self.bots.start()

    def close(self) -> None:
        self.bots.stop()
        for channel in self.channels.values():
            channel.close()

    def __enter__(self) -> Staff:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
