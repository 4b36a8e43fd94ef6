"""The due-action sweep: run every due row exactly once, whichever process gets there first."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot import metrics
from bot.clock import ManualClock, epoch, from_epoch, wall_now
from bot.domain.messages import OutboundMessage
from bot.service import choice, disputes, due, privacy, ratings, sessions, waves
from bot.service.context import Deps, Scope
from bot.service.delivery import Dispatcher
from bot.service.maintenance import recompute_windows, refresh_rotations
from bot.service.notifier import Batch
from bot.storage.database import Database, Row
from bot.storage.sql import due as sql
from bot.storage.sql import in_list

log = logging.getLogger(__name__)

DueHandler = Callable[[Scope, int, int], Awaitable[list[OutboundMessage]]]

HANDLERS: dict[due.Kind, DueHandler] = {
    due.Kind.OFFER_DEADLINE: waves.offer_deadline,
    due.Kind.NEXT_WAVE: waves.next_wave,
    due.Kind.ESCALATE_MODERATORS: waves.escalate_moderators,
    due.Kind.REQUEST_EXPIRE: waves.request_expire,
    due.Kind.SESSION_REMIND_START: sessions.remind_start,
    due.Kind.SESSION_START: sessions.start,
    due.Kind.SESSION_CHECKIN_DEADLINE: sessions.checkin_deadline,
    due.Kind.SESSION_REMIND_END: sessions.remind_end,
    due.Kind.SESSION_END: sessions.end,
    due.Kind.RATINGS_CLOSE: ratings.ratings_close,
    due.Kind.SUSPENSION_END: disputes.suspension_end,
    due.Kind.RETENTION: privacy.retention,
    due.Kind.CHOICE_DEADLINE: choice.choice_deadline,
}
BATCH = 100


def _handler(kind: str) -> DueHandler | None:
    """The handler of a stored kind; None for a kind this version doesn't know."""
    try:
        return HANDLERS.get(due.Kind(kind))
    except ValueError:
        return None


class Sweep:
    """Finds due rows, runs each as a core action in its own transaction, delivers messages.

    Claim and effect commit together (`UPDATE ... SET done_at WHERE done_at IS NULL`), so a
    second process, a second run, or a run after a crash finds the row done and skips it.
    """

    def __init__(self, deps: Deps, db: Database, dispatcher: Dispatcher) -> None:
        self.deps = deps
        self.db = db
        self.dispatcher = dispatcher
        self._lock = asyncio.Lock()
        self.last_looked: datetime | None = None  # wall clock of the last look, for /healthz
        # Called with the earliest due_at written by a command, to wake the sweep sooner.
        self.on_scheduled: Callable[[int], None] | None = None

    def _communities(self) -> tuple[str, dict[str, str]]:
        return in_list("c", list(self.deps.config.communities))

    def scheduled(self, due_ats: list[int]) -> None:
        """A transaction wrote due rows; tell whoever wakes the sweep."""
        if due_ats and self.on_scheduled is not None:
            self.on_scheduled(min(due_ats))

    async def next_due(self) -> datetime | None:
        """When the earliest pending action is due."""
        fragment, params = self._communities()
        async with self.db.transaction() as tx:
            value = await tx.fetch_val(sql.NEXT.replace("{communities}", fragment), params)
        return None if value is None else from_epoch(int(value))

    async def pending(self) -> int:
        """How many actions are still to do."""
        async with self.db.transaction() as tx:
            return int(await tx.fetch_val(sql.PENDING_COUNT))

    async def run_due(self) -> int:
        """Run everything due now; returns how many actions this call carried out."""
        ran = 0
        async with self._lock:
            self.last_looked = wall_now()
            while True:
                now = self.deps.clock.now()
                fragment, params = self._communities()
                async with self.db.transaction() as tx:
                    rows = await tx.fetch(
                        sql.DUE.replace("{communities}", fragment),
                        {**params, "now": epoch(now), "limit": BATCH},
                    )
                if not rows:
                    return ran
                for row in rows:
                    if await self._run_one(row, now):
                        ran += 1
                if len(rows) < BATCH:
                    return ran

    async def _run_one(self, row: Row, now: datetime) -> bool:
        action_id = int(row["id"])
        kind = str(row["kind"])
        handler = _handler(kind)
        batch: Batch | None = None
        written: list[int] = []
        try:
            async with self.db.transaction() as tx:
                claimed = await tx.fetch_one(sql.CLAIM, {"id": action_id, "now": epoch(now)})
                if claimed is None:
                    return False  # someone else did it
                if handler is None:
                    log.error("due action %d has unknown kind %s; skipped", action_id, kind)
                    return False
                scope = Scope(self.deps, tx, now, str(row["community_id"]))
                messages = await handler(
                    scope,
                    int(row["ref_id"]),
                    int(row["ref_version"]),
                )
                written = scope.scheduled
                if messages:
                    batch = await self.dispatcher.stage(tx, messages)
        except Exception as exc:
            metrics.DUE_ACTIONS.labels(kind, "failed").inc()
            # A failing action must not block the queue: record it as done with the error.
            log.exception("due action %d (%s) failed", action_id, kind)
            async with self.db.transaction() as tx:
                await tx.execute(
                    sql.FAILED,
                    {"id": action_id, "now": epoch(now), "error": type(exc).__name__},
                )
            return False
        metrics.DUE_ACTIONS.labels(kind, "ok").inc()
        if batch is not None:
            await self.dispatcher.send(batch)
        self.scheduled(written)
        return True

    async def advance(self, clock: ManualClock, delta: timedelta) -> int:
        """Move a manual clock forward, stopping at each due time on the way to run it.

        So an hour's jump behaves like an hour passing: a wave sent at 10:10 gets its own
        deadline at 10:20, inside the same jump.
        """
        target = clock.now() + delta
        ran = await self.run_due()
        while True:
            upcoming = await self.next_due()
            if upcoming is None or upcoming > target:
                break
            if upcoming > clock.now():
                clock.set(upcoming)
            ran += await self.run_due()
        if target > clock.now():
            clock.set(target)
        ran += await self.run_due()
        await self.dispatcher.send_unsent(clock.now())
        await recompute_windows(self.db, clock.now())
        await refresh_rotations(self.db, clock.now())
        return ran
