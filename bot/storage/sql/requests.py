"""Help requests and their skills."""

COUNT_OPEN_BY = """
SELECT COUNT(*) FROM help_requests WHERE requester_id = :person_id AND state = 'open'
"""

# Cancelled requests count too, or ask-and-cancel would spam mentors with offers.
ASKED_SINCE = """
SELECT created_at FROM help_requests
WHERE requester_id = :person_id AND created_at >= :since ORDER BY created_at
"""

INSERT = """
INSERT INTO help_requests (community_id, requester_id, question, goal, tried, minutes,
                           start_at, state, wave, created_at, updated_at, mentors_wanted,
                           preferred_mentor_id, about, choose_window)
VALUES (:community_id, :requester_id, :question, :goal, :tried, :minutes, :start_at, 'open',
        0, :now, :now, :mentors_wanted, :preferred_mentor_id, :about, :choose_window)
RETURNING id
"""

INSERT_SKILL = """
INSERT INTO request_skills (request_id, community_id, skill)
VALUES (:request_id, :community_id, :skill)
"""

GET = """
SELECT r.id, r.community_id, r.requester_id, r.question, r.goal, r.tried, r.minutes,
       r.start_at, r.state, r.wave, r.created_at, r.matched_at, r.mentors_wanted,
       r.mentors_joined, r.preferred_mentor_id, r.about, r.choose_window,
       p.display_name AS requester_name
FROM help_requests r JOIN persons p ON p.id = r.requester_id
WHERE r.id = :id AND r.community_id = :community_id
"""

SKILLS = "SELECT skill FROM request_skills WHERE request_id = :request_id ORDER BY skill"

OPEN_BY = """
SELECT id FROM help_requests
WHERE requester_id = :person_id AND state = 'open' ORDER BY created_at, id
"""

UPDATE_TEXT = """
UPDATE help_requests
SET question = :question, goal = :goal, tried = :tried, updated_at = :now
WHERE id = :id AND state = 'open'
RETURNING id
"""

CANCEL = """
UPDATE help_requests SET state = 'cancelled', closed_at = :now, updated_at = :now
WHERE id = :id AND state = 'open'
RETURNING id
"""

# First accept wins: the one statement that decides it.
# Second opinions: while fewer mentors than wanted have joined, the next accept joins too.
CLAIM = """
UPDATE help_requests
SET state = 'matched', matched_at = COALESCE(matched_at, :now), updated_at = :now,
    mentors_joined = mentors_joined + 1
WHERE id = :id
  AND (state = 'open' OR (state = 'matched' AND mentors_joined < mentors_wanted))
RETURNING mentors_joined, mentors_wanted
"""

# A mentor of several left: the request counts the mentors its session has (a claim by an
# offer still open may take the place).
ONE_MENTOR_LESS = """
UPDATE help_requests SET mentors_joined = mentors_joined - 1, updated_at = :now
WHERE id = :id AND state = 'matched' AND mentors_joined > 1
"""

SET_WAVE = "UPDATE help_requests SET wave = :wave WHERE id = :id"

# Place in the queue: open requests sharing a skill with this one, asked earlier.
QUEUE_AHEAD = """
SELECT COUNT(DISTINCT r.id) FROM help_requests r
JOIN request_skills rs ON rs.request_id = r.id
WHERE r.community_id = :community_id AND r.state = 'open'
  AND rs.skill IN (SELECT skill FROM request_skills WHERE request_id = :id)
  AND (r.created_at < :created_at OR (r.created_at = :created_at AND r.id < :id))
"""

# Recent waits of requests sharing a skill, for an estimate.
RECENT_WAITS = """
SELECT DISTINCT r.id, r.matched_at - r.created_at AS wait FROM help_requests r
JOIN request_skills rs ON rs.request_id = r.id
WHERE r.community_id = :community_id AND r.state = 'matched' AND r.matched_at >= :since
  AND rs.skill IN (SELECT skill FROM request_skills WHERE request_id = :id)
ORDER BY r.id DESC LIMIT 200
"""

# Open requests a mentor could take: the skill given, or any of theirs.
OPEN_FOR_SKILLS = """
SELECT DISTINCT r.id, r.created_at FROM help_requests r
JOIN request_skills rs ON rs.request_id = r.id
WHERE r.community_id = :community_id AND r.state = 'open' AND r.requester_id <> :person_id
  AND rs.skill IN {skills}
ORDER BY r.created_at, r.id LIMIT :limit
"""

