"""Unit tests for bot/domain/routing.py: ranking mentors for an offer, and sizing a wave."""

from __future__ import annotations

import random

import pytest

from bot.domain.routing import Candidate, accept_chance, has_capacity, plan_wave, pool_chance, rank


def cand(person_id: int, **overrides: int | float | None) -> Candidate:
    """A free mentor with one of one requested skill; fields overridable."""
    fields: dict[str, object] = {
        "person_id": person_id,
        "fit": 1,
        "active_sessions": 0,
        "sessions_this_week": 0,
        "capacity_concurrent": 2,
        "capacity_weekly": 5,
    }
    fields.update(overrides)
    return Candidate(**fields)  # type: ignore[arg-type]


def ids(candidates: list[Candidate]) -> list[int]:
    return [c.person_id for c in candidates]


def test_rank_returns_top_k() -> None:
    """Only the best `k` are returned, best first."""
    pool = [cand(i, recent_offers=i) for i in range(1, 6)]
    assert ids(rank(pool, 1, 3, random.Random(0))) == [1, 2, 3]


def test_rank_k_larger_than_pool_returns_everyone_eligible() -> None:
    """Asking for more than there are gives all eligible mentors."""
    pool = [cand(1), cand(2)]
    assert sorted(ids(rank(pool, 1, 10, random.Random(0)))) == [1, 2]


def test_rank_k_zero_is_empty() -> None:
    """k=0 gives nobody."""
    assert rank([cand(1), cand(2)], 1, 0, random.Random(0)) == []


def test_rank_negative_k_is_empty() -> None:
    """A negative k gives nobody."""
    assert rank([cand(1)], 1, -1, random.Random(0)) == []


def test_full_fit_beats_less_loaded_partial_fit() -> None:
    """A busier mentor with every skill beats an idle one with half of them."""
    full = cand(1, fit=2, active_sessions=1, capacity_concurrent=2)
    partial = cand(2, fit=1, active_sessions=0, capacity_concurrent=2)
    assert ids(rank([partial, full], 2, 2, random.Random(0))) == [1, 2]


def test_less_loaded_wins_at_equal_fit() -> None:
    """With the same fit, the mentor with more free capacity goes first."""
    busy = cand(1, active_sessions=2, capacity_concurrent=3)
    idle = cand(2, active_sessions=0, capacity_concurrent=3)
    assert ids(rank([busy, idle], 1, 2, random.Random(0))) == [2, 1]


def test_more_recent_offers_lowers_rank() -> None:
    """A mentor who got more offers lately goes after one who got fewer."""
    swamped = cand(1, recent_offers=4)
    quiet = cand(2, recent_offers=0)
    assert ids(rank([swamped, quiet], 1, 2, random.Random(0))) == [2, 1]


def test_higher_reliability_ranks_first() -> None:
    """At equal fit and load, the more reliable mentor goes first."""
    flaky = cand(1, reliability=0.2)
    solid = cand(2, reliability=0.9)
    assert ids(rank([flaky, solid], 1, 2, random.Random(0))) == [2, 1]


def test_equal_scores_least_recently_offered_first() -> None:
    """At equal score, never offered goes first, then the oldest offer."""
    pool = [cand(1, last_offered_at=500), cand(2, last_offered_at=100), cand(3)]
    for seed in range(5):
        assert ids(rank(pool, 1, 3, random.Random(seed))) == [3, 2, 1]


def test_exact_ties_depend_on_the_seed() -> None:
    """Exact ties are broken by the RNG, so different seeds give different orders."""
    pool = [cand(i) for i in range(1, 6)]
    orders = {tuple(ids(rank(pool, 1, 5, random.Random(seed)))) for seed in range(20)}
    assert len(orders) > 1


def test_exact_ties_same_seed_same_order() -> None:
    """The same seed gives the same order."""
    pool = [cand(i) for i in range(1, 6)]
    first = ids(rank(pool, 1, 5, random.Random(42)))
    second = ids(rank(pool, 1, 5, random.Random(42)))
    assert first == second


def test_at_concurrent_capacity_is_never_chosen() -> None:
    """A mentor with every concurrent slot in use gets no offer."""
    full = cand(1, fit=3, active_sessions=2, capacity_concurrent=2)
    assert not has_capacity(full)
    assert ids(rank([full, cand(2)], 3, 5, random.Random(0))) == [2]


def test_at_weekly_capacity_is_never_chosen() -> None:
    """A mentor who reached the weekly limit gets no offer."""
    spent = cand(1, fit=3, sessions_this_week=5, capacity_weekly=5)
    assert not has_capacity(spent)
    assert ids(rank([spent, cand(2)], 3, 5, random.Random(0))) == [2]


def test_exclude_is_respected() -> None:
    """Excluded mentors are never chosen, however good."""
    best = cand(1, fit=3)
    other = cand(2, fit=1)
    assert ids(rank([best, other], 3, 5, random.Random(0), exclude=frozenset({1}))) == [2]


def test_rank_does_not_mutate_input() -> None:
    """The candidate list passed in keeps its order."""
    pool = [cand(1, recent_offers=5), cand(2)]
    rank(pool, 1, 2, random.Random(0))
    assert ids(pool) == [1, 2]


def test_a_full_fit_comes_first_even_with_a_poor_record() -> None:
    """Every full fit before any partial one, whatever the scores."""
    full = cand(1, fit=2, reliability=0.1, reputation=1.0, sessions_this_week=4)
    partial = cand(2, fit=1, reliability=1.0, reputation=5.0)
    assert ids(rank([partial, full], 2, 2, random.Random(0))) == [1, 2]


def test_the_week_s_load_outranks_the_same_free_moment() -> None:
    """Both free now; the one with fewer sessions this week against their capacity first."""
    worked = cand(1, sessions_this_week=3, capacity_weekly=4)
    rested = cand(2, sessions_this_week=1, capacity_weekly=4)
    assert ids(rank([worked, rested], 1, 2, random.Random(0))) == [2, 1]


def test_accept_chance_starts_at_one_in_two_and_follows_the_record() -> None:
    """(taken + 1) / (answered or not + 2)."""
    assert accept_chance(cand(1)) == pytest.approx(0.5)
    assert accept_chance(cand(1, offers_accepted=8)) == pytest.approx(9 / 10)
    assert accept_chance(cand(1, offers_declined=3, offers_ignored=5)) == pytest.approx(1 / 10)
    assert pool_chance([cand(1), cand(2)]) == pytest.approx(0.75)
    assert pool_chance([]) == 0.0


def test_a_wave_stops_once_the_target_is_reached() -> None:
    """New mentors (0.5 each): 0.9 needs four; a mentor who takes most offers is enough alone."""
    fresh = [cand(i) for i in range(1, 9)]
    wave = plan_wave(fresh, 0.9, 6)
    assert ids(wave.mentors) == [1, 2, 3, 4] and wave.chance == pytest.approx(1 - 0.5**4)
    keen = cand(9, offers_accepted=18)  # 19/20
    assert ids(plan_wave([keen, *fresh], 0.9, 6).mentors) == [9]


def test_a_wave_never_passes_its_most() -> None:
    """Unlikely mentors: the wave stops at `most`, with the chance it reached."""
    shy = [cand(i, offers_ignored=8) for i in range(1, 20)]  # 0.1 each
    wave = plan_wave(shy, 0.9, 5)
    assert len(wave.mentors) == 5 and wave.chance == pytest.approx(1 - 0.9**5)
    assert plan_wave([], 0.9, 5).mentors == []
