"""Races around a reveal on PostgreSQL (SQLite writes one transaction at a time): a rating and
a link, each paused in its transaction while the ratings-close timer reveals the session. The
mirror of counted ratings (mentor_ratings) must come out right, and nothing may fail."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

import bot.service.linking as linking
import bot.service.ratings as ratings
from bot.domain.messages import Actor, Reply
from tests.conftest import Harness, HarnessFactory
from tests.integration.test_reputation_mirror import MODS, mirror_problems


async def ended_session(make_harness: HarnessFactory, ended_by: str) -> Harness:
    """ana asked m1 for python, both checked in, `ended_by` ended it."""
    h = await make_harness(**MODS)
    if h.core.db.dialect != "postgresql":
        pytest.skip("SQLite's BEGIN IMMEDIATE runs the two transactions one after the other")
    await h.mentor("m1", "python")
    await h.ok("ana", "/mentor ask python --with @m1 -- question")
    await h.ok("m1", "/mentor accept r1")
    await h.ok("ana", "/mentor checkin s1")
    await h.ok("m1", "/mentor checkin s1")
    await h.ok(ended_by, "/mentor done s1")
    return h


def pause(
    monkeypatch: pytest.MonkeyPatch, module: Any, name: str
) -> tuple[asyncio.Event, asyncio.Event]:
    """Hold `module.name` (reached mid-transaction) until `go_on` is set; `reached` tells."""
    reached, go_on = asyncio.Event(), asyncio.Event()
    real: Callable[..., Awaitable[Any]] = getattr(module, name)

    async def paused(*args: Any, **kwargs: Any) -> Any:
        reached.set()
        await go_on.wait()
        return await real(*args, **kwargs)

    monkeypatch.setattr(module, name, paused)
    return reached, go_on


async def race_the_close(
    h: Harness, command: Awaitable[Reply], reached: asyncio.Event, go_on: asyncio.Event
) -> Reply:
    """Run `command` to its pause, let the ratings-close timer start, then let both finish."""
    task = asyncio.ensure_future(command)
    await asyncio.wait_for(reached.wait(), 10)
    timer = asyncio.ensure_future(h.wait(timedelta(seconds=2)))
    await asyncio.sleep(0.3)  # the timer's reveal is waiting on the held session, or done
    go_on.set()
    reply = await asyncio.wait_for(task, 10)
    await asyncio.wait_for(timer, 10)
    return reply


async def failed_timers(h: Harness) -> list[tuple[object, ...]]:
    async with h.core.db.transaction() as tx:
        rows = await tx.fetch("SELECT kind, error FROM due_actions WHERE error IS NOT NULL")
    return [tuple(r) for r in rows]


async def test_a_rating_added_as_the_window_closes_is_counted(
    make_harness: HarnessFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ana's rating is inserted a second before the window closes and held uncommitted while
    the timer reveals: the reveal waits for it and counts it."""
    h = await ended_session(make_harness, "m1")
    h.advance(h.core.config.sessions.rating_window - timedelta(seconds=1))
    await h.ok("m1", "/mentor rate s1 2")
    reached, go_on = pause(monkeypatch, ratings, "everyone_rated")
    reply = await race_the_close(h, h.say("ana", "/mentor rate s1 5"), reached, go_on)
    assert not reply.is_error, reply.text
    assert await failed_timers(h) == []
    async with h.core.db.transaction() as tx:
        mirrored = await tx.fetch_val("SELECT COUNT(*) FROM mentor_ratings")
    assert mirrored == 1  # ana's rating of m1
    assert await mirror_problems(h) == []


async def test_linking_as_the_window_closes_leaves_the_reveal_whole(
    make_harness: HarnessFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """m1 links his console record into his Slack record while the timer reveals the session
    he mentored: the reveal waits for the link, nothing fails, the rating lands on the record
    that stays."""
    h = await ended_session(make_harness, "ana")
    await h.ok("ana", "/mentor rate s1 5")  # m1 doesn't rate: the window has to close
    h.advance(h.core.config.sessions.rating_window - timedelta(seconds=1))
    slack = Actor("slack", "T1", "U-M1", "m1")
    code = (await h.core.bus.handle_line(slack, "/mentor link")).text
    code = code.split("code is ")[1].split(".")[0]
    reached, go_on = pause(monkeypatch, linking, "refresh_rotation")  # after MERGE
    reply = await race_the_close(h, h.say("m1", f"/mentor link {code}"), reached, go_on)
    assert not reply.is_error, reply.text
    assert await failed_timers(h) == []
    async with h.core.db.transaction() as tx:
        revealed = await tx.fetch_val("SELECT ratings_revealed_at FROM sessions WHERE id = 1")
        owner = await tx.fetch_val("SELECT person_id FROM mentor_ratings")
        kept = await tx.fetch_val(
            "SELECT person_id FROM identities WHERE platform = 'slack' AND user_id = 'U-M1'"
        )
    assert revealed is not None
    assert owner == kept
    assert await mirror_problems(h) == []
