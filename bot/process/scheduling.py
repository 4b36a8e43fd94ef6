"""Waking the due-action sweep with APScheduler: at the earliest due_at, and on a poll.

Only the wake-ups are APScheduler jobs (two of them, whatever the number of timers); the
timers themselves are rows in the database, so nothing needs rebuilding at start and any
number of processes can share them (see bot/service/sweep.py).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import from_epoch, wall_now
from bot.service import settings
from bot.service.maintenance import (
    prune_deliveries,
    prune_outbox,
    recompute_windows,
    refresh_rotations,
)
from bot.service.sweep import Sweep

log = logging.getLogger(__name__)

WAKE_JOB = "sweep-wake"
POLL_JOB = "sweep-poll"
UPKEEP_JOB = "hours-upkeep"


class SweepScheduler:
    """Runs the sweep at the next due time, and every `poll` in case another process wrote
    an earlier row."""

    def __init__(self, sweep: Sweep, poll: timedelta = timedelta(seconds=30)) -> None:
        self.sweep = sweep
        self.poll = poll
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._armed: datetime | None = None

    async def start(self) -> None:
        """Catch up on anything overdue, then keep the sweep going (call inside the loop)."""
        self._scheduler.add_job(
            self.poll_once,
            "interval",
            seconds=self.poll.total_seconds(),
            id=POLL_JOB,
            coalesce=True,
            max_instances=1,
        )
        self._scheduler.add_job(
            self.upkeep,
            "interval",
            hours=1,
            id=UPKEEP_JOB,
            coalesce=True,
            max_instances=1,
        )
        self._scheduler.start()
        self.sweep.on_scheduled = self.wake_at
        await self.upkeep()
        await self._tick()
        await self.send_unsent()

    def stop(self) -> None:
        """Stop waking the sweep (running actions finish on their own)."""
        self.sweep.on_scheduled = None
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def wake_at(self, due_at: int) -> None:
        """Make sure the sweep runs no later than `due_at`."""
        when = max(from_epoch(due_at), wall_now())
        if self._armed is not None and self._armed <= when and self._armed > wall_now():
            return
        self._armed = when
        self._scheduler.add_job(
            self._tick,
            "date",
            run_date=when,
            id=WAKE_JOB,
            replace_existing=True,
            misfire_grace_time=None,
        )

    async def upkeep(self) -> None:
        """The hourly upkeep: windows, delivery records, rotations (also at start)."""
        now = self.sweep.deps.clock.now()
        # Each step on its own: one failing doesn't hold the others back for an hour.
        for step in (recompute_windows, prune_deliveries, prune_outbox, refresh_rotations):
            try:
                await step(self.sweep.db, now)
            except Exception:
                log.exception(
                    "the hourly upkeep's %s failed; it will try again in an hour", step.__name__
                )

    async def poll_once(self) -> None:
        """The regular poll: settings another process changed, then the sweep."""
        try:
            changed = await settings.reload_if_changed(self.sweep.db, self.sweep.deps)
        except Exception:
            log.exception("reading the communities' settings failed; they will be read again")
        else:
            if changed:
                log.info("settings changed elsewhere; read again for %s", ", ".join(changed))
        await self._tick()
        await self.send_unsent()

    async def send_unsent(self) -> None:
        """Messages a stopped process committed but didn't send (at start, and each poll)."""
        try:
            await self.sweep.dispatcher.send_unsent()
        except Exception:
            log.exception("sending what stopped processes left unsent failed; next poll")

    async def _tick(self) -> None:
        try:
            await self.sweep.run_due()
            upcoming = await self.sweep.next_due()
        except Exception:
            log.exception("the due-action sweep failed; it will try again")
            return
        self._armed = None
        if upcoming is not None:
            self.wake_at(int(upcoming.timestamp()))
