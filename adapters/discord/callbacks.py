"""Interactions before queued messages.

Discord wants each interaction's callback (the reply, a deferral or a form) within 3 seconds,
and a person waits on it; the offers and notices in the outbox can wait a few milliseconds.
All of it shares one event loop, so under load a callback queues behind the sends and the
commands that came before it. While an interaction waits for its callback, the outbox sends
one message at a time instead of `QueuedNotifier.concurrency`, and a command that starts
while others are running defers first (see `DiscordFrontEnd.answer_soon`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import discord

# The kinds that get a callback from our code. Autocomplete is answered by discord.py after
# our lookup, and is typed often: it must not hold the outbox back.
ANSWERED = frozenset(
    {
        discord.InteractionType.application_command,
        discord.InteractionType.component,
        discord.InteractionType.modal_submit,
    }
)

PRUNE_ABOVE = 100  # waiting interactions kept before the answered ones are looked for


class CallbacksFirst:
    """Which interactions still wait for their callback, and a narrow turn for the outbox
    while any does.

    An interaction counts until its response is done, or for `hold` seconds at most: one
    that nobody answers (a button of a message nothing handles any more) must not slow the
    outbox for long, and a steady stream of interactions can't stop it either, since it
    keeps one send going and no send waits for its turn longer than `hold`."""

    def __init__(self, hold: float = 0.25, now: Callable[[], float] = time.monotonic) -> None:
        self.hold = hold
        self._now = now
        self._waiting: dict[int, tuple[discord.Interaction, float]] = {}
        self._narrow: asyncio.Lock | None = None

    def arrived(self, interaction: discord.Interaction) -> None:
        """Called as the gateway hands the interaction over, before any handler runs."""
        if interaction.type in ANSWERED:
            self._waiting[interaction.id] = (interaction, self._now())
            if len(self._waiting) > PRUNE_ABOVE:
                self.waiting()  # forms opened with nothing else going on: forget the answered

    def waiting(self, besides: discord.Interaction | None = None) -> int:
        """How many interactions wait for their callback (other than `besides`)."""
        if not self._waiting:
            return 0
        cutoff = self._now() - self.hold
        for key, (interaction, since) in list(self._waiting.items()):
            if since < cutoff or interaction.response.is_done():
                del self._waiting[key]
        if besides is not None and besides.id in self._waiting:
            return len(self._waiting) - 1
        return len(self._waiting)

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Held around each send of the outbox: one at a time, in order, while a callback
        waits. A send waits for its turn `hold` seconds at most: one that hangs (a rate
        limit's wait, a channel being made) holds the others back no longer than an
        interaction counts."""
        if not self.waiting():
            yield
            return
        if self._narrow is None:
            self._narrow = asyncio.Lock()
        narrow = self._narrow
        try:
            await asyncio.wait_for(narrow.acquire(), self.hold)
        except TimeoutError:
            yield
            return
        try:
            yield
        finally:
            narrow.release()
