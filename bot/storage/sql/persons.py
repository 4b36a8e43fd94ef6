"""Communities, persons, identities, mentor skills and availability."""

from collections.abc import Iterable
from typing import Any

from bot.storage.sql import in_list
from bot.storage.sql.identities import related

UPSERT_COMMUNITY = """
INSERT INTO communities (id, name, created_at) VALUES (:id, :name, :now)
ON CONFLICT (id) DO UPDATE SET name = excluded.name
"""

FIND_BY_IDENTITY = """
SELECT p.id, p.community_id, p.display_name, p.timezone, p.is_mentor, p.away,
       p.available_until, p.hours_spec, p.capacity_concurrent, p.capacity_weekly,
       i.display_name AS identity_name, i.last_seen_at
FROM identities i JOIN persons p ON p.id = i.person_id
WHERE i.platform = :platform AND i.workspace = :workspace AND i.user_id = :user_id
"""

INSERT_PERSON = """
INSERT INTO persons (community_id, display_name, timezone, capacity_concurrent,
                     capacity_weekly, created_at, last_active_at)
VALUES (:community_id, :display_name, :timezone, :capacity_concurrent, :capacity_weekly,
        :now, :now)
RETURNING id
"""

INSERT_IDENTITY = """
INSERT INTO identities (platform, workspace, user_id, person_id, community_id, display_name,
                        last_seen_at)
VALUES (:platform, :workspace, :user_id, :person_id, :community_id, :display_name, :now)
"""

TOUCH_IDENTITY = """
UPDATE identities SET last_seen_at = :now, display_name = :display_name
WHERE platform = :platform AND workspace = :workspace AND user_id = :user_id
"""

TOUCH_PERSON = """
UPDATE persons SET last_active_at = :now, display_name = :display_name WHERE id = :id
"""

GET_PERSON = """
SELECT id, community_id, display_name, timezone, is_mentor, away, available_until,
       hours_spec, capacity_concurrent, capacity_weekly
FROM persons WHERE id = :id
"""


# Where to reach a person: the identity they used last.
def addresses_of(person_ids: Iterable[int]) -> tuple[str, dict[str, Any]]:
    """Every identity of these people with when it was last seen (the caller keeps each
    person's latest: where they are reached), and its parameters."""
    ids, params = in_list("person", person_ids)
    return (
        "SELECT person_id, platform, workspace, user_id, last_seen_at FROM identities "
        f"WHERE person_id IN {ids}",
        params,
    )


SKILLS_OF = "SELECT skill FROM mentor_skills WHERE person_id = :person_id ORDER BY skill"

# Followed by REFRESH_ROTATION, which puts the new skill where the mentor stands.
ADD_SKILL = """
INSERT INTO mentor_skills (community_id, skill, person_id)
VALUES (:community_id, :skill, :person_id)
ON CONFLICT DO NOTHING
"""

REMOVE_SKILL = "DELETE FROM mentor_skills WHERE person_id = :person_id AND skill = :skill"

SET_MENTOR = "UPDATE persons SET is_mentor = :is_mentor WHERE id = :id"

SET_AVAILABLE = "UPDATE persons SET away = 0, available_until = :until WHERE id = :id"

SET_AWAY = "UPDATE persons SET away = 1, available_until = NULL WHERE id = :id"

SET_AWAY_IF_NOT = """
UPDATE persons SET away = 1, available_until = NULL WHERE id = :id AND away = 0 RETURNING id
"""

# Routing reads each skill's holders in order of mentor_skills.offered_at (sql.offers). A
# mentor who can't be available at all (away, or no weekly hours and no "available" time
# left) is put behind everyone (OUT_OF_ROTATION), so waves don't step over them again and
# again; when they can be available, they go back to when they were last offered work.
OUT_OF_ROTATION = 2**62
# (COALESCE: a mentor who never said "available" has no available_until, and a NULL here
# would keep them from either side of the line.)
_CAN_BE_AVAILABLE = """p.away = 0 AND (COALESCE(p.available_until, 0) > :now
  OR EXISTS (SELECT 1 FROM availability_windows w WHERE w.person_id = p.id))"""

