"""Running several front ends in one process on one core (Slack and Discord together)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from adapters.discord.app import DiscordFrontEnd
from adapters.slack.app import EVENTS_PATH, SlackFrontEnd
from bot.config import Config
from bot.process.bootstrap import start_core
from bot.process.runtime import start_health, stop_event, until_stopped
from bot.process.scheduling import SweepScheduler
from bot.service.notifier import FanOutNotifier, Notifier


async def serve(config: Config, names: list[str]) -> int:
    """One core, one sweep; every named front end shares them."""
    # Build (and so check the tokens of) every front end before opening anything.
    slack = SlackFrontEnd(config) if "slack" in names else None
    discord_front = DiscordFrontEnd(config) if "discord" in names else None
    notifiers: list[Notifier] = [f.notifier for f in (slack, discord_front) if f is not None]
    core = await start_core(config, FanOutNotifier(notifiers))
    if discord_front is not None:
        discord_front.core = core
    waker = SweepScheduler(core.sweep)
    await waker.start()
    stop = stop_event()
    tasks = []
    runner: web.AppRunner | None = None
    socket: Any = None

    def connected() -> dict[str, bool]:
        states: dict[str, bool] = {}
        if slack is not None:
            states["slack"] = bool(socket.client.is_connected()) if socket else runner is not None
        if discord_front is not None:
            states["discord"] = discord_front.client.is_ready()
        return states

    health = await start_health(core, connected)
    try:
        if slack is not None:
            await slack.start(core)
            if config.slack.mode == "socket":
                socket = slack.socket_handler()
                tasks.append(asyncio.create_task(socket.start_async()))
            else:
                runner = web.AppRunner(slack.web_app())
                await runner.setup()
                site = web.TCPSite(runner, host="0.0.0.0", port=config.slack.port)
                await site.start()
                print(f"Slack HTTP mode on :{config.slack.port}{EVENTS_PATH}")
        if discord_front is not None:
            tasks.append(asyncio.create_task(discord_front.start()))
        await until_stopped(asyncio.gather(*tasks) if tasks else stop.wait(), stop)
    finally:
        # Stop taking input, finish deliveries, close the platforms and the store.
        if socket is not None:
            await socket.close_async()
        if health is not None:
            await health.stop()
        waker.stop()
        if runner is not None:
            await runner.cleanup()
        if discord_front is not None:
            await discord_front.notifier.drain()
            await discord_front.client.close()
        if slack is not None:
            await slack.close()  # its deliveries and HTTP session; the core is closed below
        await core.close()
    return 0
