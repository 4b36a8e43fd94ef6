"""What every handler gets: dependencies, the open transaction, and who is acting."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock, epoch
from bot.config import Config
from bot.domain.errors import NotConfigured
from bot.domain.messages import Actor, PersonAddress
from bot.domain.model import Person
from bot.domain.skills import Taxonomy
from bot.storage.database import Transaction
from bot.storage.sql import identities as identities_sql
from bot.storage.sql import persons as sql

# Writing last_seen on every command costs a statement; a minute's precision is plenty
# for "offer on the platform they used last".
TOUCH_EVERY = 60


@dataclass
class Deps:
    """Long-lived dependencies, wired once in bootstrap."""

    config: Config
    clock: Clock
    rng: random.Random
    taxonomies: dict[str, Taxonomy]
    # Each community's config with the moderators' run-time settings applied, and the
    # version of those settings it was read at (settings.reload_if_changed).
    community_configs: dict[str, Config] = field(default_factory=dict)
    settings_versions: dict[str, int] = field(default_factory=dict)

    def taxonomy(self, community_id: str) -> Taxonomy:
        """The community's skills and aliases."""
        return self.taxonomies[community_id]


@dataclass
class Scope:
    """One transaction's world: what a due action (no person acting) also has."""

    deps: Deps
    tx: Transaction
    now: datetime
    community: str
    # due_at of every action scheduled in this transaction, to re-arm the sweep after commit
    scheduled: list[int] = field(default_factory=list)
    # what changes the process's own state once the transaction has committed (and never if
    # it rolls back): a settings change, say
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    # where each person was found, for the rest of the transaction: one command's messages
    # name the same people many times (an accept edits every offer of the request)
    addresses: dict[int, PersonAddress | None] = field(default_factory=dict)

    async def prefetch_addresses(self, person_ids: list[int]) -> None:
        """Where each of these people is reached (the identity each used last), in one
        query for all of them (a wave's mentors), kept for the rest of the transaction."""
        missing = [p for p in person_ids if p not in self.addresses]
        if not missing:
            return
        query, params = sql.addresses_of(missing)
        latest: dict[int, tuple[int, PersonAddress]] = {}
        for row in await self.tx.fetch(query, params):
            person, seen = int(row["person_id"]), int(row["last_seen_at"])
            if person not in latest or seen > latest[person][0]:
                address = PersonAddress(row["platform"], row["workspace"], row["user_id"])
                latest[person] = (seen, address)
        for person in missing:
            found = latest.get(person)
            self.addresses[person] = found[1] if found else None

    async def address(self, person_id: int) -> PersonAddress | None:
        """Where to reach a person: the platform identity they used last."""
        await self.prefetch_addresses([person_id])
        return self.addresses[person_id]

    @property
    def ts(self) -> int:
        """Now, as stored."""
        return epoch(self.now)

    @property
    def config(self) -> Config:
        """The community's effective settings (file defaults + moderators' changes)."""
        return self.deps.community_configs.get(self.community, self.deps.config)

    def ago(self, delta: timedelta) -> int:
        """A stored timestamp `delta` before now."""
        return epoch(self.now - delta)

    def after(self, delta: timedelta, base: int | None = None) -> int:
        """A stored timestamp `delta` after `base` (default now)."""
        return (self.ts if base is None else base) + int(delta.total_seconds())


@dataclass
class Ctx(Scope):
    """One command's world: a Scope plus the person acting."""

    actor: Actor = field(kw_only=True)
    me: Person = field(kw_only=True)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.me.timezone)

    @property
    def is_moderator(self) -> bool:
        """Listed as a moderator in the config, by user id or by a platform role."""
        community = self.config.communities[self.community]
        if f"{self.actor.platform}:{self.actor.user_id}" in community.moderators:
            return True
        return any(
            f"{self.actor.platform}:{role}" in community.moderator_roles
            for role in self.actor.roles
        )


def identity_hash(platform: str, workspace: str, user_id: str) -> str:
    """The one-way key a forgotten identity's sanction is remembered by (see privacy.py)."""
    return identities_sql.identity_key(platform, workspace, user_id)


class NeedsWrite(Exception):
    """A read-only transaction found something to write (a newcomer, a new name): the
    command runs again in a write transaction."""


async def resolve_person(
    tx: Transaction, deps: Deps, actor: Actor, now: datetime, *, read_only: bool = False
) -> Person:
    """The person behind a platform identity, created on first contact.

    An actor with an empty display name (a platform event that carries only a user id)
    leaves the stored names as they are; a newcomer is named by their user id until a
    command brings their name. In a read-only transaction, what would be written raises
    NeedsWrite instead.
    """
    community_id = deps.config.community_for(actor.platform, actor.workspace)
    if community_id is None:
        raise NotConfigured(
            "This workspace isn't connected to a micromentor community yet.",
            hint="Ask whoever runs the bot to add it to the configuration.",
        )
    ts = epoch(now)
    given = actor.display_name.strip()[:80]
    name = given or actor.user_id[:80]
    key = {"platform": actor.platform, "workspace": actor.workspace, "user_id": actor.user_id}
    row = await tx.fetch_one(sql.FIND_BY_IDENTITY, key)
    if row is not None:
        renamed = bool(given) and row["identity_name"] != given
        if renamed or ts - int(row["last_seen_at"]) >= TOUCH_EVERY:
            if read_only:
                raise NeedsWrite
            identity_name = given or str(row["identity_name"])
            person_name = given or str(row["display_name"])
            await tx.execute(sql.TOUCH_IDENTITY, {**key, "now": ts, "display_name": identity_name})
            await tx.execute(
                sql.TOUCH_PERSON, {"id": row["id"], "now": ts, "display_name": person_name}
            )
        return Person.from_row(row)
    if read_only:
        raise NeedsWrite
    mentors = deps.config.mentors
    person_id = await tx.fetch_val(
        sql.INSERT_PERSON,
        {
            "community_id": community_id,
            "display_name": name,
            "timezone": mentors.default_timezone,
            "capacity_concurrent": mentors.default_concurrent,
            "capacity_weekly": mentors.default_per_week,
            "now": ts,
        },
    )
    await tx.execute(
        sql.INSERT_IDENTITY,
        {
            **key,
            "person_id": person_id,
            "community_id": community_id,
            "display_name": name,
            "now": ts,
        },
    )
    account = identity_hash(actor.platform, actor.workspace, actor.user_id)
    await tx.execute(
        identities_sql.OPEN,
        {
            "community_id": community_id,
            "identity_key": account,
            "platform": actor.platform,
            "person_id": person_id,
            "now": ts,
        },
    )
    # A forgotten account coming back is still the person it was (identity_history).
    inherited = await tx.fetch_val(
        sql.RETURNING_SUSPENSION, {"id": person_id, "key": account, "now": ts}
    )
    if inherited is not None:
        await tx.execute(sql.SET_SUSPENDED_UNTIL, {"until": inherited, "id": person_id})
    created = await tx.fetch_one(sql.GET_PERSON, {"id": person_id})
    assert created is not None
    return Person.from_row(created)