REFRESH_ROTATION = (
    """
UPDATE mentor_skills SET offered_at = COALESCE(
  (SELECT COALESCE(p.last_offered_at, 0) FROM persons p
   WHERE p.id = mentor_skills.person_id AND """
    + _CAN_BE_AVAILABLE
    + """), :out)
WHERE person_id = :id
"""
)

# The hourly upkeep's share: out go those whose "available" time ran out with no weekly
# hours; back in go any who can be available but are out (a command and the upkeep running at
# once on PostgreSQL can leave one out: the upkeep read them before the command committed).
ROTATE_OUT_LAPSED = (
    """
UPDATE mentor_skills SET offered_at = :out
WHERE offered_at <> :out AND person_id IN (
  SELECT p.id FROM persons p WHERE NOT ("""
    + _CAN_BE_AVAILABLE
    + """))
"""
)
ROTATE_IN_AVAILABLE = (
    """
UPDATE mentor_skills SET offered_at = COALESCE(
  (SELECT p.last_offered_at FROM persons p WHERE p.id = mentor_skills.person_id), 0)
WHERE offered_at = :out AND person_id IN (
  SELECT p.id FROM persons p WHERE """
    + _CAN_BE_AVAILABLE
    + """)
"""
)

SET_TIMEZONE = "UPDATE persons SET timezone = :timezone WHERE id = :id"

SET_HOURS = "UPDATE persons SET hours_spec = :spec, hours_offset = :offset WHERE id = :id"

SET_CAPACITY = """
UPDATE persons SET capacity_concurrent = :concurrent, capacity_weekly = :weekly WHERE id = :id
"""

CLEAR_WINDOWS = "DELETE FROM availability_windows WHERE person_id = :person_id"

# For the upkeep after a daylight saving change: the (zone, offset) pairs weekly hours were
# last laid out at, the people of one pair, and the offset their hours are now laid out at.
HOURS_ZONES = """
SELECT DISTINCT timezone, hours_offset FROM persons
WHERE hours_spec <> '{}' AND hours_offset IS NOT NULL
"""
STALE_HOURS = """
SELECT id, community_id, hours_spec FROM persons
WHERE timezone = :timezone AND hours_offset = :offset AND hours_spec <> '{}'
"""
SET_HOURS_OFFSET = "UPDATE persons SET hours_offset = :offset WHERE id = :id"

ADD_WINDOW = """
INSERT INTO availability_windows (person_id, community_id, start_minute, end_minute)
VALUES (:person_id, :community_id, :start_minute, :end_minute)
"""

IN_WINDOW = """
SELECT 1 FROM availability_windows
WHERE person_id = :person_id AND start_minute <= :mow AND end_minute > :mow LIMIT 1
"""

# A mentor's load, written once for the claim (MENTOR_LOAD) and for routing's candidates
# (sql.offers), as subqueries on the mentor id `{mentor}`: sessions still to come or running,
# sessions in the last 7 days (:week_ago), and offers to take another request (not
# :request_id) whose member is still choosing (`ask --choose`), which hold the mentor too.
# The held request's state is a lookup per offer to take, not a join: PostgreSQL planned the
# join as a hash over help_requests for every mentor routing scans (an ask's database CPU
# went from 8.5 to 13.9 ms).
# Each count starts at the first session that can count (FIRST_LIVE, first_since): every
# session it counts has an id at least that, so a mentor's index entries are read from there
# on, not over their whole history (which grows by hundreds a year and is read for every
# candidate of every wave). Worked out once per statement; NULL, where there is none, counts
# nothing, which is right. Each of the mentor's sessions is then looked up by its id (a
# subquery, not a join): joined, PostgreSQL walked every session of the week and probed the
# mentor's entries for each, 0.4 ms per candidate with 1,200 sessions in the week.
_SESSIONS_TO_COME = """(SELECT COUNT(*) FROM session_participants sp
  WHERE sp.person_id = {mentor} AND sp.role = 'mentor' AND sp.session_id >= {first_live}
    AND (SELECT s.state FROM sessions s WHERE s.id = sp.session_id)
        IN ('scheduled', 'active'))"""
_SESSIONS_THIS_WEEK = """(SELECT COUNT(*) FROM session_participants sp
  WHERE sp.person_id = {mentor} AND sp.role = 'mentor' AND sp.session_id >= {first_this_week}
    AND (SELECT s.id FROM sessions s WHERE s.id = sp.session_id AND s.created_at >= :week_ago
         AND s.state NOT IN ('withdrawn', 'cancelled')) IS NOT NULL)"""
