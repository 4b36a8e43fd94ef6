"""The shared engine: asyncpg with a pool, one transaction per command."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from bot.storage.database import Params, Row, to_positional


def _args(sql: str, params: Params | None) -> tuple[str, list[Any]]:
    text, names = to_positional(sql)
    values = params or {}
    return text, [values[name] for name in names]


class PostgresTransaction:
    """Statements on one pooled connection inside its transaction."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def fetch(self, sql: str, params: Params | None = None) -> list[Row]:
        text, args = _args(sql, params)
        return list(await self._conn.fetch(text, *args))

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        text, args = _args(sql, params)
        row: Row | None = await self._conn.fetchrow(text, *args)
        return row

    async def fetch_val(self, sql: str, params: Params | None = None) -> Any:
        text, args = _args(sql, params)
        return await self._conn.fetchval(text, *args)

    async def execute(self, sql: str, params: Params | None = None) -> None:
        text, args = _args(sql, params)
        if args:
            await self._conn.execute(text, *args)
        else:
            await self._conn.execute(text)


class PostgresDatabase:
    """A pool; PostgreSQL's row locks and conditional updates decide every race."""

    dialect = "postgresql"

    def __init__(self, pool: Any) -> None:
        self._pool = pool

    @classmethod
    async def open(
        cls,
        dsn: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        server_settings: dict[str, str] | None = None,
    ) -> PostgresDatabase:
        """Connect a pool to `dsn`."""
        pool = await asyncpg.create_pool(
            dsn, min_size=min_size, max_size=max_size, server_settings=server_settings
        )
        return cls(pool)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresTransaction]:
        async with self._pool.acquire() as conn, conn.transaction():
            yield PostgresTransaction(conn)

    async def close(self) -> None:
        await self._pool.close()
