"""Offers and the routing candidates query."""

from collections.abc import Iterable
from typing import Any

from bot.storage.sql import in_list, persons, reputation

# A mentor's load, as correlated subqueries on `p` (the mentor's persons row), counted as the
# claim counts it (persons.load_counts): a mentor held by a member's choice has no room for
# one more, as claim.check_capacity would find.
_TO_COME, _THIS_WEEK, _HELD = persons.load_counts("p.id")
_ACTIVE = f"({_TO_COME} + {_HELD})"
_RECENT_OFFERS = """(SELECT COUNT(*) FROM offers o2
  WHERE o2.mentor_id = p.id AND o2.created_at >= :recent_since)"""
# How the mentor answered offers in the reliability window (since :since), for their chance of
# taking the next one: taken from an offer (not from #mentors or the open list) and declined.
# Let-expire offers are reputation.RECORD_COLUMNS' offers_ignored.
_ANSWERS = """(SELECT COUNT(*) FROM offers oa WHERE oa.mentor_id = p.id AND oa.wave > 0
  AND oa.state = 'accepted' AND oa.created_at >= :since) AS offers_accepted,
(SELECT COUNT(*) FROM offers od WHERE od.mentor_id = p.id
  AND od.state = 'declined' AND od.created_at >= :since) AS offers_declined"""

# Who may be offered this request at all, whatever their skills. `{apart}` is the list of
# records kept apart from the requester (the requester under any record, and everyone either
# side of a block with them: sql.identities.KEPT_APART), worked out once per wave, so this
# stays a comparison of ids for each candidate.
_NOT_KEPT_APART = """p.id NOT IN {apart}
  AND (p.suspended_until IS NULL OR p.suspended_until <= :now)"""
_NOT_EXCLUDED = (
    _NOT_KEPT_APART
    + """
  AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.request_id = :request_id AND o.mentor_id = p.id)"""
)

# ... and free to take it now: not away, available at the request's time, under both limits.
_ELIGIBLE = (
    _NOT_EXCLUDED
    + """
  AND p.away = 0
  AND (p.available_until > :at
       OR EXISTS (SELECT 1 FROM availability_windows w
                  WHERE w.person_id = p.id AND w.start_minute <= :mow AND w.end_minute > :mow))
  AND """
    + _ACTIVE
    + """ < p.capacity_concurrent
  AND """
    + _THIS_WEEK
    + """ < p.capacity_weekly"""
)


def apart(ids: Iterable[int]) -> tuple[str, dict[str, Any]]:
    """`(:apart0, ...)` and its parameters, for the records kept apart from a requester."""
    # Sorted, so a set of the same size gives the same statement text (prepared once on
    # PostgreSQL). Never empty (the requester is in it): `NOT IN (NULL)` would keep everyone out.
    return in_list("apart", sorted(set(ids)) or [0])


def eligible(apart_list: str) -> str:
    """The condition on `p` for a mentor who may be offered the request now."""
    return _ELIGIBLE.replace("{apart}", apart_list)


# One requested skill's share of the pool: its `:pool` eligible holders offered work least
# recently, read in order from mentor_skills_rotation, so the cost is the pool's size and not
# the number of holders (a popular skill can have tens of thousands).
_POOL_BRANCH = """SELECT person_id FROM (
  SELECT ms.person_id FROM mentor_skills ms JOIN persons p ON p.id = ms.person_id
  WHERE ms.community_id = :community_id AND ms.skill = :{param} AND {eligible}
  ORDER BY ms.offered_at, ms.person_id LIMIT :pool) AS pool_{param}"""

# For a request with several skills, the pool above could miss everyone who holds more than
# one of them, and fit dominates the ranking. So each skill also brings its `:multi` eligible
# holders who hold the most other requested skills (least recently offered first), looking at
# no more than its `:walk` least recently offered holders. The walk only cuts short for a skill
# with more holders than that; if the other skill is rarer, its own branch walks all of its
# holders, and if both are that common, so are people holding both.
# The walked holders are sorted before the (costlier) eligibility is checked, so the check
# stops at `:multi`: SQLite and PostgreSQL both read a sorted derived table in its order
# here (the LIMIT keeps SQLite from dropping a subquery's ORDER BY); if a plan ever didn't,
# the branch would still bring eligible holders of several skills, only not necessarily
# those with the most.
_MULTI_BRANCH = """SELECT person_id FROM (
  SELECT w.person_id FROM (
    SELECT person_id, offered_at, shared FROM (
      SELECT ms.person_id, ms.offered_at,
             (SELECT COUNT(*) FROM mentor_skills o WHERE o.person_id = ms.person_id
                AND o.community_id = :community_id AND o.skill IN {others}) AS shared
      FROM mentor_skills ms
      WHERE ms.community_id = :community_id AND ms.skill = :{param}
      ORDER BY ms.offered_at, ms.person_id LIMIT :walk) AS walked
    WHERE shared > 0
    ORDER BY shared DESC, offered_at, person_id LIMIT :walk) AS w
  JOIN persons p ON p.id = w.person_id
  WHERE {eligible}
  LIMIT :multi) AS multi_{param}"""

