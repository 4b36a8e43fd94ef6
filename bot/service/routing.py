"""Sending a request's next wave of offers to the best available mentors."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.clock import from_epoch
from bot.domain.messages import OutboundMessage
from bot.domain.model import HelpRequest
from bot.domain.routing import Candidate, rank
from bot.domain.timeparse import minute_of_week
from bot.service import due
from bot.service.context import Scope, address_of
from bot.service.views import offer_actions, offer_text, request_fields
from bot.storage.sql import offers as sql
from bot.storage.sql import requests as request_sql

WEEK_SECONDS = 7 * 24 * 3600


async def candidates(ctx: Scope, req: HelpRequest) -> list[tuple[Candidate, str]]:
    """Mentors who could get this request's next offer, with their time zone."""
    at = req.start_at if req.start_at is not None else ctx.ts
    rows = await ctx.tx.fetch(
        sql.CANDIDATES,
        {
            "request_id": req.id,
            "requester_id": req.requester_id,
            "at": at,
            "mow": minute_of_week(from_epoch(at)),
            "week_ago": ctx.ts - WEEK_SECONDS,
            "recent_since": ctx.ago(ctx.config.routing.recent_offers_window),
        },
    )
    return [
        (
            Candidate(
                person_id=int(r["person_id"]),
                fit=int(r["fit"]),
                active_sessions=int(r["active"]),
                sessions_this_week=int(r["this_week"]),
                capacity_concurrent=int(r["capacity_concurrent"]),
                capacity_weekly=int(r["capacity_weekly"]),
                recent_offers=int(r["recent_offers"]),
                last_offered_at=r["last_offered_at"],
            ),
            str(r["timezone"]),
        )
        for r in rows
    ]


async def send_wave(ctx: Scope, req: HelpRequest) -> list[OutboundMessage]:
    """Offer the request to the next K mentors; returns the offer messages (maybe none)."""
    found = await candidates(ctx, req)
    zones = {c.person_id: zone for c, zone in found}
    chosen = rank(
        [c for c, _ in found], len(req.skills), ctx.config.routing.wave_size, ctx.deps.rng
    )
    if not chosen:
        return []
    wave = req.wave + 1
    deadline = ctx.ts + int(ctx.config.routing.offer_deadline.total_seconds())
    messages: list[OutboundMessage] = []
    for mentor in chosen:
        offer_id = await ctx.tx.fetch_val(
            sql.INSERT,
            {
                "community_id": ctx.community,
                "request_id": req.id,
                "mentor_id": mentor.person_id,
                "wave": wave,
                "now": ctx.ts,
                "deadline_at": deadline,
            },
        )
        await ctx.tx.execute(sql.MARK_OFFERED, {"id": mentor.person_id, "now": ctx.ts})
        await due.schedule(ctx, due.OFFER_DEADLINE, int(offer_id), deadline)
        address = await address_of(ctx.tx, mentor.person_id)
        if address is None:
            continue
        messages.append(
            OutboundMessage(
                to=address,
                text=offer_text(req),
                fields=request_fields(req, ZoneInfo(zones[mentor.person_id])),
                actions=offer_actions(req),
                key=f"offer:{offer_id}",
            )
        )
    await ctx.tx.execute(request_sql.SET_WAVE, {"id": req.id, "wave": wave})
    return messages
