"""Platform identities over time: link codes, merging and unlinking records, and the history
of which person record each identity ever belonged to (`identity_history`).

An identity is named in the history by `identity_key`, a one-way hash of its platform,
workspace and user id, so the history can outlive `/mentor forget` without keeping the id.
Two records are *related* when some identity belonged to both, at any time; `related(...)`
is the transitive closure of that, so a chain of links and unlinks through several accounts
still ends where it began. Components are tiny (one person's accounts), and each step is an
index lookup (`identity_history_person`, then `identity_history_identity`).
"""

from __future__ import annotations

import hashlib


def identity_key(platform: str, workspace: str, user_id: str) -> str:
    """The one-way key an identity is known by in the history (and in forgotten_identities)."""
    return hashlib.sha256(f"{platform}:{workspace}:{user_id}".encode()).hexdigest()


def related(name: str, seed: str) -> str:
    """A recursive CTE `name(person_id)`: the record `seed` (a parameter) and every record
    that shares an identity with it, or with one of those, at any time."""
    return f"""{name}(person_id) AS (
  SELECT CAST({seed} AS BIGINT)
  UNION
  SELECT later.person_id FROM {name} r
  JOIN identity_history earlier ON earlier.person_id = r.person_id
  JOIN identity_history later ON later.identity_key = earlier.identity_key
)"""


# The records that are one person with :id (itself included).
RELATED = "WITH RECURSIVE " + related("related", ":id") + "\nSELECT person_id FROM related"

# Everyone routing must keep away from :id's requests: :id under any of its records, and,
# under any of theirs, everyone who blocked or was blocked by one of those records. Worked
# out once per wave, so the candidates query only compares ids.
KEPT_APART = (
    "WITH RECURSIVE "
    + related("mine", ":id")
    + """,
theirs(person_id) AS (
  SELECT b.blocked_id FROM mine m JOIN blocks b ON b.blocker_id = m.person_id
  UNION
  SELECT b.blocker_id FROM mine m JOIN blocks b ON b.blocked_id = m.person_id
  UNION
  SELECT later.person_id FROM theirs r
  JOIN identity_history earlier ON earlier.person_id = r.person_id
  JOIN identity_history later ON later.identity_key = earlier.identity_key
)
SELECT person_id FROM mine UNION SELECT person_id FROM theirs"""
)

# A block either way between any record of :a and any record of :b.
BLOCKED_BETWEEN = (
    "WITH RECURSIVE "
    + related("ra", ":a")
    + ",\n"
    + related("rb", ":b")
    + """
SELECT 1 FROM ra JOIN blocks b ON b.blocker_id = ra.person_id JOIN rb ON rb.person_id = b.blocked_id
UNION ALL
SELECT 1 FROM rb JOIN blocks b ON b.blocker_id = rb.person_id JOIN ra ON ra.person_id = b.blocked_id
LIMIT 1"""
)

# Undo the blocks any record of :blocker_id made against any record of :blocked_id, so a
# block made before an unlink can be undone from either account.
UNBLOCK = (
    "WITH RECURSIVE "
    + related("mine", ":blocker_id")
    + ",\n"
    + related("theirs", ":blocked_id")
    + """
DELETE FROM blocks
WHERE blocker_id IN (SELECT person_id FROM mine) AND blocked_id IN (SELECT person_id FROM theirs)
RETURNING blocker_id"""
)

# The history itself. At most one open row (ended_at NULL) per identity: where it is now.
OPEN = """
INSERT INTO identity_history (community_id, identity_key, platform, person_id, started_at)
VALUES (:community_id, :identity_key, :platform, :person_id, :now)
"""

CLOSE = """
UPDATE identity_history SET ended_at = :now
WHERE identity_key = :identity_key AND ended_at IS NULL
"""

# /mentor forget: the identities go, their rows are closed and stay (they hold only the key).
CLOSE_ALL_OF = """
UPDATE identity_history SET ended_at = :now WHERE person_id = :id AND ended_at IS NULL
"""

# Rows of every record related to :id, for the export.
HISTORY_OF_RELATED = (
    "WITH RECURSIVE "
    + related("related", ":id")
    + """
SELECT h.person_id, h.platform, h.identity_key, h.started_at, h.ended_at
FROM identity_history h JOIN related r ON r.person_id = h.person_id
ORDER BY h.started_at, h.id"""
)

# Backfill (migration 9) and its readers.
ALL_IDENTITIES = """
SELECT i.platform, i.workspace, i.user_id, i.person_id, i.community_id, p.created_at
FROM identities i JOIN persons p ON p.id = i.person_id
ORDER BY i.person_id, i.platform, i.workspace, i.user_id
"""

# Link codes.
NEW_CODE = """
INSERT INTO link_codes (code, person_id, community_id, expires_at) VALUES
(:code, :person_id, :community_id, :expires_at)
"""
USE_CODE = """
UPDATE link_codes SET used_at = :now
WHERE code = :code AND used_at IS NULL AND expires_at > :now AND community_id = :community_id
RETURNING person_id
"""

IDENTITIES_OF = "SELECT platform, workspace, user_id FROM identities WHERE person_id = :id"

# A session both records took part in (one as the member and one as a mentor, or both as
# mentors of one request): one record can't be both, so such accounts aren't merged.
SHARED_SESSION = """
SELECT a.session_id FROM session_participants a
JOIN session_participants b ON b.session_id = a.session_id
WHERE a.person_id = :old AND b.person_id = :new
ORDER BY a.session_id
LIMIT 1
"""

