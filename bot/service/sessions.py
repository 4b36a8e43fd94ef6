"""Sessions in time: creation, start, check-in, no-show, withdraw, reschedule, extend, end."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot import metrics
from bot.clock import from_epoch
from bot.domain import commands as c
from bot.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.domain.ids import parse_id
from bot.domain.messages import (
    Action,
    Attachment,
    OutboundMessage,
    Outcome,
    PersonAddress,
    Reply,
    SessionAddress,
)
from bot.domain.model import HelpRequest, Session
from bot.domain.states import (
    LIVE_SESSION,
    SessionState,
    SessionStep,
    can_move,
    require_session,
    session_steps_states,
)
from bot.domain.timeparse import format_local, parse_when
from bot.service import due, waves
from bot.service.context import Ctx, Scope, address_of
from bot.service.identities import related_persons
from bot.service.invites import session_invite
from bot.service.views import (
    clip,
    rating_actions,
    rid,
    session_actions,
    shared_time,
    sid,
)
from bot.storage.sql import in_list
from bot.storage.sql import offers as offer_sql
from bot.storage.sql import persons as person_sql
from bot.storage.sql import requests as request_sql
from bot.storage.sql import sessions as sql

LIVE = tuple(sorted(LIVE_SESSION))
MAX_AHEAD = timedelta(days=30)
MIN_AHEAD = timedelta(minutes=5)


async def load_session(scope: Scope, session_id: int) -> Session | None:
    """A session of this community with its participants."""
    row = await scope.tx.fetch_one(sql.GET, {"id": session_id, "community_id": scope.community})
    if row is None:
        return None
    people = await scope.tx.fetch(sql.PARTICIPANTS, {"session_id": session_id})
    return Session.from_rows(row, people)


async def my_session(ctx: Ctx, raw: str | None, command: str, step: SessionStep) -> Session:
    """The session named (the actor must take part), or the actor's only one where `step`
    is allowed; refused with the state table's words if its state doesn't allow `step`."""
    verb = step.value
    states = session_steps_states(step)
    if raw is not None:
        number = parse_id("session", raw)
        session = await load_session(ctx, number)
        if session is None:
            raise NotFound(
                f"There is no session {sid(number)}.", hint="Type `/mentor sessions` for yours."
            )
        if session.participant(ctx.me.id) is None:
            raise NotAllowed(
                f"You don't take part in {sid(number)}, so you can't {verb} it.",
                hint="Type `/mentor sessions` for yours.",
            )
        require_session(step, session.state, sid(number))
        return session
    fragment, params = in_list("st", states)
    rows = await ctx.tx.fetch(
        sql.MINE_IN_STATES.replace("{states}", fragment), {**params, "person_id": ctx.me.id}
    )
    if not rows:
        raise NotFound(
            f"You have no session to {verb}.", hint="Type `/mentor sessions` to see yours."
        )
    if len(rows) > 1:
        ids = ", ".join(sid(r["id"]) for r in rows)
        raise InvalidInput(
            f"You have several sessions ({ids}).",
            hint=f"Say which: `/mentor {command} {sid(rows[0]['id'])}`.",
        )
    found = await load_session(ctx, int(rows[0]["id"]))
    assert found is not None
    return found


async def space(scope: Scope, session: Session) -> SessionAddress:
    """The session's own space, with the addresses of everyone in it."""
    members: list[PersonAddress] = []
    for p in session.participants:
        address = await address_of(scope.tx, p.person_id)
        if address is not None:
            members.append(address)
    return SessionAddress(scope.community, session.id, tuple(members))


def zones(session: Session) -> list[str]:
    return [p.timezone for p in session.participants]


def place_text(session: Session) -> str:
    return f"Meet at {session.place}" if session.place else "Meet here, in this space"


def names(session: Session) -> str:
    mentors = ", ".join(m.display_name for m in session.mentors)
    return f"{session.mentee.display_name} (mentee) and {mentors} (mentor)"


def _invite(scope: Scope, session: Session) -> Attachment:
    return session_invite(
        session_id=session.id,
        version=session.version,
        start_at=session.start_at,
        ends_at=session.ends_at,
        summary=f"micromentor {sid(session.id)}: {clip(session.question, 60)}",
        description=f"{names(session)}\n{session.question}"
        + (f"\nGoal: {session.goal}" if session.goal else ""),
        location=session.place,
        now=scope.now,
    )


