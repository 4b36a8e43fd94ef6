"""The rules of putting interactions before the outbox (adapters/discord/callbacks.py), on
stand-ins for discord.py's interactions: one counts until it is answered, for a bounded
time, and while one does the outbox sends one message at a time."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any, cast

import discord

from adapters.discord.callbacks import CallbacksFirst
from bot.domain.messages import OutboundMessage, PersonAddress
from bot.service.notifier import QueuedNotifier, Records


@dataclass
class Response:
    done: bool = False

    def is_done(self) -> bool:
        return self.done


@dataclass
class Interaction:
    """What CallbacksFirst reads of a discord.Interaction."""

    id: int
    type: discord.InteractionType = discord.InteractionType.application_command
    response: Response = field(default_factory=Response)


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def arrive(callbacks: CallbacksFirst, interaction: Interaction) -> Any:
    callbacks.arrived(cast(discord.Interaction, interaction))
    return interaction


def test_an_interaction_counts_until_it_is_answered() -> None:
    callbacks = CallbacksFirst(now=Clock())
    command = arrive(callbacks, Interaction(1))
    button = arrive(callbacks, Interaction(2, discord.InteractionType.component))
    form = arrive(callbacks, Interaction(3, discord.InteractionType.modal_submit))
    assert callbacks.waiting() == 3
    assert callbacks.waiting(besides=command) == 2
    command.response.done = True
    assert callbacks.waiting() == 2
    button.response.done = form.response.done = True
    assert callbacks.waiting() == 0


def test_an_autocomplete_never_holds_the_outbox_back() -> None:
    """discord.py answers it after our lookup, and it comes at every keystroke."""
    callbacks = CallbacksFirst(now=Clock())
    arrive(callbacks, Interaction(1, discord.InteractionType.autocomplete))
    arrive(callbacks, Interaction(2, discord.InteractionType.ping))
    assert callbacks.waiting() == 0


def test_one_nobody_answers_stops_counting_after_the_hold() -> None:
    """A click on a button nothing handles any more gets no callback from us."""
    clock = Clock()
    callbacks = CallbacksFirst(hold=0.25, now=clock)
    arrive(callbacks, Interaction(1))
    clock.t += 0.2
    arrive(callbacks, Interaction(2))
    assert callbacks.waiting() == 2
    clock.t += 0.1
    assert callbacks.waiting() == 1  # the first one's hold is over
    clock.t += 0.2
    assert callbacks.waiting() == 0


async def _overlap(callbacks: CallbacksFirst, sends: int) -> int:
    """The most sends inside their turn at once."""
    inside = most = 0
    gate = asyncio.Event()

    async def send() -> None:
        nonlocal inside, most
        async with callbacks.turn():
            inside += 1
            most = max(most, inside)
            await gate.wait()
            inside -= 1

    tasks = [asyncio.create_task(send()) for _ in range(sends)]
    for _ in range(5):
        await asyncio.sleep(0)
    gate.set()
    await asyncio.gather(*tasks)
    return most


async def test_the_outbox_sends_one_at_a_time_only_while_a_callback_waits() -> None:
    clock = Clock()
    callbacks = CallbacksFirst(now=clock)
    assert await _overlap(callbacks, 4) == 4
    waiting = arrive(callbacks, Interaction(1))
    assert await _overlap(callbacks, 4) == 1
    waiting.response.done = True
    assert await _overlap(callbacks, 4) == 4
    arrive(callbacks, Interaction(2))
    clock.t += 1  # past the hold: a stream of interactions can't stop the outbox either
    assert await _overlap(callbacks, 4) == 4


def test_answered_interactions_are_forgotten_even_if_nothing_asks() -> None:
    """Forms opened one after another, with no command or send to look: no growth."""
    callbacks = CallbacksFirst(now=Clock())
    for n in range(1000):
        arrive(callbacks, Interaction(n)).response.done = True
    assert len(callbacks._waiting) <= 101


class Outbox(QueuedNotifier):
    """The core's outbox, sending to nowhere: one message hangs until released."""

    def __init__(self, callbacks: CallbacksFirst) -> None:
        super().__init__()
        self.callbacks = callbacks
        self.release = asyncio.Event()
        self.sent: list[str] = []
        self.all_quick_sent = asyncio.Event()

    def turn(self) -> contextlib.AbstractAsyncContextManager[object]:
        return self.callbacks.turn()

    async def send_one(self, message: OutboundMessage, records: Records | None) -> None:
        if message.text == "slow":
            await self.release.wait()
        self.sent.append(message.text)
        if len([t for t in self.sent if t != "slow"]) == 9:
            self.all_quick_sent.set()


def to(user: str, text: str) -> OutboundMessage:
    return OutboundMessage(PersonAddress("discord", "1", user), text)


async def test_one_slow_send_holds_the_outbox_back_no_longer_than_the_hold() -> None:
    """While the interaction waits, the slow send has the turn and the others wait for it,
    but `hold` seconds at most: then they go, though it still hangs and the interaction was
    never answered (before, they waited as long as it hung, keeping the outbox's slots)."""
    callbacks = CallbacksFirst(hold=0.05, now=Clock())  # the interaction counts all along
    outbox = Outbox(callbacks)
    arrive(callbacks, Interaction(1))
    await outbox.deliver([to("u0", "slow")] + [to(f"u{n}", f"m{n}") for n in range(1, 10)])
    for _ in range(20):
        await asyncio.sleep(0)
    assert outbox.sent == []
    await asyncio.wait_for(outbox.all_quick_sent.wait(), 5)
    assert "slow" not in outbox.sent
    outbox.release.set()
    await outbox.drain()
    assert outbox.sent[-1] == "slow"


async def test_once_the_callback_is_sent_new_sends_go_together_at_once() -> None:
    """Sends handed over after the interaction was answered don't queue behind the turn."""
    callbacks = CallbacksFirst(hold=60, now=Clock())
    outbox = Outbox(callbacks)
    waiting = arrive(callbacks, Interaction(1))
    await outbox.deliver([to("u0", "slow")])
    for _ in range(5):
        await asyncio.sleep(0)
    waiting.response.done = True
    await outbox.deliver([to(f"u{n}", f"m{n}") for n in range(1, 10)])
    await asyncio.wait_for(outbox.all_quick_sent.wait(), 5)
    assert "slow" not in outbox.sent
    outbox.release.set()
    await outbox.drain()
