"""Handlers for mentors answering offers: accept (first wins, exactly once) and decline."""

from __future__ import annotations

from bot import metrics
from bot.domain import commands as c
from bot.domain.errors import Conflict, InvalidInput, MicromentorError, NotAllowed, NotFound
from bot.domain.messages import Action, OutboundMessage, Outcome, Reply
from bot.domain.model import HelpRequest
from bot.domain.states import OfferState, RequestStep, require_request
from bot.service import choice, waves
from bot.service.claim import claim_request, closed_error, joinable
from bot.service.context import Ctx
from bot.service.identities import same_person
from bot.service.people import blocked_between, require_not_suspended, suspended_until
from bot.service.profile import my_skills
from bot.service.requests import load_request
from bot.service.views import clip, one_line, rid, session_when, sid
from bot.storage.sql import in_list
from bot.storage.sql import offers as sql
from bot.storage.sql import persons as person_sql
from bot.storage.sql import requests as request_sql
from bot.storage.sql import sessions as session_sql


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


async def check_can_accept(ctx: Ctx, req: HelpRequest) -> None:
    """Refuse if this mentor can't take this request now: one rule for `/mentor accept` and
    for the Accept buttons `/mentor open` shows."""
    # Also from a record this account was linked to, before or after an unlink.
    if await same_person(ctx, ctx.me.id, req.requester_id):
        raise NotAllowed(
            f"{rid(req.id)} is your own request; a mentor has to take it.",
            hint="To withdraw it, type `/mentor cancel`.",
        )
    offer = await ctx.tx.fetch_one(sql.ANY_FOR, {"request_id": req.id, "mentor_id": ctx.me.id})
    if offer is not None and offer["state"] == OfferState.ACCEPTED:
        existing = await ctx.tx.fetch_one(session_sql.FOR_REQUEST, {"request_id": req.id})
        if existing is not None:
            raise Conflict(f"You already have {rid(req.id)}: it is session {sid(existing['id'])}.")
        raise Conflict(
            f"You had {rid(req.id)} before and it went back to other mentors.",
            hint="Other open requests: `/mentor open`.",
        )
    require_request(RequestStep.ACCEPT, req.state, rid(req.id))
    if not joinable(req):
        raise closed_error(req)
    if await blocked_between(ctx, ctx.me.id, req.requester_id):
        raise NotAllowed(
            f"{rid(req.id)} isn't available to you.", hint="Other requests: `/mentor open`."
        )
    await require_not_suspended(ctx, "accept requests")
    if offer is None or offer["state"] != OfferState.PENDING:
        skills = set(await my_skills(ctx))
        if not skills & set(req.skills):
            raise NotAllowed(
                f"{rid(req.id)} needs {', '.join(req.skills)}, which isn't among your skills.",
                hint="Add a skill with `/mentor skills add <skill>` if you can help with it.",
            )


async def accept(ctx: Ctx, cmd: c.AcceptOffer) -> Outcome:
    req = await _offered_request(ctx, cmd.request, "accept")
    await check_can_accept(ctx, req)
    if choice.choosing(req):
        # the member picks among the mentors who offer (`ask --choose`)
        return await choice.volunteer(ctx, req, cmd.note)
    session, messages, invite = await claim_request(ctx, req, ctx.me.id, ctx.me.display_name)
    reply = (
        f"It's yours: {rid(req.id)} is now session {sid(session.id)} with {req.requester_name}, "
        f"{req.minutes} min, {session_when(req.start_at, ctx.zone)}. Question: {req.question}"
    )
    return Outcome(Reply(reply, files=(invite,) if invite else ()), messages)


async def decline(ctx: Ctx, cmd: c.DeclineOffer) -> Outcome:
    req = await _offered_request(ctx, cmd.request, "decline")
    # declining also withdraws an offer to take it (`ask --choose`)
    withdrawn = await ctx.tx.fetch_one(
        request_sql.WITHDRAW_VOLUNTEER, {"request_id": req.id, "mentor_id": ctx.me.id}
    )
    done = await ctx.tx.fetch_one(
        sql.DECLINE, {"request_id": req.id, "mentor_id": ctx.me.id, "now": ctx.ts}
    )
    relisted = await choice.withdrawn(ctx, req) if withdrawn is not None else []
    if done is None and withdrawn is not None:
        # offered from `/mentor open`, with no offer of their own to decline
        return Outcome(Reply(f"You withdrew your offer to take {rid(req.id)}."), relisted)
    if done is None:
        offer = await ctx.tx.fetch_one(sql.ANY_FOR, {"request_id": req.id, "mentor_id": ctx.me.id})
        if offer is None:
            raise NotFound(f"You have no offer for {rid(req.id)}, so there is nothing to decline.")
        raise Conflict(f"Your offer for {rid(req.id)} is already {offer['state']}.")
    messages: list[OutboundMessage] = []
    address = await ctx.address(ctx.me.id)
    if address is not None:
        messages.append(
            OutboundMessage(
                to=address,
                text=f"You declined {rid(req.id)}.",
                key=f"offer:{done['id']}",
                update=True,
            )
        )
    metrics.OFFERS.labels(OfferState.DECLINED).inc()
    messages += relisted
    messages += await waves.after_answer(ctx, req.id)
    return Outcome(Reply(f"Declined {rid(req.id)}. Thanks for saying so quickly!"), messages)


async def list_open(ctx: Ctx, cmd: c.ListOpen) -> Outcome:
    taxonomy = ctx.deps.taxonomy(ctx.community)
    if cmd.skill is not None:
        skills = [taxonomy.resolve(cmd.skill)]
    else:
        rows = await ctx.tx.fetch(person_sql.SKILLS_OF, {"person_id": ctx.me.id})
        skills = [r["skill"] for r in rows]
        if not skills:
            raise InvalidInput(
                "You have no skills yet, so I can't tell which requests suit you.",
                hint="Name one: `/mentor open python`, or add yours: `/mentor skills add python`.",
            )
    fragment, params = in_list("s", skills)
    rows = await ctx.tx.fetch(
        request_sql.OPEN_FOR_SKILLS.replace("{skills}", fragment),
        {**params, "community_id": ctx.community, "person_id": ctx.me.id, "limit": 10},
    )
    if not rows:
        return Outcome(Reply(f"No open requests for {', '.join(skills)} right now. Thank you!"))
    lines, actions = [], []
    for row in rows:
        req = await load_request(ctx, int(row["id"]))
        if await blocked_between(ctx, ctx.me.id, req.requester_id) or await same_person(
            ctx, ctx.me.id, req.requester_id
        ):
            # A block stays silent, and one's own request (asked from another account) is no
            # one to mentor: neither is listed.
            continue
        r = rid(req.id)
        try:
            await check_can_accept(ctx, req)
        except MicromentorError:
            # Listed, so the mentor knows it exists, but no button that can only say no.
            lines.append(one_line(req) + " (you can't take this one)")
            continue
        lines.append(one_line(req))
        actions.append(Action(f"accept:{r}", f"Accept {r}", f"/mentor accept {r}", "primary"))
    if not lines:
        return Outcome(Reply(f"No open requests for {', '.join(skills)} right now. Thank you!"))
    header = f"Open requests for {clip(', '.join(skills), 80)} (oldest first):"
    if await suspended_until(ctx, ctx.me.id) is not None:
        header = "You are suspended, so you can't accept these for now.\n" + header
    return Outcome(Reply(header + "\n" + "\n".join(lines), actions=tuple(actions[:5])))
