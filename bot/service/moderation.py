"""Moderators' commands on requests nobody took: assign a mentor, or close with a note."""

from __future__ import annotations

import re

from bot.domain import commands as c
from bot.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.domain.messages import OutboundMessage, Outcome, Reply
from bot.domain.model import Person
from bot.service import waves
from bot.service.claim import claim_request
from bot.service.context import Ctx, address_of
from bot.service.requests import load_request
from bot.service.views import rid
from bot.storage.sql import offers as offer_sql
from bot.storage.sql import persons as person_sql
from bot.storage.sql import requests as request_sql

# @name (console), <@U123> or <@U123|name> (Slack), <@123> or <@!123> (Discord)
_MENTION = re.compile(r"^(?:<@!?([A-Za-z0-9]+)(?:\|[^>]*)?>|@?([A-Za-z0-9_.@-]{1,80}))$")

IDENTITY = """
SELECT person_id FROM identities
WHERE platform = :platform AND workspace = :workspace AND user_id = :user_id
"""


def require_moderator(ctx: Ctx) -> None:
    """Moderators are listed in the config by user id or platform role."""
    if not ctx.is_moderator:
        raise NotAllowed(
            "Only moderators can do that.",
            hint="If something needs a moderator, ask in the community's moderators channel.",
        )


async def person_by_mention(ctx: Ctx, mention: str) -> Person:
    """The person a mention names, on the actor's platform and workspace."""
    match = _MENTION.match(mention.strip())
    if not match:
        raise InvalidInput(
            f"`{mention[:40]}` is not a mention.", hint="Mention the person like `@mentor2`."
        )
    user_id = match.group(1) or match.group(2)
    person_id = await ctx.tx.fetch_val(
        IDENTITY,
        {"platform": ctx.actor.platform, "workspace": ctx.actor.workspace, "user_id": user_id},
    )
    row = (
        None
        if person_id is None
        else await ctx.tx.fetch_one(person_sql.GET_PERSON, {"id": person_id})
    )
    if row is None or row["community_id"] != ctx.community:
        raise NotFound(
            f"I don't know {mention[:40]} yet.",
            hint="They need to use micromentor once (any `/mentor` command) first.",
        )
    return Person.from_row(row)


async def assign(ctx: Ctx, cmd: c.ModAssign) -> Outcome:
    require_moderator(ctx)
    req = await load_request(ctx, cmd.request)
    mentor = await person_by_mention(ctx, cmd.mentor)
    r = rid(req.id)
    if req.state != "open":
        raise Conflict(f"{r} is {req.state}, so it can't be assigned.")
    if mentor.id == req.requester_id:
        raise InvalidInput(f"{mentor.display_name} asked {r}; assign someone else.")
    skills = await ctx.tx.fetch(person_sql.SKILLS_OF, {"person_id": mentor.id})
    lacking = not {row["skill"] for row in skills} & set(req.skills)
    session, messages, invite = await claim_request(
        ctx, req, mentor.id, mentor.display_name, assigned_by=f"a moderator ({ctx.me.display_name})"
    )
    address = await address_of(ctx.tx, mentor.id)
    if address is not None:
        messages.append(
            OutboundMessage(
                to=address,
                text=(
                    f"A moderator ({ctx.me.display_name}) assigned you {r}: session "
                    f"s{session.id} with {req.requester_name}. Question: {req.question}"
                ),
                files=(invite,) if invite else (),
            )
        )
    # Moderators may know better than the tags, so a missing skill is a note, not a refusal.
    note = f" Note: {mentor.display_name} doesn't list {', '.join(req.skills)}." if lacking else ""
    return Outcome(
        Reply(f"Assigned {r} to {mentor.display_name}: session s{session.id}.{note}"), messages
    )


async def close(ctx: Ctx, cmd: c.ModClose) -> Outcome:
    require_moderator(ctx)
    req = await load_request(ctx, cmd.request)
    r = rid(req.id)
    note = cmd.note.strip()
    if not note or len(note) > 1000:
        raise InvalidInput(
            "Give the member a short note (up to 1000 characters).",
            hint=f"`/mentor mod close {r} -- Please ask again next week.`",
        )
    if req.state != "open":
        raise Conflict(f"{r} is {req.state}; only open requests can be closed.")
    messages = await waves.pending_offer_updates(ctx, req, f"{r} was closed by a moderator.")
    messages += await waves.channel_updates(
        ctx, req, f"{r} was closed by {ctx.me.display_name}: {note}"
    )
    await ctx.tx.execute(
        offer_sql.SETTLE,
        {"request_id": req.id, "winner": None, "state": "withdrawn", "now": ctx.ts},
    )
    closed = await ctx.tx.fetch_one(request_sql.CLOSE, {"id": req.id, "now": ctx.ts, "note": note})
    if closed is None:
        raise Conflict(f"{r} was just taken, so it stays open for its mentor.")
    member = await address_of(ctx.tx, req.requester_id)
    if member is not None:
        messages.append(
            OutboundMessage(
                to=member,
                text=f"A moderator closed your request {r}: {note}",
                key=f"request:{req.id}",
            )
        )
    return Outcome(Reply(f"Closed {r}; the member has your note."), messages)
