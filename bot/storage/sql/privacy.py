"""Members' rights over their data: what export reads, what forget and retention change."""

from bot.storage.sql import identities as identities_sql

EXPORT_QUERIES = {
    "profile": "SELECT display_name, timezone, is_mentor, away, hours_spec, "
    "capacity_concurrent, capacity_weekly, call_link, leaderboard, created_at, suspended_until "
    "FROM persons WHERE id = :id",
    "accounts": "SELECT platform, workspace, user_id, display_name, last_seen_at "
    "FROM identities WHERE person_id = :id",
    "skills": "SELECT skill FROM mentor_skills WHERE person_id = :id",
    "help_posts": "SELECT id, platform, place, post, draft, link, request_id, created_at "
    "FROM help_posts WHERE person_id = :id ORDER BY id",
    "requests": "SELECT id, question, goal, tried, about, minutes, start_at, state, created_at, "
    "matched_at FROM help_requests WHERE requester_id = :id ORDER BY id",
    "sessions": "SELECT s.id, sp.role, s.start_at, s.minutes, s.state, s.outcome, "
    "sp.checked_in_at, sp.no_show FROM session_participants sp "
    "JOIN sessions s ON s.id = sp.session_id WHERE sp.person_id = :id ORDER BY s.id",
    "ratings_given": "SELECT session_id, score, aspects, comment, created_at FROM ratings "
    "WHERE rater_id = :id ORDER BY session_id",
    # Received ratings as they were revealed: never one that is still hidden.
    "ratings_received": "SELECT r.session_id, r.score, r.aspects, r.comment, r.counted "
    "FROM ratings r JOIN sessions s ON s.id = r.session_id "
    "WHERE r.ratee_id = :id AND s.ratings_revealed_at IS NOT NULL ORDER BY r.session_id",
    "kudos_received": "SELECT session_id, message, created_at FROM kudos WHERE to_id = :id",
    "disputes_opened": "SELECT id, kind, session_id, statement, state, decision, decision_note "
    "FROM disputes WHERE opened_by = :id",
    "sanctions": "SELECT kind, days, ends_at, revoked_at, created_at FROM sanctions "
    "WHERE person_id = :id",
}

FORGET = [
    # Nothing may be left waiting for a person who is gone: open requests and offers end.
    "UPDATE offers SET state = 'withdrawn', answered_at = :now WHERE state = 'pending' "
    "AND request_id IN (SELECT id FROM help_requests WHERE requester_id = :id "
    "AND state = 'open')",
    "UPDATE offers SET state = 'withdrawn', answered_at = :now WHERE state = 'pending' "
    "AND mentor_id = :id",
    "UPDATE help_requests SET state = 'cancelled', closed_at = :now "
    "WHERE requester_id = :id AND state = 'open'",
    "UPDATE sessions SET state = 'cancelled', outcome = 'forgotten', ended_at = :now "
    "WHERE state IN ('scheduled', 'active') AND id IN "
    "(SELECT session_id FROM session_participants WHERE person_id = :id)",
    "UPDATE sessions SET place = NULL WHERE id IN "
    "(SELECT session_id FROM session_participants WHERE person_id = :id AND role = 'mentor')",
    "UPDATE help_requests SET question = '[removed]', goal = NULL, tried = NULL, about = NULL, "
    "anonymised_at = :now WHERE requester_id = :id",
    "UPDATE ratings SET comment = NULL WHERE rater_id = :id OR ratee_id = :id",
    # no longer held for a member's choice (the choice goes on among the others)
    "DELETE FROM volunteers WHERE mentor_id = :id",
    "DELETE FROM help_posts WHERE person_id = :id AND request_id IS NULL",
    "UPDATE disputes SET statement = '[removed]' WHERE opened_by = :id",
    "UPDATE disputes SET other_statement = '[removed]' WHERE against_id = :id "
    "AND other_statement IS NOT NULL",
    "UPDATE disputes SET appeal_text = '[removed]' WHERE appeal_by = :id",
    "UPDATE kudos SET message = NULL WHERE from_id = :id OR to_id = :id",
    "DELETE FROM mentor_skills WHERE person_id = :id",
    "DELETE FROM availability_windows WHERE person_id = :id",
    "DELETE FROM session_proposals WHERE proposed_by = :id",
    "DELETE FROM link_codes WHERE person_id = :id",
    # Blocks you made go; other people's blocks of you are theirs and stay (a forgotten
    # account that comes back is still one person with this record: identity_history).
    "DELETE FROM blocks WHERE blocker_id = :id",
    identities_sql.CLOSE_ALL_OF,
    "UPDATE persons SET display_name = :anon, is_mentor = 0, away = 1, available_until = NULL, "
    "hours_spec = '{}', call_link = NULL, leaderboard = 0, forgotten_at = :now WHERE id = :id",
]

