"""The candidate query keeps never-offered mentors when a skill has many holders."""

from __future__ import annotations

from bot.clock import epoch
from bot.service.context import Scope
from bot.service.routing import candidates
from bot.service.waves import get_request
from tests.conftest import Harness


async def test_never_offered_mentors_are_kept_on_both_engines(harness: Harness) -> None:
    """600 python mentors, 550 offered before: the 50 never offered are all candidates
    (PostgreSQL sorts NULLs last unless told, which once dropped them)."""
    h = harness
    now = epoch(h.clock.now())
    async with h.core.db.transaction() as tx:
        for n in range(600):
            pid = await tx.fetch_val(
                "INSERT INTO persons (community_id, display_name, timezone, is_mentor,"
                " available_until, capacity_concurrent, capacity_weekly, last_offered_at,"
                " created_at, last_active_at) VALUES ('default', :name, 'UTC', 1, :until, 1,"
                " 5, :offered, :now, :now) RETURNING id",
                {
                    "name": f"m{n}",
                    "until": now + 3600,
                    "offered": None if n < 50 else now - 60 - n,
                    "now": now,
                },
            )
            await tx.execute(
                "INSERT INTO mentor_skills (community_id, skill, person_id)"
                " VALUES ('default', 'python', :id)",
                {"id": pid},
            )
    await h.ok("ana", "/mentor ask python -- q")
    async with h.core.db.transaction() as tx:
        scope = Scope(h.core.deps, tx, h.clock.now(), "default")
        req = await get_request(scope, 1)
        assert req is not None
        names = await tx.fetch(
            "SELECT id FROM persons WHERE last_offered_at IS NULL AND is_mentor = 1"
        )
        never = {int(r["id"]) for r in names}
        found = {c.person_id for c, _ in await candidates(scope, req)}
    assert never <= found
