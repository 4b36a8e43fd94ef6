"""The Notifier port: how the core's messages reach people who did not act."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

from bot.domain.messages import OutboundMessage

log = logging.getLogger(__name__)


class Notifier(Protocol):
    """Delivers messages after the work that produced them is committed."""

    async def deliver(self, messages: Sequence[OutboundMessage]) -> None:
        """Send each message; a failure to reach one person must not stop the others."""
        ...


class CollectingNotifier:
    """Keeps what it is given: for tests and for front ends that poll."""

    def __init__(self) -> None:
        self.sent: list[OutboundMessage] = []

    async def deliver(self, messages: Sequence[OutboundMessage]) -> None:
        self.sent.extend(messages)


class FanOutNotifier:
    """Hands every message to several front ends; each delivers what is addressed to it."""

    def __init__(self, notifiers: list[Notifier]) -> None:
        self.notifiers = notifiers

    async def deliver(self, messages: Sequence[OutboundMessage]) -> None:
        for notifier in self.notifiers:
            await notifier.deliver(messages)


class QueuedNotifier:
    """A front end's Notifier: `deliver` only queues, and one worker sends the messages in
    order, so a command (and a platform's 3-second answer) never waits for its API. A
    message that fails is logged by `failed` and the others still go."""

    platform = "platform"

    def __init__(self) -> None:
        self._queue: asyncio.Queue[OutboundMessage] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    def ready(self) -> bool:
        """Whether the front end can send yet."""
        return True

    async def send_one(self, message: OutboundMessage) -> None:
        """Send one message on the platform."""
        raise NotImplementedError

    def failed(self, message: OutboundMessage, exc: Exception) -> None:
        """A message could not be sent."""
        log.error("delivering a message on %s failed", self.platform, exc_info=exc)

    async def deliver(self, messages: Sequence[OutboundMessage]) -> None:
        if not self.ready():
            log.warning("%s isn't started; %d message(s) dropped", self.platform, len(messages))
            return
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._work())
        for message in messages:
            self._queue.put_nowait(message)

    async def _work(self) -> None:
        while True:
            message = await self._queue.get()
            try:
                await self.send_one(message)
            except Exception as exc:  # one bad message must not stop the others
                self.failed(message, exc)
            finally:
                self._queue.task_done()

    async def drain(self) -> None:
        """Wait until every queued message was sent (at shutdown, and in tests)."""
        if self._worker is not None and not self._worker.done():
            await self._queue.join()
            self._worker.cancel()
