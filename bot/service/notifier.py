"""The Notifier port: how the core's messages reach people who did not act.

Messages come in batches, one per committed command or due action (see delivery.py). A
front end sends a batch's messages to different conversations at once and to one
conversation in order, reads and writes its records (which channel a conversation has,
which post carries a key) through the batch's `Records`, and holds the batch until each
message is sent, so the batch's records are written in one transaction at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.domain.messages import OutboundMessage, conversation_key

log = logging.getLogger(__name__)

# (platform, workspace, address) and (platform, workspace, message key, recipient)
ChannelId = tuple[str, str, str]
MessageId = tuple[str, str, str, str]


@dataclass
class Records:
    """A batch's view of the front ends' records: what the store held for its conversations
    and keys (read in the batch's own transaction), and what its sends add (written when
    the batch is done). A lookup outside what was read says so, and the store is asked."""

    addresses: frozenset[str] = frozenset()
    keys: frozenset[str] = frozenset()
    channels: dict[ChannelId, str] = field(default_factory=dict)
    messages: dict[MessageId, tuple[str, str]] = field(default_factory=dict)
    new_channels: dict[ChannelId, str] = field(default_factory=dict)
    new_messages: dict[MessageId, tuple[str, str]] = field(default_factory=dict)

    def channel(self, platform: str, workspace: str, address: str) -> tuple[bool, str | None]:
        """(whether it was read, the channel if there is one)."""
        known = (platform, workspace, address)
        if known in self.channels:
            return True, self.channels[known]
        return address in self.addresses, None

    def message(
        self, platform: str, workspace: str, key: str, recipient: str
    ) -> tuple[bool, tuple[str, str] | None]:
        """(whether it was read, the post's channel and id if there is one)."""
        known = (platform, workspace, key, recipient)
        if known in self.messages:
            return True, self.messages[known]
        return key in self.keys, None

    def put_channel(self, platform: str, workspace: str, address: str, channel_id: str) -> None:
        self.channels[(platform, workspace, address)] = channel_id
        self.new_channels[(platform, workspace, address)] = channel_id

    def put_message(
        self, platform: str, workspace: str, key: str, recipient: str, post: tuple[str, str]
    ) -> None:
        self.messages[(platform, workspace, key, recipient)] = post
        self.new_messages[(platform, workspace, key, recipient)] = post


class Batch:
    """One commit's messages on their way: done when every front end has let go of it."""

    def __init__(
        self,
        messages: Sequence[OutboundMessage],
        outbox_id: int | None = None,
        records: Records | None = None,
    ) -> None:
        self.messages = list(messages)
        self.outbox_id = outbox_id
        self.records = records or Records()
        self._holds = 0
        self._done = asyncio.Event()
        self._done.set()

    def hold(self) -> None:
        """A message of the batch is on its way."""
        self._holds += 1
        self._done.clear()

    def release(self) -> None:
        """That message is sent, or failed for good."""
        self._holds -= 1
        if self._holds == 0:
            self._done.set()

    @property
    def done(self) -> bool:
        """Nothing holds it."""
        return self._holds == 0

    async def wait(self) -> None:
        """Until nothing holds the batch."""
        await self._done.wait()


class Notifier(Protocol):
    """Delivers messages after the work that produced them is committed."""

    async def deliver(
        self, messages: Sequence[OutboundMessage], batch: Batch | None = None
    ) -> None:
        """Send each message (or start sending it, holding `batch` until it is sent); a
        failure to reach one person must not stop the others."""
        ...

    async def drain(self) -> None:
        """Wait until every message handed over so far is sent."""
        ...


class NotStarted(RuntimeError):
    """A front end was handed messages before it could send."""


class CollectingNotifier:
    """Keeps what it is given: for tests and for front ends that poll."""

    def __init__(self) -> None:
        self.sent: list[OutboundMessage] = []

    async def deliver(
        self, messages: Sequence[OutboundMessage], batch: Batch | None = None
    ) -> None:
        self.sent.extend(messages)

    async def drain(self) -> None:
        return None


class FanOutNotifier:
    """Hands every message to several front ends; each delivers what is addressed to it."""

    def __init__(self, notifiers: list[Notifier]) -> None:
        self.notifiers = notifiers

    async def deliver(
        self, messages: Sequence[OutboundMessage], batch: Batch | None = None
    ) -> None:
        """Each front end; one that isn't started yet misses these messages (the others'
        must not go twice), unless none is started: then they stay in the outbox."""
        not_started = 0
        for notifier in self.notifiers:
            try:
                await notifier.deliver(messages, batch)
            except NotStarted as exc:
                not_started += 1
                log.warning("%s", exc)
        if self.notifiers and not_started == len(self.notifiers):
            raise NotStarted("no front end is started; the messages stay in the outbox")

    async def drain(self) -> None:
        for notifier in self.notifiers:
            await notifier.drain()


class QueuedNotifier:
    """A front end's Notifier: `deliver` only starts the sends, so a command (and a
    platform's 3-second answer) never waits for its API. Messages to different
    conversations go out at once, at most `concurrency` at a time; messages to one
    conversation go in the order given. A message that fails is logged by `failed` and the
    others still go."""

    platform = "platform"
    concurrency = 8

    def __init__(self) -> None:
        self._lanes: dict[str, tuple[asyncio.Lock, int]] = {}
        self._slots: asyncio.Semaphore | None = None
        self._sending: set[asyncio.Task[None]] = set()

    def ready(self) -> bool:
        """Whether the front end can send yet."""
        return True

    async def send_one(self, message: OutboundMessage, records: Records | None) -> None:
        """Send one message on the platform, reading and writing records through `records`
        (None: straight from and to the store)."""
        raise NotImplementedError

    def failed(self, message: OutboundMessage, exc: Exception) -> None:
        """A message could not be sent."""
        log.error("delivering a message on %s failed", self.platform, exc_info=exc)

    def turn(self) -> contextlib.AbstractAsyncContextManager[object]:
        """Held around each send, inside its slot: a front end whose people wait on an
        answer can narrow the sends while they do (for a bounded time: a send waiting for
        its turn keeps its slot)."""
        return contextlib.nullcontext()

    def sending(self) -> int:
        """How many messages handed over are not sent yet."""
        return len(self._sending)

    async def deliver(
        self, messages: Sequence[OutboundMessage], batch: Batch | None = None
    ) -> None:
        if not self.ready():
            raise NotStarted(f"{self.platform} isn't started; the messages stay in the outbox")
        # Without a batch (handed over directly, not by the Dispatcher) nobody would write
        # the records at the end: the store is read and written as each message goes.
        loop = asyncio.get_running_loop()
        for message in messages:
            conversation = conversation_key(message.to)
            lock, users = self._lanes.get(conversation) or (asyncio.Lock(), 0)
            self._lanes[conversation] = (lock, users + 1)
            if batch is not None:
                batch.hold()
            task = loop.create_task(self._send_in_lane(message, conversation, lock, batch))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def _send_in_lane(
        self, message: OutboundMessage, conversation: str, lock: asyncio.Lock, batch: Batch | None
    ) -> None:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.concurrency)
        try:
            # Tasks start in the order they were made and the lock serves waiters in
            # order, so one conversation's messages go in the order given.
            async with lock, self._slots, self.turn():
                await self.send_one(message, batch.records if batch is not None else None)
        except Exception as exc:  # one bad message must not stop the others
            self.failed(message, exc)
        finally:
            _, users = self._lanes[conversation]
            if users <= 1:
                del self._lanes[conversation]  # nobody else waits: forget it
            else:
                self._lanes[conversation] = (lock, users - 1)
            if batch is not None:
                batch.release()

    async def drain(self) -> None:
        """Wait until every message handed over was sent (at shutdown, and in tests)."""
        while self._sending:
            await asyncio.gather(*list(self._sending), return_exceptions=True)
