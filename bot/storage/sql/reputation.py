"""Aggregates for reputation, reliability and the profile views."""

# A rating counts when its session's ratings were revealed, it isn't voided, and the session
# isn't under dispute.
COUNTED = """
r.counted = 1 AND s.disputed = 0 AND s.ratings_revealed_at IS NOT NULL
"""

# Ratings received as a mentor, on requests with any of the given skills.
AS_MENTOR_FOR_SKILLS = (
    """
SELECT r.ratee_id AS person_id, COUNT(*) AS n, SUM(r.score) AS total
FROM ratings r JOIN sessions s ON s.id = r.session_id
WHERE r.ratee_id IN {ids} AND r.ratee_id <> s.mentee_id AND"""
    + COUNTED
    + """  AND EXISTS (SELECT 1 FROM request_skills rs
              WHERE rs.request_id = s.request_id AND rs.skill IN {skills})
GROUP BY r.ratee_id
"""
)

PER_SKILL = (
    """
SELECT rs.skill, COUNT(*) AS n, SUM(r.score) AS total
FROM ratings r JOIN sessions s ON s.id = r.session_id
JOIN request_skills rs ON rs.request_id = s.request_id
WHERE r.ratee_id = :person_id AND r.ratee_id <> s.mentee_id AND"""
    + COUNTED
    + """GROUP BY rs.skill ORDER BY rs.skill
"""
)

# Everything received, for aspects and the member side.
RECEIVED = """
SELECT r.session_id, r.rater_id, r.score, r.aspects, r.comment, r.counted,
       CASE WHEN r.ratee_id = s.mentee_id THEN 'mentee' ELSE 'mentor' END AS as_role,
       s.disputed, s.ratings_revealed_at
FROM ratings r JOIN sessions s ON s.id = r.session_id
WHERE r.ratee_id = :person_id
ORDER BY r.session_id DESC
"""

OFFERS = """
SELECT mentor_id AS person_id,
       SUM(CASE WHEN state IN ('accepted', 'declined') THEN 1 ELSE 0 END) AS answered,
       SUM(CASE WHEN state = 'expired' THEN 1 ELSE 0 END) AS ignored
FROM offers WHERE mentor_id IN {ids} AND created_at >= :since
GROUP BY mentor_id
"""

ANSWER_TIMES = """
SELECT answered_at - created_at AS seconds FROM offers
WHERE mentor_id = :person_id AND state IN ('accepted', 'declined') AND created_at >= :since
  AND wave > 0
ORDER BY id DESC LIMIT 200
"""

ATTENDANCE = """
SELECT sp.person_id,
       SUM(CASE WHEN sp.checked_in_at IS NOT NULL THEN 1 ELSE 0 END) AS attended,
       SUM(sp.no_show) AS no_shows
FROM session_participants sp JOIN sessions s ON s.id = sp.session_id
WHERE sp.person_id IN {ids} AND s.created_at >= :since
GROUP BY sp.person_id
"""

LATE_CANCELS = """
SELECT ended_by AS person_id, COUNT(*) AS n FROM sessions
WHERE ended_by IN {ids} AND state IN ('withdrawn', 'cancelled')
  AND ended_at >= start_at - :window AND created_at >= :since
GROUP BY ended_by
"""

# The mentor's latest answered-or-not offers, to spot a run of ignored ones.
LATEST_OFFERS = """
SELECT state FROM offers
WHERE mentor_id = :person_id AND state IN ('accepted', 'declined', 'expired')
ORDER BY created_at DESC, id DESC LIMIT :limit
"""

MEMBER_NO_SHOWS = """
SELECT COUNT(*) FROM session_participants sp JOIN sessions s ON s.id = sp.session_id
WHERE sp.person_id = :person_id AND sp.role = 'mentee' AND sp.no_show = 1
  AND s.created_at >= :since
"""

HISTORY = """
SELECT
  (SELECT COUNT(*) FROM help_requests WHERE requester_id = :person_id) AS asked,
  (SELECT COUNT(*) FROM session_participants sp JOIN sessions s ON s.id = sp.session_id
    WHERE sp.person_id = :person_id AND sp.role = 'mentor' AND s.state = 'completed')
    AS mentored,
  (SELECT COUNT(*) FROM session_participants sp JOIN sessions s ON s.id = sp.session_id
    WHERE sp.person_id = :person_id AND sp.role = 'mentee' AND s.state = 'completed')
    AS mentored_by_others,
  (SELECT COUNT(*) FROM kudos WHERE to_id = :person_id) AS kudos
"""

LEADERBOARD = """
SELECT p.id, p.display_name,
       (SELECT COUNT(*) FROM session_participants sp JOIN sessions s ON s.id = sp.session_id
         WHERE sp.person_id = p.id AND sp.role = 'mentor' AND s.state = 'completed'
           AND s.created_at >= :since
           AND (CAST(:skill AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM request_skills rs
                WHERE rs.request_id = s.request_id AND rs.skill = :skill))) AS sessions
FROM persons p
WHERE p.community_id = :community_id AND p.leaderboard = 1 AND p.is_mentor = 1
  AND (CAST(:skill AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM mentor_skills ms
       WHERE ms.person_id = p.id AND ms.skill = :skill))
"""

SET_LEADERBOARD = "UPDATE persons SET leaderboard = :on WHERE id = :id"

KUDOS = """
INSERT INTO kudos (community_id, session_id, from_id, to_id, message, created_at)
VALUES (:community_id, :session_id, :from_id, :to_id, :message, :now)
ON CONFLICT DO NOTHING
RETURNING id
"""
