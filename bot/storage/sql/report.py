"""Demand against supply per skill, for `/mentor mod report` and `micromentor report`."""

ASKED = """
SELECT rs.skill, r.id, r.state, r.created_at, r.matched_at
FROM help_requests r JOIN request_skills rs ON rs.request_id = r.id
WHERE r.community_id = :community_id AND r.created_at >= :since
"""

MENTORS = """
SELECT ms.skill, p.id,
       (SELECT COUNT(*) FROM session_participants sp JOIN sessions s ON s.id = sp.session_id
         WHERE sp.person_id = p.id AND sp.role = 'mentor' AND s.created_at >= :since
           AND s.state NOT IN ('withdrawn', 'cancelled')) AS sessions
FROM mentor_skills ms JOIN persons p ON p.id = ms.person_id
WHERE ms.community_id = :community_id AND p.last_active_at >= :since
"""
