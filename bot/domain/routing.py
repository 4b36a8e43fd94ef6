"""Who gets an offer: ranking mentors by fit, load, recent offers and reliability."""

from __future__ import annotations

import random
from dataclasses import dataclass

# Weights of the ranking score (docs/accountability.md works an example). Skill fit dominates:
# a mentor with every requested skill beats a less loaded one with half of them. Load and
# recent offers spread the work. Reputation (stars above or below the prior mean) and
# reliability (above or below the prior share) move a mentor up or down the waves.
FIT_WEIGHT = 3.0
FREE_WEIGHT = 1.0
RECENT_OFFERS_WEIGHT = 0.5
RECENT_OFFERS_CAP = 5
REPUTATION_WEIGHT = 0.5
RELIABILITY_WEIGHT = 2.0
NEUTRAL_RELIABILITY = 0.8
NEUTRAL_REPUTATION = 4.0


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
    recent = min(c.recent_offers, RECENT_OFFERS_CAP) / RECENT_OFFERS_CAP
    return (
        FIT_WEIGHT * fit_ratio
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
    """The best `k` mentors with capacity, best first.

    Equal scores go to whoever was offered work least recently (never offered first); a
    remaining tie is broken by the injected RNG so no mentor is always first by id.
    """
    eligible = [c for c in candidates if has_capacity(c) and c.person_id not in exclude]
    tiebreak = {c.person_id: rng.random() for c in eligible}
    eligible.sort(
        key=lambda c: (
            -round(score(c, requested_skills, neutral_reliability, neutral_reputation), 9),
            c.last_offered_at if c.last_offered_at is not None else -1,
            tiebreak[c.person_id],
        )
    )
    return eligible[: max(k, 0)]
