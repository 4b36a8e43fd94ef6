"""The shared engine: asyncpg with a pool, one transaction per command."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from bot.storage.database import Params, Row, to_positional
from bot.storage.errors import StoreError


def where(dsn: str) -> str:
    """`host:port/database` of a DSN, without the user or password, for messages."""
    netloc = urlsplit(dsn).netloc.rpartition("@")[2] or "localhost"
    path = urlsplit(dsn).path
    return netloc + (path if path not in ("", "/") else "")


def explain(exc: BaseException, dsn: str) -> str | None:
    """What a person should do about a failure to open or upgrade the store; None when the
    error is not about the server, the URL or the login (a bug keeps its traceback)."""
    at, detail = where(dsn), _scrub(str(exc), dsn)
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return (
            f"PostgreSQL at {at} has no such database ({detail}); create it (createdb) "
            "or correct the database name in storage.url"
        )
    if isinstance(exc, asyncpg.InvalidAuthorizationSpecificationError):
        return (
            f"PostgreSQL at {at} refused the login ({detail}); check the user and password "
            "in storage.url"
        )
    if isinstance(exc, asyncpg.InsufficientPrivilegeError):
        return (
            f"PostgreSQL at {at} refused ({detail}); the user in storage.url must be allowed "
            "to create tables in its schema"
        )
    if isinstance(exc, asyncpg.ReadOnlySQLTransactionError):
        return (
            f"PostgreSQL at {at} is read-only ({detail}); point storage.url at the primary "
            "server, not a standby"
        )
    if isinstance(exc, asyncpg.SyntaxOrAccessError):
        return None  # a statement of ours is wrong: a bug, keep its traceback
    if isinstance(exc, asyncpg.PostgresError):
        return f"PostgreSQL at {at} refused ({detail})"
    if isinstance(exc, OSError):  # refused, unknown host, timeout, TLS
        return (
            f"cannot reach PostgreSQL at {at} ({detail}); is the server running, and are the "
            "host and port in storage.url right?"
        )
    return None


def _args(sql: str, params: Params | None) -> tuple[str, list[Any]]:
    text, names = to_positional(sql)
    values = params or {}
    return text, [values[name] for name in names]


def _scrub(text: str, dsn: str) -> str:
    """`text` without the DSN's password, should a library quote it."""
    userinfo = urlsplit(dsn).netloc.rpartition("@")[0]
    password = userinfo.partition(":")[2]
    return text.replace(password, "********") if password else text


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


# PostgreSQL's JIT compiles a query whose planned cost is high; the recursive queries over
# linked accounts (identities.KEPT_APART) are planned at millions of rows, so every ask paid
# 0.4-0.7 s of compiling for 0.1 ms of work. Short transactional queries never gain from it.
SERVER_SETTINGS = {"jit": "off"}


async def _nothing_to_reset(conn: Any) -> None:
    """A connection goes back to the pool as it came: we keep no session state (no LISTEN,
    no session SET, only transaction-scoped advisory locks), and asyncpg rolls back a
    transaction left open before calling this. Its default reset costs a round trip per
    transaction."""


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
        try:
            pool = await asyncpg.create_pool(
                dsn,
                min_size=min_size,
                max_size=max_size,
                server_settings={**SERVER_SETTINGS, **(server_settings or {})},
                reset=_nothing_to_reset,
            )
        except ValueError as exc:
            # asyncpg's own reading of the URL (a port that is not a number, an unknown
            # parameter); its text never carries the password, but say only what is wrong.
            raise StoreError(
                f"storage.url is not a PostgreSQL URL micromentor can read "
                f"({type(exc).__name__}: {_scrub(str(exc), dsn)}); it looks like "
                "postgresql://user:password@host:5432/database"
            ) from exc
        except Exception as exc:
            text = explain(exc, dsn)
            if text is None:
                raise
            raise StoreError(text) from exc
        return cls(pool)

    @asynccontextmanager
    async def transaction(self, *, read_only: bool = False) -> AsyncIterator[PostgresTransaction]:
        async with self._pool.acquire() as conn, conn.transaction(readonly=read_only):
            yield PostgresTransaction(conn)

    async def close(self) -> None:
        await self._pool.close()
