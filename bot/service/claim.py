"""Taking a request: the one conditional update that decides it, then the session."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot import metrics
from bot.domain.errors import Conflict, LimitReached
from bot.domain.messages import Attachment, OutboundMessage
from bot.domain.model import HelpRequest, Session
from bot.domain.states import OfferState, PostStatus, RequestState, RequestStep, request_refusal
from bot.service import sessions, waves
from bot.service.context import Scope
from bot.service.post_thread import thread_note
from bot.service.views import rid, session_when, sid
from bot.storage.sql import offers as offer_sql
from bot.storage.sql import persons as person_sql
from bot.storage.sql import requests as request_sql

WEEK = timedelta(days=7)


def joinable(req: HelpRequest) -> bool:
    """Open, or matched but still short of the mentors wanted (a second opinion)."""
    return req.state == RequestState.OPEN or (
        req.state == RequestState.MATCHED and req.mentors_joined < req.mentors_wanted
    )


def closed_error(req: HelpRequest) -> Conflict:
    """What someone hears when the request is no longer open."""
    if req.state == RequestState.MATCHED:
        return Conflict(
            f"Thank you! {rid(req.id)} was already taken by another mentor.",
            hint="Other open requests: `/mentor open`.",
        )
    return request_refusal(RequestStep.ACCEPT, req.state, rid(req.id))


async def check_capacity(
    scope: Scope, mentor_id: int, mentor_name: str, request_id: int = 0
) -> None:
    """Lock the mentor's row, then check both limits, so racing accepts can't both pass.
    Offers to take other requests whose member is still choosing (`ask --choose`) count
    as sessions: a mentor can't be held by more choices than they have room for."""
    limits = await scope.tx.fetch_one(person_sql.LOCK_PERSON, {"id": mentor_id, "now": scope.ts})
    load = await scope.tx.fetch_one(
        person_sql.MENTOR_LOAD,
        {"person_id": mentor_id, "week_ago": scope.ago(WEEK), "request_id": request_id},
    )
    assert limits is not None and load is not None
    held = int(load["held"])
    if int(load["active"]) + held >= int(limits["capacity_concurrent"]):
        waiting = f" and offered to take {held} more" if held else ""
        raise LimitReached(
            f"{mentor_name} already has {load['active']} session(s) coming up or "
            f"running{waiting}, the limit set in their profile.",
            hint="Finish one first, or raise it: `/mentor profile capacity <at once> <per week>`.",
        )
    if int(load["this_week"]) >= int(limits["capacity_weekly"]):
        raise LimitReached(
            f"{mentor_name} has taken {load['this_week']} session(s) in the last 7 days, the "
            "weekly limit set in their profile.",
            hint="Raise it with `/mentor profile capacity <at once> <per week>`.",
        )


async def claim_request(
    scope: Scope,
    req: HelpRequest,
    mentor_id: int,
    mentor_name: str,
    assigned_by: str | None = None,
) -> tuple[Session, list[OutboundMessage], Attachment | None]:
    """First accept wins: claim, create the session, and tell everyone concerned."""
    await check_capacity(scope, mentor_id, mentor_name, req.id)
    claimed = await scope.tx.fetch_one(request_sql.CLAIM, {"id": req.id, "now": scope.ts})
    if claimed is None:
        fresh = await waves.get_request(scope, req.id)
        raise closed_error(fresh or req)
    joined, wanted = int(claimed["mentors_joined"]), int(claimed["mentors_wanted"])
    metrics.OFFERS.labels(OfferState.ACCEPTED).inc()
    if joined == 1:
        metrics.TIME_TO_ACCEPT.observe(max(0, scope.ts - req.created_at))
    if joined == 1:
        session, messages, invite = await sessions.create(scope, req, mentor_id)
        messages += await thread_note(
            scope,
            req.id,
            f"{mentor_name} took {rid(req.id)}: session {sid(session.id)}, {req.minutes} min. "
            "Carry on here, or in the session's own space.",
            PostStatus.TAKEN,
            PostStatus.OPEN,
        )
    else:
        session, messages, invite = await sessions.join(scope, req, mentor_id, mentor_name)
    r, s = rid(req.id), sid(session.id)
    if joined < wanted:
        # More mentors may still join: only this mentor's offer is settled.
        settled = await scope.tx.fetch(
            offer_sql.ACCEPT_OWN,
            {"request_id": req.id, "mentor_id": mentor_id, "now": scope.ts},
        )
    else:
        messages += await waves.channel_updates(scope, req, f"{r} was taken by {mentor_name}.")
        settled = await scope.tx.fetch(
            offer_sql.SETTLE,
            {"request_id": req.id, "winner": mentor_id, "state": OfferState.TAKEN, "now": scope.ts},
        )
    # Offers to take it (`ask --choose`) end with any claim; those who offered without an
    # offer of their own (from `/mentor open`) hear it here, the others with their offer.
    messages += await waves.release_volunteers(
        scope,
        req,
        f"{r} was taken by another mentor. Thanks!",
        told={mentor_id} | {int(row["mentor_id"]) for row in settled},
    )
    if not any(int(row["mentor_id"]) == mentor_id for row in settled):
        await scope.tx.execute(
            offer_sql.RECORD_DIRECT_ACCEPT,
            {
                "community_id": scope.community,
                "request_id": req.id,
                "mentor_id": mentor_id,
                "now": scope.ts,
            },
        )
    for row in settled:
        address = await scope.address(int(row["mentor_id"]))
        if address is None:
            continue
        text = (
            f"You accepted {r}: session {s} with {req.requester_name}."
            if row["state"] == OfferState.ACCEPTED
            else f"{r} was taken by another mentor. Thanks for being available!"
        )
        messages.append(
            OutboundMessage(to=address, text=text, key=f"offer:{row['id']}", update=True)
        )
    mentee = await scope.address(req.requester_id)
    if mentee is not None:
        zone = ZoneInfo(session.mentee.timezone)
        messages.append(
            OutboundMessage(
                to=mentee,
                text=(
                    f"Good news: {mentor_name} "
                    + (
                        f"was assigned to your request {r} by {assigned_by}"
                        if assigned_by
                        else f"accepted your request {r}"
                    )
                    + (f" (mentor {joined} of {wanted})" if wanted > 1 else "")
                    + f". Session {s}, {req.minutes} min, {session_when(req.start_at, zone)}."
                ),
                key=f"request:{req.id}",
                files=(invite,) if invite else (),
            )
        )
    return session, messages, invite
