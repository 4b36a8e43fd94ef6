"""Sending a request's next wave of offers to the best available mentors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot import metrics
from bot.clock import from_epoch
from bot.domain.messages import OutboundMessage
from bot.domain.model import HelpRequest
from bot.domain.routing import Candidate, full_fit, has_capacity, plan_wave, pool_chance, rank
from bot.domain.timeparse import MINUTES_PER_WEEK, minute_of_week
from bot.service import due, reputation
from bot.service.context import Scope
from bot.service.identities import kept_apart
from bot.service.views import offer_actions, offer_text, request_fields
from bot.storage.database import Row, Transaction
from bot.storage.sql import offers as sql
from bot.storage.sql import persons as person_sql
from bot.storage.sql import requests as request_sql

WEEK_SECONDS = 7 * 24 * 3600
MIN_SHARE = 10  # mentors each requested skill brings, at the least
WALK_FACTOR = 8


async def refresh_rotation(tx: Transaction, person_id: int, ts: int) -> None:
    """Put the mentor's skills where they stand in the rotation after their availability
    changed: behind everyone while they can't be available, else at their last offer."""
    await tx.execute(
        person_sql.REFRESH_ROTATION,
        {"id": person_id, "now": ts, "out": person_sql.OUT_OF_ROTATION},
    )


def _candidate(row: Row, scope: Scope | None = None) -> Candidate:
    """A candidate from its row; with `scope`, its standing too (reputation, reliability and
    answers to offers), which only the candidates query reads."""
    extra: dict[str, Any] = {}
    if scope is not None:
        extra = {
            "reputation": reputation.mentor_reputation(scope, row).value,
            "reliability": reputation.reliability_of(scope, reputation.record_of(row)),
            "offers_accepted": int(row["offers_accepted"]),
            "offers_declined": int(row["offers_declined"]),
            "offers_ignored": int(row["offers_ignored"]),
        }
    return Candidate(
        **extra,
        person_id=int(row["person_id"]),
        fit=int(row["fit"]),
        active_sessions=int(row["active"]),
        sessions_this_week=int(row["this_week"]),
        capacity_concurrent=int(row["capacity_concurrent"]),
        capacity_weekly=int(row["capacity_weekly"]),
        recent_offers=int(row["recent_offers"]),
        last_offered_at=row["last_offered_at"],
    )


