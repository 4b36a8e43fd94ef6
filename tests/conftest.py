"""Shared fixtures: the store on both engines, and a harness that drives the real core."""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.config import Config, load_config
from bot.domain.messages import (
    Actor,
    ChannelAddress,
    OutboundMessage,
    PersonAddress,
    Reply,
    SessionAddress,
)
from bot.process.bootstrap import Core, start_core
from bot.service.notifier import CollectingNotifier

PG_DSN_ENV = "MICROMENTOR_TEST_POSTGRES_DSN"
START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday

ENGINES = ["sqlite", "postgresql"]


def pg_dsn() -> str | None:
    return os.environ.get(PG_DSN_ENV) or None


def _with_search_path(dsn: str, schema: str) -> str:
    return dsn + ("&" if "?" in dsn else "?") + f"search_path={schema}"


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A throwaway PostgreSQL schema for one test, dropped afterwards."""
    dsn = pg_dsn()
    if dsn is None:
        pytest.skip(f"{PG_DSN_ENV} is not set")
    import asyncio

    import asyncpg

    schema = f"mm_test_{uuid.uuid4().hex[:12]}"

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f"CREATE SCHEMA {schema}"))
    try:
        yield _with_search_path(dsn, schema)
    finally:
        asyncio.run(run(f"DROP SCHEMA {schema} CASCADE"))


@pytest.fixture(params=ENGINES)
def storage_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store on each engine: a real SQLite file, and PostgreSQL when configured."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'micromentor.db'}"
    url: str = request.getfixturevalue("pg_schema_url")
    return url


def make_config(storage_url: str, **overrides: Any) -> Config:
    """The default config on the given store, with dotted-key overrides."""
    # No flood limit unless a test asks for one: tests send many commands in one clock minute.
    env = {"MICROMENTOR_STORAGE__URL": storage_url, "MICROMENTOR_LIMITS__COMMANDS_PER_MINUTE": "0"}
    for key, value in overrides.items():
        env["MICROMENTOR_" + key.upper().replace(".", "__")] = str(value)
    return load_config(None, environ=env)


@dataclass
class Harness:
    """Drives the real core as console users, on a manual clock; records what is sent."""

    core: Core
    clock: ManualClock
    notifier: CollectingNotifier
    replies: list[tuple[str, Reply]] = field(default_factory=list)

    async def say(self, user: str, line: str, roles: tuple[str, ...] = ()) -> Reply:
        """Type a command as `user`."""
        reply = await self.core.bus.handle_line(
            Actor("console", "console", user, user, roles), line
        )
        self.replies.append((user, reply))
        return reply

    async def ok(self, user: str, line: str) -> Reply:
        """Say it and insist it worked."""
        reply = await self.say(user, line)
        assert not reply.is_error, f"{user}: {line!r} failed: {reply.text}"
        return reply

    def take(self) -> list[OutboundMessage]:
        """Messages sent since the last take."""
        sent, self.notifier.sent = self.notifier.sent, []
        return sent

    def to(self, messages: list[OutboundMessage], user: str) -> list[OutboundMessage]:
        return [m for m in messages if isinstance(m.to, PersonAddress) and m.to.user_id == user]

    def advance(self, delta: timedelta) -> None:
        """Move the clock without running due actions."""
        self.clock.advance(delta)

    async def wait(self, delta: timedelta) -> int:
        """Let time pass: every due action on the way runs, in order."""
        return await self.core.sweep.advance(self.clock, delta)

    def channel(self, messages: list[OutboundMessage], name: str) -> list[OutboundMessage]:
        """Messages posted to #mentors / #moderators."""
        return [m for m in messages if isinstance(m.to, ChannelAddress) and m.to.channel == name]

    def space(self, messages: list[OutboundMessage], session_id: int) -> list[OutboundMessage]:
        """Messages to a session's own space."""
        return [
            m
            for m in messages
            if isinstance(m.to, SessionAddress) and m.to.session_id == session_id
        ]

    async def mentor(self, user: str, *skills: str, available: bool = True) -> None:
        await self.ok(user, "/mentor skills add " + " ".join(skills))
        if available:
            await self.ok(user, "/mentor available for 8h")

    async def held(self, mentee: str, mentor: str, ask: str, request: str, session: str) -> None:
        """`mentee` asks (`/mentor ask <ask>`), `mentor` accepts `request`, both check in to
        `session` and the mentor ends it: a session that took place, to rate or dispute."""
        await self.ok(mentee, f"/mentor ask {ask}")
        await self.ok(mentor, f"/mentor accept {request}")
        for user in (mentee, mentor):
            await self.ok(user, f"/mentor checkin {session}")
        await self.ok(mentor, f"/mentor done {session}")


HarnessFactory = Callable[..., Awaitable[Harness]]


@pytest.fixture
async def make_harness(storage_url: str) -> AsyncIterator[HarnessFactory]:
    """Build harnesses on this test's store, with dotted config overrides."""
    cores: list[Core] = []

    async def build(**overrides: Any) -> Harness:
        clock = ManualClock(START)
        notifier = CollectingNotifier()
        core = await start_core(
            make_config(storage_url, **overrides), notifier, clock=clock, rng=random.Random(1234)
        )
        cores.append(core)
        return Harness(core, clock, notifier)

    yield build
    for core in cores:
        await core.close()


@pytest.fixture
async def harness(make_harness: HarnessFactory) -> Harness:
    """The default harness."""
    return await make_harness()