RETENTION = [
    # A request stays matched after its session took place: its texts are spared only while
    # they are still in use, open or with a session still to come or running.
    "UPDATE help_requests SET question = '[removed after the retention period]', goal = NULL, "
    "tried = NULL, about = NULL, anonymised_at = :now WHERE created_at < :before "
    "AND anonymised_at IS NULL AND state <> 'open' AND NOT EXISTS (SELECT 1 FROM sessions s "
    "WHERE s.request_id = help_requests.id AND s.state IN ('scheduled', 'active'))",
    "UPDATE ratings SET comment = NULL WHERE created_at < :before AND comment IS NOT NULL",
    "UPDATE volunteers SET note = NULL WHERE created_at < :before AND note IS NOT NULL",
    "DELETE FROM help_posts WHERE created_at < :before AND request_id IS NULL",
    "DELETE FROM forgotten_identities WHERE suspended_until < :now",
    "UPDATE disputes SET statement = '[removed after the retention period]', "
    "other_statement = NULL, appeal_text = NULL WHERE created_at < :before "
    "AND state IN ('resolved', 'final')",
    "UPDATE kudos SET message = NULL WHERE created_at < :before AND message IS NOT NULL",
]

LIVE_SESSIONS = """
SELECT s.id, s.request_id, p.role FROM sessions s
JOIN session_participants p ON p.session_id = s.id AND p.person_id = :id
WHERE s.state IN ('scheduled', 'active')
"""
MENTORS_OF = "SELECT person_id FROM session_participants WHERE session_id = :id AND role = 'mentor'"

FORGOTTEN_AT = "SELECT forgotten_at FROM persons WHERE id = :id"
IDENTITIES = (
    "SELECT platform, workspace, user_id, display_name FROM identities WHERE person_id = :id"
)
# The platform ids the front ends kept for one account (DM channels, posted messages).
FORGET_PLATFORM_IDS = (
    "DELETE FROM platform_channels WHERE platform = :platform AND workspace = :workspace"
    " AND (address = :user OR address = :unreachable)",
    "DELETE FROM message_refs WHERE platform = :platform AND workspace = :workspace"
    " AND recipient = :user",
)
# The community's audit entries that may name a person (the detail contains the text; the
# service then replaces it only as a whole name). `:pattern` is a LIKE pattern, escaped.
AUDIT_MENTIONING = """
SELECT id, detail FROM audit_log
WHERE community_id = :community_id AND detail LIKE :pattern ESCAPE '!'
"""
SET_AUDIT_DETAIL = "UPDATE audit_log SET detail = :detail WHERE id = :id"
DELETE_IDENTITIES = "DELETE FROM identities WHERE person_id = :id"
REQUESTER_OF = "SELECT requester_id FROM help_requests WHERE id = :id"
PENDING_RETENTION = (
    "SELECT COUNT(*) FROM due_actions WHERE kind = :kind AND done_at IS NULL "
    "AND community_id = :community_id"
)
