"""One person behind several records: whatever an identity did under any record it ever
belonged to counts for neutrality, blocks and conflicts of interest.

Rights (who is a moderator) come from the platform identity acting; parties, decisions and
blocks are stored against person records. A link merges two records and an unlink splits
one, so a record alone can't say who someone is. `identity_history` keeps every record each
identity ever belonged to, and these functions answer from it (bot/storage/sql/identities.py).
"""

from __future__ import annotations

from bot.service.context import Scope
from bot.storage.sql import identities as sql


async def related_persons(scope: Scope, person_id: int) -> frozenset[int]:
    """Every record that is one person with this one (itself included): those sharing an
    identity with it at any time, transitively."""
    rows = await scope.tx.fetch(sql.RELATED, {"id": person_id})
    return frozenset(int(row["person_id"]) for row in rows)


async def same_person(scope: Scope, a: int, b: int) -> bool:
    """Whether two records are one person (now or ever linked)."""
    return a == b or b in await related_persons(scope, a)


async def kept_apart(scope: Scope, person_id: int) -> frozenset[int]:
    """Records that must never be offered this person's requests: their own, and everyone
    they blocked or who blocked them, each under any of their records."""
    rows = await scope.tx.fetch(sql.KEPT_APART, {"id": person_id})
    return frozenset(int(row["person_id"]) for row in rows)
