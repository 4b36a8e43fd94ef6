"""Posts in help channels: which request each became, or the draft waiting for its skills."""

INSERT = """
INSERT INTO help_posts (community_id, platform, workspace, place, post, person_id, draft, link,
                        request_id, created_at)
VALUES (:community_id, :platform, :workspace, :place, :post, :person_id, :draft, :link,
        :request_id, :now)
RETURNING id
"""

_COLUMNS = """
SELECT id, community_id, platform, workspace, place, post, person_id, draft, link, request_id,
       created_at
FROM help_posts
"""

BY_POST = (
    _COLUMNS + "WHERE platform = :platform AND workspace = :workspace AND place = :place "
    "AND post = :post AND community_id = :community_id"
)
BY_ID = _COLUMNS + "WHERE id = :id AND community_id = :community_id"
BY_REQUEST = _COLUMNS + "WHERE request_id = :request_id"

# The draft's text goes once it is a request: the request holds the question from then on.
TO_REQUEST = """
UPDATE help_posts SET request_id = :request_id, draft = NULL
WHERE id = :id AND request_id IS NULL
RETURNING id
"""
SET_DRAFT = "UPDATE help_posts SET draft = :draft WHERE id = :id AND request_id IS NULL"
REMOVE = "DELETE FROM help_posts WHERE id = :id"

# What the author is offered to pick from when nothing in a post names a skill.
COMMON_SKILLS = """
SELECT skill, COUNT(*) AS holders FROM mentor_skills WHERE community_id = :community_id
GROUP BY skill ORDER BY holders DESC, skill LIMIT :n
"""
