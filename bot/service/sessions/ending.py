"""How a session ends: the move to an end state, `/mentor done`, the time box, the ratings."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot import metrics
from bot.clock import from_epoch
from bot.domain import commands as c
from bot.domain.errors import Conflict, NotAllowed
from bot.domain.messages import OutboundMessage, Outcome, Reply
from bot.domain.model import Session
from bot.domain.states import PostStatus, SessionEnding, SessionState, SessionStep, can_move
from bot.domain.timeparse import format_local
from bot.service import due
from bot.service.context import Ctx, Scope
from bot.service.post_thread import thread_note
from bot.service.sessions.lookup import current_session, my_session
from bot.service.sessions.spaces import space, space_message
from bot.service.views import rating_actions, sid
from bot.storage.sql import sessions as sql


async def move_to_end_state(
    scope: Scope,
    session: Session,
    state: SessionState,
    outcome: str,
    *,
    by: int | None,
    ratings_close_at: int | None,
) -> bool:
    """Move a live session to an end state, as the state table allows; False if already ended."""
    assert can_move(SessionState(session.state), state), (session.state, state)
    # A racing command or due action may have ended it first: then nothing is updated.
    ended = await scope.tx.fetch_one(
        sql.END,
        {
            "id": session.id,
            "new_state": str(state),
            "outcome": outcome,
            "now": scope.ts,
            "by": by,
            "ratings_close_at": ratings_close_at,
        },
    )
    return ended is not None


async def done(ctx: Ctx, cmd: c.Done) -> Outcome:
    """`/mentor done`: the people in a running session end it, saying how it went."""
    session = await my_session(ctx, cmd.session, "done", SessionStep.DONE)
    s = sid(session.id)
    me = session.participant(ctx.me.id)
    assert me is not None
    # Ending a session one never came to would end it before the deadline records them.
    if me.no_show:
        raise NotAllowed(
            f"You were recorded as a no-show for {s}, so you can't end it.",
            hint="The others end it when they're done.",
        )
    if me.checked_in_at is None:
        raise NotAllowed(
            f"You didn't check in to {s}, so you can't end it.",
            hint=f"If you're there, type `/mentor checkin {s}` first.",
        )
    # Nor may it end while someone is still within their time to check in: they would be
    # neither there nor a no-show. The deadline settles it (and ends a session that didn't
    # take place by itself).
    deadline = session.start_at + int(ctx.config.sessions.checkin_grace.total_seconds())
    # (someone who joined after the deadline ran has no deadline of their own: not waited for)
    waiting = [p for p in session.participants if p.checked_in_at is None and not p.no_show]
    if waiting and ctx.ts < deadline:
        names = ", ".join(p.display_name for p in waiting)
        raise Conflict(
            f"{names} hasn't checked in to {s} yet, so it can't end now.",
            hint=f"If they don't by {format_local(from_epoch(deadline), ctx.zone)}, they're "
            f"recorded as a no-show, and {s} ends by itself if it didn't take place.",
        )
    messages = await complete(ctx, session, cmd.outcome, ctx.me.id)
    return Outcome(Reply(f"{s} is done ({cmd.outcome}). Thank you!"), messages)


async def end(scope: Scope, session_id: int, version: int) -> list[OutboundMessage]:
    """Due: the time box is over."""
    session = await current_session(scope, session_id, version, (SessionState.ACTIVE,))
    if session is None:
        return []
    return await complete(scope, session, SessionEnding.TIMEBOX, None)


async def complete(
    scope: Scope, session: Session, outcome: str, by: int | None
) -> list[OutboundMessage]:
    """End a running session; if it took place, open the blind rating window."""
    close_at = scope.after(scope.config.sessions.rating_window) if session.took_place else None
    ended = await move_to_end_state(
        scope, session, SessionState.COMPLETED, outcome, by=by, ratings_close_at=close_at
    )
    if not ended:
        return []
    metrics.SESSIONS.labels(outcome).inc()
    s = sid(session.id)
    where = await space(scope, session)
    thread = await thread_note(
        scope,
        session.request_id,
        f"Session {s} has ended ({outcome}).",
        PostStatus.SOLVED,
        PostStatus.TAKEN,
    )
    if close_at is None:
        missing = ", ".join(p.display_name for p in session.participants if p.checked_in_at is None)
        text = f"{s} has ended ({outcome}). No ratings for this one: {missing} didn't check in."
        return [space_message(where, text, session, closes=True), *thread]
    await due.schedule(scope, due.Kind.RATINGS_CLOSE, session.id, close_at, session.version)
    messages = [
        space_message(where, f"{s} has ended ({outcome}). Thank you both!", session, closes=True),
        *thread,
    ]
    for p in session.participants:
        address = await scope.address(p.person_id)
        if address is None or p.checked_in_at is None:
            continue
        closes = format_local(from_epoch(close_at), ZoneInfo(p.timezone))
        others = session.others(p.person_id)
        for other in others:
            # With several mentors each gets their own prompt, and the buttons name them.
            mention = None
            if len(others) > 1:
                their = await scope.address(other.person_id)
                mention = f"@{their.user_id}" if their is not None else None
            how = f"`/mentor rate {s} {mention + ' ' if mention else ''}<1-5> -- <comment>`"
            messages.append(
                OutboundMessage(
                    to=address,
                    text=(
                        f"How was {s} with {other.display_name}? Rate 1-5 with the buttons or "
                        f"{how}. Ratings stay hidden until everyone has rated, or until "
                        f"{closes}."
                    ),
                    actions=rating_actions(session.id, mention),
                    key=rating_prompt_key(session, p.person_id, other.person_id),
                )
            )
    return messages


def rating_prompt_key(session: Session, rater_id: int, ratee_id: int) -> str:
    """The key of one rating prompt, so that the rating's confirmation replaces it."""
    # With several mentors each rating has a prompt of its own.
    key = f"rate:{session.id}:{rater_id}"
    return key + f":{ratee_id}" if len(session.others(rater_id)) > 1 else key
