"""The embedded engine: aiosqlite on one connection, one BEGIN IMMEDIATE per command."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.storage.database import Params, Row
from bot.storage.errors import ELSEWHERE, StoreError

MIN_SQLITE = (3, 35, 0)  # RETURNING


class SqliteTransaction:
    """Statements on the shared connection while this transaction holds it."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def fetch(self, sql: str, params: Params | None = None) -> list[Row]:
        rows = await self._conn.execute_fetchall(sql, params or {})
        return list(rows)

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        rows = await self._conn.execute_fetchall(sql, params or {})
        for row in rows:
            return row
        return None

    async def fetch_val(self, sql: str, params: Params | None = None) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]  # type: ignore[index]

    async def execute(self, sql: str, params: Params | None = None) -> None:
        await self._conn.execute_fetchall(sql, params or {})


def explain(exc: sqlite3.Error, path: str | Path, elsewhere: str = ELSEWHERE) -> str:
    """What went wrong with the SQLite file at `path`, and what to do about it."""
    detail = str(exc) or type(exc).__name__
    lowered = detail.lower()
    if any(word in lowered for word in ("not a database", "malformed", "already exists")):
        return f"{path} is not a micromentor database ({detail}); restore a backup or move it away"
    if "locked" in lowered or "busy" in lowered:
        return f"{path} is locked by another program ({detail}); stop it and start again"
    if "full" in lowered:
        return f"the disk holding {path} is full ({detail}); free some space"
    if any(word in lowered for word in ("readonly", "read-only", "unable to open", "i/o")):
        # SQLite writes the file and, next to it, its -wal and -shm files.
        return (
            f"cannot write {path} ({detail}); micromentor must be able to write that file "
            "and its folder: check the permissions and that the disk is not mounted "
            f"read-only, {elsewhere}"
        )
    return f"cannot use the database {path} ({detail})"


async def _enable_wal(conn: aiosqlite.Connection, patience: float) -> None:
    """Switch to WAL. The switch needs an exclusive lock and SQLite does not call the busy
    handler for it, so processes opening a new file at once retry here instead."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    delay = 0.005
    while True:
        try:
            await conn.execute_fetchall("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or loop.time() > deadline:
                raise
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.1)


class SqliteDatabase:
    """One aiosqlite connection; an asyncio lock keeps its transactions apart in-process.

    Across connections and processes it is SQLite itself (BEGIN IMMEDIATE plus busy_timeout)
    that decides who writes, so claims stay correct with any number of writers.
    """

    dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path

    @classmethod
    async def open(cls, path: str, *, busy_timeout_ms: int = 10_000) -> SqliteDatabase:
        """Open (creating if needed) with WAL, foreign keys and a busy timeout."""
        if sqlite3.sqlite_version_info < MIN_SQLITE:
            raise RuntimeError(
                f"SQLite {sqlite3.sqlite_version} is too old: micromentor needs 3.35 or newer "
                "(for RETURNING). Upgrade SQLite or use PostgreSQL."
            )
        try:
            conn = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(explain(exc, path)) from exc
        try:
            conn.row_factory = sqlite3.Row
            await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            await _enable_wal(conn, busy_timeout_ms / 1000)
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            await conn.close()
            raise StoreError(explain(exc, path)) from exc
        except BaseException:
            await conn.close()
            raise
        return cls(conn, path)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteTransaction]:
        async with self._lock:
            await self._conn.execute_fetchall("BEGIN IMMEDIATE")
            try:
                yield SqliteTransaction(self._conn)
            except BaseException:
                await self._conn.execute_fetchall("ROLLBACK")
                raise
            await self._conn.execute_fetchall("COMMIT")

    async def close(self) -> None:
        await self._conn.close()
