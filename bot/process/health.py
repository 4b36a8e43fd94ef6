"""The optional HTTP endpoint: /healthz (database, front ends, timers) and /metrics."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import timedelta

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot import metrics
from bot.clock import wall_now
from bot.process.bootstrap import Core
from bot.storage.sql import requests as request_sql

log = logging.getLogger(__name__)

# The sweep must have looked at its queue within this long to count as running.
SWEEP_STALE = timedelta(minutes=5)


class HealthServer:
    """`front_ends` reports each front end's connection (name -> connected?)."""

    def __init__(self, core: Core, front_ends: Callable[[], dict[str, bool]]) -> None:
        self.core = core
        self.front_ends = front_ends
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/metrics", self.metrics)
        return app

    async def start(self, host: str, port: int) -> None:
        self._runner = web.AppRunner(self.app())
        await self._runner.setup()
        await web.TCPSite(self._runner, host=host, port=port).start()
        log.info("health endpoint on http://%s:%d/healthz and /metrics", host, port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def healthz(self, request: web.Request) -> web.Response:
        database = True
        try:
            async with self.core.db.transaction() as tx:
                await tx.fetch_val(request_sql.ALIVE)
        except Exception as exc:  # the point is to report it, not to raise
            database = False
            log.warning("health check: database unreachable: %s", type(exc).__name__)
        front_ends = self.front_ends()
        last = self.core.sweep.last_looked
        timers = last is not None and wall_now() - last < SWEEP_STALE
        healthy = database and all(front_ends.values()) and timers
        checks = {"database": database, "front_ends": front_ends, "timers": timers}
        return web.Response(
            text=json.dumps({"ok": healthy, **checks}),
            status=200 if healthy else 503,
            content_type="application/json",
        )

    async def metrics(self, request: web.Request) -> web.Response:
        try:
            async with self.core.db.transaction() as tx:
                rows = await tx.fetch(request_sql.STATE_COUNTS)
            metrics.REQUESTS.clear()  # a state that dropped to zero must not keep its count
            for row in rows:
                metrics.REQUESTS.labels(str(row["state"])).set(int(row["n"]))
        except Exception:
            log.warning("metrics: could not count requests")
        return web.Response(
            body=generate_latest(metrics.REGISTRY),
            headers={"Content-Type": CONTENT_TYPE_LATEST},
        )
