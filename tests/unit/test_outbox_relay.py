"""The outbox relay gives its claim up when publishing fails, so the rows go out on the next try
(its own, after reconnecting, or another relay's) instead of waiting for the claim to expire."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from onestop.common.v1 import common_pb2
from onestop_common import messaging as m
from onestop_common.db import make_engine, make_session_factory, transaction, upgrade_schema
from onestop_common.outbox import OutboxRelay, stage
from orchestrator.models import Outbox
from tests.support.saga_harness import MIGRATIONS
from tests.support.service_db import TEST_KEK


class BrokerGone(ConnectionError):
    pass


def test_a_failed_publish_leaves_the_rows_free_for_the_next_relay(tmp_path: Path) -> None:
    db = make_engine(f"sqlite:///{tmp_path}/o.db", kek=TEST_KEK)
    upgrade_schema(db, MIGRATIONS, "alembic_version_orchestrator")
    sessions = make_session_factory(db)
    with transaction(sessions) as session:
        for n in range(3):
            stage(
                session,
                Outbox,
                m.envelope_for(
                    common_pb2.Rejection(field=f"f{n}"), exchange="x", routing_key=f"k.{n}"
                ),
            )

    def broken(_envelopes: Sequence[m.Envelope]) -> None:
        raise BrokerGone("connection reset by peer")

    first, second = OutboxRelay(sessions, Outbox), OutboxRelay(sessions, Outbox)
    with pytest.raises(BrokerGone):
        first.relay_once(broken)
    published: list[str] = []
    assert second.relay_once(lambda batch: published.extend(e.routing_key for e in batch)) == 3
    assert published == ["k.0", "k.1", "k.2"]
    assert first.pending_count() == 0
