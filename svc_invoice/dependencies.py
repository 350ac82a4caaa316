"""nameko dependency of the invoice service: the rule data (loaded once), business time and the
automatic-approval switch, handed to each worker as an :class:`actions.Env`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nameko.extensions import DependencyProvider

from onestop_common.calendar import BusinessCalendar
from onestop_common.nameko_kit import current_settings
from svc_invoice.actions import Env
from svc_invoice.domain import PARTICIPANT
from svc_invoice.rulebook import load_book

__all__ = ["PARTICIPANT", "InvoiceEnv"]


class InvoiceEnv(DependencyProvider):
    def setup(self) -> None:
        settings = current_settings()
        self.book = load_book()
        self.clock = settings.clock()
        self.calendar = BusinessCalendar()
        self.auto_approve = PARTICIPANT in settings.auto_approve

    def get_dependency(self, worker_ctx: Any) -> Callable[[], Env]:
        return lambda: Env(self.book, self.clock.now(), self.auto_approve, self.calendar)
