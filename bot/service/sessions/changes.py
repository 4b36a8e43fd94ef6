"""Changing a session by agreement of both sides: reschedule and extend."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.domain import commands as c
from bot.domain.errors import Conflict, InvalidInput
from bot.domain.messages import Action, OutboundMessage, Outcome, Reply
from bot.domain.model import Session
from bot.domain.states import ProposalKind, SessionStep
from bot.domain.timeparse import format_local, parse_when
from bot.service.context import Ctx
from bot.service.sessions.lookup import load_session, my_session
from bot.service.sessions.spaces import invite, space, space_message, zones
from bot.service.sessions.timers import schedule_actions
from bot.service.views import shared_time, sid
from bot.storage.sql import sessions as sql

MAX_AHEAD = timedelta(days=30)
MIN_AHEAD = timedelta(minutes=5)


async def _propose(
    ctx: Ctx,
    session: Session,
    kind: ProposalKind,
    value: int,
    describe: Callable[[str], str],
    command: str,
) -> tuple[bool, list[OutboundMessage]]:
    """Record a proposal; True if it matches the other side's, so it can be applied.

    The sides are the member and the mentors: in a session with several mentors, one mentor
    agreeing with another changes nothing without the member (and the member's proposal
    needs one mentor's yes)."""
    me = session.participant(ctx.me.id)
    assert me is not None
    current = await ctx.tx.fetch_one(sql.GET_PROPOSAL, {"session_id": session.id, "kind": kind})
    proposer = None if current is None else session.participant(int(current["proposed_by"]))
    if (
        current is not None
        and int(current["value"]) == value
        and proposer is not None
        and proposer.role != me.role
    ):
        await ctx.tx.execute(sql.DROP_PROPOSAL, {"session_id": session.id, "kind": kind})
        return True, []
    await ctx.tx.execute(
        sql.PUT_PROPOSAL,
        {
            "session_id": session.id,
            "kind": kind,
            "value": value,
            "proposed_by": ctx.me.id,
            "now": ctx.ts,
        },
    )
    messages = []
    for other in session.participants:
        if other.role == me.role:
            continue  # the other side agrees (see above)
        address = await ctx.address(other.person_id)
        if address is None:
            continue
        messages.append(
            OutboundMessage(
                to=address,
                text=f"{ctx.me.display_name} proposes to {describe(other.timezone)} "
                "To agree, press the button or send the same command.",
                actions=(Action(f"agree:{kind}:{session.id}", "Agree", command, "primary"),),
            )
        )
    return False, messages


async def reschedule(ctx: Ctx, cmd: c.Reschedule) -> Outcome:
    """`/mentor reschedule`: a new time for a booked session, once both sides propose it."""
    session = await my_session(ctx, cmd.session, "reschedule", SessionStep.RESCHEDULE)
    s = sid(session.id)
    if ctx.ts >= session.start_at:
        raise Conflict(
            f"{s} has already started, so it can't be moved.",
            hint=f"To end it, type `/mentor done {s}`.",
        )
    when = parse_when(cmd.when, ctx.now, ctx.zone)
    if when < ctx.now + MIN_AHEAD or when > ctx.now + MAX_AHEAD:
        raise InvalidInput(
            "Choose a time between 5 minutes and 30 days from now.",
            hint=f"For example `/mentor reschedule {s} tomorrow 18:00`.",
        )
    # The proposal shows, and its Agree button carries, the time to the minute: `in 2h` typed
    # at 10:00:30 must store the same instant the button agrees to.
    when = when.replace(second=0, microsecond=0)
    ts = int(when.timestamp())
    if ts == session.start_at:
        return Outcome(Reply(f"{s} is already at that time."))
    iso = when.strftime("%Y-%m-%dT%H:%MZ")

    def describe(zone: str) -> str:
        return f"move {s} to {format_local(when, ZoneInfo(zone))}."

    agreed, messages = await _propose(
        ctx, session, ProposalKind.RESCHEDULE, ts, describe, f"/mentor reschedule {s} {iso}"
    )
    if not agreed:
        return Outcome(
            Reply(f"Proposed {format_local(when, ctx.zone)} for {s}; waiting for the other side."),
            messages,
        )
    moving = await ctx.tx.fetch_one(
        sql.MOVE, {"id": session.id, "start_at": ts, "ends_at": ts + session.minutes * 60}
    )
    if moving is not None:
        await ctx.tx.execute(sql.RESET_CHECK_INS, {"session_id": session.id})
    moved = await load_session(ctx, session.id)
    assert moved is not None
    await schedule_actions(ctx, moved)
    calendar = invite(ctx, moved)
    where = await space(ctx, moved)
    text = f"{s} is moved to {shared_time(ts, zones(moved))}. The calendar invite is updated."
    if any(p.checked_in_at is not None for p in session.participants):
        text += " Earlier check-ins are cleared: check in again at the new time."
    messages = [space_message(where, text, moved)]
    for other in moved.participants:
        if other.person_id == ctx.me.id:
            continue
        address = await ctx.address(other.person_id)
        if address is not None:
            messages.append(
                OutboundMessage(to=address, text=f"Updated invite for {s}.", files=(calendar,))
            )
    return Outcome(
        Reply(f"Agreed: {s} is now at {format_local(when, ctx.zone)}.", files=(calendar,)),
        messages,
    )


async def extend(ctx: Ctx, cmd: c.Extend) -> Outcome:
    """`/mentor extend`: more minutes for a running session, once both sides propose them."""
    session = await my_session(ctx, cmd.session, "extend", SessionStep.EXTEND)
    s = sid(session.id)
    most = ctx.config.sessions.max_extend_minutes
    if cmd.minutes > most:
        raise InvalidInput(
            f"`minutes` must be from 5 to {most} here; {cmd.minutes} is not.",
            hint=f"For example `/mentor extend {s} 15`.",
            field="minutes",
        )

    def describe(zone: str) -> str:
        return f"extend {s} by {cmd.minutes} minutes."

    agreed, messages = await _propose(
        ctx,
        session,
        ProposalKind.EXTEND,
        cmd.minutes,
        describe,
        f"/mentor extend {s} {cmd.minutes}",
    )
    if not agreed:
        return Outcome(
            Reply(f"Proposed {cmd.minutes} more minutes for {s}; waiting for the other side."),
            messages,
        )
    await ctx.tx.execute(
        sql.EXTEND, {"id": session.id, "seconds": cmd.minutes * 60, "minutes": cmd.minutes}
    )
    longer = await load_session(ctx, session.id)
    assert longer is not None
    await schedule_actions(ctx, longer)
    where = await space(ctx, longer)
    text = (
        f"{s} is extended by {cmd.minutes} min; it now ends at "
        f"{shared_time(longer.ends_at, zones(longer))}."
    )
    return Outcome(
        Reply(f"Agreed: {cmd.minutes} more minutes."),
        [space_message(where, text, longer, done=True)],
    )
