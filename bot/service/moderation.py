"""Moderators' commands on requests nobody took: assign a mentor, or close with a note."""

from __future__ import annotations

from bot.domain import commands as c
from bot.domain.errors import Conflict, InvalidInput, NotAllowed
from bot.domain.messages import OutboundMessage, Outcome, Reply
from bot.domain.states import OfferState, PostStatus, RequestStep, require_request
from bot.service import audit, waves
from bot.service.claim import claim_request
from bot.service.context import Ctx
from bot.service.identities import related_persons
from bot.service.people import (
    blocked_between,
    person_by_mention,
    require_moderator,
    suspended_until,
)
from bot.service.post_thread import thread_note
from bot.service.requests import load_request
from bot.service.views import rid
from bot.storage.sql import offers as offer_sql
from bot.storage.sql import persons as person_sql
from bot.storage.sql import requests as request_sql


async def assign(ctx: Ctx, cmd: c.ModAssign) -> Outcome:
    require_moderator(ctx)
    req = await load_request(ctx, cmd.request)
    mentor = await person_by_mention(ctx, cmd.mentor)
    r = rid(req.id)
    require_request(RequestStep.ASSIGN, req.state, r)
    # Under any record either ever had: an unlink must not make someone a stranger to their
    # own request.
    if req.requester_id in await related_persons(ctx, ctx.me.id):
        raise NotAllowed(f"You asked {r} yourself; another moderator has to assign it.")
    if req.requester_id in await related_persons(ctx, mentor.id):
        raise InvalidInput(f"{mentor.display_name} asked {r}; assign someone else.")
    if await blocked_between(ctx, mentor.id, req.requester_id):
        raise NotAllowed(
            f"{mentor.display_name} and {req.requester_name} have blocked each other; "
            "assign someone else."
        )
    if await suspended_until(ctx, mentor.id) is not None:
        raise NotAllowed(f"{mentor.display_name} is suspended; assign someone else.")
    skills = await ctx.tx.fetch(person_sql.SKILLS_OF, {"person_id": mentor.id})
    lacking = not {row["skill"] for row in skills} & set(req.skills)
    session, messages, invite = await claim_request(
        ctx, req, mentor.id, mentor.display_name, assigned_by=f"a moderator ({ctx.me.display_name})"
    )
    address = await ctx.address(mentor.id)
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
    messages.append(
        await audit.record(
            ctx, ctx.me.id, "assign", r, f"to {mentor.display_name}, session s{session.id}"
        )
    )
    return Outcome(
        Reply(f"Assigned {r} to {mentor.display_name}: session s{session.id}.{note}"), messages
    )


async def close(ctx: Ctx, cmd: c.ModClose) -> Outcome:
    require_moderator(ctx)
    req = await load_request(ctx, cmd.request)
    r = rid(req.id)
    note = cmd.note
    require_request(RequestStep.CLOSE, req.state, r)
    messages = await waves.pending_offer_updates(ctx, req, f"{r} was closed by a moderator.")
    messages += await waves.channel_updates(
        ctx, req, f"{r} was closed by {ctx.me.display_name}: {note}"
    )
    messages += await waves.release_volunteers(
        ctx, req, f"{r} was closed by a moderator. Thanks for offering!"
    )
    await ctx.tx.execute(
        offer_sql.SETTLE,
        {"request_id": req.id, "winner": None, "state": OfferState.WITHDRAWN, "now": ctx.ts},
    )
    closed = await ctx.tx.fetch_one(request_sql.CLOSE, {"id": req.id, "now": ctx.ts, "note": note})
    if closed is None:
        raise Conflict(f"{r} was just taken, so it stays open for its mentor.")
    member = await ctx.address(req.requester_id)
    if member is not None:
        messages.append(
            OutboundMessage(
                to=member,
                text=f"A moderator closed your request {r}: {note}",
                key=f"request:{req.id}",
            )
        )
    messages += await thread_note(
        ctx, req.id, f"A moderator closed {r}: {note}", PostStatus.CLOSED, PostStatus.OPEN
    )
    messages.append(await audit.record(ctx, ctx.me.id, "close", r, note))
    return Outcome(Reply(f"Closed {r}; the member has your note."), messages)
