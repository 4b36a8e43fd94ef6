"""Checking in, and the deadline after which whoever hasn't is a no-show."""

from __future__ import annotations

from bot import metrics
from bot.clock import from_epoch
from bot.domain import commands as c
from bot.domain.errors import Conflict, InvalidInput
from bot.domain.messages import OutboundMessage, Outcome, Reply
from bot.domain.model import Session
from bot.domain.states import PostStatus, Role, SessionEnding, SessionState, SessionStep
from bot.domain.timeparse import format_local
from bot.service import waves
from bot.service.context import Ctx, Scope
from bot.service.post_thread import thread_note
from bot.service.sessions.ending import move_to_end_state
from bot.service.sessions.lookup import current_session, load_session, my_session
from bot.service.sessions.spaces import space, space_message, zones
from bot.service.views import rid, shared_time, sid
from bot.storage.database import Row
from bot.storage.sql import requests as request_sql
from bot.storage.sql import sessions as sql


async def check_in(ctx: Ctx, cmd: c.CheckIn) -> Outcome:
    """`/mentor checkin`: the actor is there; once everyone is, the session can begin."""
    session = await my_session(ctx, cmd.session, "checkin", SessionStep.CHECK_IN)
    s = sid(session.id)
    _refuse_no_show(session, ctx.me.id)
    opens = session.start_at - int(ctx.config.sessions.checkin_opens_before.total_seconds())
    if ctx.ts < opens:
        raise InvalidInput(
            f"Check-in for {s} opens at {format_local(from_epoch(opens), ctx.zone)}.",
            hint=f"The session starts at {format_local(from_epoch(session.start_at), ctx.zone)}.",
        )
    done = await ctx.tx.fetch_one(
        sql.CHECK_IN, {"session_id": session.id, "person_id": ctx.me.id, "now": ctx.ts}
    )
    session = await load_session(ctx, session.id) or session
    if done is None:
        # The deadline may have recorded the no-show since the session was read.
        _refuse_no_show(session, ctx.me.id)
        return Outcome(Reply(f"You're already checked in to {s}."))
    waiting = [p.display_name for p in session.participants if p.checked_in_at is None]
    where = await space(ctx, session)
    if waiting:
        text = f"{ctx.me.display_name} checked in to {s}; waiting for {', '.join(waiting)}."
        return Outcome(Reply(f"Checked in to {s}."), [space_message(where, text, session)])
    text = (
        f"Everyone is here: have a great session! {s} ends at "
        f"{shared_time(session.ends_at, zones(session))}."
    )
    return Outcome(
        Reply(f"Checked in to {s}."),
        [space_message(where, text, session, extend=True, done=True)],
    )


def _refuse_no_show(session: Session, person_id: int) -> None:
    """A no-show stays one: a late check-in would make them rate and be rated after all."""
    me = session.participant(person_id)
    if me is not None and me.no_show:
        s = sid(session.id)
        raise Conflict(
            f"The check-in time for {s} is over: you were recorded as a no-show.",
            hint=f"If that's wrong, once {s} has ended type "
            f"`/mentor dispute {s} -- <what happened>`.",
        )


async def checkin_deadline(scope: Scope, session_id: int, version: int) -> list[OutboundMessage]:
    """Due: whoever hasn't checked in by the grace period is a no-show."""
    session = await current_session(scope, session_id, version, (SessionState.ACTIVE,))
    if session is None or _everyone_checked_in(session):
        return []
    missing = await scope.tx.fetch(sql.MARK_NO_SHOW, {"session_id": session.id})
    if not missing:
        return []
    if session.took_place:
        return await _carry_on_without(scope, session, missing)
    return await _end_as_no_show(scope, session, missing)


def _everyone_checked_in(session: Session) -> bool:
    return all(p.checked_in_at is not None for p in session.participants)


def _names_of(session: Session, missing: list[Row]) -> str:
    """The names of the people marked as no-shows, in the session's order."""
    gone = {int(r["person_id"]) for r in missing}
    return ", ".join(p.display_name for p in session.participants if p.person_id in gone)


async def _carry_on_without(
    scope: Scope, session: Session, missing: list[Row]
) -> list[OutboundMessage]:
    """A second opinion where one mentor didn't come: recorded, and the session goes on."""
    where = await space(scope, session)
    text = (
        f"{_names_of(session, missing)} didn't check in to {sid(session.id)}: "
        "recorded as a no-show. Carry on!"
    )
    return [space_message(where, text, session)]


def _no_show_outcome(session: Session, missing: list[Row]) -> SessionEnding:
    """Which side didn't come: the mentors, the mentee, or both."""
    mentor_missing = all(p.checked_in_at is None for p in session.mentors)
    mentee_missing = any(r["role"] == Role.MENTEE for r in missing)
    if mentor_missing and mentee_missing:
        return SessionEnding.BOTH_NO_SHOW
    return SessionEnding.MENTOR_NO_SHOW if mentor_missing else SessionEnding.MENTEE_NO_SHOW


async def _end_as_no_show(
    scope: Scope, session: Session, missing: list[Row]
) -> list[OutboundMessage]:
    """The session didn't take place: it ends as a no-show and its request moves on."""
    outcome = _no_show_outcome(session, missing)
    await move_to_end_state(
        scope, session, SessionState.NO_SHOW, outcome, by=None, ratings_close_at=None
    )
    metrics.SESSIONS.labels(outcome).inc()
    grace = int(scope.config.sessions.checkin_grace.total_seconds() // 60)
    text = (
        f"{_names_of(session, missing)} didn't check in to {sid(session.id)} within {grace} "
        "minutes: recorded as a no-show."
    )
    settled, reopened = await _settle_request(scope, session, outcome)
    where = await space(scope, session)
    return [space_message(where, text + settled, session, closes=True), *reopened]


async def _settle_request(
    scope: Scope, session: Session, outcome: SessionEnding
) -> tuple[str, list[OutboundMessage]]:
    """The request after a no-show: what the space is told of it, and the offers it sends."""
    if outcome == SessionEnding.MENTOR_NO_SHOW:
        # The member came and the mentor didn't: find them someone else, automatically.
        reopened = await waves.reopen(scope, session.request_id)
        return f" I'm looking for another mentor for {rid(session.request_id)}.", reopened
    await scope.tx.execute(
        request_sql.NOT_MATCHED,
        {"id": session.request_id, "now": scope.ts, "note": outcome},
    )
    thread = await thread_note(
        scope,
        session.request_id,
        f"The session didn't take place ({outcome}), so this request is closed.",
        PostStatus.CLOSED,
        PostStatus.TAKEN,
    )
    if outcome == SessionEnding.MENTEE_NO_SHOW:
        return " Thank you for showing up; you're free for other requests.", thread
    return "", thread
