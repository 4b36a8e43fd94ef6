"""A session's timers, and the due actions that remind of it or start it."""

from __future__ import annotations

from bot.domain.messages import OutboundMessage
from bot.domain.model import Session
from bot.domain.states import SessionState
from bot.service import due
from bot.service.context import Scope
from bot.service.sessions.lookup import current_session
from bot.service.sessions.spaces import place_text, space, space_message, zones
from bot.service.views import shared_time, sid
from bot.storage.sql import sessions as sql


async def schedule_actions(scope: Scope, session: Session) -> None:
    """Every timer of the session still ahead, for its current version."""
    conf = scope.config.sessions
    start, ends = session.start_at, session.ends_at
    plan = []
    if session.state == SessionState.SCHEDULED:
        plan.append(
            (due.Kind.SESSION_REMIND_START, start - int(conf.reminder_before_start.total_seconds()))
        )
        plan.append((due.Kind.SESSION_START, start))
    plan.append(
        (
            due.Kind.SESSION_CHECKIN_DEADLINE,
            min(start + int(conf.checkin_grace.total_seconds()), ends),
        )
    )
    remind_end = ends - int(conf.reminder_before_end.total_seconds())
    if remind_end > start:
        plan.append((due.Kind.SESSION_REMIND_END, remind_end))
    plan.append((due.Kind.SESSION_END, ends))
    for kind, at in plan:
        if at >= scope.ts:
            await due.schedule(scope, kind, session.id, at, session.version)


async def remind_start(scope: Scope, session_id: int, version: int) -> list[OutboundMessage]:
    """Due: a reminder before a scheduled start."""
    session = await current_session(scope, session_id, version, (SessionState.SCHEDULED,))
    if session is None:
        return []
    where = await space(scope, session)
    text = (
        f"Reminder: {sid(session.id)} starts at {shared_time(session.start_at, zones(session))}. "
        f"{place_text(session)}. Check in when you're there."
    )
    return [space_message(where, text, session, checkin=True)]


async def start(scope: Scope, session_id: int, version: int) -> list[OutboundMessage]:
    """Due: a scheduled session begins."""
    session = await current_session(scope, session_id, version, (SessionState.SCHEDULED,))
    if session is None:
        return []
    moved = await scope.tx.fetch_one(
        sql.SET_STATE,
        {
            "id": session.id,
            "old_state": str(SessionState.SCHEDULED),
            "new_state": str(SessionState.ACTIVE),
        },
    )
    if moved is None:
        return []
    where = await space(scope, session)
    waiting = [p.display_name for p in session.participants if p.checked_in_at is None]
    text = f"{sid(session.id)} starts now. {place_text(session)}."
    if waiting:
        text += f" Waiting for {', '.join(waiting)} to check in."
    return [space_message(where, text, session, checkin=bool(waiting), done=True)]


async def remind_end(scope: Scope, session_id: int, version: int) -> list[OutboundMessage]:
    """Due: a few minutes left."""
    session = await current_session(scope, session_id, version, (SessionState.ACTIVE,))
    if session is None:
        return []
    left = max(1, (session.ends_at - scope.ts + 59) // 60)
    s = sid(session.id)
    text = (
        f"{left} min left in {s}. Need more time? `/mentor extend {s} 15` (both must agree). "
        f"Finished? `/mentor done {s} resolved|partial|referred`."
    )
    where = await space(scope, session)
    return [space_message(where, text, session, extend=True, done=True)]
