"""Process life: stop on SIGTERM/SIGINT gracefully, and the optional health endpoint."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable

from bot.process.bootstrap import Core
from bot.process.health import HealthServer

log = logging.getLogger(__name__)


def stop_event() -> asyncio.Event:
    """An event set by SIGTERM or SIGINT (graceful shutdown: stop taking input first)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    return stop


async def until_stopped(main: Awaitable[object], stop: asyncio.Event) -> None:
    """Run `main` until it ends or a stop signal arrives (then cancel it)."""
    task = asyncio.ensure_future(main)
    waiter = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if waiter in done:
        log.info("stopping: no new input; finishing what is in flight")
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    else:
        waiter.cancel()
        task.result()


async def start_health(
    core: Core, front_ends: Callable[[], dict[str, bool]]
) -> HealthServer | None:
    """The /healthz and /metrics endpoint, when health.enabled."""
    conf = core.config.health
    if not conf.enabled:
        return None
    server = HealthServer(core, front_ends)
    await server.start(conf.host, conf.port)
    return server
