"""First accept wins, exactly once: 20 mentors on 20 connections, many trials, both engines."""

from __future__ import annotations

import asyncio
import os
import random

from bot.domain.messages import Actor
from bot.process.bootstrap import Core, start_core
from bot.service.notifier import CollectingNotifier
from tests.conftest import Harness, HarnessFactory, make_config

MENTORS = 20
# SQLite's busy handler sleeps in steps of up to 100 ms, so 20 writers on 20 connections
# cost about a second a trial there; PostgreSQL's row locks wake waiters at once.
TRIALS = {
    "sqlite": int(os.environ.get("MICROMENTOR_ACCEPT_TRIALS_SQLITE", "20")),
    "postgresql": int(os.environ.get("MICROMENTOR_ACCEPT_TRIALS_POSTGRES", "50")),
}


async def more_cores(storage_url: str, h: Harness, n: int) -> list[Core]:
    """Cores of their own on the same store and clock: their own connection (SQLite) or
    pool (PostgreSQL), so the database decides, not a Python lock."""
    return [
        await start_core(
            make_config(storage_url), CollectingNotifier(), clock=h.clock, rng=random.Random(i)
        )
        for i in range(n)
    ]


async def test_twenty_simultaneous_accepts_make_exactly_one_session(
    make_harness: HarnessFactory, storage_url: str
) -> None:
    """Every trial: one winner, nineteen polite 'already taken', one session row."""
    h = await make_harness()
    names = [f"mentor{i}" for i in range(MENTORS)]
    for name in names:
        await h.mentor(name, "python")
        await h.ok(name, "/mentor profile capacity 10 100")
    # Each mentor gets their own core, hence their own database connection (SQLite) or
    # pool (PostgreSQL): the database, not a Python lock, decides who wins.
    cores = await more_cores(storage_url, h, MENTORS)
    try:
        for trial in range(TRIALS[h.core.db.dialect]):
            reply = await h.ok(f"asker{trial}", "/mentor ask python -- help me")
            request = f"r{trial + 1}"
            assert request in reply.text
            order = list(range(MENTORS))
            random.Random(trial).shuffle(order)
            replies = await asyncio.gather(
                *(
                    cores[i].bus.handle_line(
                        Actor("console", "console", names[i], names[i]), f"/mentor accept {request}"
                    )
                    for i in order
                )
            )
            winners = [r for r in replies if not r.is_error]
            losers = [r for r in replies if r.is_error]
            assert len(winners) == 1, [r.text for r in replies]
            assert all("already taken" in r.text for r in losers), [r.text for r in losers]
            async with h.core.db.transaction() as tx:
                sessions = await tx.fetch_val(
                    "SELECT COUNT(*) FROM sessions WHERE request_id = :id", {"id": trial + 1}
                )
                accepted = await tx.fetch_val(
                    "SELECT COUNT(*) FROM offers WHERE request_id = :id AND state = 'accepted'",
                    {"id": trial + 1},
                )
                # End it, so capacity never interferes with the next trial.
                await tx.execute("UPDATE sessions SET state = 'completed'")
            assert (sessions, accepted) == (1, 1)
    finally:
        for core in cores:
            await core.close()


async def test_simultaneous_asks_offering_to_the_same_mentors_never_deadlock(
    make_harness: HarnessFactory, storage_url: str
) -> None:
    """Eight members ask at once (eight connections) and their waves overlap: every ask
    succeeds (mentor rows are locked in one order, so PostgreSQL finds no deadlock)."""
    h = await make_harness()
    for i in range(5):
        await h.mentor(f"mentor{i}", "python")
        await h.ok(f"mentor{i}", "/mentor profile capacity 10 100")
    cores = await more_cores(storage_url, h, 8)
    try:
        for trial in range(5):
            replies = await asyncio.gather(
                *(
                    cores[i].bus.handle_line(
                        Actor("console", "console", f"m{trial}-{i}", "m"),
                        "/mentor ask python -- at the same time",
                    )
                    for i in range(8)
                )
            )
            assert not [r.text for r in replies if r.is_error]
    finally:
        for core in cores:
            await core.close()


async def test_offers_to_take_racing_the_pick_leave_no_one_held(
    make_harness: HarnessFactory, storage_url: str
) -> None:
    """`ask --choose`: while mentors offer to take the request on their own connections,
    the member picks one. Whatever the order, one session is made, and nobody is left
    held for a request that is no longer open (an offer that came after the pick is
    refused, not stored)."""
    h = await make_harness()
    names = [f"mentor{i}" for i in range(8)]
    for name in names:
        await h.mentor(name, "python")
        await h.ok(name, "/mentor profile capacity 10 100")
    cores = await more_cores(storage_url, h, len(names) + 1)
    trials = 10 if h.core.db.dialect == "postgresql" else 4
    try:
        for trial in range(trials):
            asker = f"asker{trial}"
            await h.ok(asker, "/mentor ask python --choose -- which mentor?")
            request = f"r{trial + 1}"
            await h.ok(names[0], f"/mentor accept {request}")  # one to pick
            member = cores[-1].bus.handle_line(
                Actor("console", "console", asker, asker), f"/mentor pick {request} 1"
            )
            offers = [
                cores[i].bus.handle_line(
                    Actor("console", "console", names[i], names[i]), f"/mentor accept {request}"
                )
                for i in range(1, len(names))
            ]
            work = [member, *offers]
            random.Random(trial).shuffle(work)
            replies = await asyncio.gather(*work)
            assert not [r.text for r in replies if r.is_error and "taken" not in r.text]
            async with h.core.db.transaction() as tx:
                sessions = await tx.fetch_val(
                    "SELECT COUNT(*) FROM sessions WHERE request_id = :id", {"id": trial + 1}
                )
                held = await tx.fetch_val(
                    "SELECT COUNT(*) FROM volunteers WHERE request_id = :id", {"id": trial + 1}
                )
                await tx.execute("UPDATE sessions SET state = 'completed'")
            assert (sessions, held) == (1, 0)
    finally:
        for core in cores:
            await core.close()