# Everything that points at a person, moved from `old` to `new`. Rows that would collide with
# one the new record already has (the same skill, the same session) are dropped first. The
# identities' history moves too: `old` stops existing, so what belonged to it belongs to `new`.
MERGE = [
    # First, hold every session the old record took part in: a reveal of one of them (which
    # updates that row, then writes mentor_ratings rows naming the people) runs wholly before
    # the merge or after it, never with rows naming a record the merge is deleting.
    "UPDATE sessions SET version = version WHERE id IN "
    "(SELECT session_id FROM session_participants WHERE person_id = :old)",
    "DELETE FROM mentor_skills WHERE person_id = :old AND skill IN "
    "(SELECT skill FROM mentor_skills WHERE person_id = :new)",
    "UPDATE mentor_skills SET person_id = :new WHERE person_id = :old",
    "DELETE FROM availability_windows WHERE person_id = :old",
    "UPDATE identities SET person_id = :new WHERE person_id = :old",
    "UPDATE identity_history SET person_id = :new WHERE person_id = :old",
    "UPDATE help_requests SET requester_id = :new WHERE requester_id = :old",
    "DELETE FROM offers WHERE mentor_id = :old AND request_id IN "
    "(SELECT request_id FROM offers WHERE mentor_id = :new)",
    "UPDATE offers SET mentor_id = :new WHERE mentor_id = :old",
    "DELETE FROM volunteers WHERE mentor_id = :old AND request_id IN "
    "(SELECT request_id FROM volunteers WHERE mentor_id = :new)",
    "UPDATE volunteers SET mentor_id = :new WHERE mentor_id = :old",
    "UPDATE help_posts SET person_id = :new WHERE person_id = :old",
    "UPDATE sessions SET mentee_id = :new WHERE mentee_id = :old",
    "UPDATE sessions SET ended_by = :new WHERE ended_by = :old",
    "UPDATE help_requests SET preferred_mentor_id = :new WHERE preferred_mentor_id = :old",
    "UPDATE due_actions SET ref_id = :new WHERE kind = 'suspension_end' AND ref_id = :old",
    "DELETE FROM session_participants WHERE person_id = :old AND session_id IN "
    "(SELECT session_id FROM session_participants WHERE person_id = :new)",
    "UPDATE session_participants SET person_id = :new WHERE person_id = :old",
    "UPDATE session_proposals SET proposed_by = :new WHERE proposed_by = :old",
    "DELETE FROM ratings WHERE rater_id = :old AND ratee_id = :new",
    "DELETE FROM ratings WHERE rater_id = :new AND ratee_id = :old",
    "UPDATE ratings SET rater_id = :new WHERE rater_id = :old",
    "UPDATE ratings SET ratee_id = :new WHERE ratee_id = :old",
    "DELETE FROM mentor_ratings WHERE (rater_id = :old AND person_id = :new) "
    "OR (rater_id = :new AND person_id = :old)",
    "UPDATE mentor_ratings SET rater_id = :new WHERE rater_id = :old",
    "UPDATE mentor_ratings SET person_id = :new WHERE person_id = :old",
    "DELETE FROM blocks WHERE (blocker_id = :old AND blocked_id = :new) "
    "OR (blocker_id = :new AND blocked_id = :old)",
    "DELETE FROM blocks WHERE blocker_id = :old AND blocked_id IN "
    "(SELECT blocked_id FROM blocks WHERE blocker_id = :new)",
    "DELETE FROM blocks WHERE blocked_id = :old AND blocker_id IN "
    "(SELECT blocker_id FROM blocks WHERE blocked_id = :new)",
    "UPDATE blocks SET blocker_id = :new WHERE blocker_id = :old",
    "UPDATE blocks SET blocked_id = :new WHERE blocked_id = :old",
    "UPDATE disputes SET opened_by = :new WHERE opened_by = :old",
    "UPDATE disputes SET against_id = :new WHERE against_id = :old",
    "UPDATE disputes SET moderator_id = :new WHERE moderator_id = :old",
    "UPDATE disputes SET appeal_by = :new WHERE appeal_by = :old",
    "UPDATE disputes SET appeal_moderator_id = :new WHERE appeal_moderator_id = :old",
    "UPDATE sanctions SET person_id = :new WHERE person_id = :old",
    "UPDATE audit_log SET actor_id = :new WHERE actor_id = :old",
    "DELETE FROM kudos WHERE from_id = :old AND session_id IN "
    "(SELECT session_id FROM kudos WHERE from_id = :new)",
    "UPDATE kudos SET from_id = :new WHERE from_id = :old",
    "UPDATE kudos SET to_id = :new WHERE to_id = :old",
    "UPDATE link_codes SET person_id = :new WHERE person_id = :old",
    # A suspension follows the record: the later end wins. So does the last offer (the
    # routing rotation is refreshed after the merge).
    "UPDATE persons SET suspended_until = (SELECT MAX(suspended_until) FROM persons "
    "WHERE id IN (:old, :new)), is_mentor = (SELECT MAX(is_mentor) FROM persons "
    "WHERE id IN (:old, :new)), last_offered_at = (SELECT MAX(last_offered_at) FROM persons "
    "WHERE id IN (:old, :new)) WHERE id = :new",
    "DELETE FROM persons WHERE id = :old",
]

UNLINK_NEW = """
INSERT INTO persons (community_id, display_name, timezone, capacity_concurrent,
                     capacity_weekly, created_at, last_active_at, suspended_until)
SELECT community_id, display_name, timezone, capacity_concurrent, capacity_weekly, :now, :now,
       suspended_until
FROM persons WHERE id = :id
RETURNING id
"""

MOVE_IDENTITY = """
UPDATE identities SET person_id = :new
WHERE platform = :platform AND workspace = :workspace AND user_id = :user_id
"""

RENAME = "UPDATE persons SET display_name = :name WHERE id = :id"
