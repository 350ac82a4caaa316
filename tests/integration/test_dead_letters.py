"""`onestop dead-letters`: an operator sees what sits in the dead-letter queue and why, without
taking anything out, and puts a message back on its queue once the cause is fixed."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from pika.adapters.blocking_connection import BlockingChannel

from onestop.common.v1 import common_pb2
from onestop.registration.v1 import registration_pb2
from onestop_cli.dead_letters import peek, replay
from onestop_common import messaging as m
from onestop_common.settings import Settings
from orchestrator.amqp import connect
from tests.support.participant import CommandDriver

ECHO = {"ONESTOP_PARTICIPANTS": "echo"}
OUTAGE = "delivery limit reached while the registration database was down"


@dataclass
class Tap:
    channel: BlockingChannel
    queue: str


@pytest.fixture
def dead_letter_tap(platform) -> Iterator[Tap]:
    """A queue of our own on the dead-letter exchange: tells us when something was dead-lettered
    (the dead-letter queue itself is what the command under test reads)."""
    connection = connect(platform.env()["ONESTOP_AMQP_URL"])
    channel = connection.channel()
    channel.exchange_declare(m.DEAD_LETTER_EXCHANGE, exchange_type="topic", durable=True)
    tap = channel.queue_declare(queue="", exclusive=True).method.queue
    channel.queue_bind(queue=tap, exchange=m.DEAD_LETTER_EXCHANGE, routing_key="#")
    try:
        yield Tap(channel, tap)
    finally:
        connection.close()


def await_dead_letters(tap: Tap, count: int) -> list[str]:
    ids: list[str] = []
    for method, properties, _ in tap.channel.consume(tap.queue, inactivity_timeout=30):
        assert method is not None, f"only {len(ids)} of {count} messages were dead-lettered"
        tap.channel.basic_ack(method.delivery_tag)
        ids.append(properties.message_id)
        if len(ids) == count:
            tap.channel.cancel()
            return ids
    raise AssertionError("the consumer ended early")


def cli(settings_env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "onestop_cli.main", "dead-letters", *args],
        env=settings_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_dead_letters_are_listed_without_being_taken_and_replayed_to_their_queue(
    platform, dead_letter_tap
) -> None:
    settings: Settings = platform.start(("registration",), **ECHO).settings
    env = platform.env(**ECHO)
    driver = CommandDriver(settings)
    try:
        # One message the service cannot read, and one it could have handled but that was given
        # up on during an outage.
        driver.send_raw(
            "registration.IssueLicense",
            b"\xff\xfe not protobuf",
            {m.H_TYPE: "onestop.registration.v1.IssueLicenseRequest"},
        )
        case_id = f"OS-DLQ-{uuid.uuid4().hex[:8].upper()}"
        key = driver.send(
            "registration",
            "IssueLicense",
            registration_pb2.IssueLicenseRequest(),
            case_id=case_id,
            step="license",
            dead_lettered_because=OUTAGE,
        )
        await_dead_letters(dead_letter_tap, 2)

        first = peek(settings.amqp_url)
        assert peek(settings.amqp_url) == first  # looking takes nothing out, in the same order
        by_case = {letter.case_id: letter for letter in first}
        garbage, stranded = by_case[""], by_case[case_id]
        assert garbage.queue == stranded.queue == "onestop.registration.commands"
        assert "IssueLicenseRequest" in garbage.reason
        assert stranded.reason == OUTAGE

        listed = cli(env, "list", "--json")
        assert listed.returncode == 0, listed.stderr
        assert {d["message_id"] for d in json.loads(listed.stdout)} == {
            garbage.message_id,
            stranded.message_id,
        }

        # Replayed to its queue, the stranded command is handled as if it had never stopped.
        assert replay(settings.amqp_url, [stranded.message_id]) == [stranded]
        answer = driver.result(key)
        assert answer.status.outcome == common_pb2.OUTCOME_DONE
        assert [letter.message_id for letter in peek(settings.amqp_url)] == [garbage.message_id]

        # An id that is not (or no longer) there is said, and nothing changes.
        for gone in (stranded.message_id, "no-such-message"):
            refused = cli(env, "replay", gone)
            assert refused.returncode == 1 and f"no dead letter {gone}" in refused.stderr
        assert [letter.message_id for letter in peek(settings.amqp_url)] == [garbage.message_id]
    finally:
        driver.close()
