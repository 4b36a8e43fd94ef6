"""The Notifier port: how the core's messages reach people who did not act."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.domain.messages import OutboundMessage


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