async def schedule_actions(scope: Scope, session: Session) -> None:
    """Every timer of the session still ahead, for its current version."""
    conf = scope.config.sessions
    start, ends = session.start_at, session.ends_at
    plan = []
    if session.state == "scheduled":
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


async def create(
    scope: Scope, req: HelpRequest, mentor_id: int
) -> tuple[Session, list[OutboundMessage], Attachment | None]:
    """The session of a just-claimed request: its space, timers and (if scheduled) invite."""
    start_at = req.start_at if req.start_at is not None else scope.ts
    link = await scope.tx.fetch_val(person_sql.GET_LINK, {"id": mentor_id})
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
                "state": "scheduled" if req.start_at is not None else "active",
                "place": link,
                "now": scope.ts,
            },
        )
    )
    for person_id, role in ((req.requester_id, "mentee"), (mentor_id, "mentor")):
        await scope.tx.execute(
            sql.ADD_PARTICIPANT, {"session_id": session_id, "person_id": person_id, "role": role}
        )
    session = await load_session(scope, session_id)
    assert session is not None
    await schedule_actions(scope, session)
    where = await space(scope, session)
    s = sid(session.id)
    if session.state == "active":
        text = (
            f"Session {s} for {rid(req.id)} starts now: {names(session)}, {session.minutes} min, "
            f"until {shared_time(session.ends_at, zones(session))}. {place_text(session)}.\n"
            f"Question: {session.question}\nPlease both check in."
        )
        return session, [_space_message(where, text, session, checkin=True)], None
    invite = _invite(scope, session)
    text = (
        f"Session {s} for {rid(req.id)} is booked: {names(session)}, {session.minutes} min, "
        f"at {shared_time(session.start_at, zones(session))}. {place_text(session)}.\n"
        f"Question: {session.question}\nCheck-in opens "
        f"{int(scope.config.sessions.checkin_opens_before.total_seconds() // 60)} min before."
    )
    return session, [_space_message(where, text, session)], invite


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
        sql.ADD_PARTICIPANT, {"session_id": session.id, "person_id": mentor_id, "role": "mentor"}
    )
    joined = await load_session(scope, session.id)
    assert joined is not None
    where = await space(scope, joined)
    text = (
        f"{mentor_name} joins {sid(joined.id)} as another mentor (a second opinion). "
        f"{place_text(joined)}; please check in."
    )
    invite = _invite(scope, joined) if joined.state == "scheduled" else None
    return joined, [_space_message(where, text, joined, checkin=True)], invite


def _space_message(
    where: SessionAddress,
    text: str,
    session: Session,
    *,
    checkin: bool = False,
    extend: bool = False,
    done: bool = False,
    key_suffix: str = "",
    closes: bool = False,
) -> OutboundMessage:
    return OutboundMessage(
        to=where,
        text=text,
        actions=session_actions(session.id, checkin=checkin, extend=extend, done=done),
        key=f"session:{session.id}{key_suffix}" if key_suffix else None,
        closes_space=closes,
    )


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
    await _end(
        ctx,
        session,
        SessionState.CANCELLED,
        "cancelled_by_member",
        by=ctx.me.id,
        ratings_close_at=None,
    )
    await ctx.tx.execute(request_sql.CANCEL_MATCHED, {"id": req.id, "now": ctx.ts})
    messages_offers = await waves.pending_offer_updates(
        ctx, req, f"{rid(req.id)} was cancelled by the member. No action needed."
    )
    await ctx.tx.execute(
        offer_sql.SETTLE,
        {"request_id": req.id, "winner": None, "state": "withdrawn", "now": ctx.ts},
    )
    window = int(ctx.config.accountability.late_cancel_window.total_seconds())
    late = session.start_at - ctx.ts <= window  # the same edge as the record's query
    text = f"{ctx.me.display_name} cancelled {s}. Thank you for your time; you're free again."
    where = await space(ctx, session)
    messages = [_space_message(where, text, session, closes=True), *messages_offers]
    for mentor in session.mentors:
        address = await address_of(ctx.tx, mentor.person_id)
        if address is not None:
            messages.append(OutboundMessage(to=address, text=text))
    return messages, late


