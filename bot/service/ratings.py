"""Blind two-sided ratings: hidden until everyone has rated or the window closes."""

from __future__ import annotations

from bot.clock import from_epoch
from bot.domain import commands as c
from bot.domain.errors import Conflict, InvalidInput, NotAllowed
from bot.domain.messages import OutboundMessage, Outcome, Reply
from bot.domain.model import Session
from bot.domain.timeparse import format_local
from bot.service.context import Ctx, Scope, address_of
from bot.service.sessions import load_session, my_session
from bot.service.views import sid
from bot.storage.sql import sessions as sql

MAX_COMMENT = 1000


def stars(score: int) -> str:
    return "★" * score + "☆" * (5 - score)


async def rate(ctx: Ctx, cmd: c.Rate) -> Outcome:
    session = await my_session(ctx, cmd.session, "rate", ("completed",))
    s = sid(session.id)
    if not 1 <= cmd.score <= 5:
        raise InvalidInput("A rating is a whole number from 1 to 5.", hint=f"`/mentor rate {s} 4`")
    if cmd.comment is not None and len(cmd.comment) > MAX_COMMENT:
        raise InvalidInput(f"Keep the comment under {MAX_COMMENT} characters.")
    if session.state != "completed":
        raise Conflict(
            f"{s} is {session.state}; you can rate it once it has ended.",
            hint=f"End it with `/mentor done {s}`." if session.state == "active" else None,
        )
    if not session.took_place:
        raise NotAllowed(f"{s} didn't take place (not everyone checked in), so it can't be rated.")
    if session.ratings_revealed_at is not None or (
        session.ratings_close_at is not None and ctx.ts >= session.ratings_close_at
    ):
        raise Conflict(f"The rating window for {s} has closed; ratings can't change any more.")
    targets = session.others(ctx.me.id)
    if len(targets) != 1:
        raise InvalidInput(
            f"{s} has several mentors; rating each of them comes in a later version."
        )
    target = targets[0]
    comment = cmd.comment.strip() if cmd.comment and cmd.comment.strip() else None
    added = await ctx.tx.fetch_one(
        sql.ADD_RATING,
        {
            "session_id": session.id,
            "rater_id": ctx.me.id,
            "ratee_id": target.person_id,
            "score": cmd.score,
            "comment": comment,
            "now": ctx.ts,
        },
    )
    if added is None:
        raise Conflict(f"You already rated {s}; a rating can't be changed.")
    messages: list[OutboundMessage] = []
    address = await address_of(ctx.tx, ctx.me.id)
    if address is not None:
        messages.append(
            OutboundMessage(
                to=address,
                text=f"You rated {s}: {stars(cmd.score)}.",
                key=f"rate:{session.id}:{ctx.me.id}",
                update=True,
            )
        )
    if await _everyone_rated(ctx, session):
        messages += await reveal(ctx, session)
        return Outcome(
            Reply(f"Thanks! Both sides have rated {s}, so ratings are now shown."), messages
        )
    assert session.ratings_close_at is not None
    closes = format_local(from_epoch(session.ratings_close_at), ctx.zone)
    return Outcome(
        Reply(
            f"Thanks! Your rating of {target.display_name} stays hidden until they rate too, "
            f"or until {closes}."
        ),
        messages,
    )


async def _everyone_rated(scope: Scope, session: Session) -> bool:
    rows = await scope.tx.fetch(sql.RATINGS_OF, {"session_id": session.id})
    given = {(int(r["rater_id"]), int(r["ratee_id"])) for r in rows}
    expected = {
        (p.person_id, o.person_id)
        for p in session.participants
        for o in session.others(p.person_id)
    }
    return expected <= given


async def reveal(scope: Scope, session: Session) -> list[OutboundMessage]:
    """Show each person the rating they received; from now on nothing changes."""
    done = await scope.tx.fetch_one(sql.REVEAL, {"id": session.id, "now": scope.ts})
    if done is None:
        return []
    rows = await scope.tx.fetch(sql.RATINGS_OF, {"session_id": session.id})
    names = {p.person_id: p.display_name for p in session.participants}
    s = sid(session.id)
    messages: list[OutboundMessage] = []
    received = {int(r["ratee_id"]): r for r in rows}
    for p in session.participants:
        address = await address_of(scope.tx, p.person_id)
        if address is None:
            continue
        row = received.get(p.person_id)
        if row is None:
            text = f"The rating window for {s} has closed; nobody rated you this time."
        else:
            text = (
                f"{names.get(int(row['rater_id']), 'Your partner')} rated you for {s}: "
                f"{stars(int(row['score']))} ({row['score']}/5)"
            )
            if row["comment"]:
                text += f"\n“{row['comment']}”"
        messages.append(
            OutboundMessage(to=address, text=text, key=f"reveal:{session.id}:{p.person_id}")
        )
    return messages


async def ratings_close(scope: Scope, session_id: int, version: int) -> list[OutboundMessage]:
    """Due: the rating window is over; reveal whatever was given."""
    session = await load_session(scope, session_id)
    if session is None or session.state != "completed":
        return []
    return await reveal(scope, session)
