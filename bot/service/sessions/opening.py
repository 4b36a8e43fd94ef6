"""A claimed request's session: created with its space and timers, or joined by a mentor."""

from __future__ import annotations

from bot.domain.errors import Conflict
from bot.domain.messages import Attachment, OutboundMessage
from bot.domain.model import HelpRequest, Session
from bot.domain.states import LIVE_SESSION, Role, SessionState
from bot.service.context import Scope
from bot.service.identities import related_persons
from bot.service.sessions.lookup import load_session
from bot.service.sessions.spaces import invite, names, place_text, space, space_message, zones
from bot.service.sessions.timers import schedule_actions
from bot.service.views import rid, shared_time, sid
from bot.storage.sql import persons as person_sql
from bot.storage.sql import sessions as sql

LIVE = tuple(sorted(LIVE_SESSION))


async def create(
    scope: Scope, req: HelpRequest, mentor_id: int
) -> tuple[Session, list[OutboundMessage], Attachment | None]:
    """The session of a just-claimed request: its space, timers and (if scheduled) invite."""
    start_at = req.start_at if req.start_at is not None else scope.ts
    link = await scope.tx.fetch_val(person_sql.GET_LINK, {"id": mentor_id})
    # Without the mentor's own link, a room of the community's call service, made up now:
    # the session's id isn't known before its row, so the room is filled in just after it.
    template = scope.config.sessions.call_link if link is None else ""
    session_id = int(
        await scope.tx.fetch_val(
            sql.INSERT,
            {
                "community_id": scope.community,
                "request_id": req.id,
                "mentee_id": req.requester_id,
                "start_at": start_at,
                "ends_at": start_at + req.minutes * 60,
                "minutes": req.minutes,
                "state": str(
                    SessionState.SCHEDULED if req.start_at is not None else SessionState.ACTIVE
                ),
                "place": link,
                "now": scope.ts,
            },
        )
    )
    if template:
        token = f"{scope.deps.rng.getrandbits(64):016x}"
        room = template.format(session=sid(session_id), token=token)
        await scope.tx.execute(sql.SET_PLACE, {"id": session_id, "place": room})
    for person_id, role in ((req.requester_id, Role.MENTEE), (mentor_id, Role.MENTOR)):
        await scope.tx.execute(
            sql.ADD_PARTICIPANT, {"session_id": session_id, "person_id": person_id, "role": role}
        )
    session = await load_session(scope, session_id)
    assert session is not None
    await schedule_actions(scope, session)
    where = await space(scope, session)
    s = sid(session.id)
    if session.state == SessionState.ACTIVE:
        text = (
            f"Session {s} for {rid(req.id)} starts now: {names(session)}, {session.minutes} min, "
            f"until {shared_time(session.ends_at, zones(session))}. {place_text(session)}.\n"
            f"Question: {session.question}\nPlease both check in."
        )
        return session, [space_message(where, text, session, checkin=True)], None
    calendar = invite(scope, session)
    text = (
        f"Session {s} for {rid(req.id)} is booked: {names(session)}, {session.minutes} min, "
        f"at {shared_time(session.start_at, zones(session))}. {place_text(session)}.\n"
        f"Question: {session.question}\nCheck-in opens "
        f"{int(scope.config.sessions.checkin_opens_before.total_seconds() // 60)} min before."
    )
    return session, [space_message(where, text, session)], calendar


async def join(
    scope: Scope, req: HelpRequest, mentor_id: int, mentor_name: str
) -> tuple[Session, list[OutboundMessage], Attachment | None]:
    """Another mentor joins a request's live session (a second opinion)."""
    row = await scope.tx.fetch_one(sql.FOR_REQUEST, {"request_id": req.id})
    session = None if row is None else await load_session(scope, int(row["id"]))
    if session is None or session.state not in LIVE:
        raise Conflict(
            f"The session of {rid(req.id)} has already ended.",
            hint="Other open requests: `/mentor open`.",
        )
    mentor_records = await related_persons(scope, mentor_id)
    if any(p.person_id in mentor_records for p in session.participants):
        # One person, one place: a second account doesn't make a second opinion.
        raise Conflict(
            f"You already take part in {sid(session.id)}, from another account.",
            hint="Other open requests: `/mentor open`.",
        )
    await scope.tx.execute(
        sql.ADD_PARTICIPANT, {"session_id": session.id, "person_id": mentor_id, "role": Role.MENTOR}
    )
    joined = await load_session(scope, session.id)
    assert joined is not None
    where = await space(scope, joined)
    text = (
        f"{mentor_name} joins {sid(joined.id)} as another mentor (a second opinion). "
        f"{place_text(joined)}; please check in."
    )
    calendar = invite(scope, joined) if joined.state == SessionState.SCHEDULED else None
    return joined, [space_message(where, text, joined, checkin=True)], calendar
