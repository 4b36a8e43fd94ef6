"""Handlers for mentors answering offers: accept (first wins, exactly once) and decline."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.domain import commands as c
from bot.domain.errors import Conflict, InvalidInput, LimitReached, NotAllowed, NotFound
from bot.domain.messages import OutboundMessage, Outcome, Reply
from bot.domain.model import HelpRequest
from bot.service.context import Ctx, address_of
from bot.service.profile import my_skills
from bot.service.requests import load_request
from bot.service.views import rid, session_when, sid
from bot.storage.sql import offers as sql
from bot.storage.sql import persons as person_sql
from bot.storage.sql import requests as request_sql
from bot.storage.sql import sessions as session_sql

WEEK = timedelta(days=7)


async def _offered_request(ctx: Ctx, raw_id: str | None, verb: str) -> HelpRequest:
    """The request named, or the only one the mentor holds an offer for."""
    if raw_id is not None:
        return await load_request(ctx, raw_id)
    rows = await ctx.tx.fetch(sql.PENDING_OF_MENTOR, {"mentor_id": ctx.me.id})
    if not rows:
        raise NotFound(
            "You have no offer waiting.",
            hint=f"Name a request (`/mentor {verb} r12`), or browse with `/mentor open`.",
        )
    if len(rows) > 1:
        ids = ", ".join(rid(r["request_id"]) for r in rows)
        raise InvalidInput(
            f"You have several offers ({ids}).",
            hint=f"Say which: `/mentor {verb} {rid(rows[0]['request_id'])}`.",
        )
    return await load_request(ctx, int(rows[0]["request_id"]))


def _closed(req: HelpRequest) -> Conflict:
    if req.state == "matched":
        return Conflict(
            f"Thank you! {rid(req.id)} was already taken by another mentor.",
            hint="Other open requests: `/mentor open`.",
        )
    return Conflict(f"{rid(req.id)} is {req.state}; there is nothing to accept any more.")


async def accept(ctx: Ctx, cmd: c.AcceptOffer) -> Outcome:
    req = await _offered_request(ctx, cmd.request, "accept")
    if req.requester_id == ctx.me.id:
        raise NotAllowed(
            f"{rid(req.id)} is your own request; a mentor has to take it.",
            hint="To withdraw it, type `/mentor cancel`.",
        )
    offer = await ctx.tx.fetch_one(sql.ANY_FOR, {"request_id": req.id, "mentor_id": ctx.me.id})
    if req.state != "open":
        existing = await ctx.tx.fetch_one(session_sql.FOR_REQUEST, {"request_id": req.id})
        if offer is not None and offer["state"] == "accepted" and existing is not None:
            raise Conflict(f"You already have {rid(req.id)}: it is session {sid(existing['id'])}.")
        raise _closed(req)
    if offer is None or offer["state"] != "pending":
        skills = set(await my_skills(ctx))
        if not skills & set(req.skills):
            raise NotAllowed(
                f"{rid(req.id)} needs {', '.join(req.skills)}, which isn't among your skills.",
                hint="Add a skill with `/mentor skills add <skill>` if you can help with it.",
            )
    limits = await ctx.tx.fetch_one(person_sql.LOCK_PERSON, {"id": ctx.me.id, "now": ctx.ts})
    load = await ctx.tx.fetch_one(
        person_sql.MENTOR_LOAD, {"person_id": ctx.me.id, "week_ago": ctx.ago(WEEK)}
    )
    assert limits is not None and load is not None
    if int(load["active"]) >= int(limits["capacity_concurrent"]):
        raise LimitReached(
            f"You already have {load['active']} session(s) coming up or running, your limit.",
            hint="Finish one first, or raise it: `/mentor profile capacity <at once> <per week>`.",
        )
    if int(load["this_week"]) >= int(limits["capacity_weekly"]):
        raise LimitReached(
            f"You've taken {load['this_week']} session(s) in the last 7 days, your weekly limit.",
            hint="Thank you! Raise it with `/mentor profile capacity <at once> <per week>`.",
        )
    claimed = await ctx.tx.fetch_one(request_sql.CLAIM, {"id": req.id, "now": ctx.ts})
    if claimed is None:
        raise _closed(await load_request(ctx, req.id))
    start_at = req.start_at if req.start_at is not None else ctx.ts
    session_id = int(
        await ctx.tx.fetch_val(
            session_sql.INSERT,
            {
                "community_id": ctx.community,
                "request_id": req.id,
                "mentee_id": req.requester_id,
                "start_at": start_at,
                "minutes": req.minutes,
                "now": ctx.ts,
            },
        )
    )
    for person_id, role in ((req.requester_id, "mentee"), (ctx.me.id, "mentor")):
        await ctx.tx.execute(
            session_sql.ADD_PARTICIPANT,
            {"session_id": session_id, "person_id": person_id, "role": role},
        )
    settled = await ctx.tx.fetch(
        sql.SETTLE, {"request_id": req.id, "winner": ctx.me.id, "state": "taken", "now": ctx.ts}
    )
    if not any(int(row["mentor_id"]) == ctx.me.id for row in settled):
        await ctx.tx.execute(
            sql.RECORD_DIRECT_ACCEPT,
            {
                "community_id": ctx.community,
                "request_id": req.id,
                "mentor_id": ctx.me.id,
                "now": ctx.ts,
            },
        )
    r, s = rid(req.id), sid(session_id)
    messages: list[OutboundMessage] = []
    for row in settled:
        address = await address_of(ctx.tx, int(row["mentor_id"]))
        if address is None:
            continue
        text = (
            f"You accepted {r}: session {s} with {req.requester_name}."
            if row["state"] == "accepted"
            else f"{r} was taken by another mentor. Thanks for being available!"
        )
        messages.append(
            OutboundMessage(to=address, text=text, key=f"offer:{row['id']}", update=True)
        )
    mentee = await address_of(ctx.tx, req.requester_id)
    if mentee is not None:
        mentee_zone = await ctx.tx.fetch_one(person_sql.GET_PERSON, {"id": req.requester_id})
        zone = ZoneInfo(mentee_zone["timezone"]) if mentee_zone else ctx.zone
        messages.append(
            OutboundMessage(
                to=mentee,
                text=(
                    f"Good news: {ctx.me.display_name} accepted your request {r}. Session {s}, "
                    f"{req.minutes} min, {session_when(req.start_at, zone)}."
                ),
                key=f"request:{req.id}",
            )
        )
    reply = (
        f"It's yours: {r} is now session {s} with {req.requester_name}, {req.minutes} min, "
        f"{session_when(req.start_at, ctx.zone)}. Question: {req.question}"
    )
    return Outcome(Reply(reply), messages)


async def decline(ctx: Ctx, cmd: c.DeclineOffer) -> Outcome:
    req = await _offered_request(ctx, cmd.request, "decline")
    done = await ctx.tx.fetch_one(
        sql.DECLINE, {"request_id": req.id, "mentor_id": ctx.me.id, "now": ctx.ts}
    )
    if done is None:
        offer = await ctx.tx.fetch_one(sql.ANY_FOR, {"request_id": req.id, "mentor_id": ctx.me.id})
        if offer is None:
            raise NotFound(f"You have no offer for {rid(req.id)}, so there is nothing to decline.")
        raise Conflict(f"Your offer for {rid(req.id)} is already {offer['state']}.")
    messages: list[OutboundMessage] = []
    address = await address_of(ctx.tx, ctx.me.id)
    if address is not None:
        messages.append(
            OutboundMessage(
                to=address,
                text=f"You declined {rid(req.id)}.",
                key=f"offer:{done['id']}",
                update=True,
            )
        )
    return Outcome(Reply(f"Declined {rid(req.id)}. Thanks for saying so quickly!"), messages)
