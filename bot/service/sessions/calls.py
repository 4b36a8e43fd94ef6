"""Where a mentor's sessions meet: their own call link, or the session's space."""

from __future__ import annotations

from bot.domain import commands as c
from bot.domain.messages import Outcome, Reply
from bot.service.context import Ctx
from bot.storage.sql import persons as person_sql


async def set_call_link(ctx: Ctx, cmd: c.SetCallLink) -> Outcome:
    """`/mentor profile link`: the call link new sessions of this mentor meet at."""
    if cmd.url is None:
        await ctx.tx.execute(person_sql.SET_LINK, {"id": ctx.me.id, "link": None})
        return Outcome(Reply("Your call link is cleared; sessions meet in their own space."))
    url = cmd.url
    await ctx.tx.execute(person_sql.SET_LINK, {"id": ctx.me.id, "link": url})
    return Outcome(Reply(f"Sessions you take will meet at {url}."))
