"""A community's run-time settings, its own skills, and the version of both."""

GET_SETTINGS = "SELECT key, value FROM community_settings WHERE community_id = :community_id"
PUT_SETTING = """
INSERT INTO community_settings (community_id, key, value, updated_at)
VALUES (:community_id, :key, :value, :now)
ON CONFLICT (community_id, key) DO UPDATE
SET value = excluded.value, updated_at = excluded.updated_at
"""
GET_SKILLS = """
SELECT skill, aliases, removed FROM community_skills WHERE community_id = :community_id
"""
# One counter per community, moved on by every change of its settings or skills in the same
# transaction, so that other processes can tell they are behind.
BUMP_VERSION = """
INSERT INTO settings_versions (community_id, version) VALUES (:community_id, 1)
ON CONFLICT (community_id) DO UPDATE SET version = settings_versions.version + 1
RETURNING version
"""
VERSIONS = "SELECT community_id, version FROM settings_versions"
PUT_SKILL = """
INSERT INTO community_skills (community_id, skill, aliases, removed, updated_at)
VALUES (:community_id, :skill, :aliases, :removed, :now)
ON CONFLICT (community_id, skill) DO UPDATE
SET aliases = excluded.aliases, removed = excluded.removed, updated_at = excluded.updated_at
"""
