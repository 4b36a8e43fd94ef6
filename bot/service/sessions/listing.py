"""`/mentor sessions`: the actor's recent sessions, and which still wait for their rating."""

from __future__ import annotations

from bot.clock import from_epoch
from bot.domain import commands as c
from bot.domain.messages import Action, Outcome, Reply
from bot.domain.model import Session
from bot.domain.states import SessionState
from bot.domain.timeparse import format_local
from bot.service.context import Ctx
from bot.service.sessions.lookup import load_session
from bot.service.views import sid
from bot.storage.sql import sessions as sql


async def list_sessions(ctx: Ctx, cmd: c.ListSessions) -> Outcome:
    """The actor's last ten sessions, with a button for each rating still to give."""
    rows = await ctx.tx.fetch(sql.RECENT_OF, {"person_id": ctx.me.id, "limit": 10})
    if not rows:
        return Outcome(Reply("You have no sessions yet."))
    lines: list[str] = []
    actions: list[Action] = []
    for row in rows:
        session = await load_session(ctx, int(row["id"]))
        assert session is not None
        me = session.participant(ctx.me.id)
        assert me is not None
        others = ", ".join(p.display_name for p in session.participants if p.person_id != ctx.me.id)
        when = format_local(from_epoch(session.start_at), ctx.zone)
        state = session.state if session.outcome is None else f"{session.state}, {session.outcome}"
        line = (
            f"{sid(session.id)} ({me.role}) with {others}, {when}, {session.minutes} min: {state}"
        )
        if await _waiting_for_my_rating(ctx, session):
            line += " (waiting for your rating)"
            s = sid(session.id)
            actions.append(Action(f"ratemodal:{s}", f"Rate {s}", f"/mentor rate {s}"))
        lines.append(line)
    return Outcome(Reply("Your sessions:\n" + "\n".join(lines), actions=tuple(actions[:5])))


async def _waiting_for_my_rating(ctx: Ctx, session: Session) -> bool:
    me = session.participant(ctx.me.id)
    if (
        me is None
        or me.checked_in_at is None
        or session.state != SessionState.COMPLETED
        or session.ratings_close_at is None
        or session.ratings_revealed_at is not None
        or ctx.ts >= session.ratings_close_at
    ):
        return False
    given = await ctx.tx.fetch(sql.RATINGS_OF, {"session_id": session.id})
    rated = {int(r["ratee_id"]) for r in given if int(r["rater_id"]) == ctx.me.id}
    return any(o.person_id not in rated for o in session.others(ctx.me.id))
