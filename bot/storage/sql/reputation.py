"""Aggregates for reputation, reliability and the profile views."""

from bot.storage.sql.persons import first_since

# A rating counts when its session's ratings were revealed, it isn't voided, and the session
# isn't under dispute.
COUNTED = """
r.counted = 1 AND s.disputed = 0 AND s.ratings_revealed_at IS NOT NULL
"""

# mentor_ratings mirrors the ratings that count and were received as a mentor (not as the
# mentee), one row per skill of the session's request: reputation reads a mentor's rows for
# the requested skills from one index, where joining ratings, sessions and request skills
# cost a random read or three per rating ever received, for every candidate of every wave
# (48 of a wave's 66 ms once mentors had a year of sessions). Whatever may change whether a
# session's ratings count (a reveal, a dispute opened or settled, ratings voided or
# restored) writes that session's rows again (RECOUNT); linking moves them (identities.MERGE).
# The session's row is taken first, before anything that changes whether its ratings count
# (the reveal and a dispute's freeze update the row; a void or a restore takes it with
# HOLD_SESSION), and so before RECOUNT: linking takes the rows of the old record's sessions
# before it moves anything (identities.MERGE), so on PostgreSQL the two run one after the
# other, in one order, and never write rows naming a record the other is deleting.
HOLD_SESSION = "UPDATE sessions SET version = version WHERE id = :session_id"
RECOUNT = (
    "DELETE FROM mentor_ratings WHERE session_id = :session_id",
    """INSERT INTO mentor_ratings (person_id, session_id, rater_id, skill, score)
SELECT r.ratee_id, r.session_id, r.rater_id, rs.skill, r.score
FROM ratings r JOIN sessions s ON s.id = r.session_id
JOIN request_skills rs ON rs.request_id = s.request_id
WHERE r.session_id = :session_id AND r.ratee_id <> s.mentee_id AND"""
    + COUNTED,
)

# A mentor's ratings as a mentor on requests with any of the asked skills: their count and
# sum, as columns correlated on `p` (a persons row), read from the mirror's index on (person,
# skill). A rating on a request with several of them has a row for each, so with several
# asked skills each rating (session, rater) is taken once; one asked skill needs no more.
# Written without a join: as NOT EXISTS, PostgreSQL made an anti-join that scanned all of the
# mentor's rows for each one, and a lookup per row cost SQLite twice the DISTINCT.
_ONE = """(SELECT {what} FROM mentor_ratings mr
  WHERE mr.person_id = p.id AND mr.skill = {skills})"""
_SEVERAL = """(SELECT {what} FROM (SELECT DISTINCT mr.session_id, mr.rater_id, mr.score
  FROM mentor_ratings mr WHERE mr.person_id = p.id AND mr.skill IN {skills}) AS mr)"""


def rated_columns(skills: str, count: int) -> str:
    """`rated_n` and `rated_total` for the asked skills: `skills` is their list as SQL,
    `(:k0, :k1)`, of `count` skills (`= (:k0)` is one parameter in brackets)."""
    rated = (_ONE if count == 1 else _SEVERAL).replace("{skills}", skills)
    return (
        rated.replace("{what}", "COUNT(*)")
        + " AS rated_n,\n"
        + rated.replace("{what}", "COALESCE(SUM(mr.score), 0)")
        + " AS rated_total"
    )


# The sessions' counts start at the window's first session and look each session up by its
# id (see persons.load_counts).
RECORD_COLUMNS = """
(SELECT COUNT(*) FROM offers ro WHERE ro.mentor_id = p.id
  AND ro.state IN ('accepted', 'declined') AND ro.created_at >= :since) AS offers_answered,
(SELECT COUNT(*) FROM offers ro WHERE ro.mentor_id = p.id
  AND ro.state = 'expired' AND ro.created_at >= :since) AS offers_ignored,
(SELECT COUNT(*) FROM session_participants rp
  WHERE rp.person_id = p.id AND rp.session_id >= {first} AND rp.checked_in_at IS NOT NULL
    AND (SELECT rs.created_at FROM sessions rs WHERE rs.id = rp.session_id) >= :since)
  AS sessions_attended,
(SELECT COUNT(*) FROM session_participants rp
  WHERE rp.person_id = p.id AND rp.session_id >= {first} AND rp.no_show = 1
    AND (SELECT rs.created_at FROM sessions rs WHERE rs.id = rp.session_id) >= :since)
  AS no_shows,
(SELECT COUNT(*) FROM sessions rs WHERE rs.ended_by = p.id
  AND rs.state IN ('withdrawn', 'cancelled') AND rs.ended_at >= rs.start_at - :late_window
  AND rs.created_at >= :since) AS late_cancels""".replace("{first}", first_since(":since"))

AS_MENTOR_FOR_SKILLS = "SELECT p.id AS person_id, {rated} FROM persons p WHERE p.id IN {ids}"
RECORDS = "SELECT p.id AS person_id, " + RECORD_COLUMNS + "\nFROM persons p WHERE p.id IN {ids}"

PER_SKILL = """
SELECT skill, COUNT(*) AS n, SUM(score) AS total FROM mentor_ratings
WHERE person_id = :person_id GROUP BY skill ORDER BY skill
"""

# Everything received, for aspects and the member side.
RECEIVED = """
SELECT r.session_id, r.rater_id, r.score, r.aspects, r.comment, r.counted,
       CASE WHEN r.ratee_id = s.mentee_id THEN 'mentee' ELSE 'mentor' END AS as_role,
       s.disputed, s.ratings_revealed_at
FROM ratings r JOIN sessions s ON s.id = r.session_id
WHERE r.ratee_id = :person_id
ORDER BY r.session_id DESC
"""

ANSWER_TIMES = """
SELECT answered_at - created_at AS seconds FROM offers
WHERE mentor_id = :person_id AND state IN ('accepted', 'declined') AND created_at >= :since
  AND wave > 0
ORDER BY id DESC LIMIT 200
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
  AND sp.session_id >= {first} AND s.created_at >= :since
""".replace("{first}", first_since(":since"))

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
