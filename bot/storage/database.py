"""The thin protocol both engines implement. SQL uses `:name` parameters everywhere."""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from functools import lru_cache
from typing import Any, Protocol

Params = Mapping[str, Any]


class Row(Protocol):
    """A result row: both sqlite3.Row and asyncpg.Record index by column name."""

    def __getitem__(self, key: str, /) -> Any: ...


class Transaction(Protocol):
    """Statements run inside one transaction."""

    async def fetch(self, sql: str, params: Params | None = None) -> list[Row]:
        """All rows."""
        ...

    async def fetch_one(self, sql: str, params: Params | None = None) -> Row | None:
        """The first row, or None."""
        ...

    async def fetch_val(self, sql: str, params: Params | None = None) -> Any:
        """The first column of the first row, or None."""
        ...

    async def execute(self, sql: str, params: Params | None = None) -> None:
        """Run a statement for its effect."""
        ...


class Database(Protocol):
    """A store: `async with db.transaction() as tx:` is the only way in."""

    dialect: str  # "sqlite" | "postgresql"

    def transaction(self, *, read_only: bool = False) -> AbstractAsyncContextManager[Transaction]:
        """One transaction; commits on success. A write transaction (the default) takes
        SQLite's write lock at once (BEGIN IMMEDIATE); a read-only one takes none, and
        PostgreSQL refuses a write in it."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


_NAMED = re.compile(r"(?<![:\w]):([a-zA-Z_]\w*)")


@lru_cache(maxsize=1024)
def to_positional(sql: str) -> tuple[str, tuple[str, ...]]:
    """Rewrite `:name` parameters as PostgreSQL's `$1`, returning the names in order."""
    names: list[str] = []

    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    return _NAMED.sub(sub, sql), tuple(names)
