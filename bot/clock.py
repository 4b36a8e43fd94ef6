"""The Clock port: the system clock in production, a manual one in tests and the console."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Where the core gets the time from."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to, so tests never sleep."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime.now(UTC)
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta` (never backwards) and return the new time."""
        if delta < timedelta(0):
            raise ValueError("a clock cannot go backwards")
        self._now += delta
        return self._now

    def set(self, when: datetime) -> None:
        """Jump to `when`, which must not be earlier than now."""
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        self.advance(when.astimezone(UTC) - self._now)


def wall_now() -> datetime:
    """The machine's own time, for what is about the process and not the community: when
    the scheduler wakes, how long ago the sweep looked, when a migration ran. Everything a
    command or a timer decides goes by the injected Clock instead (so tests and the console
    can move it)."""
    return datetime.now(UTC)


def epoch(when: datetime) -> int:
    """Whole seconds since the Unix epoch: how the store keeps every timestamp."""
    return int(when.timestamp())


def from_epoch(seconds: int) -> datetime:
    """The inverse of `epoch`, in UTC."""
    return datetime.fromtimestamp(seconds, UTC)
