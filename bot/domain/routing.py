"""Who gets an offer: ranking mentors by fit, load, recent offers and reliability, and how many
to offer at once so that someone is likely to take it in time."""

from __future__ import annotations

import random
from dataclasses import dataclass

# Weights of the ranking score (docs/accountability.md works an example). Skill fit dominates:
# a mentor with every requested skill beats a less loaded one with half of them (and `rank`
# puts every full fit first anyway). Load spreads the work: the week's sessions against the
# weekly capacity weigh most, since at a capacity of one at a time every free mentor is
# equally free right now; recent offers spare those interrupted most. Reputation (stars
# above or below the prior mean) and reliability (above or below the prior share) move a
# mentor up or down the waves.
FIT_WEIGHT = 3.0
WEEKLY_FREE_WEIGHT = 2.0
FREE_WEIGHT = 1.0
RECENT_OFFERS_WEIGHT = 1.0
RECENT_OFFERS_CAP = 5
REPUTATION_WEIGHT = 0.5
RELIABILITY_WEIGHT = 2.0
NEUTRAL_RELIABILITY = 0.8
NEUTRAL_REPUTATION = 4.0
# What we believe of a mentor with no offers yet: they take one offer in two. Their own
# answers outweigh this after a couple of offers (a Beta prior worth ACCEPT_PRIOR_WEIGHT offers).
ACCEPT_PRIOR = 0.5
ACCEPT_PRIOR_WEIGHT = 2.0


@dataclass(frozen=True)
class Candidate:
    """A mentor who could take a request, with what routing needs to know of them."""

    person_id: int
    fit: int  # how many of the requested skills they hold
    active_sessions: int
    sessions_this_week: int
    capacity_concurrent: int
    capacity_weekly: int
    recent_offers: int = 0
    last_offered_at: int | None = None
    reliability: float = NEUTRAL_RELIABILITY
    reputation: float = NEUTRAL_REPUTATION
    # their offers in the reliability window: taken, declined, and left to expire
    offers_accepted: int = 0
    offers_declined: int = 0
    offers_ignored: int = 0


def has_capacity(c: Candidate) -> bool:
    """Under both the concurrent and the weekly limit."""
    return c.active_sessions < c.capacity_concurrent and c.sessions_this_week < c.capacity_weekly


def score(
    c: Candidate,
    requested_skills: int,
    neutral_reliability: float = NEUTRAL_RELIABILITY,
    neutral_reputation: float = NEUTRAL_REPUTATION,
) -> float:
    """Higher is better; see the weights above."""
    fit_ratio = c.fit / max(requested_skills, 1)
    free_ratio = 1.0 - c.active_sessions / max(c.capacity_concurrent, 1)
    weekly_free = 1.0 - c.sessions_this_week / max(c.capacity_weekly, 1)
    recent = min(c.recent_offers, RECENT_OFFERS_CAP) / RECENT_OFFERS_CAP
    return (
        FIT_WEIGHT * fit_ratio
        + WEEKLY_FREE_WEIGHT * weekly_free
        + FREE_WEIGHT * free_ratio
        - RECENT_OFFERS_WEIGHT * recent
        + RELIABILITY_WEIGHT * (c.reliability - neutral_reliability)
        + REPUTATION_WEIGHT * (c.reputation - neutral_reputation)
    )


def rank(
    candidates: list[Candidate],
    requested_skills: int,
    k: int,
    rng: random.Random,
    exclude: frozenset[int] = frozenset(),
    neutral_reliability: float = NEUTRAL_RELIABILITY,
    neutral_reputation: float = NEUTRAL_REPUTATION,
) -> list[Candidate]:
    """The best `k` mentors with capacity, best first: every full fit before any partial one.

    Equal scores go to whoever was offered work least recently (never offered first); a
    remaining tie is broken by the injected RNG so no mentor is always first by id.
    """
    eligible = [c for c in candidates if has_capacity(c) and c.person_id not in exclude]
    tiebreak = {c.person_id: rng.random() for c in eligible}
    eligible.sort(
        key=lambda c: (
            not full_fit(c, requested_skills),
            -round(score(c, requested_skills, neutral_reliability, neutral_reputation), 9),
            c.last_offered_at if c.last_offered_at is not None else -1,
            tiebreak[c.person_id],
        )
    )
    return eligible[: max(k, 0)]


def full_fit(c: Candidate, requested_skills: int) -> bool:
    """Holds every requested skill."""
    return c.fit >= requested_skills


def accept_chance(c: Candidate) -> float:
    """How likely this mentor takes an offer, from their own answers (taken, declined or let
    expire) and a prior for the new."""
    offers = c.offers_accepted + c.offers_declined + c.offers_ignored
    return (c.offers_accepted + ACCEPT_PRIOR * ACCEPT_PRIOR_WEIGHT) / (offers + ACCEPT_PRIOR_WEIGHT)


def pool_chance(mentors: list[Candidate]) -> float:
    """The chance that at least one of these mentors takes the offer."""
    none = 1.0
    for c in mentors:
        none *= 1.0 - accept_chance(c)
    return 1.0 - none


@dataclass(frozen=True)
class Wave:
    """The mentors of one wave, and the chance one of them takes it before the deadline."""

    mentors: list[Candidate]
    chance: float


def plan_wave(ranked: list[Candidate], target: float, most: int) -> Wave:
    """Take ranked mentors in order until the chance that one of them accepts reaches
    `target`, but no more than `most`: a wave as small as the odds allow, so that each
    request interrupts as few mentors as it needs to."""
    chosen: list[Candidate] = []
    for c in ranked[: max(most, 0)]:
        chosen.append(c)
        if pool_chance(chosen) >= target:
            break
    return Wave(chosen, pool_chance(chosen))