_CANDIDATES = """
SELECT p.id AS person_id, p.timezone, p.last_offered_at, p.capacity_concurrent,
       p.capacity_weekly,
       (SELECT COUNT(*) FROM mentor_skills f WHERE f.person_id = p.id
          AND f.community_id = :community_id AND f.skill IN {skills}) AS fit,
       {active} AS active, {this_week} AS this_week, {recent} AS recent_offers,
       {answers}, {standing}
FROM persons p
WHERE p.id IN ({pool})
"""


def candidates(skills: list[str], kept_apart: Iterable[int]) -> tuple[str, dict[str, Any]]:
    """The query for a request's candidates, and its skill and kept-apart parameters.

    The candidates are the union of each requested skill's pools (see `_POOL_BRANCH` and
    `_MULTI_BRANCH`), with their fit (how many requested skills they hold), load, ratings on
    these skills and record (reputation.rated_columns, RECORD_COLUMNS); ranking is in
    bot.domain.routing. Parameters besides these: community_id, request_id, now, at, mow,
    week_ago, recent_since, pool, multi, walk, since, late_window.
    """
    tags, params = in_list("skill", skills)
    apart_list, apart_params = apart(kept_apart)
    where = eligible(apart_list)
    branches = [_POOL_BRANCH.format(param=name, eligible=where) for name in params]
    if len(params) > 1:
        for name in params:
            others = "(" + ", ".join(f":{other}" for other in params if other != name) + ")"
            branches.append(_MULTI_BRANCH.format(param=name, others=others, eligible=where))
    query = _CANDIDATES.format(
        skills=tags,
        active=_ACTIVE,
        this_week=_THIS_WEEK,
        recent=_RECENT_OFFERS,
        answers=_ANSWERS,
        standing=reputation.rated_columns(tags, len(skills)) + "," + reputation.RECORD_COLUMNS,
        pool="\nUNION\n".join(branches) or "NULL",
    )
    return query, {**params, **apart_params}


# Someone who holds every requested skill, may be offered the request (or holds an offer of
# it still open), is under their weekly limit, and is on duty now or comes on duty in
# [:from1, :to1) or [:from2, :to2) (minutes of the week; the second range is where the first
# wraps past the week's end, else empty). Is a full fit worth waiting for?
_FULL_FIT_SOON = """
SELECT p.id FROM mentor_skills ms JOIN persons p ON p.id = ms.person_id
WHERE ms.community_id = :community_id AND ms.skill = :skill0
  AND (SELECT COUNT(*) FROM mentor_skills f WHERE f.person_id = p.id
         AND f.community_id = :community_id AND f.skill IN {skills}) = :skill_count
  AND {not_kept_apart} AND p.away = 0
  AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.request_id = :request_id
                  AND o.mentor_id = p.id AND o.state <> 'pending')
  AND {this_week} < p.capacity_weekly
  AND (p.available_until > :now
       OR EXISTS (SELECT 1 FROM availability_windows w WHERE w.person_id = p.id
                  AND ((w.start_minute < :to1 AND w.end_minute > :from1)
                       OR (w.start_minute < :to2 AND w.end_minute > :from2))))
LIMIT 1
"""


def full_fit_soon(skills: list[str], kept_apart: Iterable[int]) -> tuple[str, dict[str, Any]]:
    """The query for a full-fit holder on duty now or soon (see `_FULL_FIT_SOON`), and its
    skill and kept-apart parameters; the others: community_id, request_id, now, week_ago,
    from1, to1, from2, to2."""
    tags, params = in_list("skill", skills)
    apart_list, apart_params = apart(kept_apart)
    query = _FULL_FIT_SOON.format(
        skills=tags,
        not_kept_apart=_NOT_KEPT_APART.replace("{apart}", apart_list),
        this_week=_THIS_WEEK,
    )
    return query, {**params, **apart_params, "skill_count": len(skills)}


