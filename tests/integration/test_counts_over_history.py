"""A mentor's load and record are counted over their recent past only, and exactly: the counts
start at the first session that can count, whatever order ids and times came in."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.clock import epoch
from bot.service import reputation
from bot.service.context import Scope
from bot.service.routing import candidates
from bot.service.waves import get_request
from bot.storage.sql import offers as offers_sql
from tests.conftest import Harness, HarnessFactory
from tests.integration.test_routing_candidates import add_mentors

DAY = 24 * 3600
WEEK = 7 * DAY


async def add_session(
    h: Harness,
    mentor: int,
    mentee: int,
    created_at: int,
    state: str,
    *,
    checked_in: bool = False,
    no_show: bool = False,
) -> int:
    """A session of its own request, with the mentor's participation as given."""
    async with h.core.db.transaction() as tx:
        request = await tx.fetch_val(
            "INSERT INTO help_requests (community_id, requester_id, question, minutes, state,"
            " created_at, updated_at) VALUES ('default', :mentee, 'q', 30, 'matched', :at, :at)"
            " RETURNING id",
            {"mentee": mentee, "at": created_at},
        )
        session = int(
            await tx.fetch_val(
                "INSERT INTO sessions (community_id, request_id, mentee_id, start_at, minutes,"
                " state, created_at) VALUES ('default', :request, :mentee, :at, 30, :state, :at)"
                " RETURNING id",
                {"request": request, "mentee": mentee, "at": created_at, "state": state},
            )
        )
        await tx.execute(
            "INSERT INTO session_participants (session_id, person_id, role, checked_in_at,"
            " no_show) VALUES (:session, :mentor, 'mentor', :checked, :no_show)",
            {
                "session": session,
                "mentor": mentor,
                "checked": created_at if checked_in else None,
                "no_show": int(no_show),
            },
        )
    return session


async def test_load_and_record_count_exactly_the_recent_sessions(
    make_harness: HarnessFactory,
) -> None:
    """Sessions made in reverse order of their ids, a live session made long ago, one made at
    the very start of the week and one a second before it: each is counted where it belongs."""
    h = await make_harness()
    await h.ok("ana", "/mentor ask python -- q")  # before the mentor: no wave goes out
    (mentor,) = await add_mentors(h, ("python",), [None], capacity=10)
    other = (await add_mentors(h, ("rust",), [None]))[0]
    async with h.core.db.transaction() as tx:
        mentee = int(await tx.fetch_val("SELECT requester_id FROM help_requests WHERE id = 1"))
    now = epoch(h.clock.now())
    since = now - int(timedelta(days=90).total_seconds())
    # A live session made 40 days ago, first of all (the smallest id of the live ones).
    await add_session(h, mentor, mentee, now - 40 * DAY, "scheduled")
    # Someone else's history in between, so ids and times don't line up by accident.
    for n in range(5):
        await add_session(h, other, mentee, now - (100 + n) * DAY, "completed", checked_in=True)
    # This week's, newest first: ids grow while the times go back.
    await add_session(h, mentor, mentee, now - 3600, "completed", checked_in=True)
    await add_session(h, mentor, mentee, now - 6 * DAY, "completed", no_show=True)
    await add_session(h, mentor, mentee, now - 3 * DAY, "active", checked_in=True)
    await add_session(h, mentor, mentee, now - WEEK, "completed", checked_in=True)  # counts
    await add_session(h, mentor, mentee, now - WEEK - 1, "completed", checked_in=True)  # doesn't
    await add_session(h, mentor, mentee, now - 2 * DAY, "cancelled")
    # The reliability window: the first second of it counts, the one before doesn't.
    await add_session(h, mentor, mentee, since, "completed", checked_in=True)
    await add_session(h, mentor, mentee, since - 1, "completed", checked_in=True)
    await add_session(h, mentor, mentee, since - 1, "no_show", no_show=True)

    async with h.core.db.transaction() as tx:
        scope = Scope(h.core.deps, tx, h.clock.now(), "default")
        req = await get_request(scope, 1)
        assert req is not None
        found = {c.person_id: c for c, _ in await candidates(scope, req)}
        record = (await reputation.records(scope, [mentor]))[mentor]

    assert found[mentor].active_sessions == 2  # the scheduled one of 40 days ago, the active one
    assert found[mentor].sessions_this_week == 4  # 1 hour, 3 and 6 days ago, and at a week
    assert record.sessions_attended == 5  # 1 hour, 3 days, a week, a week + 1s, 90 days ago
    assert record.no_shows == 1


async def test_sqlite_counts_read_only_the_recent_index_entries(
    make_harness: HarnessFactory,
) -> None:
    """The plan of the candidates query: a mentor's sessions are read from the first that can
    count (`session_id>?` on their index), not from the start of their history."""
    h = await make_harness()
    if h.core.db.dialect != "sqlite":
        return  # the plan is SQLite's; PostgreSQL's is its planner's choice
    query, params = offers_sql.candidates(["python"], [1])
    params = {name: params.get(name, 0) for name in re.findall(r"(?<!:):(\w+)", query)}
    async with h.core.db.transaction() as tx:
        plan = await tx.fetch(f"EXPLAIN QUERY PLAN {query}", params)
    details = [str(row["detail"]) for row in plan]
    reads = [d for d in details if "session_participants" in d]
    assert reads, details
    assert all("session_id>?" in d for d in reads), reads
    sessions_by_time = [d for d in details if "sessions_created" in d or "sessions_live" in d]
    assert sessions_by_time, details