async def _end(
    scope: Scope,
    session: Session,
    state: SessionState,
    outcome: str,
    *,
    by: int | None,
    ratings_close_at: int | None,
) -> bool:
    """Move a live session to an end state, as the state table allows; False if it had
    already left its live state (a racing command or due action ended it first)."""
    assert can_move(SessionState(session.state), state), (session.state, state)
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


# -- commands ------------------------------------------------------------------------------


async def set_call_link(ctx: Ctx, cmd: c.SetCallLink) -> Outcome:
    if cmd.url is None:
        await ctx.tx.execute(person_sql.SET_LINK, {"id": ctx.me.id, "link": None})
        return Outcome(Reply("Your call link is cleared; sessions meet in their own space."))
    url = cmd.url
    await ctx.tx.execute(person_sql.SET_LINK, {"id": ctx.me.id, "link": url})
    return Outcome(Reply(f"Sessions you take will meet at {url}."))


async def list_sessions(ctx: Ctx, cmd: c.ListSessions) -> Outcome:
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
        or session.state != "completed"
        or session.ratings_close_at is None
        or session.ratings_revealed_at is not None
        or ctx.ts >= session.ratings_close_at
    ):
        return False
    given = await ctx.tx.fetch(sql.RATINGS_OF, {"session_id": session.id})
    rated = {int(r["ratee_id"]) for r in given if int(r["rater_id"]) == ctx.me.id}
    return any(o.person_id not in rated for o in session.others(ctx.me.id))


async def check_in(ctx: Ctx, cmd: c.CheckIn) -> Outcome:
    session = await my_session(ctx, cmd.session, "checkin", SessionStep.CHECK_IN)
    s = sid(session.id)
    opens = session.start_at - int(ctx.config.sessions.checkin_opens_before.total_seconds())
    if ctx.ts < opens:
        raise InvalidInput(
            f"Check-in for {s} opens at {format_local(from_epoch(opens), ctx.zone)}.",
            hint=f"The session starts at {format_local(from_epoch(session.start_at), ctx.zone)}.",
        )
    done = await ctx.tx.fetch_one(
        sql.CHECK_IN, {"session_id": session.id, "person_id": ctx.me.id, "now": ctx.ts}
    )
    if done is None:
        return Outcome(Reply(f"You're already checked in to {s}."))
    session = await load_session(ctx, session.id) or session
    waiting = [p.display_name for p in session.participants if p.checked_in_at is None]
    where = await space(ctx, session)
    if waiting:
        text = f"{ctx.me.display_name} checked in to {s}; waiting for {', '.join(waiting)}."
        return Outcome(Reply(f"Checked in to {s}."), [_space_message(where, text, session)])
    text = (
        f"Everyone is here: have a great session! {s} ends at "
        f"{shared_time(session.ends_at, zones(session))}."
    )
    return Outcome(
        Reply(f"Checked in to {s}."),
        [_space_message(where, text, session, extend=True, done=True)],
    )


async def withdraw(ctx: Ctx, cmd: c.Withdraw) -> Outcome:
    session = await my_session(ctx, cmd.session, "withdraw", SessionStep.WITHDRAW)
    s = sid(session.id)
    me = session.participant(ctx.me.id)
    assert me is not None
    if me.role != "mentor":
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
    await _end(
        ctx, session, SessionState.WITHDRAWN, "withdrawn", by=ctx.me.id, ratings_close_at=None
    )
    messages: list[OutboundMessage] = []
    mentee = await address_of(ctx.tx, session.mentee_id)
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
        _space_message(where, f"{ctx.me.display_name} withdrew from {s}.", session, closes=True)
    )
    messages += await waves.reopen(ctx, session.request_id)
    return Outcome(
        Reply(f"You withdrew from {s}. {rid(session.request_id)} goes back to other mentors."),
        messages,
    )


