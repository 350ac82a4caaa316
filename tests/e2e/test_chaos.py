"""No case left behind, shown the hard way: ``onestop chaos`` in its short version — real cases at
the same moment through the whole platform while random processes are killed with SIGKILL, the
orchestrator's database is blocked and the (private) broker is restarted — and then every case is
final, effects are exact in each service's database, the bundles verify, nothing is dead-lettered
and every process that was not killed is still alive. The table it prints is part of CI's output.

Run alone (CI does: ``pytest -m chaos``): the broker restart and the kills need the machine's two
cores to themselves to finish within the budget. ``onestop chaos --cases 300 --kill-every 3`` is
the long version, by hand.
"""

from __future__ import annotations

import pytest

from onestop_cli.chaos import ChaosPlan, ChaosResult, run_chaos
from tests.support.infra import PG_ADMIN_DSN, backend, free_port_base

# The run bounds itself: cases must be final within the plan's timeout (300 s), then 30 bundles are
# verified; pytest's limit only catches a hang beyond both.
pytestmark = [pytest.mark.chaos, pytest.mark.timeout(720)]


def _run(plan: ChaosPlan, capsys: pytest.CaptureFixture[str]) -> tuple[ChaosResult, str]:
    lines: list[str] = []

    def out(line: str) -> None:
        lines.append(line)
        with capsys.disabled():
            print(line, flush=True)

    result = run_chaos(plan, out=out)
    assert result is not None, "\n".join(lines)
    return result, "\n".join(lines)


def _plan(**faults: object) -> ChaosPlan:
    return ChaosPlan(
        port_base=free_port_base(),
        postgresql=PG_ADMIN_DSN if backend() == "postgresql" else None,
        timeout=300,
        seed=20261202,
        **faults,  # type: ignore[arg-type]
    )


def test_real_cases_all_complete_while_processes_die_the_database_blocks_and_the_broker_restarts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    plan = _plan(cases=30, kill_every=8.0, block_database=15.0, restart_broker=True)
    result, printed = _run(plan, capsys)
    assert result.passed, printed
    assert result.final == result.completed == result.bundles_verified == 30
    assert result.effects_exact == dict.fromkeys(
        ("registration", "seal", "invoice", "social_insurance", "bank"), 30
    )
    assert result.dead_letters == result.audit_broken == result.unexpected_exits == 0
    # The faults really happened.
    assert result.broker_restarts == result.database_blocks == 1
    assert result.kills >= 2