def insert_wave(mentor_ids: list[int]) -> tuple[str, dict[str, Any]]:
    """One wave's offers in one statement (parameters besides these: community_id,
    request_id, wave, now, deadline_at); RETURNING id, mentor_id (in no set order)."""
    rows = ", ".join(
        f"(:community_id, :request_id, :m{i}, :wave, 'pending', :now, :deadline_at)"
        for i in range(len(mentor_ids))
    )
    return (
        "INSERT INTO offers (community_id, request_id, mentor_id, wave, state, created_at, "
        f"deadline_at) VALUES {rows} RETURNING id, mentor_id",
        {f"m{i}": m for i, m in enumerate(mentor_ids)},
    )


MARK_OFFERED = "UPDATE persons SET last_offered_at = :now WHERE id = :id"


def mark_skills_offered(mentor_ids: list[int]) -> tuple[str, dict[str, Any]]:
    """The same moment on each of the mentors' skills, which moves them to the back of the
    rotation (after their persons rows are locked, so the order here can't deadlock)."""
    ids, params = in_list("mentor", mentor_ids)
    return f"UPDATE mentor_skills SET offered_at = :now WHERE person_id IN {ids}", params


ANY_FOR = "SELECT id, state FROM offers WHERE request_id = :request_id AND mentor_id = :mentor_id"

# Requests for which this mentor holds a pending offer (for "accept" with no id).
PENDING_OF_MENTOR = """
SELECT o.request_id FROM offers o JOIN help_requests r ON r.id = o.request_id
WHERE o.mentor_id = :mentor_id AND o.state = 'pending' AND r.state = 'open'
ORDER BY o.created_at, o.id
"""

DECLINE = """
UPDATE offers SET state = 'declined', answered_at = :now
WHERE request_id = :request_id AND mentor_id = :mentor_id AND state = 'pending'
RETURNING id
"""

# Close every pending offer of a request: the winner's is accepted, the rest are `state`.
SETTLE = """
UPDATE offers
SET state = CASE WHEN mentor_id = :winner THEN 'accepted' ELSE :state END, answered_at = :now
WHERE request_id = :request_id AND state = 'pending'
RETURNING id, mentor_id, state
"""

RECORD_DIRECT_ACCEPT = """
INSERT INTO offers (community_id, request_id, mentor_id, wave, state, created_at, answered_at)
VALUES (:community_id, :request_id, :mentor_id, 0, 'accepted', :now, :now)
ON CONFLICT (request_id, mentor_id) DO UPDATE SET state = 'accepted', answered_at = :now
"""

ACCEPT_OWN = """
UPDATE offers SET state = 'accepted', answered_at = :now
WHERE request_id = :request_id AND mentor_id = :mentor_id AND state = 'pending'
RETURNING id, mentor_id, state
"""

# The offers of the mentors held for a member's choice, when none of them could take it.
WITHDRAW_HELD = """
UPDATE offers SET state = 'withdrawn', answered_at = :now
WHERE request_id = :request_id AND state = 'pending' AND mentor_id IN (
  SELECT v.mentor_id FROM volunteers v WHERE v.request_id = :request_id)
RETURNING id, mentor_id
"""

PENDING_OF_REQUEST = """
SELECT id, mentor_id FROM offers WHERE request_id = :request_id AND state = 'pending'
"""

# (An offer whose mentor offered to take the request, `ask --choose`, was answered: it stays
# pending until the member picks, and doesn't expire.)
EXPIRE = """
UPDATE offers SET state = 'expired', answered_at = :now
WHERE id = :id AND state = 'pending' AND NOT EXISTS (
  SELECT 1 FROM volunteers v WHERE v.request_id = offers.request_id
  AND v.mentor_id = offers.mentor_id)
RETURNING request_id, mentor_id
"""

PENDING_COUNT = "SELECT COUNT(*) FROM offers WHERE request_id = :request_id AND state = 'pending'"

# The mentor a member named with --with: offered first, alone, if nothing stands in the way
# (capacity is checked by the caller; availability and skills don't matter when named).
_PREFERRED = (
    """
SELECT p.id AS person_id, p.timezone, p.last_offered_at, p.capacity_concurrent,
       p.capacity_weekly, 0 AS fit, 0 AS recent_offers, """
    + _ACTIVE
    + " AS active, "
    + _THIS_WEEK
    + """ AS this_week
FROM persons p
WHERE p.id = :mentor_id AND """
    + _NOT_EXCLUDED
)


def preferred(kept_apart: Iterable[int]) -> tuple[str, dict[str, Any]]:
    """The query for a named mentor, and its kept-apart parameters (see `_NOT_EXCLUDED`)."""
    apart_list, params = apart(kept_apart)
    return _PREFERRED.replace("{apart}", apart_list), params
