"""Waiting for a bot in another task to have done something: bounded, event-driven."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable


async def wait_until(
    changed: asyncio.Event, predicate: Callable[[], bool], within: float = 5.0
) -> None:
    """Until `predicate()` holds, woken by `changed` (set on every recorded call); no sleep."""
    deadline = time.monotonic() + within
    while not predicate():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError("timed out waiting for the bot")
        changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), remaining)
