"""The saga shape as a Temporal workflow (imported only when temporalio is installed): the first
step, then four steps at once, each an activity that does nothing, with Temporal's default retry
policy — the same durable hand-offs a OneStop case makes, without OneStop's compensation."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from temporalio import activity, workflow

PARALLEL_STEPS = ("seal", "invoice", "social_insurance", "bank")
STEP_TIMEOUT = timedelta(seconds=60)


@activity.defn
async def step(name: str) -> str:
    return name


@workflow.defn
class SagaShape:
    @workflow.run
    async def run(self) -> list[str]:
        first = await workflow.execute_activity(
            step, "license", start_to_close_timeout=STEP_TIMEOUT
        )
        rest = await asyncio.gather(
            *(
                workflow.execute_activity(step, name, start_to_close_timeout=STEP_TIMEOUT)
                for name in PARALLEL_STEPS
            )
        )
        return [first, *rest]


def activities() -> list[Callable[..., Any]]:
    return [step]
