"""Sessions, who takes part, proposals (reschedule, extend) and ratings."""

INSERT = """
INSERT INTO sessions (community_id, request_id, mentee_id, start_at, ends_at, minutes, state,
                      place, created_at)
VALUES (:community_id, :request_id, :mentee_id, :start_at, :ends_at, :minutes, :state, :place,
        :now)
RETURNING id
"""

ADD_PARTICIPANT = """
INSERT INTO session_participants (session_id, person_id, role)
VALUES (:session_id, :person_id, :role)
"""

# One mentor of several leaves a session before it started: their place and their proposals.
LEAVE = [
    "DELETE FROM session_proposals WHERE session_id = :session_id AND proposed_by = :person_id",
    "DELETE FROM session_participants WHERE session_id = :session_id "
    "AND person_id = :person_id AND role = 'mentor'",
]

FOR_REQUEST = """
SELECT id FROM sessions WHERE request_id = :request_id
  AND state IN ('scheduled', 'active', 'completed')
"""

GET = """
SELECT s.id, s.community_id, s.request_id, s.mentee_id, s.start_at, s.ends_at, s.minutes,
       s.state, s.version, s.place, s.outcome, s.ended_at, s.ratings_close_at,
       s.ratings_revealed_at, s.disputed, r.question, r.goal, r.tried
FROM sessions s JOIN help_requests r ON r.id = s.request_id
WHERE s.id = :id AND s.community_id = :community_id
"""

PARTICIPANTS = """
SELECT sp.person_id, sp.role, sp.checked_in_at, sp.no_show, p.display_name, p.timezone
FROM session_participants sp JOIN persons p ON p.id = sp.person_id
WHERE sp.session_id = :session_id ORDER BY sp.role DESC, sp.person_id
"""

MINE_IN_STATES = """
SELECT s.id FROM sessions s JOIN session_participants sp ON sp.session_id = s.id
WHERE sp.person_id = :person_id AND s.state IN {states}
ORDER BY s.start_at, s.id
"""

RECENT_OF = """
SELECT s.id FROM sessions s JOIN session_participants sp ON sp.session_id = s.id
WHERE sp.person_id = :person_id
ORDER BY CASE WHEN s.state IN ('scheduled', 'active') THEN 0 ELSE 1 END, s.start_at DESC, s.id DESC
LIMIT :limit
"""

SET_STATE = """
UPDATE sessions SET state = :new_state WHERE id = :id AND state = :old_state RETURNING id
"""

END = """
UPDATE sessions SET state = :new_state, outcome = :outcome, ended_at = :now, ended_by = :by,
       ratings_close_at = :ratings_close_at
WHERE id = :id AND state IN ('scheduled', 'active')
RETURNING id
"""

# A no-show stays one: once the deadline has recorded them, a late check-in changes nothing.
CHECK_IN = """
UPDATE session_participants SET checked_in_at = :now
WHERE session_id = :session_id AND person_id = :person_id AND checked_in_at IS NULL
  AND no_show = 0
RETURNING person_id
"""

MARK_NO_SHOW = """
UPDATE session_participants SET no_show = 1
WHERE session_id = :session_id AND checked_in_at IS NULL
RETURNING person_id, role
"""

MOVE = """
UPDATE sessions SET start_at = :start_at, ends_at = :ends_at, version = version + 1
WHERE id = :id AND state = 'scheduled'
RETURNING version
"""

# A moved session starts afresh: being there for the old time says nothing about the new one.
RESET_CHECK_INS = """
UPDATE session_participants SET checked_in_at = NULL, no_show = 0
WHERE session_id = :session_id
"""

EXTEND = """
UPDATE sessions SET ends_at = ends_at + :seconds, minutes = minutes + :minutes,
       version = version + 1
WHERE id = :id AND state = 'active'
RETURNING version, ends_at
"""

GET_PROPOSAL = """
SELECT value, proposed_by FROM session_proposals WHERE session_id = :session_id AND kind = :kind
"""

PUT_PROPOSAL = """
INSERT INTO session_proposals (session_id, kind, value, proposed_by, created_at)
VALUES (:session_id, :kind, :value, :proposed_by, :now)
ON CONFLICT (session_id, kind) DO UPDATE
SET value = excluded.value, proposed_by = excluded.proposed_by, created_at = excluded.created_at
"""

DROP_PROPOSAL = "DELETE FROM session_proposals WHERE session_id = :session_id AND kind = :kind"

# Taken before a rating is added: the session's row stays held until the rating commits, so
# a reveal (the ratings-close timer's, which updates the same row) comes either before, and
# the rating is refused as too late, or after, and counts it (mentor_ratings). Without it,
# on PostgreSQL, a reveal could commit between the check and the insert and leave the rating
# out of the reveal's count. SQLite writes one transaction at a time anyway.
HOLD_UNREVEALED = """
UPDATE sessions SET version = version WHERE id = :id AND ratings_revealed_at IS NULL
RETURNING id, ratings_void
"""

# `counted` is 0 for a rating given after a moderator voided the session's ratings.
ADD_RATING = """
INSERT INTO ratings (session_id, rater_id, ratee_id, score, comment, aspects, created_at, counted)
VALUES (:session_id, :rater_id, :ratee_id, :score, :comment, :aspects, :now, :counted)
ON CONFLICT DO NOTHING
RETURNING session_id
"""

RATINGS_OF = """
SELECT rater_id, ratee_id, score, comment, aspects, counted FROM ratings
WHERE session_id = :session_id
"""

REVEAL = """
UPDATE sessions SET ratings_revealed_at = :now
WHERE id = :id AND ratings_revealed_at IS NULL AND ratings_close_at IS NOT NULL
  AND disputed = 0
RETURNING id
"""

# A session's room of the community's call service, made up once its id is known.
SET_PLACE = "UPDATE sessions SET place = :place WHERE id = :id"
