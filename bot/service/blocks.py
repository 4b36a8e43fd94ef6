"""Blocks: never be matched with someone again, in either direction."""

from __future__ import annotations

from bot.domain import commands as c
from bot.domain.errors import InvalidInput
from bot.domain.messages import Outcome, Reply
from bot.service.context import Ctx
from bot.service.identities import same_person
from bot.service.people import person_by_mention
from bot.storage.sql import identities as identities_sql
from bot.storage.sql import persons as sql


async def block(ctx: Ctx, cmd: c.Block) -> Outcome:
    other = await person_by_mention(ctx, cmd.who)
    if other.id == ctx.me.id:
        raise InvalidInput("You can't block yourself.")
    if await same_person(ctx, ctx.me.id, other.id):
        raise InvalidInput("You can't block yourself: that account is, or was, linked to yours.")
    await ctx.tx.execute(
        sql.BLOCK,
        {
            "community_id": ctx.community,
            "blocker_id": ctx.me.id,
            "blocked_id": other.id,
            "now": ctx.ts,
        },
    )
    # Private: the other person is not told; they just never meet you through the bot.
    return Outcome(
        Reply(
            f"Blocked {other.display_name}: you won't be matched with each other again, either "
            f"way. Undo with `/mentor unblock @{other.display_name}`."
        )
    )


async def unblock(ctx: Ctx, cmd: c.Unblock) -> Outcome:
    other = await person_by_mention(ctx, cmd.who)
    # Also a block made from a record this account was linked to before an unlink.
    removed = await ctx.tx.fetch_one(
        identities_sql.UNBLOCK, {"blocker_id": ctx.me.id, "blocked_id": other.id}
    )
    if removed is None:
        raise InvalidInput(f"You haven't blocked {other.display_name}.")
    return Outcome(Reply(f"Unblocked {other.display_name}."))