async def _propose(
    ctx: Ctx,
    session: Session,
    kind: str,
    value: int,
    describe: Callable[[str], str],
    command: str,
) -> tuple[bool, list[OutboundMessage]]:
    """Record a proposal; True if it matches the other side's, so it can be applied."""
    current = await ctx.tx.fetch_one(sql.GET_PROPOSAL, {"session_id": session.id, "kind": kind})
    if (
        current is not None
        and int(current["value"]) == value
        and int(current["proposed_by"]) != ctx.me.id
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
        if other.person_id == ctx.me.id:
            continue
        address = await address_of(ctx.tx, other.person_id)
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
    ts = int(when.timestamp())
    if ts == session.start_at:
        return Outcome(Reply(f"{s} is already at that time."))
    iso = when.strftime("%Y-%m-%dT%H:%MZ")

    def describe(zone: str) -> str:
        return f"move {s} to {format_local(when, ZoneInfo(zone))}."

    agreed, messages = await _propose(
        ctx, session, "reschedule", ts, describe, f"/mentor reschedule {s} {iso}"
    )
    if not agreed:
        return Outcome(
            Reply(f"Proposed {format_local(when, ctx.zone)} for {s}; waiting for the other side."),
            messages,
        )
    await ctx.tx.execute(
        sql.MOVE, {"id": session.id, "start_at": ts, "ends_at": ts + session.minutes * 60}
    )
    moved = await load_session(ctx, session.id)
    assert moved is not None
    await schedule_actions(ctx, moved)
    invite = _invite(ctx, moved)
    where = await space(ctx, moved)
    text = f"{s} is moved to {shared_time(ts, zones(moved))}. The calendar invite is updated."
    messages = [_space_message(where, text, moved)]
    for other in moved.participants:
        if other.person_id == ctx.me.id:
            continue
        address = await address_of(ctx.tx, other.person_id)
        if address is not None:
            messages.append(
                OutboundMessage(to=address, text=f"Updated invite for {s}.", files=(invite,))
            )
    return Outcome(
        Reply(f"Agreed: {s} is now at {format_local(when, ctx.zone)}.", files=(invite,)), messages
    )


async def extend(ctx: Ctx, cmd: c.Extend) -> Outcome:
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
        ctx, session, "extend", cmd.minutes, describe, f"/mentor extend {s} {cmd.minutes}"
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
        [_space_message(where, text, longer, done=True)],
    )


async def done(ctx: Ctx, cmd: c.Done) -> Outcome:
    session = await my_session(ctx, cmd.session, "done", SessionStep.DONE)
    s = sid(session.id)
    messages = await complete(ctx, session, cmd.outcome, ctx.me.id)
    return Outcome(Reply(f"{s} is done ({cmd.outcome}). Thank you!"), messages)


async def complete(
    scope: Scope, session: Session, outcome: str, by: int | None
) -> list[OutboundMessage]:
    """End a running session; if it took place, open the blind rating window."""
    close_at = scope.after(scope.config.sessions.rating_window) if session.took_place else None
    ended = await _end(
        scope, session, SessionState.COMPLETED, outcome, by=by, ratings_close_at=close_at
    )
    if not ended:
        return []
    metrics.SESSIONS.labels(outcome).inc()
    s = sid(session.id)
    where = await space(scope, session)
    if close_at is None:
        missing = ", ".join(p.display_name for p in session.participants if p.checked_in_at is None)
        text = f"{s} has ended ({outcome}). No ratings for this one: {missing} didn't check in."
        return [_space_message(where, text, session, closes=True)]
    await due.schedule(scope, due.Kind.RATINGS_CLOSE, session.id, close_at, session.version)
    messages = [
        _space_message(where, f"{s} has ended ({outcome}). Thank you both!", session, closes=True)
    ]
    for p in session.participants:
        address = await address_of(scope.tx, p.person_id)
        if address is None or p.checked_in_at is None:
            continue
        closes = format_local(from_epoch(close_at), ZoneInfo(p.timezone))
        others = session.others(p.person_id)
        for other in others:
            # With several mentors each gets their own prompt, and the buttons name them.
            mention = None
            if len(others) > 1:
                their = await address_of(scope.tx, other.person_id)
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
    """The key of one rating prompt, so the confirmation replaces that prompt: with several
    mentors each rating has a prompt of its own."""
    key = f"rate:{session.id}:{rater_id}"
    return key + f":{ratee_id}" if len(session.others(rater_id)) > 1 else key


# -- due actions ---------------------------------------------------------------------------


async def _current(
    scope: Scope, session_id: int, version: int, states: tuple[str, ...]
) -> Session | None:
    session = await load_session(scope, session_id)
    if session is None or session.version != version or session.state not in states:
        return None
    return session


