"""Committed messages reach people even when the process that committed them stops before
sending: they wait in the outbox, and another process (or the same one, restarted) sends
them once the first has had its minute (both engines)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from datetime import timedelta

from bot.clock import ManualClock
from bot.domain.messages import Actor, OutboundMessage, PersonAddress
from bot.process.bootstrap import Core, start_core
from bot.service.delivery import HANDOVER_AFTER
from bot.service.notifier import Batch, CollectingNotifier
from tests.conftest import START, make_config


class CrashesBeforeSending:
    """A front end that takes the messages and never sends them: the process dies first."""

    def __init__(self) -> None:
        self.handed: list[OutboundMessage] = []

    async def deliver(
        self, messages: Sequence[OutboundMessage], batch: Batch | None = None
    ) -> None:
        self.handed.extend(messages)
        if batch is not None:
            batch.hold()  # in flight for ever

    async def drain(self) -> None:
        return None


async def _say(core: Core, user: str, line: str) -> str:
    reply = await core.bus.handle_line(Actor("console", "console", user, user), line)
    return reply.text


async def _outbox(core: Core) -> int:
    async with core.db.transaction() as tx:
        return int(await tx.fetch_val("SELECT COUNT(*) FROM outbox"))


async def test_what_a_stopped_process_committed_is_sent_by_the_next(storage_url: str) -> None:
    clock = ManualClock(START)
    dying = CrashesBeforeSending()
    first = await start_core(make_config(storage_url), dying, clock=clock, rng=random.Random(1))
    try:
        for mentor in ("m1", "m2"):
            await _say(first, mentor, "/mentor skills add python")
            await _say(first, mentor, "/mentor available for 8h")
        assert "r1" in await _say(first, "ana", "/mentor ask python -- How do I read a CSV?")
        refused = await _say(first, "ana", "/mentor ask -- no skills")
        assert "skill" in refused.lower()
        offers = [m for m in dying.handed if m.key == "offer:1"]
        assert offers and {m.to for m in offers} <= {
            PersonAddress("console", "console", "m1"),
            PersonAddress("console", "console", "m2"),
        }
        pending = await _outbox(first)
        assert pending >= 1
    finally:
        await first.db.close()  # the process is gone; nothing was sent

    collecting = CollectingNotifier()
    second = await start_core(
        make_config(storage_url), collecting, clock=clock, rng=random.Random(2)
    )
    try:
        # Younger than a minute: perhaps still on its way from a live process.
        assert await second.dispatcher.send_unsent() == 0
        assert collecting.sent == []
        clock.advance(HANDOVER_AFTER + timedelta(seconds=1))
        assert await second.dispatcher.send_unsent() == pending
        assert [m for m in collecting.sent if m.key == "offer:1"] == offers
        assert collecting.sent == dying.handed  # all of it, in commit order, nothing else
        assert await _outbox(second) == 0
        # Sent once: a second look finds nothing.
        assert await second.dispatcher.send_unsent() == 0
        assert len(collecting.sent) == len(dying.handed)
    finally:
        await second.close()


async def test_two_processes_never_both_take_over_a_batch(storage_url: str) -> None:
    """Both see the same batches left unsent; each batch is sent by exactly one of them."""
    clock = ManualClock(START)
    dying = CrashesBeforeSending()
    first = await start_core(make_config(storage_url), dying, clock=clock, rng=random.Random(1))
    try:
        for n in range(3):
            await _say(first, f"m{n}", "/mentor skills add python")
            await _say(first, f"m{n}", "/mentor available for 8h")
        for n in range(4):
            await _say(first, f"ana{n}", "/mentor ask python -- How do I read a CSV?")
        pending = await _outbox(first)
    finally:
        await first.db.close()
    clock.advance(HANDOVER_AFTER + timedelta(seconds=1))
    left, right = CollectingNotifier(), CollectingNotifier()
    one = await start_core(make_config(storage_url), left, clock=clock)
    other = await start_core(make_config(storage_url), right, clock=clock)
    try:
        taken = await asyncio.gather(one.dispatcher.send_unsent(), other.dispatcher.send_unsent())
        assert sum(taken) == pending
        assert sorted(map(repr, left.sent + right.sent)) == sorted(map(repr, dying.handed))
        assert await _outbox(one) == 0
    finally:
        await one.close()
        await other.close()


async def test_sent_messages_leave_the_outbox(storage_url: str) -> None:
    """It holds personal text, so nothing stays once sent (and `forget` finds nothing)."""
    clock = ManualClock(START)
    collecting = CollectingNotifier()
    core = await start_core(make_config(storage_url), collecting, clock=clock)
    try:
        await _say(core, "m1", "/mentor skills add python")
        await _say(core, "m1", "/mentor available for 8h")
        await _say(core, "ana", "/mentor ask python -- How do I read a CSV?")
        assert any(m.key == "offer:1" for m in collecting.sent)
        assert await _outbox(core) == 0
    finally:
        await core.close()
