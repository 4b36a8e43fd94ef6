"""The accountability formulas, with the numbers worked by hand."""

from __future__ import annotations

import random

import pytest

from bot.domain.reputation import Record, bayesian_average, reliability, suspension_days
from bot.domain.routing import Candidate, rank, score


def test_one_five_star_does_not_beat_fifty_four_point_eights() -> None:
    """(4*5 + 5) / 6 = 4.1667 versus (4*5 + 240) / 55 = 4.7273."""
    one = bayesian_average(5.0, 1, prior_mean=4.0, prior_weight=5.0)
    fifty = bayesian_average(4.8 * 50, 50, prior_mean=4.0, prior_weight=5.0)
    assert one == pytest.approx(25 / 6)
    assert fifty == pytest.approx(260 / 55)
    assert fifty > one


def test_no_ratings_is_the_prior() -> None:
    """Nobody starts above or below the prior mean."""
    assert bayesian_average(0.0, 0, prior_mean=4.0, prior_weight=5.0) == 4.0


def test_reliability_weighs_no_shows_and_late_cancels() -> None:
    """8 answered + 4 attended = 12 good; 2 ignored + 1 no-show*3 + 1 late*2 = 7 bad.

    (0.8*5 + 12) / (5 + 12 + 7) = 16 / 24 = 0.6667.
    """
    record = Record(
        offers_answered=8, offers_ignored=2, sessions_attended=4, no_shows=1, late_cancels=1
    )
    assert reliability(record, prior=0.8, prior_weight=5.0) == pytest.approx(16 / 24)


def test_a_clean_record_rises_above_the_prior() -> None:
    """10 answered, 0 bad: (4 + 10) / 15 = 0.9333."""
    assert reliability(Record(offers_answered=10), 0.8, 5.0) == pytest.approx(14 / 15)


def test_suspensions_are_graduated() -> None:
    """First 3 days, then 7, then 30 and 30 again."""
    ladder = [3, 7, 30]
    assert [suspension_days(n, ladder) for n in range(5)] == [3, 7, 30, 30, 30]


def test_routing_score_worked_example() -> None:
    """Full fit, free now, 1 of 5 sessions this week, 1 recent offer, reliability 0.9,
    reputation 4.5: 3*1 + 2*(1 - 1/5) + 1*1 - 1*(1/5) + 2*(0.9-0.8) + 0.5*(4.5-4.0) = 5.85."""
    c = Candidate(
        1,
        fit=2,
        active_sessions=0,
        sessions_this_week=1,
        capacity_concurrent=1,
        capacity_weekly=5,
        recent_offers=1,
        reliability=0.9,
        reputation=4.5,
    )
    assert score(c, requested_skills=2) == pytest.approx(5.85)


def test_reputation_and_reliability_move_a_mentor_up_the_wave() -> None:
    """Same fit and load: the more reliable, better rated mentor is offered first."""
    base = dict(
        fit=1, active_sessions=0, sessions_this_week=0, capacity_concurrent=1, capacity_weekly=5
    )
    weak = Candidate(1, **base, reliability=0.5, reputation=3.5)  # type: ignore[arg-type]
    strong = Candidate(2, **base, reliability=0.95, reputation=4.8)  # type: ignore[arg-type]
    assert [c.person_id for c in rank([weak, strong], 1, 2, random.Random(0))] == [2, 1]
