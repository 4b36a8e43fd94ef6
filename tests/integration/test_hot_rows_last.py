"""Every wave of offers writes its mentors' place in the rotation, so concurrent asks meet on
those rows, and on PostgreSQL each waits for the other's row locks until it commits. Those
writes come last in the transaction, after the messages are staged, in the order of the
mentors' ids: the locks are held for the commit only, and two asks can't deadlock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from bot.storage.database import Database, Params, Row, Transaction
from bot.storage.sql import offers as offer_sql
from bot.storage.sql import platform as platform_sql
from tests.conftest import HarnessFactory


class _Recording:
    def __init__(self, inner: Transaction, log: list[tuple[str, Params | None]]) -> None:
        self.inner = inner
        self.log = log

    async def fetch(self, sql: str, params: Params | None = None) -> list[Row]:
        self.log.append((sql, params))
        return await self.inner.fetch(sql, params)

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        self.log.append((sql, params))
        return await self.inner.fetch_one(sql, params)

    async def fetch_val(self, sql: str, params: Params | None = None) -> Any:
        self.log.append((sql, params))
        return await self.inner.fetch_val(sql, params)

    async def execute(self, sql: str, params: Params | None = None) -> None:
        self.log.append((sql, params))
        await self.inner.execute(sql, params)


class RecordingDatabase:
    """The real store, with each transaction's statements kept in order."""

    def __init__(self, inner: Database) -> None:
        self.inner = inner
        self.dialect = inner.dialect
        self.transactions: list[list[tuple[str, Params | None]]] = []

    @asynccontextmanager
    async def transaction(self, *, read_only: bool = False) -> AsyncIterator[Transaction]:
        log: list[tuple[str, Params | None]] = []
        self.transactions.append(log)
        async with self.inner.transaction(read_only=read_only) as tx:
            yield _Recording(tx, log)

    async def close(self) -> None:
        await self.inner.close()


ROTATION = (offer_sql.MARK_OFFERED, offer_sql.MARK_SKILLS_OFFERED)


async def test_an_asks_rotation_writes_come_last_in_id_order(
    make_harness: HarnessFactory,
) -> None:
    h = await make_harness(**{"routing.wave_size": "3"})
    for user in ("m1", "m2", "m3"):
        await h.mentor(user, "python")
    recording = RecordingDatabase(h.core.bus.db)
    h.core.bus.db = recording
    await h.ok("ana", "/mentor ask python -- How do I read a CSV file with pandas?")
    (ask,) = [t for t in recording.transactions if any(s in ROTATION for s, _ in t)]
    tail = ask[-6:]
    assert [s for s, _ in tail] == list(ROTATION) * 3
    assert platform_sql.PUT_OUTBOX in [s for s, _ in ask[:-6]]  # the messages were staged
    ids = [p["id"] for s, p in tail if s == offer_sql.MARK_OFFERED and p is not None]
    assert ids == sorted(ids) and len(set(ids)) == 3


async def test_a_wave_from_the_sweep_writes_them_last_too(make_harness: HarnessFactory) -> None:
    """The next wave, sent by a due action rather than a command."""
    h = await make_harness(**{"routing.wave_size": "1"})
    for user in ("m1", "m2"):
        await h.mentor(user, "python")
    await h.ok("ana", "/mentor ask python -- How do I read a CSV file with pandas?")
    recording = RecordingDatabase(h.core.sweep.db)
    h.core.sweep.db = recording
    await h.wait(timedelta(minutes=30))
    waves = [t for t in recording.transactions if any(s in ROTATION for s, _ in t)]
    assert waves, "no second wave went out"
    for tx in waves:
        assert [s for s, _ in tx[-2:]] == list(ROTATION)
