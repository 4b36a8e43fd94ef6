"""Commands that change nothing (the registry's `reads`) run in a read-only transaction when
there is no platform delivery to record, on both engines: they change no row, PostgreSQL
refuses a write in them, and on SQLite they take no write lock. A newcomer's first read is
run again as a write, which creates them."""

from __future__ import annotations

import sqlite3

import pytest

from bot.service.registry import SPECS
from bot.storage.database import Database
from tests.conftest import Harness, HarnessFactory

MODS = {"communities.default.moderators": '["console:mod1"]'}
READS = [s for s in SPECS if s.reads]


async def _tables(db: Database) -> dict[str, list[str]]:
    """Every row of every table of ours, to compare before and after."""
    if db.dialect == "sqlite":
        listing = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
    else:
        listing = (
            "SELECT table_name AS name FROM information_schema.tables "
            "WHERE table_schema = current_schema() ORDER BY table_name"
        )
    async with db.transaction() as tx:
        names = [str(r["name"]) for r in await tx.fetch(listing)]
        return {
            n: sorted(repr(tuple(r)) for r in await tx.fetch(f"SELECT * FROM {n}")) for n in names
        }


async def _a_community(h: Harness) -> None:
    """Someone of each kind, a request, a session and a dispute, for the reads to show."""
    await h.mentor("m1", "python")
    await h.ok("ana", "/mentor ask python -- How do I read a CSV?")
    await h.ok("m1", "/mentor accept r1")
    await h.ok("ana", "/mentor report @m1 -- rude")
    for user in ("mod1", "bob"):
        await h.ok(user, "/mentor skills")  # on first contact they are created


def test_the_reads_are_the_commands_that_show() -> None:
    """Which commands are declared read-only (a new one must be chosen on purpose)."""
    assert {s.words for s in READS} == {
        "ask",  # `ask -- <question>` with no skills: suggestions only
        "queue",
        "skills",
        "profile",
        "open",
        "sessions",
        "me",
        "leaderboard",
        "mod queue",
        "mod show",
        "mod log",
        "mod stats",
        "mod settings",
        "mod report",
    }


async def test_a_read_changes_nothing_and_answers(make_harness: HarnessFactory) -> None:
    """Each read, typed by a member and by a moderator, changes no row and is answered
    (not with the apology a refused write would bring on PostgreSQL)."""
    h = await make_harness(**MODS)
    await _a_community(h)
    db = h.core.bus.db
    before = await _tables(db)
    for spec in READS:
        for user, roles in (("bob", ()), ("mod1", ())):
            reply = await h.say(user, "/mentor " + spec.typed, roles)
            assert "went wrong" not in reply.text, (spec.typed, reply.text)
    assert await _tables(db) == before


async def test_a_newcomers_first_read_creates_them(make_harness: HarnessFactory) -> None:
    """Read-only at first, the command finds a person to create and runs as a write."""
    h = await make_harness()
    reply = await h.say("newcomer", "/mentor queue")
    assert not reply.is_error
    async with h.core.bus.db.transaction() as tx:
        names = [r["display_name"] for r in await tx.fetch("SELECT display_name FROM persons")]
    assert names == ["newcomer"]


async def test_on_sqlite_a_read_takes_no_write_lock(
    make_harness: HarnessFactory, storage_url: str
) -> None:
    """While another program holds SQLite's write lock, a read is answered (a write would
    wait for the lock, and after the busy timeout fail)."""
    if not storage_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    h = await make_harness()
    await h.ok("ana", "/mentor skills add python")
    other = sqlite3.connect(storage_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        reply = await h.say("ana", "/mentor skills")
        assert "python" in reply.text and not reply.is_error
    finally:
        other.execute("ROLLBACK")
        other.close()
