"""Open the database a storage URL names and bring its schema up to date."""

from __future__ import annotations

from pathlib import Path

from bot.storage.database import Database
from bot.storage.migrations import migrate


def _sqlite_path(path: str) -> str:
    """Expand `~` and create the folder, so a fresh data directory just works."""
    if path == ":memory:":
        return path
    full = Path(path).expanduser()
    full.parent.mkdir(parents=True, exist_ok=True)
    return str(full)


async def open_database(url: str, *, migrate_schema: bool = True) -> Database:
    """`sqlite:///path` or `postgresql://...`; creates the SQLite file's folder if needed."""
    db: Database
    if url.startswith("sqlite://"):
        from bot.storage.sqlite import SqliteDatabase

        # SQLAlchemy's convention: sqlite:///relative.db, sqlite:////absolute/path.db
        if not url.startswith("sqlite:///"):
            raise ValueError('a SQLite URL looks like "sqlite:///path/to/file.db"')
        db = await SqliteDatabase.open(_sqlite_path(url.removeprefix("sqlite:///")))
    elif url.startswith(("postgresql://", "postgres://")):
        from bot.storage.postgres import PostgresDatabase

        db = await PostgresDatabase.open(url)
    else:
        raise ValueError(f"unsupported storage URL scheme: {url.split(':', 1)[0]}")
    if migrate_schema:
        try:
            await migrate(db)
        except BaseException:
            await db.close()
            raise
    return db