async def remind_start(scope: Scope, session_id: int, version: int) -> list[OutboundMessage]:
    """Due: a reminder before a scheduled start."""
    session = await _current(scope, session_id, version, ("scheduled",))
    if session is None:
        return []
    where = await space(scope, session)
    text = (
        f"Reminder: {sid(session.id)} starts at {shared_time(session.start_at, zones(session))}. "
        f"{place_text(session)}. Check in when you're there."
    )
    return [_space_message(where, text, session, checkin=True)]


async def start(scope: Scope, session_id: int, version: int) -> list[OutboundMessage]:
    """Due: a scheduled session begins."""
    session = await _current(scope, session_id, version, ("scheduled",))
    if session is None:
        return []
    moved = await scope.tx.fetch_one(
        sql.SET_STATE, {"id": session.id, "old_state": "scheduled", "new_state": "active"}
    )
    if moved is None:
        return []
    where = await space(scope, session)
    waiting = [p.display_name for p in session.participants if p.checked_in_at is None]
    text = f"{sid(session.id)} starts now. {place_text(session)}."
    if waiting:
        text += f" Waiting for {', '.join(waiting)} to check in."
    return [_space_message(where, text, session, checkin=bool(waiting), done=True)]


async def checkin_deadline(scope: Scope, session_id: int, version: int) -> list[OutboundMessage]:
    """Due: whoever hasn't checked in by the grace period is a no-show."""
    session = await _current(scope, session_id, version, ("active",))
    if session is None or all(p.checked_in_at is not None for p in session.participants):
        return []
    missing = await scope.tx.fetch(sql.MARK_NO_SHOW, {"session_id": session.id})
    if not missing:
        return []
    if session.took_place:
        # A second opinion where one mentor didn't come: recorded, and the session goes on.
        gone = {int(r["person_id"]) for r in missing}
        who = ", ".join(p.display_name for p in session.participants if p.person_id in gone)
        where = await space(scope, session)
        text = f"{who} didn't check in to {sid(session.id)}: recorded as a no-show. Carry on!"
        return [_space_message(where, text, session)]
    mentor_missing = all(p.checked_in_at is None for p in session.mentors)
    mentee_missing = any(r["role"] == "mentee" for r in missing)
    if mentor_missing and mentee_missing:
        outcome = "both_no_show"
    else:
        outcome = "mentor_no_show" if mentor_missing else "mentee_no_show"
    await _end(scope, session, SessionState.NO_SHOW, outcome, by=None, ratings_close_at=None)
    metrics.SESSIONS.labels(outcome).inc()
    gone = {int(r["person_id"]) for r in missing}
    who = ", ".join(p.display_name for p in session.participants if p.person_id in gone)
    grace = int(scope.config.sessions.checkin_grace.total_seconds() // 60)
    s, r = sid(session.id), rid(session.request_id)
    text = f"{who} didn't check in to {s} within {grace} minutes: recorded as a no-show."
    messages: list[OutboundMessage] = []
    if outcome == "mentor_no_show":
        # The member came and the mentor didn't: find them someone else, automatically.
        text += f" I'm looking for another mentor for {r}."
        reopened = await waves.reopen(scope, session.request_id)
    else:
        reopened = []
        await scope.tx.execute(
            request_sql.NOT_MATCHED,
            {"id": session.request_id, "now": scope.ts, "note": outcome},
        )
        if outcome == "mentee_no_show":
            text += " Thank you for showing up; you're free for other requests."
    where = await space(scope, session)
    messages.append(_space_message(where, text, session, closes=True))
    return messages + reopened


async def remind_end(scope: Scope, session_id: int, version: int) -> list[OutboundMessage]:
    """Due: a few minutes left."""
    session = await _current(scope, session_id, version, ("active",))
    if session is None:
        return []
    left = max(1, (session.ends_at - scope.ts + 59) // 60)
    s = sid(session.id)
    text = (
        f"{left} min left in {s}. Need more time? `/mentor extend {s} 15` (both must agree). "
        f"Finished? `/mentor done {s} resolved|partial|referred`."
    )
    where = await space(scope, session)
    return [_space_message(where, text, session, extend=True, done=True)]


async def end(scope: Scope, session_id: int, version: int) -> list[OutboundMessage]:
    """Due: the time box is over."""
    session = await _current(scope, session_id, version, ("active",))
    if session is None:
        return []
    return await complete(scope, session, "timebox", None)
