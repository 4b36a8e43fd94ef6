"""Due actions: every deadline, reminder and timer is a row with a due_at."""

from functools import cache


@cache
def insert_many(count: int) -> str:
    """`count` actions of one kind, version and time in one statement (parameters:
    community_id, kind, ref_version, due_at, now, and ref0...)."""
    rows = ", ".join(
        f"(:community_id, :kind, :ref{i}, :ref_version, :due_at, :now)" for i in range(count)
    )
    return (
        "INSERT INTO due_actions (community_id, kind, ref_id, ref_version, due_at, created_at) "
        f"VALUES {rows}"
    )


# Only the communities this process serves: processes for different communities may share
# one database without running each other's timers.
DUE = """
SELECT id, community_id, kind, ref_id, ref_version, due_at FROM due_actions
WHERE done_at IS NULL AND due_at <= :now AND community_id IN {communities}
ORDER BY due_at, id LIMIT :limit
"""

# Claiming and doing commit together: a second process (or a second run) finds done_at set
# and skips, so each action happens exactly once.
CLAIM = """
UPDATE due_actions SET done_at = :now WHERE id = :id AND done_at IS NULL RETURNING id
"""

FAILED = """
UPDATE due_actions SET done_at = :now, error = :error WHERE id = :id AND done_at IS NULL
"""

NEXT = """
SELECT MIN(due_at) FROM due_actions WHERE done_at IS NULL AND community_id IN {communities}
"""

PENDING_COUNT = "SELECT COUNT(*) FROM due_actions WHERE done_at IS NULL"

# Drop what is still to run of this kind for this row, for the one about to be planned (a
# sweep that had already read the row finds nothing to claim and skips it).
DROP_PENDING = """
DELETE FROM due_actions
WHERE kind = :kind AND ref_id = :ref_id AND community_id = :community_id AND done_at IS NULL
"""
