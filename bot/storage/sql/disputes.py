"""Disputes, reports, appeals, sanctions and the audit log."""

from bot.storage.sql.identities import related

INSERT = """
INSERT INTO disputes (community_id, kind, session_id, opened_by, against_id, statement,
                      state, created_at)
VALUES (:community_id, :kind, :session_id, :opened_by, :against_id, :statement, 'open', :now)
RETURNING id
"""

GET = """
SELECT d.*, o.display_name AS opener_name, a.display_name AS against_name
FROM disputes d
JOIN persons o ON o.id = d.opened_by
JOIN persons a ON a.id = d.against_id
WHERE d.id = :id AND d.community_id = :community_id
"""

FOR_SESSION = """
SELECT id, state, opened_by, against_id, other_statement FROM disputes
WHERE session_id = :session_id ORDER BY id DESC LIMIT 1
"""

ADD_OTHER_STATEMENT = """
UPDATE disputes SET other_statement = :statement
WHERE id = :id AND other_statement IS NULL AND state = 'open'
RETURNING id
"""

QUEUE = """
SELECT d.id, d.kind, d.session_id, d.state, d.opened_by, d.against_id, d.moderator_id,
       d.created_at, d.appealed_at, o.display_name AS opener_name,
       a.display_name AS against_name
FROM disputes d
JOIN persons o ON o.id = d.opened_by
JOIN persons a ON a.id = d.against_id
WHERE d.community_id = :community_id AND d.state IN ('open', 'appealed')
ORDER BY COALESCE(d.appealed_at, d.created_at), d.id
LIMIT 25
"""

DECIDE = """
UPDATE disputes
SET state = 'resolved', moderator_id = :moderator_id, decision = :decision,
    decision_note = :note, decided_at = :now
WHERE id = :id AND state = 'open'
RETURNING id
"""

APPEAL = """
UPDATE disputes SET state = 'appealed', appeal_by = :by, appeal_text = :text, appealed_at = :now
WHERE id = :id AND state = 'resolved' AND appeal_by IS NULL
RETURNING id
"""

# Never by the first decider, under any record they ever had (sql.identities.related).
DECIDE_APPEAL = (
    "WITH RECURSIVE "
    + related("decider", ":moderator_id")
    + """
UPDATE disputes
SET state = 'final', appeal_moderator_id = :moderator_id, appeal_decision = :decision,
    appeal_note = :note, appeal_decided_at = :now
WHERE id = :id AND state = 'appealed'
  AND moderator_id NOT IN (SELECT person_id FROM decider)
RETURNING id"""
)

SET_DISPUTED = "UPDATE sessions SET disputed = :disputed WHERE id = :id"

# Both ratings of a session stop counting, those given later too (sessions.ratings_void).
VOID_RATINGS = (
    "UPDATE ratings SET counted = 0 WHERE session_id = :session_id",
    "UPDATE sessions SET ratings_void = 1 WHERE id = :session_id",
)

VOID_RATING_BY = """
UPDATE ratings SET counted = 0 WHERE session_id = :session_id AND rater_id = :rater_id
RETURNING rater_id
"""

RESTORE_RATINGS = (
    "UPDATE ratings SET counted = 1 WHERE session_id = :session_id",
    "UPDATE sessions SET ratings_void = 0 WHERE id = :session_id",
)

ADD_SANCTION = """
INSERT INTO sanctions (community_id, person_id, kind, dispute_id, days, ends_at, created_at)
VALUES (:community_id, :person_id, :kind, :dispute_id, :days, :ends_at, :now)
RETURNING id
"""

PRIOR_SANCTIONS = """
SELECT kind, COUNT(*) AS n FROM sanctions
WHERE person_id = :person_id AND revoked_at IS NULL
GROUP BY kind
"""

SANCTIONS_OF = """
SELECT id, kind, days, ends_at, dispute_id, revoked_at, created_at FROM sanctions
WHERE person_id = :person_id ORDER BY id
"""

REVOKE_FOR_DISPUTE = """
UPDATE sanctions SET revoked_at = :now
WHERE dispute_id = :dispute_id AND revoked_at IS NULL
RETURNING person_id, kind
"""

# The suspension in force on a person: the latest end of any suspension not revoked, over
# every record that is this person ({ids}: their related records).
LONGEST_SUSPENSION_OF_ANY = """
SELECT MAX(ends_at) FROM sanctions
WHERE person_id IN {ids} AND kind = 'suspension' AND revoked_at IS NULL AND ends_at > :now
"""

SET_SUSPENDED = "UPDATE persons SET suspended_until = :until WHERE id = :id"

LIFT_IF_OVER = """
UPDATE persons SET suspended_until = NULL
WHERE id = :id AND suspended_until IS NOT NULL AND suspended_until <= :now
RETURNING id
"""

INVOLVING = """
SELECT id, kind, state, decision, appeal_decision, session_id, opened_by, against_id, created_at
FROM disputes WHERE opened_by = :person_id OR against_id = :person_id ORDER BY id DESC LIMIT 20
"""

AUDIT = """
INSERT INTO audit_log (community_id, actor_id, action, subject, detail, created_at)
VALUES (:community_id, :actor_id, :action, :subject, :detail, :now)
"""

AUDIT_LATEST = """
SELECT l.id, l.action, l.subject, l.detail, l.created_at, p.display_name AS actor_name
FROM audit_log l LEFT JOIN persons p ON p.id = l.actor_id
WHERE l.community_id = :community_id
ORDER BY l.id DESC LIMIT :limit
"""
