"""Offers and the routing candidates query."""

# Mentors holding any requested skill, available at the time, not yet offered this request.
# Fit and load come back per mentor; capacity and ranking are decided in bot.domain.routing.
CANDIDATES = """
SELECT p.id AS person_id, p.timezone, p.last_offered_at, p.capacity_concurrent,
       p.capacity_weekly,
       COUNT(*) AS fit,
       (SELECT COUNT(*) FROM session_participants sp JOIN sessions s ON s.id = sp.session_id
         WHERE sp.person_id = p.id AND sp.role = 'mentor'
           AND s.state IN ('scheduled', 'active')) AS active,
       (SELECT COUNT(*) FROM session_participants sp JOIN sessions s ON s.id = sp.session_id
         WHERE sp.person_id = p.id AND sp.role = 'mentor'
           AND s.created_at >= :week_ago
           AND s.state NOT IN ('withdrawn', 'cancelled')) AS this_week,
       (SELECT COUNT(*) FROM offers o2
         WHERE o2.mentor_id = p.id AND o2.created_at >= :recent_since) AS recent_offers
FROM request_skills rs
JOIN mentor_skills ms ON ms.community_id = rs.community_id AND ms.skill = rs.skill
JOIN persons p ON p.id = ms.person_id
WHERE rs.request_id = :request_id
  AND p.id <> :requester_id AND p.away = 0
  AND (p.suspended_until IS NULL OR p.suspended_until <= :now)
  AND NOT EXISTS (SELECT 1 FROM blocks b
                  WHERE (b.blocker_id = p.id AND b.blocked_id = :requester_id)
                     OR (b.blocker_id = :requester_id AND b.blocked_id = p.id))
  AND (p.available_until > :at
       OR EXISTS (SELECT 1 FROM availability_windows w
                  WHERE w.person_id = p.id AND w.start_minute <= :mow AND w.end_minute > :mow))
  AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.request_id = :request_id AND o.mentor_id = p.id)
GROUP BY p.id, p.timezone, p.last_offered_at, p.capacity_concurrent, p.capacity_weekly
ORDER BY COUNT(*) DESC, p.last_offered_at NULLS FIRST
LIMIT 500
"""

INSERT = """
INSERT INTO offers (community_id, request_id, mentor_id, wave, state, created_at, deadline_at)
VALUES (:community_id, :request_id, :mentor_id, :wave, 'pending', :now, :deadline_at)
RETURNING id
"""

MARK_OFFERED = "UPDATE persons SET last_offered_at = :now WHERE id = :id"

PENDING_FOR = """
SELECT id FROM offers WHERE request_id = :request_id AND mentor_id = :mentor_id
  AND state = 'pending'
"""

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

PENDING_OF_REQUEST = """
SELECT id, mentor_id FROM offers WHERE request_id = :request_id AND state = 'pending'
"""

EXPIRE = """
UPDATE offers SET state = 'expired', answered_at = :now
WHERE id = :id AND state = 'pending'
RETURNING request_id, mentor_id
"""

PENDING_COUNT = "SELECT COUNT(*) FROM offers WHERE request_id = :request_id AND state = 'pending'"

# The mentor a member named with --with: offered first, alone, if nothing stands in the way.
PREFERRED = """
SELECT p.id AS person_id, p.timezone, p.last_offered_at, p.capacity_concurrent,
       p.capacity_weekly, 0 AS fit, 0 AS recent_offers,
       (SELECT COUNT(*) FROM session_participants sp JOIN sessions s ON s.id = sp.session_id
         WHERE sp.person_id = p.id AND sp.role = 'mentor'
           AND s.state IN ('scheduled', 'active')) AS active,
       (SELECT COUNT(*) FROM session_participants sp JOIN sessions s ON s.id = sp.session_id
         WHERE sp.person_id = p.id AND sp.role = 'mentor'
           AND s.created_at >= :week_ago AND s.state NOT IN ('withdrawn', 'cancelled')) AS this_week
FROM persons p
WHERE p.id = :mentor_id AND p.id <> :requester_id
  AND (p.suspended_until IS NULL OR p.suspended_until <= :now)
  AND NOT EXISTS (SELECT 1 FROM blocks b
                  WHERE (b.blocker_id = p.id AND b.blocked_id = :requester_id)
                     OR (b.blocker_id = :requester_id AND b.blocked_id = p.id))
  AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.request_id = :request_id AND o.mentor_id = p.id)
"""
