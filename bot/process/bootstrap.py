"""Wiring: config, clock, RNG, store and notifier into a running core. No I/O at import."""

from __future__ import annotations

import random
from dataclasses import dataclass

from bot.clock import Clock, SystemClock, epoch
from bot.config import Config
from bot.domain.skills import Taxonomy
from bot.service import privacy, settings
from bot.service.bus import MessageBus
from bot.service.context import Deps, Scope
from bot.service.delivery import Dispatcher
from bot.service.notifier import Notifier
from bot.service.platform_store import PlatformStore
from bot.service.sweep import Sweep
from bot.storage import Database, open_database
from bot.storage.sql import persons as person_sql


@dataclass
class Core:
    """A running core: what front ends talk to."""

    config: Config
    db: Database
    deps: Deps
    bus: MessageBus
    sweep: Sweep
    dispatcher: Dispatcher

    @property
    def clock(self) -> Clock:
        """The core's clock, for front ends' own timestamps (an OAuth state's expiry)."""
        return self.deps.clock

    def platform_store(self, platform: str) -> PlatformStore:
        """A front end's own records (where its messages went, its DM channels) in the store."""
        return PlatformStore(self.db, platform, self.deps.clock)

    async def close(self) -> None:
        """Finish sending what was committed, then release the store."""
        await self.dispatcher.drain()
        await self.db.close()


def taxonomies(config: Config) -> dict[str, Taxonomy]:
    """Each community's taxonomy: the default one plus its own skills."""
    return {key: Taxonomy.default(c.skills) for key, c in config.communities.items()}


async def start_core(
    config: Config,
    notifier: Notifier,
    *,
    clock: Clock | None = None,
    rng: random.Random | None = None,
    db: Database | None = None,
) -> Core:
    """Open (and migrate) the store, record the communities, and build the bus."""
    clock = clock or SystemClock()
    deps = Deps(
        # SystemRandom by default: the RNG also makes call-room tokens nobody should guess
        config=config,
        clock=clock,
        rng=rng or random.SystemRandom(),
        taxonomies=taxonomies(config),
    )
    database = db or await open_database(config.storage_url())
    try:
        async with database.transaction() as tx:
            for key, community in config.communities.items():
                await tx.execute(
                    person_sql.UPSERT_COMMUNITY,
                    {"id": key, "name": community.name, "now": epoch(clock.now())},
                )
    except BaseException:
        if db is None:
            await database.close()
        raise
    await settings.load(database, deps)
    async with database.transaction() as tx:
        for key in config.communities:
            await privacy.ensure_retention_job(Scope(deps, tx, clock.now(), key))
    dispatcher = Dispatcher(database, notifier, clock)
    bus = MessageBus(deps, database, dispatcher)
    sweep = Sweep(deps, database, dispatcher)
    bus.on_scheduled = sweep.scheduled
    return Core(config=config, db=database, deps=deps, bus=bus, sweep=sweep, dispatcher=dispatcher)
