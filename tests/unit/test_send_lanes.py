"""A front end sends to different conversations at once, at most `concurrency` at a time,
and to one conversation in the order given; a batch is done when its last message is."""

from __future__ import annotations

import asyncio

import pytest

from bot.domain.messages import OutboundMessage, PersonAddress
from bot.service.notifier import (
    Batch,
    CollectingNotifier,
    FanOutNotifier,
    NotStarted,
    QueuedNotifier,
    Records,
)


def _to(user: str, text: str) -> OutboundMessage:
    return OutboundMessage(PersonAddress("slack", "T1", user), text)


class GatedPlatform(QueuedNotifier):
    """A platform whose every send waits until the test lets it through."""

    concurrency = 2

    def __init__(self) -> None:
        super().__init__()
        self.started: list[str] = []
        self.gates: dict[str, asyncio.Event] = {}

    async def send_one(self, message: OutboundMessage, records: Records) -> None:
        self.started.append(message.text)
        await self.gates.setdefault(message.text, asyncio.Event()).wait()

    def let_through(self, text: str) -> None:
        self.gates.setdefault(text, asyncio.Event()).set()


async def _settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def test_conversations_in_parallel_and_each_in_order() -> None:
    platform = GatedPlatform()
    messages = [_to("U1", "a1"), _to("U1", "a2"), _to("U2", "b1"), _to("U3", "c1")]
    batch = Batch(messages)
    await platform.deliver(messages, batch)
    await _settle()
    # a1 and b1 at once; a2 waits for a1 (same conversation); c1 for a free slot (2 at most).
    assert platform.started == ["a1", "b1"]
    platform.let_through("b1")
    await _settle()
    assert platform.started == ["a1", "b1", "c1"]
    assert not batch.done
    platform.let_through("a1")
    await _settle()
    assert platform.started == ["a1", "b1", "c1", "a2"]
    platform.let_through("a2")
    platform.let_through("c1")
    await platform.drain()
    assert batch.done


async def test_a_failed_send_does_not_stop_its_conversation() -> None:
    class Failing(GatedPlatform):
        async def send_one(self, message: OutboundMessage, records: Records) -> None:
            self.started.append(message.text)
            if message.text == "a1":
                raise RuntimeError("the platform said no")

    platform = Failing()
    batch = Batch([_to("U1", "a1"), _to("U1", "a2")])
    await platform.deliver(batch.messages, batch)
    await platform.drain()
    assert platform.started == ["a1", "a2"] and batch.done


class NotYetConnected(GatedPlatform):
    def ready(self) -> bool:
        return False


async def test_a_front_end_not_started_yet_misses_them_unless_none_is() -> None:
    """In one process with Slack and Discord, Discord still connecting mustn't make Slack's
    messages go twice (the batch would stay in the outbox and be sent again); with no front
    end started at all, the batch stays in the outbox for later."""
    messages = [_to("U1", "a1")]
    started = CollectingNotifier()
    await FanOutNotifier([started, NotYetConnected()]).deliver(messages, Batch(messages))
    assert started.sent == messages
    with pytest.raises(NotStarted):
        await FanOutNotifier([NotYetConnected(), NotYetConnected()]).deliver(messages)