async def candidates(
    scope: Scope, req: HelpRequest, apart: frozenset[int] | None = None
) -> list[tuple[Candidate, str]]:
    """Mentors who could get this request's next offer, scored inputs filled, with their zone
    (`apart`: identities.kept_apart of the requester, if the caller has it already)."""
    at = req.start_at if req.start_at is not None else scope.ts
    if apart is None:
        apart = await kept_apart(scope, req.requester_id)
    query, skill_params = sql.candidates(list(req.skills), apart)
    # A wave ranks about candidate_pool mentors however many skills are asked for: each skill
    # brings its share (sql.offers._POOL_BRANCH), and with several skills up to half as many
    # who hold another of them, looked for among its WALK_FACTOR x candidate_pool least
    # recently offered holders (_MULTI_BRANCH). What these buy in fit and cost in time is
    # measured by bench/routing.py (docs/benchmarks.md).
    budget = scope.config.routing.candidate_pool
    share = max(MIN_SHARE, -(-budget // max(len(req.skills), 1)))
    rows = await scope.tx.fetch(
        query,
        {
            **skill_params,
            "community_id": req.community_id,
            "pool": share,
            "multi": max(share // 2, 1),
            "walk": budget * WALK_FACTOR,
            "request_id": req.id,
            "at": at,
            "now": scope.ts,
            "mow": minute_of_week(from_epoch(at)),
            "week_ago": scope.ts - WEEK_SECONDS,
            "recent_since": scope.ago(scope.config.routing.recent_offers_window),
            **reputation.record_params(scope),
        },
    )
    return [
        (
            _candidate(row, scope),
            str(row["timezone"]),
        )
        for row in rows
    ]


def _offer_params(scope: Scope, req: HelpRequest) -> dict[str, int]:
    """What every query about who may be offered this request takes: the request, now, and
    where the rolling week of sessions starts."""
    return {"request_id": req.id, "now": scope.ts, "week_ago": scope.ts - WEEK_SECONDS}


async def _preferred(
    scope: Scope, req: HelpRequest, apart: frozenset[int]
) -> list[tuple[Candidate, str]]:
    """The mentor the member named, if they can take it (they get the first offer alone)."""
    query, apart_params = sql.preferred(apart)
    row = await scope.tx.fetch_one(
        query,
        {
            **apart_params,
            **_offer_params(scope, req),
            "mentor_id": req.preferred_mentor_id,
        },
    )
    if row is None or not has_capacity(_candidate(row)):
        return []
    return [(_candidate(row), str(row["timezone"]))]


@dataclass(frozen=True)
class SentWave:
    """What a wave did: its offer messages, how many mentors it reached, the chance one of
    them takes it in time, that chance over everyone who could be offered it now, and
    whether partial fits were held back for full fits (`fits_only`)."""

    messages: list[OutboundMessage]
    offered: int = 0
    chance: float = 0.0
    pool_chance: float = 0.0
    fits_only: bool = False
    named: bool = False  # the one offer went to the mentor the member named (--with)

    @property
    def waiting_for_fit(self) -> bool:
        """Nobody was offered it because a full fit is due on duty soon."""
        return self.fits_only and not self.offered


async def _full_fit_due(ctx: Scope, req: HelpRequest, apart: frozenset[int], until: int) -> bool:
    """Someone with every requested skill is on duty, or comes on duty before `until`."""
    query, params = sql.full_fit_soon(list(req.skills), apart)
    start = minute_of_week(ctx.now)
    length = min(max((until - ctx.ts) // 60, 0), MINUTES_PER_WEEK)
    end = start + length
    wrapped = max(end - MINUTES_PER_WEEK, 0)
    row = await ctx.tx.fetch_one(
        query,
        {
            **params,
            **_offer_params(ctx, req),
            "community_id": req.community_id,
            "from1": start,
            "to1": min(end, MINUTES_PER_WEEK),
            "from2": 0,
            "to2": wrapped,
        },
    )
    return row is not None


async def _plan(
    ctx: Scope, req: HelpRequest, apart: frozenset[int]
) -> tuple[list[tuple[Candidate, str]], float, float, bool]:
    """The mentors of the next wave with their zones, the chance one of them takes it, the
    chance over everyone eligible now, and whether partial fits wait for a full fit."""
    routing = ctx.config.routing
    conf = ctx.config.accountability
    found = await candidates(ctx, req, apart)
    zones = {c.person_id: zone for c, zone in found}
    ranked = rank(
        [c for c, _ in found],
        len(req.skills),
        len(found),
        ctx.deps.rng,
        neutral_reliability=conf.reliability_prior,
        neutral_reputation=conf.reputation_prior_mean,
    )
    wanted = len(req.skills)
    fits = [c for c in ranked if full_fit(c, wanted)]
    # A partial fit gets an offer only once waiting for a full fit costs more than the fit is
    # worth: after partial_fit_after, or at once when no full fit is on duty or due on duty
    # within that time. (With one skill, every holder is a full fit.)
    fit_until = req.created_at + int(routing.partial_fit_after.total_seconds())
    fits_only = (
        wanted > 1
        and ctx.ts < fit_until
        and (bool(fits) or await _full_fit_due(ctx, req, apart, fit_until))
    )
    pool = fits if fits_only else ranked
    wave = plan_wave(pool, routing.accept_target, routing.wave_size)
    return (
        [(c, zones[c.person_id]) for c in wave.mentors],
        wave.chance,
        pool_chance(pool),
        fits_only,
    )


async def send_wave(ctx: Scope, req: HelpRequest) -> SentWave:
    """Offer the request to the next mentors, as many as it takes for the chance one of them
    accepts in time to reach the target (routing.accept_target, at most routing.wave_size)."""
    chosen_with_zone: list[tuple[Candidate, str]] = []
    chance = everyone = 0.0
    fits_only = False
    apart = await kept_apart(ctx, req.requester_id)
    if req.wave == 0 and req.preferred_mentor_id is not None:
        chosen_with_zone = await _preferred(ctx, req, apart)
        chance = everyone = pool_chance([m for m, _ in chosen_with_zone])
    named = bool(chosen_with_zone)
    if not chosen_with_zone:
        chosen_with_zone, chance, everyone, fits_only = await _plan(ctx, req, apart)
    if not chosen_with_zone:
        return SentWave([], fits_only=fits_only)
    # Lock mentors' rows in one global order (by id), so two asks offering to the same
    # mentors at once can't deadlock on PostgreSQL.
    mentor_ids = sorted(m.person_id for m, _ in chosen_with_zone)
    for mentor_id in mentor_ids:
        await ctx.tx.execute(sql.MARK_OFFERED, {"id": mentor_id, "now": ctx.ts})
    query, params = sql.mark_skills_offered(mentor_ids)
    await ctx.tx.execute(query, {**params, "now": ctx.ts})
    wave = req.wave + 1
    deadline = ctx.ts + int(ctx.config.routing.offer_deadline.total_seconds())
    # The wave's offers, their deadlines and the mentors' addresses: a statement each.
    query, params = sql.insert_wave([m.person_id for m, _ in chosen_with_zone])
    inserted = await ctx.tx.fetch(
        query,
        {
            **params,
            "community_id": ctx.community,
            "request_id": req.id,
            "wave": wave,
            "now": ctx.ts,
            "deadline_at": deadline,
        },
    )
    offer_of = {int(row["mentor_id"]): int(row["id"]) for row in inserted}
    await due.schedule_many(ctx, due.Kind.OFFER_DEADLINE, sorted(offer_of.values()), deadline)
    await ctx.prefetch_addresses([m.person_id for m, _ in chosen_with_zone])
    messages: list[OutboundMessage] = []
    for mentor, zone in chosen_with_zone:
        offer_id = offer_of[mentor.person_id]
        metrics.OFFERS.labels("sent").inc()
        address = await ctx.address(mentor.person_id)
        if address is None:
            continue
        messages.append(
            OutboundMessage(
                to=address,
                text=offer_text(req),
                fields=request_fields(req, ZoneInfo(zone)),
                actions=offer_actions(req),
                key=f"offer:{offer_id}",
            )
        )
    await ctx.tx.execute(request_sql.SET_WAVE, {"id": req.id, "wave": wave})
    return SentWave(messages, len(chosen_with_zone), chance, everyone, fits_only, named=named)
