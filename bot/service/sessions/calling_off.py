"""Calling a session off before it started: the mentor withdraws, or the member cancels."""

from __future__ import annotations

from bot.domain import commands as c
from bot.domain.errors import Conflict, NotAllowed
from bot.domain.messages import OutboundMessage, Outcome, Reply
from bot.domain.model import HelpRequest, Session
from bot.domain.states import (
    OfferState,
    Role,
    SessionEnding,
    SessionState,
    SessionStep,
    require_session,
)
from bot.service import waves
from bot.service.context import Ctx
from bot.service.sessions.ending import move_to_end_state
from bot.service.sessions.lookup import load_session, my_session
from bot.service.sessions.spaces import space, space_message
from bot.service.views import rid, sid
from bot.storage.sql import offers as offer_sql
from bot.storage.sql import requests as request_sql
from bot.storage.sql import sessions as sql


async def cancel_by_member(ctx: Ctx, req: HelpRequest) -> tuple[list[OutboundMessage], bool]:
    """The member calls off a matched request before the session started; True if late."""
    row = await ctx.tx.fetch_one(sql.FOR_REQUEST, {"request_id": req.id})
    session = None if row is None else await load_session(ctx, int(row["id"]))
    if session is None:
        raise Conflict(f"{rid(req.id)} has no upcoming session to cancel.")
    s = sid(session.id)
    require_session(SessionStep.CANCEL, session.state, s)
    if any(p.checked_in_at is not None for p in session.participants):
        raise Conflict(
            f"{s} has already started (someone checked in).",
            hint=f"End it with `/mentor done {s} partial`.",
        )
    await move_to_end_state(
        ctx,
        session,
        SessionState.CANCELLED,
        SessionEnding.CANCELLED_BY_MEMBER,
        by=ctx.me.id,
        ratings_close_at=None,
    )
    await ctx.tx.execute(request_sql.CANCEL_MATCHED, {"id": req.id, "now": ctx.ts})
    messages_offers = await waves.pending_offer_updates(
        ctx, req, f"{rid(req.id)} was cancelled by the member. No action needed."
    )
    await ctx.tx.execute(
        offer_sql.SETTLE,
        {"request_id": req.id, "winner": None, "state": OfferState.WITHDRAWN, "now": ctx.ts},
    )
    window = int(ctx.config.accountability.late_cancel_window.total_seconds())
    late = session.start_at - ctx.ts <= window  # the same edge as the record's query
    text = f"{ctx.me.display_name} cancelled {s}. Thank you for your time; you're free again."
    where = await space(ctx, session)
    messages = [space_message(where, text, session, closes=True), *messages_offers]
    for mentor in session.mentors:
        address = await ctx.address(mentor.person_id)
        if address is not None:
            messages.append(OutboundMessage(to=address, text=text))
    return messages, late


async def _leave(ctx: Ctx, session: Session, reason: str | None) -> Outcome:
    """One mentor of several gives their place back: the session goes on with the others
    (an offer of the request still open could take the place)."""
    s = sid(session.id)
    for statement in sql.LEAVE:
        await ctx.tx.execute(statement, {"session_id": session.id, "person_id": ctx.me.id})
    await ctx.tx.execute(request_sql.ONE_MENTOR_LESS, {"id": session.request_id, "now": ctx.ts})
    stays = ", ".join(m.display_name for m in session.mentors if m.person_id != ctx.me.id)
    because = f": {reason}" if reason is not None else ""
    text = f"{ctx.me.display_name} withdrew from {s}{because}. {stays} stays: {s} goes on."
    left = await load_session(ctx, session.id)
    assert left is not None
    messages = [space_message(await space(ctx, left), text, left)]
    mentee = await ctx.address(session.mentee_id)
    if mentee is not None:
        messages.append(OutboundMessage(to=mentee, text=text))
    return Outcome(Reply(f"You withdrew from {s}; {stays} stays with the member."), messages)


async def withdraw(ctx: Ctx, cmd: c.Withdraw) -> Outcome:
    """`/mentor withdraw`: the mentor gives a session back before it started."""
    session = await my_session(ctx, cmd.session, "withdraw", SessionStep.WITHDRAW)
    s = sid(session.id)
    me = session.participant(ctx.me.id)
    assert me is not None
    if me.role != Role.MENTOR:
        raise NotAllowed(
            f"Only the mentor can withdraw from {s}.",
            hint="If you no longer need it, tell your mentor in the session space.",
        )
    if any(p.checked_in_at is not None for p in session.participants):
        raise Conflict(
            f"{s} has already started (someone checked in).",
            hint=f"To end it, type `/mentor done {s} referred`.",
        )
    reason = cmd.reason
    if len(session.mentors) > 1:
        return await _leave(ctx, session, reason)
    await move_to_end_state(
        ctx,
        session,
        SessionState.WITHDRAWN,
        SessionEnding.WITHDRAWN,
        by=ctx.me.id,
        ratings_close_at=None,
    )
    messages: list[OutboundMessage] = []
    mentee = await ctx.address(session.mentee_id)
    because = f": {reason}" if reason is not None else "."
    if mentee is not None:
        messages.append(
            OutboundMessage(
                to=mentee,
                text=f"{ctx.me.display_name} had to withdraw from {s}{because}"
                + ("" if because.endswith((".", "!", "?")) else ".")
                + " I'm finding you another mentor now.",
                key=f"request:{session.request_id}",
            )
        )
    where = await space(ctx, session)
    messages.append(
        space_message(where, f"{ctx.me.display_name} withdrew from {s}.", session, closes=True)
    )
    messages += await waves.reopen(ctx, session.request_id)
    return Outcome(
        Reply(f"You withdrew from {s}. {rid(session.request_id)} goes back to other mentors."),
        messages,
    )
