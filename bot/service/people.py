"""Looking people up by mention, and what stands between two people (blocks, suspensions)."""

from __future__ import annotations

import re

from bot.clock import from_epoch
from bot.domain.errors import InvalidInput, NotAllowed, NotFound
from bot.domain.model import Person
from bot.domain.timeparse import format_local
from bot.service.context import Ctx, Scope
from bot.storage.sql import identities as identities_sql
from bot.storage.sql import persons as sql

# @name (console), <@U123> or <@U123|name> (Slack), <@123> or <@!123> (Discord)
_MENTION = re.compile(r"^(?:<@!?([A-Za-z0-9]+)(?:\|[^>]*)?>|@?([A-Za-z0-9_.@-]{1,80}))$")


async def person_by_mention(ctx: Ctx, mention: str) -> Person:
    """The person a mention names, on the actor's platform and workspace."""
    match = _MENTION.match(mention.strip())
    if not match:
        raise InvalidInput(
            f"`{mention[:40]}` is not a mention.", hint="Mention the person like `@mentor2`."
        )
    user_id = match.group(1) or match.group(2)
    person_id = await ctx.tx.fetch_val(
        sql.PERSON_OF_IDENTITY,
        {"platform": ctx.actor.platform, "workspace": ctx.actor.workspace, "user_id": user_id},
    )
    row = None if person_id is None else await ctx.tx.fetch_one(sql.GET_PERSON, {"id": person_id})
    if row is None or row["community_id"] != ctx.community:
        raise NotFound(
            f"I don't know {mention[:40]} yet.",
            hint="They need to use micromentor once (any `/mentor` command) first.",
        )
    return Person.from_row(row)


async def blocked_between(scope: Scope, a: int, b: int) -> bool:
    """Whether either of the two blocked the other, under any record either ever had."""
    return await scope.tx.fetch_one(identities_sql.BLOCKED_BETWEEN, {"a": a, "b": b}) is not None


async def suspended_until(scope: Scope, person_id: int) -> int | None:
    """The end of a running suspension, if any."""
    until = await scope.tx.fetch_val(sql.SUSPENDED_UNTIL, {"id": person_id})
    return int(until) if until is not None and int(until) > scope.ts else None


async def require_not_suspended(ctx: Ctx, what: str) -> None:
    """A suspended person can't ask, be offered, or accept until the suspension ends."""
    until = await suspended_until(ctx, ctx.me.id)
    if until is not None:
        raise NotAllowed(
            f"You are suspended until {format_local(from_epoch(until), ctx.zone)}, so you "
            f"can't {what} until then.",
            hint="If you think this is wrong, appeal the decision: `/mentor appeal <dispute> -- "
            "...`.",
        )


def require_moderator(ctx: Ctx) -> None:
    """Moderators are listed in the config by user id or platform role."""
    if not ctx.is_moderator:
        raise NotAllowed(
            "Only moderators can do that.",
            hint="If something needs a moderator, ask in the community's moderators channel.",
        )
