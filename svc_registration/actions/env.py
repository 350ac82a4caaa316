"""What every handler gets besides its request (:class:`Env`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from google.protobuf.message import Message

from onestop_common.calendar import BusinessCalendar
from onestop_common.participant import UnitOfWork, run_saga_action
from onestop_common.settings import Settings
from svc_registration.actions.signing import PreparedLicense
from svc_registration.domain import PARTICIPANT, ReferenceData


@dataclass(frozen=True)
class Env:
    """What a handler needs besides its request: settings, business time, calendar, data."""

    settings: Settings
    now: datetime
    calendar: BusinessCalendar
    ref: ReferenceData
    # A license signed outside the transaction for this attempt (see NeedsSignature).
    prepared: PreparedLicense | None = None

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def auto_enabled(self) -> bool:
        return PARTICIPANT in self.settings.auto_approve


Handler = Callable[[UnitOfWork, Any, "Env"], Any]


def saga_action(
    rpc: str, response_type: type[Message], handle: Handler, *, compensated_by: str = ""
) -> Handler:
    """The saga action ``rpc`` done by ``handle``: a command repeated under its idempotency key
    gets the stored answer and no second effect, and one that arrives after its compensation
    (``compensated_by``) is refused (``participant.run_saga_action``)."""

    def action(uow: UnitOfWork, request: Any, env: Env) -> Any:
        return run_saga_action(
            uow,
            rpc,
            request,
            response_type,
            lambda u: handle(u, request, env),
            compensated_by=compensated_by,
        )

    action.__name__ = action.__qualname__ = handle.__name__.lstrip("_")
    return action