STATE_OF = "SELECT state, version, escalation FROM help_requests WHERE id = :id"

SET_ESCALATION = """
UPDATE help_requests SET escalation = :level, updated_at = :now
WHERE id = :id AND state = 'open' AND escalation < :level
RETURNING id
"""

EXPIRE = """
UPDATE help_requests SET state = 'expired', closed_at = :now, updated_at = :now
WHERE id = :id AND state = 'open' AND version = :version
RETURNING id
"""

CLOSE = """
UPDATE help_requests SET state = 'closed', closed_at = :now, updated_at = :now,
       close_note = :note
WHERE id = :id AND state = 'open'
RETURNING id
"""

# Back to routing after a mentor withdrew or did not show up: a fresh round of waves.
REOPEN = """
UPDATE help_requests
SET state = 'open', matched_at = NULL, wave = 0, escalation = 0, version = version + 1,
    mentors_joined = 0, preferred_mentor_id = NULL, updated_at = :now,
    start_at = CASE WHEN start_at IS NOT NULL AND start_at < :now THEN NULL ELSE start_at END
WHERE id = :id AND state = 'matched'
RETURNING version
"""

CANCEL_MATCHED = """
UPDATE help_requests SET state = 'cancelled', closed_at = :now, updated_at = :now
WHERE id = :id AND state = 'matched'
RETURNING id
"""

NOT_MATCHED = """
UPDATE help_requests SET state = 'closed', closed_at = :now, updated_at = :now,
       close_note = :note
WHERE id = :id AND state = 'matched'
"""

# When mentors with these skills are usually around: weekly windows per UTC hour.
USUAL_HOURS = """
SELECT w.start_minute, w.end_minute FROM availability_windows w
JOIN mentor_skills ms ON ms.person_id = w.person_id
WHERE ms.community_id = :community_id
  AND ms.skill IN (SELECT skill FROM request_skills WHERE request_id = :id)
LIMIT 5000
"""

# Minutes until the next weekly range of a mentor with one of the request's skills starts
# (after :mow, the minute of the week now; NULL if none has weekly hours). A range that starts
# at minute 0 may be the second half of one split at the week's end: it counts too, which
# only makes a look come early.
NEXT_HOLDER_ON_DUTY = """
SELECT MIN((w.start_minute - :mow + 10080) % 10080) FROM availability_windows w
JOIN mentor_skills ms ON ms.person_id = w.person_id
WHERE ms.community_id = :community_id
  AND ms.skill IN (SELECT skill FROM request_skills WHERE request_id = :id)
  AND w.start_minute <> :mow
"""

# For the health check: requests per state, and a statement that only proves the store answers.
STATE_COUNTS = "SELECT state, COUNT(*) AS n FROM help_requests GROUP BY state"
ALIVE = "SELECT 1"

# A choice of mentor (`ask --choose`): who offered to take a request, held until the pick.
# Each mentor who offers gets the next number of the request (`help_requests.volunteers_seen`),
# kept while they are held: a withdrawal leaves a gap, so "pick 2" never means someone else
# than the member saw as 2.
VOLUNTEER = """
INSERT INTO volunteers (request_id, mentor_id, note, created_at, number)
VALUES (:request_id, :mentor_id, :note, :now, :number)
ON CONFLICT DO NOTHING
RETURNING mentor_id
"""
VOLUNTEERS = """
SELECT v.mentor_id, v.note, v.created_at, v.number, p.display_name
FROM volunteers v JOIN persons p ON p.id = v.mentor_id
WHERE v.request_id = :request_id ORDER BY v.number, v.created_at, v.mentor_id
"""
RELEASE_VOLUNTEERS = "DELETE FROM volunteers WHERE request_id = :request_id RETURNING mentor_id"
WITHDRAW_VOLUNTEER = (
    "DELETE FROM volunteers WHERE request_id = :request_id AND mentor_id = :mentor_id "
    "RETURNING mentor_id"
)
# An offer to take a request locks it while still open (after the mentor's row, as a claim
# does), so it can't slip in after a pick on PostgreSQL (SQLite's writes are one at a time),
# and takes the mentor's number.
LOCK_OPEN = """
UPDATE help_requests SET volunteers_seen = volunteers_seen + 1
WHERE id = :id AND state = 'open' RETURNING volunteers_seen
"""
