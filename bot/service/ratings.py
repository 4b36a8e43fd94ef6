"""Blind two-sided ratings: hidden until everyone has rated or the window closes."""

from __future__ import annotations

import json

from bot import metrics
from bot.clock import from_epoch
from bot.domain import commands as c
from bot.domain.errors import Conflict, InvalidInput, NotAllowed
from bot.domain.messages import OutboundMessage, Outcome, Reply
from bot.domain.model import Participant, Session
from bot.domain.states import Role, SessionState, SessionStep
from bot.domain.timeparse import format_local
from bot.service.context import Ctx, Scope
from bot.service.people import person_by_mention
from bot.service.reputation import MENTEE_ASPECTS, MENTOR_ASPECTS, recount
from bot.service.sessions import load_session, my_session, rating_prompt_key
from bot.service.views import sid
from bot.storage.sql import sessions as sql


def stars(score: int) -> str:
    return "★" * score + "☆" * (5 - score)


async def _target(ctx: Ctx, session: Session, cmd: c.Rate) -> Participant:
    """Whom this rating is for: the other side, or the mentor named when there are several."""
    s = sid(session.id)
    targets = session.others(ctx.me.id)
    if cmd.who is not None:
        named = await person_by_mention(ctx, cmd.who)
        targets = tuple(t for t in targets if t.person_id == named.id)
        if not targets:
            raise InvalidInput(f"{named.display_name} isn't someone you rate in {s}.")
    elif len(targets) > 1:
        names = " ".join(f"@{t.display_name}" for t in targets)
        raise InvalidInput(
            f"{s} had several mentors ({names}); rate each of them.",
            hint=f"`/mentor rate {s} @{targets[0].display_name} {cmd.score}`",
        )
    return targets[0]


def _check_aspects(session: Session, me: Participant, cmd: c.Rate) -> str | None:
    allowed = MENTEE_ASPECTS if me.role == Role.MENTEE else MENTOR_ASPECTS
    for name, _ in cmd.aspects:
        if name not in allowed:
            raise InvalidInput(
                f"As the {me.role} you rate {' and '.join(allowed)}, not {name}.",
                hint=f"`/mentor rate {sid(session.id)} {cmd.score} --{allowed[0]} 4`",
            )
    return json.dumps(dict(cmd.aspects)) if cmd.aspects else None


async def rate(ctx: Ctx, cmd: c.Rate) -> Outcome:
    session = await my_session(ctx, cmd.session, "rate", SessionStep.RATE)
    s = sid(session.id)
    if not session.took_place:
        raise NotAllowed(f"{s} didn't take place (not everyone checked in), so it can't be rated.")
    if session.ratings_revealed_at is not None or (
        session.ratings_close_at is not None and ctx.ts >= session.ratings_close_at
    ):
        raise Conflict(f"The rating window for {s} has closed; ratings can't change any more.")
    me = session.participant(ctx.me.id)
    assert me is not None
    if me.checked_in_at is None:
        raise NotAllowed(f"You didn't check in to {s}, so you can't rate it.")
    target = await _target(ctx, session, cmd)
    aspects = _check_aspects(session, me, cmd)
    comment = cmd.comment
    held = await ctx.tx.fetch_one(sql.HOLD_UNREVEALED, {"id": session.id})
    if held is None:
        raise Conflict(f"The rating window for {s} has closed; ratings can't change any more.")
    added = await ctx.tx.fetch_one(
        sql.ADD_RATING,
        {
            "session_id": session.id,
            "rater_id": ctx.me.id,
            "ratee_id": target.person_id,
            "score": cmd.score,
            "comment": comment,
            "aspects": aspects,
            "now": ctx.ts,
            # a moderator voided this session's ratings before this one was given
            "counted": 0 if held["ratings_void"] else 1,
        },
    )
    if added is None:
        raise Conflict(f"You already rated {target.display_name} for {s}; a rating can't change.")
    metrics.RATINGS.inc()
    messages: list[OutboundMessage] = []
    address = await ctx.address(ctx.me.id)
    if address is not None:
        messages.append(
            OutboundMessage(
                to=address,
                text=f"You rated {target.display_name} for {s}: {stars(cmd.score)}.",
                key=rating_prompt_key(session, ctx.me.id, target.person_id),
                update=True,
            )
        )
    void = (
        f"\nA moderator voided the ratings of {s}, so yours won't count toward reputation."
        if held["ratings_void"]
        else ""
    )
    if await everyone_rated(ctx, session) and not session.disputed:
        messages += await reveal(ctx, session)
        return Outcome(
            Reply(f"Thanks! Everyone has rated {s}, so ratings are now shown.{void}"), messages
        )
    assert session.ratings_close_at is not None
    closes = format_local(from_epoch(session.ratings_close_at), ctx.zone)
    return Outcome(
        Reply(
            f"Thanks! Your rating of {target.display_name} stays hidden until the other side "
            f"rates too, or until {closes}.{void}"
        ),
        messages,
    )


async def everyone_rated(scope: Scope, session: Session) -> bool:
    """Whether every expected rating (mentee <-> each mentor) is in."""
    rows = await scope.tx.fetch(sql.RATINGS_OF, {"session_id": session.id})
    given = {(int(r["rater_id"]), int(r["ratee_id"])) for r in rows}
    expected = {
        (p.person_id, o.person_id)
        for p in session.participants
        if p.checked_in_at is not None
        for o in session.others(p.person_id)
    }
    return expected <= given


async def reveal(scope: Scope, session: Session) -> list[OutboundMessage]:
    """Show each person the ratings they received; from now on nothing changes."""
    done = await scope.tx.fetch_one(sql.REVEAL, {"id": session.id, "now": scope.ts})
    if done is None:
        return []
    await recount(scope, session.id)
    rows = await scope.tx.fetch(sql.RATINGS_OF, {"session_id": session.id})
    names = {p.person_id: p.display_name for p in session.participants}
    s = sid(session.id)
    messages: list[OutboundMessage] = []
    for p in session.participants:
        address = await scope.address(p.person_id)
        if address is None:
            continue
        mine = [r for r in rows if int(r["ratee_id"]) == p.person_id and int(r["counted"])]
        if not mine:
            text = f"The ratings of {s} are closed; nobody rated you this time."
        else:
            parts = []
            for row in mine:
                line = (
                    f"{names.get(int(row['rater_id']), 'Your partner')} rated you for {s}: "
                    f"{stars(int(row['score']))} ({row['score']}/5)"
                )
                aspects = json.loads(row["aspects"] or "{}")
                if aspects:
                    line += "; " + ", ".join(f"{k} {v}/5" for k, v in aspects.items())
                if row["comment"]:
                    line += f"\n\u201c{row['comment']}\u201d"
                parts.append(line)
            text = "\n".join(parts)
        messages.append(
            OutboundMessage(to=address, text=text, key=f"reveal:{session.id}:{p.person_id}")
        )
    return messages


async def ratings_close(scope: Scope, session_id: int, version: int) -> list[OutboundMessage]:
    """Due: the rating window is over; reveal whatever was given (unless under dispute)."""
    session = await load_session(scope, session_id)
    if session is None or session.state != SessionState.COMPLETED:
        return []
    return await reveal(scope, session)
