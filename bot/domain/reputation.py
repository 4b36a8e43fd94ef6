"""Reputation and reliability: the formulas, pure, worked through in docs/accountability.md."""

from __future__ import annotations

from dataclasses import dataclass

# How heavily each bad event weighs against one good one in reliability.
NO_SHOW_WEIGHT = 3.0
LATE_CANCEL_WEIGHT = 2.0
IGNORED_OFFER_WEIGHT = 1.0


def bayesian_average(total: float, count: int, prior_mean: float, prior_weight: float) -> float:
    """(prior_mean * prior_weight + sum of scores) / (prior_weight + number of scores).

    With no ratings it is the prior; each rating pulls it toward the rater's score, so one
    5-star rating can't beat fifty 4.8s.
    """
    return (prior_mean * prior_weight + total) / (prior_weight + count)


@dataclass(frozen=True)
class Record:
    """What a person did, as counted for reliability."""

    offers_answered: int = 0
    offers_ignored: int = 0
    sessions_attended: int = 0
    no_shows: int = 0
    late_cancels: int = 0
    median_answer_seconds: float | None = None

    @property
    def good(self) -> float:
        return float(self.offers_answered + self.sessions_attended)

    @property
    def bad(self) -> float:
        return (
            IGNORED_OFFER_WEIGHT * self.offers_ignored
            + NO_SHOW_WEIGHT * self.no_shows
            + LATE_CANCEL_WEIGHT * self.late_cancels
        )


def reliability(record: Record, prior: float, prior_weight: float) -> float:
    """A share in [0, 1]: (prior * weight + good) / (weight + good + bad)."""
    denominator = prior_weight + record.good + record.bad
    if denominator <= 0:
        return prior
    return (prior * prior_weight + record.good) / denominator


def reputation_shown(count: int, minimum: int) -> bool:
    """Reputation is only shown once it rests on enough ratings."""
    return count >= minimum


def suspension_days(prior_suspensions: int, ladder: list[int]) -> int:
    """Graduated: the first suspension is the ladder's first step, then the next, and so on."""
    return ladder[min(prior_suspensions, len(ladder) - 1)]