_HELD = """(SELECT COUNT(*) FROM volunteers v
  WHERE v.mentor_id = {mentor} AND v.request_id <> :request_id
    AND (SELECT r.state FROM help_requests r WHERE r.id = v.request_id) = 'open')"""


# The smallest id of a session still to come or running (the partial index sessions_live).
FIRST_LIVE = "(SELECT MIN(id) FROM sessions WHERE state IN ('scheduled', 'active'))"


def first_since(moment: str) -> str:
    """The smallest id of a session made at or after `moment` (a parameter such as
    `:since`), as a subquery.

    `+id`, not `id`: with a bare MIN(id) SQLite walks the table from its first row until a
    session is recent enough (the whole history); this reads the index sessions_created."""
    return f"(SELECT MIN(+id) FROM sessions WHERE created_at >= {moment})"


def load_counts(mentor: str) -> tuple[str, str, str]:
    """The mentor's sessions to come, sessions this week and holds, as SQL expressions for
    the mentor id `mentor` (a column like `p.id`, or a parameter like `:person_id`)."""
    to_come, this_week, held = (
        part.format(mentor=mentor, first_live=FIRST_LIVE, first_this_week=first_since(":week_ago"))
        for part in (_SESSIONS_TO_COME, _SESSIONS_THIS_WEEK, _HELD)
    )
    return to_come, this_week, held


_ACTIVE, _THIS_WEEK, _HELD_NOW = load_counts(":person_id")
MENTOR_LOAD = f"SELECT {_ACTIVE} AS active, {_THIS_WEEK} AS this_week, {_HELD_NOW} AS held"

# Row lock on the mentor while their capacity is checked, so two accepts racing on
# PostgreSQL are serialised per mentor (SQLite's BEGIN IMMEDIATE already is).
LOCK_PERSON = """
UPDATE persons SET last_active_at = :now WHERE id = :id
RETURNING capacity_concurrent, capacity_weekly
"""

SET_LINK = "UPDATE persons SET call_link = :link WHERE id = :id"

GET_LINK = "SELECT call_link FROM persons WHERE id = :id"

TIMEZONE_OF = "SELECT timezone FROM persons WHERE id = :id"

PERSON_OF_IDENTITY = """
SELECT person_id FROM identities
WHERE platform = :platform AND workspace = :workspace AND user_id = :user_id
"""

SUSPENDED_UNTIL = "SELECT suspended_until FROM persons WHERE id = :id"

BLOCK = """
INSERT INTO blocks (community_id, blocker_id, blocked_id, created_at)
VALUES (:community_id, :blocker_id, :blocked_id, :now)
ON CONFLICT DO NOTHING
"""

# BLOCKED_BETWEEN and UNBLOCK are in sql.identities: they see every record of each person.

# The suspension a new record of an account that was forgotten comes back to: the latest end
# of a suspension still in force on any record the account was ever part of (its history
# outlives forget). Worked out from the sanctions as they stand now, so a suspension decided
# after the forget counts and one overturned since doesn't. A snapshot in
# forgotten_identities counts only for an account with no earlier record: one forgotten
# before the history began (migration 9).
RETURNING_SUSPENSION = (
    "WITH RECURSIVE "
    + related("related", ":id")
    + """
SELECT MAX(until) FROM (
  SELECT ends_at AS until FROM sanctions
  WHERE person_id IN (SELECT person_id FROM related) AND kind = 'suspension'
    AND revoked_at IS NULL AND ends_at > :now
  UNION ALL
  SELECT suspended_until AS until FROM forgotten_identities
  WHERE identity_hash = :key AND suspended_until > :now AND NOT EXISTS
    (SELECT 1 FROM identity_history h WHERE h.identity_key = :key AND h.person_id <> :id)
) AS found"""
)
SET_SUSPENDED_UNTIL = "UPDATE persons SET suspended_until = :until WHERE id = :id"

# The skills of several mentors (`IN {ids}` from sql.in_list).
SKILLS_OF_MANY = "SELECT person_id, skill FROM mentor_skills WHERE person_id IN {ids}"
