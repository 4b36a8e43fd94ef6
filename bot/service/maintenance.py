"""Periodic upkeep: keep weekly hours right when a time zone changes its UTC offset."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.clock import epoch
from bot.domain.timeparse import weekly_windows_utc, zone_offset_minutes
from bot.service.delivery import KEEP as OUTBOX_KEEP
from bot.storage.database import Database
from bot.storage.sql import persons as person_sql
from bot.storage.sql import platform as platform_sql

log = logging.getLogger(__name__)


async def recompute_windows(db: Database, now: datetime) -> int:
    """Recompute the UTC windows of everyone whose zone's offset changed (daylight saving).

    Weekly hours are typed in local time but looked up as UTC ranges; when a zone moves its
    clocks, the ranges of the people in it move too. Returns how many people were updated.
    """
    async with db.transaction() as tx:
        pairs = await tx.fetch(person_sql.HOURS_ZONES)
    updated = 0
    for pair in pairs:
        try:
            zone = ZoneInfo(pair["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("unknown time zone %r in the store", pair["timezone"])
            continue
        offset = zone_offset_minutes(zone, now)
        if offset == int(pair["hours_offset"]):
            continue
        async with db.transaction() as tx:
            people = await tx.fetch(
                person_sql.STALE_HOURS,
                {"timezone": pair["timezone"], "offset": pair["hours_offset"]},
            )
            for person in people:
                spec = json.loads(person["hours_spec"])
                hours = {d: [(int(a), int(b)) for a, b in spans] for d, spans in spec.items()}
                await tx.execute(person_sql.CLEAR_WINDOWS, {"person_id": person["id"]})
                for start, end in weekly_windows_utc(hours, zone, now):
                    await tx.execute(
                        person_sql.ADD_WINDOW,
                        {
                            "person_id": person["id"],
                            "community_id": person["community_id"],
                            "start_minute": start,
                            "end_minute": end,
                        },
                    )
                await tx.execute(
                    person_sql.SET_HOURS_OFFSET, {"id": person["id"], "offset": offset}
                )
                updated += 1
    if updated:
        log.info("recomputed weekly hours of %d people after a time zone offset change", updated)
    return updated


# Platforms retry within minutes; two days is far beyond any retry we could still receive.
DELIVERY_MEMORY = 2 * 24 * 3600


async def prune_deliveries(db: Database, now: datetime) -> None:
    """Forget inbound delivery ids too old to be retried."""
    async with db.transaction() as tx:
        await tx.execute(
            platform_sql.PRUNE_DELIVERIES, {"before": int(now.timestamp()) - DELIVERY_MEMORY}
        )


async def prune_outbox(db: Database, now: datetime) -> None:
    """Give up on messages a day old that no process could send (see delivery.KEEP)."""
    async with db.transaction() as tx:
        await tx.execute(platform_sql.PRUNE_OUTBOX, {"before": epoch(now - OUTBOX_KEEP)})


async def refresh_rotations(db: Database, now: datetime) -> None:
    """Routing's rotation, caught up with time: behind everyone go the mentors who can no
    longer be available (their "available" time ran out and they have no weekly hours), and
    back in any who can be but were left out; see persons.REFRESH_ROTATION."""
    params = {"now": epoch(now), "out": person_sql.OUT_OF_ROTATION}
    async with db.transaction() as tx:
        await tx.execute(person_sql.ROTATE_OUT_LAPSED, params)
        await tx.execute(person_sql.ROTATE_IN_AVAILABLE, params)
